"""Every URL the app serves, walked from the URL configuration: no state changes on GET, no
POST without the anti-forgery token. A new URL missing from ROUTES fails the first test."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from attachment_guide.journal.models import Entry
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

READ = "read"  # GET shows a page and changes nothing; POST is refused
WRITE = "write"  # changes state: POST with a token only; GET is refused with 405
FORM = "form"  # GET shows a form; POST (token required) acts on it
EXIT = "exit"  # the one deliberate GET that changes state (PRODUCT.md): quick exit

ROUTES = {
    "home": READ,
    "module": READ,
    "lesson": READ,
    "lesson_progress": WRITE,
    "lesson_report": WRITE,
    "lesson_report_sent": READ,
    "glossary": READ,
    "privacy": READ,
    "support": READ,
    "grounding": READ,
    "healthz": READ,
    "exit": EXIT,
    "settings": FORM,
    "lock": FORM,
    "lock_erase": FORM,
    "accounts:account": FORM,
    "accounts:signup": FORM,
    "accounts:login": FORM,
    "accounts:logout": WRITE,
    "accounts:recover": FORM,
    "accounts:delete": FORM,
    "accounts:recovery_code": WRITE,
    "journal:index": FORM,  # POST is a search: never in the address bar, changes nothing
    "journal:write": WRITE,
    "journal:answer": WRITE,
    "journal:answers": WRITE,
    "journal:entry": FORM,
    "journal:delete": FORM,
    "journal:token": READ,
    "journal:export": FORM,
    "journal:delete_all": FORM,
    "circle:index": READ,
    "circle:add": WRITE,
    "circle:start": WRITE,
    "circle:member": FORM,
    "circle:remove": FORM,
}


def url_names(patterns=None, namespace: str = "") -> list[str]:
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(namespace + pattern.name)
    return names


@pytest.fixture
def person_with_an_entry() -> tuple[Client, Entry]:
    person = Client(enforce_csrf_checks=True)
    page = person.get("/journal/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    entry_id = uuid.uuid4()
    response = person.post(
        "/journal/write/",
        {
            **AGREE,
            "body": "kept safe",
            "entry": str(entry_id),
            "version": 0,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    return person, Entry.objects.get(id=entry_id)


LESSON_KWARGS = {"module_slug": "attachment-basics", "lesson_slug": "what-attachment-is"}


def url_for(name: str, entry: Entry) -> str:
    kwargs = {
        "module": {"module_slug": "attachment-basics"},
        "lesson": {"module_slug": "attachment-basics", "lesson_slug": "what-attachment-is"},
        "lesson_progress": LESSON_KWARGS,
        "lesson_report": LESSON_KWARGS,
        "lesson_report_sent": LESSON_KWARGS,
        "journal:answer": {"prompt_id": "ab-who-felt-safe"},
        "journal:answers": LESSON_KWARGS,
        "journal:entry": {"entry_id": entry.id},
        "journal:delete": {"entry_id": entry.id},
        # Any id will do: the anti-forgery check and the method check come before the lookup.
        "circle:member": {"member_id": uuid.uuid4()},
        "circle:remove": {"member_id": uuid.uuid4()},
    }
    return reverse(name, kwargs=kwargs.get(name, {}))


# The staff admin is Django's own: its forms carry the token and its pages need a staff
# login. These stand for all of it in the anti-forgery test.
ADMIN = ["admin:index", "admin:login", "admin:logout", "admin:spaces_space_changelist"]


def test_every_url_is_classified():
    names = {name for name in url_names() if not name.startswith("admin:")}
    assert names == set(ROUTES), (
        f"new: {names - set(ROUTES)}; gone: {set(ROUTES) - names}. Classify each new URL."
    )


@pytest.mark.parametrize("name", ADMIN)
def test_the_staff_admin_refuses_a_post_without_the_token(name):
    response = Client(enforce_csrf_checks=True).post(reverse(name), {"username": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_no_post_without_the_anti_forgery_token(person_with_an_entry, name):
    person, entry = person_with_an_entry
    url = url_for(name, entry)

    for headers in ({}, {"HX-Request": "true"}):
        response = person.post(
            url, {**AGREE, "body": "forged", "version": 1, "q": "kept"}, headers=headers
        )
        assert response.status_code == 403, url

    entry.refresh_from_db()
    assert (entry.body, entry.version) == ("kept safe", 1)
    assert "kept safe" in person.get("/journal/").content.decode()  # still there, still theirs


@pytest.mark.parametrize("name", sorted(n for n, kind in ROUTES.items() if kind == WRITE))
def test_state_changing_urls_refuse_get(person_with_an_entry, name):
    person, entry = person_with_an_entry

    response = person.get(url_for(name, entry))

    assert response.status_code == 405
    assert "POST" in response["Allow"]


@pytest.mark.parametrize("name", sorted(n for n, kind in ROUTES.items() if kind == READ))
def test_reading_urls_refuse_post_even_with_a_token(person_with_an_entry, name):
    _, entry = person_with_an_entry
    relaxed = Client()  # no CSRF enforcement: the method alone must be refused

    response = relaxed.post(url_for(name, entry))

    assert response.status_code == 405


def _nowhere(request):
    raise AssertionError("never called")


urlpatterns = [  # a URL conf of this module's own, for the test below
    path("other/<slug:module_slug>/<slug:lesson_slug>/", _nowhere, name="lesson")
]


def test_addresses_worked_out_once_follow_a_changed_url_conf(settings):
    from attachment_guide.http import reverse_once

    assert reverse_once("lesson", "m", "l") == "/lessons/m/l/"
    settings.ROOT_URLCONF = __name__
    assert reverse_once("lesson", "m", "l") == reverse("lesson", args=["m", "l"]) == "/other/m/l/"


PUBLIC = {
    "home": {},
    "module": {"module_slug": "attachment-basics"},
    "lesson": LESSON_KWARGS,
    "lesson_report_sent": LESSON_KWARGS,
    "glossary": {},
    "privacy": {},
    "support": {},
    "grounding": {},
    "healthz": {},
}


@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_answer_head_as_they_answer_get(name):
    """Uptime checkers and link checkers often ask with HEAD; a 405 reads as "down"."""
    url = reverse(name, kwargs=PUBLIC[name])

    got, head = Client().get(url), Client().head(url)

    assert got.status_code == head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]


def test_quick_exit_ignores_head_so_a_link_checker_forgets_no_one():
    person = Client()
    person.post("/journal/write/", {**AGREE, "body": "kept safe", "version": 0})
    person.post("/settings/", {"section": "exit", "exit_action": "forget", "understood": "on"})

    assert person.head("/exit/").status_code == 405

    assert "kept safe" in person.get("/journal/").content.decode()
    person.get("/exit/", headers={"Sec-Fetch-Site": "same-origin"})
    assert "kept safe" not in person.get("/journal/").content.decode()  # GET still forgets
