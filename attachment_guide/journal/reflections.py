"""The state of one writing box (a lesson prompt, free writing, or an entry being edited).

Views build a `Reflection`, and `journal/_reflection.html` renders it: the form, its status
line, and, after a conflict, both texts. One component, so a prompt in a lesson and the same
entry in the journal behave alike.
"""

from __future__ import annotations

import functools
import hashlib
import html
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.autoreload import file_changed
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from attachment_guide.frames import FrameCache, Reader, slot
from attachment_guide.http import reverse_once
from attachment_guide.journal.models import MAX_ENTRY_LENGTH, Entry
from attachment_guide.journal.services import Answers
from attachment_guide.tokens import random_hex, random_uuid
from lessons.content import Lesson, Prompt

FREE_WRITING = _("Write in your journal")
FREE_WRITING_KEY = "free-writing"
# The id of a lesson page's one form for all its boxes (see `Reflection.page_form`); the
# form itself is in templates/lessons/lesson.html.
LESSON_ANSWERS_FORM = "lesson-answers"


# The most bytes one character of a box can take in a form's body, as a browser sends it
# (urlencoded): a character past the Basic Multilingual Plane (an emoji, rarer Chinese) is 4
# bytes of UTF-8, each sent as "%XX". (A line break is one character once stored, but sent as
# "\r\n", "%0D%0A": 6 bytes.)
MAX_BYTES_PER_CHARACTER = 12
# What a box of a lesson's one form sends besides its text (its question's id and digest,
# entry id, version, page id, request number, space marker, the tick, a conflict's choice:
# under 500 bytes measured), with room to spare; and the form's own anti-forgery token.
BOX_FIELDS_BYTES = 2_000
FORM_FIELDS_BYTES = 1_000


def lesson_form_max_bytes(prompts: int) -> int:
    """The largest body a lesson's one form sends, without JavaScript, with text the journal
    accepts: each of the `prompts` boxes, and the box for words of questions since removed
    (`views._set_aside`), at the length limit in the characters that take the most bytes."""
    per_box = BOX_FIELDS_BYTES + MAX_ENTRY_LENGTH * MAX_BYTES_PER_CHARACTER
    return FORM_FIELDS_BYTES + (prompts + 1) * per_box


def source_of(prompt_id: str) -> tuple[str, Lesson | None]:
    """The question an entry answers and the lesson that asks it (None for free writing, or
    for a prompt that is no longer in the lessons)."""
    if not prompt_id:
        return str(_("Free writing")), None
    from lessons.content import get_catalog

    found = get_catalog().prompts.get(prompt_id)
    if found is None:
        return str(_("A question from an earlier version of the lessons")), None
    lesson, prompt = found
    return prompt.question, lesson


# Answers to a save that keep nothing of the words sent ("would_empty" keeps the earlier text
# and sent none; "nothing" had none to keep).
UNKEPT = frozenset(
    (
        "too_long",
        "needs_agreement",
        "notice_changed",
        "too_fast",
        "question_gone",
        "gone",
        "conflict",
    )
)


