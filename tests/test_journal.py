"""Reflections save themselves into a private journal, and nothing anyone writes is lost."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from attachment_guide.journal.models import MAX_ENTRY_LENGTH, Entry
from attachment_guide.spaces.models import Space
from lessons.content import get_catalog
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
PROMPT = "ab-who-felt-safe"
LESSON_URL = "/lessons/attachment-basics/what-attachment-is/"
ANSWER_URL = f"/journal/prompts/{PROMPT}/"


def save(client, body, *, entry=None, version=0, url=ANSWER_URL, htmx=True, **extra):
    data = {
        **AGREE,
        "body": body,
        "entry": str(entry or uuid.uuid4()),
        "version": version,
        **extra,
    }
    return client.post(url, data, headers=HX if htmx else {})


def send_lesson_form(client, fields: list[tuple[str, str]], lesson=LESSON_URL):
    """Post a lesson's one form as a browser without JavaScript does: every box's fields in
    the order of the page (`journal:answers` tells the boxes apart by that order)."""
    return client.post(
        f"/journal{lesson}",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)


def test_nothing_is_stored_until_the_first_save(client):
    client.get(LESSON_URL)
    client.get("/journal/")

    assert Space.objects.count() == 0
    assert Session.objects.count() == 0


def test_the_first_save_creates_a_private_space_and_says_so_calmly(client):
    response = save(client, "My grandmother's kitchen.")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Saved" in html
    assert "Saved privately." in html
    assert "Only this browser can open it, for 365 days" in html
    assert 'form="reflection-ab-who-felt-safe-keep"' in html  # "only for this visit" instead
    entry = Entry.objects.get()
    assert entry.body == "My grandmother's kitchen."
    assert entry.prompt_id == PROMPT
    assert entry.version == 1
    # The hidden fields come back out of band, so the next autosave builds on this version.
    assert f'value="{entry.id}" hx-swap-oob="true"' in html
    assert 'name="version" id="reflection-ab-who-felt-safe-version" value="1" hx-swap-oob' in html
    assert response.cookies["sessionid"]["max-age"] == 365 * 24 * 60 * 60
    assert response["Cache-Control"] == "no-store, private"


def test_a_saved_answer_is_there_when_the_person_comes_back(client):
    save(client, "The smell of bread.")

    page = client.get(LESSON_URL).content.decode()

    assert ">The smell of bread.</textarea>" in page
    assert "Last saved" in page


def test_later_saves_update_the_same_answer_and_never_conflict_with_themselves(client):
    entry_id = uuid.uuid4()
    for version, text in enumerate(["One", "One two", "One two three"]):
        response = save(client, text, entry=entry_id, version=version)
        assert response.status_code == 200
        assert hidden(response.content.decode(), "version") == str(version + 1)

    entry = Entry.objects.get()
    assert (entry.id, entry.body, entry.version) == (entry_id, "One two three", 3)


def test_a_retried_save_whose_answer_was_lost_is_not_a_conflict(client):
    entry_id = uuid.uuid4()
    save(client, "First words", entry=entry_id, version=0)

    again = save(client, "First words", entry=entry_id, version=0)

    assert again.status_code == 200
    assert Entry.objects.count() == 1


def test_saves_from_one_open_page_never_conflict_with_each_other(client):
    entry_id = uuid.uuid4()
    save(client, "First", entry=entry_id, writer="page-a", seq=1)
    # The answer to that save was lost, so the page still thinks it is on version 0.
    response = save(client, "First, and more", entry=entry_id, version=0, writer="page-a", seq=2)

    assert response.status_code == 200
    assert Entry.objects.get().body == "First, and more"


def test_a_late_older_request_from_the_same_page_does_not_undo_a_newer_one(client):
    entry_id = uuid.uuid4()
    save(client, "Draft", entry=entry_id, writer="page-a", seq=1)
    save(client, "Draft, final words", entry=entry_id, version=1, writer="page-a", seq=3)

    late = save(client, "Draft, fin", entry=entry_id, version=1, writer="page-a", seq=2)

    assert late.status_code == 200
    assert Entry.objects.get().body == "Draft, final words"


def test_an_autosave_never_empties_written_text_but_a_pressed_save_may(client):
    entry_id = uuid.uuid4()
    save(client, "Keep me", entry=entry_id)

    autosave = save(client, "", entry=entry_id, version=1)
    assert autosave.status_code == 422
    assert "the box is empty, and your earlier text is still kept" in autosave.content.decode()
    assert Entry.objects.get().body == "Keep me"

    pressed = save(client, "", entry=entry_id, version=1, intent="save")
    assert pressed.status_code == 200
    assert Entry.objects.get().body == ""


def test_empty_text_creates_nothing(client):
    response = save(client, "   ")

    assert response.status_code == 200
    assert "Nothing to save yet." in response.content.decode()
    assert Entry.objects.count() == 0
    assert Space.objects.count() == 0


def test_a_stale_save_from_another_tab_gets_a_conflict_showing_both_texts(client):
    entry_id = uuid.uuid4()
    save(client, "Written in tab A", entry=entry_id, version=0)
    save(client, "Tab A, later", entry=entry_id, version=1)

    response = save(client, "Written in tab B", entry=entry_id, version=1)

    html = response.content.decode()
    assert response.status_code == 409
    assert "changed on another device or in another tab" in html
    assert "Tab A, later" in html  # the other text, shown beside the textarea that keeps B's
    assert 'name="over_version" value="2"' in html
    assert Entry.objects.get().body == "Tab A, later"


def test_a_conflict_without_javascript_shows_the_page_with_both_texts(client):
    entry_id = uuid.uuid4()
    save(client, "Tab A", entry=entry_id)
    save(client, "Tab A again", entry=entry_id, version=1)

    response = save(client, "Tab B's words", entry=entry_id, version=1, htmx=False)

    html = response.content.decode()
    assert response.status_code == 409
    assert ">Tab B&#x27;s words</textarea>" in html
    assert "Tab A again" in html


def test_choosing_my_text_after_a_conflict_saves_it(client):
    entry_id = uuid.uuid4()
    save(client, "A", entry=entry_id)
    save(client, "A2", entry=entry_id, version=1)

    response = save(client, "B", entry=entry_id, version=1, resolve="mine", over_version=2)

    assert response.status_code == 200
    assert Entry.objects.get().body == "B"


def test_choosing_both_keeps_both_texts_and_mine_becomes_the_current_answer(client):
    entry_id = uuid.uuid4()
    save(client, "A", entry=entry_id)
    save(client, "A2", entry=entry_id, version=1)

    response = save(client, "B", entry=entry_id, version=1, resolve="both")

    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#reflection-{PROMPT}"
    assert sorted(Entry.objects.values_list("body", flat=True)) == ["A2", "B"]
    page = client.get(LESSON_URL).content.decode()
    assert ">B</textarea>" in page
    assert "Your earlier answers" in page and "<p>A2</p>" in page


@pytest.mark.parametrize(
    ("url", "box", "htmx", "said"),
    [
        (ANSWER_URL, PROMPT, True, "Yours is in the box; the other version is under “Your earlier"),
        (
            ANSWER_URL,
            PROMPT,
            False,
            "Yours is in the box; the other version is under “Your earlier",
        ),
        (
            "/journal/write/",
            "free-writing",
            True,
            "Yours is in the box; the other version is still",
        ),
        # Without JavaScript the journal's box comes back empty, both listed below it.
        ("/journal/write/", "free-writing", False, "Each version is now its own entry"),
    ],
)
def test_keep_both_says_where_each_version_is_now(client, url, box, htmx, said):
    """ "Keep both" left the reader's text in the box and made the other version an earlier
    answer, and the status line said only "Saved": nothing said both were kept, or where."""
    entry_id = uuid.uuid4()
    save(client, "A", entry=entry_id, url=url)
    save(client, "A2", entry=entry_id, version=1, url=url)

    both_id = uuid.uuid4()
    response = save(
        client, "B", entry=entry_id, version=1, url=url, htmx=htmx, resolve="both", both_id=both_id
    )

    if not htmx:  # the page the press comes back to says it, as the htmx answer does
        assert response.status_code == 302
        response = client.get(response["Location"])
    html = unescape(response.content.decode())
    status = re.search(rf'id="reflection-{box}-status" role="status".*?</p>', html, re.S).group()
    assert "Both kept." in status and said in status
    if "Yours is in the box" in said:
        assert ">B</textarea>" in html
    else:
        assert "<p>B</p>" in html and "<p>A2</p>" in html
    # Only the answer to that press says it: the next save is a plain "Saved".
    kept = Entry.objects.get(id=both_id)
    again = save(client, "B, more", entry=kept.id, version=kept.version, url=url)
    assert "Both kept" not in again.content.decode()


@pytest.mark.parametrize("htmx", [True, False])
def test_keep_both_on_an_entry_s_page_says_where_the_other_version_is(client, htmx):
    """On an entry's own page, "Keep both" opens the page of the copy just kept, and that
    page says the other version is under the question's other answers."""
    first = save(client, "A")
    entry = Entry.objects.get()
    save(client, "A2", entry=entry.id, version=1)  # changed in another tab
    url = f"/journal/entries/{entry.id}/"

    both_id = uuid.uuid4()
    response = save(
        client, "B", entry=entry.id, version=1, url=url, htmx=htmx, resolve="both", both_id=both_id
    )

    assert first.status_code == 200
    copy = Entry.objects.get(id=both_id)
    location = response["HX-Redirect"] if htmx else response["Location"]
    assert location.startswith(f"/journal/entries/{copy.id}/?")
    html = unescape(client.get(location).content.decode())
    assert "Both kept. Yours is in the box; the other version is under “Your other answers" in html
    assert "<p>A2</p>" in html  # and there it is
    assert "Both kept" not in client.get(f"/journal/entries/{copy.id}/").content.decode()


