"""Every lesson says who reviewed it and when, and `manage.py check` warns once that is old."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from lessons.checks import check_content
from lessons.content import get_catalog
from tests.test_content import LESSON, good_tree

pytestmark = pytest.mark.django_db


def warnings():
    return [message for message in check_content() if message.id == "lessons.W001"]


def move_today(monkeypatch, days: int) -> date:
    """Move the date the check sees `days` days past the newest review in the curriculum."""
    newest = max(lesson.reviewed_on for lesson in get_catalog().lessons)
    moved = newest + timedelta(days=days)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: moved)
    return moved


def test_every_lesson_names_who_reviewed_it_and_when():
    for lesson in get_catalog().lessons:
        assert lesson.reviewed_by.strip(), lesson.slug
        assert type(lesson.reviewed_on) is date, lesson.slug


def test_the_lesson_page_shows_who_reviewed_it_and_when(client):
    lesson = get_catalog().lesson("attachment-basics", "what-attachment-is")
    assert (lesson.reviewed_by, lesson.reviewed_on) == (
        "the Attachment Guide team",
        date(2026, 11, 29),
    )

    page = client.get("/lessons/attachment-basics/what-attachment-is/").content.decode()

    assert (
        'Reviewed by the Attachment Guide team on <time datetime="2026-11-29">Nov. 29, 2026</time>.'
        in page
    )


def test_the_review_date_follows_the_readers_language(client, settings):
    settings.LANGUAGE_CODE = "de"

    page = client.get("/lessons/attachment-basics/what-attachment-is/").content.decode()

    assert '<time datetime="2026-11-29">29. November 2026</time>' in page


def test_fresh_reviews_give_no_warning():
    assert warnings() == []


def test_a_review_older_than_the_limit_warns_naming_the_lesson(monkeypatch, settings):
    settings.CONTENT_REVIEW_MAX_AGE_DAYS = 365

    move_today(monkeypatch, 365)
    assert warnings() == []

    move_today(monkeypatch, 366)
    found = warnings()
    assert len(found) == len(get_catalog().lessons)
    first = get_catalog().lessons[0]
    message = next(w for w in found if w.obj == str(first.path))
    assert f"'{first.title}' was last reviewed on {first.reviewed_on}" in message.msg
    assert "more than 365 days ago" in message.msg
    assert "reviewed_on" in message.hint


def test_the_age_limit_is_a_setting(monkeypatch, settings):
    move_today(monkeypatch, 31)

    settings.CONTENT_REVIEW_MAX_AGE_DAYS = 30
    assert len(warnings()) == len(get_catalog().lessons)
    settings.CONTENT_REVIEW_MAX_AGE_DAYS = 31
    assert warnings() == []


def test_manage_py_check_prints_the_stale_review_without_failing(tmp_path, settings, capsys):
    stale = (timezone.localdate() - timedelta(days=400)).isoformat()
    good_tree(tmp_path, **{"basics/first-steps.md": LESSON.replace("2026-11-29", stale)})
    settings.CONTENT_DIR = tmp_path

    call_command("check")

    printed = capsys.readouterr().err
    assert "lessons.W001" in printed and "first-steps.md" in printed and "'First steps'" in printed
