"""Quick exit, the support page, grounding and the crisis lines behind them."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from attachment_guide.journal.models import Entry
from attachment_guide.safety.helplines import get_helplines, load_helplines
from attachment_guide.spaces.models import Space
from lessons.content import get_catalog
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

GOOD = """
[[directory]]
name = "Find A Helpline"
url = "https://findahelpline.com"
description = "Free helplines by country."
sources = ["https://findahelpline.com"]
checked = "2026-01-07"

[[country]]
code = "gb"
name = "United Kingdom"
emergency = "999 or 112"
emergency_dial = "999"
emergency_sources = ["https://www.gov.uk/guidance/999"]
emergency_checked = "2025"

[[country.line]]
service = "Samaritans"
topic = "crisis"
sources = ["https://www.samaritans.org"]
checked = "2025-10-01"

[[country.line.contact]]
kind = "call"
label = "Call 116 123"
value = "116123"
"""


def write(tmp_path, text):
    path = tmp_path / "helplines.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_checked_helplines_file_loads(tmp_path):
    helplines = load_helplines(write(tmp_path, GOOD))

    assert helplines.problems == []
    line = helplines.countries[0].lines[0]
    assert line.contacts[0].href == "tel:116123"
    assert line.sources == ("https://www.samaritans.org",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('checked = "2025-10-01"', 'checked = "2025-10-01"\nnotes = "Chat: UNVERIFIED"'),
            "UNVERIFIED entries must never be published",
        ),
        (('sources = ["https://www.samaritans.org"]\n', ""), "'sources' is required"),
        (('checked = "2025-10-01"\n', ""), "'checked' is required"),
        (('checked = "2025-10-01"', 'checked = "last week"'), "'checked' must be YYYY"),
        (('emergency_checked = "2025"\n', ""), "'emergency_checked' is required"),
        (('emergency_sources = ["https://www.gov.uk/guidance/999"]\n', ""), "'emergency_sources'"),
        (
            ('emergency_checked = "2025"', 'emergency_checked = "recently"'),
            "'emergency_checked' must",
        ),
        (('value = "116123"', 'value = "116 123"'), "is not a number to dial"),
        (('topic = "crisis"', 'topic = "chat"'), "topic must be one of"),
        (('label = "Call 116 123"', 'label = "Call 116 123"\nextra = 1'), "unknown key 'extra'"),
    ],
)
def test_a_line_without_sources_a_date_or_with_anything_unverified_fails_the_check(
    tmp_path, settings, change, expected
):
    settings.HELPLINES_FILE = write(tmp_path, GOOD.replace(*change))

    with pytest.raises(SystemCheckError, match=expected):
        call_command("check")


def test_an_emergency_number_without_its_sources_fails_the_check_but_is_still_shown(tmp_path):
    # gunicorn runs no checks: an operator's file that lost a country's sources must not take
    # the emergency number, and the country's lines, off the crisis page.
    text = GOOD.replace('emergency_sources = ["https://www.gov.uk/guidance/999"]\n', "")
    helplines = load_helplines(write(tmp_path, text))

    assert any("'emergency_sources' is required" in p for p in helplines.problems)
    (country,) = helplines.countries
    assert country.emergency_dial == "999" and country.lines[0].service == "Samaritans"


def test_the_shipped_helplines_are_all_verified_and_sourced():
    helplines = get_helplines()

    assert helplines.problems == []
    assert [c.code for c in helplines.countries][:6] == ["us", "gb", "ie", "ca", "au", "nz"]
    assert any("findahelpline.com" in d.url for d in helplines.directories)
    for country in helplines.countries:
        assert country.emergency_dial
        for line in country.lines:
            assert line.sources and line.checked and line.contacts


def test_the_support_page_shows_emergency_numbers_first_then_helplines(client):
    page = client.get("/support/").content.decode()

    danger = page.index("If you are in danger right now")
    assert danger < page.index('href="tel:911"') < page.index("Someone to talk to")
    assert 'href="tel:999"' in page and 'href="tel:000"' in page and 'href="tel:111"' in page
    assert "findahelpline.com" in page
    assert "Helplines are not emergency services." in page
    assert "Last checked against its sources" in page
    # A line whose sources give no date never says it was "last checked: undated".
    assert "Last checked against its sources: undated" not in page
    assert "they give no date" in page
    assert "It does not erase your browser history." in page
    assert "Not a substitute for professional care." in page
    assert "What we keep about you" in page
    assert "UNVERIFIED" not in page


def test_every_page_links_to_help_and_has_the_exit_button(client):
    for url in ["/", "/lessons/attachment-basics/", "/journal/", "/glossary/", "/nowhere/"]:
        page = client.get(url).content.decode()
        assert 'href="/support/"' in page, url
        assert 'id="quick-exit" class="quick-exit" href="/exit/"' in page, url
        assert '<a class="skip-link" href="#quick-exit">' in page, url


def test_quick_exit_sends_the_browser_to_the_neutral_site(client, settings):
    settings.QUICK_EXIT_URL = "https://weather.example/today"

    response = client.get("/exit/")

    assert response.status_code == 302
    assert response["Location"] == "https://weather.example/today"
    assert response["Clear-Site-Data"] == '"storage"'
    assert response["Referrer-Policy"] == "no-referrer"
    assert (
        "cache" not in response["Clear-Site-Data"] and "cookies" not in response["Clear-Site-Data"]
    )


def test_quick_exit_logs_an_account_out(client):
    signed_up = client.post(
        "/accounts/signup/",
        {
            "username": "wren",
            "password1": "soft rain on a roof",
            "password2": "soft rain on a roof",
            **AGREE,
        },
    )
    assert "Your account is ready." in signed_up.content.decode()
    before = client.get("/").content.decode()
    assert 'href="/accounts/"' in before and 'href="/accounts/login/"' not in before

    client.get("/exit/")

    after = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in after and 'href="/accounts/"' not in after
    assert "_auth_user_id" not in client.session


def test_the_grounding_exercise_is_a_page_of_its_own_and_inside_every_lesson(client):
    grounding = get_catalog().grounding

    page = client.get("/grounding/").content.decode()
    lesson = client.get("/lessons/attachment-basics/what-attachment-is/").content.decode()

    assert grounding.title in page and "five" in page
    assert '<details class="grounding" id="grounding">' in lesson
    assert grounding.html in lesson


def test_the_grounding_page_leads_back_to_the_page_its_link_was_on_and_only_on_this_site(
    client,
):
    lesson = client.get("/lessons/attachment-basics/what-attachment-is/").content.decode()
    link = re.search(r'<a href="(/grounding/[^"]*)">A grounding exercise</a>', lesson).group(1)
    assert link == "/grounding/?next=/lessons/attachment-basics/what-attachment-is/"

    page = client.get(link).content.decode()
    assert (
        '<a class="button button--quiet" href="/lessons/attachment-basics/what-attachment-is/" '
        "data-grounding-back>Go back to where you were</a>"
    ) in page
    for elsewhere in ["https://elsewhere.example/", "//elsewhere.example/", "/grounding/"]:
        page = client.get("/grounding/", {"next": elsewhere}).content.decode()
        assert "Go back to where you were" not in page and "elsewhere" not in page
        assert '<a class="button button--quiet" href="/">Back to the lessons</a>' in page


def test_reading_the_support_and_grounding_pages_starts_no_session(client):
    client.get("/support/")
    client.get("/grounding/")
    client.get("/exit/")

    assert Session.objects.count() == 0


# --- An exit that could not reach the site happens at the next request ------------------------
# exit.js sets this cookie as it leaves; offline, or with the site out of reach, /exit/ never
# runs, and the site's next answer to this browser must do what the person chose first.

PASSCODE = "river stones"
PASSWORD = "soft rain on a roof"
LESSON = "/lessons/attachment-basics/what-attachment-is/"
ANSWER_URL = "/journal/prompts/ab-who-felt-safe/"
WORDS = "Words typed as someone walked in"


def exit_pending(client, settings) -> None:
    client.cookies[settings.EXIT_PENDING_COOKIE_NAME] = "1"


def cookie_deleted(response, settings) -> bool:
    cookie = response.cookies.get(settings.EXIT_PENDING_COOKIE_NAME)
    return cookie is not None and cookie["max-age"] == 0 and cookie["samesite"] == "Lax"


def bodies() -> list[str]:
    return [entry.body for entry in Entry.objects.all()]  # encrypted: no filter on the text


def a_guest_who_saved(client) -> None:
    client.post(
        ANSWER_URL,
        {**AGREE, "body": "An answer kept here", "entry": str(uuid.uuid4()), "version": 0},
        headers={"HX-Request": "true"},
    )
    assert bodies() == ["An answer kept here"]


def an_account(client) -> None:
    data = {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, **AGREE}
    assert "Your account is ready." in client.post("/accounts/signup/", data).content.decode()
    assert "_auth_user_id" in client.session


def choose_exit(client, action: str, **extra) -> None:
    response = client.post("/settings/", {"section": "exit", "exit_action": action, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]


def an_account_that_left(client, settings):
    an_account(client)
    exit_pending(client, settings)
    return client.get("/")


def a_guest_with_exit_set_to_lock(client, settings):
    a_guest_who_saved(client)
    passcode = {"section": "passcode", "passcode": PASSCODE, "repeat": PASSCODE, "lock_after": 15}
    assert client.post("/settings/", passcode).status_code == 302
    choose_exit(client, "lock", current=PASSCODE)
    exit_pending(client, settings)
    return client.get("/journal/")


def a_guest_with_exit_set_to_forget(client, settings):
    a_guest_who_saved(client)
    choose_exit(client, "forget", understood="on")
    exit_pending(client, settings)
    return client.get(LESSON)


def test_an_account_s_exit_that_never_reached_the_site_signs_out_at_the_next_page(client, settings):
    response = an_account_that_left(client, settings)

    page = response.content.decode()
    assert 'href="/accounts/login/"' in page and 'href="/accounts/"' not in page
    assert "_auth_user_id" not in client.session
    assert cookie_deleted(response, settings)
    assert response["Clear-Site-Data"] == '"storage"'
    assert response["Cache-Control"] == "no-store, private"


def test_an_exit_set_to_lock_that_never_reached_the_site_locks_at_the_next_page(client, settings):
    response = a_guest_with_exit_set_to_lock(client, settings)

    assert response.status_code == 423
    assert "An answer kept here" not in response.content.decode()
    assert 'name="passcode"' in response.content.decode()
    assert cookie_deleted(response, settings)
    assert client.get("/journal/").status_code == 423  # and it stays locked


def test_a_guest_s_exit_set_to_forget_that_never_reached_the_site_forgets_at_the_next_page(
    client, settings
):
    response = a_guest_with_exit_set_to_forget(client, settings)

    assert Space.objects.count() == 0 and Entry.objects.count() == 0
    assert not any(s.get_decoded() for s in Session.objects.all())  # the key went with it
    assert "An answer kept here" not in response.content.decode()
    assert cookie_deleted(response, settings)
    assert "Nothing saved yet" in client.get("/journal/").content.decode()


def test_the_exit_happens_once_and_the_next_pages_are_answered_as_usual(client, settings):
    a_guest_with_exit_set_to_lock(client, settings)
    assert settings.EXIT_PENDING_COOKIE_NAME not in client.cookies or not (
        client.cookies[settings.EXIT_PENDING_COOKIE_NAME].value
    )
    assert client.post("/lock/", {"passcode": PASSCODE, "next": "/journal/"}).status_code == 302

    page = client.get("/journal/")

    assert page.status_code == 200 and "An answer kept here" in page.content.decode()
    assert settings.EXIT_PENDING_COOKIE_NAME not in page.cookies


def test_without_the_cookie_the_next_page_changes_nothing(client, settings):
    a_guest_who_saved(client)
    choose_exit(client, "forget", understood="on")

    page = client.get("/journal/")

    assert "An answer kept here" in page.content.decode()
    assert Space.objects.count() == 1
    assert "Clear-Site-Data" not in page and settings.EXIT_PENDING_COOKIE_NAME not in page.cookies


def test_exit_deletes_the_pending_cookie_and_does_the_exit_once(client, settings):
    a_guest_who_saved(client)
    choose_exit(client, "forget", understood="on")
    exit_pending(client, settings)

    response = client.get("/exit/", headers={"Sec-Fetch-Site": "same-origin"})

    assert response["Location"] == settings.QUICK_EXIT_URL
    assert cookie_deleted(response, settings)
    assert Space.objects.count() == 0


def test_an_exit_left_pending_is_not_weakened_by_a_link_to_exit_from_another_site(client, settings):
    """The pending cookie says this person pressed exit here: a link on another site that
    brings the browser to /exit/ before any other page must not turn "forget" into a lock
    (for a guest with no passcode, nothing) and take the pending exit away with it."""
    a_guest_who_saved(client)
    choose_exit(client, "forget", understood="on")
    exit_pending(client, settings)

    response = client.get("/exit/", headers={"Sec-Fetch-Site": "cross-site"})

    assert response["Location"] == settings.QUICK_EXIT_URL
    assert Space.objects.count() == 0 and Entry.objects.count() == 0
    assert "space_id" not in client.session
    assert cookie_deleted(response, settings)


def test_without_a_pending_exit_a_link_from_another_site_still_cannot_forget(client, settings):
    a_guest_who_saved(client)
    choose_exit(client, "forget", understood="on")

    client.get("/exit/", headers={"Sec-Fetch-Site": "cross-site"})

    assert bodies() == ["An answer kept here"]
    assert "space_id" in client.session


def test_in_production_the_pending_cookie_is_named_as_only_this_host_can_set_it(client, settings):
    """A `__Host-` cookie comes only from a secure page of this very host: nobody else can
    plant one to make the next visit throw away a guest's only key."""
    settings.EXIT_PENDING_COOKIE_NAME = "__Host-exit_pending"
    a_guest_who_saved(client)
    choose_exit(client, "forget", understood="on")
    client.cookies["exit_pending"] = "1"  # planted by a subdomain, or over plain HTTP
    assert "An answer kept here" in client.get("/journal/").content.decode()

    exit_pending(client, settings)
    response = client.get("/journal/")

    assert "Nothing saved yet" in response.content.decode()
    deleted = response.cookies["__Host-exit_pending"]
    assert deleted["max-age"] == 0 and deleted["secure"] and deleted["path"] == "/"
    page = client.get("/").content.decode()
    assert 'data-pending-cookie="__Host-exit_pending"' in page
    assert f'data-neutral="{settings.QUICK_EXIT_URL}"' in page


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_an_autosave_after_an_exit_that_never_reached_the_site_is_refused_and_words_come_back(
    client, settings, htmx
):
    an_account(client)
    lesson = client.get(LESSON).content.decode()
    marker = re.search(r'name="space" value="([^"]*)"', lesson).group(1)
    exit_pending(client, settings)

    response = client.post(
        ANSWER_URL,
        {**AGREE, "body": WORDS, "entry": str(uuid.uuid4()), "version": 0, "space": marker},
        headers={"HX-Request": "true"} if htmx else {},
    )

    html = response.content.decode()
    assert WORDS not in bodies()
    assert "is no longer open in this browser" in html
    assert "_auth_user_id" not in client.session
    assert cookie_deleted(response, settings)
    if htmx:
        assert response.status_code == 422  # shown in place; the box keeps the words
    else:
        assert response.status_code == 409 and WORDS in html


