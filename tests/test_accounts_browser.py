"""In Chromium: pick up where you left off, on this device and, with an account, on another."""

from __future__ import annotations

import re
import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from lessons.content import get_catalog
from lessons.models import LessonProgress
from tests.conftest import AGREE_TICK, log_in_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a quiet lake in winter"


def assert_accessible(page, name):
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def lesson():
    return get_catalog().lesson("attachment-basics", "what-attachment-is")


def test_continue_leads_back_to_the_section_after_a_restart_and_on_another_device(
    browser, live_server, screenshots
):
    url = f"{live_server.url}/lessons/attachment-basics/what-attachment-is/"
    box = "#reflection-ab-who-felt-safe-body"
    first = browser.new_context(viewport={"width": 375, "height": 800})
    page = first.new_page()
    page.goto(url)
    page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
    page.locator(box).fill("A kind teacher")
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text(
        "Saved", timeout=5000
    )
    second_section = lesson().headed_sections[1]
    # Wait for the server to answer the section's own progress post, not a fixed time. The
    # reload may put the page back where it was, just above that section, whose post then
    # goes as the page loads, so the wait starts before it.
    with page.expect_response(
        lambda r: (
            r.url.endswith("/progress/")
            and f"section={second_section.anchor}" in (r.request.post_data or "")
        )
    ) as recorded:
        page.reload()  # now that there is a space, reading is recorded
        page.locator(f"#{second_section.anchor}-title").scroll_into_view_if_needed()
    assert recorded.value.ok
    # It names the space its page was made for, as the forms do (tests/test_stale_tabs.py).
    assert re.search(r"(^|&)space=[0-9a-f]{64}(&|$)", recorded.value.request.post_data)
    state = first.storage_state()
    first.close()
    state["cookies"] = [c for c in state["cookies"] if c["expires"] != -1]

    again = browser.new_context(storage_state=state, viewport={"width": 375, "height": 800})
    home = again.new_page()
    home.goto(live_server.url + "/")
    card = home.locator(".continue")
    expect(card).to_contain_text(lesson().title)
    expect(card).to_contain_text(second_section.title)
    home.screenshot(path=screenshots / "home-continue-375.png", full_page=True)
    assert_accessible(home, "home with Continue")
    card.get_by_role("link").click()
    expect(home).to_have_url(re.compile(f"#{second_section.anchor}$"))
    expect(home.locator(box)).to_have_value("A kind teacher")

    # Sign up: everything written as a guest comes along.
    home.goto(live_server.url + "/accounts/signup/")
    assert_accessible(home, "sign-up")
    home.screenshot(path=screenshots / "signup-375.png", full_page=True)
    home.get_by_label("Username").fill("heron")
    home.get_by_label("Password", exact=True).fill(PASSWORD)
    home.get_by_label("Password again").fill(PASSWORD)
    home.get_by_role("button", name="Create my account").click()
    expect(home.locator("h1")).to_have_text("Your recovery code")
    assert_accessible(home, "recovery code")
    again.close()

    # A second device: log in, and the journal and the Continue card are there.
    device = browser.new_context(viewport={"width": 1280, "height": 900})
    other = device.new_page()
    other.goto(url)
    stale_tab = device.new_page()
    stale_tab.goto(url)  # opened before logging in: its anti-forgery token goes stale
    other.goto(live_server.url + "/accounts/login/")
    assert_accessible(other, "log-in")
    other.get_by_label("Username").fill("heron")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other.locator(".continue")).to_contain_text(second_section.title)
    other.goto(live_server.url + "/journal/")
    expect(other.locator("main")).to_contain_text("A kind teacher")

    # The tab opened before logging in still saves: it fetches a fresh token and retries.
    # (Its tick, shown before this browser agreed, is asked for: nothing goes without it.)
    stale_tab.locator("#reflection-ab-when-upset-now-body").fill("Saved from an old tab")
    stale_tab.locator(f"#reflection-ab-when-upset-now {AGREE_TICK}").check()
    expect(stale_tab.locator("#reflection-ab-when-upset-now-status")).to_contain_text(
        "Saved", timeout=15000
    )
    other.reload()
    expect(other.locator("main")).to_contain_text("Saved from an old tab")

    other.goto(live_server.url + "/accounts/")
    assert_accessible(other, "account")
    other.screenshot(path=screenshots / "account-1280.png", full_page=True)
    device.close()


