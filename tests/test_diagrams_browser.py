"""The diagrams in a real Chromium: readable on a phone and a desktop, light and dark, and in
print; axe finds nothing to fix on the lessons that hold them."""

from __future__ import annotations

import pytest

from lessons.content import get_catalog
from tests.test_browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def lessons_with_diagrams() -> dict[str, str]:
    """Diagram name → the address of the lesson that shows it."""
    return {
        block.name: f"/lessons/{lesson.module_slug}/{lesson.slug}/"
        for lesson in get_catalog().lessons
        for section in lesson.sections
        for block in section.blocks
        if block.kind == "diagram"
    }


# Per diagram: the scale it is drawn at, its smallest text in pixels, and any two labels that
# overlap or any label that leaves the drawing. Labels set along a curve are left out: their
# boxes are the curve's box, which holds the next ring's label by design.
MEASURE = """(figure) => {
  const svg = figure.querySelector("svg");
  const box = svg.viewBox.baseVal;
  const scale = svg.getBoundingClientRect().width / box.width;
  const texts = [...svg.querySelectorAll("text")].filter((t) => !t.querySelector("textPath"));
  const boxes = texts.map((t) => [t.textContent, t.getBBox()]);
  const problems = [];
  boxes.forEach(([name, b], i) => {
    if (b.x < 0 || b.y < 0 || b.x + b.width > box.width || b.y + b.height > box.height)
      problems.push(name + " leaves the drawing");
    boxes.slice(i + 1).forEach(([other, o]) => {
      if (b.x < o.x + o.width && o.x < b.x + b.width && b.y < o.y + o.height && o.y < b.y + b.height)
        problems.push(name + " overlaps " + other);
    });
  });
  const sizes = [...svg.querySelectorAll("text")].map((t) => parseFloat(t.getAttribute("font-size")));
  return {smallest: Math.min(...sizes) * scale, problems};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_diagram_is_readable_and_its_lesson_passes_axe(
    browser, live_server, screenshots, scheme
):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 375, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    diagrams = lessons_with_diagrams()
    assert len(diagrams) >= 4

    for name, path in diagrams.items():
        page.set_viewport_size({"width": 375, "height": 900})
        page.goto(live_server.url + path)
        figure = page.locator("figure.diagram")
        picture = figure.get_by_role("img")
        assert picture.get_attribute("aria-label")
        assert figure.locator("svg text").first.is_visible()
        assert_accessible(page, f"{name} ({scheme})")

        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            figure.scroll_into_view_if_needed()
            figure.screenshot(path=screenshots / f"diagram-{name}-{scheme}-{width}.png")

        # The smallest screen: no sideways scroll, text still 12.5px or more, nothing collides.
        page.set_viewport_size({"width": 320, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at 320px"
        measured = figure.evaluate(MEASURE)
        assert measured["smallest"] >= 12.5, f"{name}: {measured['smallest']:.1f}px text at 320px"
        assert measured["problems"] == [], name

        # The description opens in place, for anyone who cannot see the drawing.
        figure.get_by_text("This diagram in words").click()
        assert figure.locator(".diagram__words p").first.is_visible()

    assert errors == [], "a CSP violation or script error on a lesson with a diagram"
    context.close()


def test_a_printed_lesson_keeps_its_diagram_and_its_description(browser, live_server, screenshots):
    context = browser.new_context(viewport={"width": 800, "height": 1100})
    page = context.new_page()
    page.goto(live_server.url + lessons_with_diagrams()["window-of-tolerance"])

    page.emulate_media(media="print")

    figure = page.locator("figure.diagram")
    assert figure.locator("svg").is_visible()
    assert figure.locator("svg").bounding_box()["width"] > 300
    assert figure.locator(".diagram__words p").first.is_visible()
    assert not figure.locator(".diagram__words summary").is_visible()
    page.screenshot(path=screenshots / "diagram-print.png", full_page=True)
    context.close()
