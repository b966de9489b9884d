""" "Only for this visit" means it: the cookie ends with the browser, and retention deletes
the space from the server after a day without use, with everything in it."""

from __future__ import annotations

import importlib
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from attachment_guide.circle.models import CircleMember
from attachment_guide.circle.services import member_add
from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from lessons.models import LessonProgress
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
LESSON = "/lessons/attachment-basics/what-attachment-is/"
PASSWORD = "a long enough passphrase 42"
START = timezone.now


def move_clock(monkeypatch, **delta) -> None:
    """Set the clock to the test's start plus `delta` (time moved, never slept)."""
    later = START() + timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: later)


def save(client: Client, text: str = "My answer", **headers) -> None:
    client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": text, "entry": str(uuid.uuid4()), "version": 0},
        headers=headers or HX,
    )


def keep(client: Client, choice: str):
    return client.post("/settings/", {"section": "keep", "keep": choice})


def guest(choice: str = "visit") -> Client:
    client = Client()
    save(client)
    keep(client, choice)
    return client


def purge() -> str:
    out = io.StringIO()
    call_command("purge_expired_spaces", stdout=out)
    return out.getvalue()


def words(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Retention ------------------------------------------------------------------------------


def test_retention_deletes_a_space_kept_only_for_this_visit_after_a_day_without_use(
    monkeypatch,
):
    """It stayed on the server for GUEST_SPACE_DAYS, a year, while the reader was told it
    was only for this visit."""
    client = guest("visit")
    space = Space.objects.get()
    client.post(f"{LESSON}progress/", {"remember": "1"})
    member_add(space=space, name="Sam", ring=1, helps=[], reach="")
    assert Entry.objects.count() == LessonProgress.objects.count() == 1
    assert CircleMember.objects.count() == 1

    move_clock(monkeypatch, hours=26)
    assert purge() == "Deleted 1 guest spaces and 0 inactive accounts.\n"

    assert not Space.objects.exists()
    assert Entry.objects.count() == LessonProgress.objects.count() == 0
    assert CircleMember.objects.count() == 0
    assert "My answer" not in client.get("/journal/").content.decode()


def test_retention_keeps_a_space_kept_only_for_this_visit_used_within_the_day(monkeypatch):
    idle = guest("visit")
    move_clock(monkeypatch, hours=3)
    recent = guest("visit")

    move_clock(monkeypatch, hours=26)  # 26 hours after the first save, 23 after the second
    assert purge() == "Deleted 1 guest spaces and 0 inactive accounts.\n"

    assert str(Space.objects.get().id) == recent.session["space_id"]
    assert Entry.objects.count() == 1
    assert "My answer" in recent.get("/journal/").content.decode()
    assert "My answer" not in idle.get("/journal/").content.decode()


def test_a_browser_left_open_that_keeps_saving_keeps_its_space(monkeypatch):
    """The clock moves while the space is used, not only once a day: saving every few hours
    through the night must not lose the space to a clock that last moved at noon."""
    client = guest("visit")
    for hours in (5, 10, 15, 20, 25, 30):
        move_clock(monkeypatch, hours=hours)
        save(client, f"Still writing at hour {hours}")

    move_clock(monkeypatch, hours=53)  # a day without use after the last save, not yet more
    purge()

    assert Space.objects.count() == 1
    assert Entry.objects.count() == 7
    assert "Still writing at hour 30" in client.get("/journal/").content.decode()


def test_retention_keeps_a_space_kept_on_this_device_after_a_day(monkeypatch):
    device = guest("device")
    guest("visit")

    move_clock(monkeypatch, days=30)
    assert purge() == "Deleted 1 guest spaces and 0 inactive accounts.\n"

    assert str(Space.objects.get().id) == device.session["space_id"]
    assert Entry.objects.count() == 1
    assert "My answer" in device.get("/journal/").content.decode()


def test_a_guest_who_chose_this_visit_and_then_signed_up_keeps_the_account(monkeypatch):
    client = guest("visit")
    client.post(
        "/accounts/signup/",
        {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, "remember": "on"},
    )
    space = Space.objects.get()
    assert space.user is not None
    assert not space.visit_only

    guest("visit")  # beside it, a guest's space kept only for a visit does go

    move_clock(monkeypatch, days=30)
    assert purge() == "Deleted 1 guest spaces and 0 inactive accounts.\n"

    assert Space.objects.get().user.username == "wren"
    assert Entry.objects.count() == 1
    assert "My answer" in client.get("/journal/").content.decode()  # still signed in


def test_an_accounts_space_is_never_kept_only_for_a_visit(monkeypatch):
    """An account may end its session with the browser, but its space stays."""
    client = Client()
    client.post(
        "/accounts/signup/",
        {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, **AGREE},
    )
    save(client)
    keep(client, "visit")
    assert client.session.get_expire_at_browser_close()
    assert not Space.objects.get().visit_only
    guest("visit")

    move_clock(monkeypatch, days=30)
    assert purge() == "Deleted 1 guest spaces and 0 inactive accounts.\n"

    assert Space.objects.get().user.username == "wren"
    assert Entry.objects.count() == 1


def test_signing_up_with_remember_me_after_this_visit_remembers_the_account():
    """Django's log-in keeps the guest's session data, "ends with the browser" included: the
    ticked "Remember me" was lost."""
    client = guest("visit")

    client.post(
        "/accounts/signup/",
        {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, "remember": "on"},
    )

    assert client.cookies["sessionid"]["max-age"] == 365 * 24 * 60 * 60
    assert "visit_touched" not in client.session


@pytest.mark.parametrize("url", ["/accounts/signup/", "/accounts/login/"])
def test_remember_me_is_not_ticked_for_a_browser_kept_only_for_this_visit(url):
    """ "Remember me" comes ticked, and a ticked one now lasts a year: on the device where
    the person chose "only for this visit", signing up or in without looking at it would
    have kept them signed in there. Their own tick still does."""
    box = re.compile(r'<input type="checkbox" name="remember"[^>]*>')
    visit, device = guest("visit"), guest("device")

    assert "checked" not in box.search(visit.get(url).content.decode()).group()
    assert "checked" in box.search(device.get(url).content.decode()).group()
    assert "checked" in box.search(Client().get(url).content.decode()).group()


def test_logging_in_from_a_space_kept_only_for_this_visit_moves_it_into_the_account(
    monkeypatch,
):
    User.objects.create_user("wren", password=PASSWORD)
    client = guest("visit")

    client.post("/accounts/login/", {"username": "wren", "password": PASSWORD})

    space = Space.objects.get()  # the guest's space was merged into the account's
    assert space.user.username == "wren"
    assert not space.visit_only
    move_clock(monkeypatch, days=30)
    purge()
    assert Entry.objects.filter(space=space).count() == 1


# --- The choice, recorded on the space -----------------------------------------------------


def test_switching_between_this_visit_and_this_device_keeps_the_space_in_step():
    client = guest("device")
    assert not Space.objects.get().visit_only

    keep(client, "visit")
    assert Space.objects.get().visit_only
    assert client.session.get_expire_at_browser_close()

    keep(client, "device")
    assert not Space.objects.get().visit_only
    assert not client.session.get_expire_at_browser_close()

    keep(client, "visit")
    assert Space.objects.get().visit_only


def test_choosing_this_visit_later_counts_as_use(monkeypatch):
    """A space last saved a week ago, switched to "only for this visit" now, is in use now:
    the next retention run must not delete it at once."""
    client = guest("device")
    move_clock(monkeypatch, days=7)

    keep(client, "visit")
    purge()

    assert Space.objects.count() == 1
    assert "My answer" in client.get("/journal/").content.decode()
    move_clock(monkeypatch, days=8, hours=2)  # then a day without use: it goes
    purge()
    assert not Space.objects.exists()


def test_a_tab_left_open_after_the_space_went_keeps_what_is_typed_in_it(monkeypatch):
    """Phones keep tabs open for days. The session row expired with the space, so the next
    autosave from a lesson left open was refused as if the browser had signed out ("sign
    back in and save again"): untrue for a guest, and the words could only be copied. The
    session lasts; the words go into a new space, kept only for this visit as before."""
    client = guest("visit")
    page = client.get(LESSON).content.decode()
    marker = re.search(r'name="space" value="([^"]+)"', page).group(1)
    move_clock(monkeypatch, hours=26)
    purge()
    assert not Space.objects.exists()

    answer = client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {"space": marker, "body": "Typed days later", "entry": str(uuid.uuid4()), "version": 0},
        headers=HX,
    )

    assert answer.status_code == 200
    assert "Saved" in words(answer)
    space = Space.objects.get()
    assert space.visit_only and space.entries.get().body == "Typed days later"
    # and the box says how long that is kept, not "for 365 days after your last save"
    assert "This device will forget your space when the browser closes" in words(answer)
    assert "365 days" not in words(answer)
    assert client.cookies["sessionid"]["max-age"] == ""  # still ends with the browser


