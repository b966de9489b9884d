"""In Chromium: quick exit, grounding in place, and the whole path by keyboard alone."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from attachment_guide.journal.models import Entry
from tests.conftest import AGREE_TICK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LESSON = "/lessons/attachment-basics/what-attachment-is/"


def focus_is_visible(page) -> bool:
    return page.evaluate(
        """() => { const el = document.activeElement; if (!el || el === document.body) return false;
        const s = getComputedStyle(el); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"""
    )


def test_shift_three_times_counts_announces_and_exits_within_half_a_second(
    page, live_server, neutral_site
):
    page.goto(live_server.url + LESSON)
    status = page.locator("#quick-exit-status")

    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 2 more times to exit.")
    expect(page.locator("[data-dot].is-on")).to_have_count(1)
    page.keyboard.press("a")  # any other key starts again
    expect(page.locator("[data-dot].is-on")).to_have_count(0)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 1 more time to exit.")

    neutral, arrivals = neutral_site
    started = time.monotonic()
    page.keyboard.press("Shift")
    page.wait_for_url(neutral)

    assert arrivals and arrivals[0] - started < 0.5, "the neutral page must start loading at once"
    assert page.content().count("ok") >= 1


def test_the_count_resets_after_five_seconds(page, live_server, neutral_site):
    page.goto(live_server.url + LESSON)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")

    page.wait_for_timeout(5300)
    page.keyboard.press("Shift")

    expect(page.locator("[data-dot].is-on")).to_have_count(1)
    assert page.url.startswith(live_server.url)


def test_the_exit_button_leaves_and_back_does_not_return_to_the_page(
    page, live_server, neutral_site
):
    page.goto(live_server.url + LESSON)

    page.get_by_role("link", name="Exit this page", exact=True).click()
    page.wait_for_url(neutral_site[0])
    page.go_back()

    assert not page.url.startswith(live_server.url + LESSON)


def test_after_exit_forgets_the_device_back_shows_no_words_in_the_boxes(
    page, live_server, neutral_site
):
    """Back after quick exit loads the pages before it again, now for someone with no space.
    Chromium put back what had been typed in their boxes (it keeps that in each page's
    history entry): the person's answer, in the empty box of the page served after exit."""
    page.goto(live_server.url + LESSON)
    page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
    box = page.locator("#reflection-ab-who-felt-safe-body")
    box.fill("First words")
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text("Saved")
    page.goto(live_server.url + "/settings/")
    page.get_by_label("Forget this device").check()
    page.get_by_label("I understand: forgetting this device", exact=False).check()
    page.locator("#exit-form").get_by_role("button").click()
    expect(page.get_by_text("Saved your choice.")).to_be_visible()
    page.goto(live_server.url + LESSON)
    box.fill("Words nobody else may read")
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text("Saved")
    page.get_by_role("link", name="Glossary").click()
    page.wait_for_url("**/glossary/")

    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(neutral_site[0])
    page.go_back()

    page.wait_for_url(live_server.url + LESSON)
    page.wait_for_load_state()
    expect(box).to_have_value("")
    assert Entry.objects.count() == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_exit_button_s_focus_ring_is_drawn_on_the_screen(
    browser, live_server, scheme
):
    """On a phone the button spans the top edge of the screen: a ring drawn around it fell
    off the screen on three sides, and only a thin line under it showed the focus."""
    context = browser.new_context(viewport={"width": 375, "height": 700}, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + LESSON)
    for _ in range(3):  # the two skip links, then the button
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"

    ring = page.evaluate(
        """() => { const el = document.activeElement, s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        const out = parseFloat(s.outlineOffset) + parseFloat(s.outlineWidth);
        return {top: r.top - out, left: r.left - out, right: r.right + out,
                width: window.innerWidth, color: s.outlineColor, background: s.backgroundColor}; }"""
    )
    assert ring["top"] >= 0 and ring["left"] >= 0 and ring["right"] <= ring["width"], ring
    assert ring["color"] != ring["background"], "a ring inside the button must show on it"
    context.close()


def test_the_privacy_notice_s_exit_leaves_at_once_even_with_words_not_kept(
    page, live_server, neutral_site
):
    """A link in the notice asks before leaving unsaved words behind; its Exit never does."""
    page.goto(live_server.url + LESSON)
    reflection = page.locator("#reflection-ab-who-felt-safe")
    reflection.get_by_role("textbox").fill("Someone came in")
    reflection.get_by_role("link", name="privacy notice").click()
    dialog = page.get_by_role("dialog", name="Your privacy")
    expect(dialog.get_by_role("heading", name="What is kept")).to_be_visible()

    neutral, arrivals = neutral_site
    started = time.monotonic()
    dialog.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(neutral)

    assert arrivals and arrivals[0] - started < 0.5, "the neutral page must start loading at once"


def test_without_javascript_the_exit_button_is_a_plain_link_that_works(
    browser, live_server, neutral_site
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")

    page.get_by_role("link", name="Exit this page", exact=True).click()

    page.wait_for_url(neutral_site[0])
    context.close()


def test_the_footer_names_the_shift_keys_only_where_they_work(browser, live_server, page):
    """Shift three times is a script's: without scripts the footer promised a way out that
    does nothing, to a reader who may need it most."""
    context = browser.new_context(java_script_enabled=False)
    still = context.new_page()
    still.goto(live_server.url + "/")
    footer = still.locator(".site-footer")
    # (Playwright's text search skips <noscript>, so what shows is read from the layout.)
    assert "To leave this site quickly, use Exit this page." in footer.inner_text()
    assert footer.inner_text().count("To leave this site quickly") == 1
    assert "Shift" not in footer.inner_text()
    context.close()

    page.goto(live_server.url + "/")
    expect(page.locator(".site-footer")).to_contain_text(
        "To leave this site quickly, use Exit this page or press Shift three times."
    )
    assert page.locator(".site-footer").inner_text().count("To leave this site quickly") == 1


def test_grounding_opens_and_closes_in_place_and_keeps_an_unsaved_answer(page, live_server):
    page.route("**/journal/**", lambda route: route.abort())  # nothing can be saved
    page.goto(live_server.url + LESSON)
    box = page.locator("#reflection-ab-who-felt-safe-body")
    box.fill("Words not saved yet")

    page.get_by_text("Need a pause? Open a short grounding exercise").click()
    expect(page.locator("#grounding")).to_contain_text("five")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_text("Need a pause? Open a short grounding exercise").click()

    expect(box).to_have_value("Words not saved yet")
    assert page.url == live_server.url + LESSON


@pytest.mark.parametrize("width", [320, 1280])
def test_at_its_end_the_grounding_exercise_closes_and_gives_the_focus_back_to_its_opener(
    page, live_server, screenshots, width
):
    # Its end had no way back: at 320px, a long scroll up to the summary to close it.
    page.set_viewport_size({"width": width, "height": 640})
    page.goto(live_server.url + LESSON)
    opener = page.locator("#grounding > summary")
    opener.click()

    close = page.locator("#grounding").get_by_role("link", name="Close the exercise")
    close.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / f"grounding-end-{width}.png")
    assert page.evaluate("innerHeight") < close.bounding_box()["y"] + page.evaluate("scrollY")
    close.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#grounding")).not_to_have_attribute("open", "")
    expect(opener).to_be_focused()
    expect(opener).to_be_in_viewport()
    assert page.url == live_server.url + LESSON  # no jump in the history to go back through
    page.keyboard.press("Tab")  # and on from there, into the lesson
    assert page.evaluate("document.activeElement.closest('#contents') !== null")


def test_without_javascript_the_grounding_exercise_s_end_leads_back_to_its_top(
    browser, live_server
):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + LESSON)
    opener = page.locator("#grounding > summary")
    opener.click()

    back = page.get_by_role("link", name="Back to the top of the exercise")
    back.scroll_into_view_if_needed()
    expect(opener).not_to_be_in_viewport()
    back.click()

    expect(opener).to_be_in_viewport()  # one press from closing it
    context.close()


