"""Anonymous totals: counts only, never text, never one person, small counts hidden."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from lessons.content import get_catalog
from lessons.models import LessonProgress
from lessons.totals import totals_collect

pytestmark = pytest.mark.django_db

MARKER = "Quokka-marker-9z2-never-in-totals"


@pytest.fixture
def usage():
    """Seven readers this week and two last week. Six started the first lesson and five
    finished it; six answered its first prompt (one twice), two answered its second."""
    first, second = get_catalog().lessons[:2]
    now = timezone.now()
    this_week = [Space.objects.create() for _ in range(7)]
    last_week = [Space.objects.create() for _ in range(2)]
    Space.objects.filter(id__in=[s.id for s in last_week]).update(created=now - timedelta(days=7))
    for n, space in enumerate(this_week[:6]):
        LessonProgress.objects.create(
            space=space, module_slug=first.module_slug, lesson_slug=first.slug, done=n < 5
        )
        Entry.objects.create(space=space, prompt_id=first.prompts[0].id, body=f"{MARKER} {n}")
    Entry.objects.create(space=this_week[0], prompt_id=first.prompts[0].id, body=MARKER)
    for space in last_week:
        LessonProgress.objects.create(
            space=space, module_slug=second.module_slug, lesson_slug=second.slug
        )
        Entry.objects.create(space=space, prompt_id=first.prompts[1].id, body=MARKER)
    Entry.objects.create(space=this_week[6], prompt_id="", body=f"Free writing {MARKER}")
    return first, second


def report() -> str:
    out = io.StringIO()
    call_command("report", stdout=out)
    return out.getvalue()


def test_the_report_counts_weeks_and_lessons_and_hides_counts_below_five(usage):
    first, second = usage
    today = timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())

    printed = report()

    assert f"{this_monday:%Y-%m-%d}  7" in printed
    assert f"{this_monday - timedelta(weeks=1):%Y-%m-%d}  fewer than 5" in printed
    row = next(line for line in printed.splitlines() if f"› {first.title} " in line)
    # 6 started, 5 completed, 6 + 2 answered prompts (the same person twice counts once).
    assert row.split()[-3:] == ["6", "5", "8"]
    row = next(line for line in printed.splitlines() if f"› {second.title} " in line)
    assert row.endswith("fewer than 5  fewer than 5  fewer than 5")
    assert not any(line.endswith((" 1", " 2")) for line in printed.splitlines())


def test_the_report_never_contains_what_people_wrote(usage):
    assert MARKER not in report()
    assert "Free writing" not in report()


def test_the_totals_never_read_journal_text(usage):
    with CaptureQueriesContext(connection) as queries:
        totals_collect()

    assert len(queries) == 3
    for query in queries:
        assert "body" not in query["sql"].lower(), query["sql"]
        assert query["sql"].lstrip().upper().startswith("SELECT")


def test_an_empty_site_reports_fewer_than_five_everywhere():
    totals = totals_collect(weeks=4)

    assert [count for _, count in totals.weeks] == ["fewer than 5"] * 4
    assert {f.started for f in totals.lessons} == {"fewer than 5"}
    assert len(totals.lessons) == len(get_catalog().lessons)


def test_the_number_of_weeks_can_be_chosen(usage):
    out = io.StringIO()
    call_command("report", "--weeks", "30", stdout=out)

    weeks = [line for line in out.getvalue().splitlines() if line.startswith("  20")]
    assert len(weeks) == 30


def test_staff_see_the_same_figures_in_the_admin(client, django_user_model, usage):
    first, _ = usage
    client.force_login(django_user_model.objects.create_superuser("boss", password="x" * 20))

    response = client.get(reverse("admin:totals"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Anonymous totals" in page
    assert f'{first.title}</th><td class="nowrap">6</td><td class="nowrap">5</td>' in page
    assert '<td class="nowrap">8</td>' in page
    assert "fewer than 5" in page
    assert MARKER not in page
    assert reverse("admin:totals") in client.get(reverse("admin:index")).content.decode()


def test_only_staff_reach_the_totals(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password=str(uuid.uuid4()))
    client.force_login(user)

    assert client.get(reverse("admin:totals")).status_code == 302
