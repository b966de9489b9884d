"""In Chromium, on a phone on the bus: a network that hangs, lies or drops loses no word."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from attachment_guide.spaces.models import Space
from tests.conftest import AGREE_TICK, log_in_in
from tests.test_journal_browser import (
    BOX,
    LESSON,
    PROMPT,
    STATUS,
    agree,
    bodies,
    expect_soon,
    hold_the_next_save,
    open_lesson,
    type_answer,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PHONE = {"width": 375, "height": 740}
SAVES = "**/journal/prompts/**"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()


def saved_answer(response) -> bool:
    return response.url.endswith(f"/{PROMPT}/") and response.ok


def pressed(response) -> bool:
    """The answer to a press of the box's Save button."""
    return saved_answer(response) and "intent=save" in (response.request.post_data or "")


def listen_to_the_status_line(page):
    """Record every text the box's status line (a live region) is given, as a screen reader
    would hear it; call the result to read them."""
    page.evaluate(
        """status => { window.said = []; const line = document.querySelector(status);
        new MutationObserver(() => window.said.push(line.textContent.replace(/\\s+/g, " ").trim()))
          .observe(line, {childList: true, subtree: true, characterData: true}); }""",
        STATUS,
    )
    return lambda: page.evaluate("window.said")


def test_a_save_that_never_ends_is_given_up_and_the_words_after_it_are_saved(phone, live_server):
    """A connection that dies without the phone noticing (a tunnel, a weak signal) leaves a
    save waiting with no end: every later save of the box queued behind it, and the line
    still said "Saved" from before, so nothing typed after it was ever kept."""
    page = phone.new_page()
    page.clock.install()  # time flows as usual, and the test can move it on at once
    open_lesson(page, live_server)
    type_answer(page, "Before the tunnel.")
    expect_soon(lambda: bodies() == ["Before the tunnel."])
    expect(page.locator(STATUS)).to_contain_text("Saved")

    said = listen_to_the_status_line(page)
    held = hold_the_next_save(page)  # never answered, as a dead connection
    page.keyboard.type(" In the tunnel.")
    wait_for(page, held)
    page.keyboard.type(" Out of it.")
    with page.expect_response(saved_answer):  # Playwright hands over routes as it waits
        page.clock.fast_forward(60_000)

    expect_soon(lambda: bodies() == ["Before the tunnel. In the tunnel. Out of it."])

    expect(page.locator(STATUS)).to_contain_text("Saved")
    expect(page.locator(BOX)).to_have_value("Before the tunnel. In the tunnel. Out of it.")
    assert "Not saved — will retry" in said(), said()  # while it waited to send it again


WIFI_LOGIN = (
    "<!doctype html><html><head><title>Bus Wi-Fi</title></head>"
    "<body><h1>Log in to the free Wi-Fi</h1></body></html>"
)


@pytest.mark.parametrize("answer", ["a Wi-Fi login page", "a redirect to a sign-in page"])
def test_a_page_that_is_not_the_save_s_answer_is_not_taken_for_saved(phone, live_server, answer):
    """A Wi-Fi login page, or a sign-in page a proxy in front of the site redirects to,
    answers a save with 200: the whole page went into the status line (and was read out),
    the box counted its words as saved, and they were never sent again."""
    page = phone.new_page()
    open_lesson(page, live_server)
    type_answer(page, "Before the bus.")
    expect_soon(lambda: bodies() == ["Before the bus."])
    expect(page.locator(STATUS)).to_contain_text("Saved")
    in_the_way = [True]

    def answer_instead(route):
        if not in_the_way:
            route.continue_()
        elif answer == "a Wi-Fi login page":
            route.fulfill(status=200, content_type="text/html", body=WIFI_LOGIN)
        else:
            route.fulfill(status=302, headers={"Location": "/accounts/login/?next=/"})

    page.route(SAVES, answer_instead)
    said, title = listen_to_the_status_line(page), page.title()
    page.keyboard.type(" On the bus.")

    expect(page.locator(STATUS)).to_have_text("Not saved — will retry")
    assert said() == ["Not saved — will retry"]  # and never the page, read out in full
    expect(page.locator(STATUS).locator("*")).to_have_count(0)  # nothing of it left behind
    assert page.title() == title  # a Wi-Fi page's title did not become the tab's
    expect(page.locator(BOX)).to_have_value("Before the bus. On the bus.")
    assert bodies() == ["Before the bus."]
    in_the_way.clear()  # logged in to the Wi-Fi

    with page.expect_response(saved_answer):  # the retry, with no press from the reader
        pass
    expect_soon(lambda: bodies() == ["Before the bus. On the bus."])
    expect(page.locator(STATUS)).to_contain_text("Saved")