def test_the_grounding_page_leads_back_to_the_same_spot_of_the_lesson_it_was_opened_from(
    page, live_server
):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + LESSON)
    footer_link = page.get_by_role("link", name="A grounding exercise")
    footer_link.scroll_into_view_if_needed()
    where = page.evaluate("scrollY")
    assert where > 2000
    footer_link.click()
    page.wait_for_url("**/grounding/**")

    page.get_by_role("link", name="Go back to where you were").click()

    page.wait_for_url(live_server.url + LESSON)
    page.wait_for_function(f"Math.abs(scrollY - {where}) < 50")


def test_without_javascript_the_grounding_page_leads_back_to_the_lesson(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + LESSON)
    page.get_by_role("link", name="A grounding exercise").click()

    page.get_by_role("link", name="Go back to where you were").click()

    page.wait_for_url(live_server.url + LESSON)
    context.close()


def test_the_support_page_passes_axe_and_fits_a_small_screen(page, live_server, screenshots):
    for width in (320, 375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/support/")
        page.locator("#helplines-gb > summary").click()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"support scrolls sideways at {width}px"
        page.screenshot(path=screenshots / f"support-{width}.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_keyboard_only_read_write_save_journal_and_exit(page, live_server, neutral_site):
    page.goto(live_server.url + LESSON)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(80):  # read down the lesson to the first question
        page.keyboard.press("Tab")
        assert focus_is_visible(page), page.evaluate(
            "document.activeElement.outerHTML.slice(0, 120)"
        )
        if page.evaluate("document.activeElement.id") == "reflection-ab-who-felt-safe-body":
            break
    else:
        pytest.fail("the first question could not be reached by keyboard")
    page.keyboard.type("Typed with the keyboard only")
    page.keyboard.press("Tab")  # the one-time agreement to the privacy notice
    assert page.evaluate(
        f"document.activeElement.matches('#reflection-ab-who-felt-safe {AGREE_TICK}')"
    )
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    # Ticking saves at once, and the first save offers "only for this visit" before Save:
    # wait for it, or the next Tab races the answer.
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text(
        "Saved", timeout=5000
    )
    page.keyboard.press("Tab")  # the notice's link, inside the sentence
    assert page.evaluate("document.activeElement.textContent.trim()") == "privacy notice"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == (
        "Keep it only for this visit instead"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Save"
    page.keyboard.press("Enter")
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text(
        "Saved", timeout=5000
    )
    assert page.evaluate("document.activeElement.textContent.trim()") in {
        "Save",
        "Start a fresh answer",
    }
    assert Entry.objects.get().body == "Typed with the keyboard only"

    page.goto(live_server.url + "/")
    for _ in range(12):
        page.keyboard.press("Tab")
        assert focus_is_visible(page)
        if page.evaluate("document.activeElement.textContent.trim()") == "Journal":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/journal/")
    expect(page.locator("main")).to_contain_text("Typed with the keyboard only")

    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(neutral_site[0])


PAGES = {
    "home": "/",
    "lesson": LESSON,
    "journal": "/journal/",
    "circle": "/circle/",
    "support": "/support/",
    "login": "/accounts/login/",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 375, 1280])
def test_every_page_type_fits_small_screens_in_light_and_dark(
    browser, live_server, screenshots, width, scheme
):
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width}px ({scheme})"
        page.screenshot(path=screenshots / f"{name}-{width}-{scheme}.png")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()


def test_pages_work_at_200_percent_zoom(browser, live_server, screenshots):
    # A 1280px-wide window at 200% zoom lays out like a 640px one with doubled pixels.
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = context.new_page()
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at 200% zoom"
        page.screenshot(path=screenshots / f"{name}-zoom200.png")
    context.close()


def test_journal_states_pass_axe(page, live_server):
    page.goto(live_server.url + "/journal/")  # empty
    expect(page.locator("main")).to_contain_text("Nothing saved yet")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.locator(f"#reflection-free-writing {AGREE_TICK}").check()
    page.locator("#reflection-free-writing-body").fill("x" * 50_001)  # the error state
    page.locator("#reflection-free-writing").get_by_role("button", name="Save").click()
    expect(page.locator("#reflection-free-writing-status")).to_contain_text("the limit is 50,000")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.locator("#reflection-free-writing-body").fill("A short entry")
    expect(page.locator("#reflection-free-writing-status")).to_contain_text("Saved", timeout=5000)
    page.reload()
    page.locator("article.entry").get_by_role("link", name="Edit this entry").click()
    expect(page.locator(".entry--editing textarea")).to_be_focused()  # the edit state
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_quick_exit_that_forgets_the_device_sends_no_words_on_the_way_out(
    browser, live_server, neutral_site
):
    """A tab opened before there was a space, words typed in it a moment before quick exit
    with "forget this device": the words went out as the tab was hidden, after the exit had
    thrown the key away, so they made a new space and handed this browser its key: the next
    person at the device found them."""
    from attachment_guide.spaces.models import Space

    context = browser.new_context()
    early = context.new_page()
    early.goto(live_server.url + LESSON)  # no space yet: its boxes could make one
    page = context.new_page()
    a_guest_whose_exit_does(page, live_server.url, "forget")
    page.close()

    early.bring_to_front()
    early.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
    box = early.locator("#reflection-ab-who-felt-safe-body")
    box.click()
    early.keyboard.type("Words typed just before leaving")  # no pause: no autosave yet
    for _ in range(3):
        early.keyboard.press("Shift")
    early.wait_for_url(neutral_site[0])
    early.wait_for_timeout(1000)  # a beacon, had one gone, has landed

    assert Entry.objects.count() == 0
    assert Space.objects.count() == 0
    context.close()


# --- Offline, or the site out of reach: exit still leaves, and happens at the next visit ------

ANSWER = "Words nobody else may read"


def a_guest_with_one_answer(page, base: str) -> None:
    page.goto(base + LESSON)
    page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
    page.locator("#reflection-ab-who-felt-safe-body").fill(ANSWER)
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text("Saved")


def a_guest_whose_exit_does(page, base: str, choice: str) -> None:
    """A guest with one saved answer, who chose in /settings/ what exit does."""
    a_guest_with_one_answer(page, base)
    page.goto(base + "/settings/")
    exit_form = page.locator("#exit-form")
    if choice == "lock":
        page.get_by_label("New passcode", exact=True).fill("river stones")
        page.get_by_label("The new passcode again").fill("river stones")
        page.get_by_label("After 15 quiet minutes").check()
        page.get_by_role("button", name="Set the passcode").click()
        expect(page.get_by_text("Your passcode is set.")).to_be_visible()
        exit_form.get_by_label("Lock my space").check()
        exit_form.get_by_label("Your passcode").fill("river stones")
    else:
        exit_form.get_by_label("Forget this device").check()
        exit_form.get_by_label("I understand: forgetting this device", exact=False).check()
    exit_form.get_by_role("button").click()
    expect(page.get_by_text("Saved your choice.")).to_be_visible()
    page.goto(base + LESSON)
    expect(page.locator("#reflection-ab-who-felt-safe-body")).to_have_value(ANSWER)


def the_exit_has_happened(page, base: str, choice: str) -> None:
    page.goto(base + LESSON)
    if choice == "lock":
        expect(page.get_by_text("your answers are hidden").first).to_be_visible()
        page.goto(base + "/journal/")
        expect(page.get_by_role("heading", name="Locked")).to_be_visible()
        assert Entry.objects.count() == 1  # kept, behind the passcode
    else:
        expect(page.locator("#reflection-ab-who-felt-safe-body")).to_have_value("")
        assert Entry.objects.count() == 0
    assert ANSWER not in page.content()


@pytest.mark.parametrize("choice", ["forget", "lock"])
def test_offline_exit_goes_straight_to_the_neutral_site_and_happens_at_the_next_visit(
    page, context, live_server, neutral_site, choice
):
    """Offline, /exit/ could not load: Chromium put its own error page under this site's
    address and name, and the lock or forget chosen never happened."""
    a_guest_whose_exit_does(page, live_server.url, choice)
    neutral, arrivals = neutral_site
    tried = []
    context.on("request", lambda r: r.is_navigation_request() and tried.append(r.url))
    context.set_offline(True)

    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    started = time.monotonic()
    with page.expect_event("requestfailed", lambda r: r.is_navigation_request()):
        page.keyboard.press("Shift")

    assert arrivals and arrivals[0] - started < 0.5, "the neutral page must be asked for at once"
    assert tried and set(tried) == {neutral}, "never through this site's /exit/"
    # Chromium's own error page: its tab is named after the neutral site's host, not ours.
    page.wait_for_url("chrome-error://**")
    expect(page).to_have_title(urlsplit(neutral).hostname)
    context.set_offline(False)
    page.go_back()  # the page before, from the history, as the next person might
    page.wait_for_url("**/settings/**")
    if choice == "lock":
        expect(page.get_by_role("heading", name="Locked")).to_be_visible()
    else:
        expect(page.get_by_text("Nothing is saved on this device yet")).to_be_visible()
    the_exit_has_happened(page, live_server.url, choice)


def test_an_exit_the_site_did_not_answer_happens_at_the_next_visit(page, live_server, neutral_site):
    a_guest_whose_exit_does(page, live_server.url, "forget")
    page.route("**/exit/", lambda route: route.abort())  # a dead signal, a tunnel

    with page.expect_event("requestfailed", lambda r: r.url.endswith("/exit/")):
        page.get_by_role("link", name="Exit this page", exact=True).click()
    assert Entry.objects.count() == 1  # nothing reached the site

    page.unroute("**/exit/")
    the_exit_has_happened(page, live_server.url, "forget")


def test_a_slow_site_does_not_hold_the_exit_back_and_the_exit_still_happens(
    page, live_server, neutral_site, monkeypatch, settings
):
    """Through /exit/, the browser waited for this site's answer before it went on: a slow
    server kept the blank page, with this site's address, on screen for as long. The
    everyday site is asked for at once now, and /exit/ beside it, in the background."""
    import attachment_guide.safety.views as views

    a_guest_whose_exit_does(page, live_server.url, "forget")
    carry_out = views.exit_carry_out

    def slowly(*args, **kwargs):
        time.sleep(2)  # a busy server
        return carry_out(*args, **kwargs)

    monkeypatch.setattr(views, "exit_carry_out", slowly)
    neutral, arrivals = neutral_site

    started = time.monotonic()
    page.get_by_role("link", name="Exit this page", exact=True).click()
    page.wait_for_url(neutral)

    assert arrivals and arrivals[0] - started < 0.5, "the neutral page must be asked for at once"
    # With no other visit: the request in the background did the exit, and its answer
    # took the key and the pending-exit mark out of the browser.
    deadline = time.monotonic() + 8
    while Entry.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Entry.objects.exists()
    # The answer's cookies reach the browser a moment after the rows went: on a busy
    # machine (a CI run) more than half a second after.
    kept = {settings.SESSION_COOKIE_NAME, settings.EXIT_PENDING_COOKIE_NAME}
    deadline = time.monotonic() + 8
    names = {cookie["name"] for cookie in page.context.cookies()}
    while names & kept and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        names = {cookie["name"] for cookie in page.context.cookies()}
    assert settings.SESSION_COOKIE_NAME not in names
    assert settings.EXIT_PENDING_COOKIE_NAME not in names


def pending_cookies(page, settings, *, wait: bool) -> list[dict]:
    """The pending-exit cookies in the page's browser. The page writes its cookie before it
    leaves, but the browser files it a moment later, and on a busy machine (a CI run) after
    the failed navigation has been reported: when one is awaited, it is awaited for up to 8 s."""
    deadline = time.monotonic() + 8

    def found() -> list[dict]:
        name = settings.EXIT_PENDING_COOKIE_NAME
        return [cookie for cookie in page.context.cookies() if cookie["name"] == name]

    cookies = found()
    while wait and not cookies and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        cookies = found()
    return cookies


def test_exit_leaves_no_cookie_where_nothing_was_kept_and_one_after_a_first_save(
    browser, live_server, neutral_site, settings
):
    """The only cookie a reader may get before keeping anything is the anti-forgery token
    (PRODUCT.md): pressing exit with nothing kept sets none, offline included. A first
    answer kept on the same page since makes the exit one that must not be lost."""
    for keeps_an_answer in (False, True):
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server.url + LESSON)
        if keeps_an_answer:
            page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
            page.locator("#reflection-ab-who-felt-safe-body").fill(ANSWER)
            expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text("Saved")
        context.set_offline(True)
        with page.expect_event("requestfailed", lambda r: r.is_navigation_request()):
            page.get_by_role("link", name="Exit this page", exact=True).click()

        assert len(pending_cookies(page, settings, wait=keeps_an_answer)) == keeps_an_answer
        context.close()