def test_keep_both_pressed_twice_still_makes_one_copy(client):
    entry_id, both_id = uuid.uuid4(), uuid.uuid4()
    save(client, "A", entry=entry_id)
    save(client, "A2", entry=entry_id, version=1)

    for _ in range(2):
        save(client, "B", entry=entry_id, version=1, resolve="both", both_id=both_id)

    assert sorted(Entry.objects.values_list("body", flat=True)) == ["A2", "B"]


def test_keep_both_with_over_long_text_gets_the_length_message_not_an_error(client):
    entry_id = uuid.uuid4()
    save(client, "A", entry=entry_id)
    save(client, "A2", entry=entry_id, version=1)

    response = save(client, "x" * (MAX_ENTRY_LENGTH + 5), entry=entry_id, version=1, resolve="both")

    assert response.status_code == 422
    assert "the limit is 50,000" in response.content.decode()
    assert Entry.objects.count() == 1


def test_an_over_long_first_save_creates_no_space(client):
    response = save(client, "x" * (MAX_ENTRY_LENGTH + 1))

    assert response.status_code == 422
    assert Space.objects.count() == 0
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    ("url", "box"), [("/journal/write/", "free-writing"), (ANSWER_URL, PROMPT)]
)
def test_without_javascript_an_empty_save_says_there_is_nothing_to_save(client, url, box):
    response = save(client, "", url=url, htmx=False)

    status = response.content.decode().split(f'id="reflection-{box}-status"')[1]
    box = status.split("</p>")[0]
    assert response.status_code == 200
    assert "Nothing to save yet." in box and "Saved" not in box
    assert Entry.objects.count() == 0


def test_choosing_the_other_text_puts_it_in_the_box(client):
    entry_id = uuid.uuid4()
    save(client, "A", entry=entry_id)
    save(client, "A2", entry=entry_id, version=1)

    response = save(client, "B", entry=entry_id, version=1, resolve="theirs")

    assert ">A2</textarea>" in response.content.decode()
    assert Entry.objects.get().body == "A2"


def test_starting_a_fresh_answer_keeps_the_earlier_one_then_and_now(client):
    entry_id = uuid.uuid4()
    save(client, "How I felt in spring", entry=entry_id)

    response = save(client, "How I felt in spring", entry=entry_id, version=1, intent="fresh")

    html = response.content.decode()
    assert "></textarea>" in html
    assert "Your earlier answers" in html and "How I felt in spring" in html
    save(client, "How I feel now", entry=hidden(html, "entry"), version=0)
    page = client.get(LESSON_URL).content.decode()
    assert ">How I feel now</textarea>" in page
    assert "How I felt in spring" in page
    assert Entry.objects.count() == 2


def test_over_long_text_gets_a_clear_message_and_keeps_the_draft(client):
    entry_id = uuid.uuid4()
    save(client, "short", entry=entry_id)
    too_long = "x" * (MAX_ENTRY_LENGTH + 1)

    response = save(client, too_long, entry=entry_id, version=1)
    page = save(client, too_long, entry=entry_id, version=1, htmx=False)

    assert response.status_code == 422
    assert "the limit is 50,000" in response.content.decode()
    assert "50,001 characters" in response.content.decode()
    assert page.status_code == 422
    assert f">{too_long}</textarea>" in page.content.decode()
    assert Entry.objects.get().body == "short"