def test_following_a_link_while_offline_asks_first_and_the_words_save_once_back(phone, live_server):
    """Words typed offline are sent on the way out, but offline that cannot arrive: a tap on
    "Next" opened the browser's "No internet" page, and the words were gone with the page."""
    page = phone.new_page()
    open_lesson(page, live_server)
    type_answer(page, "Before the tunnel.")
    expect_soon(lambda: bodies() == ["Before the tunnel."])
    expect(page.locator(STATUS)).to_contain_text("Saved")
    said = listen_to_the_status_line(page)
    phone.set_offline(True)
    for words in (" In the tunnel.", " Still dark."):  # a save at each pause, each failing
        with page.expect_event("requestfailed"):
            page.keyboard.type(words)
    # Said once, calmly, and not again at each failed save (a live region is read out).
    assert said() == [
        "Not saved — you seem to be offline. Your text is still here, and it will save when"
        " you are back online."
    ]
    page.on("dialog", lambda dialog: dialog.dismiss())  # "Stay on this page"

    with page.expect_event("dialog") as asked:
        page.locator("a[rel=next]").click()

    assert asked.value.type == "beforeunload"
    expect(page).to_have_url(live_server.url + LESSON)
    expect(page.locator(BOX)).to_have_value("Before the tunnel. In the tunnel. Still dark.")
    phone.set_offline(False)  # nothing to press: the words go as the network comes back
    expect(page.locator(STATUS)).to_contain_text("Saved", timeout=10_000)
    expect_soon(lambda: bodies() == ["Before the tunnel. In the tunnel. Still dark."])


def test_quick_exit_never_asks_even_with_words_that_could_not_be_saved(
    page, live_server, neutral_site
):
    page.set_viewport_size(PHONE)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    open_lesson(page, live_server)
    page.route(SAVES, lambda route: route.fulfill(status=502, body="Bad gateway"))
    type_answer(page, "Someone came in")
    expect(page.locator(STATUS)).to_have_text("Not saved — will retry")

    neutral, arrivals = neutral_site
    started = time.monotonic()
    page.locator("a[data-quick-exit]").first.click()
    page.wait_for_url(neutral)

    assert arrivals and arrivals[0] - started < 0.5, "the neutral page must start loading at once"
    assert asked == []


def test_leave_anyway_in_the_privacy_notice_is_not_asked_a_second_time(page, live_server):
    """The notice's own question about leaving unkept words is answered once."""
    page.set_viewport_size(PHONE)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.goto(live_server.url + LESSON)
    page.route(SAVES, lambda route: route.abort())
    reflection = page.locator(f"#reflection-{PROMPT}")
    reflection.get_by_role("textbox").fill("Not kept")
    reflection.locator(AGREE_TICK).check()  # the save goes, and fails
    expect(page.locator(STATUS)).to_have_text("Not saved — will retry")
    reflection.get_by_role("link", name="privacy notice").click()
    dialog = page.get_by_role("dialog", name="Your privacy")
    expect(dialog.get_by_role("heading", name="What is kept")).to_be_visible()

    dialog.get_by_role("link", name="Your settings").click()
    dialog.get_by_role("link", name="Leave anyway").click()

    expect(page).to_have_url(live_server.url + "/settings/")
    assert asked == []


def test_a_signed_in_reader_whose_session_ran_out_while_offline_is_asked_before_leaving(
    phone, live_server
):
    """A laptop asleep, then back online signed out: the save is refused (the page was made
    for the account) and the box keeps the words and says to sign back in. The way out
    sends them as the same refused save, so following a link lost them without a word."""
    from django.contrib.auth.models import User

    User.objects.create_user("ash", password="a calm river at dawn")
    page = phone.new_page()
    log_in_in(page, live_server.url, "ash", "a calm river at dawn")
    open_lesson(page, live_server)
    type_answer(page, "Written before the lid closed.")
    expect_soon(lambda: bodies() == ["Written before the lid closed."])
    phone.set_offline(True)
    page.keyboard.type(" And on the train.")
    expect(page.locator(STATUS)).to_contain_text("you seem to be offline")
    phone.clear_cookies(name="sessionid")  # the session ran out meanwhile
    phone.set_offline(False)
    expect(page.locator(STATUS)).to_contain_text("sign back in and save again")
    page.on("dialog", lambda dialog: dialog.dismiss())  # "Stay on this page"

    with page.expect_event("dialog") as asked:
        page.locator("a[rel=next]").click()

    assert asked.value.type == "beforeunload"
    expect(page.locator(BOX)).to_have_value("Written before the lid closed. And on the train.")
    log_in_in(phone.new_page(), live_server.url, "ash", "a calm river at dawn")
    page.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Save").click()
    expect_soon(lambda: bodies() == ["Written before the lid closed. And on the train."])


def test_a_long_answer_too_big_to_send_on_the_way_out_asks_before_closing(phone, live_server):
    """A browser sends at most 64 KiB on the way out. A long answer in an alphabet of two
    bytes a letter (Greek, Cyrillic, Arabic, Hebrew) does not fit, well under the 50,000
    characters an answer may have: the beacon was refused and the last words were lost."""
    long = "Αγάπη και φόβος." * 2500  # 40,000 characters, 72,500 bytes
    page = phone.new_page()
    open_lesson(page, live_server)
    page.locator(BOX).fill(long)
    expect_soon(lambda: bodies() == [long])
    page.locator(BOX).press("End")
    page.on("dialog", lambda dialog: dialog.dismiss())  # "Stay on this page"

    page.keyboard.type(" Last words.")

    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)

    assert asked.value.type == "beforeunload"
    expect_soon(lambda: bodies() == [long + " Last words."])