@pytest.mark.parametrize("who", ["an account", "a guest who chose forget"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_first_save_from_a_tab_opened_before_an_exit_that_never_reached_the_site_makes_no_space(
    client, settings, who, htmx
):
    """Another tab, opened before there was a space (its boxes could make one), its words
    sent once the site is back: the exit is carried out first, then that save made a new
    space with the words and handed this browser its key, for the next person to find."""
    early = client.get(LESSON).content.decode()  # no space yet: an empty marker
    assert re.search(r'name="space" value=""', early)
    if who == "an account":
        an_account(client)
    else:
        a_guest_who_saved(client)
        choose_exit(client, "forget", understood="on")
    spaces = Space.objects.count()
    exit_pending(client, settings)

    response = client.post(
        ANSWER_URL,
        {**AGREE, "body": WORDS, "entry": str(uuid.uuid4()), "version": 0, "space": ""},
        headers={"HX-Request": "true"} if htmx else {},
    )

    assert WORDS not in bodies()
    assert Space.objects.count() == spaces - (who != "an account")  # the guest's forgotten
    assert "space_id" not in client.session
    assert "is no longer open in this browser" in response.content.decode()
    assert cookie_deleted(response, settings)
    if not htmx:
        assert WORDS in response.content.decode()  # to copy, or to send again


def test_an_autosave_after_an_exit_set_to_lock_gets_the_lock_screen_with_its_words(
    client, settings
):
    a_guest_with_exit_set_to_lock(client, settings)  # locked by that visit; now once more
    client.post("/lock/", {"passcode": PASSCODE, "next": "/journal/"})
    exit_pending(client, settings)

    response = client.post(
        ANSWER_URL, {**AGREE, "body": WORDS, "entry": str(uuid.uuid4()), "version": 0}
    )

    assert response.status_code == 423
    assert WORDS in response.content.decode()
    assert WORDS not in bodies()
    assert cookie_deleted(response, settings)


def test_the_privacy_and_support_pages_say_what_the_exit_cookie_holds_and_when_it_goes(client):
    privacy = client.get("/privacy/").content.decode()
    support = client.get("/support/").content.decode()

    assert (
        "Once you have saved something, Exit this page also gives your browser a small" in privacy
    )
    assert "It holds only the number 1" in privacy
    assert "the site first does what you chose for quick exit, then deletes the cookie" in privacy
    # ... and that it ends with the browser where the key to the space does (js/exit.js)
    assert (
        "If you keep your space only for this visit, or signed in without “Remember me”, this"
        " cookie ends when the browser closes." in privacy
    )
    assert "It does not wait for this site. If this site cannot be reached just then" in support
    assert "happens the next time this browser opens this site" in support
    assert "If scripts are turned off in your browser" in support
    # ... where the Shift keys do nothing, and Back comes back to the page left
    assert "only the Exit this page button works, not the Shift key" in support
    assert "the Back button comes back to the page you left" in support