def test_the_glossary_and_a_module_with_further_reading_pass_axe(page, live_server, screenshots):
    page.goto(live_server.url + "/glossary/")
    expect(page.locator("#secure-base")).to_contain_text("Secure base")
    assert_accessible(page, "glossary")
    page.screenshot(path=screenshots / "glossary-1280.png", full_page=True)

    page.goto(live_server.url + "/lessons/attachment-wounds/")
    expect(page.locator("main")).to_contain_text("Further reading")
    assert_accessible(page, "module with further reading")


def test_a_refused_sign_up_tick_stays_beside_its_words(page, live_server):
    """The tick's error went into the tick's own column of the grid and widened it: on a
    phone the box stood a third of the screen away from "I agree to the privacy notice"."""
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Please tick this box to make an account.")).to_be_visible()

    tick = page.get_by_label("I agree to the privacy notice.").bounding_box()
    words = page.locator("label[for=id_agree]").bounding_box()

    assert words["x"] - (tick["x"] + tick["width"]) < 24


def test_a_progress_press_after_signing_in_in_another_tab_is_sent_again_with_a_fresh_token(
    browser, live_server, django_user_model
):
    """Signing in changes the anti-forgery token, so a lesson tab opened before it is refused
    (403). Its writing boxes fetch a fresh token and retry; so must "Mark as done", or the
    press would seem to do nothing. (A page made before there was a space saves into the
    account just signed in to, as the boxes do: tests/test_stale_tabs.py.)"""
    user = django_user_model.objects.create_user("heron", password=PASSWORD)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    tab = context.new_page()
    tab.goto(f"{live_server.url}/lessons/attachment-basics/what-attachment-is/")
    other = context.new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("Username").fill("heron")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other.locator("h1")).not_to_have_text("Log in")

    statuses = []
    tab.on(
        "response",
        lambda r: statuses.append(r.status) if r.url.endswith("/progress/") else None,
    )
    tab.get_by_role("button", name="Mark as done").click()

    expect(tab.locator("#lesson-progress")).to_contain_text("You finished this lesson.")
    assert statuses == [403, 200]
    progress = LessonProgress.objects.get(space__user=user, lesson_slug="what-attachment-is")
    assert progress.done
    context.close()


def test_the_account_page_opens_at_its_top_with_no_field_taken(
    page, live_server, django_user_model
):
    # Django's password-change form takes the focus for its old password: on a phone the
    # account page (where one logs out) opened scrolled to it, the keyboard up, and a
    # screen reader started there, past "You are logged in as" and "Log out".
    django_user_model.objects.create_user("heron", password=PASSWORD)
    page.set_viewport_size({"width": 375, "height": 740})
    log_in_in(page, live_server.url, "heron", PASSWORD)

    page.goto(live_server.url + "/accounts/")

    assert page.evaluate("document.activeElement.tagName") == "BODY"
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()


@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        ({"Current password": "not my password"}, "Current password"),
        ({"New password again": "something else entirely"}, "New password again"),
    ],
)
def test_a_refused_password_change_opens_at_the_field_refused(
    page, live_server, django_user_model, typed, refused
):
    # The account page no longer takes the focus for the old password when it opens; sent
    # back with a problem, it opened at its top, the reason further down and not read out.
    django_user_model.objects.create_user("heron", password=PASSWORD)
    page.set_viewport_size({"width": 375, "height": 740})
    log_in_in(page, live_server.url, "heron", PASSWORD)
    page.goto(live_server.url + "/accounts/")
    fields = {"Current password": PASSWORD, "New password": "a new quiet lake"}
    fields["New password again"] = "a new quiet lake"
    for label, value in (fields | typed).items():
        page.get_by_label(label, exact=True).fill(value)

    page.get_by_role("button", name="Change password").click()

    page.wait_for_load_state()
    expect(page.get_by_label(refused, exact=True)).to_be_focused()
    expect(page.get_by_label(refused, exact=True)).to_be_in_viewport()


