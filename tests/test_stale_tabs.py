"""A tab left open on a shared device: words typed in it never land in someone else's space.

Every writing form carries a marker of the space its page was made for. A save whose marker
is not this browser's space now (signed out, or someone else signed in, in another tab) is
refused whole, and the words come back to the person who typed them. Reading progress from
such a tab is not kept either: which lesson one person reads must not show in another's
"Continue where you left off".
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from attachment_guide.circle.models import CircleMember
from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import space_marker
from lessons.models import LessonProgress
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
PASSWORD = "a calm river at dawn"
LESSON = "/lessons/attachment-basics/what-attachment-is/"
ANSWER_URL = "/journal/prompts/ab-who-felt-safe/"
WORDS = "Words from the stale tab"
NOT_SAVED = "the journal this page was opened with is no longer open in this browser"


def log_in(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def marker_on(client: Client, url: str) -> str:
    """The marker the writing forms of the page at `url` carry."""
    page = client.get(url).content.decode()
    return re.search(r'name="space" value="([^"]*)"', page).group(1)


def answer(client: Client, body: str, *, marker: str = "", htmx: bool = True, **more):
    data = {**AGREE, "body": body, "entry": str(uuid.uuid4()), "version": 0, **more}
    return client.post(ANSWER_URL, {**data, "space": marker}, headers=HX if htmx else {})


def what_is_kept() -> tuple:
    """Everything written, where it is, and how many spaces there are."""
    entries = sorted(Entry.objects.values_list("space_id", "body"), key=str)
    members = sorted((m.space_id, m.name) for m in CircleMember.objects.all())
    return entries, members, Space.objects.count()


@pytest.fixture
def ash() -> Client:
    """Ash, signed in to an account holding an answer and one person on the map; Birch has
    an account too."""
    for name in ("ash", "birch"):
        User.objects.create_user(name, password=PASSWORD)
    client = Client()
    log_in(client, "birch")  # Birch's space exists, so a refused save could land in it
    client.post("/accounts/logout/")
    log_in(client, "ash")
    answer(client, "Ash's first answer")
    client.post("/circle/add/", {**AGREE, "name": "Mum", "ring": 1})
    return client


def sign_out(client: Client) -> None:
    client.post("/accounts/logout/")


def birch_signs_in(client: Client) -> None:
    log_in(client, "birch")


def session_runs_out(client: Client) -> None:
    """Away too long: the session has expired and its row is gone (the cookie is still sent)."""
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()


# Each writing form: the page that holds it, where it posts, and what it sends.
FORMS = {
    "answer": lambda: (LESSON, ANSWER_URL, {"body": WORDS, "entry": str(uuid.uuid4())}),
    "free writing": lambda: (
        "/journal/",
        "/journal/write/",
        {"body": WORDS, "entry": str(uuid.uuid4())},
    ),
    "entry edit": lambda: (
        f"/journal/entries/{Entry.objects.get().id}/",
        f"/journal/entries/{Entry.objects.get().id}/",
        {"body": WORDS, "version": 1},
    ),
    "circle add": lambda: ("/circle/", "/circle/add/", {"name": WORDS, "ring": 2}),
    "circle start": lambda: ("/circle/", "/circle/start/", {"hard_day": WORDS}),
    "circle edit": lambda: (
        f"/circle/{CircleMember.objects.get().id}/",
        f"/circle/{CircleMember.objects.get().id}/",
        {"name": WORDS, "ring": 1},
    ),
}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("meanwhile", [sign_out, birch_signs_in])
@pytest.mark.parametrize("form", FORMS)
def test_a_save_from_a_tab_opened_before_a_sign_out_or_someone_elses_sign_in_is_refused(
    ash, form, meanwhile, htmx
):
    page_url, post_url, data = FORMS[form]()
    marker = marker_on(ash, page_url)
    assert marker == space_marker(User.objects.get(username="ash").space.id)
    before = what_is_kept()
    meanwhile(ash)  # in another tab

    response = ash.post(post_url, {**AGREE, "space": marker, **data}, headers=HX if htmx else {})

    html = response.content.decode()
    assert what_is_kept() == before  # nothing landed anywhere, and no space was made
    assert NOT_SAVED in html and "sign back in and save again" in html
    assert response["Cache-Control"] == "no-store, private"
    if htmx:
        # Shown in place (htmx swaps a 422; the page's script does not retry it).
        assert response.status_code == 422
        if form.startswith("circle"):  # the form comes back with what was typed
            assert WORDS in html and f'name="space" value="{marker}"' in html
    else:
        # A page of its own holds the words, in a form still made for Ash's space.
        assert response.status_code == 409
        assert WORDS in html and "Exit this page" in html
        # (A writing box's action names the box: sent again and refused, it opens there.)
        assert re.search(rf'action="{post_url}(#reflection-[\w-]+)?"', html)
        assert f'name="space" value="{marker}"' in html

    # As the message says: signed back in, the same form saves.
    log_in(ash, "ash")
    again = ash.post(post_url, {**AGREE, "space": marker, **data})
    assert again.status_code == 302
    ash_space = User.objects.get(username="ash").space
    kept = [e.body for e in Entry.objects.filter(space=ash_space)]
    kept += [m.name for m in CircleMember.objects.filter(space=ash_space)]
    assert WORDS in kept


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_save_after_the_session_ran_out_is_refused_with_words_that_fit(ash, htmx):
    """Away too long is the most common way a page outlives its journal: the message names
    it, not only a sign-out in another tab the reader never made."""
    marker = marker_on(ash, LESSON)
    session_runs_out(ash)

    response = answer(ash, WORDS, marker=marker, htmx=htmx)

    html = response.content.decode()
    assert response.status_code == (422 if htmx else 409)
    assert NOT_SAVED in html and "been away too long" in html
    assert not Entry.objects.filter(body=WORDS).exists()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_phone_left_open_after_the_account_was_deleted_on_the_laptop_says_that_may_be_why(
    ash, htmx
):
    """Ash deletes everything on the laptop while the phone has a lesson open. The phone's
    next save can keep nothing; its message must name what happened (the reasons it gave
    were all of this browser, so "sign back in" read as the way out, and it is not)."""
    marker = marker_on(ash, LESSON)  # the phone
    laptop = Client()
    log_in(laptop, "ash")
    assert laptop.post("/accounts/delete/", {"password": PASSWORD}).status_code == 200
    assert not User.objects.filter(username="ash").exists()

    response = answer(ash, WORDS, marker=marker, htmx=htmx)

    html = response.content.decode()
    assert response.status_code == (422 if htmx else 409)
    assert NOT_SAVED in html and "deleted everything on another device" in html
    assert WORDS in html or htmx  # with htmx the words never left their box
    assert not Entry.objects.filter(body=WORDS).exists()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_progress_press_on_a_phone_after_the_account_was_deleted_elsewhere_says_why(ash, htmx):
    marker = marker_on(ash, LESSON)
    laptop = Client()
    log_in(laptop, "ash")
    laptop.post("/accounts/delete/", {"password": PASSWORD})

    response = ash.post(
        f"{LESSON}progress/", {**AGREE, "done": "1", "space": marker}, headers=HX if htmx else {}
    )

    html = response.content.decode()
    assert response.status_code == (422 if htmx else 409)  # with htmx, shown in place
    assert "deleted everything on another device" in html
    assert not LessonProgress.objects.exists()


def test_an_answer_after_someone_elses_sign_in_never_reaches_their_journal(ash):
    """The case that mattered most: before, the stale tab's autosave landed in Birch's
    journal, where Birch (or whoever signs in as Birch) would read Ash's words."""
    marker = marker_on(ash, LESSON)
    birch_signs_in(ash)

    assert answer(ash, "Only for Ash", marker=marker).status_code == 422

    assert not Entry.objects.filter(body="Only for Ash").exists()
    assert "Only for Ash" not in ash.get("/journal/").content.decode()


