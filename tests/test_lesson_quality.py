"""Every lesson is plain enough to read when tired, and written in our own words."""

from __future__ import annotations

import re
from functools import cache

import pyphen
import pytest

from lessons.content import get_catalog, html_to_lines
from tests.make_fingerprint import OUTPUT as FINGERPRINT
from tests.make_fingerprint import runs

MAX_GRADE = 8.0
CONCERNING = re.compile(r"\b(neglect\w*|abandon\w*|abus\w*)\b", re.IGNORECASE)
# Someone hurting, threatening or controlling the reader: as much a reason for a note as "abuse".
CURRENT_HARM = re.compile(
    r"\b(?:hurts|hurting|threatens|threatening|controls|controlling)\b[\w ,]{0,30}?\byou\b",
    re.IGNORECASE,
)
# Telling a reader their alarm is about the past is wrong for one who is not safe now.
ALARM_IS_THE_PAST = re.compile(r"danger has passed|but it is now\b", re.IGNORECASE)
# Answers that could put a reader at risk if someone else opened the device: the lesson says,
# before the question, that they can answer in their head, briefly, or with initials.
RISKY_TO_WRITE_DOWN = {
    "aw-not-your-fault",
    "rr-a-boundary-to-try",
    "rr-a-kinder-story",
    "sn-who-feels-safe",
}
# Filled as the grade tests run; conftest.py prints it at the end of the run.
GRADES: dict[str, float] = {}
_SENTENCE_END = re.compile(r"[.!?]+(?:[\"'”’)]*)(?:\s+|$)")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_dictionary = pyphen.Pyphen(lang="en_US")


@cache
def syllables(word: str) -> int:
    return len(_dictionary.positions(word.lower())) + 1


def flesch_kincaid_grade(lines: list[str]) -> float:
    """FK grade of text given one paragraph, list item or heading per line.

    A sentence ends at . ! or ?, and also at the end of every line: a heading or a list item
    without a full stop is still one sentence, not the start of a longer one.
    """
    sentences = words = syllable_count = 0
    for line in lines:
        for piece in _SENTENCE_END.split(line):
            found = _WORD.findall(piece)
            if found:
                sentences += 1
                words += len(found)
                syllable_count += sum(syllables(w) for w in found)
    assert words, "no words to measure"
    return 0.39 * words / sentences + 11.8 * syllable_count / words - 15.59


def lesson_ids():
    return [f"{lesson.module_slug}/{lesson.slug}" for lesson in get_catalog().lessons]


def test_the_grade_formula_tells_plain_from_dense_text():
    plain = ["You are safe here. Take your time. Rest when you need to."]
    dense = [
        "Attachment-based psychotherapeutic interventions systematically facilitate "
        "intersubjective reorganisation of maladaptive internalised representational models."
    ]

    assert flesch_kincaid_grade(plain) < 3
    assert flesch_kincaid_grade(dense) > 16


@pytest.mark.parametrize("lesson_id", lesson_ids())
def test_every_lesson_reads_at_grade_eight_or_lower(lesson_id):
    module_slug, slug = lesson_id.split("/")
    lesson = get_catalog().lesson(module_slug, slug)
    lines = [lesson.summary, *lesson.text.splitlines()]

    grade = flesch_kincaid_grade(lines)
    GRADES[lesson_id] = grade

    assert grade <= MAX_GRADE, f"{lesson_id} reads at grade {grade:.1f}; aim for {MAX_GRADE}"


def test_every_module_introduction_reads_at_grade_eight_or_lower():
    for module in get_catalog().modules:
        grade = flesch_kincaid_grade([module.summary, *html_to_lines(module.intro_html)])
        assert grade <= MAX_GRADE, f"{module.slug} introduction reads at grade {grade:.1f}"


@cache
def source_runs() -> frozenset[str]:
    return frozenset(FINGERPRINT.read_text(encoding="utf-8").split())


def test_the_fingerprint_catches_a_copied_sentence():
    copied = (
        "As the article says, the therapeutic relationship is the foundation of "
        "attachment-based therapy."
    )

    assert len(source_runs()) > 400
    assert runs(copied) & source_runs()


@pytest.mark.parametrize("lesson_id", lesson_ids())
def test_no_lesson_copies_eight_words_in_a_row_from_the_source(lesson_id):
    module_slug, slug = lesson_id.split("/")
    lesson = get_catalog().lesson(module_slug, slug)
    raw = lesson.path.read_text(encoding="utf-8")

    assert not runs(raw) & source_runs(), f"{lesson_id} repeats an 8-word run of the source"


