"""In Chromium: typing is kept through reloads, restarts, bad networks and two open tabs."""

from __future__ import annotations

import threading
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.signals import request_started
from playwright.sync_api import expect

from attachment_guide.journal.models import Entry
from attachment_guide.safety import notice
from tests.conftest import AGREE_TICK, log_in_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMPT = "ab-who-felt-safe"
LESSON = "/lessons/attachment-basics/what-attachment-is/"
BOX = f"#reflection-{PROMPT}-body"
STATUS = f"#reflection-{PROMPT}-status"


def open_lesson(page, live_server):
    page.goto(live_server.url + LESSON)
    agree(page)
    return page


def agree(page, prompt: str = PROMPT) -> None:
    """Tick the one-time agreement to the privacy notice, when the page still asks for it."""
    box = page.locator(f"#reflection-{prompt} {AGREE_TICK}")
    if box.count():
        box.check()


def type_answer(page, text):
    page.locator(BOX).click()
    page.keyboard.type(text, delay=5)


def bodies():
    return sorted(Entry.objects.values_list("body", flat=True))


def test_ticking_the_agreement_just_after_typing_saves_once(page, live_server):
    """Clicking the tick straight after typing: leaving the box sent the words, and the tick's
    change sent the same words again behind them. That second save wrote a new version of
    nothing, and its plain "Saved" wiped "Saved privately. No account needed." at once."""
    page.goto(live_server.url + LESSON)
    sent = []
    page.on("request", lambda r: r.method == "POST" and PROMPT in r.url and sent.append(r))
    type_answer(page, "Typed, then the tick")

    page.locator(f"#reflection-{PROMPT} {AGREE_TICK}").click()

    expect(page.locator(STATUS)).to_contain_text("Saved privately. No account needed.")
    page.wait_for_timeout(500)  # a save behind it went as soon as the first was answered
    expect(page.locator(STATUS)).to_contain_text("Saved privately. No account needed.")
    # Even where the box's pause of a second went by before the click (a busy machine),
    # nothing went without the tick: one save, with it.
    assert [request.post_data_json.get("agree") for request in sent] == [notice.NOTICE_VERSION]
    assert list(Entry.objects.values_list("body", "version")) == [("Typed, then the tick", 1)]


def test_words_typed_before_the_tick_never_leave_the_browser(page, live_server):
    """Each pause in typing sent the words to be refused for want of the tick: a reader who
    chose not to keep them would rightly believe they had never left the device."""
    page.goto(live_server.url + LESSON)
    sent = []
    page.on("request", lambda r: r.method == "POST" and "/journal/" in r.url and sent.append(r))
    type_answer(page, "Not sure I want this kept")
    page.wait_for_timeout(1500)  # past the box's pause of a second
    page.locator(BOX).blur()

    expect(page.locator(STATUS)).to_have_text(
        "Not saved yet: to keep your answer, tick the box just above. Your text stays here"
        " until you do."
    )
    expect(page.locator(f"{STATUS} .reflection__problem")).to_be_visible()
    page.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Save").click()
    tick = page.locator(f"#reflection-{PROMPT} {AGREE_TICK}")
    expect(tick).to_be_focused()  # Save takes the keyboard to what keeps the words
    page.evaluate(  # the tab hidden: the words are not sent on the way out either
        """() => { Object.defineProperty(document, "visibilityState", {value: "hidden",
        configurable: true}); document.dispatchEvent(new Event("visibilitychange")); }"""
    )
    page.wait_for_timeout(300)
    assert sent == [] and bodies() == []
    expect(page.locator(BOX)).to_have_value("Not sure I want this kept")

    page.keyboard.press("Space")  # on the tick

    expect(page.locator(STATUS)).to_contain_text("Saved privately. No account needed.")
    assert len(sent) == 1 and bodies() == ["Not sure I want this kept"]


@pytest.mark.parametrize("refusal", ["emptied", "too long"])
def test_undoing_what_a_save_refused_says_saved_again(page, live_server, refusal):
    """An emptied box is refused (the earlier text is kept), and so is a paste far too long.
    Undone, the box holds the words kept again; an autosave of words the server holds was
    no longer sent, so the line under the box went on saying "Not saved: the box is empty"
    (or "too long") beside the very words that are saved."""
    open_lesson(page, live_server)
    type_answer(page, "Kept words")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect(page.locator("[data-busy]").first).to_be_hidden()
    box = page.locator(BOX)
    if refusal == "emptied":
        box.press("Control+a")
        box.press("Delete")
        expect(page.locator(STATUS)).to_contain_text("the box is empty", timeout=5000)
    else:
        box.evaluate(
            "(b) => { b.value += 'x'.repeat(50001);"
            " b.dispatchEvent(new Event('input', {bubbles: true})); }"
        )
        expect(page.locator(STATUS)).to_contain_text("characters long", timeout=5000)

    if refusal == "emptied":
        box.press("Control+z")
    else:  # the paste taken out
        box.evaluate(
            "(b) => { b.value = 'Kept words'; b.dispatchEvent(new Event('input', {bubbles: true})); }"
        )

    expect(box).to_have_value("Kept words")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect(page.locator(STATUS)).not_to_contain_text("Not saved")
    assert bodies() == ["Kept words"]


def test_an_answer_saves_itself_and_is_there_after_a_reload(page, live_server, screenshots):
    open_lesson(page, live_server)
    # The first save's "Saved privately" gives way to a plain "Saved" when a pause in the
    # typing saves part of the text first, so every status the line showed is recorded.
    page.evaluate(
        """status => {
            window.statusesShown = [];
            new MutationObserver(() => window.statusesShown.push(status.textContent))
                .observe(status, {childList: true, subtree: true, characterData: true});
        }""",
        page.locator(STATUS).element_handle(),
    )
    type_answer(page, "The old oak tree in the park.")

    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["The old oak tree in the park."])
    shown = page.evaluate("window.statusesShown")
    assert any("Saved privately. No account needed." in text for text in shown), shown
    expect(page.locator(f"#reflection-{PROMPT}-keepline")).to_contain_text(
        "Only this browser can open it"
    )
    page.reload()

    expect(page.locator(BOX)).to_have_value("The old oak tree in the park.")
    expect(page.locator(STATUS)).to_contain_text("Last saved")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.locator(f"#reflection-{PROMPT}").screenshot(path=screenshots / "reflection-saved.png")


def test_the_answer_survives_closing_the_browser_and_stays_private(browser, live_server):
    first = browser.new_context()
    page = open_lesson(first.new_page(), live_server)
    type_answer(page, "Kept across restarts")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    state = first.storage_state()
    first.close()
    # A real browser restart drops cookies that have no expiry; keep only the rest.
    state["cookies"] = [c for c in state["cookies"] if c["expires"] != -1]
    assert any(c["name"] == "sessionid" for c in state["cookies"])

    reopened = browser.new_context(storage_state=state)
    again = open_lesson(reopened.new_page(), live_server)
    expect(again.locator(BOX)).to_have_value("Kept across restarts")
    reopened.close()

    stranger = browser.new_context()
    theirs = open_lesson(stranger.new_page(), live_server)
    expect(theirs.locator(BOX)).to_have_value("")
    theirs.goto(live_server.url + "/journal/")
    expect(theirs.locator("main")).not_to_contain_text("Kept across restarts")
    stranger.close()


# "bad request": Django answers 400 for more than a body too large to read, such as a session
# ended in another tab while the save was on its way; a short answer retries.
@pytest.mark.parametrize("failure", ["network", "server", "bad request"])
def test_a_failed_save_keeps_the_text_says_so_and_saves_when_the_server_is_back(
    page, live_server, failure
):
    open_lesson(page, live_server)

    def fail(route):
        if failure == "network":
            route.abort()
        else:
            route.fulfill(status=400 if failure == "bad request" else 500, body="Failed")

    page.route("**/journal/prompts/**", fail)
    type_answer(page, "Words on a bad day")

    expect(page.locator(STATUS)).to_contain_text("Not saved", timeout=5000)
    expect(page.locator(STATUS)).not_to_contain_text("too long")
    expect(page.locator(BOX)).to_have_value("Words on a bad day")
    assert bodies() == []

    page.unroute("**/journal/prompts/**")

    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=15000)
    expect(page.locator(STATUS)).not_to_contain_text("Not saved")
    assert bodies() == ["Words on a bad day"]


def test_a_screen_reader_hears_each_save_once_and_in_the_reader_s_own_clock(page, live_server):
    """The status line is a live region: each change to it is read out. Each save was said
    twice, first in the server's clock ("Saved 07:52 UTC"), and a save that kept failing said
    "Not saved — will retry" again at every retry."""
    open_lesson(page, live_server)
    page.evaluate(
        """(status) => { window.said = []; const line = document.querySelector(status);
        new MutationObserver(() => window.said.push(line.textContent.replace(/\\s+/g, " ").trim()))
          .observe(line, {childList: true, subtree: true, characterData: true}); }""",
        STATUS,
    )
    type_answer(page, "Heard once")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    said = page.evaluate("window.said")
    assert said and not [line for line in said if "UTC" in line], said

    page.evaluate("window.said = []")
    page.route("**/journal/prompts/**", lambda route: route.abort())
    page.keyboard.type(", then the network went.")
    for _ in range(3):  # the save, then two retries
        page.wait_for_event("requestfailed")
    assert page.evaluate("window.said") == ["Not saved — will retry"]


def test_text_typed_right_before_closing_the_tab_is_not_lost(browser, live_server):
    context = browser.new_context()
    page = open_lesson(context.new_page(), live_server)
    type_answer(page, "First part.")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)

    page.keyboard.type(" Last words before closing.")
    page.close(run_before_unload=True)

    expect_soon(lambda: bodies() == ["First part. Last words before closing."])
    context.close()