def test_a_stale_token_and_a_stale_marker_get_the_not_saved_page_not_send_again():
    """Without JavaScript, Birch's sign-in also made Ash's page's token stale: the refused
    token's page must not offer to send the words on into Birch's journal."""
    for name in ("ash", "birch"):
        User.objects.create_user(name, password=PASSWORD)
    person = Client(enforce_csrf_checks=True)

    def post(url, data, page):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        headers = {"Sec-Fetch-Site": "same-origin"}
        return person.post(url, {**data, "csrfmiddlewaretoken": token}, headers=headers)

    login = {"username": "ash", "password": PASSWORD}
    post("/accounts/login/", login, person.get("/accounts/login/").content.decode())
    lesson = person.get(LESSON).content.decode()
    marker = re.search(r'name="space" value="([^"]*)"', lesson).group(1)
    login = {"username": "birch", "password": PASSWORD}
    post("/accounts/login/", login, person.get("/accounts/login/").content.decode())

    data = {**AGREE, "body": WORDS, "entry": str(uuid.uuid4()), "version": 0}
    response = post(ANSWER_URL, {**data, "space": marker}, lesson)

    html = response.content.decode()
    assert response.status_code == 409
    assert NOT_SAVED in html and f">{WORDS}</textarea>" in html
    assert "Send again" not in html and f'name="space" value="{marker}"' in html
    assert Entry.objects.count() == 0


