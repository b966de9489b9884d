"""Lesson pages are rendered once per kind of reader and filled in per request (frames.py).

Two promises: each reader gets exactly the page a whole render from their own request would
give (so a template that starts reading something new of the request, which the stand-in
does not carry, fails here), and nothing of one person reaches a page another is served.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.db import SessionStore
from django.core.paginator import Paginator
from django.middleware.csrf import _unmask_cipher_token
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils.safestring import mark_safe

from attachment_guide.frames import Frame, Reader, slot
from attachment_guide.journal import reflections
from attachment_guide.journal import views as journal
from attachment_guide.journal.models import Entry
from attachment_guide.journal.services import answers_for_prompts
from attachment_guide.spaces.services import (
    AGREED_KEY,
    SESSION_KEY,
    readable_space_id,
    space_id_for_request,
    space_marker,
)
from lessons import views
from lessons.content import get_catalog
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

LESSON = "/lessons/attachment-basics/what-attachment-is/"
PROMPT = "ab-who-felt-safe"
PASSCODE = "river stones"
HX = {"HX-Request": "true"}


def save(client: Client, text: str) -> Entry:
    entry_id = uuid.uuid4()
    response = client.post(
        f"/journal/prompts/{PROMPT}/",
        {**AGREE, "body": text, "entry": str(entry_id), "version": 0},
        headers=HX,
    )
    assert response.status_code == 200, response.content.decode()
    return Entry.objects.get(id=entry_id)


def set_passcode(client: Client, lock_after: int) -> None:
    response = client.post(
        "/settings/",
        {"section": "passcode", "passcode": PASSCODE, "repeat": PASSCODE, "lock_after": lock_after},
    )
    assert response.status_code == 302


def anonymous(client: Client) -> None:
    pass


def guest_with_an_answer(client: Client) -> None:
    save(client, "An answer <b>with</b> & marks")


def guest_asked_again_after_a_new_notice(client: Client) -> None:
    save(client, "Written before the notice changed")
    session = client.session
    session[AGREED_KEY] = "an-older-notice"
    session.save()


def guest_with_a_lock_after_five_minutes(client: Client) -> None:
    save(client, "Kept behind a passcode")
    set_passcode(client, lock_after=5)


def guest_locked(client: Client) -> None:
    guest_with_a_lock_after_five_minutes(client)
    assert client.post("/lock/", {"action": "lock"}).status_code == 302


def guest_who_finished_the_lesson(client: Client) -> None:
    save(client, "Done with this one")
    client.post(f"{LESSON}progress/", {**AGREE, "done": "1"})


def guest_kept_only_for_this_visit(client: Client) -> None:
    save(client, "Kept until the browser closes")
    assert client.post("/settings/", {"section": "keep", "keep": "visit"}).status_code == 302


def guest_kept_only_for_this_visit_beside_a_device_cookie(client: Client) -> None:
    guest_kept_only_for_this_visit(client)
    client.cookies[settings.DEVICE_COOKIE_NAME] = "from-an-earlier-sign-in"


def account_with_an_answer(client: Client) -> None:
    User.objects.create_user("reader", password="a long enough passphrase 42")
    client.login(username="reader", password="a long enough passphrase 42")
    save(client, "Written while logged in")


def account_without_a_space(client: Client) -> None:
    User.objects.create_user("reader", password="a long enough passphrase 42")
    client.login(username="reader", password="a long enough passphrase 42")


def account_signed_in_without_remember_me(client: Client) -> None:
    User.objects.create_user("reader", password="a long enough passphrase 42")
    login = {"username": "reader", "password": "a long enough passphrase 42"}
    assert client.post("/accounts/login/", login).status_code == 302
    save(client, "Written until the browser closes")


READERS = [
    anonymous,
    guest_with_an_answer,
    guest_asked_again_after_a_new_notice,
    guest_with_a_lock_after_five_minutes,
    guest_locked,
    guest_who_finished_the_lesson,
    guest_kept_only_for_this_visit,
    guest_kept_only_for_this_visit_beside_a_device_cookie,
    account_with_an_answer,
    account_without_a_space,
    account_signed_in_without_remember_me,
]


def rendered_whole(request, token: str) -> str:
    """The lesson page rendered from the reader's real request, nothing reused."""
    lesson = get_catalog().lesson("attachment-basics", "what-attachment-is")
    space_id = readable_space_id(request)
    answers = answers_for_prompts(space_id=space_id, prompt_ids=[p.id for p in lesson.prompts])
    has_space = space_id is not None
    # Boxes (and progress presses) that could make a space name the view of the page they
    # are on, all the same one.
    page_id = "" if has_space else str(uuid.uuid4())
    boxes = {
        prompt.id: render_to_string(
            reflections.TEMPLATE,
            {
                "r": replace(reflections.for_prompt(prompt, answers[prompt.id]), page=page_id),
                "has_space": has_space,
                "csrf_token": token,
            },
            request,
        )
        for prompt in lesson.prompts
    }
    common = {"lesson": lesson, "module": lesson.module, "has_space": has_space}
    progress = render_to_string(
        "lessons/lesson.html#progress",
        {
            **common,
            "progress": views.lesson_progress(space_id, lesson),
            "csrf_token": token,
            "page": page_id,  # its presses name the page too (they may join its first save)
        },
        request,
    )
    ctx = {
        **common,
        "locked": space_id is None and SESSION_KEY in request.session,
        "catalog_grounding": get_catalog().grounding,
        "blank_report_fields": views.blank_report_fields("en"),
        "csrf_token": token,
        "slots": {"boxes": boxes, "progress": progress},
    }
    return render_to_string("lessons/lesson.html", ctx, request)


