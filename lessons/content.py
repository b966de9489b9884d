"""Load the Markdown curriculum in `content/` into an in-memory catalog.

The catalog is built once per process (and again when a file changes, in development only).
Every lesson is rendered to HTML here, so a page view never touches Markdown or the disk.
The format is documented for authors in `content/README.md`.

Loading never raises on bad content: it collects `Problem`s and leaves the faulty file out.
The system check in `lessons/checks.py` turns problems into errors, so `manage.py check`
(and therefore `make test`, `runserver` and CI) fails before anyone sees a broken lesson.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import markdown
from django.conf import settings
from django.utils import timezone

# Slugs and ids appear in URLs and journal rows: lowercase words joined by single hyphens.
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER_FENCE = "+++"
MODULE_FILE = "module.md"
GLOSSARY_FILE = "glossary.md"
GROUNDING_FILE = "grounding.md"
FURTHER_READING = "## Further reading"
# Private-use characters (an icon font's glyphs, pasted along with text) show as nothing or an
# empty box, and the page frames use two of them to mark where each reader's parts go.
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
BLOCK_KINDS = ("prompt", "try-this", "key-points", "diagram")
# Hand-drawn SVG diagrams that lessons place with `::: diagram <name>`; the file name is the name.
DIAGRAMS_DIR = Path(__file__).resolve().parent / "diagrams"
DIAGRAM_FIELDS = ("caption", "alt")
WORDS_PER_MINUTE = 200

# The one list of extensions lessons may use. Changing it changes every lesson's HTML.
MARKDOWN_EXTENSIONS = ["attr_list", "sane_lists", "smarty", "tables", "toc"]
MARKDOWN_CONFIG = {"toc": {"permalink": False}}

MODULE_KEYS = {"title": str, "summary": str, "order": int}
LESSON_KEYS = {
    "title": str,
    "summary": str,
    "order": int,
    "reviewed_by": str,
    "reviewed_on": date,
}
LESSON_OPTIONAL_KEYS = {"content_note": str, "old_slugs": list}
GLOSSARY_KEYS = {"title": str, "summary": str}

_H1_RE = re.compile(r"^#(?!#)\s")
_H2_RE = re.compile(r"^##(?!#)\s+(?P<title>.+?)(?:\s+\{#(?P<anchor>[^}\s]*)\})?\s*$")
_BLOCK_RE = re.compile(r"^:::\s*(?P<kind>[A-Za-z-]+)?(?:\s+(?P<arg>.*?))?\s*$")
_FENCE_RE = re.compile(r"^(```|~~~)")
_WORD_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_DIAGRAM_FIELD_RE = re.compile(r"^(?P<key>[a-z]+):\s*(?P<value>.*?)\s*$")
_SVG_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)

# Links inside the site that content may use; each is checked against the catalog.
_INTERNAL_LINK_RE = re.compile(r'href="(/(?:lessons|glossary)/[^"]*)"')
_LESSON_LINK_RE = re.compile(r"^/lessons/([^/#]+)/(?:([^/#]+)/)?(?:#([^/]*))?$")
_GLOSSARY_LINK_RE = re.compile(r"^/glossary/(?:#(.*))?$")

# Ids the lesson page uses for itself; a section anchor must not shadow them.
RESERVED_ANCHORS = frozenset(
    {"main", "contents", "in-short", "content-note", "grounding", "lesson-progress", "lesson-nav"}
)


@dataclass(frozen=True)
class Problem:
    path: Path
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Prompt:
    """A reflection question. Its id is stored with every answer, so it never changes."""

    id: str
    question: str


@dataclass(frozen=True)
class Block:
    """One piece of a section: rendered HTML, a reflection prompt, a "Try this" practice,
    key points, or a diagram (its SVG, caption, alt text and description)."""

    kind: str  # "html", "prompt", "practice", "key_points" or "diagram"
    html: str = ""
    prompt: Prompt | None = None
    title: str = ""
    name: str = ""  # a diagram's name
    alt: str = ""  # a diagram's text alternative, read out in place of the picture
    svg: str = ""  # a diagram's drawing, repo-authored and safe to inline


@dataclass(frozen=True)
class Section:
    anchor: str  # "" for the text before the first `##` heading
    title: str
    blocks: tuple[Block, ...]


@dataclass
class Lesson:
    module_slug: str
    slug: str
    title: str
    summary: str
    order: int
    sections: tuple[Section, ...]
    content_note: str = ""
    old_slugs: tuple[str, ...] = ()
    reviewed_by: str = ""
    reviewed_on: date | None = None
    path: Path | None = None
    word_count: int = 0
    # Set when the catalog is assembled.
    module: Module | None = field(default=None, repr=False)
    previous: Lesson | None = field(default=None, repr=False)
    next: Lesson | None = field(default=None, repr=False)
    number: int = 0  # 1-based position within its module

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    @property
    def headed_sections(self) -> list[Section]:
        return [s for s in self.sections if s.anchor]

    @property
    def prompts(self) -> list[Prompt]:
        return [b.prompt for s in self.sections for b in s.blocks if b.prompt]

    @property
    def text(self) -> str:
        """The lesson's prose as plain text, one paragraph, item or heading per line."""
        parts = [self.title]
        for section in self.sections:
            if section.title:
                parts.append(section.title)
            for block in section.blocks:
                if block.kind == "prompt" and block.prompt:
                    parts.append(block.prompt.question)
                    continue
                if block.title:
                    parts.append(block.title)
                if block.alt:
                    parts.append(block.alt)
                parts.extend(html_to_lines(block.html))
        return "\n".join(p for p in parts if p.strip())


