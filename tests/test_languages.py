"""Ready for other languages: the CSS says where things go by reading direction (logical
properties), and every piece of interface text goes through Django's translation functions.

The second is shown without translation files: a pseudo-language wraps every message Django is
asked to translate in ⟦…⟧, and each page a reader meets is read text node by text node. Words
outside the brackets are interface text that a translator could never reach, unless they are
one of the things below that are not interface text at all.
"""

from __future__ import annotations

import dataclasses
import gettext as gettext_module
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from django.utils.translation import trans_real

from attachment_guide.circle.models import CircleMember
from attachment_guide.journal.models import Entry
from attachment_guide.safety.helplines import get_helplines
from lessons.content import get_catalog
from tests.conftest import AGREE

# --- CSS: logical properties only ----------------------------------------------------------

CSS_DIR = Path(__file__).resolve().parent.parent / "static" / "css"

_SIDES = {"left": "inline-start", "right": "inline-end"}
_CORNERS = {
    "top-left": "start-start",
    "top-right": "start-end",
    "bottom-left": "end-start",
    "bottom-right": "end-end",
}
# Property name -> the logical one to use instead.
PHYSICAL_PROPERTIES: dict[str, str] = {"left": "inset-inline-start", "right": "inset-inline-end"}
for _box in ("margin", "padding", "scroll-margin", "scroll-padding", "inset"):
    for _side, _logical in _SIDES.items():
        PHYSICAL_PROPERTIES[f"{_box}-{_side}"] = f"{_box}-{_logical}"
for _side, _logical in _SIDES.items():
    for _part in ("", "-width", "-style", "-color"):
        PHYSICAL_PROPERTIES[f"border-{_side}{_part}"] = f"border-{_logical}{_part}"
for _corner, _logical in _CORNERS.items():
    PHYSICAL_PROPERTIES[f"border-{_corner}-radius"] = f"border-{_logical}-radius"
# Property -> physical value -> the logical value.
PHYSICAL_VALUES: dict[str, dict[str, str]] = {
    "text-align": {"left": "start", "right": "end"},
    "float": {"left": "inline-start", "right": "inline-end"},
    "clear": {"left": "inline-start", "right": "inline-end"},
}
# Shorthands whose four values go top, right, bottom, left: a right unlike the left is a
# physical side in disguise.
FOUR_SIDED = {"margin", "padding", "inset", "border-width", "border-style", "border-color"}


def _values(value: str) -> list[str]:
    """The space-separated values of a declaration, a function call (var(), calc()) as one."""
    parts, depth, current = [], 0, ""
    for char in value:
        depth += char == "("
        depth -= char == ")"
        if char.isspace() and depth == 0:
            if current:
                parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


def physical_declarations(css: str) -> list[tuple[int, str, str]]:
    """(line, declaration, what to write instead) for each declaration of `css` that says
    left or right where it means the start or end of a line."""
    # Comments out, line breaks kept so that line numbers stay true.
    css = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m[0]), css, flags=re.S)
    found = []
    start = 0
    for match in re.finditer(r"[{};]", css + ";"):
        chunk, start_of_chunk = css[start : match.start()], start
        start = match.end()
        if match[0] == "{" or ":" not in chunk:
            continue  # a selector or an at-rule's prelude, not a declaration
        name, _, value = chunk.partition(":")
        name, value = name.strip().lower(), value.replace("!important", "").strip()
        if not re.fullmatch(r"-?[a-z][a-z-]*", name):
            continue
        line = css.count("\n", 0, start_of_chunk + len(chunk) - len(chunk.lstrip())) + 1
        said = f"{name}: {value}"
        words = _values(value.lower())
        if name in PHYSICAL_PROPERTIES:
            found.append((line, said, PHYSICAL_PROPERTIES[name]))
        elif name in PHYSICAL_VALUES and words and words[0] in PHYSICAL_VALUES[name]:
            found.append((line, said, f"{name}: {PHYSICAL_VALUES[name][words[0]]}"))
        elif name in FOUR_SIDED and len(words) == 4 and words[1] != words[3]:
            found.append((line, said, f"{name}-block and {name}-inline (start and end)"))
        elif name == "border-radius" and "/" not in value and len(set(words)) > 1:
            found.append((line, said, "border-start-start-radius and the other corners"))
    return found