# --- The pending-exit cookie lasts as long as the key it stands guard over --------------------

PENDING_DAYS = 400


def pending_cookie_after_an_offline_exit(page, settings) -> dict:
    """Press Exit this page with the device offline, and give back the cookie left behind."""
    page.context.set_offline(True)
    with page.expect_event("requestfailed", lambda r: r.is_navigation_request()):
        page.get_by_role("link", name="Exit this page", exact=True).click()
    cookies = pending_cookies(page, settings, wait=True)
    assert len(cookies) == 1, "the exit must not be lost"
    return cookies[0]


def days_left(cookie: dict) -> float:
    return (cookie["expires"] - time.time()) / 86400


def keep_the_space(page, base: str, *, only_for_this_visit: bool) -> None:
    """Choose in /settings/ how long this browser keeps its space."""
    page.goto(base + "/settings/")
    keep = page.locator("#keep-form")
    if only_for_this_visit:
        keep.get_by_label("Only for this visit", exact=False).check()
    else:
        keep.get_by_label("Keep my space on this device").check()
    keep.get_by_role("button").click()
    expect(page.get_by_text("Saved your choice.")).to_be_visible()


def a_guest_who_keeps_the_space(page, base: str, *, only_for_this_visit: bool) -> None:
    a_guest_with_one_answer(page, base)
    keep_the_space(page, base, only_for_this_visit=only_for_this_visit)
    page.goto(base + LESSON)


