"""The privacy notice names who runs the site; the first save asks for agreement and records
it; retention deletes exactly what has been kept long enough."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from attachment_guide.journal.models import Entry
from attachment_guide.safety.notice import (
    NOTICE_DATE,
    NOTICE_SHA256,
    NOTICE_TEMPLATE,
    NOTICE_VERSION,
    version_tag,
)
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import AGREED_KEY
from lessons.models import LessonProgress
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
LESSON = "/lessons/attachment-basics/what-attachment-is/"
PASSWORD = "a long enough passphrase 42"


def first_answer(client: Client, **extra):
    data = {"body": "My first answer", "entry": str(uuid.uuid4()), "version": 0, **extra}
    return client.post("/journal/prompts/ab-who-felt-safe/", data, headers=HX)


def test_the_notice_shows_the_operator_settings(client, settings):
    settings.OPERATOR_NAME = "Harbour Counselling"
    settings.OPERATOR_CONTACT = "privacy@harbour.example.org"
    settings.DATA_LOCATION = "a data centre in Leeds, United Kingdom"
    settings.GUEST_SPACE_DAYS = 200
    settings.INACTIVE_ACCOUNT_DAYS = 730

    page = client.get("/privacy/").content.decode()

    assert "run by <strong>Harbour Counselling</strong>" in page
    assert "privacy@harbour.example.org" in page
    assert "in a data centre in Leeds, United Kingdom" in page
    assert "your space lasts 200 days after the last time you save" in page
    assert "signed in to the account or saved anything in it for 730 days" in page
    assert f"Version of this notice: {NOTICE_VERSION}." in page
    assert "the people who run the server could read it" in page  # the limits, honestly


def test_without_an_inactivity_limit_accounts_are_told_they_stay(client):
    page = client.get("/privacy/").content.decode()
    assert "however long you are away" in page


def test_the_notice_version_changes_with_its_text():
    from django.template.loader import get_template

    text = Path(get_template(NOTICE_TEMPLATE).origin.name).read_bytes()

    assert hashlib.sha256(text).hexdigest() == NOTICE_SHA256, (
        "The privacy notice changed: set NOTICE_SHA256 (and NOTICE_DATE to today) in "
        "attachment_guide/safety/notice.py; everyone is asked to agree again."
    )


def test_the_recorded_version_names_the_text_itself(client):
    """Any change to the words makes a new version: an agreement to older words asks again,
    even when the date was left as it was."""
    assert NOTICE_VERSION.endswith("~" + NOTICE_SHA256[:8])
    assert len(NOTICE_VERSION) <= Space._meta.get_field("notice_version").max_length
    assert first_answer(client, **AGREE).status_code == 200
    assert 'name="agree"' not in client.get(LESSON).content.decode()
    session = client.session
    session[AGREED_KEY] = f"{NOTICE_DATE}~00000000"  # the same day, other words
    session.save()

    assert 'name="agree"' in client.get(LESSON).content.decode()


def test_the_first_save_asks_for_agreement_and_keeps_the_text(client):
    page = client.get(LESSON).content.decode()
    assert 'name="agree"' in page
    assert 'href="/privacy/" target="_blank">privacy notice</a>' in page

    refused = first_answer(client)

    assert refused.status_code == 422
    assert "tick the box just above" in refused.content.decode()
    assert Space.objects.count() == 0
    assert "sessionid" not in client.cookies  # nothing kept, not even a session

    without_js = client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {"body": "Typed without scripts", "entry": str(uuid.uuid4()), "version": 0},
    )
    assert without_js.status_code == 422
    assert "Typed without scripts</textarea>" in without_js.content.decode()


def test_agreeing_records_the_time_and_the_notice_version(client):
    before = timezone.now()

    saved = first_answer(client, **AGREE)

    assert saved.status_code == 200
    space = Space.objects.get()
    assert before <= space.consented_at <= timezone.now()
    assert space.notice_version == NOTICE_VERSION
    assert Entry.objects.get().body == "My first answer"
    assert 'name="agree"' not in client.get(LESSON).content.decode()  # asked once


def test_remember_my_place_says_it_means_agreement_and_records_it(client):
    page = client.get(LESSON).content.decode()
    assert "pressing one means you agree to it" in page

    client.post(f"{LESSON}progress/", {**AGREE, "remember": "1"})

    assert Space.objects.get().notice_version == NOTICE_VERSION


def test_signing_up_without_a_space_asks_for_agreement(client):
    data = {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, "remember": "on"}

    refused = client.post("/accounts/signup/", data)
    assert refused.status_code == 422
    assert "Please tick this box to make an account." in refused.content.decode()
    assert 'value="wren"' in refused.content.decode()

    client.post("/accounts/signup/", data | {**AGREE})

    assert Space.objects.get(user__username="wren").notice_version == NOTICE_VERSION


def test_signing_up_after_a_first_save_does_not_ask_again(client):
    first_answer(client, **AGREE)

    page = client.get("/accounts/signup/").content.decode()

    assert 'name="agree"' not in page
    # Not only hidden: the sign-up goes through without the box it no longer shows.
    data = {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, "remember": "on"}
    made = client.post("/accounts/signup/", data)
    assert made.status_code == 200
    assert "Your account is ready." in made.content.decode()
    space = Space.objects.get()
    assert space.user.username == "wren" and space.notice_version == NOTICE_VERSION


# --- A tick shown with older words ----------------------------------------------------------

CHANGED = '<a href="/privacy/">privacy notice</a> has changed since this page was opened'


def bodies() -> list[str]:
    return [entry.body for entry in Entry.objects.all()]  # encrypted: not for a filter


def tick_in(html: str) -> str:
    """The agreement tick's tag, as the page or fragment shows it."""
    found = re.search(r'<input type="checkbox" name="agree"[^>]*>', html)
    assert found, "no tick to agree with"
    return found.group(0)


