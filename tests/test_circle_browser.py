"""My support circle in a real Chromium: changed in place without a page load, readable on a
phone and a desktop in light and dark, nothing overlapping, and axe finds nothing to fix."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from attachment_guide.circle.models import CircleMember
from tests.conftest import AGREE_TICK, log_in_in
from tests.test_browser import assert_accessible
from tests.test_circle import overlap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_PEOPLE = {
    "Who could you call if you had a hard day?": "Mum, Sam, Priya",
    "Who do you see most weeks?": "Grandad, Book club, Jo from work",
    "Which groups, services or professionals help you?": "Dr Patel, Crisis line, Therapist (Lee)",
}

# Every name's box on the map in screen pixels (turned as drawn), its text's height, and
# whether the text stays inside its own pill.
MEASURE = """(svg) => [...svg.querySelectorAll(".dg-person")].map((g) => {
  const rect = g.querySelector("rect"), text = g.querySelector("text");
  const m = g.getScreenCTM();
  const b = rect.getBBox(), t = text.getBBox();
  const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
    .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  const px = parseFloat(text.getAttribute("font-size")) * Math.hypot(m.a, m.b);
  const inside = t.x >= b.x && t.x + t.width <= b.x + b.width;
  return {name: text.textContent, corners, px, inside};
})"""


def start_a_map(page, base: str) -> None:
    page.goto(base + "/circle/")
    for question, names in FIRST_PEOPLE.items():
        page.get_by_label(question).fill(names)
    page.locator(
        f"#circle-start {AGREE_TICK}"
    ).check()  # the one-time agreement to the privacy notice
    page.get_by_role("button", name="Put them on my map").click()
    expect(page.locator("#circle-status")).to_have_text("Added 9 to your map.")


def test_a_person_builds_a_map_in_place_and_axe_finds_nothing(page, live_server, screenshots):
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(live_server.url + "/circle/")
    assert_accessible(page, "empty circle")
    page.screenshot(path=screenshots / "circle-empty-1280.png", full_page=True)

    start_a_map(page, live_server.url)  # its message ("Added 9") comes only with htmx
    page.evaluate("window.stillThisPage = true")
    form = page.locator("#circle-add")
    form.get_by_label("Name or nickname").fill("Aunt Margaret Thompson-Whitfield")
    form.get_by_label("People I see regularly").check()
    form.get_by_label("Practical help").check()
    form.get_by_label("A way to reach them (optional)").fill("07700 900123")
    form.get_by_role("button", name="Add to my map").click()

    expect(page.locator("#circle-status")).to_have_text("Added to your map.")
    expect(page.locator("#add-name")).to_be_focused()  # ready for the next person
    expect(page.locator(".dg-person")).to_have_count(10)
    assert page.evaluate("window.stillThisPage") is True  # no page load: htmx swapped it in
    assert_accessible(page, "circle with people")

    # Bad input: a clear message in place, what was typed kept.
    form = page.locator("#circle-add")
    form.get_by_label("A way to reach them (optional)").fill("kept")
    form.get_by_role("button", name="Add to my map").click()
    expect(page.locator("#circle-add")).to_contain_text("Please write a name")
    expect(page.locator("#add-reach")).to_have_value("kept")
    assert_accessible(page, "circle form with errors")

    # Edit in place: Mum moves to the second ring, and the map follows.
    mum = page.locator(".member", has_text="Mum")
    mum.get_by_role("link", name="Edit Mum").click()
    editor = page.locator(".member--editing")
    expect(editor.get_by_label("Name or nickname")).to_be_focused()
    assert_accessible(page, "editing in place")
    editor.get_by_label("People I see regularly").check()
    editor.get_by_role("button", name="Save changes").click()
    expect(page.locator("#circle-status")).to_have_text("Changes saved.")
    expect(page.locator(".member__name", has_text="Mum")).to_be_focused()  # where they were
    expect(page.locator('.dg-person[data-ring="2"]', has_text="Mum")).to_have_count(1)

    # Remove asks first, in place.
    page.get_by_role("link", name="Remove Sam").click()
    expect(page.locator(".member--confirm")).to_contain_text("Remove “Sam” from your map?")
    # The focus goes to the question, not to the red button: a stray Enter removes no one.
    expect(page.locator(".member--confirm p").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".member--confirm")).to_have_count(1)
    assert_accessible(page, "confirming a removal")
    page.get_by_role("button", name="Remove").click()
    expect(page.locator("#circle-status")).to_have_text("Removed from your map.")
    expect(page.locator(".dg-person")).to_have_count(9)
    expect(page.locator("#circle-list-title")).to_be_focused()

    assert page.evaluate("window.stillThisPage") is True
    assert sorted(m.name for m in CircleMember.objects.all())[:2] == [
        "Aunt Margaret Thompson-Whitfield",
        "Book club",
    ]
    # The only console error allowed is the refused form's own 422 (CSP would show up here).
    assert [e for e in errors if "status of 422" not in e] == []


def test_without_javascript_the_same_forms_work(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    start_a_map_without_js = page.goto(live_server.url + "/circle/")
    assert start_a_map_without_js.ok
    page.get_by_label("Who could you call if you had a hard day?").fill("Mum")
    page.locator(f"#circle-start {AGREE_TICK}").check()
    page.get_by_role("button", name="Put them on my map").click()
    expect(page.locator("#circle-status")).to_have_text("Your map has its first people.")
    page.get_by_role("link", name="Remove Mum").click()
    assert page.url.endswith("/remove/")
    page.get_by_role("button", name="Remove").click()

    expect(page.locator("#circle-status")).to_have_text("Removed from your map.")
    assert CircleMember.objects.count() == 0
    context.close()


def test_the_remove_page_does_not_put_the_focus_on_its_red_button(page, live_server):
    # It did (autofocus): one stray Enter, or a rushed tap of a phone's Go key, took the
    # person off the map. Like every page, it opens at its top, the skip link first.
    start_a_map(page, live_server.url)
    sam = next(m for m in CircleMember.objects.all() if m.name == "Sam")  # names are encrypted

    page.goto(f"{live_server.url}/circle/{sam.id}/remove/")

    assert page.evaluate("document.activeElement.tagName") == "BODY"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert CircleMember.objects.filter(id=sam.id).exists()


@pytest.mark.parametrize("form", ["#circle-start", "#circle-add"])
def test_without_javascript_a_refused_form_opens_where_the_names_came_back(
    browser, live_server, form
):
    """The refusal is the whole page again, map first: on a phone, opening at its top would
    leave the names and the reason below the fold, as if they were lost."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/circle/")
    page.locator(f"{form} input[type=text]").first.fill("Mum")
    if form == "#circle-add":
        page.locator("#add-ring_0").check()

    page.locator(form).locator("button[type=submit]").click()  # the notice's tick left out

    expect(page.locator(form).get_by_role("alert")).to_be_in_viewport()
    expect(page.locator(f"{form} input[type=text]").first).to_have_value("Mum")
    assert CircleMember.objects.count() == 0
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_map_is_readable_on_a_phone_and_a_desktop(browser, live_server, screenshots, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    start_a_map(page, live_server.url)
    # Nine people with everyday names fit a 320px screen whole, names 11px or more.
    page.set_viewport_size({"width": 320, "height": 900})
    box = page.locator(".circle-map__scroll")
    assert box.evaluate("(b) => b.scrollWidth <= b.clientWidth")
    assert box.get_attribute("tabindex") is None
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#add-name").fill("Aunt Margaret Thompson-Whitfield")
    page.locator("#add-ring_2").check()
    page.get_by_role("button", name="Add to my map").click()
    expect(page.locator(".dg-person")).to_have_count(10)
    assert_accessible(page, f"circle ({scheme})")

    for width in (1280, 375, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/circle/")
        if width != 320:
            page.screenshot(path=screenshots / f"circle-{scheme}-{width}.png", full_page=True)
            page.locator(".circle-map").screenshot(
                path=screenshots / f"circle-map-{scheme}-{width}.png"
            )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways at {width}px"
        svg = page.locator(".circle-map__drawing")
        box = svg.evaluate("(s) => [s.parentElement.scrollWidth, s.parentElement.clientWidth]")
        if width == 320:
            # Two long names in the outer ring make the map wider than a 320px screen: rather
            # than shrink the names, it scrolls in its own box, which the keyboard can reach.
            assert svg.locator("xpath=..").get_attribute("tabindex") == "0"
        else:
            assert box[0] <= box[1], f"the map scrolls in its box at {width}px: {box}"
        people = svg.evaluate(MEASURE)
        assert len(people) == 10
        for person in people:
            assert person["inside"], f"{person['name']} spills out of its pill at {width}px"
            assert person["px"] >= 11, f"{person['name']} is {person['px']:.1f}px at {width}px"
        for i, one in enumerate(people):
            for other in people[i + 1 :]:
                assert not overlap(one["corners"], other["corners"]), (one["name"], other["name"])

    page.emulate_media(media="print")
    expect(page.locator("#circle-add")).to_be_hidden()
    expect(page.locator(".member__actions").first).to_be_hidden()
    context.close()


def test_names_a_refusal_gave_back_are_asked_for_before_a_notice_link_leaves(page, live_server):
    """Pressed without the tick, the guided start is refused and its names come back in the
    form, as the page now holds them: nothing was kept. Following a link in the privacy notice,
    opened from the tick to read before agreeing, left the page and the names with it."""
    question, names = next(iter(FIRST_PEOPLE.items()))
    page.goto(live_server.url + "/circle/")
    start = page.locator("#circle-start")
    start.get_by_label(question).fill(names)
    start.get_by_role("button", name="Put them on my map").click()
    expect(start.locator("form[data-given-back]")).to_have_count(1)  # the refusal is in
    start.get_by_role("link", name="privacy notice").click()
    dialog = page.get_by_role("dialog", name="Your privacy")
    expect(dialog.get_by_role("heading", name="What is kept")).to_be_visible()

    dialog.get_by_role("link", name="Your settings").click()

    ask = dialog.get_by_role("alert")
    expect(ask).to_contain_text("Your writing on this page is not kept yet.")
    assert page.url == live_server.url + "/circle/"
    ask.get_by_role("button", name="Go back to the page").click()
    expect(start.get_by_label(question)).to_be_focused()
    expect(start.get_by_label(question)).to_have_value(names)
    assert not CircleMember.objects.exists()


def test_the_notice_link_in_a_changed_notice_refusal_opens_in_place_and_keeps_the_name(
    page, live_server, notice_changed
):
    """A tick given on a page opened before new words of the privacy notice went out is
    refused, and the refusal links to the notice to read what changed. Followed as a plain
    link, it left the page, and the name and the way to reach them typed there with it."""
    page.goto(live_server.url + "/circle/")
    add = page.locator("#circle-add")
    add.get_by_label("Name or nickname").fill("Aunt Margaret")
    add.get_by_label("Closest").check()
    add.locator(AGREE_TICK).check()
    notice_changed()
    add.get_by_role("button", name="Add to my map").click()
    refusal = add.locator(".form-errors")
    expect(refusal).to_contain_text("has changed since this page was opened")

    refusal.get_by_role("link", name="privacy notice").click()

    dialog = page.get_by_role("dialog", name="Your privacy")
    expect(dialog.get_by_role("heading", name="What is kept")).to_be_visible()
    assert page.url == live_server.url + "/circle/"
    dialog.get_by_role("button", name="Close").click()
    expect(add.get_by_label("Name or nickname")).to_have_value("Aunt Margaret")
    assert not CircleMember.objects.exists()


def test_a_tab_left_open_while_signing_in_elsewhere_still_adds_to_the_map(browser, live_server):
    """Signing in in another tab makes this tab's anti-forgery token stale. The circle's
    forms were sent with it and refused: pressing "Add to my map" seemed to do nothing. They
    fetch a fresh token and send once more, as the writing boxes and the progress buttons
    do; this browser's guest map went into the account, and so does the name."""
    from django.contrib.auth.models import User

    birch = User.objects.create_user("birch", password="a calm river at dawn")
    context = browser.new_context()
    page = context.new_page()
    start_a_map(page, live_server.url)  # as a guest
    other = context.new_page()
    log_in_in(other, live_server.url, "birch", "a calm river at dawn")

    add = page.locator("#circle-add")
    add.get_by_label("Name or nickname").fill("Sam")
    add.get_by_label("Closest").check()
    add.get_by_role("button", name="Add to my map").click()

    expect(page.locator("#circle-status")).to_have_text("Added to your map.", timeout=5000)
    assert "Sam" in [m.name for m in CircleMember.objects.filter(space=birch.space)]
    context.close()