def test_the_css_says_start_and_end_never_left_and_right():
    problems = [
        f"{path.name}:{line}: `{said}`: use {instead}"
        for path in sorted(CSS_DIR.glob("*.css"))
        for line, said, instead in physical_declarations(path.read_text())
    ]
    assert list(CSS_DIR.glob("*.css")), "no stylesheets found"
    assert not problems, "physical directions in the CSS:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "css, line, instead",
    [
        (".a {\n  color: red;\n  margin-left: 1rem;\n}", 3, "margin-inline-start"),
        (".a { padding-right: 0 }", 1, "padding-inline-end"),
        (".a{border-left:1px solid}", 1, "border-inline-start"),
        (".a { border-right-color: red; }", 1, "border-inline-end-color"),
        (".a { position: absolute; left: 0; }", 1, "inset-inline-start"),
        ("@media (width > 40em) {\n.a { right: 1px }\n}", 2, "inset-inline-end"),
        (".a { text-align: left; }", 1, "text-align: start"),
        (".a { text-align: RIGHT !important; }", 1, "text-align: end"),
        (".a { float: right; }", 1, "float: inline-end"),
        (".a { clear: left; }", 1, "clear: inline-start"),
        (".a { border-top-left-radius: 4px; }", 1, "border-start-start-radius"),
        (".a { border-bottom-right-radius: 4px; }", 1, "border-end-end-radius"),
        (".a { margin: 0 1rem 0 var(--space-2); }", 1, "margin-block and margin-inline"),
        (".a { border-radius: 4px 0; }", 1, "border-start-start-radius"),
        (".a { scroll-margin-left: 1rem; }", 1, "scroll-margin-inline-start"),
    ],
)
def test_a_planted_physical_direction_is_caught_with_its_line_and_the_logical_one(
    css, line, instead
):
    [(found_line, said, found_instead)] = physical_declarations(css)
    assert found_line == line
    assert found_instead.startswith(instead), said


@pytest.mark.parametrize(
    "css",
    [
        "a:hover { margin-inline-start: 1rem; }",  # a selector's colon is no declaration
        ".a { text-align: start; float: inline-end; }",
        ".a { margin: 0 1rem; padding: 1px 2px 3px; inset: 0 0 0 0; }",
        ".a { border-radius: var(--radius); }",
        "/* margin-left: 1rem was here */ .a { color: red; }",
        ".a { background: url(left.svg); content: 'left: 0'; }",
    ],
)
def test_logical_and_symmetric_css_passes(css):
    assert physical_declarations(css) == []


# --- Interface text: a pseudo-language ------------------------------------------------------

HX = {"HX-Request": "true"}
OPEN, CLOSE = "⟦", "⟧"
_SPLIT = "\x00"