def test_without_javascript_a_save_comes_back_to_the_same_prompt(client):
    response = save(client, "Plain form post", htmx=False)

    assert response.status_code == 302
    assert response["Location"] == f"{LESSON_URL}?saved={PROMPT}&new=1#reflection-{PROMPT}"
    page = client.get(response["Location"]).content.decode()
    assert ">Plain form post</textarea>" in page
    assert "Saved" in page


@pytest.mark.parametrize(
    ("url", "page", "box"),
    [(ANSWER_URL, LESSON_URL, PROMPT), ("/journal/write/", "/journal/", "free-writing")],
)
def test_without_javascript_the_first_save_says_where_it_is_kept_and_offers_this_visit_only(
    client, url, page, box
):
    """With htmx, the first save's line says the words are kept in this browser for a while
    and offers "only for this visit"; the page a plain post came back to said only "Saved"."""
    response = save(client, "Plain form post", url=url, htmx=False)

    assert response["Location"] == f"{page}?saved={box}&new=1#reflection-{box}"
    shown = client.get(response["Location"]).content.decode()
    assert "Saved privately. No account needed." in shown
    offer = re.search(
        r'<button type="submit" form="([^"]+)"[^>]*>Keep it only for this visit', shown
    )
    keep = re.search(rf'<form id="{offer.group(1)}" method="post" action="/settings/"', shown)
    assert keep, "the offer's form is on the page"
    assert "Saved privately" not in client.get(page).content.decode()  # the next visit: quiet
    later = save(client, "A second save", url=url, htmx=False)
    assert "new=1" not in later["Location"]

    chosen = client.post("/settings/", {"section": "keep", "keep": "visit", "next": page})

    assert chosen["Location"] == page
    assert client.session.get_expire_at_browser_close()


@pytest.mark.parametrize(
    ("url", "box"), [(ANSWER_URL, PROMPT), ("/journal/write/", "free-writing")]
)
def test_without_javascript_keeping_it_only_for_this_visit_says_so_at_the_box(client, url, box):
    """With htmx the offer's line turns into "This device will forget your space…". Without
    it, the press came back to the page saying only "Last saved", as if nothing had happened;
    and going back to the first save's page offered "only for this visit" again, beside "for
    365 days", after it was chosen."""
    first = client.get(save(client, "Plain form post", url=url, htmx=False)["Location"])
    keep_form = re.search(
        rf'<form id="reflection-{box}-keep".*?</form>', first.content.decode(), re.S
    )
    found = re.findall(r'name="(\w+)" value="([^"]*)"', keep_form.group(0))
    fields = {name: unescape(value) for name, value in found}

    pressed = client.post("/settings/", fields)
    shown = client.get(pressed["Location"]).content.decode()

    assert pressed["Location"].endswith(f"#reflection-{box}")
    assert (
        "This device will forget your space when the browser closes, or after a day without use."
        in shown
    )
    assert "Keep it only for this visit instead" not in shown
    assert "Only this browser can open it" not in shown
    again = client.get(first.request["PATH_INFO"] + "?" + first.request["QUERY_STRING"])
    assert (
        "This device will forget your space when the browser closes, or after a day without use."
        in again.content.decode()
    )


def test_an_answer_to_an_unknown_prompt_is_a_404(client):
    assert save(client, "x", url="/journal/prompts/no-such-prompt/").status_code == 404


def test_the_journal_lists_entries_newest_first_with_question_and_lesson_link(client):
    save(client, "First answer")
    save(client, "Second answer", url="/journal/prompts/rr-after-a-rupture/")
    save(client, "Free words", url="/journal/write/")

    html = client.get("/journal/").content.decode()

    assert html.index("Free words") < html.index("Second answer") < html.index("First answer")
    lesson, prompt = get_catalog().prompts["rr-after-a-rupture"]
    assert prompt.question in html
    assert f'href="/lessons/relational-repair/{lesson.slug}/#reflection-rr-after-a-rupture"' in html
    assert "Free writing" in html


def test_the_journal_and_the_lesson_show_the_same_entry(client):
    entry_id = uuid.uuid4()
    save(client, "Said in the lesson", entry=entry_id)

    client.post(
        f"/journal/entries/{entry_id}/",
        {**AGREE, "body": "Edited in the journal", "version": 1},
        headers=HX,
    )

    assert ">Edited in the journal</textarea>" in client.get(LESSON_URL).content.decode()
    assert "Edited in the journal" in client.get("/journal/").content.decode()


def test_entries_are_edited_in_place(client):
    entry_id = uuid.uuid4()
    save(client, "Before", entry=entry_id)

    editor = client.get(f"/journal/entries/{entry_id}/?edit", headers=HX).content.decode()
    done = client.post(
        f"/journal/entries/{entry_id}/",
        {**AGREE, "body": "After", "version": 1, "intent": "done"},
        headers=HX,
    )

    assert f'id="entry-{entry_id}"' in editor and ">Before</textarea>" in editor
    assert done["HX-Retarget"] == f"#entry-{entry_id}"
    assert "<p>After</p>" in done.content.decode()


def test_deleting_asks_first_then_deletes_for_good(client):
    entry_id = uuid.uuid4()
    save(client, "Let this go", entry=entry_id)

    confirm = client.get(f"/journal/entries/{entry_id}/delete/")
    assert "Delete this entry for good?" in confirm.content.decode()
    # What deleting means is read before the button, not found beside it afterwards.
    page = confirm.content.decode()
    assert page.index("deleted from this site's server too") < page.index(">Delete</button>")
    assert Entry.objects.count() == 1

    response = client.post(f"/journal/entries/{entry_id}/delete/")
    assert response["Location"] == "/journal/?deleted=1"
    assert Entry.objects.count() == 0
    assert "Entry deleted." in client.get("/journal/?deleted=1").content.decode()


def test_the_journal_searches_only_ones_own_entries(client):
    save(client, "Walking by the river helps")
    save(client, "Music helps too", url="/journal/write/")
    other = Client()
    save(other, "The river is someone else's")

    html = client.post("/journal/", {"q": "river"}).content.decode()

    assert "1 entry contains “river”" in html
    assert "Walking by the river helps" in html
    assert "Music helps too" not in html
    assert "someone else" not in html


