"""A real Chromium walks the site as a reader would, and axe-core audits each page."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from lessons.content import get_catalog
from tests.conftest import AGREE_TICK

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = {"phone": 375, "desktop": 1280}


@pytest.fixture
def reader(page, live_server):
    """A page that records console errors (CSP violations among them) and every request."""
    page.errors, page.hosts = [], set()
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.hosts.add(urlparse(r.url).netloc))
    page.base = live_server.url
    return page


def assert_accessible(page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def test_a_reader_walks_from_home_to_a_lesson_and_every_page_passes_axe(reader, screenshots):
    page = reader
    module = get_catalog().modules[0]
    lesson = module.lessons[0]

    page.goto(page.base + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Healing through connection"
    assert_accessible(page, "home")

    page.get_by_role("link", name=module.title, exact=True).first.click()
    page.wait_for_url(f"**/lessons/{module.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == module.title
    assert_accessible(page, "module")

    page.get_by_role("link", name=lesson.title, exact=True).first.click()
    page.wait_for_url(f"**/lessons/{module.slug}/{lesson.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == lesson.title
    first_prompt = lesson.prompts[0]
    assert page.get_by_label(first_prompt.question).is_visible()
    assert_accessible(page, "lesson")

    page.get_by_role("link", name=lesson.headed_sections[-1].title).first.click()
    assert page.url.endswith(f"#{lesson.headed_sections[-1].anchor}")

    assert page.errors == []
    assert page.hosts == {urlparse(page.base).netloc}, "a request left the site"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_pages_fit_phone_and_desktop_widths(reader, screenshots, width):
    page = reader
    page.set_viewport_size({"width": width, "height": 900})
    lesson = get_catalog().lessons[0]
    pages = {
        "home": "/",
        "module": f"/lessons/{lesson.module_slug}/",
        "lesson": f"/lessons/{lesson.module_slug}/{lesson.slug}/",
        "404": "/lessons/nothing-here/",
    }
    for name, path in pages.items():
        page.goto(page.base + path)
        page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
    assert_accessible(page, "404")
    # The only console error allowed is the 404 page's own status.
    assert [e for e in page.errors if "status of 404" not in e] == []


def test_dark_mode_pages_pass_axe(browser, live_server, screenshots):
    context = browser.new_context(color_scheme="dark", viewport={"width": 375, "height": 900})
    page = context.new_page()
    lesson = get_catalog().lessons[0]

    page.goto(f"{live_server.url}/lessons/{lesson.module_slug}/{lesson.slug}/")
    page.screenshot(path=screenshots / "lesson-dark-375.png", full_page=True)

    assert_accessible(page, "lesson in dark mode")
    context.close()


def test_the_skip_link_is_the_first_thing_the_keyboard_reaches(reader):
    page = reader
    page.goto(page.base + "/")

    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_lesson_turns_off_the_browser_features_the_site_never_uses(reader, settings):
    page = reader
    lesson = get_catalog().lessons[0]

    page.goto(f"{page.base}/lessons/{lesson.module_slug}/{lesson.slug}/")

    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert page.evaluate("f => document.featurePolicy.allowsFeature(f)", feature) is False
    # Chromium warns in its console of each name in the header it does not know.
    known = set(page.evaluate("document.featurePolicy.features()"))
    assert set(settings.PERMISSIONS_POLICY) <= known
    assert page.errors == []


def keep_an_answer_on_a_phone(page, live_server) -> None:
    """A reader on a phone who has kept one answer, so their space is there."""
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/lessons/attachment-basics/what-attachment-is/")
    page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
    page.locator("#reflection-ab-who-felt-safe-body").fill("Something kept")
    page.get_by_role("button", name="Save").first.click()
    # "Saved privately" gives way to "Saved" when the autosave of the filled text landed
    # first and the press saved again: either says the space is there.
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text("Saved")


def test_a_delete_page_keeps_cancel_apart_from_delete_and_draws_keep_a_copy_as_a_button(
    page, live_server
):
    # On a phone, "Cancel" sat one space from the red button: an easy wrong tap on a page
    # that deletes for good. "Keep a copy first", with no outline, read as loose text.
    keep_an_answer_on_a_phone(page, live_server)

    for url, delete in [
        ("/accounts/delete/", "Delete everything"),
        ("/journal/delete/", "Delete all"),
    ]:
        page.goto(live_server.url + url)
        button = page.get_by_role("button", name=delete).bounding_box()
        cancel = page.get_by_role("link", name="Cancel").bounding_box()
        apart = cancel["x"] - (button["x"] + button["width"])
        assert apart >= 16 or cancel["y"] >= button["y"] + button["height"], (url, apart)
        copy = page.get_by_role("link", name="Keep a copy first")
        assert copy.evaluate("a => getComputedStyle(a).borderTopWidth") == "2px", url


def test_the_agreement_tick_is_as_easy_to_hit_as_the_other_ticks(page, live_server):
    # It was the browser's 13 px box, beside a label whose link opens the notice: on a phone
    # a tap meant for the tick could land on the link instead.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/lessons/attachment-basics/what-attachment-is/")
    tick = page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").bounding_box()
    label = page.locator("#reflection-ab-who-felt-safe .reflection__agree label").bounding_box()

    assert tick["width"] >= 20 and tick["height"] >= 20, tick
    assert label["x"] >= tick["x"] + tick["width"], (tick, label)  # beside it, never under


def test_the_export_page_s_date_fields_are_as_easy_to_read_and_tap_as_the_others(page, live_server):
    # They kept the browser's own small type and a box about 20px high: hard to read, and
    # a small target for a finger on a phone.
    keep_an_answer_on_a_phone(page, live_server)

    page.goto(live_server.url + "/journal/export/")

    body_size = page.evaluate("getComputedStyle(document.body).fontSize")
    for label in ["Written on or after", "Written on or before"]:
        field = page.get_by_label(label)
        assert field.evaluate("f => getComputedStyle(f).fontSize") == body_size, label
        assert field.bounding_box()["height"] >= 44, label


def test_the_export_page_s_ticks_keep_their_size_and_line_up_with_its_radio_buttons(
    page, live_server
):
    # At 320px a module name that wraps ("A safe relationship in therapy") squeezed its tick
    # to 18px, and every tick sat a few pixels further in than the radio buttons above.
    keep_an_answer_on_a_phone(page, live_server)
    page.set_viewport_size({"width": 320, "height": 740})

    page.goto(live_server.url + "/journal/export/")

    choices = page.locator("input[name=format], input[name=modules]")
    boxes = [choices.nth(i).bounding_box() for i in range(choices.count())]
    assert len(boxes) > 3
    assert {(box["width"], box["height"]) for box in boxes} == {(20, 20)}, boxes
    assert len({box["x"] for box in boxes}) == 1, boxes


def test_words_and_links_under_a_row_of_buttons_do_not_touch_them(page, live_server):
    # On a phone, "Delete this entry" sat right against "Print or save this entry", and the
    # lesson's note on what its buttons keep against "Remember my place".
    page.set_viewport_size({"width": 320, "height": 740})
    page.goto(live_server.url + "/lessons/attachment-basics/what-attachment-is/")
    remember = page.get_by_role("button", name="Remember my place").bounding_box()
    note = page.locator("#lesson-progress [data-agreement]").bounding_box()
    assert note["y"] - (remember["y"] + remember["height"]) >= 8

    keep_an_answer_on_a_phone(page, live_server)
    page.goto(live_server.url + "/journal/")
    edit = page.locator("article.entry").get_by_role("link", name="Edit").first
    page.goto(live_server.url + edit.get_attribute("href").split("?")[0])
    print_it = page.get_by_role("button", name="Print or save this entry").bounding_box()
    delete = page.get_by_role("link", name="Delete this entry").bounding_box()
    assert delete["y"] - (print_it["y"] + print_it["height"]) >= 8


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_s_column_starts_under_the_site_s_name(page, live_server, width):
    # The pages of forms (log in, sign up, settings) and the privacy page were narrowed by
    # centring them: on a laptop their heading and fields began 16px right of the site's
    # name and of every other page, and the column jumped from page to page.
    page.set_viewport_size({"width": width, "height": 900})
    keep_an_answer_on_a_phone(page, live_server)  # so settings and the journal have a space
    page.set_viewport_size({"width": width, "height": 900})
    starts = {}
    for path in (
        "/",
        "/lessons/attachment-basics/what-attachment-is/",
        "/journal/",
        "/accounts/login/",
        "/accounts/signup/",
        "/settings/",
        "/privacy/",
        "/support/",
        "/glossary/",
    ):
        page.goto(live_server.url + path)
        name, column = (
            page.locator(s).first.bounding_box()["x"] for s in (".site-name", "main .page > *")
        )
        starts[path] = column - name
    assert set(starts.values()) == {0}, starts


def test_the_help_link_never_sits_alone_on_its_row_on_a_laptop(page, live_server):
    # With a space (Settings, Lock) and the log-in link, "Get help now" wrapped onto a row of
    # its own under the others, on a screen with room to spare.
    keep_an_answer_on_a_phone(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/journal/")
    rows = page.locator(".site-nav > li").evaluate_all(
        "items => items.map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(rows) == 8, "Lessons, Glossary, Journal, My circle, Settings, Lock, Log in, help"
    assert rows.count(rows[-1]) > 1, rows


def test_tab_keeps_each_focus_ring_clear_of_the_bottom_of_the_screen(page, live_server):
    # Tab scrolled just far enough to bring a link or a Save button in from below, and its
    # ring sat cut off on the screen's edge.
    page.emulate_media(reduced_motion="reduce")  # scrolled at once, measured where it stops
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/lessons/attachment-basics/what-attachment-is/")
    brought_in = 0
    for _ in range(30):
        before = page.evaluate("scrollY")
        page.keyboard.press("Tab")
        ring_end, height, now = page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
            return [e.getBoundingClientRect().bottom + parseFloat(s.outlineWidth)
                    + parseFloat(s.outlineOffset), innerHeight, scrollY]; }"""
        )
        if now > before:
            brought_in += 1
            assert ring_end <= height, page.evaluate("document.activeElement.outerHTML")
    assert brought_in >= 5, "Tab scrolled the page down, stop by stop"
