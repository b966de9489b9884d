"""Right to left in a real Chromium: with a right-to-left language active, the page is a mirror
of the English one (the exit button, the navigation, the writing boxes and their buttons
change sides), and what a person wrote still reads in its own direction."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import AGREE
from tests.test_languages import LESSON, PSEUDO_RTL, pseudo_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (375, 1280)
# What the person writes, in both directions: (right to left, left to right) on each page.
WRITTEN = {
    "journal": ("שלום, this starts in Hebrew and goes on in English", "A quiet walk by the canal"),
    "circle": ("נועה", "Sam"),
}

# Where things sit, in CSS pixels of the viewport: (left, right) of each.
MEASURE = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                        return [r.left, r.right, r.top]; };
  const items = [...document.querySelectorAll(".site-nav li")];
  const label = document.querySelector(".reflection label, .reflection__question");
  return {
    dir: document.documentElement.dir,
    width: document.documentElement.clientWidth,
    exit: box(document.querySelector("#quick-exit")),
    name: box(document.querySelector(".site-name")),
    firstNav: box(items[0]),
    lastNav: box(items[items.length - 1]),
    heading: box(document.querySelector("main h1")),
    textarea: box(document.querySelector(".reflection textarea")),
    label: box(label),
    scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    // What the person wrote: its text and the direction it is laid out in.
    written: Object.fromEntries([...document.querySelectorAll(".entry__body, .member__name")]
      .map((el) => [el.textContent.trim(), getComputedStyle(el).direction])),
  };
}"""


def save_some_writing(page, base: str) -> None:
    """Answers, free writing and a circle for the browser's own space, sent as its pages do."""
    page.goto(base + LESSON)
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['x-csrftoken']")
    headers = {"X-CSRFToken": token, "HX-Request": "true", "Referer": base + LESSON}
    writing = [
        ("/journal/prompts/ab-who-felt-safe/", "Gran's kitchen on Sundays"),
        ("/journal/write/", WRITTEN["journal"][0]),
        ("/journal/write/", WRITTEN["journal"][1]),
    ]
    for url, body in writing:
        form = {**AGREE, "body": body, "entry": str(uuid.uuid4()), "version": "0"}
        assert page.request.post(base + url, form=form, headers=headers).ok
    for ring, name in enumerate(
        [WRITTEN["circle"][1], "Book club", "Dr Okafor", WRITTEN["circle"][0]], start=1
    ):
        form = {**AGREE, "name": name, "ring": str(min(ring, 3))}
        assert page.request.post(base + "/circle/add/", form=form, headers=headers).ok


def measure(browser, base: str, url: str, width: int, shot=None) -> dict:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    save_some_writing(page, base)
    page.goto(base + url)
    found = page.evaluate(MEASURE)
    if shot:
        page.screenshot(path=shot, full_page=True)
    context.close()
    return found


PAGES = {"lesson": LESSON, "journal": "/journal/", "circle": "/circle/"}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_a_right_to_left_language_mirrors_the_page(browser, live_server, screenshots, name, width):
    url = PAGES[name]
    ltr = measure(browser, live_server.url, url, width)
    with pseudo_language(PSEUDO_RTL):
        rtl = measure(browser, live_server.url, url, width, screenshots / f"rtl-{name}-{width}.png")
    assert (ltr["dir"], rtl["dir"]) == ("ltr", "rtl")
    assert not rtl["scrolls"]
    middle = rtl["width"] / 2

    def centre(box):
        return (box[0] + box[1]) / 2

    # Exit this page sits at the end of the line: right in English, left in Arabic (on a
    # phone it fills the bar, in either).
    if width > 640:
        assert centre(ltr["exit"]) > middle > centre(rtl["exit"])
    # The site's name starts the header; the navigation runs from the start.
    assert centre(ltr["name"]) < middle < centre(rtl["name"])
    if ltr["firstNav"][2] == ltr["lastNav"][2]:  # on one line
        assert ltr["firstNav"][0] < ltr["lastNav"][0]
        assert rtl["firstNav"][0] > rtl["lastNav"][0]
    # Headings, labels and writing boxes start at the right.
    assert rtl["heading"][1] == pytest.approx(rtl["width"] - ltr["heading"][0], abs=2)
    # What a person wrote reads in its own direction, whichever the page's.
    if name in WRITTEN:
        hebrew, english = WRITTEN[name]
        for found in (ltr, rtl):
            assert (found["written"][hebrew], found["written"][english]) == ("rtl", "ltr")
    if rtl["textarea"]:
        assert rtl["label"][1] == pytest.approx(rtl["textarea"][1], abs=2)
        assert ltr["label"][0] == pytest.approx(ltr["textarea"][0], abs=2)