UUIDISH = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def ids_blanked(html: str) -> str:
    """Each box carries fresh random ids (writer, "keep both", a new answer's id)."""
    return UUIDISH.sub("ID", html)


def tokens_of(client: Client, page: str) -> list[str]:
    """The anti-forgery tokens in `page` that belong to `client` (pages carry them masked)."""
    secret = client.cookies["csrftoken"].value
    masked = re.findall(r"[A-Za-z0-9]{64}", page)
    return [token for token in masked if _unmask_cipher_token(token) == secret]


def assert_served_as_rendered_whole(client: Client, url: str, whole, why: str = "") -> None:
    """GET `url`: the page must equal `whole(request, token)`, a render of the same request
    with nothing reused (random ids aside), and hold no slot."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert ids_blanked(page) == ids_blanked(whole(response.wsgi_request, token)), why or url
    assert "\ue000" not in page and "\ue001" not in page


@pytest.mark.parametrize("arrange", READERS, ids=lambda f: f.__name__)
def test_each_reader_gets_the_page_a_whole_render_of_their_own_request_gives(arrange):
    client = Client()
    arrange(client)
    views._pages.clear()
    reflections._at_rest.clear()
    for attempt in ("first, frames rendered", "second, frames reused"):
        assert_served_as_rendered_whole(client, LESSON, rendered_whole, attempt)


def test_nothing_of_one_reader_reaches_a_page_served_to_another():
    views._pages.clear()
    reflections._at_rest.clear()
    first, second, stranger = Client(), Client(), Client()
    mine = save(first, "first-reader-marker-8812 <i>mine</i>")
    set_passcode(first, lock_after=5)
    first.post(f"{LESSON}progress/", {**AGREE, "done": "1"})
    assert "first-reader-marker-8812" in first.get(LESSON).content.decode()  # frames made now

    # The same kind of reader (an answer, a passcode, the lesson done) and a first-time one.
    theirs = save(second, "second-reader-words")
    set_passcode(second, lock_after=5)
    second.post(f"{LESSON}progress/", {**AGREE, "done": "1"})
    pages = {"second": second.get(LESSON), "stranger": stranger.get(LESSON)}

    for who, response in pages.items():
        page = response.content.decode()
        assert "first-reader-marker-8812" not in page, who
        assert str(mine.id) not in page, who
        assert not tokens_of(first, page), who
    second_page = pages["second"].content.decode()
    assert "second-reader-words" in second_page and str(theirs.id) in second_page
    assert 'data-lock-after="5"' in second_page and "You finished this lesson." in second_page
    stranger_page = pages["stranger"].content.decode()
    assert "data-lock-after" not in stranger_page and "Lock now" not in stranger_page
    assert "You finished this lesson." not in stranger_page


def test_two_readers_served_from_one_frame_each_get_their_own_space_marker():
    """The marker a writing form carries says which space its page was made for: filled in
    per request, never part of a frame, or a save (or reading progress) could go to the
    other reader's space."""
    views._pages.clear()
    reflections._at_rest.clear()
    journal._journal_pages.clear()
    first, second = Client(), Client()
    spaces = {first: save(first, "First").space_id, second: save(second, "Second").space_id}
    assert space_marker(spaces[first]) != space_marker(spaces[second])

    for url in (LESSON, "/journal/"):
        frames = []
        for client, other in ((first, second), (second, first)):
            page = client.get(url).content.decode()
            frames.append(
                (len(views._pages), len(journal._journal_pages), len(reflections._at_rest))
            )
            markers = re.findall(r'name="space" value="([^"]*)"', page)
            assert markers and set(markers) == {space_marker(spaces[client])}, url
            assert space_marker(spaces[other]) not in page, url
            if url == LESSON:  # the progress panel's form, which reading posts send too
                panel = page[page.index('id="lesson-progress"') :]
                assert f'name="space" value="{space_marker(spaces[client])}"' in panel
        assert frames[0] == frames[1]  # the second reader's page came from the first's frames


