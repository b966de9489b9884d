from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from attachment_guide.db.plain import fetch, prep
from attachment_guide.frames import Frame, FrameCache, Reader, slot
from attachment_guide.http import private, private_to_a_reader, reverse_once
from attachment_guide.journal import reflections
from attachment_guide.journal.reflections import Reflection
from attachment_guide.journal.services import Answers, answers_for_prompts
from attachment_guide.spaces.services import (
    MARKER_FIELD,
    AgreementMissing,
    SaveLimitReached,
    readable_space_id,
    space_claim_end,
    space_for_request,
    space_get_or_create,
    space_marker,
    space_marker_stale,
)
from attachment_guide.tokens import csrf_token, random_uuid, random_uuids
from lessons.content import Lesson, get_catalog
from lessons.forms import ProblemReportForm
from lessons.models import LessonProgress, ProblemReport
from lessons.problem_reports import TooManyReports, problem_report_create
from lessons.progress import Progress, progress_for_space, progress_record, progress_unmark


def modules_with_progress(modules, progress: Progress) -> list[dict]:
    return [
        {
            "module": module,
            "lessons": progress.lesson_states(module.lessons),
            "done": progress.done_count(module.lessons),
        }
        for module in modules
    ]


@require_safe
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


@require_safe
def module_detail(request: HttpRequest, module_slug: str) -> HttpResponse:
    catalog = get_catalog()
    module = catalog.module(module_slug)
    if module is None:
        raise Http404("No such module")
    progress = progress_for_space(catalog=catalog, space_id=readable_space_id(request))
    ctx = {"module": module, "progress": modules_with_progress([module], progress)[0]}
    return private(render(request, "lessons/module.html", ctx))


