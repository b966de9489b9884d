"""A first save whose answer was lost on the way, sent again, lands in the space it made.

The first save makes the reader's private space and sets the cookie holding its key. Lost on
the network (a tunnel, a weak signal) after the server kept the words, that answer never
arrives: the page sends the save again (without JavaScript, the browser posts the form again)
with no cookie, and a second space was made. The first, holding a copy of the words, was out
of everyone's reach: never shown, exported or deleted, until retention.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections
from django.db.models.signals import post_save
from django.test import Client
from django.utils import timezone

from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import CLAIM_WINDOW

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
PROMPT = "ab-who-felt-safe"
SECOND = "ab-when-upset-now"
LESSON_URL = "/lessons/attachment-basics/what-attachment-is/"
ANSWER_URL = f"/journal/prompts/{PROMPT}/"


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def box_fields(client: Client, page_url: str, key: str) -> dict[str, str]:
    """The hidden fields of one writing box as `client` got them with the page (its own
    entry id and writer id, the page's id, the anti-forgery token, the agreement's tick)."""
    return fields_in(client.get(page_url).content.decode(), key)


def fields_in(page: str, key: str) -> dict[str, str]:
    """The hidden fields of the writing box `key` of `page`, one view of a page."""
    start = page.index(f'<div class="reflection" id="reflection-{key}">')
    box = page[start : page.index("</form>", start)]
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", box):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and name.group(1) != "box":
            fields[name.group(1)] = unescape(value.group(1))
    return fields


def lesson_form(client: Client) -> list[tuple[str, str]]:
    """A lesson's one form, as a browser without JavaScript sends it: every box's fields in
    the order of the page, each box's tick ticked and no words yet."""
    page = client.get(LESSON_URL).content.decode()
    form = page[page.index('<form id="lesson-answers"') :]
    fields = [("csrfmiddlewaretoken", re.search(r'csrfmiddlewaretoken" value="([^"]+)"', form)[1])]
    for tag in re.findall(r'<(?:input|textarea)\b[^>]*form="lesson-answers"[^>]*>', page):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields.append((name, "" if tag.startswith("<textarea") else unescape(value.group(1))))
    return fields


def with_words(fields: list[tuple[str, str]], words: dict[str, str]) -> list[tuple[str, str]]:
    """`fields` with the words typed into the boxes of `words` (prompt id: text)."""
    filled, box = [], ""
    for name, value in fields:
        if name == "box":
            box = value.partition(" ")[0]
        filled.append((name, words.get(box, value) if name == "body" else value))
    return filled


def send_lesson_form(client: Client, fields: list[tuple[str, str]]):
    return client.post(
        f"/journal{LESSON_URL}",
        urlencode([*fields, ("intent", "save")]),
        content_type="application/x-www-form-urlencoded",
    )


def answer_lost(reader: Client) -> Client:
    """The reader's browser after the first save's answer was lost: the anti-forgery cookie
    it had from the page, and no session cookie (that came only with the lost answer)."""
    again = browser()
    again.cookies[settings.CSRF_COOKIE_NAME] = reader.cookies[settings.CSRF_COOKIE_NAME].value
    return again


def first_save(reader: Client, words: str, **extra):
    fields = box_fields(reader, LESSON_URL, PROMPT)
    response = reader.post(ANSWER_URL, {**fields, "body": words}, headers=HX, **extra)
    assert response.status_code == 200
    return fields


@pytest.mark.parametrize("htmx", [True, False], ids=["page script", "beacon or plain form"])
def test_a_first_save_sent_again_after_its_answer_was_lost_lands_in_the_space_it_made(htmx):
    reader = browser()
    fields = first_save(reader, "The smell of bread.")
    space = Space.objects.get()
    retrying = answer_lost(reader)

    again = retrying.post(
        ANSWER_URL, {**fields, "body": "The smell of bread."}, headers=HX if htmx else {}
    )

    assert Space.objects.count() == 1
    assert Entry.objects.count() == 1
    assert retrying.session["space_id"] == str(space.id)
    assert reader.session["space_id"] == str(space.id)
    if htmx:  # the words are kept where this browser can reach them, and it is told so
        assert again.status_code == 200
        assert "Saved privately." in again.content.decode()
    else:
        assert again["Location"] == f"{LESSON_URL}?saved={PROMPT}&new=1#reflection-{PROMPT}"
    shown = retrying.get(LESSON_URL).content.decode()
    assert ">The smell of bread.</textarea>" in shown
    journal = retrying.get("/journal/").content.decode()
    assert journal.count("The smell of bread.") == 1


