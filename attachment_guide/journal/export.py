"""Everything a person wrote and recorded, as Markdown, JSON or a printable page; streamed.

What a space owns is found by following relations to Space and the user model, so a new
private model cannot be left out of the export (or of deletion) without a test noticing:
every owner-linked model is either in SECTIONS or in LEFT_OUT with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from attachment_guide.circle.models import CircleMember, Ring
from attachment_guide.journal.models import Entry
from attachment_guide.journal.reflections import source_of
from attachment_guide.spaces.models import Space
from lessons.content import get_catalog
from lessons.models import LessonProgress

FORMAT_VERSION = "attachment-guide-export/1"
BATCH = 500

# Where each owner-linked model appears in the JSON export.
SECTIONS = {
    "spaces.Space": "space",
    "auth.User": "account",
    "journal.Entry": "entries",
    "lessons.LessonProgress": "progress",
    "circle.CircleMember": "circle",
}
# Owner-linked models deliberately not exported, and why.
LEFT_OUT = {
    "accounts.RecoveryCode": "only a one-way hash of the code, useless to anyone",
    "admin.LogEntry": "staff actions in the admin, not the person's data",
}


def owner_linked_models() -> set[type[models.Model]]:
    """Space, the user model, and every model that reaches them through its own relations."""
    found: set[type[models.Model]] = {Space, get_user_model()}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in found:
                continue
            for f in model._meta.get_fields():
                if f.concrete and f.is_relation and f.related_model in found:
                    found.add(model)
                    grew = True
                    break
    return found


@dataclass
class Selection:
    """Which entries to include: all, or those matching every given filter."""

    modules: set[str] = field(default_factory=set)  # module slugs; "" means free writing
    since: date | None = None
    until: date | None = None
    entry_ids: list = field(default_factory=list)

    @property
    def everything(self) -> bool:
        return not (self.modules or self.since or self.until or self.entry_ids)

    def entries(self, space_id) -> models.QuerySet:
        entries = Entry.objects.owned_by(space_id).with_text()
        if self.entry_ids:
            entries = entries.filter(id__in=self.entry_ids)
        if self.modules:
            prompt_ids = [
                prompt.id
                for prompt_id, (lesson, prompt) in get_catalog().prompts.items()
                if lesson.module_slug in self.modules
            ]
            if "" in self.modules:
                prompt_ids.append("")
            entries = entries.filter(prompt_id__in=prompt_ids)
        if self.since:
            entries = entries.filter(created__date__gte=self.since)
        if self.until:
            entries = entries.filter(created__date__lte=self.until)
        return entries.order_by("created", "id")


@dataclass
class ExportedEntry:
    entry: Entry
    question: str
    lesson_title: str = ""
    module_title: str = ""

    @classmethod
    def of(cls, entry: Entry) -> ExportedEntry:
        question, lesson = source_of(entry.prompt_id)
        if lesson is None:
            return cls(entry, question)
        module = get_catalog().module(lesson.module_slug)
        return cls(entry, question, lesson.title, module.title if module else "")


def _entries(space_id, selection: Selection) -> Iterator[ExportedEntry]:
    for entry in selection.entries(space_id).iterator(chunk_size=BATCH):
        yield ExportedEntry.of(entry)


def _progress(space_id) -> list[dict]:
    catalog = get_catalog()
    rows = []
    for row in LessonProgress.objects.owned_by(space_id).order_by("started"):
        lesson = catalog.lesson(row.module_slug, row.lesson_slug)
        rows.append(
            {
                "module": row.module_slug,
                "lesson": row.lesson_slug,
                "title": lesson.title if lesson else "",
                "section": row.section,
                "done": row.done,
                "started": row.started.isoformat(),
                "updated": row.updated.isoformat(),
                "completed": row.completed.isoformat() if row.completed else None,
            }
        )
    return rows


def circle_members(space_id) -> list[CircleMember]:
    """The support circle, ring by ring: small (a few dozen at most), so read at once."""
    return list(CircleMember.objects.owned_by(space_id).in_ring_order())


@sensitive_variables("member")
def _circle(space_id) -> list[dict]:
    return [
        {
            "id": str(member.id),
            "name": member.name,
            "ring": member.ring,
            "ring_name": str(member.ring_label),
            "helps": member.helps,
            "reach": member.reach,
            "created": member.created.isoformat(),
            "updated": member.updated.isoformat(),
        }
        for member in circle_members(space_id)
    ]


def in_zone(stream: Iterator[str], zone: ZoneInfo | None) -> Iterator[str]:
    """`stream`, each part made in `zone` (None: the server's). A streamed response's parts
    are made after its view has returned, outside any `timezone.override` there."""
    while True:
        with timezone.override(zone):
            part = next(stream, None)
        if part is None:
            return
        yield part


def _when(moment: datetime) -> str:
    """The time in the reader's zone when their browser named it (`in_zone`), else the
    server's, named either way: a file has no browser to show it in the reader's own."""
    moment = timezone.localtime(moment)
    return f"{date_format(moment, 'DATETIME_FORMAT')} {date_format(moment, 'T')}"


def filename(extension: str) -> str:
    return f"journal-{timezone.localdate().isoformat()}.{extension}"


# --- JSON: complete and machine-readable -------------------------------------------------


@sensitive_variables("entry", "item", "head")
def as_json(*, space: Space, selection: Selection) -> Iterator[str]:
    user = space.user
    head = {
        "format": FORMAT_VERSION,
        "exported": timezone.now().isoformat(),
        "selection": "everything" if selection.everything else "chosen entries",
        "space": {
            "id": str(space.id),
            "created": space.created.isoformat(),
            "last_saved": space.last_saved.isoformat(),
        },
        "account": None
        if user is None
        else {"username": user.get_username(), "joined": user.date_joined.isoformat()},
        "progress": _progress(space.id),
        "circle": _circle(space.id),
    }
    yield json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "entries": ['
    for number, item in enumerate(_entries(space.id, selection)):
        entry = item.entry
        record = {
            "id": str(entry.id),
            "prompt_id": entry.prompt_id,
            "question": item.question,
            "lesson": item.lesson_title,
            "module": item.module_title,
            "created": entry.created.isoformat(),
            "updated": entry.updated.isoformat(),
            "version": entry.version,
            "body": entry.body,
        }
        yield ("\n  " if number == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False)
    yield "\n ]\n}\n"


# --- Markdown: readable, with questions and dates ----------------------------------------


@sensitive_variables("item", "circle", "member", "details")
def as_markdown(*, space: Space, selection: Selection, site_name: str) -> Iterator[str]:
    yield f"# {_('My journal')} · {site_name}\n\n"
    yield _("Exported on %(date)s.") % {"date": _when(timezone.now())} + "\n\n"
    progress = _progress(space.id)
    if progress and selection.everything:
        yield f"## {_('Lessons')}\n\n"
        for row in progress:
            state = _("finished") if row["done"] else _("started")
            yield f"- {row['title'] or row['lesson']}: {state}\n"
        yield "\n"
    circle = circle_members(space.id) if selection.everything else []
    if circle:
        yield f"## {_('My support circle')}\n\n"
        for ring, label in Ring.choices:
            members = [member for member in circle if member.ring == ring]
            if not members:
                continue
            yield f"### {label}\n\n"
            for member in members:
                details = [", ".join(member.help_labels), member.reach]
                yield f"- {' · '.join([member.name, *filter(None, details)])}\n"
            yield "\n"
    yield f"## {_('Entries')}\n\n"
    for item in _entries(space.id, selection):
        yield f"### {item.question}\n\n"
        where = f"{item.lesson_title} · " if item.lesson_title else ""
        yield f"*{where}{_when(item.entry.created)}*\n\n"
        yield item.entry.body.rstrip() + "\n\n---\n\n"


# --- A printable page ---------------------------------------------------------------------


@sensitive_variables("items", "chunk")
def as_print_page(*, page_html: str, marker: str, space: Space, selection: Selection):
    """The page around the entries comes from one render; entries follow in batches."""
    head, tail = page_html.split(marker)
    yield head
    chunk: list[ExportedEntry] = []
    for item in _entries(space.id, selection):
        chunk.append(item)
        if len(chunk) == BATCH:
            yield _render_items(chunk)
            chunk = []
    if chunk:
        yield _render_items(chunk)
    yield tail


def _render_items(items: Iterable[ExportedEntry]) -> str:
    return render_to_string("journal/export_print.html#items", {"items": items})
