"""An optional account: no email, nothing lost when signing up or logging in elsewhere."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from attachment_guide.accounts.models import LoginThrottle
from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from lessons.models import LessonProgress
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
PASSWORD = "a calm river at dawn"
LESSON = "/lessons/attachment-basics/what-attachment-is/"


def write(client, body, prompt="ab-who-felt-safe", entry=None, version=0):
    return client.post(
        f"/journal/prompts/{prompt}/",
        {**AGREE, "body": body, "entry": str(entry or uuid.uuid4()), "version": version},
        headers=HX,
    )


def signup(client, username="willow", password=PASSWORD, remember=True):
    data = {"username": username, "password1": password, "password2": password, **AGREE}
    if remember:
        data["remember"] = "on"
    return client.post("/accounts/signup/", data)


def log_in(client, username="willow", password=PASSWORD, remember=True):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "on"
    return client.post("/accounts/login/", data)


def code_from(response) -> str:
    shown = re.search(r'<code id="recovery-code">(.*?)</code>', response.content.decode()).group(1)
    return re.sub(r"<[^>]*>", "", shown)  # its groups are marked up, to wrap only between them


def journal(client) -> str:
    return client.get("/journal/").content.decode()


def test_signing_up_needs_only_a_name_and_a_password_and_shows_a_recovery_code(client):
    response = signup(client)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your recovery code" in page
    assert re.fullmatch(r"[A-Z2-9]{5}(-[A-Z2-9]{5}){3}", code_from(response))
    assert "shown only this once" in page
    assert "Your account is ready." in page
    assert "Everything you wrote in this browser" not in page  # nothing was written here
    user = User.objects.get(username="willow")
    assert user.email == ""
    assert user.password.startswith("argon2")
    assert user.recovery_code.code_hash.startswith("argon2")
    assert code_from(response).replace("-", "") not in user.recovery_code.code_hash


def test_signing_up_from_a_private_space_keeps_everything(client):
    write(client, "Written as a guest")
    client.post(f"{LESSON}progress/", {**AGREE, "done": "1"})
    guest_space = Space.objects.get()

    page = signup(client).content.decode()

    assert "Everything you wrote in this browser is now in it." in page
    guest_space.refresh_from_db()
    assert guest_space.user.username == "willow"
    assert Space.objects.count() == 1
    assert "Written as a guest" in journal(client)
    assert LessonProgress.objects.get().space == guest_space


def test_logging_in_on_another_device_shows_the_same_journal_and_continue_card(client):
    write(client, "From my laptop")
    client.post(f"{LESSON}progress/", {"section": "patterns-can-change"}, headers=HX)
    signup(client)
    phone = Client()

    response = log_in(phone)

    assert response.status_code == 302
    assert "From my laptop" in journal(phone)
    assert "Continue where you left off" in phone.get("/").content.decode()
    assert ">From my laptop</textarea>" in phone.get(LESSON).content.decode()


def test_logging_in_from_a_browser_with_its_own_writing_merges_it_in(client):
    laptop_entry = uuid.uuid4()
    write(client, "Laptop answer", entry=laptop_entry)
    signup(client)
    phone = Client()
    write(phone, "Phone answer to the same question")
    phone.post(
        "/journal/write/",
        {**AGREE, "body": "Phone free writing", "entry": str(uuid.uuid4()), "version": 0},
    )
    phone.post(f"{LESSON}progress/", {**AGREE, "done": "1"})

    log_in(phone)

    assert Space.objects.count() == 1
    assert Entry.objects.filter(space__user__username="willow").count() == 3
    page = phone.get(LESSON).content.decode()
    # Both answers are kept: the newer is the one to edit, the older is an earlier answer.
    assert ">Phone answer to the same question</textarea>" in page
    assert "Laptop answer" in page and "Your earlier answers" in page
    assert LessonProgress.objects.get().done is True
    assert "Phone free writing" in journal(client)


def test_a_wrong_password_gets_a_clear_message_and_keeps_the_name(client):
    signup(Client())

    response = log_in(client, password="not the one")

    assert response.status_code == 422
    page = response.content.decode()
    assert "That name and password do not match." in page
    assert 'value="willow"' in page


def test_repeated_failures_are_throttled_for_a_while_not_forever(client, settings):
    signup(Client())
    for _ in range(5):
        assert log_in(client, password="wrong").status_code == 422

    blocked = log_in(client)  # even the right password waits now

    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "900"
    assert "Please wait 15 minutes" in blocked.content.decode()
    # From another address the person is not locked out by a stranger's guesses.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(elsewhere).status_code == 302
    # The window ends by itself.
    LoginThrottle.objects.update(window_start="2000-01-01T00:00:00Z")
    assert log_in(client).status_code == 302


def test_passwords_of_64_characters_are_accepted_and_weak_ones_refused(client):
    long_password = "correct horse battery staple " * 2 + "abcdef"
    assert len(long_password) == 64

    assert signup(client, username="longpass", password=long_password).status_code == 200
    weak = signup(Client(), username="weak", password="password")

    assert weak.status_code == 422
    assert "This password is too common." in weak.content.decode()


def test_the_recovery_code_sets_a_new_password_once(client):
    code = code_from(signup(Client()))
    data = {
        "username": "willow",
        "code": code,
        "password1": "a new long phrase",
        "password2": "a new long phrase",
    }

    response = client.post("/accounts/recover/", data)

    assert response.status_code == 200
    new_code = code_from(response)
    assert new_code != code
    assert log_in(Client(), password="a new long phrase").status_code == 302
    again = client.post("/accounts/recover/", data)
    assert again.status_code == 422
    assert "do not match" in again.content.decode()


def test_changing_the_password_logs_out_every_other_device(client):
    write(client, "Private words")
    signup(client)
    other = Client()
    log_in(other)
    assert "Private words" in journal(other)

    response = client.post(
        "/accounts/",
        {
            "old_password": PASSWORD,
            "new_password1": "another calm phrase",
            "new_password2": "another calm phrase",
        },
    )

    assert "Every other device was logged out." in response.content.decode()
    assert "Private words" in journal(client)
    assert "Private words" not in journal(other)
    assert "Log in" in other.get("/").content.decode()


def test_the_password_change_speaks_as_sign_up_does_and_keeps_the_password_on_a_refusal(client):
    """Django's own form spoke of "personal information" the site never asks for, and of an
    "old password" and a "password confirmation"."""
    signup(client)
    page = client.get("/accounts/").content.decode()
    for said in ("Current password", "New password again", "At least 8 characters."):
        assert said in page
    for django_said in ("personal information", "Old password", "confirmation"):
        assert django_said not in page

    wrong = {"old_password": "a guess", "new_password1": "a quiet lake", "new_password2": "x"}
    refused = client.post("/accounts/", wrong).content.decode()
    assert "That is not your current password. Please try again." in refused
    assert "The two passwords are not the same." in refused
    assert client.login(username="willow", password=PASSWORD), "the password is unchanged"


def test_logging_out_ends_the_session_and_hides_the_journal(client):
    write(client, "See you later")
    signup(client)

    client.post("/accounts/logout/")

    assert "See you later" not in journal(client)
    assert Session.objects.count() == 0
    assert client.get("/accounts/logout/").status_code == 405


def test_without_remember_me_the_session_ends_with_the_browser(client):
    signup(Client())

    log_in(client, remember=False)

    assert client.cookies["sessionid"]["expires"] == ""
    remembered = Client()
    log_in(remembered)
    assert remembered.cookies["sessionid"]["max-age"] > 0


def test_signup_names_are_unique_and_never_an_email_requirement(client):
    signup(Client())

    taken = signup(client, username="Willow")

    assert taken.status_code == 422
    assert "That name is taken." in taken.content.decode()


NAME_RULE = "A name can have letters, numbers and these marks: . _ - + @"


@pytest.mark.parametrize("name", ["quiet river", "willow!", "a/b"])
def test_a_name_with_a_space_or_a_mark_gets_our_answer_and_keeps_what_was_typed(client, name):
    data = {"username": name, "password1": PASSWORD, "password2": PASSWORD, **AGREE}

    response = client.post("/accounts/signup/", data)  # "Remember me" left unticked

    assert response.status_code == 422
    page = response.content.decode()
    assert NAME_RULE in page
    assert "Enter a valid username" not in page  # Django's own words
    assert f'value="{escape(name)}"' in page
    assert PASSWORD not in page  # passwords are typed again, as after any other mistake
    assert re.search(r'<input type="checkbox" name="agree"[^>]* checked', page)
    assert not re.search(r'<input type="checkbox" name="remember"[^>]* checked', page)
    assert not User.objects.exists()


def test_a_name_with_a_space_at_log_in_gets_the_usual_answer(client):
    signup(Client())
    unknown = log_in(client, username="no such name")

    for name in ["wil low", "willow !"]:
        response = log_in(client, username=name)

        assert response.status_code == unknown.status_code == 422
        page = response.content.decode()
        assert "That name and password do not match." in page
        assert NAME_RULE not in page
        assert without_tokens(page, name) == without_tokens(
            unknown.content.decode(), "no such name"
        )


def without_tokens(page: str, name: str) -> str:
    """The page without the name typed and the anti-forgery tokens, which differ each time."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "", page.replace(escape(name), ""))


