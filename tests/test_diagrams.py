"""Diagrams in lessons: placed from Markdown, drawn inline, described in words, checked."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from lessons.content import DIAGRAMS_DIR, diagram_names, get_catalog, load_catalog
from tests.test_content import LESSON, good_tree, reasons

DIAGRAM = """
::: diagram window-of-tolerance
caption: The window, with too much above it.
alt: Three bands, one above the other.
The top band says "Too much."

- The middle band is the window.
:::
"""

WITH_DIAGRAM = LESSON.replace("More text.", "More text.\n" + DIAGRAM)


def diagram_blocks(lesson):
    return [b for s in lesson.sections for b in s.blocks if b.kind == "diagram"]


def test_a_diagram_block_becomes_a_figure_with_its_caption_alt_and_description(tmp_path):
    catalog = load_catalog(good_tree(tmp_path, **{"basics/first-steps.md": WITH_DIAGRAM}))

    assert catalog.problems == ()
    lesson = catalog.lesson("basics", "first-steps")
    (block,) = diagram_blocks(lesson)
    assert block.name == "window-of-tolerance"
    assert block.title == "The window, with too much above it."
    assert block.alt == "Three bands, one above the other."
    assert block.html == (
        "<p>The top band says &ldquo;Too much.&rdquo;</p>\n<ul>\n"
        "<li>The middle band is the window.</li>\n</ul>"
    )
    assert block.svg.startswith("<svg") and block.svg.endswith("</svg>")
    assert "<!--" not in block.svg
    # The words count as lesson text, so the reading-grade test measures them too.
    for words in (block.title, block.alt, "The middle band is the window."):
        assert words in lesson.text.splitlines()


def test_caption_and_alt_lines_may_come_in_either_order(tmp_path):
    swapped = WITH_DIAGRAM.replace(
        "caption: The window, with too much above it.\nalt: Three bands, one above the other.",
        "alt: Three bands.\ncaption: The window.",
    )
    catalog = load_catalog(good_tree(tmp_path, **{"basics/first-steps.md": swapped}))

    assert catalog.problems == ()
    (block,) = diagram_blocks(catalog.lesson("basics", "first-steps"))
    assert (block.title, block.alt) == ("The window.", "Three bands.")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("::: diagram window-of-tolerance", "::: diagram window-of-tolerence"),
            "first-steps.md:23: diagram 'window-of-tolerence' is unknown: use one of "
            "'circles-of-support', 'rupture-and-repair', 'secure-base-cycle', "
            "'window-of-tolerance'",
        ),
        (("::: diagram window-of-tolerance", "::: diagram"), "diagram '' is unknown"),
        (
            ("::: diagram window-of-tolerance", "::: diagram ../../settings"),
            "diagram '../../settings' is unknown",
        ),
        (
            ("alt: Three bands, one above the other.\n", ""),
            "first-steps.md:23: diagram 'window-of-tolerance' needs an 'alt:' line",
        ),
        (("alt: Three bands, one above the other.", "alt:  "), "needs an 'alt:' line"),
        (
            ("caption: The window, with too much above it.\n", ""),
            "first-steps.md:23: diagram 'window-of-tolerance' needs a 'caption:' line",
        ),
        (
            ('The top band says "Too much."\n\n- The middle band is the window.\n', ""),
            "first-steps.md:23: diagram 'window-of-tolerance' needs a description in words",
        ),
        (
            ("alt: Three bands, one above the other.", "alt: Bands.\nalt: Bands again."),
            "diagram 'window-of-tolerance' has two 'alt:' lines",
        ),
        (("More text.\n", "More text.\n" + DIAGRAM), "diagram 'window-of-tolerance' is used twice"),
        (("::: diagram", "::: picture"), "unknown block '::: picture window-of-tolerance'"),
    ],
)
def test_a_faulty_diagram_is_reported_with_the_file_and_the_reason(tmp_path, change, expected):
    lesson = WITH_DIAGRAM.replace(*change)

    found = reasons(good_tree(tmp_path, **{"basics/first-steps.md": lesson}))

    assert any(expected in reason for reason in found), found


def test_manage_py_check_fails_on_an_unknown_diagram(tmp_path, settings):
    lesson = WITH_DIAGRAM.replace("diagram window-of-tolerance", "diagram window")
    good_tree(tmp_path, **{"basics/first-steps.md": lesson})
    settings.CONTENT_DIR = tmp_path

    with pytest.raises(SystemCheckError, match=r"first-steps\.md:23: diagram 'window' is unknown"):
        call_command("check")


def test_the_lesson_page_draws_the_diagram_inline_with_its_words(client, tmp_path, settings):
    settings.CONTENT_DIR = good_tree(tmp_path, **{"basics/first-steps.md": WITH_DIAGRAM})

    html = client.get("/lessons/basics/first-steps/").content.decode()

    figure = re.search(r'<figure class="diagram".*?</figure>', html, re.DOTALL)[0]
    assert '<div class="diagram__picture" role="img" aria-label="Three bands, one above the' in (
        figure
    )
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 340 420"' in figure
    assert "Window of tolerance</text>" in figure
    assert 'aria-labelledby="diagram-window-of-tolerance-caption"' in figure
    assert (
        '<p class="diagram__title" id="diagram-window-of-tolerance-caption">'
        "The window, with too much above it.</p>"
    ) in figure
    assert "<summary>This diagram in words</summary>" in figure
    assert "<li>The middle band is the window.</li>" in figure
    # Nothing is fetched: the drawing is in the page itself.
    assert "<img" not in figure and "<object" not in figure


def test_diagram_words_are_escaped_not_run(client, tmp_path, settings):
    hostile = '"><script>alert(1)</script><b onmouseover="x()">'
    lesson = (
        WITH_DIAGRAM.replace("Three bands, one above the other.", f"Bands {hostile}")
        .replace("The window, with too much above it.", f"Window {hostile}")
        .replace('The top band says "Too much."', f"Top {hostile} & more")
    )
    settings.CONTENT_DIR = good_tree(tmp_path, **{"basics/first-steps.md": lesson})

    html = client.get("/lessons/basics/first-steps/").content.decode()

    assert "<script>alert" not in html and "<b onmouseover" not in html
    assert 'aria-label="Bands &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' in html
    assert ">Window &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p>Top &ldquo;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp; more</p>" in html


@pytest.mark.parametrize("name", diagram_names())
def test_every_drawing_works_under_the_strict_csp_and_in_dark_mode(name):
    svg = (DIAGRAMS_DIR / f"{name}.svg").read_text(encoding="utf-8")

    # No inline styles or scripts (the CSP blocks them), nothing loaded from elsewhere.
    assert not re.search(r"<style|\sstyle=|<script|\son\w+=|<image|<foreignObject", svg, re.I)
    assert not re.search(r"href=\"(?!#)", svg), "links only to its own parts"
    # Colours come from classes styled in site.css, so dark mode and print can change them.
    assert not re.search(r"\s(fill|stroke|color)=\"(?!none)", svg), "colour set in the SVG"
    assert 'aria-hidden="true"' in svg, "the figure's alt text speaks for it"
    # Ids are prefixed with the diagram's name, so two diagrams on one page never clash.
    for found in re.findall(r'\sid="([^"]+)"', svg):
        assert found.startswith(f"diagram-{name}-"), found
    # Text stays large enough to read on a 320px screen (340 units drawn about 272px wide).
    sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', svg)]
    assert sizes and min(sizes) >= 16, sizes
    assert len(re.findall(r"<text\s", svg)) == len(sizes), "every text has its size"


def test_the_curriculum_places_each_diagram_where_its_idea_is_taught():
    catalog = get_catalog()
    placed = {
        f"{lesson.module_slug}/{lesson.slug}": [b.name for b in diagram_blocks(lesson)]
        for lesson in catalog.lessons
    }

    assert placed["attachment-basics/what-attachment-is"] == ["secure-base-cycle"]
    assert placed["self-regulation/your-window-of-tolerance"] == ["window-of-tolerance"]
    assert placed["relational-repair/rupture-and-repair"] == ["rupture-and-repair"]
    assert placed["support-networks/building-your-circle"] == ["circles-of-support"]
    assert {name for names in placed.values() for name in names} == set(diagram_names())