def test_a_page_made_before_there_was_a_space_saves_where_the_browser_is_now(client):
    """An empty marker keeps what happened before: a lesson opened before signing in saves
    into the account just signed in to (the same person, most often)."""
    User.objects.create_user("ash", password=PASSWORD)
    assert marker_on(client, LESSON) == ""
    log_in(client, "ash")  # in another tab

    response = answer(client, "Written before signing in")

    assert response.status_code == 200
    space = User.objects.get(username="ash").space
    assert Entry.objects.get().space == space
    # The page learns its space, in every form at once, so its next save is checked.
    assert (
        f'name="space" value="{space_marker(space.id)}" '
        'hx-swap-oob="outerHTML:input[name=space]"' in response.content.decode()
    )


def test_the_first_save_gives_the_page_the_marker_of_the_space_it_made(client):
    response = answer(client, "The very first words")

    space = Space.objects.get()
    html = response.content.decode()
    assert 'hx-swap-oob="outerHTML:input[name=space]"' in html
    assert f'value="{space_marker(space.id)}"' in html
    assert marker_on(client, LESSON) == space_marker(space.id)
    later = answer(client, "Later words", marker=space_marker(space.id))
    assert 'hx-swap-oob="outerHTML:input[name=space]"' not in later.content.decode()


def test_a_guest_who_signs_up_keeps_saving_from_tabs_opened_as_a_guest(client):
    answer(client, "As a guest")
    marker = marker_on(client, LESSON)
    data = {"username": "ash", "password1": PASSWORD, "password2": PASSWORD, **AGREE}
    assert client.post("/accounts/signup/", data).status_code == 200  # the recovery code

    response = answer(client, "After signing up", marker=marker)

    assert response.status_code == 200
    space = User.objects.get(username="ash").space
    assert sorted(space.entries.values_list("body", flat=True)) == [
        "After signing up",
        "As a guest",
    ]


def test_a_guest_who_logs_in_keeps_saving_from_tabs_opened_as_a_guest_in_this_browser_only():
    """Logging in merges this browser's guest writing into the account: its open tabs are
    the same person's, and save into the account. Another browser never was that guest."""
    User.objects.create_user("ash", password=PASSWORD)
    laptop, phone = Client(), Client()
    log_in(phone, "ash")
    answer(laptop, "As a guest on the laptop")
    guest_marker = marker_on(laptop, LESSON)
    log_in(laptop, "ash")  # the guest space is merged into Ash's, and is gone

    assert answer(laptop, "From the laptop's old tab", marker=guest_marker).status_code == 200
    refused = answer(phone, "A phone that was never that guest", marker=guest_marker)
    assert refused.status_code == 422

    space = User.objects.get(username="ash").space
    assert sorted(space.entries.values_list("body", flat=True)) == [
        "As a guest on the laptop",
        "From the laptop's old tab",
    ]
    assert Space.objects.count() == 1
    sign_out(laptop)  # and a sign-out ends that record with the session
    assert answer(laptop, "After signing out", marker=guest_marker).status_code == 422


def test_pages_made_before_the_secret_key_was_rotated_still_save(client, settings):
    answer(client, "First")
    marker = marker_on(client, LESSON)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new secret key for this test, " * 2

    assert answer(client, "After the rotation", marker=marker).status_code == 200
    assert answer(client, "Forged", marker="0" * 64).status_code == 422


# --- Reading progress ------------------------------------------------------------------------

PROGRESS_URL = f"{LESSON}progress/"
NOT_KEPT = "To keep your place, sign back in, then press the button again."


def progress_marker_on(client: Client, url: str = LESSON) -> str:
    """The marker the lesson's progress form carries (automatic posts send it too)."""
    page = client.get(url).content.decode()
    panel = page[page.index('id="lesson-progress"') :]
    return re.search(r'name="space" value="([^"]*)"', panel).group(1)


def progress_kept() -> list:
    return sorted(
        LessonProgress.objects.values_list("space_id", "lesson_slug", "section", "done"), key=str
    )


def a_section() -> str:
    from lessons.content import get_catalog

    return get_catalog().lesson("attachment-basics", "what-attachment-is").headed_sections[1].anchor


@pytest.fixture
def birch_has_read_it():
    """Birch has finished the lesson: a stale "Mark as not done" must not undo it."""
    space = User.objects.get(username="birch").space
    LessonProgress.objects.create(
        space=space, module_slug="attachment-basics", lesson_slug="what-attachment-is", done=True
    )


AUTOMATIC = {"section": lambda: {"section": a_section()}, "end": lambda: {"reached_end": "1"}}