def test_each_framed_page_s_log_in_link_comes_back_to_that_page_and_no_other():
    """ "Log in" carries the page it is on: rendered into the frame of each page and kind of
    reader, it must name that page, whichever page or reader the frames were made for first."""
    views._pages.clear()
    journal._journal_pages.clear()
    guest = Client()
    save(guest, "An answer")
    urls = ["/journal/"] + [
        f"/lessons/{lesson.module_slug}/{lesson.slug}/" for lesson in get_catalog().lessons[:3]
    ]

    for client in (Client(), guest, Client()):  # the second stranger reuses the first's frames
        for url in urls:
            page = client.get(url).content.decode()
            # (An empty journal has a second, in its text: it names the journal too.)
            assert set(re.findall(r'href="/accounts/login/([^"]*)"', page)) == {f"?next={url}"}, url


def test_a_page_filled_as_bytes_is_the_utf8_of_the_page_filled_as_text():
    frame = Frame.of(f"<p>Don’t rush… {slot('token')}</p><p>{slot('words')}</p>")
    values = {"token": "abc", "words": "café שלום 🌱"}

    assert frame.fill_bytes(values) == frame.fill(values).encode()
    assert frame.fill_bytes(values).decode().endswith("🌱</p>")


@pytest.mark.parametrize("stray", ["\ue000", "\ue001"])
def test_a_stray_marker_in_a_page_is_refused_not_joined_to_a_slot(stray):
    # One in the text before a slot would make the text up to it part of the slot's name.
    with pytest.raises(ValueError, match="private-use character"):
        Frame.of(f"<p>An icon {stray} here.</p><p>{slot('token')}</p>")


def test_a_readers_own_words_are_filled_in_as_text_never_read_as_slots():
    client = Client()
    save(client, "\ue000token\ue001 and \ue000progress\ue001 <script>x</script>")

    page = client.get(LESSON).content.decode()

    assert "\ue000token\ue001 and \ue000progress\ue001 &lt;script&gt;x&lt;/script&gt;" in page


def test_the_journal_shows_its_writing_box_and_each_card_from_frames():
    client = Client()
    entry = save(client, "Card text <em>kept as typed</em>\n\nA second paragraph")
    save(client, "Another answer")
    views._pages.clear()

    for _ in range(2):  # frames rendered, then reused
        page = client.get("/journal/").content.decode()

        assert page.count('<form class="reflection__form"') == 1  # the free-writing box
        assert page.count('<article class="entry"') == 2
        assert (
            "<p>Card text &lt;em&gt;kept as typed&lt;/em&gt;</p>\n\n<p>A second paragraph</p>"
            in page
        )
        assert (
            f'id="entry-{entry.id}"' in page and f'href="/journal/entries/{entry.id}/?edit"' in page
        )
        assert "\ue000" not in page


def test_readers_whose_pages_match_but_whose_boxes_differ_get_their_own_boxes():
    """An empty lesson is cached per reader, not per page: the agreement tick sits in the
    boxes only, so a browser that agreed (its space since deleted) and a first-time reader
    share a page frame but not the boxes."""
    views._pages.clear()
    reflections._at_rest.clear()
    agreed = Client()
    save(agreed, "Soon gone")
    Entry.objects.all().delete()
    session = agreed.session
    del session[SESSION_KEY]  # as after the space was erased, the agreement kept
    session.save()

    # The tick, not the progress buttons' agreement (which any page without a space carries).
    tick = 'type="checkbox" name="agree"'
    assert tick not in agreed.get(LESSON).content.decode()
    assert tick in Client().get(LESSON).content.decode()