@dataclass
class Module:
    slug: str
    title: str
    summary: str
    order: int
    intro_html: str
    lessons: tuple[Lesson, ...] = ()
    path: Path | None = None
    reading_html: str = ""  # the "Further reading" list, if the module has one


@dataclass
class Glossary:
    title: str
    summary: str
    terms: tuple[Section, ...]  # one section a term: its anchor, its name, its definition
    path: Path | None = None

    @property
    def anchors(self) -> set[str]:
        return {term.anchor for term in self.terms}


@dataclass
class Page:
    """A page of its own written in Markdown, such as the grounding exercise."""

    title: str
    summary: str
    html: str
    path: Path | None = None


@dataclass
class Catalog:
    modules: tuple[Module, ...]
    problems: tuple[Problem, ...] = ()
    glossary: Glossary | None = None
    grounding: Page | None = None
    _modules: dict[str, Module] = field(default_factory=dict, repr=False)
    _redirects: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    prompts: dict[str, tuple[Lesson, Prompt]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._modules = {m.slug: m for m in self.modules}
        for module in self.modules:
            for lesson in module.lessons:
                for old in lesson.old_slugs:
                    self._redirects[(module.slug, old)] = lesson.slug
                for prompt in lesson.prompts:
                    self.prompts[prompt.id] = (lesson, prompt)

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def module(self, slug: str) -> Module | None:
        return self._modules.get(slug)

    def lesson(self, module_slug: str, lesson_slug: str) -> Lesson | None:
        module = self._modules.get(module_slug)
        if module is None:
            return None
        return next((lesson for lesson in module.lessons if lesson.slug == lesson_slug), None)

    def renamed_lesson(self, module_slug: str, old_slug: str) -> Lesson | None:
        """The lesson that used to live at `old_slug`, for a permanent redirect."""
        new_slug = self._redirects.get((module_slug, old_slug))
        return self.lesson(module_slug, new_slug) if new_slug else None


# --- Parsing ----------------------------------------------------------------------------


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int, list[Problem]]:
    """Return (metadata, body, line number where the body starts, problems). Every content
    file comes through here, so a private-use character is refused here, for all of them."""
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if found := _PRIVATE_USE_RE.search(line):
            reason = (
                f"has a private-use character U+{ord(found[0]):04X} (from an icon font?): "
                "readers would see nothing or an empty box; remove it"
            )
            return {}, text, 1, [Problem(path, reason, number)]
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        return {}, text, 1, [Problem(path, "must start with '+++' front matter", 1)]
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        return {}, text, 1, [Problem(path, "front matter has no closing '+++' line", 1)]
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        return {}, text, 1, [Problem(path, f"front matter is not valid TOML: {exc}", 1)]
    return meta, "\n".join(lines[end + 1 :]), end + 2, []