def test_the_curriculum_covers_at_least_sixteen_lessons_in_every_module():
    catalog = get_catalog()

    assert len(catalog.lessons) >= 16
    assert {m.slug for m in catalog.modules} >= {
        "attachment-basics",
        "relational-repair",
        "self-regulation",
        "support-networks",
    }
    for module in catalog.modules:
        assert module.intro_html, f"{module.slug} has no introduction"
        assert module.reading_html.count("<li>") >= 3, f"{module.slug} has no further reading"


@pytest.mark.parametrize("lesson_id", lesson_ids())
def test_every_lesson_has_the_parts_a_reader_relies_on(lesson_id):
    module_slug, slug = lesson_id.split("/")
    lesson = get_catalog().lesson(module_slug, slug)
    kinds = [block.kind for section in lesson.sections for block in section.blocks]

    assert lesson.summary
    assert 2 <= len(lesson.headed_sections) <= 4
    assert len(lesson.prompts) >= 2
    assert kinds.count("practice") == 1
    assert kinds.count("key_points") == 1
    assert 600 <= lesson.word_count <= 1300, lesson.word_count
    assert "emergency number" in lesson.text, "every lesson points to crisis help"
    if CONCERNING.search(lesson.text):
        assert lesson.content_note, f"{lesson_id} touches neglect, abandonment or abuse"


def test_the_grounding_exercise_is_plain_and_points_to_help():
    grounding = get_catalog().grounding

    assert grounding is not None
    lines = [grounding.summary, *html_to_lines(grounding.html)]
    assert flesch_kincaid_grade(lines) <= MAX_GRADE
    assert "emergency" in grounding.html and 'href="/support/"' in grounding.html
    assert not runs(grounding.html) & source_runs()


def test_the_glossary_defines_every_term_the_lessons_link_to():
    glossary = get_catalog().glossary

    assert glossary is not None
    assert len(glossary.terms) >= 20
    assert {"secure-base", "safe-haven", "co-regulation", "window-of-tolerance"} <= glossary.anchors
    # Dead links are caught by the content check; here, every term is reachable from a lesson.
    linked = "".join(
        b.html for lesson in get_catalog().lessons for s in lesson.sections for b in s.blocks
    )
    assert sum(f'href="/glossary/#{anchor}"' in linked for anchor in glossary.anchors) >= 15


@pytest.mark.parametrize("lesson_id", lesson_ids())
def test_a_lesson_that_speaks_of_someone_hurting_the_reader_opens_with_a_content_note(lesson_id):
    module_slug, slug = lesson_id.split("/")
    lesson = get_catalog().lesson(module_slug, slug)

    if CURRENT_HARM.search(lesson.text):
        assert lesson.content_note, f"{lesson_id} speaks of someone hurting or controlling you"


def test_a_page_that_puts_the_danger_in_the_past_says_where_to_turn_if_it_is_not():
    catalog = get_catalog()
    pages = [(m.slug, m.intro_html) for m in catalog.modules] + [
        (
            f"{lesson.module_slug}/{lesson.slug}",
            "".join(b.html for s in lesson.sections for b in s.blocks),
        )
        for lesson in catalog.lessons
    ]

    found = [name for name, html in pages if ALARM_IS_THE_PAST.search(html)]
    assert found
    for name, html in pages:
        if ALARM_IS_THE_PAST.search(html):
            assert 'href="/support/' in html, f"{name} assumes the danger is over"


def test_a_question_risky_to_write_down_comes_after_a_word_on_who_might_read_it():
    asked = set()
    for lesson in get_catalog().lessons:
        warned = False
        for block in (b for s in lesson.sections for b in s.blocks):
            warned = warned or (block.kind == "html" and "what you write here" in block.html)
            if block.kind == "prompt" and block.prompt.id in RISKY_TO_WRITE_DOWN:
                asked.add(block.prompt.id)
                assert warned, f"{lesson.slug}: no note before '{block.prompt.id}'"

    assert asked == RISKY_TO_WRITE_DOWN


def test_books_for_couples_say_they_are_not_for_a_relationship_with_abuse():
    items = [
        item
        for module in get_catalog().modules
        for item in re.findall(r"<li>(.*?)</li>", module.reading_html, re.DOTALL)
        if "Hold Me Tight" in item
    ]

    assert items
    for item in items:
        assert "not for a relationship with abuse" in item, item


def test_words_the_lessons_use_as_terms_are_in_the_glossary_and_linked():
    glossary = get_catalog().glossary
    linked = "".join(
        b.html for lesson in get_catalog().lessons for s in lesson.sections for b in s.blocks
    )

    for anchor in ("boundary", "validation", "peer-support"):
        assert anchor in glossary.anchors
        assert f'href="/glossary/#{anchor}"' in linked
