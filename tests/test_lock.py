"""A passcode lock on the private space: what it hides, how it opens, when it closes itself."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from attachment_guide.circle.models import CircleMember
from attachment_guide.circle.services import member_add
from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

MARKER = "blue-heron-4471"
PASSCODE = "river stones"
PASSWORD = "a long enough passphrase 42"
HX = {"HX-Request": "true"}
LESSON = "/lessons/attachment-basics/what-attachment-is/"


def save(client: Client, text: str = f"My answer {MARKER}") -> Entry:
    entry_id = uuid.uuid4()
    client.post(
        "/journal/prompts/ab-who-felt-safe/",
        {**AGREE, "body": text, "entry": str(entry_id), "version": 0},
        headers=HX,
    )
    return Entry.objects.get(id=entry_id)


def set_passcode(client: Client, lock_after: int = 15) -> None:
    response = client.post(
        "/settings/",
        {"section": "passcode", "passcode": PASSCODE, "repeat": PASSCODE, "lock_after": lock_after},
    )
    assert response.status_code == 302, response.content.decode()[:3000]


def lock(client: Client) -> None:
    assert client.post("/lock/", {"action": "lock"}).status_code == 302


def unlock(client: Client, passcode: str = PASSCODE):
    return client.post("/lock/", {"passcode": passcode, "next": "/journal/"})


START = timezone.now


def move_clock(monkeypatch, **delta) -> None:
    """Set the clock to the test's start plus `delta` (time moved, never slept)."""
    later = START() + timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: later)


@pytest.fixture
def locked() -> tuple[Client, Entry]:
    client = Client()
    entry = save(client)
    set_passcode(client)
    lock(client)
    return client, entry


def private_requests(entry: Entry) -> list[tuple[str, str, dict, dict]]:
    """Every page and fragment that shows or changes something in the space."""
    e = entry.id
    return [
        ("get", "/journal/", {}, {}),
        ("post", "/journal/", {"q": MARKER}, {}),
        ("get", f"/journal/entries/{e}/", {}, {}),
        ("get", f"/journal/entries/{e}/?edit", {}, HX),
        ("get", f"/journal/entries/{e}/", {}, HX),
        ("get", f"/journal/entries/{e}/delete/", {}, {}),
        ("get", f"/journal/entries/{e}/delete/", {}, HX),
        ("post", f"/journal/entries/{e}/delete/", {}, {}),
        ("post", f"/journal/entries/{e}/", {**AGREE, "body": "changed", "version": 1}, HX),
        (
            "post",
            "/journal/write/",
            {**AGREE, "body": "new", "entry": str(uuid.uuid4()), "version": 0},
            HX,
        ),
        (
            "post",
            "/journal/prompts/ab-who-felt-safe/",
            {**AGREE, "body": "x", "version": 0},
            {},
        ),
        ("get", "/journal/export/", {}, {}),
        ("post", "/journal/export/", {"format": "json"}, {}),
        ("post", "/journal/export/", {"format": "print"}, {}),
        ("get", "/journal/delete/", {}, {}),
        ("post", "/journal/delete/", {}, {}),
        ("get", "/settings/", {}, {}),
        ("post", "/settings/", {"section": "remove", "current": PASSCODE}, {}),
        ("get", "/accounts/delete/", {}, {}),
        ("post", "/accounts/delete/", {}, {}),
        ("post", f"{LESSON}progress/", {"done": "1"}, {}),
        ("get", "/circle/", {}, {}),
        ("post", "/circle/add/", {**AGREE, "name": "Mum", "ring": 1}, {}),
        ("post", "/circle/add/", {**AGREE, "name": "Mum", "ring": 1}, HX),
        ("post", "/circle/start/", {**AGREE, "hard_day": "Mum"}, {}),
    ]


def test_a_locked_space_hides_every_private_page_and_fragment(locked):
    client, entry = locked
    screens = set()

    for method, url, data, headers in private_requests(entry):
        response = getattr(client, method)(url, data, headers=headers)
        page = response.content.decode()
        assert response.status_code == 423, (method, url, headers)
        assert MARKER not in page, url
        assert "no-store" in response["Cache-Control"], url
        if not headers:
            assert "Enter your passcode" in page, url
            screen = page.split("<main")[1]
            if data.keys() & {"body", "name", "hard_day"}:  # words come back, see below
                continue
            screens.add(re.sub(r'name="(next|csrfmiddlewaretoken)" value="[^"]*"', "", screen))

    # The lock screen says nothing about what is behind it: it is the same for every page.
    assert len(screens) == 1

    entry.refresh_from_db()
    assert (entry.body, entry.version) == (f"My answer {MARKER}", 1)
    assert Entry.objects.count() == 1
    assert Space.objects.get().passcode_hash


