"""Anonymous totals for the people who run the site and their funders.

Counts only: every figure is a database aggregate (no row is read, no text is touched), none
is about one person, and any count below SMALL_COUNT is shown as "fewer than 5", so no one can
be picked out of a small number. The figures leave this module as display strings already
suppressed, so no page or command can show a raw small count by mistake. No totals row is
given either: subtracting the shown figures from it would reveal a hidden one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from lessons.content import get_catalog
from lessons.models import LessonProgress

SMALL_COUNT = 5
DEFAULT_WEEKS = 12


def shown(count: int) -> str:
    return _("fewer than %(n)s") % {"n": SMALL_COUNT} if count < SMALL_COUNT else str(count)


@dataclass(frozen=True)
class LessonFigures:
    module: str
    lesson: str
    started: str
    completed: str
    prompts_answered: str


@dataclass(frozen=True)
class Totals:
    today: date
    weeks: list[tuple[date, str]]  # (the Monday a week starts on, spaces created that week)
    lessons: list[LessonFigures]


def totals_collect(*, weeks: int = DEFAULT_WEEKS, today: date | None = None) -> Totals:
    """Three aggregate queries: spaces by week, progress by lesson, answers by prompt."""
    today = today or timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in reversed(range(weeks))]
    created = Counter(
        {
            row["week"].date(): row["n"]
            for row in Space.objects.filter(created__date__gte=mondays[0])
            .annotate(week=TruncWeek("created"))
            .values("week")
            .annotate(n=Count("id"))
        }
    )

    catalog = get_catalog()
    started, completed, answered = Counter(), Counter(), Counter()
    for row in LessonProgress.objects.values("module_slug", "lesson_slug").annotate(
        started=Count("id"), completed=Count("id", filter=Q(done=True))
    ):
        key = (row["module_slug"], row["lesson_slug"])
        started[key], completed[key] = row["started"], row["completed"]
    # One answer a person a question: how many spaces answered each prompt, never the text.
    for row in (
        Entry.objects.exclude(prompt_id="")
        .values("prompt_id")
        .annotate(n=Count("space_id", distinct=True))
    ):
        if found := catalog.prompts.get(row["prompt_id"]):
            answered[(found[0].module_slug, found[0].slug)] += row["n"]

    lessons = []
    for lesson in catalog.lessons:
        key = (lesson.module_slug, lesson.slug)
        lessons.append(
            LessonFigures(
                module=lesson.module.title,
                lesson=lesson.title,
                started=shown(started[key]),
                completed=shown(completed[key]),
                prompts_answered=shown(answered[key]),
            )
        )
    return Totals(
        today=today,
        weeks=[(monday, shown(created[monday])) for monday in mondays],
        lessons=lessons,
    )