def test_search_ignores_accents_as_well_as_case(client):
    save(client, "Un café avec Zoë", url="/journal/write/")
    save(client, "Tea with Gran", url="/journal/write/")

    for typed in ["CAFE", "zoe", "Café", "cafe\u0301"]:  # the last: an accent typed apart
        html = client.post("/journal/", {"q": typed}).content.decode()
        assert "1 entry contains" in html and "Un café avec Zoë" in html, typed
        assert "Tea with Gran" not in html


def test_search_terms_never_go_into_the_address(client):
    save(client, "Walking by the river helps")
    save(client, "Music helps too", url="/journal/write/")

    page = client.get("/journal/").content.decode()
    ignored = client.get("/journal/?q=river").content.decode()

    assert '<form class="search" role="search" method="post"' in page
    assert "Music helps too" in ignored  # a search in the URL is not honoured


def test_search_results_are_paginated_without_putting_the_term_in_a_link(client):
    for number in range(25):
        save(client, f"River note {number:02}", url="/journal/write/")

    second = client.post("/journal/", {"q": "river", "page": "2"}).content.decode()

    assert "Page 2 of 2" in second and "River note 00" in second
    assert "q=river" not in second


def test_the_journal_shows_the_entries_from_one_lesson_one_module_or_ones_own_writing(client):
    save(client, "Gran's kitchen")  # What attachment is
    save(
        client, "A steady voice", url="/journal/prompts/ab-a-secure-moment/"
    )  # Attachment patterns
    save(client, "Being listened to", url="/journal/prompts/tr-feeling-heard/")  # another module
    save(client, "Rain on the roof", url="/journal/write/")
    save(Client(), "Someone else's kitchen")

    def shown(choice: str, q: str = "") -> str:
        return client.post("/journal/", {"from": choice, "q": q}).content.decode()

    lesson = shown("lesson:attachment-basics/what-attachment-is")
    assert "1 entry from What attachment is." in lesson and "Gran&#x27;s kitchen" in lesson
    for other in ["A steady voice", "Being listened to", "Rain on the roof", "Someone else"]:
        assert other not in lesson
    assert '<option value="lesson:attachment-basics/what-attachment-is" selected>' in lesson
    module = shown("module:attachment-basics")
    assert "2 entries from Attachment basics." in module
    # Named in full: some screen readers do not say the group an option sits in.
    assert '<option value="module:attachment-basics" selected>All of Attachment basics<' in module
    assert "A steady voice" in module and "Being listened to" not in module
    own = shown("free")
    assert "1 entry from your own writing." in own and "Rain on the roof" in own
    assert "Gran&#x27;s kitchen" not in own
    both = shown("module:attachment-basics", q="voice")
    assert "1 entry from Attachment basics contains “voice”." in both
    assert "A steady voice" in both and "Gran&#x27;s kitchen" not in both
    none = shown("lesson:therapy-relationship/finding-a-therapist")
    assert "0 entries from Finding a therapist." in none and "Nothing here yet" not in none
    # A choice no longer offered (a lesson removed since the page was opened) shows everything.
    gone = shown("lesson:attachment-basics/no-longer-here")
    assert all(body in gone for body in ["A steady voice", "Being listened to", "Rain on the"])
    assert 'value="" selected' not in gone and " selected>" not in gone


def test_entries_from_one_lesson_are_paginated_without_the_choice_in_a_link(client):
    for number in range(25):
        save(client, f"Kitchen note {number:02}", intent="fresh")
    save(client, "Free note", url="/journal/write/")
    choice = "lesson:attachment-basics/what-attachment-is"

    first = client.post("/journal/", {"from": choice}).content.decode()
    second = client.post("/journal/", {"from": choice, "page": "2"}).content.decode()

    assert "25 entries from What attachment is." in first and "Page 1 of 2" in first
    assert f'<input type="hidden" name="from" value="{choice}">' in first  # the next page's form
    assert "Page 2 of 2" in second and "Kitchen note 00" in second
    assert "Free note" not in first + second
    addresses = re.findall(r'(?:href|action)="([^"]*)"', first + second)
    assert addresses and not [a for a in addresses if "from=" in a or "lesson:" in a]


def test_the_journal_is_paginated(client):
    for number in range(25):
        save(client, f"Entry number {number:02}", url="/journal/write/")

    first = client.get("/journal/").content.decode()
    second = client.get("/journal/?page=2").content.decode()

    assert "Entry number 24" in first and "Entry number 05" in first
    assert "Entry number 04" not in first
    assert "Entry number 04" in second and "Entry number 00" in second
    assert "Page 2 of 2" in second


def test_a_signed_in_lesson_view_needs_few_queries(client, django_assert_max_num_queries):
    for number in range(5):
        save(client, f"answer {number}", url="/journal/prompts/ab-when-upset-now/", intent="fresh")
    save(client, "another")

    with django_assert_max_num_queries(4):
        response = client.get(LESSON_URL)

    assert "answer 3" in response.content.decode()


def test_private_pages_are_never_cached(client):
    entry_id = uuid.uuid4()
    save(client, "Private", entry=entry_id)

    for url in [LESSON_URL, "/journal/", f"/journal/entries/{entry_id}/"]:
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_saves_past_the_minute_allowance_wait_and_lose_nothing(client, settings, monkeypatch):
    settings.SAVES_PER_MINUTE = 3
    entry_id = str(uuid.uuid4())

    def autosave(text: str, **extra):
        data = {
            **AGREE,
            "body": text,
            "entry": entry_id,
            "version": 0,
            "writer": "w1",
            "seq": extra.pop("seq"),
        }
        return client.post("/journal/prompts/ab-who-felt-safe/", data, **extra)

    answers = [autosave(f"draft {n}", seq=n, headers={"HX-Request": "true"}) for n in (1, 2, 3)]
    limited = autosave("draft 4", seq=4, headers={"HX-Request": "true"})
    without_js = autosave("draft 4, typed on", seq=5)

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert without_js.status_code == 429
    page = without_js.content.decode()
    assert "draft 4, typed on</textarea>" in page
    assert "saving pauses for a minute" in page
    assert Entry.objects.get(id=entry_id).body == "draft 3"

    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    retried = autosave("draft 4, typed on", seq=6, headers={"HX-Request": "true"})

    assert retried.status_code == 200
    assert Entry.objects.get(id=entry_id).body == "draft 4, typed on"