def test_a_lock_left_behind_by_a_deleted_space_goes_with_it(monkeypatch):
    """A visit's space with a passcode, locked, then a day unused: retention deleted it, and
    the session (which lasts on) still said "locked". Every private page showed the lock
    screen, the lock screen said there was nothing to lock, unlocking changed nothing, and
    a tab left open could never save what was typed in it ("unlock, then come back")."""
    client = guest("visit")
    passcode = {"section": "passcode", "passcode": "2468", "repeat": "2468", "lock_after": 5}
    assert client.post("/settings/", passcode).status_code == 302
    page = client.get(LESSON).content.decode()
    marker = re.search(r'name="space" value="([^"]+)"', page).group(1)
    move_clock(monkeypatch, hours=26)  # locked by itself long before
    purge()
    assert not Space.objects.exists()

    journal = client.get("/journal/")
    answer = client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {"space": marker, "body": "Typed days later", "entry": str(uuid.uuid4()), "version": 0},
        headers=HX,
    )

    assert journal.status_code == 200
    assert "Enter your passcode" not in journal.content.decode()
    assert ">Unlock</a>" not in journal.content.decode()  # nor the menu's way to it
    assert answer.status_code == 200
    space = Space.objects.get()
    assert space.entries.get().body == "Typed days later"
    assert space.visit_only and not space.passcode_hash