def test_lessons_stay_readable_while_locked_without_the_answers(locked):
    client, _ = locked

    lesson = client.get(LESSON)
    home = client.get("/")

    assert lesson.status_code == 200
    assert "What attachment is" in lesson.content.decode()
    assert MARKER not in lesson.content.decode()
    assert "your answers are hidden" in lesson.content.decode()
    assert "Continue where you left off" not in home.content.decode()
    assert 'href="/lock/"' in lesson.content.decode()  # "Unlock" in the navigation


def test_the_right_passcode_opens_it_again_and_returns_to_the_page(locked):
    client, _ = locked

    response = unlock(client)

    assert response.status_code == 302
    assert response["Location"] == "/journal/"
    assert MARKER in client.get("/journal/").content.decode()
    assert MARKER in client.get(LESSON).content.decode()


def test_a_wrong_passcode_says_so_and_stays_locked(locked):
    client, _ = locked

    response = unlock(client, "not it")

    assert response.status_code == 422
    assert "That passcode is not right." in response.content.decode()
    assert client.get("/journal/").status_code == 423


def test_wrong_tries_are_slowed_never_locked_out(locked, monkeypatch):
    client, _ = locked
    for _ in range(5):
        assert unlock(client, "guess").status_code == 422

    paused = unlock(client, PASSCODE)  # even the right one waits its turn

    assert paused.status_code == 429
    assert 0 < int(paused["Retry-After"]) <= 30
    assert "Please wait" in paused.content.decode()
    move_clock(monkeypatch, seconds=31)
    assert unlock(client, PASSCODE).status_code == 302
    assert Space.objects.get().unlock_failures == 0


def test_each_wrong_try_after_five_doubles_the_pause_up_to_15_minutes(locked, monkeypatch):
    """A fixed 30 s pause let someone holding the device try 2,880 passcodes a day; the pause
    grows with each wrong try after five, and stops growing at 15 minutes, so the owner is
    never shut out for longer than that."""
    client, _ = locked
    for _ in range(5):
        assert unlock(client, "guess").status_code == 422
    elapsed = timedelta(0)
    for pause in (30, 60, 120, 240, 480, 900, 900):
        move_clock(monkeypatch, seconds=elapsed.total_seconds() + pause - 2)
        early = unlock(client, "guess")
        assert early.status_code == 429
        assert 0 < int(early["Retry-After"]) <= 2
        elapsed += timedelta(seconds=pause)
        move_clock(monkeypatch, seconds=elapsed.total_seconds())
        assert unlock(client, "guess").status_code == 422  # its turn: checked, and wrong

    waiting = unlock(client, PASSCODE)  # even the right one waits its turn
    assert waiting.status_code == 429
    assert waiting["Retry-After"] == "900"
    assert "Please wait 15 minutes, then try again." in waiting.content.decode()
    move_clock(monkeypatch, seconds=elapsed.total_seconds() + 900)
    assert unlock(client, PASSCODE).status_code == 302
    assert Space.objects.get().unlock_failures == 0


def test_the_passcode_is_stored_hashed(locked):
    stored = Space.objects.get().passcode_hash
    assert stored.startswith("argon2")
    assert PASSCODE not in stored


def test_it_locks_itself_after_the_chosen_quiet_time(monkeypatch):
    client = Client()
    save(client)
    set_passcode(client, lock_after=5)

    move_clock(monkeypatch, minutes=4)
    assert client.get("/journal/").status_code == 200  # activity: the clock starts again
    move_clock(monkeypatch, minutes=8)
    assert client.get("/journal/").status_code == 200
    move_clock(monkeypatch, minutes=13, seconds=30)

    assert client.get("/journal/").status_code == 423


def test_never_means_only_when_locked_by_hand(monkeypatch):
    client = Client()
    save(client)
    set_passcode(client, lock_after=0)

    move_clock(monkeypatch, days=3)

    assert client.get("/journal/").status_code == 200


def test_locking_survives_a_browser_restart(locked):
    client, _ = locked
    restarted = Client()
    restarted.cookies = client.cookies  # the same cookie jar, as after a restart

    assert restarted.get("/journal/").status_code == 423