def test_words_typed_while_the_answer_was_lost_are_saved_as_the_newer_version():
    reader = browser()
    fields = first_save(reader, "Bread")
    retrying = answer_lost(reader)

    again = retrying.post(ANSWER_URL, {**fields, "body": "Bread and jam"}, headers=HX)

    assert again.status_code == 200  # not a conflict: the same page wrote both
    entry = Entry.objects.get()
    assert (entry.body, entry.version) == ("Bread and jam", 2)
    assert Space.objects.count() == 1


def test_free_writing_sent_again_after_its_answer_was_lost_lands_in_the_space_it_made():
    reader = browser()
    fields = box_fields(reader, "/journal/", "free-writing")
    reader.post("/journal/write/", {**fields, "body": "A note to myself."}, headers=HX)
    retrying = answer_lost(reader)

    again = retrying.post("/journal/write/", {**fields, "body": "A note to myself."}, headers=HX)

    assert "Saved privately." in again.content.decode()
    assert (Space.objects.count(), Entry.objects.count()) == (1, 1)
    assert "A note to myself." in retrying.get("/journal/").content.decode()


def test_without_javascript_a_lesson_s_one_form_posted_again_lands_in_the_space_it_made():
    reader = browser()
    fields = with_words(lesson_form(reader), {PROMPT: "Grandmother.", SECOND: "I go quiet."})
    first = send_lesson_form(reader, fields)
    assert first.status_code == 302
    space = Space.objects.get()
    retrying = answer_lost(reader)

    again = send_lesson_form(retrying, fields)

    assert "new=1" in again["Location"]
    assert Space.objects.count() == 1
    assert sorted(Entry.objects.values_list("body", flat=True)) == ["Grandmother.", "I go quiet."]
    assert retrying.session["space_id"] == str(space.id)
    shown = retrying.get(again["Location"]).content.decode()
    assert ">Grandmother.</textarea>" in shown
    assert ">I go quiet.</textarea>" in shown
    assert "Saved privately." in shown


def test_a_page_that_names_no_page_view_is_known_by_its_box_s_own_entry_and_writer():
    """A page made before page ids, or made with a space deleted since, sends none."""
    reader = browser()
    fields = {**box_fields(reader, LESSON_URL, PROMPT), "body": "Bread"}
    del fields["page"]
    reader.post(ANSWER_URL, fields, headers=HX)
    retrying = answer_lost(reader)

    again = retrying.post(ANSWER_URL, fields, headers=HX)

    assert "Saved privately." in again.content.decode()
    assert (Space.objects.count(), Entry.objects.count()) == (1, 1)


def test_a_retry_after_the_window_makes_a_space_of_its_own(monkeypatch):
    reader = browser()
    fields = first_save(reader, "Bread")
    later = timezone.now() + CLAIM_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    answer_lost(reader).post(ANSWER_URL, {**fields, "body": "Bread"}, headers=HX)

    assert Space.objects.count() == 2


