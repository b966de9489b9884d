"""Saving journal entries: optimistic versions, never a silent overwrite, nothing lost."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from attachment_guide.journal.models import MAX_ENTRY_LENGTH, Entry
from attachment_guide.spaces.models import Space


class EntryTooLong(ValueError):
    def __init__(self, length: int) -> None:
        super().__init__(f"{length} characters; the limit is {MAX_ENTRY_LENGTH}")
        self.length = length


class EntryConflict(Exception):
    """The entry changed since the writer loaded it. `current` is what the database holds."""

    def __init__(self, current: Entry) -> None:
        super().__init__("entry changed since it was loaded")
        self.current = current


def normalize_body(body: str) -> str:
    # Browsers send textarea line breaks as CRLF; store one form so "unchanged" means unchanged.
    return body.replace("\r\n", "\n")


def entry_save(
    *,
    space: Space,
    prompt_id: str,
    body: str,
    entry_id: uuid.UUID | None,
    base_version: int,
) -> Entry | None:
    """Create or update the entry `entry_id` of `space` and return it.

    `base_version` is the version the writer started from (0 for an entry not saved yet). A
    save on an older version raises EntryConflict unless it carries the very text already
    stored (a retried request whose first answer was lost). A writer who saw the conflict and
    chose their own text saves again on the version they were shown. Empty text creates
    nothing and returns None.
    The caller picks `entry_id` for new entries, so a retried first save cannot make two.
    """
    body = normalize_body(body)
    if len(body) > MAX_ENTRY_LENGTH:
        raise EntryTooLong(len(body))
    now = timezone.now()
    with transaction.atomic():
        entry = None
        if entry_id is not None:
            entry = Entry.objects.select_for_update().filter(id=entry_id, space=space).first()
        if entry is None:
            if not body.strip():
                return None
            if entry_id is None or Entry.objects.filter(id=entry_id).exists():
                entry_id = uuid.uuid4()  # never reuse an id that is someone else's
            return Entry.objects.create(
                id=entry_id, space=space, prompt_id=prompt_id, body=body, created=now, updated=now
            )
        if entry.version != base_version and entry.body != body:
            raise EntryConflict(entry)
        if entry.body != body:
            entry.body = body
            entry.version += 1
            entry.updated = now
            entry.save(update_fields=["body", "version", "updated"])
        return entry


def entry_keep_both(*, space: Space, current: Entry, body: str) -> Entry:
    """Resolve a conflict by keeping both texts: this writer's becomes a new, newer answer."""
    return (
        entry_save(
            space=space, prompt_id=current.prompt_id, body=body, entry_id=None, base_version=0
        )
        or current
    )


def entry_delete(*, entry: Entry) -> None:
    entry.delete()


@dataclass
class Answers:
    """What a lesson shows under one prompt: the answer being written, and earlier ones."""

    current: Entry | None = None
    earlier: list[Entry] = field(default_factory=list)


def answers_for_prompts(*, space_id, prompt_ids: list[str]) -> dict[str, Answers]:
    """One query for every prompt of a lesson: newest answer to edit, older ones listed."""
    answers = {prompt_id: Answers() for prompt_id in prompt_ids}
    if space_id is None:
        return answers
    for entry in Entry.objects.owned_by(space_id).for_prompts(prompt_ids).newest_first():
        slot = answers[entry.prompt_id]
        if slot.current is None:
            slot.current = entry
        elif entry.body:
            slot.earlier.append(entry)
    return answers
