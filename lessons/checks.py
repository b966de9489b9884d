"""`manage.py check` fails on any content problem, naming the file and the reason, and warns
when a lesson's last review is older than `CONTENT_REVIEW_MAX_AGE_DAYS`."""

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