@pytest.mark.parametrize("how", ["an autosave", "reading progress", "a choice in settings"])
def test_a_space_its_browser_came_back_to_is_never_taken_by_a_browser_without_its_key(how):
    reader = browser()
    fields = first_save(reader, "Bread")
    space = Space.objects.get()
    token = {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"]}
    if how == "an autosave":
        came_back = reader.post(ANSWER_URL, {**fields, "body": "Bread and jam"}, headers=HX)
    elif how == "reading progress":
        page = reader.get(LESSON_URL).content.decode()
        marker = re.search(r'name="space" value="([^"]+)"', page).group(1)
        came_back = reader.post(
            f"{LESSON_URL}progress/", {**token, "space": marker, "section": "safe-haven"}
        )
    else:
        came_back = reader.post("/settings/", {**token, "section": "keep", "keep": "device"})
    assert came_back.status_code in (200, 302)
    assert Space.objects.get(id=space.id).claim_page is None  # nothing of the page is left
    stranger = answer_lost(reader)

    stranger.post(ANSWER_URL, {**fields, "body": "Let me in"}, headers=HX)

    assert Space.objects.count() == 2
    assert stranger.session["space_id"] != str(space.id)
    assert "Bread" not in stranger.get("/journal/").content.decode()
    assert Entry.objects.get(space=space).body.startswith("Bread")


@pytest.mark.parametrize("protected", ["an account", "a passcode"])
def test_a_space_with_an_account_or_a_passcode_is_never_taken(django_user_model, protected):
    reader = browser()
    fields = first_save(reader, "Bread")
    space = Space.objects.get()
    if protected == "an account":  # as signing up links it (never without the cookie)
        space.user = django_user_model.objects.create_user("someone", password="long pass 1")
        space.save(update_fields=["user"])
    else:
        Space.objects.filter(id=space.id).update(passcode_hash=make_password("4321"))

    answer_lost(reader).post(ANSWER_URL, {**fields, "body": "Bread"}, headers=HX)

    assert Space.objects.count() == 2
    assert Entry.objects.filter(space=space).count() == 1


@pytest.mark.parametrize("differs", ["page", "writer", "question"])
def test_a_save_naming_the_entry_from_another_page_writer_or_question_is_never_let_in(differs):
    reader = browser()
    fields = first_save(reader, "Bread")
    space = Space.objects.get()
    stranger = answer_lost(reader)
    url = ANSWER_URL
    if differs == "page":  # the entry and writer ids, sent from another view of the page
        fields = {**fields, "page": box_fields(stranger, LESSON_URL, PROMPT)["page"]}
    else:  # a page that names no page view (see the test below) is known by its box's ids
        del fields["page"]
        if differs == "writer":
            fields = {**fields, "writer": "0" * 32}
        else:
            url = f"/journal/prompts/{SECOND}/"

    stranger.post(url, {**fields, "body": "Let me in"}, headers=HX)

    assert Space.objects.count() == 2
    assert stranger.session["space_id"] != str(space.id)
    assert list(Entry.objects.filter(space=space).values_list("body", flat=True)) == ["Bread"]


def test_a_signed_in_browser_never_takes_a_guest_s_space(django_user_model):
    reader = browser()
    fields = first_save(reader, "Bread")
    guest = Space.objects.get()
    other = browser()
    other.cookies[settings.CSRF_COOKIE_NAME] = reader.cookies[settings.CSRF_COOKIE_NAME].value
    user = django_user_model.objects.create_user("someone", password="long pass 1")
    other.force_login(user)

    other.post(ANSWER_URL, {**fields, "body": "Bread"}, headers=HX)

    assert other.session.get("space_id") != str(guest.id)
    assert Entry.objects.filter(space=guest).count() == 1


def test_the_space_taken_is_claimable_no_more_once_its_new_browser_writes():
    reader = browser()
    fields = first_save(reader, "Bread")
    retrying = answer_lost(reader)
    retrying.post(ANSWER_URL, {**fields, "body": "Bread"}, headers=HX)
    assert Space.objects.get().claimable  # its answer may be lost too: it may come again

    retrying.post(ANSWER_URL, {**fields, "body": "Bread and jam"}, headers=HX)

    assert not Space.objects.get().claimable


# --- Another box of the same page, saving for the first time after the lost answer ------

SECOND_URL = f"/journal/prompts/{SECOND}/"


def two_boxes(reader: Client) -> tuple[dict[str, str], dict[str, str]]:
    """The first two boxes of one view of the lesson, as `reader` got it."""
    page = reader.get(LESSON_URL).content.decode()
    return fields_in(page, PROMPT), fields_in(page, SECOND)


def test_another_box_s_first_save_after_a_lost_answer_lands_in_the_space_it_made():
    """Box 1's first save made the space and its answer was lost. Box 2's first save, which
    waited behind it, went without a cookie: it made a second space and gave this browser
    its key, and box 1's retry then saved there. The first copy of box 1's words stayed in
    the first space, out of everyone's reach until retention."""
    reader = browser()
    first, second = two_boxes(reader)
    reader.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)  # answer lost
    space = Space.objects.get()
    retrying = answer_lost(reader)

    other = retrying.post(SECOND_URL, {**second, "body": "I go quiet."}, headers=HX)
    again = retrying.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)

    assert "Saved privately." in other.content.decode()  # the browser learns of its space
    assert again.status_code == 200
    assert Space.objects.count() == 1
    assert retrying.session["space_id"] == str(space.id)
    assert sorted(Entry.objects.values_list("body", flat=True)) == ["Grandmother.", "I go quiet."]
    journal = retrying.get("/journal/").content.decode()
    assert (journal.count("Grandmother."), journal.count("I go quiet.")) == (1, 1)