@pytest.mark.parametrize("only_for_this_visit", [True, False], ids=["visit", "device"])
def test_the_pending_exit_cookie_ends_with_the_browser_when_the_key_does(
    browser, live_server, neutral_site, settings, only_for_this_visit
):
    """Kept only for this visit, the key to the space is gone when the browser closes, and
    with it anything to exit: the pending-exit cookie, kept 400 days, stayed behind as a
    sign that exit was pressed on this site. Kept on the device, the key outlives the
    browser, and so must the exit that is to end it."""
    context = browser.new_context()
    page = context.new_page()
    a_guest_who_keeps_the_space(page, live_server.url, only_for_this_visit=only_for_this_visit)
    session = next(c for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    assert (session["expires"] == -1) is only_for_this_visit  # the key, as chosen

    cookie = pending_cookie_after_an_offline_exit(page, settings)

    if only_for_this_visit:
        assert cookie["expires"] == -1
    else:
        assert PENDING_DAYS - 1 < days_left(cookie) <= PENDING_DAYS
    context.close()


def test_a_first_save_then_only_for_this_visit_on_the_same_page_ends_the_cookie_with_the_browser(
    browser, live_server, neutral_site, settings
):
    """The page was made with no space, so it said nothing of how long a key would last: the
    first save's answer and the choice made under it tell quick exit."""
    for choice in ("kept", "only for this visit"):
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server.url + LESSON)
        page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
        page.locator("#reflection-ab-who-felt-safe-body").fill(ANSWER)
        expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text("Saved")
        if choice == "only for this visit":
            page.get_by_role("button", name="Keep it only for this visit instead").click()
            expect(page.locator("#reflection-ab-who-felt-safe")).to_contain_text(
                "This device will forget your space when the browser closes"
            )

        cookie = pending_cookie_after_an_offline_exit(page, settings)

        if choice == "kept":
            assert PENDING_DAYS - 1 < days_left(cookie) <= PENDING_DAYS, choice
        else:
            assert cookie["expires"] == -1, choice
        context.close()