def expect_soon(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    assert condition()


def test_two_tabs_on_one_answer_get_the_conflict_view_and_keep_both(
    browser, live_server, screenshots
):
    context = browser.new_context()
    tab_a = open_lesson(context.new_page(), live_server)
    type_answer(tab_a, "Start")
    expect(tab_a.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Start"])
    tab_b = open_lesson(context.new_page(), live_server)
    expect(tab_b.locator(BOX)).to_have_value("Start")

    tab_a.locator(BOX).press("End")
    tab_a.keyboard.type(" from tab A")
    expect(tab_a.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Start from tab A"])
    tab_b.locator(BOX).press("End")
    tab_b.keyboard.type(" from tab B")

    expect(tab_b.locator(STATUS)).to_contain_text(
        "changed on another device or in another tab", timeout=5000
    )
    expect(tab_b.locator(BOX)).to_have_value("Start from tab B")
    expect(tab_b.locator(".conflict__theirs")).to_contain_text("Start from tab A")
    assert bodies() == ["Start from tab A"]
    results = Axe().run(tab_b)
    assert results.violations_count == 0, results.generate_report()
    tab_b.locator(f"#reflection-{PROMPT}").screenshot(path=screenshots / "reflection-conflict.png")

    tab_b.get_by_role("button", name="Keep both").click()

    expect(tab_b.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect(tab_b.locator(STATUS)).to_contain_text(
        "Both kept. Yours is in the box; the other version is under “Your earlier answers”."
    )
    expect(tab_b.locator(BOX)).to_have_value("Start from tab B")
    expect(tab_b.locator(BOX)).to_be_focused()  # so a screen reader reads that line with it
    expect(tab_b.locator(f"#reflection-{PROMPT} .earlier")).to_contain_text("Start from tab A")
    tab_b.locator(f"#reflection-{PROMPT}").screenshot(path=screenshots / "reflection-both.png")
    assert bodies() == ["Start from tab A", "Start from tab B"]
    context.close()


def test_keep_both_after_the_other_version_was_deleted_keeps_the_words(
    browser, live_server, screenshots
):
    """The other version of a conflict was deleted (in a third tab) before "Keep both" was
    pressed: the press ended on "page not found", then on a box asking for one more Save.
    Both cannot be kept now, but the reader's words can, and the box says why only one is."""
    context = browser.new_context()
    tab_a = open_lesson(context.new_page(), live_server)
    type_answer(tab_a, "Start")
    expect_soon(lambda: bodies() == ["Start"])
    tab_b = open_lesson(context.new_page(), live_server)
    expect(tab_b.locator(BOX)).to_have_value("Start")
    tab_a.locator(BOX).press("End")
    tab_a.keyboard.type(" from tab A")
    expect_soon(lambda: bodies() == ["Start from tab A"])
    tab_b.locator(BOX).press("End")
    tab_b.keyboard.type(" from tab B")
    expect(tab_b.locator(STATUS)).to_contain_text(
        "changed on another device or in another tab", timeout=5000
    )
    Entry.objects.all().delete()  # "Delete" pressed in a third tab

    tab_b.get_by_role("button", name="Keep both").click()

    expect(tab_b.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect(tab_b.locator(STATUS)).to_contain_text("yours is kept on its own")
    expect(tab_b.locator(BOX)).to_have_value("Start from tab B")
    expect(tab_b.get_by_role("button", name="Keep both")).to_have_count(0)
    tab_b.locator(f"#reflection-{PROMPT}").screenshot(path=screenshots / "reflection-gone.png")
    assert bodies() == ["Start from tab B"]
    tab_b.locator(BOX).press("End")
    tab_b.keyboard.type(", and more")  # the box goes on saving to the answer kept
    expect_soon(lambda: bodies() == ["Start from tab B, and more"])
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_journal_edits_in_place_and_passes_axe(page, live_server, screenshots, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_lesson(page, live_server)
    type_answer(page, "An answer from the lesson")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)

    page.get_by_role("link", name="Journal").click()
    expect(page.locator("main")).to_contain_text("An answer from the lesson")
    page.locator("#reflection-free-writing-body").fill("Free writing on a calm morning")
    expect(page.locator("#reflection-free-writing-status")).to_contain_text("Saved", timeout=5000)
    page.reload()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=screenshots / f"journal-{width}.png", full_page=True)

    card = page.locator("article.entry", has_text="An answer from the lesson")
    card.get_by_role("link", name="Edit this entry").click()
    editor = page.locator(".entry--editing textarea")
    expect(editor).to_have_value("An answer from the lesson")
    editor.fill("An answer, edited in the journal")
    page.get_by_role("button", name="Done").click()

    expect(page.locator("main")).to_contain_text("An answer, edited in the journal")
    expect(page.locator(".entry--editing")).to_have_count(0)
    open_lesson(page, live_server)
    expect(page.locator(BOX)).to_have_value("An answer, edited in the journal")


def test_without_javascript_the_save_button_posts_and_comes_back_to_the_prompt(
    browser, live_server
):
    context = browser.new_context(java_script_enabled=False)
    page = open_lesson(context.new_page(), live_server)
    page.locator(BOX).fill("Saved with no scripts at all")
    page.locator(f"#reflection-{PROMPT} {AGREE_TICK}").check()

    page.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Save").click()

    assert page.url.endswith(f"?saved={PROMPT}&new=1#reflection-{PROMPT}")
    expect(page.locator(BOX)).to_have_value("Saved with no scripts at all")
    expect(page.locator(STATUS)).to_contain_text("Saved privately. No account needed.")
    assert bodies() == ["Saved with no scripts at all"]
    # The first save's offer works without scripts too.
    page.get_by_role("button", name="Keep it only for this visit instead").click()
    expect(page.locator(STATUS)).to_contain_text("This device will forget your space")
    expect(page.locator(BOX)).to_have_value("Saved with no scripts at all")
    assert next(c for c in context.cookies() if c["name"] == "sessionid")["expires"] == -1
    context.close()


def test_without_javascript_a_refused_save_opens_at_the_box_that_kept_the_words(
    browser, live_server
):
    """The refusal is the whole lesson again: on a phone, opening at its top would leave the
    words and the reason a long scroll away, as if they were lost."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + LESSON)
    page.locator(BOX).fill("Saved before ticking the box")

    page.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Save").click()

    expect(page.locator(STATUS)).to_contain_text("tick the box")
    expect(page.locator(BOX)).to_have_value("Saved before ticking the box")
    expect(page.locator(BOX)).to_be_in_viewport()
    assert bodies() == []
    context.close()


def test_without_javascript_each_box_says_any_save_keeps_every_box(browser, live_server, page):
    """Without scripts nothing saves by itself: each box says so where the reader presses
    Save, and that any Save on the lesson keeps every box (with scripts, no note)."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    still = context.new_page()
    still.goto(live_server.url + LESSON)
    boxes = still.locator("[data-reflection]")
    assert boxes.count() > 1
    # (Playwright's text search skips <noscript>, so the note is found by its class.)
    for n in range(boxes.count()):
        note = boxes.nth(n).locator(".reflection__noscript")
        expect(note).to_be_visible()
        expect(note).to_contain_text("Any Save on this page keeps every box.")
    context.close()

    page.goto(live_server.url + LESSON)
    expect(page.locator("[data-reflection]").first).to_be_visible()
    expect(page.locator(".reflection__noscript")).to_have_count(0)


def test_without_javascript_the_notice_beside_a_tick_opens_in_a_new_tab_and_the_words_stay(
    browser, live_server
):
    """Reading the notice before agreeing to it, the natural step, left the lesson: Back came
    to an empty box. (With scripts the notice opens over the page.)"""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = open_lesson(context.new_page(), live_server)
    page.locator(BOX).fill("Typed before I read the notice")
    # (Playwright's text search skips <noscript>, so the note is read from the label.)
    label = page.locator(f"#reflection-{PROMPT} [data-agreement] label")
    assert "(It opens in a new tab, so what you typed stays here.)" in label.text_content()

    with context.expect_page() as opened:
        label.get_by_role("link", name="privacy notice").click()

    notice = opened.value
    notice.wait_for_load_state()
    expect(notice.get_by_role("heading", name="What is kept")).to_be_visible()
    assert page.url == live_server.url + LESSON
    expect(page.locator(BOX)).to_have_value("Typed before I read the notice")
    context.close()


def test_without_javascript_a_reader_with_a_space_can_still_keep_their_place(
    browser, live_server, page
):
    """Reading is recorded as headings come into view, by script. Without scripts, "Remember
    my place" went once a space was there: Continue stayed on the first lesson read."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    reader = open_lesson(context.new_page(), live_server)
    reader.locator(BOX).fill("Kept without scripts")
    reader.locator(f"#reflection-{PROMPT} {AGREE_TICK}").check()
    press_save(reader, PROMPT)
    expect(reader.locator(STATUS)).to_contain_text("Saved privately")

    reader.goto(live_server.url + SHAKES)
    reader.locator("#lesson-progress button[name=remember]").click()

    expect(reader.locator("#lesson-progress")).to_contain_text(
        "Your place in this lesson is remembered."
    )
    reader.goto(live_server.url + "/")
    expect(reader.locator(".continue")).to_contain_text("How trauma shakes attachment")
    context.close()

    # With scripts, reading counts by itself: no button for it once there is a space.
    open_lesson(page, live_server)
    type_answer(page, "Kept with scripts")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.goto(live_server.url + SHAKES)
    expect(page.get_by_role("button", name="Mark as done")).to_be_visible()
    expect(page.get_by_role("button", name="Remember my place")).to_have_count(0)


SECOND = "ab-when-upset-now"
THIRD = "ab-one-thing-to-soften"


def box_of(page, prompt: str):
    return page.locator(f"#reflection-{prompt}")


def press_save(page, prompt: str) -> None:
    box_of(page, prompt).get_by_role("button", name="Save", exact=True).click()


def test_without_javascript_save_under_one_box_keeps_the_words_of_every_box(
    browser, live_server, screenshots
):
    """A reader with scripts off (Tor Browser's Safest mode) answers two questions, then
    presses the Save under the second: the first answer is kept too."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = open_lesson(context.new_page(), live_server)
    page.locator(BOX).fill("The first answer, written first")
    page.locator(f"#reflection-{SECOND}-body").fill("The second answer, saved with its button")

    press_save(page, SECOND)

    assert page.url.endswith(f"?saved={SECOND}&saved={PROMPT}&new=1#reflection-{SECOND}")
    assert bodies() == [
        "The first answer, written first",
        "The second answer, saved with its button",
    ]
    expect(page.locator(f"#reflection-{SECOND}-status")).to_contain_text(
        "Saved privately. No account needed."
    )
    expect(page.locator(STATUS)).to_contain_text("Saved")
    expect(page.locator(f"#reflection-{THIRD}-status")).not_to_contain_text("Saved")
    expect(page.locator(f"#reflection-{SECOND}-body")).to_be_in_viewport()
    page.screenshot(path=screenshots / "no-js-two-boxes-saved-375.png", full_page=False)
    page.reload()
    expect(page.locator(BOX)).to_have_value("The first answer, written first")
    expect(page.locator(f"#reflection-{SECOND}-body")).to_have_value(
        "The second answer, saved with its button"
    )
    expect(page.locator(f"#reflection-{THIRD}-body")).to_have_value("")
    assert Entry.objects.count() == 2  # the third box, left empty, is nothing
    context.close()


def test_without_javascript_a_refused_box_keeps_its_words_and_the_others_are_saved(
    browser, live_server, screenshots
):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = open_lesson(context.new_page(), live_server)
    too_long = "x" * 50_001
    page.locator(BOX).fill(too_long)
    page.locator(f"#reflection-{SECOND}-body").fill("Short enough to keep")

    press_save(page, SECOND)

    expect(page.locator(STATUS)).to_contain_text(
        "Not saved: this answer is 50,001 characters long, and the limit is 50,000."
    )
    expect(page.locator(BOX)).to_have_value(too_long)
    # It opens at the refused box (the one not pressed), its reason in view too.
    expect(page.locator(BOX)).to_be_in_viewport()
    expect(page.locator(STATUS)).to_be_in_viewport()
    expect(page.locator(f"#reflection-{SECOND}-body")).to_have_value("Short enough to keep")
    expect(page.locator(f"#reflection-{SECOND}-status")).to_contain_text("Saved")
    assert bodies() == ["Short enough to keep"]
    page.screenshot(path=screenshots / "no-js-one-box-refused-375.png", full_page=False)

    # Shortened, and saved from the other box's button: kept, and the second not saved again.
    second = Entry.objects.get()
    page.locator(BOX).fill("Shorter now")
    press_save(page, THIRD)
    expect(page.locator(STATUS)).to_contain_text("Saved")
    assert bodies() == ["Short enough to keep", "Shorter now"]
    assert Entry.objects.get(id=second.id).updated == second.updated
    context.close()


def test_without_javascript_boxes_left_as_they_were_are_not_saved_again(browser, live_server):
    """Nor brought back: an answer deleted in another tab stays deleted when this page, which
    still shows it, saves another box."""
    context = browser.new_context(java_script_enabled=False)
    page = open_lesson(context.new_page(), live_server)
    page.locator(BOX).fill("Kept, then deleted elsewhere")
    page.locator(f"#reflection-{SECOND}-body").fill("Kept and left alone")
    press_save(page, PROMPT)
    assert bodies() == ["Kept and left alone", "Kept, then deleted elsewhere"]
    by_text = {entry.body: entry for entry in Entry.objects.all()}  # stored encrypted
    left_alone = by_text["Kept and left alone"]
    by_text["Kept, then deleted elsewhere"].delete()

    page.locator(f"#reflection-{THIRD}-body").fill("Only this one is new")
    press_save(page, THIRD)

    expect(page.locator(f"#reflection-{THIRD}-status")).to_contain_text("Saved")
    assert bodies() == ["Kept and left alone", "Only this one is new"]
    again = Entry.objects.get(id=left_alone.id)
    assert (again.version, again.updated) == (left_alone.version, left_alone.updated)
    context.close()


def test_without_javascript_a_conflict_in_one_box_is_chosen_with_the_other_boxes_kept(
    browser, live_server
):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = open_lesson(context.new_page(), live_server)
    page.locator(BOX).fill("Shared start")
    press_save(page, PROMPT)
    entry = Entry.objects.get()
    entry.body, entry.version = "Changed in another tab", entry.version + 1
    entry.save()
    page.locator(BOX).fill("Mine, from this tab")
    page.locator(f"#reflection-{SECOND}-body").fill("Another box, fine")

    press_save(page, SECOND)

    expect(page.locator(STATUS)).to_contain_text("changed on another device or in another tab")
    expect(page.locator(BOX)).to_have_value("Mine, from this tab")
    expect(page.locator(f"#reflection-{SECOND}-status")).to_contain_text("Saved")
    assert bodies() == ["Another box, fine", "Changed in another tab"]

    box_of(page, PROMPT).get_by_role("button", name="Keep the text in the box").click()

    expect(page.locator(BOX)).to_have_value("Mine, from this tab")
    expect(page.locator(f"#reflection-{SECOND}-body")).to_have_value("Another box, fine")
    assert bodies() == ["Another box, fine", "Mine, from this tab"]
    context.close()


def test_without_javascript_starting_a_fresh_answer_keeps_what_the_other_boxes_hold(
    browser, live_server
):
    context = browser.new_context(java_script_enabled=False)
    page = open_lesson(context.new_page(), live_server)
    page.locator(BOX).fill("My first answer")
    press_save(page, PROMPT)
    page.locator(BOX).fill("My first answer, added to")
    page.locator(f"#reflection-{SECOND}-body").fill("Written in the box below")

    box_of(page, PROMPT).get_by_role("button", name="Start a fresh answer").click()

    expect(page.locator(BOX)).to_have_value("")
    expect(box_of(page, PROMPT).locator(".earlier")).to_contain_text("My first answer, added to")
    expect(page.locator(f"#reflection-{SECOND}-body")).to_have_value("Written in the box below")
    expect(page.locator(f"#reflection-{SECOND}-status")).to_contain_text("Saved")
    assert bodies() == ["My first answer, added to", "Written in the box below"]
    context.close()


def test_with_javascript_each_box_sends_only_its_own_fields(page, live_server):
    """The page's one form is for pages without scripts: with them, each field is its own
    box's again, and an autosave sends that box alone."""
    open_lesson(page, live_server)
    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if r.method == "POST" else None)
    own = page.evaluate(
        """() => Array.from(document.querySelectorAll("form[data-reflection]")).map(form => ({
            names: Array.from(form.elements).map(field => field.name).filter(Boolean),
            bodies: Array.from(form.elements).filter(field => field.name === "body").length,
        }))"""
    )
    assert len(own) == 3
    for fields in own:
        assert fields["bodies"] == 1
        assert {"body", "entry", "version", "writer", "space", "intent"} <= set(fields["names"])
        assert "box" not in fields["names"]
    assert page.locator("#lesson-answers, [form=lesson-answers]").count() == 0
    type_answer(page, "Autosaved alone")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    posted = [data for data in sent if data and "body=" in data]
    assert posted and all(data.count("body=") == 1 for data in posted)
    assert bodies() == ["Autosaved alone"]


def test_closing_a_tab_that_shows_a_conflict_keeps_both_texts(browser, live_server):
    context = browser.new_context()
    tab_a = open_lesson(context.new_page(), live_server)
    type_answer(tab_a, "Shared start")
    expect(tab_a.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Shared start"])
    tab_b = open_lesson(context.new_page(), live_server)
    tab_a.locator(BOX).press("End")
    tab_a.keyboard.type(", A")
    expect(tab_a.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Shared start, A"])
    tab_b.locator(BOX).press("End")
    tab_b.keyboard.type(", B")
    expect(tab_b.locator(STATUS)).to_contain_text(
        "changed on another device or in another tab", timeout=5000
    )

    tab_b.close(run_before_unload=True)

    expect_soon(lambda: bodies() == ["Shared start, A", "Shared start, B"])
    context.close()
    # Closing the context hides tab A too; let any last request it sends land in this test.
    time.sleep(1)


def test_a_fresh_answer_typed_offline_saves_when_the_network_returns(browser, live_server):
    context = browser.new_context()
    page = open_lesson(context.new_page(), live_server)
    type_answer(page, "Spring")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Start a fresh answer").click()
    expect(page.locator(BOX)).to_have_value("")
    expect(page.locator(BOX)).to_be_focused()

    context.set_offline(True)
    page.keyboard.type("Autumn, written on the train")
    expect(page.locator(STATUS)).to_contain_text("offline", timeout=5000)
    expect(page.locator(BOX)).to_have_value("Autumn, written on the train")
    context.set_offline(False)

    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=10000)
    assert bodies() == ["Autumn, written on the train", "Spring"]
    context.close()


def test_text_far_too_long_to_send_says_so_instead_of_retrying_forever(page, live_server):
    """Past the server's request size (a whole book pasted in), the save is refused before the
    50,000-character check can answer: the box must say what is wrong, not 'will retry'
    again and again, and keep the text."""
    open_lesson(page, live_server)
    type_answer(page, "A short answer")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)

    page.evaluate(
        """selector => {
            const box = document.querySelector(selector);
            box.value = "\u00e9".repeat(500000);  // 3 MB once sent as a form
            box.dispatchEvent(new Event("input", {bubbles: true}));
        }""",
        BOX,
    )

    expect(page.locator(STATUS)).to_contain_text("50,000 characters", timeout=5000)
    expect(page.locator(STATUS)).not_to_contain_text("will retry")
    assert page.evaluate(f"document.querySelector('{BOX}').value.length") == 500000
    assert bodies() == ["A short answer"]

    page.locator(BOX).fill("A short answer, shortened again")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["A short answer, shortened again"])


def test_once_an_answer_is_kept_the_other_boxes_stop_asking_for_agreement(page, live_server):
    # An unticked "Keep my answers privately" beside a box that says "Saved" reads as "this
    # was not kept"; after the first kept answer the agreement is recorded for this browser.
    open_lesson(page, live_server)
    other = page.locator(f"#reflection-ab-when-upset-now {AGREE_TICK}")
    expect(other).to_be_visible()
    type_answer(page, "My gran's kitchen.")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)

    expect(other).to_be_hidden()
    expect(page.get_by_text("pressing one means you agree")).to_be_hidden()
    expect(page.locator(f"#reflection-{PROMPT} {AGREE_TICK}")).to_be_checked()  # what was agreed to
    page.locator("#reflection-ab-when-upset-now-body").fill("I go quiet.")
    expect(page.locator("#reflection-ab-when-upset-now-status")).to_contain_text(
        "Saved", timeout=5000
    )


def test_a_box_refused_for_want_of_the_tick_saves_once_another_box_gives_it(page, live_server):
    # Typed into the second box first: its autosave is refused ("tick the box just above").
    # Ticking beside the first box then agrees for the page and hides the second box's tick,
    # so the second box must send its text itself, or it is stranded with no tick to press.
    page.goto(live_server.url + LESSON)
    second = "#reflection-ab-when-upset-now"
    page.locator(f"{second}-body").fill("I go quiet.")
    page.locator(f"{second}-body").blur()
    expect(page.locator(f"{second}-status")).to_contain_text("tick the box", timeout=5000)

    type_answer(page, "My gran's kitchen.")
    agree(page)

    expect(page.locator(f"{second} {AGREE_TICK}")).to_be_hidden(timeout=5000)
    expect(page.locator(f"{second}-status")).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["I go quiet.", "My gran's kitchen."])


def hold_the_next_save(page) -> list:
    """Hold back the box's next save, for the test to send when it chooses; later ones go."""
    held = []
    page.route(
        "**/journal/prompts/**", lambda route: route.continue_() if held else held.append(route)
    )
    return held


def wait_for(page, held: list) -> None:
    for _ in range(100):  # page.wait_for_timeout lets Playwright hand over the route
        if held:
            return
        page.wait_for_timeout(50)
    pytest.fail("the save was never sent")


@pytest.mark.parametrize("press", ["Space", "mouse"])
def test_leaving_the_box_for_its_tick_sends_nothing_and_the_press_ticks_and_saves(
    page, live_server, press
):
    """Leaving the box for its tick sent the text, to be refused for want of that tick, and
    the refusal came back within the press of the tick (a Space or a mouse button held
    down), redrawing what was pressed. Now nothing goes until the tick is given, and the
    press ticks it and sends the words once."""
    page.goto(live_server.url + LESSON)
    sent = []
    page.on("request", lambda r: r.method == "POST" and PROMPT in r.url and sent.append(r))
    tick = page.locator(f"#reflection-{PROMPT} {AGREE_TICK}")
    type_answer(page, "Ticked as the answer came")

    if press == "Space":
        page.keyboard.press("Tab")
        expect(tick).to_be_focused()
        page.keyboard.down("Space")
    else:
        spot = tick.bounding_box()
        page.mouse.move(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2)
        page.mouse.down()
    expect(page.locator(STATUS)).to_contain_text("tick the box", timeout=5000)
    page.wait_for_timeout(1200)  # past the box's pause of a second
    assert sent == []
    if press == "Space":
        page.keyboard.up("Space")
    else:
        page.mouse.up()

    expect(tick).to_be_checked()
    expect(tick).to_be_focused()
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Ticked as the answer came"])
    assert len(sent) == 1


def test_a_tick_hidden_once_the_answer_was_kept_comes_back_when_agreement_is_asked_again(
    page, live_server
):
    """The other boxes' ticks hid when the first answer was kept. If this browser's agreement
    is then gone (its session's record of it lost) under the same notice, a box typed in is
    refused, and the tick it brings must show, though the hidden one on the page has its id."""
    from attachment_guide.sessions import SessionStore
    from attachment_guide.spaces.services import AGREED_KEY

    second = "#reflection-ab-when-upset-now"
    open_lesson(page, live_server)
    type_answer(page, "Kept first")
    with page.expect_response(f"**/{PROMPT}/"):  # its save on leaving it, ticked: agreeing
        page.locator(BOX).blur()
    tick = page.locator(f"{second} {AGREE_TICK}")
    expect(tick).to_be_hidden()
    cookie = next(c for c in page.context.cookies() if "session" in c["name"])
    session = SessionStore(cookie["value"])
    del session[AGREED_KEY]
    session.save()

    page.locator(f"{second}-body").fill("I go quiet.")
    page.locator(f"{second}-body").blur()

    expect(page.locator(f"{second}-status")).to_contain_text("tick the box", timeout=5000)
    expect(tick).to_be_visible()
    tick.check()
    expect(page.locator(f"{second}-status")).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["I go quiet.", "Kept first"])