def test_account_pages_need_the_anti_forgery_token():
    forger = Client(enforce_csrf_checks=True)
    for url in ["/accounts/signup/", "/accounts/login/", "/accounts/recover/", "/accounts/logout/"]:
        assert forger.post(url, {"username": "x"}).status_code == 403, url


def test_reading_the_login_page_creates_no_session(client):
    client.get("/accounts/login/")
    client.get("/accounts/signup/")

    assert Session.objects.count() == 0


def test_sign_ins_and_failures_are_logged_without_secrets(client, caplog):
    secret = "a long enough passphrase 42"
    client.post(
        "/accounts/signup/",
        {
            "username": "harbour",
            "password1": secret,
            "password2": secret,
            "remember": "on",
            **AGREE,
        },
    )
    client.post("/accounts/logout/")
    caplog.set_level("INFO", logger="attachment_guide.accounts")

    Client().post("/accounts/login/", {"username": "harbour", "password": "wrong guess 1"})
    client.post("/accounts/login/", {"username": "harbour", "password": secret})

    messages = [record.getMessage() for record in caplog.records]
    assert "Sign-in failed: name and password do not match" in messages
    assert any(message.startswith("Signed in: account ") for message in messages)
    assert secret not in caplog.text
    assert "wrong guess 1" not in caplog.text
    assert "harbour" not in caplog.text