def test_a_passcode_set_on_one_device_locks_the_accounts_other_devices():
    phone = Client()
    save(phone)
    sign_up(phone, "lake")
    laptop = Client()
    laptop.post("/accounts/login/", {"username": "lake", "password": PASSWORD})
    assert laptop.get("/journal/").status_code == 200

    set_passcode(phone)

    assert phone.get("/journal/").status_code == 200  # unlocked where it was set
    assert laptop.get("/journal/").status_code == 423
    assert unlock(laptop).status_code == 302


def test_an_account_password_opens_a_forgotten_passcode():
    client = Client()
    save(client)
    sign_up(client, "lake")
    set_passcode(client)
    lock(client)

    page = client.get("/lock/").content.decode()
    assert "type your account password" in page

    assert unlock(client, PASSWORD).status_code == 302
    assert client.get("/journal/").status_code == 200


def test_a_guest_who_forgot_can_only_erase_and_start_again(locked):
    client, _ = locked
    page = client.get("/lock/").content.decode()
    assert "The only way on is to erase your space and start again" in page

    response = client.post("/lock/erase/")

    assert "Everything is deleted" in response.content.decode()
    assert Space.objects.count() == 0
    assert Entry.objects.count() == 0
    assert client.get("/journal/").status_code == 200
    assert "Nothing saved yet" in client.get("/journal/").content.decode()


def test_changing_or_removing_the_passcode_needs_the_current_one():
    client = Client()
    save(client)
    set_passcode(client)

    wrong = client.post("/settings/", {"section": "remove", "current": "nope"})
    assert wrong.status_code == 422
    assert "That passcode is not right." in wrong.content.decode()
    assert Space.objects.get().passcode_hash

    client.post("/settings/", {"section": "remove", "current": PASSCODE})
    assert not Space.objects.get().passcode_hash
    page = client.post("/lock/", {"action": "lock"}).content.decode()
    assert "first choose a passcode" in page  # with no passcode there is nothing to lock
    assert client.get("/journal/").status_code == 200


def test_a_short_or_mismatched_passcode_gets_a_clear_message():
    client = Client()
    save(client)

    short = client.post(
        "/settings/", {"section": "passcode", "passcode": "abc", "repeat": "abc", "lock_after": 5}
    )
    mismatch = client.post(
        "/settings/",
        {"section": "passcode", "passcode": "abcd", "repeat": "abce", "lock_after": 5},
    )

    assert short.status_code == 422
    assert "at least 4 characters" in short.content.decode()
    assert mismatch.status_code == 422
    assert "The two passcodes are not the same." in mismatch.content.decode()
    assert not Space.objects.get().passcode_hash


# --- Keep or forget, and what exit does -----------------------------------------------------


def test_only_for_this_visit_makes_the_key_end_with_the_browser(client):
    save(client)

    response = client.post("/settings/", {"section": "keep", "keep": "visit"}, headers=HX)

    assert "forget your space when the browser closes" in response.content.decode()
    assert client.cookies["sessionid"]["max-age"] == ""
    assert client.cookies["sessionid"]["expires"] == ""
    client.post("/settings/", {"section": "keep", "keep": "device"})
    assert client.cookies["sessionid"]["max-age"] == 365 * 24 * 60 * 60