def check_metadata(
    meta: dict, path: Path, required: dict[str, type], optional: dict[str, type]
) -> list[Problem]:
    problems = []
    for key, kind in required.items():
        if key not in meta:
            problems.append(Problem(path, f"metadata is missing '{key}'"))
        elif not _is_kind(meta[key], kind) or (kind is str and not meta[key].strip()):
            problems.append(Problem(path, f"metadata '{key}' must be {_kind_name(key, kind)}"))
    for key, kind in optional.items():
        if key in meta and not _is_kind(meta[key], kind):
            problems.append(
                Problem(path, f"metadata '{key}' must be {_kind_name(key, kind, empty_ok=True)}")
            )
    for key in sorted(meta.keys() - required.keys() - optional.keys()):
        problems.append(Problem(path, f"unknown metadata key '{key}'"))
    if isinstance(meta.get("old_slugs"), list):
        for old in meta["old_slugs"]:
            if not isinstance(old, str) or not SLUG_RE.match(old):
                problems.append(Problem(path, f"old slug {old!r} is not a valid slug"))
    return problems


def _is_kind(value: object, kind: type) -> bool:
    # TOML has dates and date-times; a review is a day, and datetime is a subclass of date.
    if kind is date and isinstance(value, datetime):
        return False
    return isinstance(value, kind)


def _kind_name(key: str, kind: type, *, empty_ok: bool = False) -> str:
    if kind is date:
        return f"a date without quotes or a time, like {key} = 2026-11-29"
    return f"a {kind.__name__}" if empty_ok else f"a non-empty {kind.__name__}"


def render_markdown(text: str) -> str:
    """HTML for Markdown text. Raw HTML in the text is shown as text, never passed through:
    content/README.md promises "no raw HTML", and a `<` in a lesson or a diagram's
    description then cannot start a tag on the page."""
    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG)
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(text).strip()


