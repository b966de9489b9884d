"""Home, module and lesson pages render the real curriculum; everything else is a calm 404."""

from __future__ import annotations

import re

import markdown
import pytest
from django.contrib.sessions.models import Session

from lessons.content import get_catalog
from tests.conftest import AGREE, one_lesson_catalog

pytestmark = pytest.mark.django_db


def first_lesson():
    return get_catalog().lessons[0]


def test_home_lists_every_module_and_lesson(client):
    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    for module in get_catalog().modules:
        assert f'href="/lessons/{module.slug}/"' in page
        assert module.title in page
        for lesson in module.lessons:
            assert f'href="/lessons/{module.slug}/{lesson.slug}/"' in page
    assert "Start with the first lesson" in page
    assert "Not a substitute for professional care." in page


def test_module_page_shows_its_introduction_and_lessons(client):
    module = get_catalog().module("relational-repair")

    page = client.get("/lessons/relational-repair/").content.decode()

    assert f"<h1>{module.title}</h1>" in page
    assert module.intro_html in page
    for lesson in module.lessons:
        assert lesson.title in page
        assert lesson.summary in page
    assert 'aria-label="Breadcrumb"' in page


def test_lesson_page_shows_everything_a_reader_needs(client):
    lesson = get_catalog().lesson("attachment-basics", "what-attachment-is")

    response = client.get("/lessons/attachment-basics/what-attachment-is/")

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf"<h1[^>]*>{re.escape(lesson.title)}</h1>", page)
    assert "In short" in page and lesson.summary in page
    assert f"About {lesson.reading_minutes} minutes to read" in page
    assert "What this lesson covers" in page and lesson.content_note in page
    for section in lesson.headed_sections:
        assert f'<a href="#{section.anchor}">{section.title}</a>' in page
        assert f'id="{section.anchor}"' in page
    for prompt in lesson.prompts:
        label = f'<label class="reflection__question" for="reflection-{prompt.id}-body">'
        assert f"{label}{prompt.question}</label>" in page
        assert f'action="/journal/prompts/{prompt.id}/#reflection-{prompt.id}"' in page
    assert page.count('class="reflection__status"') == len(lesson.prompts)
    assert page.count(">Save</button>") == len(lesson.prompts)
    assert "Try this" in page
    assert f'rel="next" href="/lessons/{lesson.next.module_slug}/{lesson.next.slug}/"' in page
    assert "Patterns can change" in page  # the lesson's own text


def test_first_and_last_lessons_link_only_where_there_is_somewhere_to_go(client):
    lessons = get_catalog().lessons
    first, last = lessons[0], lessons[-1]

    first_page = client.get(f"/lessons/{first.module_slug}/{first.slug}/").content.decode()
    last_page = client.get(f"/lessons/{last.module_slug}/{last.slug}/").content.decode()

    assert 'rel="prev"' not in first_page and 'rel="next"' in first_page
    assert 'rel="next"' not in last_page and 'rel="prev"' in last_page


def test_a_last_lesson_with_a_content_note_offers_the_module_instead_of_a_next_lesson(
    client, tmp_path, settings
):
    # The real last lesson has no content note, so that branch needs a catalog of its own.
    one_lesson_catalog(
        tmp_path, settings, slug="only", meta='content_note = "Mentions hard things."\n'
    )

    page = client.get("/lessons/basics/only/").content.decode()

    note = page.split('id="content-note"')[1].split("</aside>")[0]
    assert "Mentions hard things." in note
    assert "Skip to the next lesson" not in note
    assert '<a href="/lessons/basics/">Back to the module</a>' in note


def test_a_lesson_without_a_content_note_shows_none(client):
    lesson = get_catalog().lesson("self-regulation", "your-window-of-tolerance")
    assert lesson.content_note == ""

    page = client.get("/lessons/self-regulation/your-window-of-tolerance/").content.decode()

    assert "What this lesson covers" not in page


@pytest.mark.parametrize(
    "url",
    [
        "/lessons/no-such-module/",
        "/lessons/attachment-basics/no-such-lesson/",
        "/lessons/relational-repair/what-attachment-is/",  # a lesson of another module
        "/lessons/attachment-basics/module/",  # the module file is not a lesson
        "/lessons/../settings/",
        "/lessons/attachment-basics/..%2F..%2Fmanage.py/",
        "/lessons/%2e%2e/what-attachment-is/",
        "/lessons/attachment-basics/what-attachment-is.md/",
        "/lessons/ATTACHMENT-BASICS/",
        "/content/attachment-basics/what-attachment-is.md",
    ],
)
def test_unknown_and_path_like_addresses_get_the_friendly_404_page(client, url):
    response = client.get(url)

    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page
    assert 'href="/"' in page
    assert "+++" not in page  # no file contents leak


def test_a_renamed_lesson_redirects_from_its_old_slug(client, renamed_lesson):
    response = client.get("/lessons/basics/old-name/")

    assert response.status_code == 301
    assert response["Location"] == "/lessons/basics/new-name/"


def test_reading_a_lesson_touches_no_database_and_starts_no_session(
    client, django_assert_num_queries
):
    lesson = first_lesson()
    get_catalog()  # the catalog is process-wide; load it before counting

    with django_assert_num_queries(0):
        response = client.get(f"/lessons/{lesson.module_slug}/{lesson.slug}/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
    # The anti-forgery cookie is the one cookie a reader may get (PRODUCT.md, principle 1).
    assert set(response.cookies) <= {"csrftoken"}


def test_lessons_are_rendered_from_markdown_once_per_process(client, monkeypatch):
    calls = []
    original = markdown.Markdown.convert
    monkeypatch.setattr(
        markdown.Markdown, "convert", lambda md, text: calls.append(1) or original(md, text)
    )
    lesson = first_lesson()
    url = f"/lessons/{lesson.module_slug}/{lesson.slug}/"
    from lessons.content import clear_catalog

    clear_catalog()

    client.get(url)
    rendered_on_first_view = len(calls)
    client.get(url)
    client.get("/")

    assert rendered_on_first_view > 0
    assert len(calls) == rendered_on_first_view


def test_healthz_answers_ok_in_plain_text(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_pages_refuse_to_be_posted_to(client):
    assert client.post("/").status_code == 405
    assert client.post("/lessons/attachment-basics/what-attachment-is/").status_code == 405


@pytest.mark.urls("tests.error_urls")
def test_a_server_error_shows_the_calm_500_page(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "This was not caused by anything you did." in page
    assert 'href="/static/css/site.css"' in page


def test_the_favicon_is_served_from_the_site_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_an_anonymous_lesson_is_rendered_once_and_each_reader_gets_fresh_ids_and_a_token(client):
    from django.test import Client

    from lessons import views

    views._pages.clear()
    first = client.get("/lessons/attachment-basics/what-attachment-is/").content.decode()
    cached = len(views._pages)
    second = Client(enforce_csrf_checks=True)
    page = second.get("/lessons/attachment-basics/what-attachment-is/").content.decode()

    assert cached and len(views._pages) == cached  # nothing rendered again for the second
    ids = lambda html: re.findall(r'name="(?:entry|writer)" (?:id="[^"]+" )?value="([^"]+)"', html)  # noqa: E731
    assert len(ids(first)) == 2 * len(first_lesson().prompts)
    assert not set(ids(first)) & set(ids(page))
    assert "\ue000" not in page and "\ue001" not in page  # every slot filled
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    saved = second.post(
        "/journal/prompts/ab-who-felt-safe/",
        {
            **AGREE,
            "body": "ok",
            "entry": ids(page)[0],
            "version": 0,
            "csrfmiddlewaretoken": token,
        },
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