@pytest.mark.parametrize("meanwhile", [sign_out, birch_signs_in])
@pytest.mark.parametrize("post", AUTOMATIC)
def test_reading_in_a_tab_opened_before_a_sign_out_or_someone_elses_sign_in_is_not_kept(
    ash, birch_has_read_it, post, meanwhile
):
    marker = progress_marker_on(ash)
    assert marker == space_marker(User.objects.get(username="ash").space.id)
    before = progress_kept(), Space.objects.count()
    meanwhile(ash)  # in another tab

    response = ash.post(PROGRESS_URL, {"space": marker, **AUTOMATIC[post]()}, headers=HX)

    assert response.status_code == 204  # htmx swaps nothing: there is nothing to show
    assert (progress_kept(), Space.objects.count()) == before
    assert f'href="{LESSON}#' not in ash.get("/").content.decode()  # no "Continue" to it


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("meanwhile", [sign_out, birch_signs_in])
@pytest.mark.parametrize("button", ["done", "remember", "reset"])
def test_a_progress_button_pressed_in_a_stale_tab_keeps_nothing_and_says_so(
    ash, birch_has_read_it, button, meanwhile, htmx
):
    marker = progress_marker_on(ash)
    before = progress_kept(), Space.objects.count()
    meanwhile(ash)  # in another tab

    data = {**AGREE, "space": marker, button: "1"}  # a no-JS refusal's panel may ask to agree
    response = ash.post(PROGRESS_URL, data, headers=HX if htmx else {})

    html = response.content.decode()
    assert (progress_kept(), Space.objects.count()) == before
    assert NOT_SAVED in html and NOT_KEPT in html
    assert response["Cache-Control"] == "no-store, private"
    # The panel stays made for Ash's space: pressing again keeps nothing until Ash is back.
    assert progress_marker_on_html(html) == marker
    if htmx:
        assert response.status_code == 422  # shown in place
        assert html.lstrip().startswith('<div id="lesson-progress"')
    else:
        assert response.status_code == 409  # the lesson page, with the panel saying why
        assert "Exit this page" in html and 'id="lesson-progress"' in html

    log_in(ash, "ash")  # as the message says
    assert ash.post(PROGRESS_URL, {"space": marker, "done": "1"}).status_code == 302
    assert LessonProgress.objects.get(space__user__username="ash").done


def progress_marker_on_html(html: str) -> str:
    panel = html[html.index('id="lesson-progress"') :]
    return re.search(r'name="space" value="([^"]*)"', panel).group(1)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_first_progress_press_makes_the_space_and_gives_every_form_its_marker(client, htmx):
    """An empty marker keeps what happened before: the press makes the space."""
    assert progress_marker_on(client) == ""

    data = {**AGREE, "space": "", "remember": "1"}
    response = client.post(PROGRESS_URL, data, headers=HX if htmx else {})

    space = Space.objects.get()
    assert progress_kept() == [(space.id, "what-attachment-is", "", False)]
    marker = space_marker(space.id)
    if htmx:
        html = response.content.decode()
        assert progress_marker_on_html(html) == marker  # the panel swapped in
        # and, out of band, every other form on the page (the writing boxes)
        assert f'value="{marker}" hx-swap-oob="outerHTML:input[name=space]"' in html
    else:
        assert response.status_code == 302
    assert progress_marker_on(client) == marker == marker_on(client, LESSON)
    later = client.post(PROGRESS_URL, {"space": marker, "done": "1"}, headers=HX)
    assert "hx-swap-oob" not in later.content.decode()


def test_a_page_opened_before_signing_in_keeps_reading_progress_in_the_account(client):
    User.objects.create_user("ash", password=PASSWORD)
    assert progress_marker_on(client) == ""
    log_in(client, "ash")  # in another tab

    response = client.post(PROGRESS_URL, {"space": "", "done": "1"}, headers=HX)

    space = User.objects.get(username="ash").space
    assert progress_kept() == [(space.id, "what-attachment-is", "", True)]
    assert f'value="{space_marker(space.id)}" hx-swap-oob' in response.content.decode()


def test_a_guest_who_logs_in_keeps_reading_progress_from_tabs_opened_as_a_guest():
    User.objects.create_user("ash", password=PASSWORD)
    laptop, phone = Client(), Client()
    log_in(phone, "ash")
    answer(laptop, "As a guest on the laptop")
    guest_marker = progress_marker_on(laptop)
    log_in(laptop, "ash")  # the guest space is merged into Ash's

    reading = {"space": guest_marker, "section": a_section()}
    assert laptop.post(PROGRESS_URL, reading, headers=HX).status_code == 200
    done = laptop.post(PROGRESS_URL, {"space": guest_marker, "done": "1"}, headers=HX)
    assert done.status_code == 200 and "You finished this lesson." in done.content.decode()
    assert phone.post(PROGRESS_URL, reading, headers=HX).status_code == 204

    space = User.objects.get(username="ash").space
    assert progress_kept() == [(space.id, "what-attachment-is", a_section(), True)]
