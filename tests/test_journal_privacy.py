"""Nobody reads, changes or forges anything in another person's journal; user text never runs."""

from __future__ import annotations

import html
import json
import uuid
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.test import Client

from attachment_guide.circle.models import CircleMember
from attachment_guide.journal.models import Entry
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
LESSON_URL = "/lessons/attachment-basics/what-attachment-is/"


def answered(person: Client) -> Entry:
    """The person answers the first lesson's first question: "Only mine"."""
    entry_id = uuid.uuid4()
    person.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": "Only mine", "entry": str(entry_id), "version": 0},
        headers=HX,
    )
    return Entry.objects.get(id=entry_id)


@pytest.fixture
def victims_entry():
    return answered(Client())


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/journal/entries/{id}/", {}),
        ("get", "/journal/entries/{id}/?edit", {}),
        ("post", "/journal/entries/{id}/", {**AGREE, "body": "overwritten", "version": 1}),
        (
            "post",
            "/journal/entries/{id}/",
            {**AGREE, "body": "x", "version": 1, "resolve": "theirs"},
        ),
        ("get", "/journal/entries/{id}/delete/", {}),
        ("post", "/journal/entries/{id}/delete/", {}),
        ("post", "/journal/export/", {"format": "json", "entry": "{id}"}),
        ("post", "/journal/export/", {"format": "print", "entry": "{id}"}),
    ],
)
def test_someone_elses_entry_is_a_404_and_stays_unchanged(victims_entry, method, path, data, htmx):
    for stranger in [Client(), a_person_with_a_journal()]:
        url = path.format(id=victims_entry.id)
        data = {k: v.format(id=victims_entry.id) if k == "entry" else v for k, v in data.items()}
        response = getattr(stranger, method)(url, data, headers=HX if htmx else {})

        assert response.status_code == 404
        assert "Only mine" not in response.content.decode()
        victims_entry.refresh_from_db()
        assert (victims_entry.body, victims_entry.version) == ("Only mine", 1)


def a_person_with_a_journal() -> Client:
    person = Client()
    person.post(
        "/journal/write/",
        {**AGREE, "body": "my own", "entry": str(uuid.uuid4()), "version": 0},
    )
    return person


@pytest.mark.parametrize("resolve", ["", "mine", "both", "theirs"])
def test_posting_an_answer_with_someone_elses_entry_id_never_touches_it(victims_entry, resolve):
    stranger = a_person_with_a_journal()

    stranger.post(
        "/journal/prompts/ab-who-felt-safe/",
        {
            **AGREE,
            "body": "hijack",
            "entry": str(victims_entry.id),
            "version": 1,
            "resolve": resolve,
        },
        headers=HX,
    )

    victims_entry.refresh_from_db()
    assert (victims_entry.body, victims_entry.version) == ("Only mine", 1)
    assert victims_entry.space.entries.count() == 1


def test_entry_ids_in_urls_are_random_uuids(victims_entry):
    assert victims_entry.id.version == 4


@pytest.mark.parametrize(
    "url",
    [
        "/journal/prompts/ab-who-felt-safe/",
        "/journal/lessons/attachment-basics/what-attachment-is/",
        "/journal/write/",
        "/journal/entries/{id}/",
        "/journal/entries/{id}/delete/",
    ],
)
def test_state_changing_urls_refuse_a_post_without_the_anti_forgery_token(victims_entry, url):
    forger = Client(enforce_csrf_checks=True)

    response = forger.post(
        url.format(id=victims_entry.id), {**AGREE, "body": "forged", "version": 1}
    )

    assert response.status_code == 403
    victims_entry.refresh_from_db()
    assert victims_entry.body == "Only mine"


@pytest.mark.parametrize(
    "url",
    [
        "/journal/prompts/ab-who-felt-safe/",
        "/journal/lessons/attachment-basics/what-attachment-is/",
        "/journal/write/",
    ],
)
def test_save_urls_refuse_get(client, url):
    assert client.get(url).status_code == 405