def up_to_the_code(page) -> None:
    """On the sign-up page (the notice not agreed to yet): make "heron", up to its code."""
    page.get_by_label("Username").fill("heron")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.locator(AGREE_TICK).check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your recovery code")).to_be_visible()


def create_an_account_here(page) -> None:
    """On the sign-up page (the notice not agreed to yet): make "heron", past the code."""
    up_to_the_code(page)
    page.get_by_role("link", name="I have kept my code").click()


@pytest.mark.parametrize("how", ["log in", "sign up"])
def test_logging_in_from_the_middle_of_a_lesson_comes_back_to_the_section_read_to(
    page, live_server, django_user_model, screenshots, how
):
    # "Log in" always landed on home: a reader half-way through a lesson lost it. Then it
    # came back to the lesson, but at its top: the section reached was lost.
    url = f"{live_server.url}/lessons/attachment-basics/what-attachment-is/"
    reached = lesson().headed_sections[2]
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(url)
    for section in lesson().headed_sections[:3]:  # read down, a section at a time
        page.locator(f"#{section.anchor}-title").scroll_into_view_if_needed()
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(150)
    page.keyboard.press("Home")  # and back up to the navigation, which is at the top
    page.wait_for_function("() => window.scrollY === 0")

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Log in").click()
    if how == "log in":
        django_user_model.objects.create_user("heron", password=PASSWORD)
        page.get_by_label("Username").fill("heron")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    else:
        page.get_by_role("link", name="Create one").click()
        create_an_account_here(page)

    page.wait_for_url(f"{url}#{reached.anchor}")
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    heading = page.locator(f"#{reached.anchor}-title")
    expect(heading).to_be_in_viewport()
    # At the top, below the quick-exit bar, once the page has settled at its fragment: read
    # at once after signing up, it was still 400 px down in some runs.
    page.wait_for_function(
        "heading => heading.getBoundingClientRect().top < 200", arg=heading.element_handle()
    )
    page.screenshot(path=screenshots / f"lesson-after-{how.replace(' ', '-')}-375.png")


