from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from attachment_guide.journal import reflections
from attachment_guide.journal.reflections import Reflection
from attachment_guide.journal.services import answers_for_prompts
from attachment_guide.spaces.services import space_id_for_request
from lessons.content import Lesson, get_catalog


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    catalog = get_catalog()
    ctx = {"modules": catalog.modules, "first_lesson": next(iter(catalog.lessons), None)}
    return render(request, "lessons/home.html", ctx)


@require_GET
def module_detail(request: HttpRequest, module_slug: str) -> HttpResponse:
    module = get_catalog().module(module_slug)
    if module is None:
        raise Http404("No such module")
    return render(request, "lessons/module.html", {"module": module})


def lesson_page(
    request: HttpRequest, lesson: Lesson, *, override: Reflection | None = None, status: int = 200
) -> HttpResponse:
    """A lesson with each prompt's writing box, holding this person's answers if any.

    A reader with no space gets no query at all; one with a space gets one for the lesson.
    """
    prompt_ids = [prompt.id for prompt in lesson.prompts]
    answers = answers_for_prompts(space_id=space_id_for_request(request), prompt_ids=prompt_ids)
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
    ctx = {"lesson": lesson, "module": lesson.module, "reflections": boxes}
    response = render(request, "lessons/lesson.html", ctx, status=status)
    # The page may hold the person's own words: keep it out of every cache.
    patch_cache_control(response, no_store=True, private=True)
    return response


@require_GET
def lesson_detail(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    catalog = get_catalog()
    lesson = catalog.lesson(module_slug, lesson_slug)
    if lesson is None:
        if renamed := catalog.renamed_lesson(module_slug, lesson_slug):
            return redirect("lesson", module_slug, renamed.slug, permanent=True)
        raise Http404("No such lesson")
    return lesson_page(request, lesson)


@require_GET
def glossary(request: HttpRequest) -> HttpResponse:
    glossary = get_catalog().glossary
    if glossary is None:
        raise Http404("No glossary")
    return render(request, "lessons/glossary.html", {"glossary": glossary})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
