"""The content pipeline: loading, validation and the system check that guards it."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from lessons.checks import check_content
from lessons.content import get_catalog, load_catalog

MODULE = """\
+++
title = "Basics"
summary = "The basics."
order = 1
+++

An introduction.
"""

LESSON = """\
+++
title = "First steps"
summary = "A short summary."
order = 1
reviewed_by = "the Attachment Guide team"
reviewed_on = 2026-11-29
+++

Opening words.

## Feeling safe {#feeling-safe}

Some *gentle* text.

::: prompt basics-first
What helps you feel safe?
:::

## A practice

More text.

::: try-this A slow breath
1. Breathe in.
2. Breathe out.
:::
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return root


def good_tree(tmp_path: Path, **extra: str) -> Path:
    return write(tmp_path, {"basics/module.md": MODULE, "basics/first-steps.md": LESSON, **extra})


def reasons(root: Path) -> list[str]:
    return [str(problem) for problem in load_catalog(root).problems]


def test_a_good_lesson_is_split_into_sections_prompts_and_practices(tmp_path):
    catalog = load_catalog(good_tree(tmp_path))

    assert catalog.problems == ()
    lesson = catalog.lesson("basics", "first-steps")
    assert lesson.title == "First steps"
    assert [s.anchor for s in lesson.sections] == ["", "feeling-safe", "a-practice"]
    assert [s.title for s in lesson.headed_sections] == ["Feeling safe", "A practice"]
    assert [b.kind for b in lesson.sections[1].blocks] == ["html", "prompt"]
    assert lesson.sections[1].blocks[0].html == "<p>Some <em>gentle</em> text.</p>"
    assert lesson.prompts[0].id == "basics-first"
    assert lesson.prompts[0].question == "What helps you feel safe?"
    practice = lesson.sections[2].blocks[1]
    assert practice.kind == "practice"
    assert practice.title == "A slow breath"
    assert "<ol>" in practice.html
    assert catalog.prompts["basics-first"][0] is lesson


def test_reading_time_grows_with_the_text(tmp_path):
    long_lesson = LESSON.replace("More text.", "word " * 1000)
    catalog = load_catalog(
        good_tree(tmp_path, **{"basics/long-one.md": long_lesson.replace("order = 1", "order = 2")})
    )

    assert catalog.lesson("basics", "first-steps").reading_minutes == 1
    assert catalog.lesson("basics", "long-one").reading_minutes == 6