def test_without_javascript_every_box_of_the_lesson_s_one_form_names_the_page():
    """Posted again, the one form usually sends what it sent the first time, and its first
    box finds the space by its own entry. Here the box above the one that made the space
    has words the second time: it comes first, and finds the space only by the page."""
    reader = browser()
    fields = lesson_form(reader)
    send_lesson_form(reader, with_words(fields, {SECOND: "I go quiet."}))
    retrying = answer_lost(reader)

    again = send_lesson_form(
        retrying, with_words(fields, {PROMPT: "Grandmother.", SECOND: "I go quiet."})
    )

    assert again.status_code == 302
    assert Space.objects.count() == 1
    assert sorted(Entry.objects.values_list("body", flat=True)) == ["Grandmother.", "I go quiet."]


@pytest.mark.parametrize(
    "why", ["another view of the page", "the window over", "an account since", "signed in"]
)
def test_another_box_makes_a_space_of_its_own_when_the_first_may_not_be_taken(
    why, monkeypatch, django_user_model
):
    reader = browser()
    first, second = two_boxes(reader)
    reader.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)
    space = Space.objects.get()
    other = answer_lost(reader)
    if why == "another view of the page":
        second = fields_in(other.get(LESSON_URL).content.decode(), SECOND)
    elif why == "the window over":
        later = timezone.now() + CLAIM_WINDOW + timedelta(seconds=1)
        monkeypatch.setattr(timezone, "now", lambda: later)
    else:
        user = django_user_model.objects.create_user("someone", password="long pass 1")
        if why == "an account since":
            space.user = user
            space.save(update_fields=["user"])
        else:
            other.force_login(user)

    answer = other.post(SECOND_URL, {**second, "body": "I go quiet."}, headers=HX)

    assert answer.status_code == 200
    assert Space.objects.count() == 2
    assert other.session["space_id"] != str(space.id)
    assert list(Entry.objects.filter(space=space).values_list("body", flat=True)) == [
        "Grandmother."
    ]


def test_a_space_keeps_only_a_digest_of_its_page_and_that_only_until_its_browser_writes():
    reader = browser()
    first, second = two_boxes(reader)
    reader.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)
    space = Space.objects.get()
    assert space.claim_page == hashlib.sha256(uuid.UUID(first["page"]).bytes).hexdigest()
    assert second["page"] == first["page"]  # one page, one id, in every box

    reader.post(SECOND_URL, {**second, "body": "I go quiet."}, headers=HX)  # with its cookie

    space.refresh_from_db()
    assert (space.claimable, space.claim_page) == (False, None)
    assert two_boxes(reader)[0].get("page") is None  # a page made with a space names none


def test_a_page_s_id_left_in_a_space_past_claiming_goes_to_the_next_space_it_makes(monkeypatch):
    """Unique among spaces (so two first saves of one page cannot both make a space): a
    space that may no longer be taken lets go of it, rather than refuse the new one."""
    reader = browser()
    first, second = two_boxes(reader)
    reader.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)
    old = Space.objects.get()
    later = timezone.now() + CLAIM_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    other = answer_lost(reader)

    other.post(SECOND_URL, {**second, "body": "I go quiet."}, headers=HX)
    other.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)

    old.refresh_from_db()
    new = Space.objects.exclude(id=old.id).get()
    assert (old.claimable, old.claim_page) == (False, None)
    assert new.claim_page is None  # its browser has come back and written
    assert sorted(Entry.objects.filter(space=new).values_list("body", flat=True)) == [
        "Grandmother.",
        "I go quiet.",
    ]


def test_the_daily_purge_clears_what_a_space_kept_of_its_page_once_it_may_not_be_taken():
    """A browser that got its key and only read since never clears the claim itself: the
    digest of its page's id stayed until the space was deleted."""
    from django.core.management import call_command

    reader = browser()
    first, _ = two_boxes(reader)
    reader.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)
    call_command("purge_expired_spaces", stdout=io.StringIO())
    space = Space.objects.get()
    assert space.claimable and space.claim_page  # still within the window: a retry may come

    Space.objects.update(created=timezone.now() - CLAIM_WINDOW - timedelta(seconds=1))
    call_command("purge_expired_spaces", stdout=io.StringIO())

    space.refresh_from_db()
    assert (space.claimable, space.claim_page) == (False, None)
    assert list(Entry.objects.filter(space=space).values_list("body", flat=True)) == [
        "Grandmother."
    ]  # the space and its words stay