class PseudoTranslation(gettext_module.NullTranslations):
    """Stands in for Django's DjangoTranslation of `code`: every message comes back in ⟦…⟧."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def gettext(self, message: str) -> str:
        # pgettext and npgettext ask for "context\x04message"; an answer still holding the
        # separator would read as "not translated".
        message = message.rpartition(trans_real.CONTEXT_SEPARATOR)[2]
        return f"{OPEN}{message}{CLOSE}"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def to_language(self) -> str:
        return self.code

    def language(self) -> str:
        return self.code


@contextmanager
def pseudo_language(code: str) -> Iterator[None]:
    """Make `code` the site's language, translated by `PseudoTranslation`. Changing
    LANGUAGE_CODE and LANGUAGES through override_settings makes Django drop its cached
    translations and active language on the way in and out (django.test.signals), and every
    page frame, label and date cache of ours is keyed by language or emptied by a setting
    change, so nothing pseudo outlives the block. `code` should be one no other test uses."""
    with override_settings(LANGUAGE_CODE=code, LANGUAGES=[(code, "Pseudo")]):
        trans_real._translations[code] = PseudoTranslation(code)
        try:
            yield
        finally:
            trans_real._translations.pop(code, None)


# A pseudo-locale code, as Android and Chromium name theirs: no other test uses it.
PSEUDO = "en-xa"


BUTTON_INPUTS = {"submit", "button", "reset"}


class _TextNodes(HTMLParser):
    """The visible text of a page in order, and the attribute values a person meets."""

    SKIPPED = {"script", "style", "textarea", "time"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
    READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str]] = []  # (where, text)
        self.attributes: list[tuple[str, str]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        where = self._where(tag, attrs)
        for name, value in attrs.items():
            read = name in self.READ_ATTRIBUTES or (name.startswith("data-") and _is_prose(value))
            # A button shows its content; an input button shows its value.
            if name == "value" and tag == "input" and attrs.get("type") in BUTTON_INPUTS:
                read = True
            if name == "content" and tag == "meta" and attrs.get("name") == "description":
                read = True
            if read and value and value.strip():
                self.attributes.append((f"{where}[{name}]", value))
        if tag not in self.VOID:
            self.stack.append(where)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            if self.stack.pop().split(".")[0].split("#")[0] == tag:
                break

    def handle_data(self, data):
        if any(w.split(".")[0].split("#")[0] in self.SKIPPED for w in self.stack):
            return
        self.texts.append((" > ".join(self.stack[-3:]), data))

    @staticmethod
    def _where(tag: str, attrs: dict) -> str:
        where = tag
        if attrs.get("id"):
            where += "#" + attrs["id"]
        elif attrs.get("class"):
            where += "." + attrs["class"].split()[0]
        return where


def _is_prose(value: str | None) -> bool:
    """A data- attribute holding words for a script to show (two words or more)."""
    return bool(value) and bool(re.search(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}", value))


def _normal(text: str) -> str:
    return " ".join(text.split())


def _letters(text: str) -> bool:
    return bool(re.search(r"[^\W\d_]", text))


def untranslated(html: str, not_ui: set[str]) -> list[str]:
    """Words on the page that did not come through a translation function (outside ⟦…⟧),
    apart from the texts in `not_ui`."""
    parser = _TextNodes()
    parser.feed(html)
    parser.close()
    found = []
    # Text: a translated message may hold markup ({% blocktranslate %} with a link), so the
    # brackets are counted across text nodes.
    depth = 0
    for where, text in parser.texts:
        outside = ""
        for char in text:
            if char == OPEN:
                depth += 1
            elif char == CLOSE:
                depth -= 1
                assert depth >= 0, f"a ⟧ without its ⟦ at {where}: {text!r}"
            elif depth == 0:
                outside += char
            else:
                outside += _SPLIT  # a translated piece splits what is around it
        found += [f"{where}: {piece!r}" for piece in _unknown(outside, not_ui)]
    assert depth == 0, "a ⟦ never closed"
    for where, value in parser.attributes:
        outside = re.sub(f"{OPEN}[^{CLOSE}]*{CLOSE}", _SPLIT, value)
        found += [f"{where}: {piece!r}" for piece in _unknown(outside, not_ui)]
    return found


def _unknown(outside: str, not_ui: set[str]) -> list[str]:
    """The pieces of `outside` (untranslated text, split where translated text was) with words left
    once what is not interface text is taken out: a piece may join several such texts, as
    "Country: number" or "Lesson · Module" do."""
    unknown = []
    for piece in outside.split(_SPLIT):
        piece = _normal(piece)
        if not _letters(piece) or piece in not_ui:
            continue
        rest = piece
        for known in sorted((k for k in not_ui if len(k) > 1 and k in rest), key=len, reverse=True):
            rest = re.sub(rf"(?<!\w){re.escape(known)}(?!\w)", " ", rest)
        if _letters(rest):
            unknown.append(piece)
    return unknown


# --- What is not interface text -------------------------------------------------------------


def _texts_of(html: str) -> set[str]:
    parser = _TextNodes()
    parser.SKIPPED = {"script", "style"}
    parser.feed(html)
    found = {_normal(text) for _, text in parser.texts}
    found |= {_normal(value) for _, value in parser.attributes}
    return found


def _strings_in(value, seen: set[int] | None = None) -> Iterator[str]:
    """Every string held in `value` (a catalog or helplines dataclass), HTML included."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if f.name not in {"module", "previous", "next", "path"}:  # links back, not text
                yield from _strings_in(getattr(value, f.name), seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings_in(item, seen)


def content_texts() -> set[str]:
    """The curriculum's own words (lessons, modules, glossary, grounding, diagrams): content is
    translated as files, a Markdown folder a language, not as messages. And the helplines
    (content/helplines.toml): facts checked country by country, translated with that file."""
    found: set[str] = set()
    for text in [*_strings_in(get_catalog()), *_strings_in(get_helplines())]:
        found.add(_normal(text))
        if text.startswith("https://"):  # a directory's address shown as its link's text
            found.add(text.removeprefix("https://").rstrip("/"))
        if "<" in text:
            found |= _texts_of(text)
    found.discard("")
    return found


# What the test's readers wrote: a person's own words are never translated.
MY_ANSWER = "Gran's kitchen on Sundays"
MY_FREE_WRITING = "A quiet walk by the canal"
MY_PEOPLE = ("Sam", "Book club", "Dr Okafor")
ONE_MORE = "Priya"
MY_WAY_TO_REACH = "07700 900123"
MY_NAME = "willow"
PASSWORD = "a calm river at dawn"
PASSCODE = "river stones"
WRITTEN = {MY_ANSWER, MY_FREE_WRITING, *MY_PEOPLE, ONE_MORE, MY_WAY_TO_REACH, MY_NAME}

LESSON = "/lessons/attachment-basics/what-attachment-is/"
MODULE = "/lessons/attachment-basics/"


def not_interface_text() -> set[str]:
    site_name = {django_settings.SITE_NAME} if django_settings.SITE_NAME else set()
    return content_texts() | WRITTEN | site_name


def save(client: Client, body: str, url: str, **more) -> None:
    data = {**AGREE, "body": body, "entry": str(uuid.uuid4()), "version": 0, **more}
    response = client.post(url, data, headers=HX)
    assert response.status_code == 200, response.content.decode()[:2000]


def returning_reader() -> Client:
    """A reader who has written answers and free writing, drawn a circle and made an account."""
    client = Client()
    save(client, MY_ANSWER, "/journal/prompts/ab-who-felt-safe/")
    save(client, MY_FREE_WRITING, "/journal/write/")
    for ring, name in enumerate(MY_PEOPLE, start=1):
        more = {"reach": MY_WAY_TO_REACH} if ring == 1 else {}
        client.post("/circle/add/", {**AGREE, "name": name, "ring": ring, **more})
    assert CircleMember.objects.count() == len(MY_PEOPLE)
    response = client.post(
        "/accounts/signup/",
        {
            "username": MY_NAME,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "remember": "on",
            **AGREE,
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    client.post(f"{LESSON}progress/", {"done": "1"})
    return client


FIRST_TIME_PAGES = [
    "/",
    MODULE,
    LESSON,
    "/glossary/",
    "/grounding/",
    "/support/",
    "/privacy/",
    "/journal/",
    "/journal/export/",
    "/circle/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/recover/",
    f"{LESSON}report/sent/",
    "/lessons/no-such-module/",  # the 404 page
]
RETURNING_PAGES = [
    "/",
    MODULE,
    LESSON,
    "/lessons/support-networks/building-your-circle/",
    "/glossary/",
    "/grounding/",
    "/support/",
    "/privacy/",
    "/settings/",
    "/journal/",
    "/journal/?q=canal",
    "/journal/export/",
    "/journal/delete/",
    "/circle/",
    "/accounts/",
    "/accounts/delete/",
    "/lock/",
]


@pytest.fixture
def pseudo():
    with pseudo_language(PSEUDO):
        yield not_interface_text()


def check(client: Client, url: str, not_ui: set[str], **kwargs) -> list[str]:
    method = kwargs.pop("method", "get")
    response = getattr(client, method)(url, follow=True, **kwargs)
    assert response.status_code < 500, url
    text = b"".join(response.streaming_content) if response.streaming else response.content
    html = text.decode()
    assert OPEN in html, f"{url} shows nothing translated: is the pseudo-language active?"
    return [f"{method.upper()} {url}: {problem}" for problem in untranslated(html, not_ui)]


@pytest.mark.django_db
def test_every_page_a_first_time_reader_meets_is_translatable(pseudo):
    client = Client()
    problems = [p for url in FIRST_TIME_PAGES for p in check(client, url, pseudo)]
    assert not problems, "interface text not through gettext:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_every_page_a_returning_reader_meets_is_translatable(pseudo):
    client = returning_reader()
    entry = Entry.objects.filter(prompt_id="").get()
    member = CircleMember.objects.first()
    pages = [
        *RETURNING_PAGES,
        f"/journal/entries/{entry.id}/",
        f"/journal/entries/{entry.id}/delete/",
        f"/circle/{member.id}/",
        f"/circle/{member.id}/remove/",
    ]
    problems = [p for url in pages for p in check(client, url, pseudo)]
    problems += check(client, "/journal/?q=canal", pseudo, headers=HX)  # the search, in place
    assert not problems, "interface text not through gettext:\n" + "\n".join(problems)
    # The pages did show what the person wrote, which the check let through as theirs.
    assert MY_FREE_WRITING in client.get("/journal/").content.decode()
    assert MY_PEOPLE[0] in client.get("/circle/").content.decode()
    assert MY_NAME in client.get("/accounts/").content.decode()


@pytest.mark.django_db
def test_answers_forms_and_their_errors_are_translatable(pseudo):
    client = Client()
    reader = returning_reader()
    posts = [
        # A saved answer's status line, with and without JavaScript.
        (
            client,
            "/journal/prompts/ab-who-felt-safe/",
            {**AGREE, "body": MY_ANSWER, "entry": str(uuid.uuid4()), "version": 0},
            HX,
        ),
        (
            Client(),
            "/journal/write/",
            {**AGREE, "body": MY_FREE_WRITING, "entry": str(uuid.uuid4()), "version": 0},
            {},
        ),
        # Forms sent back with their errors.
        (Client(), "/accounts/login/", {"username": MY_NAME, "password": "wrong"}, {}),
        (Client(), "/accounts/signup/", {"username": "", "password1": "a", "password2": "b"}, {}),
        (
            Client(),
            "/accounts/recover/",
            {"username": MY_NAME, "code": "nope", "password1": "x", "password2": "y"},
            {},
        ),
        (reader, "/circle/add/", {**AGREE, "name": "", "ring": 9}, {}),
        (reader, "/journal/export/", {"format": "nonsense", "since": "soon"}, {}),
        (reader, "/settings/", {"section": "passcode", "passcode": "a", "repeat": "b"}, {}),
        (reader, "/journal/export/", {"format": "print"}, {}),  # the printable page
        # Answers htmx swaps in place.
        (reader, "/circle/add/", {**AGREE, "name": ONE_MORE, "ring": 2}, HX),
        (reader, "/circle/add/", {**AGREE, "name": "", "ring": 2}, HX),
        (reader, f"{LESSON}progress/", {"reset": "1"}, HX),
        (Client(), f"{LESSON}report/", {"kind": "unclear", "comment": ""}, HX),
        (Client(), f"{LESSON}report/", {"kind": "nonsense"}, {}),
    ]
    problems = []
    for who, url, data, headers in posts:
        problems += check(who, url, pseudo, method="post", data=data, headers=headers)
    assert not problems, "interface text not through gettext:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_the_lock_screen_and_the_refused_token_page_are_translatable(pseudo):
    reader = returning_reader()
    response = reader.post(
        "/settings/",
        {"section": "passcode", "passcode": PASSCODE, "repeat": PASSCODE, "lock_after": 15},
    )
    assert response.status_code == 302
    assert reader.post("/lock/", {"action": "lock"}).status_code == 302
    problems = check(reader, "/lock/", pseudo) + check(reader, "/journal/", pseudo)
    strict = Client(enforce_csrf_checks=True)
    problems += check(
        strict,
        "/journal/write/",
        pseudo,
        method="post",
        data={"body": MY_FREE_WRITING},
        headers={"Referer": "http://testserver/"},
    )
    assert not problems, "interface text not through gettext:\n" + "\n".join(problems)


def test_the_check_finds_words_outside_the_brackets_in_text_and_attributes():
    page = (
        '<title>⟦Journal⟧ · Site</title><p>⟦Saved at <a href="/">14:03</a>⟧ Hello</p>'
        '<nav aria-label="Main"><input type="submit" value="⟦Save⟧"><button value="go">'
        '⟦Go⟧</button><span data-note="Shift pressed twice">x</span></nav>'
        "<script>var a = 'words';</script><textarea>my words</textarea>"
        '<time datetime="2026-11-30">30 November</time>'
    )
    assert untranslated(page, {"Site"}) == [
        "p: 'Hello'",
        "nav > span: 'x'",
        "nav[aria-label]: 'Main'",
        "span[data-note]: 'Shift pressed twice'",
    ]


def test_the_pseudo_language_leaves_no_trace_behind():
    from django.utils import translation

    with pseudo_language(PSEUDO):
        assert translation.gettext("Journal") == "⟦Journal⟧"
        assert translation.pgettext("month name", "May") == "⟦May⟧"
        assert translation.ngettext("an entry", "%(n)s entries", 2) == "⟦%(n)s entries⟧"
    assert translation.gettext("Journal") == "Journal"
    assert translation.get_language() == django_settings.LANGUAGE_CODE


# --- Right to left ------------------------------------------------------------------------

# A right-to-left pseudo-locale (Chromium's name for its own): Arabic's direction, the
# pseudo-language's words.
PSEUDO_RTL = "ar-xb"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", LESSON, "/journal/", "/circle/", "/lessons/nowhere/"])
def test_a_right_to_left_language_turns_every_page_right_to_left(url):
    with pseudo_language(PSEUDO_RTL):
        html = Client().get(url).content.decode()
    assert html.startswith('<!doctype html>\n<html lang="ar-xb" dir="rtl">')

    html = Client().get(url).content.decode()
    assert html.startswith(
        f'<!doctype html>\n<html lang="{django_settings.LANGUAGE_CODE}" dir="ltr">'
    )


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
def test_the_server_error_page_is_translatable(pseudo):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    problems = untranslated(response.content.decode(), pseudo)
    assert OPEN in response.content.decode()
    assert not problems, "interface text not through gettext:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_a_practice_s_name_is_one_message_with_its_title_inside(pseudo):
    """A translator places the title (and the colon) where their language puts them: a
    label glued from "Try this" and ": title" would fix the English order."""
    html = Client().get(LESSON).content.decode()
    assert 'aria-label="⟦Try this: Notice a safe moment⟧"' in html


@pytest.mark.django_db
def test_conflicts_new_recovery_codes_and_leaving_are_translatable(pseudo):
    reader = returning_reader()
    problems = []
    # Two tabs saved the same answer: the conflict shows both texts, in place and as a page.
    entry_id = str(uuid.uuid4())
    url = "/journal/prompts/ab-who-felt-safe/"
    for body, version in ((MY_ANSWER, 0), (MY_FREE_WRITING, 1)):
        save(reader, body, url, entry=entry_id, version=version)
    stale = {**AGREE, "body": ONE_MORE, "entry": entry_id, "version": 1}
    for headers in (HX, {}):
        response = reader.post(url, stale, headers=headers)
        assert response.status_code == 409
        assert MY_FREE_WRITING in response.content.decode()
        problems += untranslated(response.content.decode(), pseudo)
    # A new recovery code: the code itself is the person's key, not words.
    html = reader.post("/accounts/recovery-code/", {"password": PASSWORD}).content.decode()
    groups = set(re.findall(r'class="recovery-code__group">([^<]*)<', html))
    assert len(groups) == 4
    problems += untranslated(html, pseudo | groups)
    problems += check(reader, "/journal/?deleted", pseudo)
    problems += check(
        reader, "/accounts/delete/", pseudo, method="post", data={"password": PASSWORD}
    )
    assert not problems, "interface text not through gettext:\n" + "\n".join(problems)
