"""`manage.py check` fails on any content problem, naming the file and the reason, and on a
lesson with more writing boxes than one request can carry; it warns when a lesson's last
review is older than `CONTENT_REVIEW_MAX_AGE_DAYS`."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.utils import timezone

from lessons.content import load_catalog, reviews_older_than


@checks.register("content")
def check_content(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    catalog = load_catalog(Path(settings.CONTENT_DIR))
    messages: list[checks.CheckMessage] = [
        checks.Error(str(problem), id="lessons.E001", obj=str(problem.path))
        for problem in catalog.problems
    ]
    messages += _too_many_boxes(catalog)
    max_age = settings.CONTENT_REVIEW_MAX_AGE_DAYS
    for lesson in reviews_older_than(catalog, days=max_age, today=timezone.localdate()):
        messages.append(
            checks.Warning(
                f"{lesson.path}: '{lesson.title}' was last reviewed on {lesson.reviewed_on}, "
                f"more than {max_age} days ago",
                hint="Review the lesson again, then update 'reviewed_by' and 'reviewed_on' "
                "(or raise CONTENT_REVIEW_MAX_AGE_DAYS).",
                id="lessons.W001",
                obj=str(lesson.path),
            )
        )
    return messages


def _too_many_boxes(catalog) -> list[checks.CheckMessage]:
    """Without JavaScript a lesson's one form sends every box at once, and Django refuses a
    body over DATA_UPLOAD_MAX_MEMORY_SIZE (400): the words of every box would be lost. So a
    lesson whose boxes, each at the length limit, could send more is an error here, before
    anyone can write in it."""
    from attachment_guide.journal.reflections import lesson_form_max_bytes

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:  # no limit
        return []
    messages: list[checks.CheckMessage] = []
    for lesson in catalog.lessons:
        needed = lesson_form_max_bytes(len(lesson.prompts))
        if needed > limit:
            messages.append(
                checks.Error(
                    f"{lesson.path}: '{lesson.title}' has {len(lesson.prompts)} writing boxes; "
                    f"saved at once, with text the journal accepts, they can send {needed:,} "
                    f"bytes, more than DATA_UPLOAD_MAX_MEMORY_SIZE ({limit:,}): the save "
                    "would be refused and its words lost",
                    hint=f"Raise DATA_UPLOAD_MAX_MEMORY_SIZE to at least {needed} in "
                    "attachment_guide/settings.py, or ask fewer questions in this lesson.",
                    id="lessons.E002",
                    obj=str(lesson.path),
                )
            )
    return messages
