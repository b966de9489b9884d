"""In Chromium, as a screen reader meets the site: where the focus goes after each press,
and what the live regions say (every change to a role=status or role=alert region is
recorded, as a screen reader would hear it read out)."""

from __future__ import annotations

import itertools
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LESSON = "/lessons/attachment-basics/what-attachment-is/"

# Every change to a live region's text, in order: [region id, its text after the change].
LISTEN = """() => {
  window.heard = [];
  const live = "[role=status], [role=alert], [aria-live]";
  new MutationObserver((changes) => {
    const regions = new Set();
    for (const change of changes) {
      const node = change.target.nodeType === 1 ? change.target : change.target.parentElement;
      const region = node && node.closest(live);
      if (region) regions.add(region);
    }
    for (const region of regions) {
      window.heard.push([region.id, region.textContent.replace(/\\s+/g, " ").trim()]);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def heard(page, region_id: str) -> list[str]:
    """What the region with `region_id` said since `LISTEN`, each change once."""
    return [text for rid, text in page.evaluate("window.heard") if rid == region_id]


def test_a_refused_form_puts_the_focus_on_its_first_field_to_fix(browser, live_server):
    for scripts in (True, False):
        context = browser.new_context(java_script_enabled=scripts)
        page = context.new_page()
        page.goto(live_server.url + "/accounts/signup/")
        page.get_by_label("Password", exact=True).fill("long enough password")
        page.get_by_role("button", name="Create my account").click()

        username = page.get_by_label("Username")
        expect(username).to_be_focused()
        expect(username).to_have_attribute("aria-invalid", "true")
        context.close()


def test_a_refused_log_in_puts_the_focus_on_what_went_wrong(browser, live_server):
    User.objects.create_user("robin", password="a long password")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    context.close()


def test_a_refused_form_swapped_in_place_puts_the_focus_on_its_first_field_to_fix(
    page, live_server
):
    page.goto(live_server.url + "/circle/")
    page.evaluate("window.stillThisPage = true")
    page.get_by_role("button", name="Add to my map").click()

    name = page.locator("#circle-add").get_by_label("Name or nickname")
    expect(name).to_be_focused()
    assert page.evaluate("window.stillThisPage")  # answered in place, by htmx


def test_a_lesson_s_progress_buttons_leave_the_focus_on_what_they_changed(page, live_server):
    page.goto(live_server.url + LESSON)
    page.evaluate("window.stillThisPage = true")

    page.get_by_role("button", name="Mark as done").click()
    said = page.locator("#lesson-progress [role=status]")
    expect(said).to_contain_text("You finished this lesson.")
    expect(said).to_be_focused()  # not lost with the button that was pressed

    page.get_by_role("button", name="Mark as not done").click()
    expect(said).to_have_text("This lesson is no longer marked as done.")
    expect(said).to_be_focused()
    assert page.evaluate("window.stillThisPage")  # answered in place, by htmx

    page.get_by_role("button", name="Mark as done").click()
    expect(said).to_be_focused()
    page.reload()  # a page opened later starts at its top, as every page does
    expect(page.locator("#lesson-progress [role=status]")).to_contain_text("You finished")
    expect(page.locator("body")).to_be_focused()


def answer(page, prompt: str, text: str) -> None:
    """Answer `prompt` of the lesson on the page, agreeing to the notice if still asked."""
    tick = page.locator(f"#reflection-{prompt} input[name=agree]")
    if tick.is_visible():
        tick.check()
    page.locator(f"#reflection-{prompt}-body").fill(text)
    expect(page.locator(f"#reflection-{prompt}-status")).to_contain_text("Saved")


def test_deleting_an_entry_in_place_leaves_the_focus_where_it_was(page, live_server):
    page.goto(live_server.url + LESSON)
    answer(page, "ab-who-felt-safe", "My grandmother's kitchen")
    answer(page, "ab-when-upset-now", "I keep it to myself")
    page.goto(live_server.url + "/journal/")
    newest = page.locator("article.entry").first
    expect(newest).to_contain_text("I keep it to myself")
    older = page.locator("article.entry", has_text="My grandmother's kitchen")

    newest.get_by_role("link", name="Delete this entry").click()
    page.get_by_role("button", name="Delete", exact=True).click()

    deleted = page.locator(".entry--deleted")
    expect(deleted).to_have_text("Entry deleted.")
    expect(deleted).to_be_focused()  # not the top of the page: the button pressed is gone
    page.keyboard.press("Tab")  # and the keyboard goes on to the next entry
    expect(older.get_by_role("link").first).to_be_focused()


def test_shift_with_another_key_says_nothing_and_shift_alone_is_counted_aloud(page, live_server):
    """Shift+Tab (back one field) and capital letters start with a Shift: the quick-exit count
    said "Shift, press 2 more times to exit." at each of them, then took it back."""
    page.goto(live_server.url + LESSON)
    page.evaluate(LISTEN)
    page.locator("#reflection-ab-who-felt-safe-body").focus()
    for key in ("Tab", "Tab", "KeyI", "Tab"):
        page.keyboard.down("Shift")
        page.wait_for_timeout(80)  # as long as a person holds it before the other key
        page.keyboard.press(key)
        page.keyboard.up("Shift")
    page.wait_for_timeout(200)
    assert [text for text in heard(page, "quick-exit-status") if text] == []

    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(page.locator("[data-dot].is-on")).to_have_count(2)
    assert [text for text in heard(page, "quick-exit-status") if text] == [
        "Shift, press 2 more times to exit.",
        "Shift, press 1 more time to exit.",
    ]


def test_autosaves_that_change_nothing_on_the_status_line_are_not_read_out_again(page, live_server):
    page.goto(live_server.url + LESSON)
    answer(page, "ab-who-felt-safe", "My grandmother's kitchen")
    status = "reflection-ab-who-felt-safe-status"
    box = page.locator("#reflection-ab-who-felt-safe-body")
    page.evaluate(LISTEN)

    for more in (", and her garden", ", and her dog"):  # two pauses, each an autosave
        with page.expect_response("**/journal/prompts/**"):
            box.press("End")
            box.press_sequentially(more)
        page.wait_for_timeout(100)
    sent = []
    page.on("request", lambda r: r.method == "POST" and "/prompts/" in r.url and sent.append(r))
    box.press("Tab")  # leaving the box: its words are kept already, so nothing is sent
    page.wait_for_timeout(300)
    assert sent == []

    said = heard(page, status)
    assert said and all(text.startswith("Saved") for text in said), said
    # "Saved 17:30" once, not at every save; a new minute is news.
    assert all(one != next_one for one, next_one in itertools.pairwise(said)), said

    with page.expect_response("**/journal/prompts/**"):
        page.locator("#reflection-ab-who-felt-safe").get_by_role("button", name="Save").click()
    page.wait_for_timeout(100)
    assert len(heard(page, status)) == len(said) + 1  # a press is always answered


def test_the_glossary_s_terms_are_headings_not_landmarks_of_their_own(page, live_server):
    page.goto(live_server.url + "/glossary/")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Attachment", exact=True)).to_be_visible()
    assert main.get_by_role("heading", level=2).count() > 20
    # Its landmarks: the list of terms, and nothing a term at a time.
    expect(main.get_by_role("region")).to_have_count(0)
    expect(main.get_by_role("navigation", name="Terms")).to_be_visible()


def test_a_breadcrumb_is_read_as_its_links_without_the_marks_drawn_between_them(page, live_server):
    page.goto(live_server.url + LESSON)
    read = page.get_by_role("navigation", name="Breadcrumb").aria_snapshot()
    assert "›" not in read, read
    assert 'link "Attachment basics"' in read
    # Still drawn.
    assert page.evaluate(
        """() => getComputedStyle(document.querySelector(".breadcrumbs li + li"), "::before")
        .content.startsWith('"›"')"""
    )


def test_continue_reads_its_module_lesson_and_section_apart(page, live_server):
    """The marks between them are drawn and hidden from screen readers, so the link was read
    as one run: "Attachment basics What attachment is Trust can grow back"."""
    page.goto(live_server.url + LESSON)
    page.get_by_role("button", name="Remember my place").click()
    expect(page.get_by_text("Your place in this lesson is remembered.")).to_be_visible()

    page.goto(live_server.url + "/")

    link = page.locator(".continue__link")
    expect(link).to_have_accessible_name(
        re.compile(r"^Attachment basics, What attachment is(, [^,]+)?$")
    )
    expect(link).to_contain_text("Attachment basics › What attachment is")