def test_a_post_with_the_token_from_the_page_works_with_csrf_enforced():
    person = Client(enforce_csrf_checks=True)
    page = person.get(LESSON_URL).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = person.post(
        "/journal/prompts/ab-who-felt-safe/",
        {
            **AGREE,
            "body": "ok",
            "entry": str(uuid.uuid4()),
            "version": 0,
            "csrfmiddlewaretoken": token,
        },
        headers=HX,
    )

    assert response.status_code == 200


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(1)",
    '<div hx-get="/journal/" hx-trigger="load">x</div>',
    '<button hx-on:click="alert(1)">x</button>',
    '<div hx-post="/journal/entries/" hx-trigger="load"></div>',
    "</textarea><script>alert(1)</script>",
    "</p><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<object data=javascript:alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>body{display:none}</style>",
    '<link rel="stylesheet" href="//evil.example/x.css">',
    "{{ 7*7 }} {% debug %}",
    '<form action="//evil.example"><input name=q></form>',
    "<base href=//evil.example/>",
    "&lt;script&gt;already escaped&lt;/script&gt;",
    '<details open ontoggle="alert(1)">',
    "a null\x00byte in the middle",
    "\u202eevil.exe\u202c and \u200fright-to-left marks\u200e",
    "𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦 " * 1500,
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_is_escaped_everywhere_it_is_shown(client, payload):
    first, second = uuid.uuid4(), uuid.uuid4()
    marker = f"{payload} marker"
    client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": marker, "entry": first, "version": 0},
    )
    client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": marker, "entry": first, "version": 1, "intent": "fresh"},
    )
    client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": "new " + marker, "entry": second, "version": 0},
    )
    conflict = client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": "other", "entry": second, "version": 0},
        headers=HX,
    )
    assert conflict.status_code == 409

    pages = {
        "lesson": client.get(LESSON_URL),
        "journal": client.get("/journal/"),
        "search": client.post("/journal/", {"q": payload}),
        "entry": client.get(f"/journal/entries/{first}/"),
        "card fragment": client.get(f"/journal/entries/{first}/", headers=HX),
        "editor fragment": client.get(f"/journal/entries/{first}/?edit", headers=HX),
        "delete": client.get(f"/journal/entries/{first}/delete/"),
        "conflict fragment": conflict,
    }
    pages["printed export"] = client.post("/journal/export/", {"format": "print"})
    for name, response in pages.items():
        page = b"".join(response) if response.streaming else response.content
        page = page.decode()
        assert payload not in page or payload == html.escape(payload), name
        assert html.escape(payload[:60]) in page, name  # the delete page shows a shortened text

    # Nothing is lost: the database, the data file and the text file hold it exactly.
    assert {e.body for e in Entry.objects.all()} == {marker, "new " + marker}
    data = json.loads(b"".join(client.post("/journal/export/", {"format": "json"})))
    assert sorted(e["body"] for e in data["entries"]) == sorted([marker, "new " + marker])
    text = client.post("/journal/export/", {"format": "markdown"})
    assert text["Content-Type"] == "text/markdown; charset=utf-8"
    assert text["Content-Disposition"].startswith("attachment;")
    assert text["X-Content-Type-Options"] == "nosniff"
    assert marker in b"".join(text).decode()


def test_shown_journal_text_sits_inside_an_hx_disable_container(client):
    entry_id = uuid.uuid4()
    client.post(
        "/journal/write/",
        {**AGREE, "body": "<b>bold</b> words", "entry": entry_id, "version": 0},
    )

    page = client.get("/journal/").content.decode()

    assert (
        '<div class="entry__body entry-text" dir="auto" hx-disable><p>&lt;b&gt;bold&lt;/b&gt; words</p></div>'
        in page
    )


def test_journal_text_never_reaches_error_reports_or_logs(client, monkeypatch, caplog):
    import sys

    from django.core.signals import got_request_exception
    from django.views.debug import ExceptionReporter

    reports = []

    def report(sender, request, **kwargs):
        reporter = ExceptionReporter(request, *sys.exc_info())
        reports.append(reporter.get_traceback_text() + reporter.get_traceback_html())

    def broken(self, **kwargs):
        raise RuntimeError("the disk is full")

    # Every box of a lesson at once, as its one form sends them without scripts.
    lesson_form = "/journal/lessons/attachment-basics/what-attachment-is/"
    client.post(
        "/journal/write/", {**AGREE, "body": "first", "entry": str(uuid.uuid4()), "version": 0}
    )
    # Fail deep inside the ORM, where the text sits in frames no decorator can reach.
    monkeypatch.setattr("django.db.models.query.QuerySet.create", broken)
    got_request_exception.connect(report)
    client.raise_request_exception = False
    marker = f"marker {uuid.uuid4().hex} my secret words"  # not in any source line
    try:
        response = client.post(
            "/journal/prompts/ab-who-felt-safe/",
            {**AGREE, "body": marker, "entry": str(uuid.uuid4()), "version": 0},
            headers=HX,
        )
        boxes = [("box", "ab-who-felt-safe x"), ("body", marker), ("intent", "save")]
        all_at_once = client.post(
            lesson_form,
            urlencode([*AGREE.items(), *boxes]),
            content_type="application/x-www-form-urlencoded",
        )
    finally:
        got_request_exception.disconnect(report)

    assert response.status_code == all_at_once.status_code == 500
    assert len(reports) == 2 and "the disk is full" in reports[1]
    assert all(marker not in text for text in reports)
    assert marker not in caplog.text


def _token(page: str) -> str:
    return page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}