def test_a_new_recovery_code_needs_the_password(client):
    """A recovery code resets the password from anywhere: whoever picks up a device left open
    must not be able to make one and take the account with them."""
    signup(client)
    code_hash = User.objects.get().recovery_code.code_hash

    refused = client.post("/accounts/recovery-code/", {"password": "not the one"})

    assert refused.status_code == 422
    assert 'id="recovery-code"' not in refused.content.decode()
    assert "That password is not right." in refused.content.decode()
    # The focus goes to the box with the problem, not to the password change above it.
    autofocused = re.findall(r"<input[^>]*autofocus[^>]*>", refused.content.decode())
    assert len(autofocused) == 1 and 'id="code-password"' in autofocused[0]
    assert User.objects.get().recovery_code.code_hash == code_hash
    made = client.post("/accounts/recovery-code/", {"password": PASSWORD})
    assert made.status_code == 200
    assert User.objects.get().recovery_code.code_hash != code_hash


def test_the_right_password_on_the_account_page_clears_earlier_typos(client):
    """As with logging in: a few typos, then the right password, leave nothing counted."""
    signup(client)
    for _ in range(4):
        client.post("/accounts/recovery-code/", {"password": "typo"})
    assert client.post("/accounts/recovery-code/", {"password": PASSWORD}).status_code == 200
    for _ in range(4):
        client.post("/accounts/recovery-code/", {"password": "typo again"})

    assert client.post("/accounts/recovery-code/", {"password": PASSWORD}).status_code == 200