def test_a_tick_given_before_the_notice_changed_is_asked_for_again(
    page, live_server, notice_changed, screenshots
):
    """A tab opened before new words of the privacy notice went out, its box ticked: the
    next save agrees to nothing. It says why, the tick comes back unticked (hx-preserve must
    not keep the old one), the text stays, and ticking the new box keeps it."""
    open_lesson(page, live_server)
    tick = page.locator(f"#reflection-{PROMPT} {AGREE_TICK}")
    expect(tick).to_be_checked()
    new = notice_changed()

    type_answer(page, "Written after the change")

    expect(page.locator(STATUS)).to_contain_text(
        "privacy notice has changed since this page was opened", timeout=5000
    )
    expect(tick).not_to_be_checked()
    expect(tick).to_have_attribute("value", new)
    expect(page.locator(BOX)).to_have_value("Written after the change")
    assert bodies() == []
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        box = page.locator(f"#reflection-{PROMPT}")
        box.screenshot(path=screenshots / f"reflection-notice-changed-{width}.png")

    tick.check()

    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Written after the change"])


def test_a_tick_in_focus_as_a_newer_one_comes_back_hands_the_focus_to_it(
    page, live_server, notice_changed
):
    """New words of the notice went out while the page was open. Ticking the page's tick
    sends the text, refused with a tick for the new words, which replaces the old one: the
    keyboard's place went with it, to the top of the page. It passes to the new tick."""
    page.goto(live_server.url + LESSON)
    new = notice_changed()
    type_answer(page, "Written after the change")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the tick for the words as they were

    expect(page.locator(STATUS)).to_contain_text("has changed", timeout=5000)
    tick = page.locator(f"#reflection-{PROMPT} {AGREE_TICK}")
    expect(tick).to_have_attribute("value", new)
    expect(tick).to_be_focused()
    expect(tick).not_to_be_checked()
    page.keyboard.press("Space")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Written after the change"])