def test_the_tick_carries_the_version_of_the_notice_it_is_shown_with(client):
    tick = tick_in(client.get(LESSON).content.decode())

    assert f'value="{NOTICE_VERSION}"' in tick
    assert f'id="reflection-ab-who-felt-safe-agree-{version_tag(NOTICE_VERSION)}"' in tick
    assert "checked" not in tick


def test_a_tick_that_names_no_version_agrees_to_nothing(client):
    """Any tick used to count: a page from before ticks carried their version says "1", and
    nobody can tell which words it was shown with."""
    refused = first_answer(client, agree="1")

    assert refused.status_code == 422
    assert CHANGED in refused.content.decode()
    assert Space.objects.count() == 0


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("box", ["answer", "write", "entry"])
def test_a_tick_from_before_the_notice_changed_asks_again_and_keeps_the_text(
    client, notice_changed, box, htmx
):
    """A tab opened before new words went out, its box still ticked: the save agrees to
    nothing. It says why, links to the notice, brings a new tick (unticked, with an id of its
    own so hx-preserve cannot keep the old one), and the text stays."""
    url = "/journal/prompts/ab-who-felt-safe/" if box == "answer" else "/journal/write/"
    data = {"body": "Typed before the change", "entry": str(uuid.uuid4()), "version": 0}
    if box == "entry":  # an entry kept under the old notice, open for editing
        first_answer(client, **AGREE)
        entry = Entry.objects.get()
        url, data = f"/journal/entries/{entry.id}/", {"body": "Typed before the change"}
        data["version"] = entry.version
    new = notice_changed()

    refused = client.post(url, {**data, **AGREE}, headers=HX if htmx else {})

    html = refused.content.decode()
    assert refused.status_code == 422
    assert CHANGED in html
    tick = tick_in(html)
    assert f'value="{new}"' in tick and "checked" not in tick
    assert f'-agree-{version_tag(new)}"' in tick  # not the id of the tick shown before
    if htmx:  # only the status line and the tick are swapped: the box keeps what is typed
        assert "<textarea" not in html
    else:
        assert ">Typed before the change</textarea>" in html
    assert "Typed before the change" not in bodies()

    kept = client.post(url, {**data, "agree": new}, headers=HX if htmx else {})

    assert kept.status_code == (200 if htmx else 302)
    assert "Typed before the change" in bodies()
    assert Space.objects.get().notice_version == new


@pytest.mark.parametrize("htmx", [True, False])
def test_a_map_tick_from_before_the_notice_changed_asks_again_and_keeps_the_name(
    client, notice_changed, htmx
):
    new = notice_changed()
    data = {"name": "Aunt May", "ring": 1, "reach": "07700 900123"}

    refused = client.post("/circle/add/", {**data, **AGREE}, headers=HX if htmx else {})

    html = refused.content.decode()
    assert refused.status_code == 422
    assert CHANGED in html
    assert 'value="Aunt May"' in html and 'value="07700 900123"' in html
    tick = tick_in(html)
    assert f'value="{new}"' in tick and "checked" not in tick
    assert Space.objects.count() == 0

    client.post("/circle/add/", {**data, "agree": new}, headers=HX if htmx else {})

    assert Space.objects.get().notice_version == new


def test_signing_up_with_a_tick_from_before_the_notice_changed_asks_again(client, notice_changed):
    new = notice_changed()
    data = {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, "remember": "on"}

    refused = client.post("/accounts/signup/", data | AGREE)

    html = refused.content.decode()
    assert refused.status_code == 422
    # Its link opens the notice over the page (notice.js), so the name typed stays.
    assert f"<span data-agreement-refused>The {CHANGED}" in html
    assert 'value="wren"' in html
    tick = tick_in(html)
    assert f'value="{new}"' in tick and "checked" not in tick
    assert not User.objects.exists()

    made = client.post("/accounts/signup/", data | {"agree": new})

    assert "Your account is ready." in made.content.decode()
    assert Space.objects.get(user__username="wren").notice_version == new