def test_password_checks_on_an_open_device_are_throttled_like_logging_in(client):
    """The password asked for by the account page, a new recovery code and deleting
    everything: a device left open must not be a way round the log-in throttle."""
    signup(client)
    attempts = [
        ("/accounts/", {"old_password": "guess", "new_password1": "x", "new_password2": "x"}),
        ("/accounts/recovery-code/", {"password": "guess"}),
        ("/accounts/delete/", {"password": "guess"}),
        ("/accounts/recovery-code/", {"password": "guess"}),
        ("/accounts/", {"old_password": "guess", "new_password1": "x", "new_password2": "x"}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 422, url

    for url, data in [
        ("/accounts/recovery-code/", {"password": PASSWORD}),
        ("/accounts/delete/", {"password": PASSWORD}),
    ]:
        blocked = client.post(url, data)
        assert blocked.status_code == 429, url
        assert "Please wait 15 minutes" in blocked.content.decode()
        assert 'id="recovery-code"' not in blocked.content.decode()
    assert User.objects.count() == 1
    LoginThrottle.objects.update(window_start="2000-01-01T00:00:00Z")
    assert client.post("/accounts/recovery-code/", {"password": PASSWORD}).status_code == 200


def test_the_throttle_counts_an_ipv6_connection_as_its_whole_64_block():
    """One IPv6 connection can use any of 2^64 addresses: per address, guessing never ends."""
    signup(Client())
    for n in range(5):
        guesser = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        assert log_in(guesser, password="wrong").status_code == 422

    assert log_in(Client(REMOTE_ADDR="2001:db8:1:2:ffff::9")).status_code == 429
    assert log_in(Client(REMOTE_ADDR="2001:db8:1:3::1")).status_code == 302  # another block


@pytest.mark.django_db(transaction=True)
def test_wrong_guesses_sent_at_once_cannot_slip_past_the_throttle():
    """Each guess is counted before its (slow, Argon2) check: sent together, they do not all
    pass a count that none of them has raised yet."""
    import threading

    from django.db import connections

    from attachment_guide.accounts.services import THROTTLE_FAILURES

    signup(Client())
    guesses = THROTTLE_FAILURES + 3
    start = threading.Barrier(guesses)
    statuses: list[int] = []

    def guess(n: int) -> None:
        try:
            start.wait(10)
            statuses.append(log_in(Client(), password=f"guess {n}").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(statuses) == [422] * THROTTLE_FAILURES + [429] * 3
    assert LoginThrottle.objects.get().failures == THROTTLE_FAILURES
    assert log_in(Client()).status_code == 429  # the right password waits too


# --- The device cookie: a household on one address cannot lock its person out ---------------


def guess_five_times(client, username="willow"):
    for n in range(5):
        assert log_in(client, username=username, password=f"guess {n}").status_code == 422


def test_on_their_own_device_a_person_signs_in_while_their_household_is_locked_out(client):
    """Someone at home, on the same network, who knows the name: five wrong passwords every
    15 minutes would keep the person out for ever, if the address were all that counted."""
    signup(client)
    client.post("/accounts/logout/")  # the device cookie stays: this is when it is needed
    assert settings.DEVICE_COOKIE_NAME in client.cookies
    housemate = Client()  # the same address
    guess_five_times(housemate)

    without = log_in(Client())
    assert without.status_code == 429
    assert without["Retry-After"] == "900"
    assert "Please wait 15 minutes" in without.content.decode()
    assert log_in(client).status_code == 302
    # Signed in there, the password checks are not refused either, and recovery works.
    code = code_from(client.post("/accounts/recovery-code/", {"password": PASSWORD}))
    client.post("/accounts/logout/")
    recovered = client.post(
        "/accounts/recover/",
        {
            "username": "willow",
            "code": code,
            "password1": "new calm words",
            "password2": "new calm words",
        },
    )
    assert "Your new password is set" in recovered.content.decode()
    assert log_in(housemate, password="new calm words").status_code == 429


def test_a_device_cookie_holders_own_wrong_passwords_are_throttled_on_the_device(client):
    """A stolen cookie gets five tries a window, no more: they count for its name and address
    too, so throwing the cookie away gives no fresh ones."""
    signup(client)
    client.post("/accounts/logout/")
    guess_five_times(client)

    assert log_in(client).status_code == 429
    assert log_in(Client()).status_code == 429  # the same address without it: counted too
    LoginThrottle.objects.update(window_start="2000-01-01T00:00:00Z")
    call_command("purge_expired_spaces", stdout=io.StringIO())  # device counts go too
    assert not LoginThrottle.objects.exists()
    assert log_in(client).status_code == 302


def test_a_device_cookie_for_another_name_or_a_changed_one_counts_for_nothing(client):
    signup(Client())
    owner = Client()
    log_in(owner)
    owner.post("/accounts/logout/")
    signup(client, username="rowan")  # a housemate's own account, remembered here

    guess_five_times(client)  # all on the address: rowan's cookie says nothing about willow

    assert log_in(client).status_code == 429
    cookie = owner.cookies[settings.DEVICE_COOKIE_NAME]
    tag, rest = cookie.value.split(".", 1)
    changed = f"{tag}.{'0' * 32}{rest[32:]}"  # another device's nonce, the same signature
    cookie.set(cookie.key, changed, changed)
    assert log_in(owner).status_code == 429


def test_the_device_cookie_is_set_only_when_the_person_asks_to_be_remembered(client, settings):
    name = settings.DEVICE_COOKIE_NAME
    assert name not in signup(Client(), username="rowan", remember=False).cookies
    assert name not in log_in(client, username="rowan", remember=False).cookies

    response = signup(Client())

    cookie = response.cookies[name]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert not cookie["secure"]  # development: no HTTPS
    user = User.objects.get(username="willow")
    assert "willow" not in cookie.value and f"{user.pk}." not in cookie.value  # opaque
    settings.SESSION_COOKIE_SECURE = True
    remembered = Client()
    assert log_in(remembered).cookies[name]["secure"]
    assert log_in(Client()).cookies[name].value != cookie.value  # a nonce per device
    # Signing in or up without "Remember me" leaves no device cookie, another account's too:
    # the browser must not show that an account was used in it.
    assert log_in(remembered, remember=False).cookies[name]["max-age"] == 0
    shared = Client()
    log_in(shared)
    assert log_in(shared, username="rowan", remember=False).cookies[name]["max-age"] == 0
    log_in(shared)
    shared.post("/accounts/logout/")  # logging out keeps it
    data = {"username": "cedar", "password1": PASSWORD, "password2": PASSWORD, **AGREE}
    assert shared.post("/accounts/signup/", data).cookies[name]["max-age"] == 0
    # Recovery signs in without "Remember me" too.
    log_in(shared, username="rowan")
    shared.post("/accounts/logout/")
    code = code_from(signup(Client(), username="birch", remember=False))
    data = {"username": "birch", "code": code, "password1": PASSWORD, "password2": PASSWORD}
    assert shared.post("/accounts/recover/", data).cookies[name]["max-age"] == 0


def test_deleting_everything_and_quick_exit_remove_the_device_cookie(client, settings):
    name = settings.DEVICE_COOKIE_NAME
    signup(client)

    deleted = client.post("/accounts/delete/", {"password": PASSWORD})

    assert deleted.cookies[name]["max-age"] == 0
    assert name not in client.cookies or not client.cookies[name].value
    signup(client, username="rowan")
    forged = client.get("/exit/", headers={"Sec-Fetch-Site": "cross-site"})
    assert name not in forged.cookies  # a link elsewhere cannot hand back the lockout
    exited = client.get("/exit/", headers={"Sec-Fetch-Site": "same-origin"})
    assert exited.cookies[name]["max-age"] == 0
    assert name not in client.get("/exit/").cookies  # nothing to remove, nothing said


def test_signing_in_again_and_again_on_a_remembered_device_blocks_nothing_elsewhere(client):
    """A right password is no failure: someone who logs in and out often on their own phone
    can still log in from another browser on the same network, or this one without its
    cookie. Each attempt is counted before its check; a right one takes its count back."""
    signup(client)
    for _ in range(6):
        client.post("/accounts/logout/")
        assert log_in(client).status_code == 302
        assert client.post("/accounts/recovery-code/", {"password": PASSWORD}).status_code == 200
    for _ in range(6):  # without a device cookie, the same
        assert log_in(Client(), remember=False).status_code == 302

    assert log_in(Client()).status_code == 302  # another browser on the same network
    client.cookies.pop(settings.DEVICE_COOKIE_NAME)
    assert log_in(client).status_code == 302


def test_a_right_password_on_a_remembered_device_leaves_a_housemates_guesses_counted(client):
    """Taking back its own count is all a right password on a device does: the guesses of
    someone else at the same address still count, and four of them leave one more try."""
    signup(client)
    client.post("/accounts/logout/")
    housemate = Client()
    for n in range(4):
        assert log_in(housemate, password=f"guess {n}").status_code == 422

    assert log_in(client).status_code == 302
    assert client.post("/accounts/recovery-code/", {"password": PASSWORD}).status_code == 200

    assert log_in(housemate, password="guess 5").status_code == 422
    assert log_in(housemate).status_code == 429


def test_recovering_on_a_remembered_device_is_not_counted_as_a_failure(client):
    code = code_from(signup(client))
    client.post("/accounts/logout/")
    for n in range(4):
        assert log_in(Client(), password=f"typo {n}").status_code == 422

    data = {"username": "willow", "code": code, "password1": "new calm words"}
    recovered = client.post("/accounts/recover/", data | {"password2": "new calm words"})

    assert "Your new password is set" in recovered.content.decode()
    assert log_in(Client(), password="new calm words").status_code == 302


# --- Coming back to the page the person was on ------------------------------------------------


def nav_login_href(page: str) -> str:
    return re.search(r'<li><a href="(/accounts/login/[^"]*)"', page).group(1)


def test_log_in_in_the_navigation_comes_back_to_the_page_it_was_pressed_on(client):
    assert nav_login_href(client.get(LESSON).content.decode()) == f"/accounts/login/?next={LESSON}"
    assert nav_login_href(client.get("/glossary/").content.decode()) == (
        "/accounts/login/?next=/glossary/"
    )
    assert nav_login_href(client.get("/").content.decode()) == "/accounts/login/"  # lands there
    signup(Client())

    login_page = client.get(nav_login_href(client.get(LESSON).content.decode())).content.decode()
    assert f'<input type="hidden" name="next" value="{LESSON}">' in login_page
    assert f'href="/accounts/signup/?next={LESSON}"' in login_page
    assert f'href="/accounts/recover/?next={LESSON}"' in login_page
    response = client.post(
        "/accounts/login/", {"username": "willow", "password": PASSWORD, "next": LESSON}
    )
    assert response.status_code == 302 and response["Location"] == LESSON


def test_a_search_or_a_refused_form_s_address_is_never_carried_to_the_log_in(client):
    write(client, "river walks")  # a guest with a journal, who searches it (a POST)
    searched = client.post("/journal/", {"q": "river"}).content.decode()
    assert "river walks" in searched
    assert nav_login_href(searched) == "/accounts/login/"  # the answer to a POST: home
    assert nav_login_href(client.get("/journal/?page=1").content.decode()) == (
        "/accounts/login/?next=/journal/"
    )
    refused = client.post("/circle/add/", {"name": ""})  # without JavaScript: a whole page
    assert refused.status_code == 422
    assert nav_login_href(refused.content.decode()) == "/accounts/login/"


def test_signing_up_from_a_page_leads_back_to_it_once_the_code_is_kept(client):
    login_page = client.get(f"/accounts/login/?next={LESSON}").content.decode()
    signup_url = re.search(r'href="(/accounts/signup/[^"]*)"', login_page).group(1)
    signup_page = client.get(signup_url).content.decode()
    assert f'<input type="hidden" name="next" value="{LESSON}">' in signup_page
    assert f'href="/accounts/login/?next={LESSON}"' in signup_page  # and back again

    data = {"username": "willow", "password1": PASSWORD, "password2": PASSWORD, **AGREE}
    page = client.post("/accounts/signup/", {**data, "next": LESSON}).content.decode()

    assert "Your recovery code" in page
    assert f'<a class="button" href="{LESSON}">I have kept my code</a>' in page


@pytest.mark.parametrize(
    "unsafe", ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)"]
)
def test_a_next_to_another_site_is_dropped_everywhere(client, unsafe):
    login_page = client.get("/accounts/login/", {"next": unsafe}).content.decode()
    signup_page = client.get("/accounts/signup/", {"next": unsafe}).content.decode()
    assert "elsewhere" not in login_page + signup_page and "javascript" not in login_page
    assert 'name="next"' not in login_page + signup_page

    data = {"username": "willow", "password1": PASSWORD, "password2": PASSWORD, **AGREE}
    made = client.post("/accounts/signup/", {**data, "next": unsafe}).content.decode()
    assert '<a class="button" href="/">I have kept my code</a>' in made
    client.post("/accounts/logout/")
    back = client.post(
        "/accounts/login/", {"username": "willow", "password": PASSWORD, "next": unsafe}
    )
    assert back["Location"] == "/"