def parse_body(
    body: str, path: Path, first_line: int, reserved: frozenset[str] = RESERVED_ANCHORS
) -> tuple[list[Section], list[Problem]]:
    """Split a lesson body into sections of HTML, prompt and practice blocks."""
    problems: list[Problem] = []
    sections: list[Section] = []
    anchor, title = "", ""
    blocks: list[Block] = []
    buffer: list[str] = []
    open_block: tuple[str, str, int] | None = None  # (kind, argument, line number)
    block_lines: list[str] = []
    in_fence = False

    def flush_text() -> None:
        text = "\n".join(buffer).strip()
        buffer.clear()
        if text:
            blocks.append(Block(kind="html", html=render_markdown(text)))

    def close_section() -> None:
        flush_text()
        if anchor or blocks:
            sections.append(Section(anchor=anchor, title=title, blocks=tuple(blocks)))
        blocks.clear()

    for number, line in enumerate(body.splitlines(), first_line):
        if open_block:
            if line.strip() == ":::":
                kind, arg, start = open_block
                blocks.extend(_finish_block(kind, arg, block_lines, path, start, problems))
                open_block, block_lines = None, []
            elif line.startswith(":::"):
                problems.append(Problem(path, "blocks cannot be nested; close with ':::'", number))
            else:
                block_lines.append(line)
            continue
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        if in_fence or _FENCE_RE.match(line):
            buffer.append(line)
            continue
        if _H1_RE.match(line):
            problems.append(Problem(path, "use '##' for sections; the title is metadata", number))
            continue
        if heading := _H2_RE.match(line):
            close_section()
            title = heading["title"].strip()
            anchor = heading["anchor"] or _slugify(title)
            if not SLUG_RE.match(anchor):
                problems.append(
                    Problem(path, f"section anchor {anchor!r} is not a valid id", number)
                )
            continue
        if line.startswith(":::"):
            match = _BLOCK_RE.match(line)
            kind = match["kind"] if match else None
            if kind not in BLOCK_KINDS:
                known = ", ".join(f"'{k}'" for k in BLOCK_KINDS)
                problems.append(
                    Problem(path, f"unknown block {line.strip()!r}: use {known}", number)
                )
                continue
            flush_text()
            open_block = (kind, (match["arg"] or "").strip(), number)
            continue
        buffer.append(line)

    if open_block:
        problems.append(Problem(path, f"'{open_block[0]}' block is never closed", open_block[2]))
    close_section()

    diagrams = [b.name for s in sections for b in s.blocks if b.kind == "diagram"]
    for name in sorted({n for n in diagrams if diagrams.count(n) > 1}):
        problems.append(Problem(path, f"diagram '{name}' is used twice; place it once a lesson"))

    seen: set[str] = set()
    for section in sections:
        if section.anchor in seen:
            problems.append(Problem(path, f"two sections share the anchor '{section.anchor}'"))
        if section.anchor in reserved:
            problems.append(Problem(path, f"section anchor '{section.anchor}' is reserved"))
        seen.add(section.anchor)
    return sections, problems


def _finish_block(
    kind: str, arg: str, lines: list[str], path: Path, start: int, problems: list[Problem]
) -> list[Block]:
    text = "\n".join(lines).strip()
    if kind == "prompt":
        if not SLUG_RE.match(arg):
            problems.append(
                Problem(
                    path, f"prompt needs an id of lowercase words and hyphens, got {arg!r}", start
                )
            )
            return []
        if not text:
            problems.append(Problem(path, f"prompt '{arg}' has no question", start))
            return []
        return [Block(kind="prompt", prompt=Prompt(id=arg, question=" ".join(text.split())))]
    if kind == "diagram":
        return _finish_diagram(arg, lines, path, start, problems)
    if kind == "key-points":
        if not text:
            problems.append(Problem(path, "'key-points' block is empty", start))
            return []
        return [Block(kind="key_points", html=render_markdown(text))]
    if not arg:
        problems.append(Problem(path, "'try-this' needs a title: '::: try-this A title'", start))
        return []
    if not text:
        problems.append(Problem(path, f"'try-this' block '{arg}' is empty", start))
        return []
    return [Block(kind="practice", title=arg, html=render_markdown(text))]


def _finish_diagram(
    name: str, lines: list[str], path: Path, start: int, problems: list[Problem]
) -> list[Block]:
    """`caption:` and `alt:` lines first, then the description in Markdown."""
    found = len(problems)

    def problem(reason: str) -> None:
        problems.append(Problem(path, f"diagram {name!r} {reason}", start))

    svg = diagram_svg(name)
    if svg is None:
        problem(f"is unknown: use one of {', '.join(map(repr, diagram_names())) or 'none'}")
    fields: dict[str, str] = {}
    rest = list(itertools.dropwhile(lambda line: not line.strip(), lines))
    while rest and (match := _DIAGRAM_FIELD_RE.match(rest[0])) and match["key"] in DIAGRAM_FIELDS:
        if match["key"] in fields:
            problem(f"has two '{match['key']}:' lines")
        fields[match["key"]] = " ".join(match["value"].split())
        rest.pop(0)
    if not fields.get("caption"):
        problem("needs a 'caption:' line: a short title shown under it")
    if not fields.get("alt"):
        problem("needs an 'alt:' line: what it shows, read out in place of the picture")
    description = "\n".join(rest).strip()
    if not description:
        problem("needs a description in words after its 'caption:' and 'alt:' lines")
    if len(problems) > found:
        return []
    return [
        Block(
            kind="diagram",
            name=name,
            title=fields["caption"],
            alt=fields["alt"],
            html=render_markdown(description),
            svg=svg or "",
        )
    ]