@dataclass
class Reflection:
    key: str  # unique on the page: used in element ids
    action: str  # where the form posts
    question: str
    entry_id: str = ""
    version: int = 0
    body: str = field(default="", repr=False)  # never in a traceback or a log line
    # Identifies this open page: its own saves never conflict with each other.
    writer: str = field(default_factory=random_hex)
    # The id "Keep both" gives the writer's copy, so pressing it twice still makes one.
    both_id: str = field(default_factory=random_uuid)
    # Identifies this view of a lesson made with no space, the same in each of its boxes: a
    # first save of one box whose answer was lost, and the next box's, land in one space
    # (spaces.services.space_adopt). Empty on other pages.
    page: str = ""
    earlier: list[Entry] = field(default_factory=list)
    fresh_label: str = ""  # the "start a new one" button; empty when not offered
    can_finish: bool = False  # a "Done" button, for an entry edited in place
    # After a save: "saved", "nothing", "too_long" or "conflict"; and what goes with it.
    status: str = ""
    saved_time: str = ""  # after a save, its time of day (UTC) as the status line shows it
    space_created: bool = False
    # Without JavaScript, the page after that save, once "only for this visit" was chosen.
    kept_for_visit: bool = False
    # Without JavaScript, the address of the page after that save (every box one press of a
    # lesson's one form saved is named in it): where choosing "only for this visit" comes
    # back to, so each of those boxes says "Saved" there again. Empty: this box's alone.
    keep_next: str = ""
    # After a save: the page was made before this space (its forms' marker empty), so every
    # form on it is given this space's marker (see spaces.services.space_marker).
    space_changed: bool = False
    length: int = 0
    theirs: Entry | None = None
    # After "Keep both": the other version had been deleted since, so only this one is kept.
    other_gone: bool = False
    # After "Keep both" with the other version still there: where the page shows it now
    # ("earlier" answers, "others" on an entry's page, only elsewhere in the "journal"), or
    # "entries": the journal page without JavaScript, which lists both, the box left empty.
    kept_both: str = ""
    focus: bool = False
    limit: int = MAX_ENTRY_LENGTH
    current: Entry | None = None
    # When `current` was last saved, as the status line shows it: ISO for the browser to put
    # in local time, and the UTC text shown until it does (or without JavaScript).
    last_saved_iso: str = ""
    last_saved_text: str = ""
    # A lesson's box: the id of the page's one form that, without JavaScript, every box's
    # fields belong to, so a press under any box sends them all (reflections.js gives each
    # field back to its own box's form). `held` is `text_digest` of the text the server
    # holds for the box, so that form's view tells which boxes the reader changed.
    page_form: str = ""
    held: str = ""

    @property
    def in_page_form(self) -> str:
        """The attribute that gives a field to the page's one form (see `page_form`)."""
        return format_html(' form="{}"', self.page_form) if self.page_form else ""

    @property
    def unkept(self) -> bool:
        """The box holds words a refusal gave back, which the server does not hold."""
        return self.status in UNKEPT

    @property
    def can_start_fresh(self) -> bool:
        return bool(self.fresh_label)

    @property
    def offers_fresh(self) -> bool:
        # A prompt offers a fresh answer once it has one; free writing always offers a new entry.
        return self.can_start_fresh and (self.current is not None or self.key == FREE_WRITING_KEY)

    @property
    def dom_id(self) -> str:
        return dom_id(self.key)

    def show(self, entry: Entry | None) -> Reflection:
        """Point the box at `entry` (or at a new, unsaved answer when None)."""
        self.current = entry
        if self.page_form:
            self.held = text_digest(entry.body if entry is not None else "")
        if entry is None:
            self.entry_id, self.version, self.body = random_uuid(), 0, ""
            self.last_saved_iso = self.last_saved_text = ""
        else:
            self.entry_id, self.version, self.body = str(entry.id), entry.version, entry.body
            updated = template_localtime(entry.updated)  # as the template's date filter does
            self.last_saved_iso = updated.isoformat()  # the date filter's "c"
            self.last_saved_text = (
                f"{day_words(updated, 'j M Y')}, {clock(updated)}"  # date:"j M Y, H:i"
            )
        return self

    def start_fresh(self) -> Reflection:
        """An empty box for a new answer; the one it held moves to the earlier answers."""
        if self.current is not None and self.current.body:
            self.earlier.insert(0, self.current)
        self.focus = True
        return self.show(None)

    def mark_saved(self, entry: Entry) -> Reflection:
        self.show(entry)
        self.status = "saved"
        self.saved_time = clock(template_localtime(entry.updated))  # date:"H:i"
        return self


def text_digest(text: str) -> str:
    """A short fingerprint of a box's text, as stored (browsers send line breaks as CRLF):
    whether the text sent is the text the page was made with."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()[:20]


def clock(moment: datetime) -> str:
    """The time of day as the date filter's "H:i" prints it ("09:05"): strftime took 6 µs
    a box in a page's request, this a few tenths."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def day_words(moment: datetime, format: str) -> str:
    """`date_format(moment, format)` for a format of the day only ("29 Nov 2026"): looked up
    once a day, format and language. Formatting each date was a third of the journal page."""
    return _day_words(moment.date(), format, get_language())


