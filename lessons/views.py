from __future__ import annotations

import functools
import uuid

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from attachment_guide.http import private
from attachment_guide.journal import reflections
from attachment_guide.journal.reflections import Reflection
from attachment_guide.journal.services import Answers, answers_for_prompts
from attachment_guide.spaces.services import (
    SESSION_KEY,
    readable_space_id,
    space_for_request,
    space_get_or_create,
)
from lessons.content import Lesson, get_catalog
from lessons.forms import ProblemReportForm
from lessons.models import LessonProgress, ProblemReport
from lessons.problem_reports import TooManyReports, problem_report_create
from lessons.progress import Progress, progress_for_space, progress_record, progress_reset


def modules_with_progress(modules, progress: Progress) -> list[dict]:
    return [
        {
            "module": module,
            "lessons": progress.lesson_states(module.lessons),
            "done": progress.done_count(module.lessons),
        }
        for module in modules
    ]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    catalog = get_catalog()
    progress = progress_for_space(catalog=catalog, space_id=readable_space_id(request))
    ctx = {
        "modules": modules_with_progress(catalog.modules, progress),
        "first_lesson": next(iter(catalog.lessons), None),
        "resume": progress.resume,
        "done": progress.done_count(catalog.lessons),
        "total": len(catalog.lessons),
        "started": bool(progress.rows),
    }
    return private(render(request, "lessons/home.html", ctx))


@require_GET
def module_detail(request: HttpRequest, module_slug: str) -> HttpResponse:
    catalog = get_catalog()
    module = catalog.module(module_slug)
    if module is None:
        raise Http404("No such module")
    progress = progress_for_space(catalog=catalog, space_id=readable_space_id(request))
    ctx = {"module": module, "progress": modules_with_progress([module], progress)[0]}
    return private(render(request, "lessons/module.html", ctx))


def lesson_page(
    request: HttpRequest, lesson: Lesson, *, override: Reflection | None = None, status: int = 200
) -> HttpResponse:
    """A lesson with each prompt's writing box, holding this person's answers if any.

    A reader with no space gets no query at all; one with a space gets one for the lesson.
    """
    space_id = readable_space_id(request)
    locked = space_id is None and SESSION_KEY in request.session
    anonymous = space_id is None and AUTH_SESSION_KEY not in request.session and not locked
    if anonymous and override is None and not request.GET:
        return private(anonymous_lesson(request, lesson))
    prompt_ids = [prompt.id for prompt in lesson.prompts]
    answers = answers_for_prompts(space_id=space_id, prompt_ids=prompt_ids)
    boxes = {}
    for prompt in lesson.prompts:
        box = reflections.for_prompt(prompt, answers[prompt.id])
        if request.GET.get("fresh") == prompt.id:
            box.start_fresh()
        elif request.GET.get("saved") == prompt.id and box.current:
            box.mark_saved(box.current)
        boxes[prompt.id] = box
    if override is not None:
        boxes[override.key] = override
    ctx = {
        "lesson": lesson,
        "module": lesson.module,
        "reflections": boxes,
        "has_space": space_id is not None,
        "locked": locked,
        "progress": lesson_progress(space_id, lesson),
        "catalog_grounding": get_catalog().grounding,
        "blank_report_fields": blank_report_fields(get_language()),
    }
    # The page may hold the person's own words: keep it out of every cache.
    return private(render(request, "lessons/lesson.html", ctx, status=status))


# A reader with no space sees the same page as every other such reader, but for the
# anti-forgery token and the fresh ids each writing box carries. So the page is rendered once
# per lesson with markers in their place, and each request only fills them in.
_anonymous_pages: dict[tuple, tuple[str, int]] = {}
_TOKEN_MARK = "csrf-token-mark-0f3c9a"  # noqa: S105  (a marker, not a secret)


def anonymous_lesson(request: HttpRequest, lesson: Lesson) -> HttpResponse:
    key = (id(get_catalog()), lesson.module_slug, lesson.slug, get_language())
    cached = _anonymous_pages.get(key)
    if cached is None:
        boxes, marks = {}, 0
        for prompt in lesson.prompts:
            box = reflections.for_prompt(prompt, Answers())
            box.entry_id, box.writer, box.both_id = (
                f"id-mark-{marks}-0f3c9a",
                f"id-mark-{marks + 1}-0f3c9a",
                f"id-mark-{marks + 2}-0f3c9a",
            )
            marks += 3
            boxes[prompt.id] = box
        ctx = {
            "lesson": lesson,
            "module": lesson.module,
            "reflections": boxes,
            "has_space": False,
            "progress": None,
            "catalog_grounding": get_catalog().grounding,
            "blank_report_fields": blank_report_fields(get_language()),
            "csrf_token": _TOKEN_MARK,
        }
        cached = (render_to_string("lessons/lesson.html", ctx, request=request), marks)
        _anonymous_pages[key] = cached
    html, marks = cached
    html = html.replace(_TOKEN_MARK, get_token(request))
    for mark in range(marks):
        html = html.replace(
            f"id-mark-{mark}-0f3c9a", uuid.uuid4().hex if mark % 3 == 1 else str(uuid.uuid4())
        )
    return HttpResponse(html)