def test_one_space_hitting_its_allowance_never_slows_another(client, settings):
    settings.SAVES_PER_MINUTE = 1
    client.post("/journal/write/", {**AGREE, "body": "a", "entry": str(uuid.uuid4()), "version": 0})
    assert (
        client.post(
            "/journal/write/", {**AGREE, "body": "b", "entry": str(uuid.uuid4()), "version": 0}
        ).status_code
        == 429
    )

    other = Client()
    response = other.post(
        "/journal/write/", {**AGREE, "body": "c", "entry": str(uuid.uuid4()), "version": 0}
    )

    assert response.status_code == 302


def test_a_request_body_over_the_server_limit_gets_a_400_page_in_the_site_design(client, settings):
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post("/journal/write/", {**AGREE, "body": body, "entry": str(uuid.uuid4())})

    assert response.status_code == 400
    assert "That could not be sent" in response.content.decode()
    assert Entry.objects.count() == 0


def test_a_save_after_the_space_was_deleted_elsewhere_keeps_the_text_in_a_new_space(client):
    save(client, "First words.")
    Space.objects.all().delete()  # as the retention command would, while a tab stayed open

    response = save(client, "Words written after it was gone.")

    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert Entry.objects.get().body == "Words written after it was gone."
    assert Space.objects.count() == 1


def test_a_save_refused_for_its_conflict_is_not_counted_against_the_allowance(client, settings):
    settings.SAVES_PER_MINUTE = 2
    first = uuid.uuid4()
    save(client, "Mine.", entry=first)  # counts 1 (the space is made by it)
    Entry.objects.filter(id=first).update(version=5)  # changed in another tab
    for _ in range(3):
        assert save(client, "Stale tab.", entry=first, version=1).status_code == 409

    assert save(client, "Second answer.").status_code == 200
    assert Space.objects.get().save_count == 2


def test_agreement_and_activity_are_recorded_even_when_the_save_meets_a_conflict(client):
    """The database and the browser agree on both: the person ticked the box and was here,
    whatever became of the save (a conflict is resolved afterwards)."""
    from attachment_guide.safety.notice import NOTICE_VERSION
    from attachment_guide.spaces.services import AGREED_KEY, TOUCHED_KEY

    first = uuid.uuid4()
    save(client, "Mine.", entry=first)
    long_ago = timezone.now() - timedelta(days=30)
    Space.objects.update(notice_version="an-older-notice", consented_at=None, last_saved=long_ago)
    session = client.session
    session[AGREED_KEY], session[TOUCHED_KEY] = "an-older-notice", "2000-01-01"
    session.save()
    Entry.objects.filter(id=first).update(version=5)  # changed in another tab

    assert save(client, "Stale tab.", entry=first, version=1).status_code == 409

    space = Space.objects.get()
    assert space.notice_version == NOTICE_VERSION and space.consented_at is not None
    assert space.last_saved > long_ago
    assert client.session[AGREED_KEY] == NOTICE_VERSION
    assert client.session[TOUCHED_KEY] == timezone.localdate().isoformat()


def test_without_javascript_saving_an_entry_deleted_in_another_tab_keeps_the_text(client):
    """The entry was deleted in another tab (or the browser was signed out) while this one
    was being changed: the page that answers holds the text, ready to keep as a new entry,
    instead of a 'page not found' that says nothing was lost while the words are gone."""
    entry_id = uuid.uuid4()
    save(client, "Before", entry=entry_id)
    Entry.objects.filter(id=entry_id).delete()  # "Delete" pressed in another tab

    response = client.post(
        f"/journal/entries/{entry_id}/", {"body": "Words typed since", "version": 1}
    )

    html = response.content.decode()
    assert response.status_code == 404
    assert ">Words typed since</textarea>" in html
    assert (
        'action="/journal/write/#reflection-free-writing"' in html
    )  # one press keeps it as a new entry
    assert "was deleted, or cannot be reached from this browser" in html
    kept = client.post(
        "/journal/write/",
        {"body": "Words typed since", "entry": hidden(html, "entry"), "version": 0},
    )
    assert kept.status_code == 302
    assert Entry.objects.get().body == "Words typed since"


def test_without_javascript_a_lesson_s_save_keeps_a_removed_question_s_words_too(client):
    """A lesson's one form sends every box: one whose question a content update took out
    while the page was open comes back, ready to keep as free writing, once the rest is kept."""
    from attachment_guide.journal.reflections import text_digest

    save(client, "A first answer")  # this browser has a space and has agreed
    empty = text_digest("")
    fields = [
        ("box", f"a-question-since-removed {empty}"),
        ("body", "Still mine"),
        ("version", "0"),
        ("box", f"ab-when-upset-now {empty}"),
        ("body", "Kept with the press"),
        ("version", "0"),
        ("intent", "save"),
    ]

    response = send_lesson_form(client, fields)

    html = response.content.decode()
    assert response.status_code == 404
    assert ">Still mine</textarea>" in html
    assert "no longer in the lessons" in html
    assert Entry.objects.get(prompt_id="ab-when-upset-now").body == "Kept with the press"


def test_without_javascript_a_refused_lesson_save_still_holds_a_removed_question_s_words(client):
    """One press, one box refused (a conflict) and one whose question was since removed: the
    lesson comes back to say why, and the removed question's words come back on it too, in a
    box of the page's one form, so the next press keeps them as free writing."""
    from attachment_guide.journal.reflections import text_digest

    entry_id = uuid.uuid4()
    save(client, "A first answer", entry=entry_id)
    Entry.objects.filter(id=entry_id).update(version=5)  # changed in another tab
    empty = text_digest("")
    fields = [
        ("box", f"a-question-since-removed {empty}"),
        ("body", "Still mine"),
        ("version", "0"),
        ("box", f"{PROMPT} {text_digest('A first answer')}"),
        ("body", "Changed here"),
        ("entry", str(entry_id)),
        ("version", "1"),
        ("intent", "save"),
    ]

    response = send_lesson_form(client, fields)

    html = response.content.decode()
    assert response.status_code == 409
    assert ">Changed here</textarea>" in html
    kept = re.search(r'<textarea[^>]*form="lesson-answers"[^>]*>Still mine</textarea>', html)
    assert kept is not None
    assert "no longer in the lessons" in html
    boxes = re.findall(
        r'name="box" value="([^" ]*) [^"]*" form="lesson-answers"', html[: kept.start()]
    )
    assert boxes[-1] not in (PROMPT, "a-question-since-removed")  # sent again: kept as new
    again = [
        ("box", f"{PROMPT} {text_digest('A first answer')}"),
        ("body", "Changed here"),
        ("entry", str(entry_id)),
        ("version", "1"),
        ("over_version", "5"),
        ("resolve", "mine"),
        ("box", f"{boxes[-1]} {empty}"),
        ("body", "Still mine"),
    ]
    kept_all = send_lesson_form(client, again)
    assert Entry.objects.get(id=entry_id).body == "Changed here"
    assert ">Still mine</textarea>" in kept_all.content.decode()  # the free-writing box