def diagram_names() -> list[str]:
    return sorted(p.stem for p in DIAGRAMS_DIR.glob("*.svg"))


def diagram_svg(name: str) -> str | None:
    """A diagram's SVG, ready to inline: comments and indentation removed.

    The name is looked up among the files, never joined into a path as given.
    """
    if name not in diagram_names():
        return None
    text = (DIAGRAMS_DIR / f"{name}.svg").read_text(encoding="utf-8")
    text = _SVG_COMMENT_RE.sub("", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class _TextCollector(HTMLParser):
    """Plain text of rendered HTML, one line per paragraph, list item, heading or cell."""

    BREAKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "br", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BREAKS:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        self.lines[-1] += data


def html_to_lines(fragment: str) -> list[str]:
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return [" ".join(line.split()) for line in collector.lines if line.strip()]


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


# --- Loading ------------------------------------------------------------------------------


def load_lesson(path: Path, module_slug: str) -> tuple[Lesson | None, list[Problem]]:
    slug = path.stem
    if not SLUG_RE.match(slug):
        return None, [Problem(path, "file name must be lowercase words joined by hyphens")]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, f"cannot be read as UTF-8: {exc}")]
    meta, body, first_line, problems = split_front_matter(text, path)
    if problems:
        return None, problems
    problems = check_metadata(meta, path, LESSON_KEYS, LESSON_OPTIONAL_KEYS)
    reviewed_on = meta.get("reviewed_on") if _is_kind(meta.get("reviewed_on"), date) else None
    # A day of slack: an author ahead of the server's time zone writes tomorrow's date.
    if reviewed_on and reviewed_on > timezone.localdate() + timedelta(days=1):
        problems.append(Problem(path, f"metadata 'reviewed_on' {reviewed_on} is in the future"))
    sections, body_problems = parse_body(body, path, first_line)
    problems += body_problems
    lesson = Lesson(
        module_slug=module_slug,
        slug=slug,
        title=str(meta.get("title", "")).strip(),
        summary=str(meta.get("summary", "")).strip(),
        order=meta.get("order", 0) if isinstance(meta.get("order"), int) else 0,
        content_note=str(meta.get("content_note", "")).strip(),
        old_slugs=tuple(
            meta.get("old_slugs", ()) if isinstance(meta.get("old_slugs"), list) else ()
        ),
        reviewed_by=str(meta.get("reviewed_by", "")).strip(),
        reviewed_on=reviewed_on,
        sections=tuple(sections),
        path=path,
    )
    if not any(section.blocks for section in sections):
        problems.append(Problem(path, "lesson has no text"))
    lesson.word_count = count_words(lesson.text)
    return (None if problems else lesson), problems