def test_a_no_js_save_with_a_token_gone_stale_keeps_the_text(django_user_model):
    """Signing in (or up) in another tab gives the browser a new anti-forgery secret, so a
    tab opened before it sends a token that no longer matches. With JavaScript the page
    fetches a new token and saves again; without it the refusal must hold the words, in the
    site's own page, never Django's bare 'CSRF verification failed' that drops them."""
    django_user_model.objects.create_user(username="river", password="a calm river at dawn")
    person = Client(enforce_csrf_checks=True)
    stale = _token(person.get(LESSON_URL).content.decode())
    login_page = person.get("/accounts/login/").content.decode()
    person.post(
        "/accounts/login/",
        {
            "username": "river",
            "password": "a calm river at dawn",
            "csrfmiddlewaretoken": _token(login_page),
        },
    )  # in another tab

    response = person.post(
        "/journal/prompts/ab-who-felt-safe/",
        {
            "body": "Words from the old tab",
            "entry": str(uuid.uuid4()),
            "version": 0,
            "csrfmiddlewaretoken": stale,
        },
        headers=SAME_ORIGIN,
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert "Words from the old tab</textarea>" in page
    assert "Exit this page" in page  # the site's own page, with its quick exit
    # Sent again and refused (the tick not given), the lesson opens at the box.
    action = "/journal/prompts/ab-who-felt-safe/#reflection-ab-who-felt-safe"
    assert f'<form method="post" action="{action}"' in page
    # The account signed in to has not agreed to the notice: the page asks, as it says.
    assert f'name="agree" value="{AGREE["agree"]}"' in page and "Tick the box under it" in page
    assert response["Cache-Control"] == "no-store, private"
    assert Entry.objects.count() == 0
    again = person.post(
        "/journal/prompts/ab-who-felt-safe/",
        {
            "body": "Words from the old tab",
            "entry": str(uuid.uuid4()),
            "version": 0,
            **AGREE,  # the tick the page asks for
            "csrfmiddlewaretoken": _token(page),
        },
    )  # "Send again", with the fresh token the page holds
    assert again.status_code == 302
    assert Entry.objects.get().body == "Words from the old tab"


def test_a_forged_post_from_another_site_is_never_shown_back(victims_entry):
    """Only the person's own pages get their text back: a form on another site must not
    be able to put words of its choosing on one of ours."""
    forger = Client(enforce_csrf_checks=True)

    response = forger.post(
        "/journal/write/",
        {"body": "Words another site chose"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"},
    )

    assert response.status_code == 403
    assert "Words another site chose" not in response.content.decode()


class _TypedFields(HTMLParser):
    """The boxes of a page a person types words into, each with the autocomplete that applies
    to it: its own attribute, or else its form's."""

    TYPED = {"text", "search", "email", "tel", "url"}

    def __init__(self) -> None:
        super().__init__()
        self.form_autocomplete: str | None = None
        self.fields: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form_autocomplete = attrs.get("autocomplete")
        elif tag == "textarea" or (
            tag == "input" and attrs.get("type", "text").lower() in self.TYPED
        ):
            own = attrs.get("autocomplete")
            self.fields.append(
                (attrs.get("id") or attrs.get("name") or tag, own or self.form_autocomplete)
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self.form_autocomplete = None


def typed_fields(page: str) -> list[tuple[str, str | None]]:
    parser = _TypedFields()
    parser.feed(page)
    return parser.fields


def test_words_typed_on_private_pages_are_never_kept_by_the_browser():
    """A browser keeps what was typed in a box to put back when Back returns to the page
    (Chromium, in the page's history entry, written to the profile on disk), and keeps what
    was typed in a one-line box to suggest on every site's box of that name (a search for
    "q", in Chromium's autofill table). After quick exit forgot the device or signed out,
    Back would put the words back in the empty box of the page served then; a journal
    search would be suggested in a search engine's box. `autocomplete="off"` stops both."""
    person = Client()
    entry_id = answered(person).id
    person.post("/circle/add/", {**AGREE, "name": "Nan", "ring": 1})
    member_id = CircleMember.objects.get().id
    report = f"{LESSON_URL}report/"
    stale_marker = {"space": "a page made for another space", "body": "Words", "version": 0}
    forger = Client(enforce_csrf_checks=True)
    pages = {
        "lesson": person.get(LESSON_URL),
        "journal": person.get("/journal/"),
        "journal search": person.post("/journal/", {"q": "Only", "from": "free"}),
        "entry": person.get(f"/journal/entries/{entry_id}/"),
        "entry editor": person.get(f"/journal/entries/{entry_id}/?edit", headers=HX),
        "circle": person.get("/circle/"),
        "circle member": person.get(f"/circle/{member_id}/"),
        "problem report": person.post(report, {"kind": "other", "comment": "x" * 501}),
        "not saved here": person.post("/journal/write/", stale_marker),
        "stale token": forger.post(
            "/journal/write/", {"body": "Words"}, headers={"Sec-Fetch-Site": "same-origin"}
        ),
    }
    person.post(
        "/settings/",
        {
            "section": "passcode",
            "passcode": "river stones",
            "repeat": "river stones",
            "lock_after": 15,
        },
    )
    person.post("/lock/", {"action": "lock"})
    pages["locked, words given back"] = person.post(
        "/journal/write/", {**AGREE, "body": "Words", "version": 0}
    )

    refused = {"problem report": 422, "not saved here": 409, "stale token": 403}
    refused["locked, words given back"] = 423
    for name, response in pages.items():
        assert response.status_code == refused.get(name, 200), name
        fields = typed_fields(response.content.decode())
        assert fields, name
        assert [field for field in fields if field[1] != "off"] == [], name