@functools.cache
def blank_report_fields(language: str) -> str:
    """The empty "Report a problem" fields are the same on every lesson and for everyone:
    rendered once per language (rendering the form was a fifth of a signed-in lesson view)."""
    fields = "".join(f'<div class="field">{f.as_field_group()}</div>' for f in ProblemReportForm())
    return mark_safe(fields)  # noqa: S308  (Django's own escaped form rendering)


def lesson_progress(space_id, lesson: Lesson) -> LessonProgress | None:
    return (
        LessonProgress.objects.owned_by(space_id)
        .filter(module_slug=lesson.module_slug, lesson_slug=lesson.slug)
        .first()
    )


@require_GET
def lesson_detail(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    catalog = get_catalog()
    lesson = catalog.lesson(module_slug, lesson_slug)
    if lesson is None:
        if renamed := catalog.renamed_lesson(module_slug, lesson_slug):
            return redirect("lesson", module_slug, renamed.slug, permanent=True)
        raise Http404("No such lesson")
    return lesson_page(request, lesson)


def _lesson_or_404(module_slug: str, lesson_slug: str) -> Lesson:
    lesson = get_catalog().lesson(module_slug, lesson_slug)
    if lesson is None:
        raise Http404("No such lesson")
    return lesson


@require_POST
def lesson_progress_update(
    request: HttpRequest, module_slug: str, lesson_slug: str
) -> HttpResponse:
    """Record reading: a section came into view, the end was reached, or a button was pressed.

    Automatic updates come only from pages of people who already have a space; pressing
    "Mark as done" or "Remember my place" is a choice, so it may create the space.
    """
    lesson = _lesson_or_404(module_slug, lesson_slug)
    chosen = any(key in request.POST for key in ("done", "reset", "remember"))
    space = space_get_or_create(request)[0] if chosen else space_for_request(request)
    row = None
    if space is not None:
        if "reset" in request.POST:
            progress_reset(space=space, lesson=lesson)
        else:
            row = progress_record(
                space=space,
                lesson=lesson,
                section=request.POST.get("section", ""),
                done="done" in request.POST or "reached_end" in request.POST,
            )
    if not request.htmx:
        return redirect(
            reverse("lesson", args=[lesson.module_slug, lesson.slug]) + "#lesson-progress"
        )
    ctx = {
        "lesson": lesson,
        "module": lesson.module,
        "progress": row,
        "has_space": space is not None,
    }
    return private(render(request, "lessons/lesson.html#progress", ctx))


@require_POST
@sensitive_post_parameters("comment")
@vary_on_headers("HX-Request")
def lesson_report(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    """Store a "Report a problem with this lesson" form, with nothing about who sent it.

    With htmx the form is swapped in place; without JavaScript a good report redirects to a
    thank-you page, and a bad one comes back on a page of its own with the words kept.
    """
    lesson = _lesson_or_404(module_slug, lesson_slug)
    form = ProblemReportForm(request.POST)
    status = 422
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            problem_report_create(lesson=lesson, kind=kind, comment=form.cleaned_data["comment"])
        except TooManyReports:
            form.add_error(
                None,
                _(
                    "Many reports have come in this hour, so this one was not sent. "
                    "Please try again later. Your words are still here."
                ),
            )
            status = 429
        else:
            if not request.htmx:
                url = reverse("lesson_report_sent", args=[lesson.module_slug, lesson.slug])
                return redirect(f"{url}?kind={kind}")
            ctx = {"lesson": lesson, "module": lesson.module, "report_sent": True, "kind": kind}
            return private(render(request, "lessons/lesson.html#report", ctx))
    ctx = {"lesson": lesson, "module": lesson.module, "report_form": form}
    template = "lessons/lesson.html#report" if request.htmx else "lessons/report.html"
    return private(render(request, template, ctx, status=status))


@require_GET
def lesson_report_sent(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = _lesson_or_404(module_slug, lesson_slug)
    kind = request.GET.get("kind", "")
    ctx = {
        "lesson": lesson,
        "module": lesson.module,
        "report_sent": True,
        "kind": kind if kind in ProblemReport.Kind.values else "",
    }
    return render(request, "lessons/report.html", ctx)


@require_GET
def glossary(request: HttpRequest) -> HttpResponse:
    glossary = get_catalog().glossary
    if glossary is None:
        raise Http404("No glossary")
    return render(request, "lessons/glossary.html", {"glossary": glossary})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