def load_module(directory: Path) -> tuple[Module | None, list[Problem]]:
    slug = directory.name
    if not SLUG_RE.match(slug):
        return None, [Problem(directory, "folder name must be lowercase words joined by hyphens")]
    module_path = directory / MODULE_FILE
    if not module_path.is_file():
        return None, [Problem(directory, f"module folder has no {MODULE_FILE}")]
    meta, body, _, problems = split_front_matter(
        module_path.read_text(encoding="utf-8"), module_path
    )
    if problems:
        return None, problems
    problems = check_metadata(meta, module_path, MODULE_KEYS, {})
    if problems:
        return None, problems
    # A faulty lesson is left out and reported; the module's other lessons still load.
    lessons: list[Lesson] = []
    for path in sorted(directory.glob("*.md")):
        if path.name == MODULE_FILE:
            continue
        lesson, lesson_problems = load_lesson(path, slug)
        problems += lesson_problems
        if lesson:
            lessons.append(lesson)
    if not lessons:
        if not problems:
            problems.append(Problem(directory, "module has no lessons"))
        return None, problems
    problems += _duplicates(
        lessons, key=lambda lesson: lesson.order, what="lesson order", where=directory
    )
    current = {lesson.slug for lesson in lessons}
    for lesson in lessons:
        for old in lesson.old_slugs:
            if old in current:
                problems.append(Problem(lesson.path, f"old slug '{old}' is another lesson's slug"))
    lessons.sort(key=lambda lesson: lesson.order)
    intro, _, reading = body.partition(f"\n{FURTHER_READING}\n")
    module = Module(
        slug=slug,
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        order=meta["order"],
        intro_html=render_markdown(intro),
        reading_html=render_markdown(reading),
        lessons=tuple(lessons),
        path=directory,
    )
    for number, lesson in enumerate(lessons, 1):
        lesson.module, lesson.number = module, number
    return module, problems


def _duplicates(items, *, key, what: str, where: Path) -> list[Problem]:
    seen: dict = {}
    problems = []
    for item in items:
        value = key(item)
        if value in seen:
            problems.append(
                Problem(where, f"{what} {value!r} is used twice ({seen[value]}, {item.path.name})")
            )
        seen.setdefault(value, item.path.name)
    return problems


def load_glossary(path: Path) -> tuple[Glossary | None, list[Problem]]:
    if not path.is_file():
        return None, []
    meta, body, first_line, problems = split_front_matter(path.read_text(encoding="utf-8"), path)
    if problems:
        return None, problems
    problems = check_metadata(meta, path, GLOSSARY_KEYS, {})
    # Glossary anchors live on their own page, so the lesson page's own ids are free here.
    terms, body_problems = parse_body(body, path, first_line, reserved=frozenset())
    problems += body_problems
    if any(not term.anchor for term in terms):
        problems.append(
            Problem(path, "every glossary entry starts with a '## Term {#anchor}' line")
        )
    if problems:
        return None, problems
    glossary = Glossary(meta["title"].strip(), meta["summary"].strip(), tuple(terms), path)
    return glossary, []


def load_page(path: Path) -> tuple[Page | None, list[Problem]]:
    if not path.is_file():
        return None, []
    meta, body, _, problems = split_front_matter(path.read_text(encoding="utf-8"), path)
    if problems:
        return None, problems
    problems = check_metadata(meta, path, GLOSSARY_KEYS, {})
    if not body.strip():
        problems.append(Problem(path, "has no text"))
    if problems:
        return None, problems
    return Page(meta["title"].strip(), meta["summary"].strip(), render_markdown(body), path), []


def check_links(modules: list[Module], glossary: Glossary | None) -> list[Problem]:
    """Every link content makes to a lesson, module or glossary term must lead somewhere."""
    lessons = {(m.slug, lesson.slug): lesson for m in modules for lesson in m.lessons}
    module_slugs = {m.slug for m in modules}
    terms = glossary.anchors if glossary else set()
    pages: list[tuple[Path | None, str]] = []
    for module in modules:
        pages.append((module.path / MODULE_FILE, module.intro_html + module.reading_html))
        for lesson in module.lessons:
            html = "".join(b.html for s in lesson.sections for b in s.blocks)
            pages.append((lesson.path, html))
    if glossary:
        pages.append((glossary.path, "".join(b.html for t in glossary.terms for b in t.blocks)))
    problems = []
    for path, html in pages:
        for url in _INTERNAL_LINK_RE.findall(html):
            if match := _GLOSSARY_LINK_RE.match(url):
                if glossary is None or (match[1] and match[1] not in terms):
                    problems.append(Problem(path, f"link to {url}: no such glossary entry"))
            elif match := _LESSON_LINK_RE.match(url):
                module_slug, lesson_slug, anchor = match.groups()
                lesson = lessons.get((module_slug, lesson_slug)) if lesson_slug else None
                if module_slug not in module_slugs or (lesson_slug and lesson is None):
                    problems.append(Problem(path, f"link to {url}: no such lesson or module"))
                elif lesson and anchor and anchor not in _lesson_anchors(lesson):
                    problems.append(Problem(path, f"link to {url}: no such section"))
            else:
                problems.append(Problem(path, f"link to {url}: not a lesson or glossary address"))
    return problems