def test_a_saves_answer_from_a_frame_is_the_whole_render_of_it():
    client = Client()
    entry = save(client, "First words")  # creates the space: that answer is rendered whole
    reflections._at_rest.clear()
    answers = []
    marker = space_marker(entry.space_id)  # the first answer gave the page its space's marker
    for seq, text in enumerate(["Second <words>", "Third & last"], start=1):
        data = {"body": text, "entry": str(entry.id), "version": 1, "writer": "w", "seq": seq}
        response = client.post(f"/journal/prompts/{PROMPT}/", {**data, "space": marker}, headers=HX)
        answers.append(response.content.decode())
    entry.refresh_from_db()
    box = reflections.for_prompt(
        get_catalog().prompts[PROMPT][1],
        answers_for_prompts(space_id=entry.space_id, prompt_ids=[PROMPT])[PROMPT],
    ).mark_saved(entry)
    whole = render_to_string(reflections.STATUS, {"r": box, "oob": True}, response.wsgi_request)

    assert len(reflections._at_rest) == 1  # the frame the first made
    assert answers[1] == whole  # and the second came from it
    assert f'value="{entry.id}"' in whole and 'name="version" id=' in whole
    assert entry.version == 3 and 'value="3" hx-swap-oob' in whole
    assert f'datetime="{entry.updated.isoformat()}"' in whole
    assert f">{entry.updated:%H:%M} UTC</time>" in whole
    assert "\ue000" not in answers[0] + answers[1]


@pytest.mark.parametrize(
    "value",
    [12345, "<b>a & b</b>", "\"quoted\" 'single'", "\ue000slot\ue001", "", mark_safe("<i>ok</i>")],
)
def test_values_filled_into_frames_print_as_the_template_prints_them(value):
    from django.template import Context
    from django.template.base import render_value_in_context

    assert reflections._printed(value) == render_value_in_context(value, Context())


@pytest.mark.parametrize("hour, minute", [(0, 0), (9, 5), (23, 59), (12, 30)])
def test_a_box_s_clock_is_the_date_filter_s(hour, minute):
    from datetime import UTC, datetime

    from django.utils.dateformat import format as date_filter

    moment = datetime(2026, 11, 29, hour, minute, 7, tzinfo=UTC)
    assert reflections.clock(moment) == date_filter(moment, "H:i") == moment.strftime("%H:%M")


def test_a_box_s_label_is_gettext_s_in_each_language_and_forgotten_with_the_settings(settings):
    from django.utils import translation

    from attachment_guide.journal.reflections import FRESH_ANSWER, _translated, translated

    _translated.cache_clear()
    for language in ("en", "de", "en"):
        with translation.override(language):
            assert translated(FRESH_ANSWER) == translation.gettext(FRESH_ANSWER)
    # One label a language (no catalog translates it yet, so the text alone cannot tell).
    assert _translated.cache_info().currsize == 2
    settings.LANGUAGE_CODE = settings.LANGUAGE_CODE  # any setting_changed empties it
    assert _translated.cache_info().currsize == 0


# --- The journal page -------------------------------------------------------------------------


def guest_with_45_entries(client: Client) -> None:
    entry = save(client, "The newest of many")
    Entry.objects.bulk_create(
        Entry(space_id=entry.space_id, prompt_id="", body=f"Free writing {n} <b>&</b>")
        for n in range(44)
    )


JOURNALS = [
    (anonymous, ""),
    (anonymous, "?deleted"),
    (guest_with_an_answer, ""),
    (guest_with_an_answer, "?cleared"),
    (guest_asked_again_after_a_new_notice, ""),
    (guest_with_a_lock_after_five_minutes, "?saved=free-writing"),
    (guest_with_45_entries, ""),
    (guest_with_45_entries, "?page=2"),
    (guest_with_45_entries, "?page=3"),
    (account_with_an_answer, ""),
    (account_without_a_space, ""),
]