@functools.lru_cache(maxsize=1024)
def _day_words(day: date, format: str, language: str) -> str:
    return date_format(day, format)


@receiver(setting_changed)
def _forget_day_words(**kwargs) -> None:
    _day_words.cache_clear()  # formats and locales are settings (tests change them)


FRESH_ANSWER = gettext_noop("Start a fresh answer")


def translated(message: str) -> str:
    """`gettext(message)`, looked up once per language: a lesson page asks for the same
    label once a box, and each lookup took 8 µs of the page's request."""
    return _translated(message, get_language())


@functools.lru_cache(maxsize=256)
def _translated(message: str, language: str) -> str:
    return gettext(message)


@receiver(setting_changed)
@receiver(file_changed)
def _forget_translated(**kwargs) -> None:
    _translated.cache_clear()  # languages are settings, and runserver reloads catalogs


def for_prompt(prompt: Prompt, answers: Answers) -> Reflection:
    reflection = Reflection(
        key=prompt.id,
        action=reverse_once("journal:answer", prompt.id),
        question=prompt.question,
        earlier=answers.earlier,
        fresh_label=translated(FRESH_ANSWER),
        page_form=LESSON_ANSWERS_FORM,
    )
    return reflection.show(answers.current)


def for_free_writing() -> Reflection:
    reflection = Reflection(
        key=FREE_WRITING_KEY,
        action=reverse("journal:write"),
        question=str(FREE_WRITING),
        fresh_label=str(_("Start a new entry")),
    )
    return reflection.show(None)


def dom_id(key: str) -> str:
    """The id of the box whose key is `key`: a prompt's id, free writing's, or `entry_key`."""
    return f"reflection-{key}"


def entry_key(entry_id) -> str:
    return f"entry-{entry_id}"


def for_entry(entry: Entry, question: str) -> Reflection:
    reflection = Reflection(
        key=entry_key(entry.id),
        action=reverse("journal:entry", args=[entry.id]),
        question=question,
        can_finish=True,
    )
    return reflection.show(entry)


# --- Rendering -----------------------------------------------------------------------------

TEMPLATE = "journal/_reflection.html#reflection"
# What two people's boxes at rest may differ in; everything else comes from the prompt.
_PERSONAL = (
    "entry_id",
    "version",
    "writer",
    "both_id",
    "body",
    "last_saved_iso",
    "last_saved_text",
    "held",
)
_SOME_ANSWER = object()  # stands for `current` in a frame: says "answered", holds nothing
_at_rest = FrameCache()


def render(reflection: Reflection, *, reader: Reader, csrf_token: str, space_marker: str) -> str:
    """The box as `journal/_reflection.html#reflection` renders it, for a page of `reader`'s
    made for the space `space_marker` names.

    A box at rest (as a page load shows it: nothing new in its status line, no conflict, no
    earlier answers, no focus) differs between people only in `_PERSONAL`, the token and the
    marker. So a prompt's box, or free writing's, comes from a frame rendered once per
    prompt, shape and `Reader`, from a copy that holds slots and `_SOME_ANSWER` instead of
    anyone's values: nothing of one person can end up in another's box. Rendering three
    boxes was ~40% of a signed-in lesson view. Any other box is rendered whole, still from
    the reader's stand-in request.
    """
    from lessons.content import get_catalog

    r, catalog = reflection, get_catalog()
    ctx = {"has_space": reader.has_space}
    at_rest = not (r.status or r.theirs is not None or r.earlier or r.focus)
    if not at_rest or not _named_by(catalog, r):
        ctx.update(r=r, csrf_token=csrf_token, space_marker=space_marker)
        return render_to_string(TEMPLATE, ctx, request=reader.stand_in())

    def render_frame() -> str:
        stand_in = replace(
            r,
            current=_SOME_ANSWER if r.current is not None else None,
            page=slot("page") if r.page else "",
            **{name: slot(name) for name in _PERSONAL},
        )
        ctx.update(r=stand_in, csrf_token=slot("csrf_token"), space_marker=slot("space_marker"))
        return render_to_string(TEMPLATE, ctx, request=reader.stand_in())

    shape = (r.key, r.action, r.question, r.fresh_label, r.can_finish, r.limit, r.page_form)
    key = (*shape, r.current is not None, bool(r.page), get_language(), reader)
    frame = _at_rest.get(catalog, key, render_frame)
    values = {name: _printed(getattr(r, name)) for name in _PERSONAL}
    values["page"] = _printed(r.page)
    values["csrf_token"] = _printed(csrf_token)
    values["space_marker"] = _printed(space_marker)
    return mark_safe(frame.fill(values))  # noqa: S308  (each value escaped just above)