def test_the_first_save_in_a_session_that_ends_with_the_browser_is_kept_only_for_the_visit(
    monkeypatch,
):
    """The space of a visit-only session was deleted while the browser was open (by
    "Delete everything" in another tab, say): the next save makes a space the session and
    retention agree about."""
    client = guest("visit")
    Space.objects.all().delete()

    save(client, "Written again")

    assert Space.objects.get().visit_only
    move_clock(monkeypatch, hours=26)
    purge()
    assert not Space.objects.exists()


# --- Coming back after it was forgotten ----------------------------------------------------


def test_coming_back_after_a_day_without_use_is_a_fresh_start(monkeypatch):
    client = guest("visit")
    move_clock(monkeypatch, hours=26)
    purge()

    journal = client.get("/journal/")
    lesson = client.get(LESSON)
    settings_page = client.get("/settings/")

    assert journal.status_code == lesson.status_code == settings_page.status_code == 200
    assert "My answer" not in journal.content.decode()
    assert "Nothing is saved on this device yet" in settings_page.content.decode()
    assert "My answer" not in lesson.content.decode()
    save(client, "A new start")
    assert Space.objects.get().entries.get().body == "A new start"


# --- What the pages say --------------------------------------------------------------------


def test_settings_say_a_browser_left_open_forgets_it_after_a_day():
    client = guest("visit")

    page = words(client.get("/settings/"))

    assert (
        "Only for this visit: forget it when the browser closes, or after a day without use" in page
    )
    assert (
        "the server deletes your space and your writing once it has gone a day without use, "
        "within about a day after that."
    ) in page
    assert "your writing stays on the server until 365 days after your last save" not in page


def test_the_journal_says_when_a_visit_s_space_is_deleted_as_the_privacy_page_does():
    """It said "forgotten after a day without use, then deleted": the session no longer
    expires with the space, so nothing forgets it at a day; the retention run deletes it,
    up to about a day later, and the journal stays open in that browser until then."""
    client = guest("visit")

    page = words(client.get("/journal/"))

    assert (
        "Kept only for this visit, it is deleted once it has gone a day without use, "
        "within about a day after that."
    ) in page
    assert "forgotten after a day" not in page