def test_after_the_notice_changed_agreeing_again_saves_the_boxes_waiting_for_it(
    page, live_server, notice_changed
):
    """The other boxes' ticks hid when the first answer was kept. After new words, a box typed
    in sends no tick (a hidden one is never ticked, so never an old version) and is asked for
    its own; ticking beside another box agrees again, and must send it, as the first time."""
    second = "#reflection-ab-when-upset-now"
    open_lesson(page, live_server)
    type_answer(page, "Before the change")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect(page.locator(f"{second} {AGREE_TICK}")).to_be_hidden()
    notice_changed()

    page.locator(f"{second}-body").fill("I go quiet.")
    page.locator(f"{second}-body").blur()
    expect(page.locator(f"{second}-status")).to_contain_text("tick the box", timeout=5000)
    type_answer(page, ", and after")
    expect(page.locator(STATUS)).to_contain_text("has changed", timeout=5000)
    page.locator(f"#reflection-{PROMPT} {AGREE_TICK}").check()

    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect(page.locator(f"{second} {AGREE_TICK}")).to_be_hidden(timeout=5000)
    expect(page.locator(f"{second}-status")).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Before the change, and after", "I go quiet."])


def search_on_a_phone_for_an_answer(page, live_server) -> None:
    """On a 375px screen: an answer kept in the lesson, then a search of the journal for it."""
    page.set_viewport_size({"width": 375, "height": 740})
    open_lesson(page, live_server)
    type_answer(page, "Walking by the river helps")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.goto(live_server.url + "/journal/")
    page.get_by_label("Search your journal").fill("river")
    page.get_by_role("button", name="Search").click()


def test_on_a_phone_a_search_opens_at_its_results(page, live_server):
    # The results sit below the writing box, a screen and more down a phone: opening the
    # page at its top after Search looked as if nothing had happened.
    search_on_a_phone_for_an_answer(page, live_server)

    expect(page.get_by_text("1 entry contains")).to_be_in_viewport()
    expect(page.locator("article.entry", has_text="by the river")).to_be_in_viewport()


def test_a_search_sent_offline_leaves_words_not_saved_yet_on_the_page(browser, live_server):
    # A search htmx cannot swap goes as it would without scripts: offline, to the browser's
    # error page, with the words typed offline in the free-writing box above gone.
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = open_lesson(context.new_page(), live_server)
    type_answer(page, "Walking by the river helps")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.goto(live_server.url + "/journal/")
    box = page.locator("#reflection-free-writing-body")

    context.set_offline(True)
    box.fill("Written on the train")
    expect(page.locator("#reflection-free-writing-status")).to_contain_text("offline")
    page.get_by_label("Search your journal").fill("river")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#journal-search-status")).to_contain_text(
        "The search did not go through. Words in a box above are not saved yet"
    )
    expect(box).to_have_value("Written on the train")
    context.set_offline(False)
    expect(page.locator("#reflection-free-writing-status")).to_contain_text("Saved", timeout=10000)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 entry contains")).to_be_visible()
    expect(page.locator("#journal-search-status")).to_be_empty()
    context.close()