def _lesson_anchors(lesson: Lesson) -> set[str]:
    prompts = {f"reflection-{prompt.id}" for prompt in lesson.prompts}
    return {s.anchor for s in lesson.sections if s.anchor} | prompts | RESERVED_ANCHORS


def load_catalog(root: Path) -> Catalog:
    """Read every module folder under `root`. Faulty files are left out and reported."""
    problems: list[Problem] = []
    modules: list[Module] = []
    if not root.is_dir():
        return Catalog(modules=(), problems=(Problem(root, "content folder does not exist"),))
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        if directory.name.startswith((".", "_")):
            continue
        module, module_problems = load_module(directory)
        problems += module_problems
        if module:
            modules.append(module)
    if not modules and not problems:
        problems.append(Problem(root, "content folder has no modules"))
    problems += _duplicates(modules, key=lambda m: m.order, what="module order", where=root)
    modules.sort(key=lambda module: module.order)

    owners: dict[str, Path] = {}
    for lesson in (lesson for module in modules for lesson in module.lessons):
        for prompt in lesson.prompts:
            if prompt.id in owners:
                problems.append(
                    Problem(
                        lesson.path, f"prompt id '{prompt.id}' is also used in {owners[prompt.id]}"
                    )
                )
            owners.setdefault(prompt.id, lesson.path)

    glossary, glossary_problems = load_glossary(root / GLOSSARY_FILE)
    problems += glossary_problems
    grounding, grounding_problems = load_page(root / GROUNDING_FILE)
    problems += grounding_problems
    problems += check_links(modules, glossary)

    ordered = [lesson for module in modules for lesson in module.lessons]
    for before, after in itertools.pairwise(ordered):
        before.next, after.previous = after, before
    return Catalog(
        modules=tuple(modules), problems=tuple(problems), glossary=glossary, grounding=grounding
    )


# --- The process-wide catalog -----------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[tuple, Catalog] | None = None


def _signature(root: Path) -> tuple:
    """What changes when an author edits, adds or removes a file."""
    if not root.is_dir():
        return ()
    files = [*root.rglob("*.md"), *DIAGRAMS_DIR.glob("*.svg")]
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))


def get_catalog() -> Catalog:
    """The catalog for `settings.CONTENT_DIR`, loaded once (and on change when reloading)."""
    global _cached
    cached = _cached
    # The common case, a few times a request: no new Path (building one showed in profiles).
    if (
        cached is not None
        and not settings.CONTENT_RELOAD
        and cached[0][0] == str(settings.CONTENT_DIR)
    ):
        return cached[1]
    root = Path(settings.CONTENT_DIR)
    signature = (str(root), _signature(root) if settings.CONTENT_RELOAD else ())
    if cached is not None and cached[0] == signature:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != signature:
            _cached = (signature, load_catalog(root))
        return _cached[1]


def reviews_older_than(catalog: Catalog, *, days: int, today: date) -> list[Lesson]:
    """Lessons whose last review was more than `days` days before `today`."""
    return [
        lesson
        for lesson in catalog.lessons
        if lesson.reviewed_on and (today - lesson.reviewed_on).days > days
    ]


def clear_catalog() -> None:
    global _cached
    _cached = None