def show_first_save(reflection: Reflection, request, reader: Reader) -> None:
    """On a page a save without JavaScript redirected to, after the save that made a guest's
    space: the box says where the words are kept and offers "only for this visit", as the
    htmx answer does; once that is chosen (the offer comes back to this page), it says so
    instead. Nothing but those words hangs on it. The offer comes back to this very address,
    which names every box the press saved, so each still says "Saved" there."""
    reflection.space_created = request.GET.get("new") == "1" and not reader.authenticated
    reflection.kept_for_visit = (
        reflection.space_created and request.session.get_expire_at_browser_close()
    )
    if reflection.space_created:
        reflection.keep_next = request.get_full_path()


STATUS = "journal/_reflection.html#status"
# What two people's "Saved" lines may differ in.
_STATUS_PERSONAL = ("entry_id", "version", "last_saved_iso", "saved_time")


def render_status(reflection: Reflection, *, request) -> str:
    """What a save answers with: the status line and, out of band, the entry and version
    fields and the conflict panel, as `journal/_reflection.html#status` renders them.

    A plain "Saved" (no conflict, no new space, no new marker) differs between people only in
    `_STATUS_PERSONAL`, so it comes from a frame per box rendered from slots, never from
    anyone's values or request: rendering it was a fifth of an autosave's CPU time. Any
    other answer is rendered whole.
    """
    from lessons.content import get_catalog

    r, catalog = reflection, get_catalog()
    plain = r.status == "saved" and not (r.space_created or r.space_changed) and r.theirs is None
    if not plain or not _named_by(catalog, r):
        return render_to_string(STATUS, {"r": r, "oob": True}, request=request)

    def render_frame() -> str:
        stand_in = replace(r, **{name: slot(name) for name in _STATUS_PERSONAL})
        return render_to_string(STATUS, {"r": stand_in, "oob": True})

    frame = _at_rest.get(catalog, ("status", r.key, get_language()), render_frame)
    values = {name: _printed(getattr(r, name)) for name in _STATUS_PERSONAL}
    return mark_safe(frame.fill(values))  # noqa: S308  (each value escaped just above)


def _named_by(catalog, reflection: Reflection) -> bool:
    """A box the catalog names (a prompt, or free writing): only those get frames, since one
    frame per entry would grow without end."""
    return reflection.key == FREE_WRITING_KEY or reflection.key in catalog.prompts


def _printed(value: str | int) -> str:
    """`value` as `{{ value }}` prints it: escaped. The personal values are text and a version
    number, which a template prints as str() (USE_THOUSAND_SEPARATOR is off), so Django's
    render_value_in_context (a tenth of a signed-in lesson's CPU) is not needed. Plain text
    goes straight to `html.escape`, which Django's `escape` calls after its lazy-text checks."""
    if type(value) is str:
        return html.escape(value)
    if type(value) is int:
        return str(value)
    return conditional_escape(value)


def lesson_url(lesson: Lesson, prompt_id: str) -> str:
    return f"{reverse_once('lesson', lesson.module_slug, lesson.slug)}#reflection-{prompt_id}"