def test_a_search_after_logging_in_in_another_tab_just_searches(browser, live_server, screenshots):
    # Logging in elsewhere gives the browser a new anti-forgery token: the search from the
    # journal opened before went, refused, to the page that asks to reload.
    from django.contrib.auth.models import User

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = open_lesson(context.new_page(), live_server)
    type_answer(page, "Walking by the river helps")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.goto(live_server.url + "/journal/")
    page.evaluate("window.stayed = true")
    User.objects.create_user("ash", password="a calm river at dawn")
    other = context.new_page()
    log_in_in(other, live_server.url, "ash", "a calm river at dawn")
    other.close()  # and back to the journal's tab

    page.get_by_label("Search your journal").fill("river")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#entries-title")).to_be_focused()
    expect(page.locator("#entries-title")).to_have_accessible_description(
        "1 entry contains “river”."
    )
    expect(page.locator("article.entry", has_text="by the river")).to_be_in_viewport()
    assert page.evaluate("window.stayed") is True  # in place, not a page of its own
    page.screenshot(path=screenshots / "journal-search-after-logging-in-elsewhere-375.png")
    context.close()


def test_a_stray_enter_on_asking_to_delete_an_entry_deletes_nothing(page, live_server):
    # The red Delete button took the focus (autofocus), in place and on its own page: one
    # Enter more than meant, or a rushed tap of a phone's Go key, deleted for good.
    page.set_viewport_size({"width": 375, "height": 740})
    open_lesson(page, live_server)
    type_answer(page, "Walking by the river helps")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.goto(live_server.url + "/journal/")

    page.locator("article.entry").get_by_role("link", name="Delete this entry").click()
    asked = page.locator(".entry--confirm")
    expect(asked.locator(".entry__question")).to_be_focused()  # the top of what is asked
    page.keyboard.press("Enter")
    expect(asked).to_have_count(1)
    asked.get_by_role("link", name="Keep it").click()
    expect(page.locator("article.entry .entry__question")).to_be_focused()  # where they were

    page.goto(f"{live_server.url}/journal/entries/{Entry.objects.get().id}/delete/")
    assert page.evaluate("document.activeElement.tagName") == "BODY"  # as on every page
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert bodies() == ["Walking by the river helps"]


def test_going_back_to_search_results_after_following_a_link_finds_the_journal(page, live_server):
    """A search is posted (never put in the address). As a page of its own in the history,
    going back to it from the lesson an entry links to showed the browser's "Confirm Form
    Resubmission" error. In place, the way back is the journal itself."""
    search_on_a_phone_for_an_answer(page, live_server)
    expect(page.get_by_text("1 entry contains")).to_be_in_viewport()
    expect(page.locator("#entries-title")).to_be_focused()
    # What a screen reader says there: the heading alone was the same for 0 or 50 entries.
    expect(page.locator("#entries-title")).to_have_accessible_description(
        "1 entry contains “river”."
    )
    page.locator("article.entry").get_by_role("link", name="Edit").click()  # still in place
    expect(page.locator("#journal-entries textarea")).to_have_value("Walking by the river helps")
    page.reload()
    page.get_by_label("Search your journal").fill("river")
    page.get_by_role("button", name="Search").click()

    page.locator("article.entry").get_by_role("link", name="From").click()
    page.wait_for_url(f"**{LESSON}**")
    page.go_back()

    expect(page.get_by_role("heading", name="Your journal")).to_be_visible()
    expect(page.locator("article.entry", has_text="by the river")).to_be_visible()


def test_the_journal_shows_the_entries_from_the_lesson_chosen(page, live_server):
    an_answer_and_rain_on_the_roof(page, live_server, "The old oak tree.")
    page.reload()

    page.get_by_label("Show entries from").select_option(label="What attachment is")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_text("1 entry from What attachment is.")).to_be_in_viewport()
    expect(page.locator("article.entry")).to_have_count(1)
    expect(page.locator("article.entry")).to_contain_text("The old oak tree.")
    expect(page.get_by_label("Show entries from")).to_have_value(
        "lesson:attachment-basics/what-attachment-is"
    )
    assert page.url == live_server.url + "/journal/"  # in place: nothing for the history
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.get_by_label("Show entries from").select_option(
        label="Your own writing, not from a lesson"
    )
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 entry from your own writing.")).to_be_in_viewport()
    expect(page.locator("article.entry")).to_contain_text("Rain on the roof")


def an_answer_and_rain_on_the_roof(page, live_server, answer: str):
    """An answer kept in the lesson, and a free writing in the journal, left open there."""
    open_lesson(page, live_server)
    type_answer(page, answer)
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.goto(live_server.url + "/journal/")
    page.get_by_label("Write in your journal").fill("Rain on the roof")
    page.get_by_role("button", name="Save").first.click()
    expect_soon(lambda: bodies() == sorted(["Rain on the roof", answer]))
    return page


def a_river_answer_and_rain_on_the_roof(context, live_server):
    """On a 375px screen: an answer kept in the lesson and a free writing in the journal."""
    return an_answer_and_rain_on_the_roof(
        context.new_page(), live_server, "Walking by the river helps"
    )


def test_show_all_entries_after_a_search_shows_them_in_place(browser, live_server, screenshots):
    # It was a plain link: after a search in place, the whole page loaded again, at its top.
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = a_river_answer_and_rain_on_the_roof(context, live_server)
    page.reload()
    page.evaluate("window.stayed = true")
    page.get_by_label("Search your journal").fill("river")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#entries-title")).to_have_accessible_description(
        "1 entry contains “river”."
    )

    page.get_by_role("link", name="Show all entries").click()

    expect(page.locator("#entries-title")).to_be_focused()
    expect(page.locator("#entries-title")).to_have_accessible_description(
        "2 entries in your journal."
    )
    expect(page.locator("article.entry")).to_have_count(2)
    expect(page.locator("#entries-title")).to_be_in_viewport()
    expect(page.get_by_label("Search your journal")).to_have_value("")
    assert page.evaluate("window.stayed") is True  # in place, not the page loaded again
    assert page.url == live_server.url + "/journal/"
    page.screenshot(path=screenshots / "journal-show-all-in-place-375.png")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()


def test_without_javascript_show_all_entries_is_a_plain_link(browser, live_server):
    kept = browser.new_context()
    a_river_answer_and_rain_on_the_roof(kept, live_server)
    context = browser.new_context(
        java_script_enabled=False,
        storage_state=kept.storage_state(),
        viewport={"width": 375, "height": 740},
    )
    kept.close()
    page = context.new_page()
    page.goto(live_server.url + "/journal/")
    page.get_by_label("Search your journal").fill("river")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 entry contains")).to_be_visible()

    page.get_by_role("link", name="Show all entries").click()

    page.wait_for_url(live_server.url + "/journal/?page=1#entries-title")
    expect(page.locator("article.entry")).to_have_count(2)
    context.close()


def a_journal_of_two_pages(page, live_server) -> None:
    """An answer kept in the lesson, then 24 older entries: 25, two pages of the journal."""
    from datetime import timedelta

    from django.utils import timezone

    open_lesson(page, live_server)
    type_answer(page, "The newest answer")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    space = Entry.objects.get().space
    now = timezone.now()
    for number in range(24):
        when = now - timedelta(days=number + 1)
        Entry.objects.create(space=space, body=f"Older note {number:02}", created=when)


def test_the_journal_s_pages_go_in_place_and_back_and_forward_find_them(
    browser, live_server, screenshots
):
    """ "Older entries" and "Newer entries" loaded the whole page again, at its top, where a
    search's pages go in place. In place, each page still has its address in the history."""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    a_journal_of_two_pages(page, live_server)
    page.goto(live_server.url + "/journal/")
    page.evaluate("window.stayed = true")
    title = page.locator("#entries-title")

    page.get_by_role("link", name="Older entries").click()

    page.wait_for_url(live_server.url + "/journal/?page=2")
    expect(title).to_be_focused()
    expect(title).to_have_accessible_description("25 entries in your journal. Page 2 of 2.")
    expect(title).to_be_in_viewport()
    expect(page.locator("article.entry", has_text="Older note 23")).to_be_visible()
    expect(page.locator("article.entry", has_text="The newest answer")).to_have_count(0)
    assert page.evaluate("window.stayed") is True  # in place, not the page loaded again
    page.screenshot(path=screenshots / "journal-older-entries-in-place-375.png")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.go_back()
    page.wait_for_url(live_server.url + "/journal/")
    expect(page.locator("article.entry", has_text="The newest answer")).to_be_visible()
    # Loaded again, not a body swapped in: each script of the page (the quick exit's among
    # them) sets itself up on what is shown.
    assert page.evaluate("window.stayed") is None
    expect(page.locator("article.entry", has_text="Older note 23")).to_have_count(0)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.go_forward()
    page.wait_for_url(live_server.url + "/journal/?page=2")
    expect(page.locator("article.entry", has_text="Older note 23")).to_be_visible()
    expect(page.get_by_text("Page 2 of 2", exact=True)).to_be_visible()

    page.get_by_role("link", name="Newer entries").click()
    page.wait_for_url(live_server.url + "/journal/?page=1")
    expect(title).to_be_focused()
    expect(page.locator("article.entry", has_text="The newest answer")).to_be_visible()
    context.close()


