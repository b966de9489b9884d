from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from lessons.content import get_catalog


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


@require_GET
def lesson_detail(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    catalog = get_catalog()
    lesson = catalog.lesson(module_slug, lesson_slug)
    if lesson is None:
        if renamed := catalog.renamed_lesson(module_slug, lesson_slug):
            return redirect("lesson", module_slug, renamed.slug, permanent=True)
        raise Http404("No such lesson")
    ctx = {"lesson": lesson, "module": lesson.module}
    return render(request, "lessons/lesson.html", ctx)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