def journal_whole(request, token: str) -> str:
    """The journal rendered from the reader's real request, nothing reused."""
    space_id = space_id_for_request(request)
    entries = Entry.objects.owned_by(space_id).with_text().newest_first()
    page = Paginator(entries, journal.ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    cards = [journal.card_html(journal.EntryItem.of(entry)) for entry in page.object_list]
    writer = reflections.for_free_writing()
    if request.GET.get("saved") == writer.key:
        writer.status = "saved"
    ctx = {
        "r": writer,
        "has_space": space_id is not None,
        "csrf_token": token,
    }
    ctx.update(
        page=page,
        cards=mark_safe("".join(f"<li>{card}</li>" for card in cards)),
        query="",
        source=None,
        sources=journal.journal_sources(),
        writer_box=render_to_string(reflections.TEMPLATE, ctx, request),
        deleted="deleted" in request.GET,
        cleared="cleared" in request.GET,
        guest_space_days=settings.GUEST_SPACE_DAYS,
    )
    return render_to_string("journal/index.html", ctx, request)


@pytest.mark.parametrize(
    ("arrange", "query"), JOURNALS, ids=lambda v: getattr(v, "__name__", v) or "-"
)
def test_each_journal_page_is_the_whole_render_of_the_readers_own_request(arrange, query):
    client = Client()
    arrange(client)
    journal._journal_pages.clear()
    reflections._at_rest.clear()
    for attempt in ("first, frames rendered", "second, frames reused"):
        assert_served_as_rendered_whole(client, f"/journal/{query}", journal_whole, attempt)


def test_no_reader_s_journal_reaches_another_and_searches_are_never_framed():
    journal._journal_pages.clear()
    first, second = Client(), Client()
    save(first, "first-journal-marker-3301")
    first.get("/journal/")  # frames made from the first reader's visit
    save(second, "second-journal-words")

    page = second.get("/journal/").content.decode()
    assert "first-journal-marker-3301" not in page and "second-journal-words" in page
    assert not tokens_of(first, page)
    frames = len(journal._journal_pages)
    found = first.post("/journal/", {"q": "marker-3301"}).content.decode()
    assert "marker-3301" in found and len(journal._journal_pages) == frames
    chosen = first.post("/journal/", {"from": "lesson:attachment-basics/what-attachment-is"})
    assert "marker-3301" in chosen.content.decode() and len(journal._journal_pages) == frames


def test_one_reader_moving_between_journal_states_gets_each_state_s_own_page():
    """Frames made for one state (a page number, a deletion notice) are never served for
    another: each visit, in turn and without starting afresh, equals its whole render."""
    client = Client()
    guest_with_45_entries(client)
    journal._journal_pages.clear()
    pages = ("", "?page=2", "?page=3", "?page=999", "?page=abc", "?deleted", "?cleared")
    for query in (*pages, "?page=3&deleted", ""):
        assert_served_as_rendered_whole(client, f"/journal/{query}", journal_whole)
    Entry.objects.all().delete()
    assert_served_as_rendered_whole(client, "/journal/?cleared", journal_whole)


def test_journal_frames_are_per_kind_of_reader():
    journal._journal_pages.clear()
    guest = Client()
    guest_with_a_lock_after_five_minutes(guest)
    guest_page = guest.get("/journal/").content.decode()
    assert "Lock now" in guest_page and tokens_of(guest, guest_page)

    account = Client()
    account_with_an_answer(account)
    page = account.get("/journal/").content.decode()
    assert "Lock now" not in page and "data-lock-after" not in page
    assert ">Account</a>" in page and ">Log in</a>" not in page
    assert not tokens_of(guest, page) and tokens_of(account, page)


def test_the_journal_s_page_links_lead_to_the_journal_from_a_save_error_page_too():
    client = Client()
    guest_with_45_entries(client)
    response = client.post("/journal/write/", {"body": "x" * 50_001})  # too long, no htmx
    assert response.status_code == 422
    page = response.content.decode()
    assert 'href="/journal/?page=2#entries-title"' in page and "x" * 50_001 in page
    assert client.get("/journal/?page=2").status_code == 200


def test_readers_with_nothing_to_exit_share_a_frame_however_long_their_session_lasts():
    """Whether quick exit's pending cookie ends with the browser is said only on a page with
    a space or an account to exit from: readers without one, whose sessions differ only in
    how long they last, get the same frame."""
    readers = []
    for ends_with_browser in (False, True):
        request = RequestFactory().get(LESSON)
        request.user = AnonymousUser()
        request.COOKIES = {}
        request.session = SessionStore()
        request.session[AGREED_KEY] = "an-older-notice"
        if ends_with_browser:
            request.session.set_expiry(0)
        request.resolver_match = None
        readers.append(Reader.of(request, space_id=None, path=LESSON))

    assert readers[0] == readers[1]