@pytest.mark.parametrize("htmx", [True, False])
def test_remember_my_place_pressed_on_a_page_from_before_the_notice_changed_asks_again(
    client, notice_changed, htmx
):
    """The buttons say pressing one agrees to the notice: the notice that page showed."""
    new = notice_changed()

    refused = client.post(
        f"{LESSON}progress/", {**AGREE, "remember": "1"}, headers=HX if htmx else {}
    )

    html = refused.content.decode()
    assert refused.status_code == 422
    assert f"Nothing was kept: the {CHANGED}" in html
    assert f'name="agree" value="{new}"' in html  # pressing again agrees to the new words
    assert Space.objects.count() == 0

    client.post(f"{LESSON}progress/", {"agree": new, "remember": "1"}, headers=HX if htmx else {})

    assert Space.objects.get().notice_version == new


def test_a_progress_button_without_the_agreement_keeps_nothing(client):
    refused = client.post(f"{LESSON}progress/", {"done": "1"}, headers=HX)

    assert refused.status_code == 422
    assert "Nothing was kept yet" in refused.content.decode()
    assert Space.objects.count() == 0


# --- Retention -----------------------------------------------------------------------------


def purge() -> str:
    out = io.StringIO()
    call_command("purge_expired_spaces", stdout=out)
    return out.getvalue()


def aged(space: Space, days: int) -> None:
    Space.objects.filter(id=space.id).update(last_saved=timezone.now() - timedelta(days=days))


def test_retention_deletes_exactly_the_stale_guest_spaces(monkeypatch):
    stale, recent = Space.objects.create(), Space.objects.create()
    account = Space.objects.create(user=User.objects.create_user("owl", password="x" * 12))
    for space in (stale, recent, account):
        Entry.objects.create(space=space, body="words")
        LessonProgress.objects.create(space=space, module_slug="m", lesson_slug="l")
    aged(stale, 400)
    aged(recent, 100)
    aged(account, 900)  # accounts stay until their owner deletes them

    assert purge() == "Deleted 1 guest spaces and 0 inactive accounts.\n"
    assert set(Space.objects.values_list("id", flat=True)) == {recent.id, account.id}
    assert Entry.objects.count() == LessonProgress.objects.count() == 2

    later = timezone.now() + timedelta(days=300)  # time moves on; nobody saves
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert purge() == "Deleted 1 guest spaces and 0 inactive accounts.\n"
    assert list(Space.objects.values_list("id", flat=True)) == [account.id]


def test_retention_of_inactive_accounts_when_the_operator_sets_it(settings):
    settings.INACTIVE_ACCOUNT_DAYS = 730
    idle = User.objects.create_user("idle", password="x" * 12)
    busy = User.objects.create_user("busy", password="x" * 12)
    staff = User.objects.create_user("staff", password="x" * 12, is_staff=True)
    long_ago = timezone.now() - timedelta(days=800)
    User.objects.update(date_joined=long_ago, last_login=long_ago)
    for user in (idle, busy, staff):
        Space.objects.create(user=user)
    Space.objects.filter(user=busy).update(last_saved=timezone.now())
    Space.objects.filter(user__in=[idle, staff]).update(last_saved=long_ago)

    assert purge() == "Deleted 0 guest spaces and 1 inactive accounts.\n"
    assert set(User.objects.values_list("username", flat=True)) == {"busy", "staff"}
    assert Space.objects.count() == 2


def test_the_default_retention_is_twelve_months():
    assert django_settings.GUEST_SPACE_DAYS == 365


def test_purged_accounts_leave_no_sessions(settings):
    settings.INACTIVE_ACCOUNT_DAYS = 730
    client = Client()
    client.post(
        "/accounts/signup/",
        {"username": "idle", "password1": PASSWORD, "password2": PASSWORD, **AGREE},
    )
    long_ago = timezone.now() - timedelta(days=800)
    User.objects.update(date_joined=long_ago, last_login=long_ago)
    Space.objects.update(last_saved=long_ago)

    assert purge() == "Deleted 0 guest spaces and 1 inactive accounts.\n"

    from django.contrib.sessions.models import Session

    assert Session.objects.count() == 0


def test_a_space_from_an_older_notice_is_asked_again_and_its_answer_recorded(client):
    first_answer(client, **AGREE)
    Space.objects.update(notice_version="2020-01-01")
    session = client.session
    session["agreed_notice"] = "2020-01-01"
    session.save()

    assert 'name="agree"' in client.get(LESSON).content.decode()
    assert first_answer(client).status_code == 422
    assert first_answer(client, **AGREE).status_code == 200
    assert Space.objects.get().notice_version == NOTICE_VERSION


def test_retention_forgets_failed_log_ins_once_their_window_is_over():
    """A throttle row is a hash of a name and an address: a dictionary of names times every
    IPv4 address undoes it, so a backup would tell who failed to sign in from where."""
    from attachment_guide.accounts.models import LoginThrottle

    now = timezone.now()
    LoginThrottle.objects.create(key="old", failures=3, window_start=now - timedelta(hours=1))
    LoginThrottle.objects.create(key="current", failures=3, window_start=now)

    purge()

    assert list(LoginThrottle.objects.values_list("key", flat=True)) == ["current"]