def test_the_line_under_the_first_answer_says_it_too():
    client = Client()
    save(client)

    line = client.post("/settings/", {"section": "keep", "keep": "visit"}, headers=HX)

    assert (
        "This device will forget your space when the browser closes, or after a day without use."
        in words(line)
    )


def test_the_line_under_the_first_answer_says_it_without_javascript():
    client = Client()
    saved = client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": "Plain", "entry": str(uuid.uuid4()), "version": 0},
    )
    page = saved["Location"]
    client.post("/settings/", {"section": "keep", "keep": "visit", "next": page})

    shown = words(client.get(page))

    assert "forget your space when the browser closes, or after a day without use." in shown


@pytest.mark.parametrize(
    ("hours", "span"), [(48, "2 days"), (12, "12 hours"), (1, "1 hour"), (24, "a day")]
)
def test_the_pages_give_the_operators_number(settings, hours, span):
    settings.VISIT_SPACE_HOURS = hours
    client = guest("visit")

    page = words(client.get("/settings/"))
    privacy = words(client.get("/privacy/"))

    assert f"forget it when the browser closes, or after {span} without use" in page
    assert f"it lasts {span} after you last use it instead" in privacy


def test_an_account_is_told_only_that_its_session_ends_with_the_browser():
    """An account's space is never deleted for a visit: its page must not say "after a day
    without use", while a guest's page, beside it, does."""
    client = Client()
    client.post(
        "/accounts/signup/",
        {"username": "wren", "password1": PASSWORD, "password2": PASSWORD, **AGREE},
    )

    page = words(client.get("/settings/"))
    guests = words(guest("visit").get("/settings/"))

    assert "Only for this visit: forget it when the browser closes<" in page
    assert "without use" not in page
    assert "Either way, your writing stays in your account." in page
    assert "forget it when the browser closes, or after a day without use<" in guests


# --- Spaces chosen for a visit before the space recorded it ----------------------------------

BACKFILL = "attachment_guide.spaces.migrations.0005_visit_only_backfill"


def test_the_migration_marks_spaces_whose_session_ends_with_the_browser():
    visit, device = guest("visit"), guest("device")
    Space.objects.update(visit_only=False)  # as they were before the migration
    for client in (visit, device):
        session = client.session
        session.pop("visit_touched", None)
        session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(days=365))
    migration = importlib.import_module(BACKFILL)

    migration.mark_visit_only(apps, None)

    visit_space = Space.objects.get(id=visit.session["space_id"])
    assert visit_space.visit_only
    assert not Space.objects.get(id=device.session["space_id"]).visit_only
    assert visit.session["visit_touched"] <= visit_space.last_saved.timestamp()


def test_the_migration_reads_sessions_in_batches_not_one_query_each(django_assert_max_num_queries):
    """It runs on a live site: three queries for each session of a visit made it take
    minutes on a large sessions table, in one transaction that held every space locked."""
    clients = [guest("visit") for _ in range(30)]
    Space.objects.update(visit_only=False)
    migration = importlib.import_module(BACKFILL)

    with django_assert_max_num_queries(6):
        migration.mark_visit_only(apps, None)

    assert Space.objects.filter(visit_only=True).count() == 30
    rows = Session.objects.filter(session_key__in=[c.cookies["sessionid"].value for c in clients])
    assert all("visit_touched" in row.get_decoded() for row in rows)


def test_the_migration_leaves_the_spaces_table_open_while_it_reads_sessions():
    """The column's ALTER TABLE and the backfill are apart, and the backfill commits as it
    goes: on PostgreSQL one transaction kept the table locked, reads included, throughout."""
    from django.db.migrations.operations import RunPython

    column = importlib.import_module("attachment_guide.spaces.migrations.0004_visit_only")
    backfill = importlib.import_module(BACKFILL)

    assert not any(isinstance(op, RunPython) for op in column.Migration.operations)
    assert backfill.Migration.atomic is False