def test_without_javascript_signing_up_from_a_lesson_comes_back_to_it(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    page = context.new_page()
    url = f"{live_server.url}/lessons/attachment-basics/what-attachment-is/"
    page.goto(url)

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Log in").click()
    page.get_by_role("link", name="Create one").click()
    create_an_account_here(page)

    page.wait_for_url(url)
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    context.close()


# A code whose groups start with digits: no line may break after a dash followed by a
# digit (Unicode's line breaking rules), so the old `overflow-wrap: anywhere` broke one of
# them in the middle instead.
CODE = "ABCDE-23456-FGHJK-789MN"


# The text of an element, line by line as laid out: each character's place, measured.
LINES_OF = """element => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT), lines = new Map();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const top = Math.round(range.getBoundingClientRect().top);
      lines.set(top, (lines.get(top) || "") + node.data[i]);
    }
  }
  return [...lines.values()];
}"""


class _FixedCode:
    """Stands for `secrets` where recovery codes are made: the next code is always `CODE`."""

    def __init__(self) -> None:
        self.letters = iter(CODE.replace("-", "") * 10)

    def choice(self, alphabet: str) -> str:
        return next(self.letters)

    def __getattr__(self, name: str):
        return getattr(secrets, name)  # everything else as it was


def sign_up_to_the_code(context, live_server, monkeypatch):
    monkeypatch.setattr("attachment_guide.accounts.services.secrets", _FixedCode())
    page = context.new_page()
    page.goto(live_server.url + "/accounts/signup/")
    up_to_the_code(page)
    return page


# 160 and 187: a 320px and a 375px phone at 200% zoom.
@pytest.mark.parametrize("width", [160, 187, 320, 375, 1280])
def test_a_recovery_code_wraps_only_between_its_groups_and_reads_as_one_code(
    browser, live_server, monkeypatch, screenshots, width
):
    """On a phone the code broke inside a group ("ABCDE-2" / "3456-…"), easy to misread
    when copied by hand onto paper."""
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = sign_up_to_the_code(context, live_server, monkeypatch)
    code = page.locator(".recovery-code code")

    lines = code.evaluate(LINES_OF)
    assert "".join(lines) == CODE
    assert all(re.fullmatch(r"([A-Z0-9]{5}-?)+", line) for line in lines), lines
    box = code.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # and none goes off the screen
    style = code.evaluate("c => [getComputedStyle(c).fontSize, getComputedStyle(c).fontFamily]")
    assert float(style[0].removesuffix("px")) >= (24 if width >= 320 else 18)
    assert "mono" in style[1].lower()
    # A screen reader meets one code, not four pieces (nor a list of them).
    assert page.locator(".recovery-code").aria_snapshot() == f"- paragraph:\n  - code: {CODE}"
    code.locator("..").screenshot(path=screenshots / f"recovery-code-{width}.png")
    # Selected and copied by hand, it is the code as shown, as the recover form takes it.
    selected = code.evaluate(
        "c => { getSelection().selectAllChildren(c); return getSelection().toString(); }"
    )
    assert selected == CODE
    assert_accessible(page, "recovery code")
    context.close()


def test_the_account_is_ready_notice_leaves_room_under_the_header(
    browser, live_server, monkeypatch
):
    # It sat flush against the header's border, where a heading would have had room.
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = sign_up_to_the_code(context, live_server, monkeypatch)
    header = page.locator(".site-header").bounding_box()
    notice = page.get_by_text("Your account is ready.").bounding_box()
    assert notice["y"] - (header["y"] + header["height"]) >= 16
    context.close()


def test_copy_puts_the_code_on_the_clipboard_only_and_says_copied(
    browser, live_server, monkeypatch
):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = sign_up_to_the_code(context, live_server, monkeypatch)
    expect(page.get_by_text("stays on this device's clipboard")).to_be_visible()

    page.get_by_role("button", name="Copy the code").click()

    expect(page.get_by_role("status").filter(has_text="Copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == CODE
    # Nothing else holds it: no storage, no attribute, nothing but the code's own text.
    stored = page.evaluate(
        "[localStorage, sessionStorage].flatMap(s => Object.keys(s).map(k => k + s[k]))"
    )
    assert stored == ["htmx-current-path-for-history/accounts/signup/"]  # htmx's own, a path
    in_attributes = page.evaluate(
        "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.value))"
        ".filter(v => v.includes('23456'))"
    )
    assert in_attributes == []
    # What was copied is what the recover form takes.
    page.get_by_role("link", name="I have kept my code").click()
    page.goto(live_server.url + "/accounts/")
    page.get_by_role("button", name="Log out").click()
    page.goto(live_server.url + "/accounts/recover/")
    page.get_by_label("Username").fill("heron")
    page.get_by_label("Recovery code").fill(page.evaluate("navigator.clipboard.readText()"))
    page.get_by_label("New password", exact=True).fill("a new quiet lake")
    page.get_by_label("New password again").fill("a new quiet lake")
    page.get_by_role("button", name=re.compile("password", re.I)).click()
    expect(page.locator("main")).to_contain_text("Your new password is set")
    context.close()


def test_without_javascript_there_is_no_copy_button(browser, live_server, monkeypatch):
    context = browser.new_context(java_script_enabled=False)
    page = sign_up_to_the_code(context, live_server, monkeypatch)

    expect(page.locator("#recovery-code")).to_have_text(CODE)
    expect(page.get_by_role("button", name="Copy the code")).to_have_count(0)
    expect(page.get_by_text("stays on this device's clipboard")).to_be_hidden()
    context.close()