def test_without_javascript_a_save_from_a_lesson_since_removed_keeps_its_words(client):
    """A content update took the whole lesson out (or renamed it) while its page was open:
    what its boxes held comes back, ready to keep as free writing, not on "page not found"."""
    from attachment_guide.journal.reflections import text_digest

    save(client, "A first answer")
    empty = text_digest("")
    fields = [
        ("box", f"an-old-question {empty}"),
        ("body", "First words"),
        ("version", "0"),
        ("box", f"another-old-question {empty}"),
        ("body", "Second words"),
        ("version", "0"),
        ("intent", "save"),
    ]

    response = send_lesson_form(client, fields, lesson="/lessons/attachment-basics/gone-now/")

    html = response.content.decode()
    assert response.status_code == 404
    assert ">First words\n\nSecond words</textarea>" in html
    assert "no longer in the lessons" in html


def test_without_javascript_a_conflict_resolved_after_its_entry_went_keeps_every_box(client):
    """ "Keep the other version" pressed in one box of a lesson's one form, whose other
    version was deleted in another tab meanwhile: that box keeps its text and says the entry
    is gone, and the other boxes' words are saved, not lost to "page not found"."""
    from attachment_guide.journal.reflections import text_digest

    save(client, "A first answer")
    deleted = str(uuid.uuid4())
    empty = text_digest("")
    fields = [
        ("box", f"{PROMPT} {text_digest('Their version')}"),
        ("body", "Mine, to keep"),
        ("entry", deleted),
        ("version", "1"),
        ("over_version", "2"),
        ("both_id", str(uuid.uuid4())),
        ("resolve", "theirs"),
        ("box", f"ab-when-upset-now {empty}"),
        ("body", "Typed in the next box"),
        ("version", "0"),
    ]

    response = send_lesson_form(client, fields)

    html = response.content.decode()
    assert ">Mine, to keep</textarea>" in html
    assert "cannot be reached from this browser any more" in html
    assert Entry.objects.get(prompt_id="ab-when-upset-now").body == "Typed in the next box"
    held = re.search(rf'name="box" value="{PROMPT} ([^"]*)"', html).group(1)
    entry = re.search(rf'id="reflection-{PROMPT}-entry" value="([^"]*)"', html).group(1)
    again = [("box", f"{PROMPT} {held}"), ("body", "Mine, to keep"), ("entry", entry)]
    send_lesson_form(client, [*again, ("version", "0"), ("intent", "save")])
    answers = {entry.body for entry in Entry.objects.filter(prompt_id=PROMPT)}
    assert answers == {"A first answer", "Mine, to keep"}  # kept as new, beside the first


def test_without_javascript_an_answer_to_a_question_since_removed_keeps_the_text(client):
    """A content update took the question out while its page was open: the text comes back,
    ready to keep as free writing, not on a 'page not found' that says nothing was lost."""
    save(client, "A first answer")  # this browser has a space and has agreed

    response = client.post(
        "/journal/prompts/a-question-since-removed/", {"body": "Still mine", "version": 0}
    )

    html = response.content.decode()
    assert response.status_code == 404
    assert ">Still mine</textarea>" in html
    assert 'action="/journal/write/#reflection-free-writing"' in html
    assert "no longer in the lessons" in html
    kept = client.post(
        "/journal/write/", {"body": "Still mine", "entry": hidden(html, "entry"), "version": 0}
    )
    assert kept.status_code == 302
    assert Entry.objects.filter(prompt_id="").get().body == "Still mine"


def test_an_autosave_asked_to_agree_again_brings_the_tick_it_asks_for(client):
    """A tab opened after agreeing has no tick. If this browser then has to agree again (a
    newer privacy notice; signed out or everything deleted in another tab), the autosave is
    refused with 'tick the box just above': the answer must bring that box, or the text in
    the tab can never be saved from it."""
    from attachment_guide.spaces.services import AGREED_KEY

    entry_id = uuid.uuid4()
    save(client, "Agreed and saved", entry=entry_id)
    page = client.get(LESSON_URL).content.decode()
    assert 'name="agree"' not in page  # the tab as it was opened
    session = client.session
    session[AGREED_KEY] = "an-older-notice"
    session.save()

    refused = client.post(
        ANSWER_URL, {"body": "Typed on", "entry": str(entry_id), "version": 1}, headers=HX
    )

    html = refused.content.decode()
    assert refused.status_code == 422
    assert "tick the box just above" in html
    agreement = re.search(
        rf'<div id="reflection-{PROMPT}-agreement"[^>]*hx-swap-oob="true"[^>]*>(.*?)</div>',
        html,
        re.S,
    )
    assert agreement and 'type="checkbox" name="agree"' in agreement.group(1)
    assert "hx-preserve" in agreement.group(1)  # a tick already on the page stays as it is
    assert f'id="reflection-{PROMPT}-agreement"' in page  # where it goes on the page
    assert Entry.objects.get().body == "Agreed and saved"


def test_leaving_a_conflict_twice_keeps_the_newest_words_of_the_page(client):
    """Hiding the tab in the middle of a conflict sends the text as 'Keep both' (the beacon).
    Typing on and leaving again sends it again, with the same copy's id: that copy is this
    page's own and takes the newer text, instead of a conflict nobody sees (the last words
    would be lost when the tab is then closed)."""
    entry_id, both_id = uuid.uuid4(), uuid.uuid4()
    save(client, "A", entry=entry_id)
    save(client, "A2", entry=entry_id, version=1)
    beacon = {"entry": entry_id, "version": 1, "resolve": "both", "both_id": both_id}

    first = save(client, "B", writer="page-b", seq=5, htmx=False, **beacon)
    second = save(client, "B, and more", writer="page-b", seq=6, htmx=False, **beacon)

    assert first.status_code == 302 and second.status_code == 302
    assert sorted(Entry.objects.values_list("body", flat=True)) == ["A2", "B, and more"]