def test_without_javascript_the_journal_s_pages_are_plain_links(browser, live_server):
    kept = browser.new_context()
    a_journal_of_two_pages(kept.new_page(), live_server)
    context = browser.new_context(java_script_enabled=False, storage_state=kept.storage_state())
    kept.close()
    page = context.new_page()
    page.goto(live_server.url + "/journal/")

    page.get_by_role("link", name="Older entries").click()

    page.wait_for_url(live_server.url + "/journal/?page=2#entries-title")
    expect(page.locator("article.entry", has_text="Older note 23")).to_be_visible()
    expect(page.locator("article.entry", has_text="The newest answer")).to_have_count(0)
    context.close()


def test_writing_in_a_right_to_left_language_reads_right_to_left(page, live_server):
    # The boxes and the journal laid Hebrew and Arabic out left to right, their full stops
    # and numbers on the wrong side.
    open_lesson(page, live_server)
    type_answer(page, "סבתא שלי. 2 חתולים.")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)

    assert page.locator(BOX).evaluate("box => getComputedStyle(box).direction") == "rtl"
    page.goto(live_server.url + "/journal/")
    body = page.locator("article.entry .entry__body")
    assert body.evaluate("text => getComputedStyle(text).direction") == "rtl"
    writer = page.get_by_label("Write in your journal")
    assert writer.evaluate("box => getComputedStyle(box).direction") == "ltr"  # empty: the page's
    search = page.get_by_label("Search your journal")
    search.fill("סבתא")
    assert search.evaluate("field => getComputedStyle(field).direction") == "rtl"
    page.goto(live_server.url + "/circle/")
    name = page.locator("input[type=text]").first
    name.fill("סבתא")
    assert name.evaluate("field => getComputedStyle(field).direction") == "rtl"


def test_editing_an_entry_adds_typing_after_its_text(page, live_server):
    # Edit puts the focus in the box; typing straight away must not go before the old words.
    open_lesson(page, live_server)
    type_answer(page, "The old oak tree.")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    page.goto(live_server.url + "/journal/")

    page.get_by_role("link", name="Edit this entry").click()
    editor = page.locator(".entry--editing textarea")
    expect(editor).to_be_focused()
    page.keyboard.type(" And the bench.")

    expect(editor).to_have_value("The old oak tree. And the bench.")


def test_in_development_a_refused_save_keeps_the_page_and_saves_once_more(
    page, live_server, settings
):
    """`make run` serves with DEBUG on, where django-htmx adds a script that replaces the page
    with the answer to any htmx request refused with 400, 403, 404 or 500. A save from a tab
    whose anti-forgery token went stale (signed in elsewhere) is refused with 403: the page
    and its words must stay, and the save go through with a fresh token, as in production."""
    settings.DEBUG = True
    open_lesson(page, live_server)
    assert page.locator("script[data-debug=True]").count() == 1  # django-htmx's debug script
    # The first answer brings the page its space, and the reading held back till then is
    # posted: let it be answered first, or its answer would set the token cookie of its
    # time over the stale one set below.
    with page.expect_response(lambda r: r.url.endswith("/progress/")):
        type_answer(page, "Mine")
    expect_soon(lambda: bodies() == ["Mine"])
    expect(page.locator(STATUS)).to_contain_text("Saved")  # its answer is in before listening
    token = next(c for c in page.context.cookies() if c["name"] == "csrftoken")
    page.context.add_cookies([{**token, "value": "s" * 32}])  # as a sign-in in another tab
    answers = []
    page.on(
        "response", lambda r: answers.append(r.status) if r.url.endswith(f"/{PROMPT}/") else None
    )

    page.locator(BOX).press("End")
    page.keyboard.type(" and more")

    expect_soon(lambda: bodies() == ["Mine and more"])
    page.wait_for_timeout(100)  # Playwright hands over its events while it waits
    assert answers[0] == 403 and answers[-1] == 200, answers  # refused, then sent once more
    expect(page.locator(BOX)).to_have_value("Mine and more")
    expect(page.locator(STATUS)).to_contain_text("Saved")


NOT_SAVED = "the journal this page was opened with is no longer open in this browser"


def signed_in_tab(context, live_server):
    """A tab of `context` signed in as Ash, on the lesson, with an answer saved."""
    from django.contrib.auth.models import User

    User.objects.create_user("ash", password="a calm river at dawn")
    tab = context.new_page()
    log_in_in(tab, live_server.url, "ash", "a calm river at dawn")
    return open_lesson(tab, live_server)


def sign_out_in_another_tab(context, live_server) -> None:
    other = context.new_page()
    other.goto(live_server.url + "/accounts/")
    other.get_by_role("button", name="Log out").click()
    other.wait_for_url(live_server.url + "/")
    other.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_tab_left_open_after_signing_out_elsewhere_keeps_its_words_out_of_every_journal(
    browser, live_server, screenshots, width
):
    from attachment_guide.spaces.models import Space

    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = signed_in_tab(context, live_server)
    type_answer(tab, "Mine")
    expect(tab.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Mine"])
    sign_out_in_another_tab(context, live_server)
    saves = []
    tab.on("request", lambda r: saves.append(r) if r.url.endswith(f"/{PROMPT}/") else None)

    tab.locator(BOX).press("End")
    tab.keyboard.type(" and more, typed after the sign-out")

    expect(tab.locator(STATUS)).to_contain_text(NOT_SAVED, timeout=5000)
    expect(tab.locator(STATUS)).to_contain_text("sign back in and save again")
    expect(tab.locator(BOX)).to_have_value("Mine and more, typed after the sign-out")
    assert bodies() == ["Mine"] and Space.objects.count() == 1  # no new guest space either
    tab.wait_for_timeout(2500)  # past the first two retry delays: it is not sent again
    assert len(saves) == 1
    results = Axe().run(tab)
    assert results.violations_count == 0, results.generate_report()
    tab.locator(f"#reflection-{PROMPT}").screenshot(
        path=screenshots / f"reflection-not-saved-here-{width}.png"
    )

    # The page a browser without JavaScript gets instead (axe needs JavaScript to run, so
    # the form is sent as such a browser sends it, past htmx).
    form = tab.locator(f"#reflection-{PROMPT} form[data-reflection]")
    with tab.expect_navigation():
        form.evaluate("form => HTMLFormElement.prototype.submit.call(form)")
    expect(tab.get_by_role("alert")).to_contain_text(NOT_SAVED)
    results = Axe().run(tab)
    assert results.violations_count == 0, results.generate_report()
    assert bodies() == ["Mine"]
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_without_javascript_the_stale_tab_s_words_come_back_on_a_page_of_their_own(
    browser, live_server, screenshots, width
):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 900}
    )
    tab = signed_in_tab(context, live_server)
    tab.locator(BOX).fill("Pressed Save after the sign-out")
    sign_out_in_another_tab(context, live_server)

    tab.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Save", exact=True).click()

    expect(tab.locator("h1")).to_have_text("That could not be saved")
    expect(tab.get_by_role("alert")).to_contain_text(NOT_SAVED)
    # Under its question: a lesson's Save sends every box, and each changed one comes back.
    expect(tab.get_by_label("felt safe to you")).to_have_value("Pressed Save after the sign-out")
    expect(tab.locator("textarea")).to_have_count(1)
    assert bodies() == []
    tab.screenshot(path=screenshots / f"not-saved-here-{width}.png", full_page=True)
    context.close()


def test_without_javascript_sending_again_from_the_refused_token_page_opens_at_the_box(
    browser, live_server
):
    """ "Send again" posted to the box's plain address: refused (the tick not given), the
    answer came back as the whole lesson at its top, the words a long scroll away on a phone,
    as a refused save from the lesson itself no longer does."""
    from django.contrib.auth.models import User

    User.objects.create_user("ash", password="a calm river at dawn")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    tab = context.new_page()
    tab.goto(live_server.url + LESSON)
    tab.locator(BOX).fill("Written before signing in")
    other = context.new_page()  # signing in gives the browser a new anti-forgery token
    log_in_in(other, live_server.url, "ash", "a calm river at dawn")
    tab.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Save").click()
    expect(tab.locator("h1")).to_have_text("That could not be sent")

    tab.get_by_role("button", name="Send again").click()

    expect(tab.locator(STATUS)).to_contain_text("tick the box")
    expect(tab.locator(BOX)).to_have_value("Written before signing in")
    expect(tab.locator(BOX)).to_be_in_viewport()
    assert bodies() == []
    context.close()


def test_without_javascript_the_refused_token_page_gives_back_every_box_and_saves_them(
    browser, live_server
):
    from django.contrib.auth.models import User

    User.objects.create_user("ash", password="a calm river at dawn")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    tab = context.new_page()
    tab.goto(live_server.url + LESSON)
    tab.locator(BOX).fill("First, written before signing in")
    tab.locator(f"#reflection-{SECOND}-body").fill("Second, written before signing in")
    other = context.new_page()  # signing in gives the browser a new anti-forgery token
    log_in_in(other, live_server.url, "ash", "a calm river at dawn")
    press_save(tab, SECOND)
    expect(tab.locator("h1")).to_have_text("That could not be sent")
    expect(tab.get_by_label("felt safe to you")).to_have_value("First, written before signing in")
    expect(tab.get_by_label("When something upsets you")).to_have_value(
        "Second, written before signing in"
    )
    expect(tab.locator("textarea")).to_have_count(2)  # not the box left empty
    tab.locator(AGREE_TICK).check()

    tab.get_by_role("button", name="Send again").click()

    expect(tab.locator(BOX)).to_have_value("First, written before signing in")
    expect(tab.locator(f"#reflection-{SECOND}-body")).to_have_value(
        "Second, written before signing in"
    )
    assert bodies() == ["First, written before signing in", "Second, written before signing in"]
    context.close()