def test_lessons_and_modules_follow_their_order_and_link_to_each_other(tmp_path):
    second = LESSON.replace("order = 1", "order = 2").replace("basics-first", "basics-second")
    other = MODULE.replace("order = 1", "order = 0")
    other_lesson = LESSON.replace("basics-first", "other-first")
    catalog = load_catalog(
        good_tree(
            tmp_path,
            **{
                "basics/a-second.md": second,
                "other/module.md": other,
                "other/intro.md": other_lesson,
            },
        )
    )

    assert catalog.problems == ()
    assert [m.slug for m in catalog.modules] == ["other", "basics"]
    assert [(x.module_slug, x.slug) for x in catalog.lessons] == [
        ("other", "intro"),
        ("basics", "first-steps"),
        ("basics", "a-second"),
    ]
    intro, first, second_lesson = catalog.lessons
    assert intro.previous is None and intro.next is first
    assert first.previous is intro and first.next is second_lesson
    assert second_lesson.number == 2


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"basics/first-steps.md": LESSON.replace('title = "First steps"\n', "")},
            "first-steps.md: metadata is missing 'title'",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("order = 1", 'order = "one"')},
            "first-steps.md: metadata 'order' must be a non-empty int",
        ),
        (
            {
                "basics/first-steps.md": LESSON.replace(
                    'reviewed_by = "the Attachment Guide team"\n', ""
                )
            },
            "first-steps.md: metadata is missing 'reviewed_by'",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("reviewed_on = 2026-11-29\n", "")},
            "first-steps.md: metadata is missing 'reviewed_on'",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("2026-11-29", '"2026-11-29"')},
            "first-steps.md: metadata 'reviewed_on' must be a date without quotes or a time, "
            "like reviewed_on = 2026-11-29",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("2026-11-29", "2026-11-29T10:00:00")},
            "first-steps.md: metadata 'reviewed_on' must be a date without quotes or a time",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("2026-11-29", "2062-11-29")},
            "first-steps.md: metadata 'reviewed_on' 2062-11-29 is in the future",
        ),
        (
            {"basics/first-steps.md": LESSON.replace('"the Attachment Guide team"', '" "')},
            "first-steps.md: metadata 'reviewed_by' must be a non-empty str",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("order = 1", "order = 1\ncontentnote = 'x'")},
            "first-steps.md: unknown metadata key 'contentnote'",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("+++\n\nOpening", "\nOpening", 1)},
            "first-steps.md:1: front matter has no closing '+++' line",
        ),
        (
            {"basics/first-steps.md": "Just text, no metadata.\n"},
            "first-steps.md:1: must start with '+++' front matter",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("Opening words.", "Opening \ue000 words.")},
            "first-steps.md:9: has a private-use character U+E000 (from an icon font?)",
        ),
        (
            {"glossary.md": '+++\ntitle = "G\uf8ff"\n+++\n'},
            "glossary.md:2: has a private-use character U+F8FF",
        ),
        (
            {"basics/first-steps.md": LESSON.replace('title = "First steps"', "title = First")},
            "first-steps.md:1: front matter is not valid TOML",
        ),
        (
            {"basics/first-steps.md": LESSON.split("Opening")[0]},
            "first-steps.md: lesson has no text",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("::: prompt basics-first", "::: prompt")},
            "first-steps.md:15: prompt needs an id of lowercase words and hyphens, got ''",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("basics-first", "Basics_First")},
            "prompt needs an id of lowercase words and hyphens, got 'Basics_First'",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("What helps you feel safe?", "")},
            "first-steps.md:15: prompt 'basics-first' has no question",
        ),
        (
            {"basics/first-steps.md": LESSON.rstrip().removesuffix(":::")},
            "first-steps.md:23: 'try-this' block is never closed",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("::: prompt", "::: question")},
            "first-steps.md:15: unknown block '::: question basics-first'",
        ),
        (
            {
                "basics/first-steps.md": LESSON.replace(
                    "What helps", "::: try-this Inner\nWhat helps"
                )
            },
            "first-steps.md:16: blocks cannot be nested",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("::: try-this A slow breath", "::: try-this")},
            "first-steps.md:23: 'try-this' needs a title",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("## A practice", "## Again {#feeling-safe}")},
            "first-steps.md: two sections share the anchor 'feeling-safe'",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("## A practice", "## Contents {#contents}")},
            "first-steps.md: section anchor 'contents' is reserved",
        ),
        (
            {"basics/first-steps.md": LESSON.replace("Opening words.", "# A second title")},
            "first-steps.md:9: use '##' for sections",
        ),
        (
            {"basics/First Steps.md": LESSON},
            "First Steps.md: file name must be lowercase words joined by hyphens",
        ),
        (
            {"basics/second.md": LESSON},
            "basics: lesson order 1 is used twice (first-steps.md, second.md)",
        ),
        (
            {"basics/second.md": LESSON.replace("order = 1", "order = 2")},
            "second.md: prompt id 'basics-first' is also used in",
        ),
        (
            {
                "basics/second.md": LESSON.replace(
                    "order = 1", "order = 2\nold_slugs = ['first-steps']"
                ).replace("basics-first", "b-2")
            },
            "second.md: old slug 'first-steps' is another lesson's slug",
        ),
        (
            {"empty/module.md": MODULE.replace("order = 1", "order = 2")},
            "empty: module has no lessons",
        ),
        (
            {"nomodule/lesson.md": LESSON},
            "nomodule: module folder has no module.md",
        ),
    ],
)
def test_bad_content_is_reported_with_the_file_and_the_reason(tmp_path, files, expected):
    found = reasons(good_tree(tmp_path, **files))

    assert any(expected in reason for reason in found), found


def test_a_faulty_lesson_is_left_out_and_the_rest_still_loads(tmp_path):
    broken = LESSON.replace("order = 1", "order = 2").replace('title = "First steps"\n', "")
    catalog = load_catalog(good_tree(tmp_path, **{"basics/broken.md": broken}))

    assert len(catalog.problems) == 1
    assert [lesson.slug for lesson in catalog.lessons] == ["first-steps"]


def test_drafts_and_non_markdown_files_are_ignored(tmp_path):
    catalog = load_catalog(
        good_tree(
            tmp_path,
            **{"_drafts/module.md": "nonsense", "basics/notes.txt": "x", "README.md": "# Hi"},
        )
    )

    assert catalog.problems == ()
    assert [m.slug for m in catalog.modules] == ["basics"]


def test_manage_py_check_fails_naming_the_file_and_reason(tmp_path, settings):
    good_tree(
        tmp_path,
        **{"basics/first-steps.md": LESSON.replace("## A practice", "## Again {#feeling-safe}")},
    )
    settings.CONTENT_DIR = tmp_path

    errors = check_content()
    assert [e.id for e in errors] == ["lessons.E001"]
    assert str(tmp_path / "basics" / "first-steps.md") in errors[0].msg
    assert "two sections share the anchor 'feeling-safe'" in errors[0].msg
    with pytest.raises(SystemCheckError, match="two sections share the anchor"):
        call_command("check")