def test_a_press_queued_behind_a_slow_save_goes_when_its_turn_comes(phone, live_server):
    """Saves wait their turn behind the one on its way. One with nothing new to send by its
    turn is not sent, and everything queued behind it (a press of Save, Done or "Start a
    fresh answer") then waited for the next save to end, which might never come: the press
    did nothing, or went long after, as the reader typed on."""
    page = phone.new_page()
    page.clock.install()
    open_lesson(page, live_server)
    type_answer(page, "Slow.")
    expect_soon(lambda: bodies() == ["Slow."])
    expect(page.locator(STATUS)).to_contain_text("Saved")
    held = hold_the_next_save(page)
    page.keyboard.type(" One.")
    wait_for(page, held)
    page.keyboard.type(" Two.")
    page.clock.fast_forward(1500)  # a pause in the typing: its save waits its turn
    page.keyboard.press("Tab")  # leaving the box: so does another, with nothing new by then
    page.locator(f"#reflection-{PROMPT}").get_by_role("button", name="Save").click()

    with page.expect_response(pressed):
        held[0].continue_()

    expect_soon(lambda: bodies() == ["Slow. One. Two."])


def test_too_many_saves_says_so_and_saves_after_the_wait(phone, live_server, settings):
    """A space that used up its saves for the minute is answered 429 with the reason, which
    the status line shows; "Not saved — will retry" was written over it at once."""
    settings.SAVES_PER_MINUTE = 1
    page = phone.new_page()
    page.clock.install()
    open_lesson(page, live_server)
    type_answer(page, "First.")
    page.locator(BOX).blur()
    expect_soon(lambda: bodies() == ["First."])

    with page.expect_response(lambda r: saved_answer_status(r) == 429):
        page.locator(BOX).click()
        page.keyboard.type(" Second.")
        page.locator(BOX).blur()
    expect(page.locator(STATUS)).to_contain_text("Too many saves in a minute")
    expect(page.locator(STATUS)).not_to_contain_text("will retry")

    settings.SAVES_PER_MINUTE = 60
    with page.expect_response(saved_answer):
        page.clock.fast_forward(61_000)
    expect_soon(lambda: bodies() == ["First. Second."])
    expect(page.locator(STATUS)).to_contain_text("Saved")


def saved_answer_status(response) -> int:
    return response.status if response.url.endswith(f"/{PROMPT}/") else 0


def test_a_first_save_whose_answer_is_lost_is_sent_again_into_the_space_it_made(phone, live_server):
    """The first save makes the reader's space, and its answer brings the cookie holding the
    key. Lost on the way (a tunnel: the server kept the words, the phone never heard), the
    save was sent again without that cookie and made a second space: the first, holding a
    copy of the words, could never be seen, exported or deleted."""
    page = phone.new_page()
    open_lesson(page, live_server)
    lost = []

    def lose_the_first_answer(route):
        if lost:
            route.continue_()
            return
        lost.append(route.fetch())  # the server keeps the words and answers...
        phone.clear_cookies(name="sessionid")  # ...and neither the answer nor its key arrives
        route.abort()

    page.route(SAVES, lose_the_first_answer)
    type_answer(page, "Kept once.")

    expect(page.locator(STATUS)).to_have_text(re.compile(r"^\s*Saved"), timeout=10_000)
    assert lost and lost[0].ok
    assert bodies() == ["Kept once."]
    assert Space.objects.count() == 1
    page.goto(live_server.url + "/journal/")
    expect(page.get_by_text("Kept once.")).to_have_count(1)


SECOND = "ab-when-upset-now"


def test_two_boxes_sent_at_once_as_the_tab_is_hidden_land_in_one_space(phone, live_server):
    """Words in two boxes, none saved yet, and the reader switches apps: each box goes as a
    beacon, at once (a beacon cannot wait its turn), and neither has a cookie. The second
    to arrive made a space of its own, and the browser kept one of the two keys: the words
    in the other space were never to be seen, exported or deleted."""
    page = phone.new_page()
    open_lesson(page, live_server)
    agree(page, SECOND)
    boxes = {PROMPT: "Grandmother.", SECOND: "I go quiet."}
    # Typed, and the tab hidden before either autosave was due.
    page.evaluate(
        """boxes => {
            for (const [key, words] of Object.entries(boxes)) {
                document.getElementById(`reflection-${key}-body`).value = words;
            }
            Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        boxes,
    )

    expect_soon(lambda: bodies() == ["Grandmother.", "I go quiet."])
    assert Space.objects.count() == 1
    page.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )  # back: what the beacons sent is saved again, as nothing confirmed them
    for status in (STATUS, f"#reflection-{SECOND}-status"):
        expect(page.locator(status)).to_have_text(re.compile(r"^\s*Saved"), timeout=10_000)
    assert Space.objects.count() == 1
    page.goto(live_server.url + "/journal/")
    expect(page.get_by_text("Grandmother.")).to_have_count(1)
    expect(page.get_by_text("I go quiet.")).to_have_count(1)