# --- The retry sent while the first save is still being kept -------------------------------


def sent_by(path: str, reader: Client) -> tuple[Callable[[Client], object], list[str]]:
    """How a box's first save goes by `path`, as `reader`'s page would send it, and the
    words it keeps; the same call sends the retry from another browser."""
    if path == "lesson form without JavaScript":
        words = {PROMPT: "Grandmother.", SECOND: "I go quiet."}
        fields = with_words(lesson_form(reader), words)
        return (lambda client: send_lesson_form(client, fields)), list(words.values())
    if path == "free writing":
        fields = {**box_fields(reader, "/journal/", "free-writing"), "body": "A note."}
        return (lambda client: client.post("/journal/write/", fields, headers=HX)), ["A note."]
    fields = {**box_fields(reader, LESSON_URL, PROMPT), "body": "The smell of bread."}
    headers = HX if path == "page script" else {}
    return (lambda client: client.post(ANSWER_URL, fields, headers=headers)), [fields["body"]]


def in_thread(name: str, send: Callable[[Client], object], client: Client, out: dict):
    def run() -> None:
        try:
            out[name] = send(client)
        except Exception as exc:  # the test says what went wrong
            out[name] = exc
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def held_up_or_done(thread: threading.Thread) -> None:
    """Wait until `thread`'s request has finished, or waits for another transaction: on
    PostgreSQL for a row lock, on SQLite for its turn to write (db/sqlite3/base.py)."""
    deadline = time.monotonic() + 10
    while thread.is_alive() and not _waiting(thread):
        assert time.monotonic() < deadline, "the retry neither finished nor waited"
        time.sleep(0.01)


def first_held_open(
    held_after, first: tuple[Client, Callable], then: tuple[Client, Callable]
) -> dict[str, object]:
    """Send `first`, hold its transaction open once it has saved a `held_after` row, send
    `then` meanwhile, and let `first` commit once `then` has finished or waits for it.
    Each answer (or the exception raised) under "first" and "again"."""
    made, go_on = threading.Event(), threading.Event()

    def hold(sender, **kwargs):
        if threading.current_thread().name == "first" and not made.is_set():
            made.set()
            assert go_on.wait(20)

    post_save.connect(hold, sender=held_after, weak=False)
    answers: dict[str, object] = {}
    try:
        sending = in_thread("first", first[1], first[0], answers)
        assert made.wait(10)
        again = in_thread("again", then[1], then[0], answers)
        held_up_or_done(again)
        go_on.set()
        sending.join(20)
        again.join(20)
    finally:
        go_on.set()
        post_save.disconnect(hold, sender=held_after)
    for name in ("first", "again"):
        assert not isinstance(answers[name], Exception), answers[name]
    return answers


def _waiting(thread: threading.Thread) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0] > 0
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_name == "_take_turn":
            return True
        frame = frame.f_back
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "held_after"),
    [
        ("page script", Entry),
        ("page script", Space),
        ("beacon or plain form", Entry),
        ("free writing", Entry),
        ("lesson form without JavaScript", Entry),
    ],
    ids=[
        "page script, its entry made",
        "page script, only its space made",
        "beacon or plain form",
        "free writing",
        "lesson form without JavaScript",
    ],
)
def test_a_retry_sent_while_the_first_save_is_still_being_kept_lands_in_the_same_space(
    path, held_after, caplog
):
    """On PostgreSQL a transaction sees nothing another has not committed: the retry found
    no space to take, made its own, and its entry (the same id) failed as a duplicate once
    the first save committed (a server error); or, when the first save had made only its
    space so far, that save found the id taken and kept its copy of the words there."""
    reader = browser()
    send, words = sent_by(path, reader)
    retrying = answer_lost(reader)

    answers = first_held_open(held_after, (reader, send), (retrying, send))

    for name in ("first", "again"):
        assert answers[name].status_code in (200, 302)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert Space.objects.count() == 1
    assert Entry.objects.count() == len(words)
    space_id = str(Space.objects.get().id)
    assert (reader.session["space_id"], retrying.session["space_id"]) == (space_id, space_id)
    if answers["again"].status_code == 200:
        assert "Saved privately." in answers["again"].content.decode()
    else:
        assert "new=1" in answers["again"]["Location"]
    journal = retrying.get("/journal/").content.decode()
    assert [journal.count(text) for text in words] == [1] * len(words)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held_after", [Entry, Space], ids=["its entry made", "only its space"])