def test_a_request_number_too_large_to_store_is_ignored_not_a_server_error(client):
    entry_id = uuid.uuid4()
    response = save(client, "Kept", entry=entry_id, writer="page-a", seq=str(10**20))

    assert response.status_code == 200
    assert Entry.objects.get(id=entry_id).body == "Kept"


def a_conflict_whose_other_version_is_then_deleted(client, url=ANSWER_URL) -> uuid.UUID:
    """An answer saved in tab A, changed there again, then deleted in a third tab: tab B,
    still on the first version, meets the conflict and is about to choose."""
    entry_id = uuid.uuid4()
    save(client, "Tab A", entry=entry_id, url=url)
    save(client, "Tab A again", entry=entry_id, version=1, url=url)
    Entry.objects.filter(id=entry_id).delete()  # "Delete" pressed in another tab meanwhile
    return entry_id


@pytest.mark.parametrize(
    ("url", "box"), [(ANSWER_URL, PROMPT), ("/journal/write/", "free-writing")]
)
def test_without_javascript_keep_the_other_version_after_it_went_keeps_the_text(client, url, box):
    """ "Keep the other version" pressed in a lone box, whose other version was deleted in
    another tab meanwhile: the answer was a bare "page not found", and the words typed in
    the box were gone with it."""
    entry_id = a_conflict_whose_other_version_is_then_deleted(client, url)

    response = save(
        client, "Tab B's words", entry=entry_id, version=1, url=url, htmx=False, resolve="theirs"
    )

    html = response.content.decode()
    assert response.status_code == 404
    assert f'id="reflection-{box}-body"' in html
    assert ">Tab B&#x27;s words</textarea>" in html
    assert "the entry you were changing was deleted" in html
    assert "press Save to keep it as a new entry" in html
    assert "Keep both" not in html  # the choice is over: there is nothing else to keep
    new_id = re.search(rf'id="reflection-{box}-entry" value="([^"]*)"', html).group(1)
    assert new_id != str(entry_id)
    kept = save(client, "Tab B's words", entry=new_id, version=0, url=url, htmx=False)
    assert kept.status_code == 302
    assert Entry.objects.get().body == "Tab B's words"


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(
    ("url", "box"), [(ANSWER_URL, PROMPT), ("/journal/write/", "free-writing")]
)
def test_keep_both_after_the_other_version_went_keeps_the_words_sent(client, url, box, htmx):
    """ "Keep both" after the other version was deleted in another tab: both cannot be kept,
    but the words sent can, and that is what the reader asked for. It also keeps words a
    leaving page sends in the background with its choice (which nobody is there to see
    refused)."""
    entry_id = a_conflict_whose_other_version_is_then_deleted(client, url)
    both_id = uuid.uuid4()

    response = save(
        client,
        "Tab B's words",
        entry=entry_id,
        version=1,
        url=url,
        htmx=htmx,
        resolve="both",
        both_id=both_id,
    )

    kept = Entry.objects.get()
    assert (kept.id, kept.body) == (both_id, "Tab B's words")
    if htmx:
        html = response.content.decode()
        assert response.status_code == 200
        assert ">Tab B&#x27;s words</textarea>" in html
        assert "Saved" in html
        assert "The other version was deleted on another device or in another tab" in html
        assert "Keep both" not in html and "Both kept" not in html
    else:
        assert response.status_code == 302
        assert f"saved={box}" in response["Location"]
        # the page it goes back to says why only one version is kept, as with htmx
        page = client.get(response["Location"]).content.decode()
        assert "The other version was deleted on another device or in another tab" in page


@pytest.mark.parametrize("resolve", ["both", "theirs"])
def test_without_javascript_a_conflict_resolved_on_an_entry_page_after_it_went_keeps_the_text(
    client, resolve
):
    """The entry page edits one entry; gone, it cannot hold the words, nor tell which
    question they answered: they come back in the free-writing box, one press from kept."""
    entry_id = a_conflict_whose_other_version_is_then_deleted(client)

    response = client.post(
        f"/journal/entries/{entry_id}/",
        {"body": "Tab B's words", "version": 1, "both_id": str(uuid.uuid4()), "resolve": resolve},
    )

    html = response.content.decode()
    assert response.status_code == 404
    assert ">Tab B&#x27;s words</textarea>" in html
    assert 'action="/journal/write/#reflection-free-writing"' in html
    assert "the entry you were changing was deleted" in html


def test_keep_the_other_version_after_it_went_gives_the_box_back_by_htmx(client):
    """With htmx a 404 is not swapped: the box kept its conflict panel and said "copy it
    somewhere safe". Now the whole box comes back (409, which htmx swaps) holding the words,
    with the way to keep them."""
    entry_id = a_conflict_whose_other_version_is_then_deleted(client)

    response = save(client, "Tab B's words", entry=entry_id, version=1, resolve="theirs")

    html = response.content.decode()
    assert response.status_code == 409
    assert response["HX-Retarget"] == f"#reflection-{PROMPT}"
    assert response["HX-Reswap"] == "outerHTML"
    assert ">Tab B&#x27;s words</textarea>" in html
    assert "press Save to keep it as a new entry" in html
    assert "data-given-back" in html and "Keep both" not in html
    new_id = hidden(html, "entry")
    assert new_id != str(entry_id)
    assert save(client, "Tab B's words", entry=new_id, version=0).status_code == 200
    assert Entry.objects.get().body == "Tab B's words"


FORGED = "ab-when-upset-now"  # another question of the same lesson


@pytest.mark.parametrize("htmx", [True, False])
def test_a_save_naming_another_question_s_entry_never_overwrites_it(client, htmx):
    """A save posts its box's entry id; a form changed by hand could name the same person's
    answer to another question, and that answer was overwritten with this box's text."""
    other = uuid.uuid4()
    save(client, "My answer to the first question", entry=other)

    response = save(
        client, "Forged", entry=other, version=1, url=f"/journal/prompts/{FORGED}/", htmx=htmx
    )

    assert response.status_code in (200, 302)
    assert Entry.objects.get(id=other).body == "My answer to the first question"
    assert Entry.objects.get(id=other).prompt_id == PROMPT
    new = Entry.objects.get(prompt_id=FORGED)  # a new answer to the question posted
    assert new.body == "Forged" and new.id != other