def read_the_notice_in_place(page, link, close_with: str, back_to=None) -> None:
    """Follow a link to the privacy notice: it opens over the page, and closes back to the
    link (or `back_to`, when the save refused as the focus left the box redrew it)."""
    dialog = page.get_by_role("dialog", name="Your privacy")
    link.click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="What is kept")).to_be_visible()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    if close_with == "Escape":
        page.keyboard.press("Escape")
    else:
        dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(back_to or link).to_be_focused()


def test_the_privacy_notice_opens_in_place_and_keeps_what_was_typed(page, live_server, screenshots):
    """A first-time reader types, then reads the notice before ticking. Leaving the page to
    read it lost the text (its save on the way out is refused for want of the tick)."""
    page.goto(live_server.url + LESSON)
    type_answer(page, "Before I agree, I read.")
    link = page.locator(f"#reflection-{PROMPT}").get_by_role("link", name="privacy notice")

    read_the_notice_in_place(page, link, close_with="Escape")
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        link.click()
        page.get_by_role("dialog").screenshot(path=screenshots / f"notice-dialog-{width}.png")
        page.keyboard.press("Escape")
    read_the_notice_in_place(page, link, close_with="Close")

    assert page.url == live_server.url + LESSON
    expect(page.locator(BOX)).to_have_value("Before I agree, I read.")
    tick = page.locator(f"#reflection-{PROMPT} {AGREE_TICK}")
    expect(tick).not_to_be_checked()
    tick.check()
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Before I agree, I read."])


def open_the_notice(page, live_server, typed: str = ""):
    """A first-time reader, who may have typed, opens the notice from the tick."""
    page.goto(live_server.url + LESSON)
    if typed:
        type_answer(page, typed)
    page.locator(f"#reflection-{PROMPT}").get_by_role("link", name="privacy notice").click()
    dialog = page.get_by_role("dialog", name="Your privacy")
    expect(dialog.get_by_role("heading", name="What is kept")).to_be_visible()
    return dialog


def test_a_link_in_the_notice_asks_before_leaving_words_not_kept_yet(
    page, live_server, screenshots
):
    """The notice links to Settings, the export, the delete pages. Following one left the
    page, and the words typed beside the tick (not kept until it is ticked) were gone."""
    dialog = open_the_notice(page, live_server, typed="Not ready to agree yet.")
    ask = dialog.get_by_role("alert")
    # A jump within the notice stays in it, and asks nothing.
    page.evaluate(
        """() => { const jump = document.createElement("a"); jump.href = "#kept";
        jump.textContent = "Back to what is kept"; document.querySelector("[data-notice-body]").append(jump); }"""
    )
    dialog.get_by_role("link", name="Back to what is kept").click()
    expect(dialog).to_be_visible()
    expect(ask).to_be_hidden()

    dialog.get_by_role("link", name="Your settings").click()

    expect(ask).to_contain_text("Your writing on this page is not kept yet.")
    expect(ask).to_be_focused()
    assert page.url.split("#")[0] == live_server.url + LESSON
    expect(page.locator(BOX)).to_have_value("Not ready to agree yet.")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        dialog.screenshot(path=screenshots / f"notice-dialog-not-kept-{width}.png")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # By keyboard, the focus on the link as the notice opens, and back to the box after.
    link = page.locator(f"#reflection-{PROMPT}").get_by_role("link", name="privacy notice")
    link.press("Enter")
    expect(ask).to_be_hidden()  # asked again for each link, not left over from the last
    dialog.get_by_role("link", name="Download or print your journal").press("Enter")
    expect(ask).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(BOX)).to_be_focused()
    expect(page.locator(BOX)).to_have_value("Not ready to agree yet.")

    link.click()
    dialog.get_by_role("link", name="Download or print your journal").click()
    ask.get_by_role("link", name="Leave anyway").click()
    page.wait_for_url(live_server.url + "/journal/export/")


def test_words_a_refused_page_gave_back_are_asked_for_before_a_notice_link_leaves(
    page, live_server
):
    """Sent as a page (as without JavaScript) before the tick, the answer comes back on a new
    page, in its box as the text the page holds: nothing looked unsaved to the notice."""
    page.goto(live_server.url + LESSON)
    page.locator(BOX).fill("Sent before I agreed.")
    form = page.locator(f"#reflection-{PROMPT} form[data-reflection]")
    with page.expect_navigation():
        form.evaluate("form => HTMLFormElement.prototype.submit.call(form)")
    expect(page.locator(STATUS)).to_contain_text("Not saved yet: to keep your answer, tick")
    page.locator(f"#reflection-{PROMPT}").get_by_role("link", name="privacy notice").click()
    dialog = page.get_by_role("dialog", name="Your privacy")
    expect(dialog.get_by_role("heading", name="What is kept")).to_be_visible()

    dialog.get_by_role("link", name="Your settings").click()

    expect(dialog.get_by_role("alert")).to_contain_text("Your writing on this page is not kept")
    assert page.url == f"{live_server.url}/journal/prompts/{PROMPT}/#reflection-{PROMPT}"
    expect(page.locator(BOX)).to_have_value("Sent before I agreed.")
    assert bodies() == []


def test_with_nothing_unsaved_a_link_in_the_notice_just_leaves(page, live_server):
    dialog = open_the_notice(page, live_server)

    dialog.get_by_role("link", name="Your settings").click()

    page.wait_for_url(live_server.url + "/settings/")


def test_a_link_in_the_notice_reached_with_shift_tab_is_not_hidden_under_its_bar(page, live_server):
    """On a small phone the dialog's bar (title, Close, Exit) wraps to three rows and stays at
    the top while the notice scrolls: Shift+Tab scrolled a link up under it, out of sight."""
    page.set_viewport_size({"width": 320, "height": 568})
    dialog = open_the_notice(page, live_server)
    links = dialog.locator("[data-notice-body] a[href]")
    links.last.focus()

    for _ in range(links.count() - 1):
        page.keyboard.press("Shift+Tab")
        focused, hidden_under = page.evaluate(
            """() => [document.activeElement.textContent.trim(),
                document.activeElement.getBoundingClientRect().top -
                document.querySelector('.notice-dialog__bar').getBoundingClientRect().bottom]"""
        )
        assert hidden_under >= 0, f"{focused!r} is under the dialog's bar"


def test_a_refusal_s_link_to_the_changed_notice_opens_it_in_place(
    page, live_server, notice_changed
):
    open_lesson(page, live_server)
    notice_changed()
    type_answer(page, "Written after the change")
    expect(page.locator(STATUS)).to_contain_text("has changed", timeout=5000)

    tick = page.locator(f"#reflection-{PROMPT} {AGREE_TICK}")

    link = page.locator(STATUS).get_by_role("link", name="privacy notice")
    read_the_notice_in_place(page, link, close_with="Close", back_to=tick)

    assert page.url == live_server.url + LESSON
    expect(page.locator(BOX)).to_have_value("Written after the change")
    tick.check()
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)
    expect_soon(lambda: bodies() == ["Written after the change"])


# --- Two tabs making the first save at once --------------------------------------------------

OTHER_LESSON = "/lessons/attachment-basics/attachment-patterns/"
OTHER_PROMPT = "ab-what-made-sense"
OTHER_BOX = f"#reflection-{OTHER_PROMPT}-body"
OTHER_STATUS = f"#reflection-{OTHER_PROMPT}-status"


@pytest.fixture
def server_hold():
    """`hold["path"] = path` makes the server hold the next request for `path`, before Django
    reads it, until `go_on` is set: a save that has left the browser, with the cookies it had
    then, and is not answered yet. (A request held with page.route takes the browser's
    cookies when it is let go, so it cannot show two tabs' saves crossing.)"""
    hold, arrived, go_on = {"path": None}, threading.Event(), threading.Event()

    def holding(sender, environ, **kwargs):
        if environ["PATH_INFO"] == hold["path"]:
            hold["path"] = None
            arrived.set()
            go_on.wait(10)

    request_started.connect(holding)
    yield hold, arrived, go_on
    go_on.set()
    request_started.disconnect(holding)


def first_save_held(context, live_server, server_hold):
    """Tab A with its first answer's save held in the server, nobody having a space yet, and
    tab B open on another lesson. Returns both tabs and what lets A's save go on."""
    hold, arrived, go_on = server_hold
    tab_a = context.new_page()
    tab_a.goto(live_server.url + LESSON)
    agree(tab_a)  # an empty box has nothing to keep: the tick sends nothing
    hold["path"] = f"/journal/prompts/{PROMPT}/"
    tab_b = context.new_page()
    tab_b.goto(live_server.url + OTHER_LESSON)
    agree(tab_b, OTHER_PROMPT)
    type_answer(tab_a, "From tab A")
    assert arrived.wait(5)
    return tab_a, tab_b, go_on.set


def until_answered_or_waiting(tab, answered: str) -> None:
    """Until `tab`'s save has asked to go: it was answered (`answered` is on the page), or it
    waits for the held save to finish. (wait_for_function takes a promise for a yes.)"""
    asked = """async answered => document.querySelector(answered) !== null
        || (await navigator.locks.query()).pending.length > 0"""
    for _ in range(100):
        if tab.evaluate(asked, answered):
            return
        tab.wait_for_timeout(50)
    raise AssertionError("the save never asked to go")


