"""The state of one writing box (a lesson prompt, free writing, or an entry being edited).

Views build a `Reflection`, and `journal/_reflection.html` renders it: the form, its status
line, and, after a conflict, both texts. One component, so a prompt in a lesson and the same
entry in the journal behave alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from attachment_guide.journal.models import MAX_ENTRY_LENGTH, Entry
from attachment_guide.journal.services import Answers
from lessons.content import Lesson, Prompt

FREE_WRITING = _("Write in your journal")
FREE_WRITING_KEY = "free-writing"


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


@dataclass
class Reflection:
    key: str  # unique on the page: used in element ids
    action: str  # where the form posts
    question: str
    entry_id: str = ""
    version: int = 0
    body: str = field(default="", repr=False)  # never in a traceback or a log line
    # Identifies this open page: its own saves never conflict with each other.
    writer: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The id "Keep both" gives the writer's copy, so pressing it twice still makes one.
    both_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    earlier: list[Entry] = field(default_factory=list)
    fresh_label: str = ""  # the "start a new one" button; empty when not offered
    can_finish: bool = False  # a "Done" button, for an entry edited in place
    # After a save: "saved", "nothing", "too_long" or "conflict"; and what goes with it.
    status: str = ""
    saved_at: datetime | None = None
    space_created: bool = False
    length: int = 0
    theirs: Entry | None = None
    focus: bool = False
    limit: int = MAX_ENTRY_LENGTH
    current: Entry | None = None

    @property
    def can_start_fresh(self) -> bool:
        return bool(self.fresh_label)

    @property
    def offers_fresh(self) -> bool:
        # A prompt offers a fresh answer once it has one; free writing always offers a new entry.
        return self.can_start_fresh and (self.current is not None or self.key == FREE_WRITING_KEY)

    @property
    def dom_id(self) -> str:
        return f"reflection-{self.key}"

    def show(self, entry: Entry | None) -> Reflection:
        """Point the box at `entry` (or at a new, unsaved answer when None)."""
        self.current = entry
        if entry is None:
            self.entry_id, self.version, self.body = str(uuid.uuid4()), 0, ""
        else:
            self.entry_id, self.version, self.body = str(entry.id), entry.version, entry.body
        return self

    def start_fresh(self) -> Reflection:
        """An empty box for a new answer; the one it held moves to the earlier answers."""
        if self.current is not None and self.current.body:
            self.earlier.insert(0, self.current)
        self.focus = True
        return self.show(None)

    def mark_saved(self, entry: Entry) -> Reflection:
        self.show(entry)
        self.status, self.saved_at = "saved", entry.updated
        return self


def for_prompt(prompt: Prompt, answers: Answers) -> Reflection:
    reflection = Reflection(
        key=prompt.id,
        action=reverse("journal:answer", args=[prompt.id]),
        question=prompt.question,
        earlier=answers.earlier,
        fresh_label=str(_("Start a fresh answer")),
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


def for_entry(entry: Entry, question: str) -> Reflection:
    reflection = Reflection(
        key=f"entry-{entry.id}",
        action=reverse("journal:entry", args=[entry.id]),
        question=question,
        can_finish=True,
    )
    return reflection.show(entry)


def lesson_url(lesson: Lesson, prompt_id: str) -> str:
    url = reverse("lesson", args=[lesson.module_slug, lesson.slug])
    return f"{url}#reflection-{prompt_id}"