@pytest.mark.parametrize("remember", [False, True], ids=["not-remembered", "remembered"])
def test_an_account_s_pending_exit_lasts_as_long_as_its_sign_in(
    browser, live_server, neutral_site, settings, django_user_model, remember
):
    """Signed in without "Remember me", the session ends with the browser, as a visit's."""
    django_user_model.objects.create_user("heron", password="a long enough passphrase 42")
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("heron")
    page.get_by_label("Password").fill("a long enough passphrase 42")
    page.get_by_label("Remember me on this device").set_checked(remember)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    page.goto(live_server.url + LESSON)

    cookie = pending_cookie_after_an_offline_exit(page, settings)

    if remember:
        assert PENDING_DAYS - 1 < days_left(cookie) <= PENDING_DAYS
    else:
        assert cookie["expires"] == -1
    context.close()


@pytest.mark.parametrize("now_kept", ["on this device", "only for this visit"])
def test_a_tab_left_open_learns_how_long_the_key_now_lasts_from_the_tab_that_changed_it(
    browser, live_server, neutral_site, settings, now_kept
):
    """A tab opened while the space was kept one way, and another tab of the same browser
    changing it: the old tab's offline exit must last as long as the key now does. Made to
    end with the browser while the key lived on, the exit was lost when the browser closed;
    made to last while the key ended, it stayed behind as a trace that exit was pressed."""
    context = browser.new_context()
    old_tab = context.new_page()
    a_guest_who_keeps_the_space(
        old_tab, live_server.url, only_for_this_visit=now_kept == "on this device"
    )
    other_tab = context.new_page()
    keep_the_space(
        other_tab, live_server.url, only_for_this_visit=now_kept == "only for this visit"
    )
    old_tab.bring_to_front()

    cookie = pending_cookie_after_an_offline_exit(old_tab, settings)

    if now_kept == "on this device":
        assert PENDING_DAYS - 1 < days_left(cookie) <= PENDING_DAYS
    else:
        assert cookie["expires"] == -1
    context.close()