def test_manage_py_check_fails_for_a_lesson_with_more_boxes_than_one_request_carries(
    tmp_path, settings
):
    """Without JavaScript a lesson's one form sends every box at once; past Django's limit on
    a request's size the save was refused (400) and the words of every box were lost."""
    from tests.conftest import one_lesson_catalog

    questions = "".join(f"\n::: prompt q-{n}\nWhy {n}?\n:::\n" for n in range(5))
    one_lesson_catalog(tmp_path, settings, slug="many-questions", text=questions)

    errors = check_content()

    assert [e.id for e in errors] == ["lessons.E002"]
    assert str(tmp_path / "basics" / "many-questions.md") in errors[0].msg
    assert "has 5 writing boxes" in errors[0].msg
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE (2,621,440)" in errors[0].msg
    assert "at least 3613000" in errors[0].hint
    with pytest.raises(SystemCheckError, match="writing boxes"):
        call_command("check")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3_613_000
    assert check_content() == []


def test_the_real_curriculum_passes_every_check():
    catalog = get_catalog()

    assert catalog.problems == ()
    assert check_content() == []
    assert {m.slug for m in catalog.modules} >= {
        "attachment-basics",
        "relational-repair",
        "self-regulation",
        "support-networks",
    }
    for lesson in catalog.lessons:
        assert lesson.prompts, f"{lesson.slug} asks no reflection question"
        assert lesson.headed_sections, f"{lesson.slug} has no sections"


def test_prompt_ids_are_unique_across_the_curriculum():
    ids = [prompt.id for lesson in get_catalog().lessons for prompt in lesson.prompts]

    assert len(ids) == len(set(ids))
    assert len(ids) >= 8


def test_a_changed_file_is_reloaded_when_reloading_is_on(tmp_path, settings):
    good_tree(tmp_path)
    settings.CONTENT_DIR = tmp_path
    settings.CONTENT_RELOAD = True
    assert get_catalog().lesson("basics", "first-steps").title == "First steps"

    path = tmp_path / "basics" / "first-steps.md"
    path.write_text(LESSON.replace('"First steps"', '"Steps, revised"'), encoding="utf-8")

    assert get_catalog().lesson("basics", "first-steps").title == "Steps, revised"


def test_a_changed_file_is_not_reloaded_in_production(tmp_path, settings):
    good_tree(tmp_path)
    settings.CONTENT_DIR = tmp_path
    first = get_catalog()

    (tmp_path / "basics" / "first-steps.md").write_text(LESSON.replace('"First steps"', '"New"'))

    assert get_catalog() is first


GLOSSARY = """\
+++
title = "Glossary"
summary = "Words we use."
+++

## Secure base {#secure-base}

Someone whose steady presence lets you explore.

## Safe haven {#safe-haven}

Someone you go to for comfort. See [secure base](#secure-base).
"""


def test_key_points_and_further_reading_are_kept_apart_from_the_text(tmp_path):
    lesson = LESSON + "\n::: key-points\n- One thing.\n- Another.\n:::\n"
    module = MODULE + "\n## Further reading\n\n- John Bowlby, *A Secure Base* (1988)\n"
    catalog = load_catalog(
        good_tree(tmp_path, **{"basics/module.md": module, "basics/first-steps.md": lesson})
    )

    assert catalog.problems == ()
    points = catalog.lesson("basics", "first-steps").sections[-1].blocks[-1]
    assert points.kind == "key_points"
    assert points.html == "<ul>\n<li>One thing.</li>\n<li>Another.</li>\n</ul>"
    module = catalog.module("basics")
    assert "Further reading" not in module.intro_html
    assert "<em>A Secure Base</em>" in module.reading_html


def test_the_glossary_is_loaded_term_by_term(tmp_path):
    catalog = load_catalog(good_tree(tmp_path, **{"glossary.md": GLOSSARY}))

    assert catalog.problems == ()
    assert [t.anchor for t in catalog.glossary.terms] == ["secure-base", "safe-haven"]
    assert [t.title for t in catalog.glossary.terms] == ["Secure base", "Safe haven"]


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("[base](/glossary/#secure-base)", None),
        (
            "[base](/glossary/#secure-bass)",
            "link to /glossary/#secure-bass: no such glossary entry",
        ),
        ("[lesson](/lessons/basics/first-steps/)", None),
        ("[section](/lessons/basics/first-steps/#feeling-safe)", None),
        ("[module](/lessons/basics/)", None),
        (
            "[gone](/lessons/basics/gone/)",
            "link to /lessons/basics/gone/: no such lesson or module",
        ),
        ("[gone](/lessons/nowhere/)", "link to /lessons/nowhere/: no such lesson or module"),
        ("[part](/lessons/basics/first-steps/#nope)", "no such section"),
    ],
)
def test_links_between_lessons_and_to_the_glossary_must_lead_somewhere(tmp_path, link, expected):
    lesson = LESSON.replace("More text.", f"More text, see {link}.")
    found = reasons(
        good_tree(tmp_path, **{"glossary.md": GLOSSARY, "basics/first-steps.md": lesson})
    )

    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found