def test_a_lesson_s_one_form_naming_another_question_s_entry_never_overwrites_it(client):
    from attachment_guide.journal.reflections import text_digest

    other = uuid.uuid4()
    save(client, "My answer to the first question", entry=other)
    fields = [
        ("box", f"{FORGED} {text_digest('')}"),
        ("body", "Forged"),
        ("entry", str(other)),
        ("version", "1"),
        ("intent", "save"),
    ]

    assert send_lesson_form(client, fields).status_code == 302

    assert Entry.objects.get(id=other).body == "My answer to the first question"
    assert Entry.objects.get(prompt_id=FORGED).body == "Forged"


@pytest.mark.parametrize("resolve", ["both", "theirs"])
def test_a_conflict_choice_naming_another_question_s_entry_copies_and_shows_nothing(
    client, resolve
):
    """ "Keep both" copied the box's text under the other question; "Keep the other version"
    put the other question's answer in this box, whose next save then wrote over it."""
    other = uuid.uuid4()
    save(client, "My answer to the first question", entry=other)

    response = save(
        client,
        "Forged",
        entry=other,
        version=1,
        url=f"/journal/prompts/{FORGED}/",
        resolve=resolve,
    )

    html = response.content.decode()
    assert "My answer to the first question" not in html
    assert ">Forged</textarea>" in html
    assert Entry.objects.get(id=other).body == "My answer to the first question"
    assert Entry.objects.get(id=other).prompt_id == PROMPT
    if resolve == "both":  # the words sent are kept, as their own question's answer
        assert response.status_code == 200
        assert Entry.objects.get(prompt_id=FORGED).body == "Forged"
    else:
        assert response.status_code == 409
        assert not Entry.objects.filter(prompt_id=FORGED).exists()


def test_without_javascript_keeping_a_first_press_only_for_this_visit_still_says_each_saved(
    client,
):
    """A guest's first press under a lesson's one form saved two boxes, and the page after it
    said "Saved" at both. Choosing "only for this visit" there came back to a page that said
    "Saved" at the first box only, as if the second had not been kept."""
    from attachment_guide.journal.reflections import text_digest

    empty = text_digest("")
    fields = [
        ("box", f"{PROMPT} {empty}"),
        ("body", "First box"),
        ("version", "0"),
        ("agree", AGREE["agree"]),
        ("intent", "save"),
        ("box", f"{FORGED} {empty}"),
        ("body", "Second box"),
        ("version", "0"),
    ]
    saved = send_lesson_form(client, fields)
    first = client.get(saved["Location"]).content.decode()
    keep_form = re.search(rf'<form id="reflection-{PROMPT}-keep".*?</form>', first, re.S)
    found = re.findall(r'name="(\w+)" value="([^"]*)"', keep_form.group(0))

    pressed = client.post("/settings/", {name: unescape(value) for name, value in found})
    shown = client.get(pressed["Location"]).content.decode()

    def status(box: str, html: str) -> str:
        return html.split(f'id="reflection-{box}-status"')[1].split("</p>")[0]

    said_saved = '<span class="reflection__saved">Saved'
    assert said_saved in status(FORGED, first)  # as the page after the press said
    assert "This device will forget your space" in status(PROMPT, shown)
    assert said_saved in status(PROMPT, shown)
    assert said_saved in status(FORGED, shown)
    assert pressed["Location"].endswith(f"#reflection-{PROMPT}")


def test_without_javascript_the_largest_lesson_saved_with_every_box_full_is_never_refused(
    client, settings
):
    """Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (400), and the words with it.
    The lesson with the most questions, each box at the length limit in characters a browser
    sends as 12 bytes each (an emoji: 4 bytes of UTF-8, each as "%XX"), pressed as a page
    without JavaScript sends it: it fits the limit, and what `manage.py check` counts on for
    a lesson of that size (lessons.E002) is no less than it is."""
    from attachment_guide.journal.reflections import lesson_form_max_bytes

    lesson = max(get_catalog().lessons, key=lambda lesson: len(lesson.prompts))
    url = f"/lessons/{lesson.module_slug}/{lesson.slug}/"
    page = client.get(url).content.decode()
    full = "😀" * MAX_ENTRY_LENGTH
    fields, pressed = [], False
    for tag in re.findall(r"<(?:input|textarea|button)\b[^>]*form=\"lesson-answers\"[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag).group(1), re.search(r'value="([^"]*)"', tag)
        if tag.startswith("<textarea"):
            fields.append((name, full))
        elif tag.startswith("<button"):
            if not pressed and value.group(1) == "save":
                fields.append((name, "save"))
                pressed = True
        else:
            fields.append((name, unescape(value.group(1))))
    sent = urlencode(fields)

    response = send_lesson_form(client, fields, lesson=url)

    assert len(full.encode()) * 3 == 12 * MAX_ENTRY_LENGTH  # "%F0%9F%98%80" a character
    assert len(sent) > 12 * MAX_ENTRY_LENGTH * len(lesson.prompts)
    assert len(sent) <= lesson_form_max_bytes(len(lesson.prompts))
    assert lesson_form_max_bytes(len(lesson.prompts)) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert response.status_code == 302
    assert [len(entry.body) for entry in Entry.objects.all()] == [MAX_ENTRY_LENGTH] * len(
        lesson.prompts
    )


def test_on_a_second_device_an_empty_journal_says_to_log_in_to_see_the_accounts(client):
    """Back days later on the laptop, not logged in yet: "Nothing saved yet" alone read as if
    everything written on the phone was gone."""
    page = client.get("/journal/").content.decode()

    assert "Nothing saved yet" in page
    assert "Wrote on another device with an account?" in page
    assert '<a href="/accounts/login/?next=/journal/">Log in</a> to see it here.' in page
    save(client, "A guest's own words")  # with writing here, the hint goes with the empty state
    assert "Wrote on another device" not in client.get("/journal/").content.decode()


def test_an_accounts_journal_says_how_an_account_keeps_it_not_how_a_guest_is_kept(client):
    from django.contrib.auth.models import User

    User.objects.create_user("wren", password="a calm river at dawn")
    client.post("/accounts/login/", {"username": "wren", "password": "a calm river at dawn"})
    for _ in range(2):  # empty, then with an entry (a page of another kind: another frame)
        page = client.get("/journal/").content.decode()
        assert "Only your account can open it, on any device where you log in" in page
        assert "if you make one" not in page and "Without an account" not in page
        assert "Wrote on another device" not in page
        save(client, "Words in the account")

    guest = Client().get("/journal/").content.decode()
    assert "your account if you make one" in guest and "Without an account, it is kept" in guest
