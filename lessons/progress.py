"""Reading progress: recorded by small POSTs, forward only, and read back for "Continue"."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from attachment_guide.http import reverse_once
from attachment_guide.spaces.models import Space
from lessons.content import Catalog, Lesson, Module, Prompt
from lessons.models import LessonProgress

NOT_STARTED, IN_PROGRESS, DONE = "not-started", "in-progress", "done"


def section_index(lesson: Lesson, anchor: str) -> int:
    anchors = [section.anchor for section in lesson.headed_sections]
    return anchors.index(anchor) if anchor in anchors else -1


def section_of(lesson: Lesson, prompt: Prompt) -> str:
    """The anchor of the section `prompt` is in ("" before the first heading)."""
    for section in lesson.sections:
        if any(block.prompt == prompt for block in section.blocks):
            return section.anchor
    return ""


def progress_record(
    *, space: Space, lesson: Lesson, section: str = "", done: bool = False
) -> LessonProgress:
    """Note that `space` reached `section` of `lesson` (or finished it). Never moves back."""
    now = timezone.now()
    with transaction.atomic():
        row, _ = LessonProgress.objects.select_for_update().get_or_create(
            space=space,
            module_slug=lesson.module_slug,
            lesson_slug=lesson.slug,
            defaults={"started": now, "updated": now},
        )
        if section_index(lesson, section) > section_index(lesson, row.section):
            row.section = section
        if done and not row.done:
            row.done, row.completed = True, now
        row.updated = now
        row.save()
    return row


def progress_unmark(*, space: Space, lesson: Lesson) -> LessonProgress | None:
    """What "Mark as not done" does: the lesson is no longer done, and what was read of it
    stays. It used to forget the lesson altogether: a reader with answers in it found it
    "not started", and "Continue where you left off" gone when it was the only lesson
    begun."""
    row = LessonProgress.objects.filter(
        space=space, module_slug=lesson.module_slug, lesson_slug=lesson.slug
    ).first()
    if row is not None and row.done:
        row.done, row.completed, row.updated = False, None, timezone.now()
        row.save(update_fields=["done", "completed", "updated"])
    return row


@dataclass
class Resume:
    """Where "Continue where you left off" leads, and what it says."""

    url: str
    module: Module
    lesson: Lesson | None = None
    section_title: str = ""


@dataclass
class Progress:
    """One space's reading, keyed by the lessons as they are named now."""

    rows: dict[tuple[str, str], LessonProgress]
    resume: Resume | None = None

    def state(self, lesson: Lesson) -> str:
        row = self.rows.get((lesson.module_slug, lesson.slug))
        if row is None:
            return NOT_STARTED
        return DONE if row.done else IN_PROGRESS

    def done_count(self, lessons) -> int:
        return sum(1 for lesson in lessons if self.state(lesson) == DONE)

    def lesson_states(self, lessons) -> list[tuple[Lesson, str]]:
        return [(lesson, self.state(lesson)) for lesson in lessons]


def progress_for_space(*, catalog: Catalog, space_id) -> Progress:
    """Every progress row of a space in one query, mapped onto the catalog as it is today.

    A lesson renamed since (its old slug in `old_slugs`) keeps its progress; a removed one is
    left out, and "Continue" falls back to the nearest place that still exists.
    """
    rows: dict[tuple[str, str], LessonProgress] = {}
    latest = None
    for row in LessonProgress.objects.owned_by(space_id).latest_first():
        lesson = catalog.lesson(row.module_slug, row.lesson_slug) or catalog.renamed_lesson(
            row.module_slug, row.lesson_slug
        )
        if lesson is not None:
            rows.setdefault((lesson.module_slug, lesson.slug), row)
        if latest is None:
            latest = (row, lesson)
    progress = Progress(rows=rows)
    if latest is not None:
        progress.resume = _resume_target(catalog, progress, *latest)
    return progress


def _resume_target(
    catalog: Catalog, progress: Progress, row: LessonProgress, lesson: Lesson | None
) -> Resume | None:
    if lesson is None:
        module = catalog.module(row.module_slug)
        if module is None:
            return None
        return Resume(url=reverse("module", args=[module.slug]), module=module)
    following = _first_unfinished_after(catalog, progress, lesson) if row.done else None
    if row.done and (following or lesson.next) is not None:
        # Finished: the natural next step is the next lesson not finished yet (counting on
        # from this one, then round from the start), at the place reached in it. A reader who
        # went back to an earlier lesson, or logged in from a browser that had one open, was
        # sent to the top of a lesson they were halfway through; one who finished the last
        # lesson with an earlier one left was sent back to the last. With all of them done,
        # the lesson after this one.
        lesson = following or lesson.next
        if progress.state(lesson) != IN_PROGRESS:
            return Resume(url=_lesson_url(lesson), module=lesson.module, lesson=lesson)
        row = progress.rows[(lesson.module_slug, lesson.slug)]
    section = next((s for s in lesson.headed_sections if s.anchor == row.section), None)
    url = _lesson_url(lesson) + (f"#{section.anchor}" if section else "")
    return Resume(
        url=url, module=lesson.module, lesson=lesson, section_title=section.title if section else ""
    )


def _first_unfinished_after(catalog: Catalog, progress: Progress, lesson: Lesson) -> Lesson | None:
    ordered = catalog.lessons
    at = next(i for i, each in enumerate(ordered) if each is lesson)
    return next(
        (each for each in ordered[at + 1 :] + ordered[:at] if progress.state(each) != DONE), None
    )


def _lesson_url(lesson: Lesson) -> str:
    return reverse_once("lesson", lesson.module_slug, lesson.slug)
