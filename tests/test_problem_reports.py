"""'Report a problem with this lesson': stored for the operator, with nothing about who sent it."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from attachment_guide.spaces.models import Space
from lessons.content import get_catalog
from lessons.models import PROBLEM_COMMENT_MAX_LENGTH, ProblemReport
from lessons.problem_reports import TooManyReports, problem_report_create

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
LESSON_URL = "/lessons/attachment-basics/what-attachment-is/"
REPORT_URL = LESSON_URL + "report/"


def test_every_lesson_ends_with_a_report_form_that_works_without_javascript(client):
    page = client.get(LESSON_URL).content.decode()

    assert "Report a problem with this lesson" in page
    assert f'method="post" action="{REPORT_URL}"' in page
    assert f'hx-post="{REPORT_URL}"' in page
    for kind in ProblemReport.Kind:
        assert f'value="{kind.value}"' in page and str(kind.label) in page
    assert f"Up to {PROBLEM_COMMENT_MAX_LENGTH} characters" in page
    assert "maxlength" not in page.split("report-problem")[1]  # a long paste is not cut short


def test_a_report_without_javascript_is_stored_and_thanked_for(client):
    response = client.post(REPORT_URL, {"kind": "link", "comment": "The glossary link is dead."})

    assert response.status_code == 302
    assert response.url == REPORT_URL + "sent/?kind=link"
    report = ProblemReport.objects.get()
    assert (report.module_slug, report.lesson_slug) == ("attachment-basics", "what-attachment-is")
    assert (report.kind, report.comment) == ("link", "The glossary link is dead.")
    thanks = client.get(response.url).content.decode()
    assert "Thank you. Your report was sent" in thanks
    assert "nothing about you" in thanks


def test_a_report_through_htmx_is_swapped_in_place(client):
    response = client.post(REPORT_URL, {"kind": "unclear", "comment": ""}, headers=HX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div class="report__body" id="report-problem-body">')
    assert "Thank you. Your report was sent" in page
    assert "<html" not in page
    assert ProblemReport.objects.get().kind == "unclear"


def test_an_upset_reader_is_pointed_to_grounding_and_support(client):
    response = client.post(REPORT_URL, {"kind": "upsetting"}, follow=True)

    page = response.content.decode()
    # Both addresses are in every page's footer and navigation: look in the thanks itself.
    thanks = page.split('id="report-problem-body">')[1].split("</div>")[0]
    assert "stirred up something hard" in thanks
    # Its end leads back to the lesson (`next`), not to the list of lessons.
    assert f'<a href="/grounding/?next={LESSON_URL}">grounding exercise</a>' in thanks
    assert '<a href="/support/">someone to talk to</a>' in thanks
    other = client.post(REPORT_URL, {"kind": "link"}, follow=True).content.decode()
    assert "stirred up something hard" not in other


@pytest.mark.parametrize("htmx", [False, True])
def test_a_comment_over_the_limit_is_refused_and_kept(client, htmx):
    comment = "This part confused me. " + "x" * PROBLEM_COMMENT_MAX_LENGTH

    response = client.post(
        REPORT_URL, {"kind": "unclear", "comment": comment}, headers=HX if htmx else {}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert f"Please shorten this to {PROBLEM_COMMENT_MAX_LENGTH} characters or fewer" in page
    assert f"It has {len(comment)} now" in page
    assert f"\n{comment}</textarea>" in page
    assert re.search(r'value="unclear"[^>]*checked', page)
    assert ("<html" in page) is not htmx
    assert ProblemReport.objects.count() == 0


def test_a_report_with_no_choice_asks_for_one_and_keeps_the_comment(client):
    response = client.post(REPORT_URL, {"comment": "Something about <b>this</b>"})

    page = response.content.decode()
    assert response.status_code == 422
    assert "Please choose what the problem is." in page
    assert "\nSomething about &lt;b&gt;this&lt;/b&gt;</textarea>" in page
    assert ProblemReport.objects.count() == 0


def test_an_unknown_kind_is_refused(client):
    response = client.post(REPORT_URL, {"kind": "spam"})

    assert response.status_code == 422
    assert "Please choose one of the options." in response.content.decode()


def test_a_report_on_an_unknown_lesson_is_a_404(client):
    assert (
        client.post("/lessons/attachment-basics/nope/report/", {"kind": "link"}).status_code == 404
    )


def test_reporting_stores_nothing_about_the_reader(client):
    client.post(
        REPORT_URL,
        {"kind": "wrong", "comment": "A date is off."},
        headers={"User-Agent": "Marker-Browser/1.0"},
        REMOTE_ADDR="203.0.113.77",
    )

    columns = {field.name for field in ProblemReport._meta.get_fields()}
    assert columns == {"id", "module_slug", "lesson_slug", "kind", "comment", "received"}
    report = ProblemReport.objects.values().get()
    assert "203.0.113.77" not in str(report) and "Marker-Browser" not in str(report)
    # No space, no session: reporting is not saving anything of one's own.
    assert Space.objects.count() == 0
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies


def test_the_time_of_a_report_is_kept_only_to_the_hour():
    lesson = get_catalog().lessons[0]
    now = datetime.fromisoformat("2026-11-29T14:37:12.345+00:00")

    report = problem_report_create(lesson=lesson, kind="other", comment="", now=now)

    assert report.received == datetime.fromisoformat("2026-11-29T14:00:00+00:00")


def test_reports_are_limited_per_hour_in_the_database(settings):
    settings.PROBLEM_REPORTS_PER_HOUR = 3
    lesson = get_catalog().lessons[0]
    two_pm = datetime.fromisoformat("2026-11-29T14:05:00+00:00")
    for _ in range(3):
        problem_report_create(lesson=lesson, kind="other", comment="", now=two_pm)

    with pytest.raises(TooManyReports):
        problem_report_create(lesson=lesson, kind="other", comment="", now=two_pm)
    # The next hour starts afresh.
    problem_report_create(
        lesson=lesson,
        kind="other",
        comment="",
        now=datetime.fromisoformat("2026-11-29T15:00:00+00:00"),
    )
    assert ProblemReport.objects.count() == 4


@pytest.mark.parametrize("htmx", [False, True])
def test_a_reader_over_the_limit_is_told_and_keeps_their_words(client, settings, htmx):
    settings.PROBLEM_REPORTS_PER_HOUR = 0

    response = client.post(
        REPORT_URL, {"kind": "unclear", "comment": "Kept words"}, headers=HX if htmx else {}
    )

    page = response.content.decode()
    assert response.status_code == 429
    assert "Many reports have come in this hour, so this one was not sent." in page
    assert "\nKept words</textarea>" in page


def test_the_report_url_refuses_get_and_a_forged_post(client):
    assert client.get(REPORT_URL).status_code == 405
    forger = Client(enforce_csrf_checks=True)
    assert forger.post(REPORT_URL, {"kind": "other"}).status_code == 403
    assert ProblemReport.objects.count() == 0


def test_a_post_with_the_token_from_the_lesson_page_works_with_csrf_enforced():
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(LESSON_URL).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = reader.post(REPORT_URL, {"kind": "other", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert ProblemReport.objects.count() == 1


def test_report_responses_are_not_cached(client):
    response = client.post(REPORT_URL, {"kind": "other", "comment": "x" * 600})

    assert "no-store" in response["Cache-Control"]