def lesson_page(
    request: HttpRequest,
    lesson: Lesson,
    *,
    overrides: dict[str, Reflection] | None = None,
    set_aside: Reflection | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    """A lesson with each prompt's writing box, holding this person's answers if any.

    A reader with no space gets no query at all; one with a space gets one for the answers
    and one for the progress. The page around the boxes is rendered once per lesson and kind
    of reader (`lesson_frame`); each request fills in only its own parts. `overrides` are
    boxes to show as they are, by prompt id (a refused save), and `set_aside` one more box
    under the one the page opens at (words for a question no longer in the lesson);
    `refused` says why a progress button kept nothing.
    A press refused as made for another space ("elsewhere") gets a panel still made for that
    space, so pressing again keeps nothing here either until the person signs back in.
    """
    space_id = readable_space_id(request)
    path = reverse_once("lesson", lesson.module_slug, lesson.slug)
    reader = Reader.of(request, space_id=space_id, path=path)
    frame = lesson_frame(lesson, reader)
    token = csrf_token(request)
    if space_id is None and not overrides and not refused:
        # Nothing here is this reader's own: the boxes are the same empty ones for everyone
        # (or, on a locked device, the same locked ones).
        page = empty_lesson(frame, lesson, reader).fill_bytes(fresh_ids(lesson, token))
        return private(HttpResponse(page, status=status))
    prompt_ids = [prompt.id for prompt in lesson.prompts]
    answers = answers_for_prompts(space_id=space_id, prompt_ids=prompt_ids)
    slots, marker = {"token": token}, space_marker(space_id)
    # Its boxes could make a space: they name this view of the page, as empty ones do.
    page_id = random_uuid() if space_id is None else ""
    # Without JavaScript one press can save several boxes: each says "Saved", and the first
    # (the one pressed) says where the words are kept when that save made the space.
    saved = request.GET.getlist("saved")
    overrides = overrides or {}
    for prompt in lesson.prompts:
        box = reflections.for_prompt(prompt, answers[prompt.id])
        if request.GET.get("fresh") == prompt.id:
            box.start_fresh()
        elif prompt.id in saved and box.current:
            box.mark_saved(box.current)
            box.other_gone = prompt.id in request.GET.getlist("alone")
            if prompt.id in request.GET.getlist("both"):
                box.kept_both = "earlier" if box.earlier else "journal"
            if prompt.id == saved[0]:
                reflections.show_first_save(box, request, reader)
        box = overrides.get(prompt.id, box)
        box.page = page_id
        slots[f"box:{prompt.id}"] = reflections.render(
            box, reader=reader, csrf_token=token, space_marker=marker
        )
        if set_aside is not None and box.focus:
            set_aside.page = page_id
            slots[f"box:{prompt.id}"] += reflections.render(
                set_aside, reader=reader, csrf_token=token, space_marker=marker
            )
    elsewhere = refused == "elsewhere"
    progress = None if elsewhere else lesson_progress(space_id, lesson)
    slots["progress"] = progress_panel(
        lesson,
        reader,
        progress=progress,
        token=token,
        marker=request.POST.get(MARKER_FIELD, "") if elsewhere else marker,
        refused=refused,
        page=page_id,
    )
    # The page may hold the person's own words: keep it out of every cache.
    return private(HttpResponse(frame.fill_bytes(slots), status=status))


# Lesson pages, empty lessons and progress panels, rendered once; a new catalog starts afresh.
_pages = FrameCache()


def lesson_frame(lesson: Lesson, reader: Reader) -> Frame:
    """The lesson page with slots for the token, each writing box and the progress panel."""
    catalog = get_catalog()

    def render() -> str:
        ctx = {
            "lesson": lesson,
            "module": lesson.module,
            "has_space": reader.has_space,
            "locked": reader.locked,
            "catalog_grounding": catalog.grounding,
            "blank_report_fields": blank_report_fields(get_language()),
            "csrf_token": slot("token"),
            "slots": {
                "boxes": {prompt.id: slot(f"box:{prompt.id}") for prompt in lesson.prompts},
                "progress": slot("progress"),
            },
        }
        return render_to_string("lessons/lesson.html", ctx, reader.stand_in())

    key = ("page", lesson.module_slug, lesson.slug, get_language(), reader)
    return _pages.get(catalog, key, render)


def empty_lesson(frame: Frame, lesson: Lesson, reader: Reader) -> Frame:
    """The page as a reader with no readable space sees it: empty boxes whose ids and token
    are slots (see `fresh_ids`) and whose forms name no space, and the progress panel of
    someone who has not started."""

    def render() -> str:
        token = slot("token")
        slots = {"token": token}
        for prompt in lesson.prompts:
            box = reflections.for_prompt(prompt, Answers())
            box.entry_id = slot(f"{prompt.id}:entry")
            box.writer = slot(f"{prompt.id}:writer")
            box.both_id = slot(f"{prompt.id}:both")
            box.page = slot("page")
            ctx = {"r": box, "csrf_token": token, "has_space": False, "space_marker": ""}
            slots[f"box:{prompt.id}"] = render_to_string(
                reflections.TEMPLATE, ctx, reader.stand_in()
            )
        slots["progress"] = progress_panel(
            lesson, reader, progress=None, token=token, marker="", page=slot("page")
        )
        return frame.fill(slots)

    # Keyed by the reader, not by `frame`: two readers' pages can be equal while their boxes
    # differ (the agreement tick is in the boxes only).
    key = ("empty", lesson.module_slug, lesson.slug, get_language(), reader)
    return _pages.get(get_catalog(), key, render)


def fresh_ids(lesson: Lesson, token: str) -> dict[str, str]:
    """What each reader's copy of an empty lesson needs of its own (see `Reflection`): the
    page's id, and each box's ids."""
    ids = iter(random_uuids(1 + 3 * len(lesson.prompts)))
    values = {"token": token, "page": next(ids)}
    for prompt in lesson.prompts:
        values[f"{prompt.id}:entry"] = next(ids)
        values[f"{prompt.id}:writer"] = next(ids).replace("-", "")  # as uuid4().hex
        values[f"{prompt.id}:both"] = next(ids)
    return values


@dataclass(frozen=True)
class _Progress:
    done: bool


def progress_panel(
    lesson: Lesson,
    reader: Reader,
    *,
    progress: LessonProgress | None,
    token: str,
    marker: str,
    refused: str = "",
    page: str = "",
) -> str:
    """`lessons/lesson.html#progress` for this reader, from a frame per lesson and state:
    rendered from a stand-in that knows only whether the lesson is started and done (and
    why a button press kept nothing, if it did). The token, the space marker and the page's
    id (a view made with no space: its press may take the space its first save made, see
    `space_get_or_create`) are slots."""
    state = None if progress is None else _Progress(done=progress.done)

    def render() -> str:
        ctx = {
            "lesson": lesson,
            "module": lesson.module,
            "has_space": reader.has_space,
            "progress": state,
            "refused": refused,
            "chosen": bool(refused),  # a press's answer: in view, it posts nothing by itself
            "csrf_token": slot("token"),
            "space_marker": slot("space_marker"),
            "page": slot("page") if page else "",
        }
        return render_to_string("lessons/lesson.html#progress", ctx, reader.stand_in())

    shape = (state, refused, bool(page))
    key = ("progress", lesson.module_slug, lesson.slug, get_language(), reader, *shape)
    frame = _pages.get(get_catalog(), key, render)
    values = {"token": token, "space_marker": escape(marker)}
    if page:
        values["page"] = page  # a uuid, or the empty lesson's own slot for it
    return frame.fill(values)


@functools.cache
def blank_report_fields(language: str) -> str:
    """The empty "Report a problem" fields are the same on every lesson and for everyone:
    rendered once per language (rendering the form was a fifth of a signed-in lesson view)."""
    fields = "".join(f'<div class="field">{f.as_field_group()}</div>' for f in ProblemReportForm())
    return mark_safe(fields)  # noqa: S308  (Django's own escaped form rendering)


def lesson_progress(space_id, lesson: Lesson) -> LessonProgress | None:
    """The space's progress in `lesson` (only whether it is done is loaded): a statement
    written once, since this read is on every returning reader's lesson page."""
    if space_id is None:
        return None
    found = fetch(
        LessonProgress,
        "space_id = %s AND module_slug = %s AND lesson_slug = %s",
        [prep(LessonProgress, "space", space_id), lesson.module_slug, lesson.slug],
        fields=("id", "done"),
    )
    return found[0] if found else None


@require_safe
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
    "Mark as done" or "Remember my place" is a choice, so it may create the space: the
    press agrees to the privacy notice, and counts only if the page showed the current one.
    Nothing comes from a page made for another space than this browser holds now (signed
    out, or someone else signed in, in another tab): which lesson one person reads must not
    show in another's "Continue where you left off".
    """
    lesson = _lesson_or_404(module_slug, lesson_slug)
    chosen = any(key in request.POST for key in ("done", "reset", "remember"))
    if space_marker_stale(request):
        if not chosen:  # a section came into view: nothing to do
            return private(HttpResponse(status=204))
        return _progress_refused(request, lesson, "elsewhere", has_space=True, status=409)
    try:
        if chosen:
            space = space_get_or_create(request, page=_page_sent(request))[0]
        else:
            space = space_for_request(request)
    except AgreementMissing as refusal:
        refused = "outdated" if refusal.outdated else "missing"
        return _progress_refused(request, lesson, refused, has_space=False, status=422)
    except SaveLimitReached:  # taking a page's space counts as one of its saves
        return private(HttpResponse(status=429, headers={"Retry-After": "60"}))
    row = None
    if space is not None:
        space_claim_end(request)  # this browser has its space: no retry may take it now
        if "reset" in request.POST:
            row = progress_unmark(space=space, lesson=lesson)
        else:
            row = progress_record(
                space=space,
                lesson=lesson,
                section=request.POST.get("section", ""),
                # A press says what the person chose: htmx sends the panel's "reached the
                # end" with it too, and "Remember my place" must not come back as "done".
                done="done" in request.POST or ("reached_end" in request.POST and not chosen),
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
        # The panel a press brings back is in view: were it to post "reached the end" again,
        # "Mark as not done" and "Remember my place" would be turned into "done" at once.
        "chosen": chosen,
        "unmarked": "reset" in request.POST and space is not None,
        "space_marker": space_marker(space and space.id),
        # A page made before this space (or before this press made it) gives all its forms
        # the marker, as a first save does (journal.views._save).
        "marker_changed": space is not None and not request.POST.get(MARKER_FIELD),
    }
    return private(render(request, "lessons/lesson.html#progress", ctx))


def _page_sent(request: HttpRequest) -> uuid.UUID | None:
    """The view of the page a progress press came from, when it was made with no space."""
    try:
        return uuid.UUID(request.POST.get("page", ""))
    except ValueError:
        return None


def _progress_refused(
    request: HttpRequest, lesson: Lesson, refused: str, *, has_space: bool, status: int
) -> HttpResponse:
    """A press that kept nothing: the lesson page says why, or with htmx its panel, which
    stays made for the space its page was (422: shown in place)."""
    if not request.htmx:
        return lesson_page(request, lesson, refused=refused, status=status)
    ctx = {
        "lesson": lesson,
        "module": lesson.module,
        "has_space": has_space,
        "refused": refused,
        "chosen": True,  # a press's answer: in view, it posts nothing by itself
        "space_marker": request.POST.get(MARKER_FIELD, ""),
        "page": "" if has_space else str(_page_sent(request) or ""),  # its page's, still
    }
    return private(render(request, "lessons/lesson.html#progress", ctx, status=422))


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


@require_safe
def lesson_report_sent(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = _lesson_or_404(module_slug, lesson_slug)
    kind = request.GET.get("kind", "")
    ctx = {
        "lesson": lesson,
        "module": lesson.module,
        "report_sent": True,
        "kind": kind if kind in ProblemReport.Kind.values else "",
    }
    return private_to_a_reader(request, render(request, "lessons/report.html", ctx))


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    glossary = get_catalog().glossary
    if glossary is None:
        raise Http404("No glossary")
    ctx = {"glossary": glossary}
    return private_to_a_reader(request, render(request, "lessons/glossary.html", ctx))


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: Django's page, whose menu tells of a space or an account as every page's
    does, so for such a reader it stays out of the cache (as the glossary does)."""
    return private_to_a_reader(request, defaults.page_not_found(request, exception))