def test_another_box_s_first_save_sent_while_the_first_is_still_being_kept_joins_it(
    held_after, caplog
):
    """The page gives up box 1's first save when no answer comes for a while (the server
    slow to keep it), and box 2's first save goes at once. On PostgreSQL neither sees the
    other's space before it commits: box 2 made a second space, with nothing to undo it.
    The page's id, unique among spaces, makes box 2 wait for box 1 and find its space."""
    reader = browser()
    first, second = two_boxes(reader)
    retrying = answer_lost(reader)

    answers = first_held_open(
        held_after,
        (reader, lambda c: c.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)),
        (retrying, lambda c: c.post(SECOND_URL, {**second, "body": "I go quiet."}, headers=HX)),
    )

    for name in ("first", "again"):
        assert answers[name].status_code == 200
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert Space.objects.count() == 1
    space_id = str(Space.objects.get().id)
    assert (reader.session["space_id"], retrying.session["space_id"]) == (space_id, space_id)
    assert sorted(Entry.objects.values_list("body", flat=True)) == ["Grandmother.", "I go quiet."]


# --- "Remember my place" or "Mark as done", pressed after a first save's answer was lost ---


def progress_fields(page: str) -> dict[str, str]:
    """The hidden fields of the lesson's progress panel in `page`, one view of the lesson."""
    start = page.index('<div id="lesson-progress"')
    panel = page[start : page.index("</form>", start)]
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", panel):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value:
            fields[name.group(1)] = unescape(value.group(1))
    return fields


@pytest.mark.parametrize("press", ["remember", "done"])
@pytest.mark.parametrize("made_with", ["an empty lesson", "a lesson shown again"])
def test_a_progress_press_after_a_lost_first_save_lands_in_the_space_it_made(press, made_with):
    """Box 1's first save made the space and its answer was lost. A press of "Remember my
    place" (or "Mark as done"), which waited behind it (reflections.js, "first-save"), went
    without a cookie: it made a second space and gave this browser its key, and box 1's
    retry then saved there, leaving the first copy of its words out of everyone's reach."""
    reader = browser()
    if made_with == "an empty lesson":
        page = reader.get(LESSON_URL).content.decode()
    else:  # a page rendered whole for a reader with no space (here: a press refused)
        unticked = progress_fields(reader.get(LESSON_URL).content.decode())
        del unticked["agree"]
        page = reader.post(f"{LESSON_URL}progress/", {**unticked, "remember": "1"})
        assert page.status_code == 422
        page = page.content.decode()
    first = fields_in(page, PROMPT)
    reader.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)  # answer lost
    space = Space.objects.get()
    retrying = answer_lost(reader)

    panel = retrying.post(
        f"{LESSON_URL}progress/", {**progress_fields(page), press: "1"}, headers=HX
    )
    marker = re.search(r'name="space" value="([^"]+)"', panel.content.decode())[1]
    again = retrying.post(
        ANSWER_URL, {**first, "space": marker, "body": "Grandmother."}, headers=HX
    )

    assert panel.status_code == 200
    assert again.status_code == 200
    assert Space.objects.count() == 1
    assert retrying.session["space_id"] == str(space.id)
    assert Entry.objects.get().body == "Grandmother."
    assert retrying.get(LESSON_URL).content.decode().count(">Grandmother.</textarea>") == 1


def test_a_progress_press_from_another_view_of_the_page_makes_a_space_of_its_own():
    reader = browser()
    first = box_fields(reader, LESSON_URL, PROMPT)
    reader.post(ANSWER_URL, {**first, "body": "Grandmother."}, headers=HX)
    other_view = browser()

    other_view.post(
        f"{LESSON_URL}progress/",
        {**progress_fields(other_view.get(LESSON_URL).content.decode()), "remember": "1"},
        headers=HX,
    )

    assert Space.objects.count() == 2
    assert other_view.session["space_id"] != reader.session["space_id"]
