"""Problem reports: a reader tells the operator that something in a lesson needs fixing."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from lessons.content import Lesson
from lessons.models import ProblemReport


class TooManyReports(Exception):
    """More reports arrived this hour than PROBLEM_REPORTS_PER_HOUR allows."""


def problem_report_create(
    *, lesson: Lesson, kind: str, comment: str, now: datetime | None = None
) -> ProblemReport:
    """Store one report, with its time rounded down to the hour.

    The limit is site-wide and counted in the database, so it holds across app servers and
    needs nothing that could tell readers apart: a flood fills this hour, not the table.
    """
    hour = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    if ProblemReport.objects.received_since(hour).count() >= settings.PROBLEM_REPORTS_PER_HOUR:
        raise TooManyReports
    return ProblemReport.objects.create(
        module_slug=lesson.module_slug,
        lesson_slug=lesson.slug,
        kind=kind,
        comment=comment,
        received=hour,
    )