def test_two_tabs_saving_their_first_answers_at_once_keep_both_in_one_space(
    browser, live_server, server_hold
):
    """Neither tab had a space: each save made one of its own, the browser kept the last
    one's cookie, and the other tab's answer sat out of reach while its next save was
    refused as made for a different journal."""
    from attachment_guide.spaces.models import Space

    context = browser.new_context()
    tab_a, tab_b, let_go = first_save_held(context, live_server, server_hold)
    tab_b.locator(OTHER_BOX).click()
    tab_b.keyboard.type("From tab B", delay=5)
    until_answered_or_waiting(tab_b, f"{OTHER_STATUS} .reflection__saved")

    let_go()

    expect_soon(lambda: bodies() == ["From tab A", "From tab B"])
    assert Space.objects.count() == 1
    expect(tab_a.locator(STATUS)).to_contain_text("Saved")
    expect(tab_b.locator(OTHER_STATUS)).to_contain_text("Saved")
    tab_a.locator(BOX).press("End")
    tab_a.keyboard.type(", later")
    tab_b.locator(OTHER_BOX).press("End")
    tab_b.keyboard.type(", later")

    expect_soon(lambda: bodies() == ["From tab A, later", "From tab B, later"])
    expect(tab_a.locator(STATUS)).to_contain_text("Saved")
    expect(tab_b.locator(OTHER_STATUS)).to_contain_text("Saved")
    expect(tab_a.locator(STATUS)).not_to_contain_text(NOT_SAVED)
    expect(tab_b.locator(OTHER_STATUS)).not_to_contain_text(NOT_SAVED)
    assert Space.objects.count() == 1
    context.close()


def test_reading_on_after_the_first_answer_is_remembered_and_nothing_is_sent_before(
    page, live_server
):
    """The page the first answer was written on was made before there was a space, so its
    headings and its end were not watched: the reader went on reading, and "Continue where
    you left off" still led back to the question."""
    from lessons.models import LessonProgress

    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/progress/") else None)
    page.set_viewport_size({"width": 1280, "height": 400})
    page.goto(live_server.url + LESSON)
    # Read everything once, the end included, before keeping anything.
    for heading in page.locator("[data-reading]").all():
        heading.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)  # events reach Playwright only during its calls
    assert sent == [] and LessonProgress.objects.count() == 0

    page.locator(BOX).scroll_into_view_if_needed()
    agree(page)
    type_answer(page, "My gran.")
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=5000)

    def reached():
        return LessonProgress.objects.values_list("section", "done").get()

    expect_soon(lambda: reached() == ("a-bond-that-keeps-us-safe", False))
    page.locator("#when-safety-is-shaken-title").scroll_into_view_if_needed()
    expect_soon(lambda: reached()[0] in ("when-safety-is-shaken", "patterns-can-change"))
    page.locator("#lesson-progress").scroll_into_view_if_needed()
    expect_soon(lambda: reached()[1] is True)
    expect(page.locator("#lesson-progress")).to_contain_text("You finished this lesson.")


SHAKES = "/lessons/attachment-basics/how-trauma-shakes-attachment/"


@pytest.mark.parametrize(
    ("size", "end_in_view"),
    [((375, 740), False), ((1280, 1400), True)],
    ids=["phone", "tall-window"],
)
def test_a_page_opened_at_a_section_sends_its_reading_once(browser, live_server, size, end_in_view):
    """Opened at its last section, the page scrolled there smoothly and every heading it
    passed sent its own "reached": five requests at once, when only the furthest counts.
    Reaching the end on the way goes in the same one request, with the section."""
    from lessons.models import LessonProgress

    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, reduced_motion="no-preference"
    )
    page = context.new_page()
    page.goto(live_server.url + LESSON)
    page.get_by_role("button", name="Remember my place").click()  # a space, for reading
    expect(page.locator("#lesson-progress")).to_contain_text("remembered")
    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if r.url.endswith("/progress/") else None)

    page.goto(live_server.url + SHAKES + "#trust-can-grow-back")
    expect_soon(lambda: LessonProgress.objects.filter(lesson_slug="how-trauma-shakes-attachment"))
    page.wait_for_timeout(1500)  # anything else would have gone by now

    assert len(sent) == 1, sent
    assert "section=trust-can-grow-back" in sent[0]
    assert ("reached_end=1" in sent[0]) is end_in_view
    row = LessonProgress.objects.get(lesson_slug="how-trauma-shakes-attachment")
    assert (row.section, row.done) == ("trust-can-grow-back", end_in_view)
    # Reading on from there still counts: the end, once it comes into view.
    if not end_in_view:
        page.locator("#lesson-progress").scroll_into_view_if_needed()
        expect_soon(lambda: LessonProgress.objects.get(lesson_slug=row.lesson_slug).done)
        page.wait_for_timeout(100)  # Playwright hands over its events while it waits
        assert len(sent) == 2
    context.close()


def test_remember_my_place_at_the_end_of_a_lesson_does_not_mark_it_done(page, live_server):
    """The panel that posts "reached the end" as it comes into view holds the buttons, and
    htmx sent that with the press: "Remember my place" answered "You finished this lesson"
    and Continue skipped to the next one."""
    from lessons.models import LessonProgress

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + LESSON)

    page.get_by_role("button", name="Remember my place").click()

    expect(page.locator("#lesson-progress")).to_contain_text(
        "Your place in this lesson is remembered."
    )
    assert LessonProgress.objects.values_list("done", flat=True).get() is False


def test_a_lesson_marked_done_while_another_tab_makes_the_space_is_done_in_that_space(
    browser, live_server, server_hold
):
    from attachment_guide.spaces.models import Space
    from lessons.models import LessonProgress

    context = browser.new_context()
    tab_a, tab_b, let_go = first_save_held(context, live_server, server_hold)
    tab_b.get_by_role("button", name="Mark as done").click()
    tab_b.keyboard.press("Tab")  # the focus moves on while the press waits for its turn
    until_answered_or_waiting(tab_b, "#lesson-progress [role=status]")

    let_go()

    expect(tab_b.locator("#lesson-progress")).to_contain_text("You finished this lesson.")
    expect(tab_a.locator(STATUS)).to_contain_text("Saved")
    expect_soon(lambda: bodies() == ["From tab A"])
    space = Space.objects.get()
    # Tab A's first answer notes its lesson as begun, in the same space.
    assert set(LessonProgress.objects.values_list("space", "lesson_slug", "done")) == {
        (space.id, "what-attachment-is", False),
        (space.id, "attachment-patterns", True),
    }
    tab_b.get_by_role("button", name="Mark as not done").click()  # still this browser's space
    expect(tab_b.get_by_role("button", name="Mark as done")).to_be_visible()
    assert set(LessonProgress.objects.values_list("space", "lesson_slug", "done")) == {
        (space.id, "what-attachment-is", False),
        (space.id, "attachment-patterns", False),
    }
    context.close()


def test_a_save_goes_at_once_where_the_browser_refuses_the_turn(browser, live_server):
    """A browser may refuse a Web Lock (SecurityError, as where this site's storage is
    blocked): the save waited for a turn that never came, and the page never said so."""
    context = browser.new_context()
    context.add_init_script(
        "navigator.locks.request = () => Promise.reject(new DOMException('no', 'SecurityError'));"
    )
    page = context.new_page()
    open_lesson(page, live_server)

    type_answer(page, "Kept all the same")

    expect(page.locator(STATUS)).to_contain_text("Saved")
    expect_soon(lambda: bodies() == ["Kept all the same"])
    context.close()


def test_a_journal_search_is_not_kept_for_other_sites_boxes(
    browser_type, browser_type_launch_args, live_server, tmp_path
):
    """Chromium keeps what is searched in a box named "q" in its profile, and suggests it in
    every site's box of that name (a search engine's, on a shared computer): a search of
    one's journal must not be among them. A real profile on disk, as a person's browser has."""
    import sqlite3

    context = browser_type.launch_persistent_context(tmp_path, **browser_type_launch_args)
    page = context.new_page()
    page.goto(live_server.url + "/journal/")
    page.get_by_label("Search your journal").fill("the night in March")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("0 entries contain")).to_be_visible()
    page.wait_for_timeout(1000)  # the profile is written a moment after the form is sent
    context.close()

    with sqlite3.connect(tmp_path / "Default" / "Web Data") as profile:
        kept = profile.execute("SELECT name, value FROM autofill").fetchall()
    assert kept == []


def test_a_printout_for_a_therapist_gives_the_day_and_time_where_the_reader_is(
    browser, live_server
):
    """A reader in Los Angeles answers on a Sunday evening; printed, the answer said Monday
    morning (the server's UTC). The browser tells the export its time zone."""
    context = browser.new_context(timezone_id="America/Los_Angeles")
    page = context.new_page()
    open_lesson(page, live_server)
    type_answer(page, "Sunday evening words")
    expect(page.locator(STATUS)).to_contain_text("Saved")
    entry = Entry.objects.get()
    Entry.objects.update(created=entry.created.fromisoformat("2026-11-30T03:30:00+00:00"))

    page.goto(f"{live_server.url}/journal/entries/{entry.id}/")  # one entry, from its page
    page.get_by_role("button", name="Print or save this entry").click()
    expect(page.locator(".export-entry .meta")).to_contain_text("Nov. 29, 2026, 7:30 p.m. PST")

    page.goto(live_server.url + "/journal/export/")  # everything, as a Markdown file
    page.get_by_label("A plain text file (Markdown), easy to read anywhere").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Get my copy").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert "Nov. 29, 2026, 7:30 p.m. PST*" in text
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_printout_reads_as_answers_under_modest_questions(browser, live_server, width):
    """Printed for a therapist, each question stood as a banner half again the size of the
    answer under it, and the screen's "Use your browser's Print command" was on the paper."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    open_lesson(page, live_server)
    type_answer(page, "My gran's kitchen.")
    expect(page.locator(STATUS)).to_contain_text("Saved")
    page.goto(live_server.url + "/journal/export/")
    page.get_by_role("button", name="Get my copy").click()
    expect(page.locator(".export-entry__body")).to_contain_text("My gran's kitchen.")

    for media in ("screen", "print"):
        page.emulate_media(media=media)
        question, answer = (
            page.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            for selector in (".export-entry__question", ".export-entry__body p")
        )
        assert question <= answer, (media, question, answer)
        assert answer >= (16 if media == "print" else 17), (media, answer)  # 12pt on paper
    expect(page.get_by_text("Use your browser's Print command")).to_be_hidden()
    context.close()