def test_the_keep_choice_without_javascript_returns_to_the_lesson(client):
    save(client)

    response = client.post(
        "/settings/", {"section": "keep", "keep": "visit", "next": f"{LESSON}#reflection-x"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{LESSON}#reflection-x"


def exit_choice(client: Client, action: str, **extra):
    return client.post("/settings/", {"section": "exit", "exit_action": action, **extra})


def test_exit_leaves_a_guests_space_as_it_is_by_default(client):
    save(client)
    client.get("/exit/")
    assert MARKER in client.get("/journal/").content.decode()


def test_exit_can_lock_the_space(client):
    save(client)
    refused = exit_choice(client, "lock")
    assert "first choose a passcode" in refused.content.decode()
    set_passcode(client)
    asked = exit_choice(client, "lock")
    assert asked.status_code == 422  # the passcode is asked first, and why
    assert "Asked so that nobody else who picks up this device can change this." in (
        asked.content.decode()
    )
    assert exit_choice(client, "lock", current=PASSCODE).status_code == 302

    client.get("/exit/")

    assert client.get("/journal/").status_code == 423


def test_a_guest_is_warned_before_exit_forgets_the_device(client):
    save(client)

    warned = exit_choice(client, "forget")
    assert warned.status_code == 422
    assert "deletes the only key to your journal" in warned.content.decode()
    client.get("/exit/")
    assert MARKER in client.get("/journal/").content.decode()

    exit_choice(client, "forget", understood="on")
    client.get("/exit/", headers={"Sec-Fetch-Site": "same-origin"})

    assert "Nothing saved yet" in client.get("/journal/").content.decode()


def test_an_account_may_choose_to_stay_signed_in_through_exit(client):
    save(client)
    sign_up(client, "lake")
    client.get("/exit/")
    assert not User.objects.get().is_anonymous
    assert "Log in" in client.get("/").content.decode()  # the default logs an account out

    client.post("/accounts/login/", {"username": "lake", "password": PASSWORD})
    exit_choice(client, "leave")
    client.get("/exit/")

    assert MARKER in client.get("/journal/").content.decode()


def test_settings_without_a_space_explain_there_is_nothing_yet(client):
    page = client.get("/settings/").content.decode()
    assert "Nothing is saved on this device yet" in page
    assert client.get("/lock/").status_code == 200


def sign_up(client: Client, username: str) -> None:
    data = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", data | {"remember": "on", **AGREE})
    assert response.status_code == 200


def test_settings_ask_for_the_passcode_and_are_throttled_like_the_lock(monkeypatch):
    client = Client()
    save(client)
    set_passcode(client, lock_after=5)

    weaker = client.post("/settings/", {"section": "lock_after", "lock_after": 0})
    assert weaker.status_code == 422
    assert Space.objects.get().lock_after == 5
    for _ in range(5):
        wrong = client.post("/settings/", {"section": "remove", "current": "guess"})
        assert wrong.status_code == 422
    paused = client.post("/settings/", {"section": "remove", "current": PASSCODE})

    assert paused.status_code == 429
    assert "Please wait" in paused.content.decode()
    assert Space.objects.get().passcode_hash
    move_clock(monkeypatch, seconds=31)
    client.post("/settings/", {"section": "lock_after", "lock_after": 0, "current": PASSCODE})
    assert Space.objects.get().lock_after == 0


def test_logging_in_on_a_locked_guest_device_shows_the_lock_and_keeps_the_key(locked):
    client, _ = locked
    User.objects.create_user("lake", password=PASSWORD)

    response = client.post("/accounts/login/", {"username": "lake", "password": PASSWORD})

    assert response.status_code == 423
    assert "Enter your passcode" in response.content.decode()
    assert unlock(client).status_code == 302
    assert MARKER in client.get("/journal/").content.decode()  # the guest journal is still here


def test_recovering_an_account_keeps_this_browsers_guest_writing():
    owner = Client()
    sign_up(owner, "lake")
    from attachment_guide.accounts.services import recovery_code_new

    code = recovery_code_new(user=User.objects.get(username="lake"))
    guest = Client()
    save(guest, f"Written as a guest {MARKER}")

    guest.post(
        "/accounts/recover/",
        {
            "username": "lake",
            "code": code,
            "password1": PASSWORD + "!",
            "password2": PASSWORD + "!",
        },
    )

    assert MARKER in guest.get("/journal/").content.decode()


NOT_CARRIED = "The passcode you set in this browser before logging in was not carried into"
NO_LOCK_HERE = "Your account has no passcode, so it does not lock on this device."


def guest_with_a_passcode() -> Client:
    client = Client()
    save(client, f"Written as a guest {MARKER}")
    set_passcode(client)
    return client


def test_logging_in_over_a_guest_passcode_says_the_account_does_not_lock_here():
    User.objects.create_user("lake", password=PASSWORD)
    client = guest_with_a_passcode()

    response = client.post(
        "/accounts/login/", {"username": "lake", "password": PASSWORD}, follow=True
    )

    page = html.unescape(response.content.decode())
    assert NOT_CARRIED in page and NO_LOCK_HERE in page
    assert '<a href="/settings/#lock">set one in Settings</a>' in page
    assert not Space.objects.get().passcode_hash  # told, never carried over
    assert MARKER in client.get("/journal/").content.decode()
    assert NOT_CARRIED not in client.get("/").content.decode()  # said once


def test_after_logging_in_to_a_lesson_the_passcode_notice_waits_for_the_next_whole_page():
    User.objects.create_user("lake", password=PASSWORD)
    client = guest_with_a_passcode()
    login = {"username": "lake", "password": PASSWORD, "next": LESSON}

    lesson = client.post("/accounts/login/", login, follow=True).content.decode()

    assert MARKER in lesson and NOT_CARRIED not in lesson  # a framed page leaves it waiting
    assert NOT_CARRIED in client.get("/").content.decode()


def test_a_page_that_showed_the_passcode_notice_is_kept_in_no_cache():
    """The notice tells that an account was used in this browser, and a page it waits for
    may be one the browser otherwise keeps in its cache (the glossary)."""
    User.objects.create_user("lake", password=PASSWORD)
    client = guest_with_a_passcode()
    client.post("/accounts/login/", {"username": "lake", "password": PASSWORD, "next": LESSON})

    glossary = client.get("/glossary/")

    assert NOT_CARRIED in html.unescape(glossary.content.decode())
    assert "no-store" in glossary["Cache-Control"]


@pytest.mark.parametrize(
    "url", ["/glossary/", "/grounding/", "/privacy/", "/no-such-page/", f"{LESSON}report/sent/"]
)
def test_a_public_page_is_kept_in_no_cache_once_its_menu_tells_of_a_space(client, url):
    """Its menu then says "Settings" and "Lock" (or "Lock now", or "Account"): a look in the
    browser's disk cache would tell that someone here keeps a journal. A first-time reader's
    page, the same for everyone, may be cached as before. "Page not found" has the menu too."""
    assert "no-store" not in client.get(url).get("Cache-Control", "")
    save(client)

    response = client.get(url)

    assert "Settings" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in client.get(url, {"next": LESSON})["Cache-Control"]


def guest_without_a_passcode(client: Client) -> None:
    User.objects.create_user("lake", password=PASSWORD)
    save(client)


def account_with_its_own_passcode(client: Client) -> None:
    owner = Client()
    save(owner)
    sign_up(owner, "lake")
    set_passcode(owner)
    save(client)
    set_passcode(client)


@pytest.mark.parametrize("arrange", [guest_without_a_passcode, account_with_its_own_passcode])
def test_logging_in_says_nothing_of_a_passcode_when_none_was_left_behind(client, arrange):
    arrange(client)

    response = client.post(
        "/accounts/login/", {"username": "lake", "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert NOT_CARRIED not in response.content.decode()


def test_recovering_an_account_over_a_guest_passcode_says_it_does_not_lock_here():
    from attachment_guide.accounts.services import recovery_code_new

    code = recovery_code_new(user=User.objects.create_user("lake", password=PASSWORD))
    client = guest_with_a_passcode()
    new = PASSWORD + "!"
    data = {"username": "lake", "code": code, "password1": new, "password2": new}

    page = html.unescape(client.post("/accounts/recover/", data).content.decode())

    assert "Your new password is set" in page
    assert NOT_CARRIED in page and NO_LOCK_HERE in page


def test_signing_up_keeps_the_guest_passcode_and_says_nothing_of_it():
    client = guest_with_a_passcode()

    data = {"username": "lake", "password1": PASSWORD, "password2": PASSWORD}
    page = client.post("/accounts/signup/", data | AGREE).content.decode()
    lock(client)

    assert "Your account is ready" in page
    assert NOT_CARRIED not in page
    assert client.get("/journal/").status_code == 423
    assert unlock(client).status_code == 302  # the guest's own passcode opens it
    assert MARKER in client.get("/journal/").content.decode()


def test_a_save_without_scripts_after_the_lock_gets_its_text_back(locked):
    client, _ = locked

    response = client.post(
        "/journal/write/", {"body": "Typed <slowly> for twenty minutes", "version": 0}
    )

    page = response.content.decode()
    assert response.status_code == 423
    assert "Typed &lt;slowly&gt; for twenty minutes</textarea>" in page
    assert words_given_back(page) == {
        "Your text, not saved yet": "Typed <slowly> for twenty minutes"
    }
    assert "Nothing is lost" in page
    assert MARKER not in page


def test_unlocking_after_a_refused_save_goes_back_to_the_page_it_was_sent_from(locked):
    """Without scripts the lock screen answered the save with no page to go back to: once
    unlocked, the reader landed in the journal, away from the lesson to paste the words into.
    It said the space "locked itself", though the reader may have locked it."""
    client, _ = locked
    lesson = "/lessons/attachment-basics/what-attachment-is/"
    sent_from = {"HTTP_REFERER": f"http://testserver{lesson}?saved=x&new=1"}

    page = client.post("/journal/write/", {"body": "Typed", "version": 0}, **sent_from)

    text = page.content.decode()
    assert f'name="next" value="{lesson}?saved=x&amp;new=1"' in text
    assert "Your space was locked before this text was saved." in text
    unlocked = client.post("/lock/", {"passcode": PASSCODE, "next": f"{lesson}?saved=x&new=1"})
    assert unlocked["Location"] == f"{lesson}?saved=x&new=1"

    # A page of another site, or none, gives no page to go back to.
    for referer in ("https://elsewhere.example/lessons/", "http://testserver//elsewhere.example/"):
        lock(client)
        text = client.post("/journal/write/", {"body": "Typed", "version": 0}, HTTP_REFERER=referer)
        assert 'name="next" value=""' in text.content.decode(), referer


def test_a_lesson_s_save_without_scripts_after_the_lock_gives_back_every_box(locked):
    """Without scripts a lesson's Save sends every box: each changed one comes back, under
    its question; one left as it was, and one left empty, do not."""
    from urllib.parse import urlencode

    from attachment_guide.journal.reflections import text_digest

    client, entry = locked
    kept = entry.body  # the page showed it, and it was left as it was
    boxes = [
        ("ab-who-felt-safe", "A first answer, typed <here>", ""),
        ("ab-when-upset-now", kept, kept),
        ("ab-one-thing-to-soften", "", ""),
    ]
    fields = []
    for prompt, text, held in boxes:
        fields += [("box", f"{prompt} {text_digest(held)}"), ("body", text), ("version", "0")]
    fields.insert(-2, ("intent", "save"))

    response = client.post(
        "/journal/lessons/attachment-basics/what-attachment-is/",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )

    page = response.content.decode()
    assert response.status_code == 423
    assert words_given_back(page) == {
        "If you like, think of a person, a place or even a pet that felt safe to you at some "
        "point in your life. What was it about them that helped you feel that way?": (
            "A first answer, typed <here>"
        )
    }


def words_given_back(page: str) -> dict[str, str]:
    """The lock screen's boxes of unsaved words, as {label: text}."""
    labels = dict(re.findall(r'<label for="unsaved-(\d+)">([^<]*)</label>', page))
    texts = re.findall(
        r'id="unsaved-(\d+)"(?: type="text" value="([^"]*)"| rows="6"[^>]*>([^<]*)</textarea>)',
        page,
    )
    return {
        html.unescape(labels[number]): html.unescape(value or text) for number, value, text in texts
    }


def test_circle_forms_sent_without_scripts_after_the_lock_get_their_words_back(locked):
    client, entry = locked
    robin = member_add(space=entry.space, name="Robin", ring=1, helps=[], reach="")
    sent = {
        "/circle/add/": {"name": "Dr <Lee>", "ring": 3, "reach": "07700 900123"},
        "/circle/start/": {"hard_day": "Mum, Sam", "most_weeks": " ", "services": "Crisis line"},
        f"/circle/{robin.id}/": {"name": "Sky", "ring": 2, "helps": ["practical"], "reach": ""},
    }
    given_back = {}
    for url, data in sent.items():
        response = client.post(url, data)
        page = response.content.decode()
        assert response.status_code == 423
        assert "Nothing is lost" in page
        assert "<Lee>" not in page  # escaped
        assert "Robin" not in page and MARKER not in page  # nothing from behind the lock
        given_back[url] = words_given_back(page)

    assert given_back == {
        "/circle/add/": {
            "Name or nickname": "Dr <Lee>",
            "A way to reach them (optional)": "07700 900123",
        },
        "/circle/start/": {
            "Who could you call if you had a hard day?": "Mum, Sam",
            "Which groups, services or professionals help you?": "Crisis line",
        },
        f"/circle/{robin.id}/": {"Name or nickname": "Sky"},
    }
    assert list(CircleMember.objects.values_list("name", flat=True)) == ["Robin"]


def test_a_cross_site_link_to_exit_cannot_throw_away_a_guests_key(client):
    save(client)
    exit_choice(client, "forget", understood="on")

    client.get("/exit/", headers={"Sec-Fetch-Site": "cross-site"})

    assert MARKER in client.get("/journal/").content.decode()
    client.get("/exit/", headers={"Sec-Fetch-Site": "same-origin"})
    assert Space.objects.count() == 0  # forgotten for real: nothing left on the server


def test_without_sec_fetch_site_only_a_page_of_this_site_can_make_exit_forget(client):
    """Safari before 16.4 sends no Sec-Fetch-Site: a link elsewhere, or no Referer at all,
    locks at most; the exit button and Shift x3 on this site's pages forget as chosen."""
    save(client)
    exit_choice(client, "forget", understood="on")

    client.get("/exit/", headers={"Referer": "https://elsewhere.example/forum"})
    client.get("/exit/")
    assert MARKER in client.get("/journal/").content.decode()

    client.get("/exit/", headers={"Referer": f"http://testserver{LESSON}"})
    assert Space.objects.count() == 0


def test_an_accounts_other_device_locks_even_if_its_session_missed_the_change():
    phone, laptop = Client(), Client()
    save(phone)
    sign_up(phone, "lake")
    laptop.post("/accounts/login/", {"username": "lake", "password": PASSWORD})
    stale = dict(laptop.session.items())  # what the laptop's own request would write back

    set_passcode(phone)
    session = laptop.session
    session.clear()
    session.update(stale)
    session.save()  # a request that was under way on the laptop saves over the change

    assert laptop.get("/journal/").status_code == 423


def test_reading_with_a_lock_keeps_the_space_from_expiring(monkeypatch):
    client = Client()
    save(client)
    set_passcode(client, lock_after=0)
    Space.objects.update(last_saved=timezone.now() - timedelta(days=300))

    move_clock(monkeypatch, days=1)
    client.get(LESSON)

    assert Space.objects.get().last_saved > timezone.now() - timedelta(minutes=1)


def test_after_each_settings_change_the_page_opens_where_its_confirmation_is(client):
    # The confirmation sits inside its section, far down a phone screen: a fragment naming no
    # element would leave the person at the top, never seeing that the change worked.
    save(client)
    set_passcode(client)
    changes = [
        {"section": "keep", "keep": "device"},
        {"section": "lock_after", "lock_after": 5, "current": PASSCODE},
        {"section": "passcode", "passcode": "new stones", "repeat": "new stones"}
        | {"current": PASSCODE, "lock_after": 5},
        {"section": "exit", "exit_action": "leave", "current": "new stones"},
        {"section": "remove", "current": "new stones"},
    ]
    for data in changes:
        response = client.post("/settings/", data)
        assert response.status_code == 302, (data, response.content.decode()[:2000])
        anchor = response["Location"].split("#")[1]
        page = client.get(response["Location"]).content.decode()
        section = page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
        assert 'class="notice" role="status"' in section, data


def test_a_locked_accounts_device_cannot_make_a_new_recovery_code():
    """A new recovery code resets the password from anywhere, and a reset opens the space (the
    password proves it): made on a locked device, it would be the way round the lock."""
    client = Client()
    save(client)
    sign_up(client, "lake")
    set_passcode(client)
    lock(client)
    code_hash = User.objects.get(username="lake").recovery_code.code_hash

    page = client.get("/accounts/")
    made = client.post("/accounts/recovery-code/")

    assert page.status_code == 423
    assert "lake" not in page.content.decode()
    assert made.status_code == 423
    assert 'id="recovery-code"' not in made.content.decode()
    assert User.objects.get(username="lake").recovery_code.code_hash == code_hash


def test_unlock_to_write_in_a_lesson_comes_back_to_that_box(locked):
    """Back in a lesson on a locked device, "Unlock to write" beside a question led, once
    unlocked, to the top of a long lesson: the reader had to find the question again."""
    client, _entry = locked
    page = client.get(LESSON).content.decode()
    link = re.search(r'<a href="(/lock/\?next=[^"]*reflection-ab-when-upset-now)">Unlock', page)
    assert link, "each locked question's link names its own box"

    lock_page = client.get(html.unescape(link.group(1))).content.decode()
    target = re.search(r'name="next" value="([^"]*)"', lock_page).group(1)
    response = client.post("/lock/", {"passcode": PASSCODE, "next": html.unescape(target)})

    assert response.status_code == 302
    assert response["Location"] == f"{LESSON}#reflection-ab-when-upset-now"
    assert MARKER in client.get(LESSON).content.decode()  # open again, the answer is there