@pytest.mark.parametrize("choice", ["visit", "device"])
def test_the_space_s_mark_catches_up_with_the_session_s_choice(monkeypatch, choice):
    """Two requests crossing (a choice made in one tab while another saves) can leave the
    session and the space's mark apart: the session's "only for this visit" with a space kept
    for a year, or the other way round, a space deleted after a day that the reader keeps."""
    client = guest(choice)
    Space.objects.update(visit_only=choice != "visit")  # as a crossing write left it
    move_clock(monkeypatch, days=2)

    save(client, "Later")

    assert Space.objects.get().visit_only == (choice == "visit")


# --- Quick exit's pending cookie ends with the browser when the key does (js/exit.js) -------


def exit_button(response) -> str:
    return re.search(r'<a id="quick-exit"[^>]*>', response.content.decode()).group(0)


def tells_exit_it_ends_with_the_browser(html: str) -> bool:
    return "data-ends-with-browser" in html


@pytest.mark.parametrize("url", [LESSON, "/journal/", "/settings/", "/privacy/"])
def test_the_exit_button_says_when_the_key_ends_with_the_browser_on_every_kind_of_page(url):
    """Framed pages (a lesson, the journal) and pages rendered whole say the same."""
    for choice in ("visit", "device", "visit"):  # frames made for one are not served to the other
        client = guest(choice)

        button = exit_button(client.get(url))

        assert "data-has-space" in button
        assert tells_exit_it_ends_with_the_browser(button) is (choice == "visit"), choice


def test_a_device_cookie_beside_a_visit_s_key_keeps_the_exit_for_later(settings):
    """Exit also takes out the device cookie an earlier "Remember me" left: it outlives the
    browser, so an exit that never reached the site must outlive it too."""
    client = guest("visit")
    client.cookies[settings.DEVICE_COOKIE_NAME] = "from-an-earlier-sign-in"

    for url in (LESSON, "/settings/"):
        assert not tells_exit_it_ends_with_the_browser(exit_button(client.get(url))), url


@pytest.mark.parametrize("remember", [False, True])
def test_an_account_s_exit_button_says_whether_its_sign_in_ends_with_the_browser(remember):
    User.objects.create_user("heron", password=PASSWORD)
    client = Client()
    login = {"username": "heron", "password": PASSWORD, **({"remember": "on"} if remember else {})}
    assert client.post("/accounts/login/", login).status_code == 302

    for url in (LESSON, "/settings/"):
        button = exit_button(client.get(url))
        assert tells_exit_it_ends_with_the_browser(button) is not remember, url


def test_a_first_save_in_a_session_that_ends_with_the_browser_tells_exit_so():
    """The answer that makes a space gives the page's forms its marker, and with it how long
    the key lasts: the page may have been made when there was no space to say it of."""
    visit = guest("visit")
    Space.objects.all().delete()  # in another tab, say: the session lasts, ending with the browser
    kept = Client()

    for client, ends in ((visit, True), (kept, False)):
        answer = client.post(
            "/journal/prompts/ab-who-felt-safe/",
            {**AGREE, "body": "Words", "entry": str(uuid.uuid4()), "version": 0, "space": ""},
            headers=HX,
        )
        marker = re.search(
            r'<input type="hidden" name="space"[^>]*hx-swap-oob[^>]*>', words(answer)
        )
        assert marker and tells_exit_it_ends_with_the_browser(marker.group(0)) is ends


def test_marking_a_lesson_done_first_in_a_session_that_ends_with_the_browser_tells_exit_so():
    client = guest("visit")
    Space.objects.all().delete()

    answer = client.post(f"{LESSON}progress/", {**AGREE, "done": "1", "space": ""}, headers=HX)

    marker = re.search(r'<input type="hidden" name="space"[^>]*hx-swap-oob[^>]*>', words(answer))
    assert marker and tells_exit_it_ends_with_the_browser(marker.group(0))


def test_choosing_this_visit_under_the_first_answer_tells_exit_so():
    client = Client()
    save(client)

    answer = client.post(
        "/settings/", {"section": "keep", "keep": "visit", "next": LESSON}, headers=HX
    )

    assert "This device will forget your space" in words(answer)
    assert tells_exit_it_ends_with_the_browser(words(answer))
