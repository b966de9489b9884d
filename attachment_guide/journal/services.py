"""Saving journal entries: optimistic versions, never a silent overwrite, nothing lost."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from attachment_guide.db.plain import fetch, prep, update
from attachment_guide.journal.models import MAX_ENTRY_LENGTH, Entry
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import space_adopt, space_create


class EntryTooLong(ValueError):
    def __init__(self, length: int) -> None:
        super().__init__(f"{length} characters; the limit is {MAX_ENTRY_LENGTH}")
        self.length = length


class EntryConflict(Exception):
    """The entry changed since the writer loaded it. `current` is what the database holds."""

    def __init__(self, current: Entry) -> None:
        super().__init__("entry changed since it was loaded")
        self.current = current


class EntryWouldEmpty(ValueError):
    """An autosave of an empty box over written text: only an explicit Save may do that."""


@sensitive_variables("body")
def normalize_body(body: str) -> str:
    # Browsers send textarea line breaks as CRLF; store one form so "unchanged" means unchanged.
    body = body.replace("\r\n", "\n")
    if len(body) > MAX_ENTRY_LENGTH:
        raise EntryTooLong(len(body))
    return body


@sensitive_variables("body")
def entry_save(
    *,
    space: Space,
    prompt_id: str,
    body: str,
    entry_id: uuid.UUID | None,
    base_version: int,
    writer: str = "",
    seq: int = 0,
    explicit: bool = False,
) -> Entry | None:
    """Create or update the entry `entry_id` of `space` and return it.

    `base_version` is the version the writer started from (0 for an entry not saved yet).
    A save on an older version raises EntryConflict, unless it carries the very text already
    stored (a retried request whose first answer was lost) or comes from the same open page
    (`writer`) as the last save: one page's own saves never conflict, and one of its requests
    that arrives after a newer one (`seq`) is ignored. Empty text creates nothing and returns
    None; emptying written text takes an `explicit` Save. The caller picks `entry_id` for new
    entries, so a retried first save cannot make two. An `entry_id` of an entry that answers
    another question than `prompt_id` (a forged or mixed-up form) is never written over: the
    text becomes a new answer to `prompt_id`, as for an id that is someone else's.
    """
    body = normalize_body(body)
    now = timezone.now()
    # Inside a caller's transaction (a save counted against the allowance), no savepoint:
    # an error here undoes the whole save, count included, as it should.
    with transaction.atomic(savepoint=False):
        entry = None
        if entry_id is not None:
            found = fetch(
                Entry,
                "id = %s AND space_id = %s AND prompt_id = %s",
                [prep(Entry, "id", entry_id), prep(Entry, "space", space.id), prompt_id],
                for_update=True,
            )
            entry = found[0] if found else None
        if entry is None:
            if not body.strip():
                return None
            if entry_id is None or Entry.objects.filter(id=entry_id).exists():
                # Never reuse an id that is someone else's, or another question's.
                entry_id = uuid.uuid4()
            return Entry.objects.create(
                id=entry_id,
                space=space,
                prompt_id=prompt_id,
                body=body,
                created=now,
                updated=now,
                last_writer=writer,
                last_seq=seq,
            )
        same_page = bool(writer) and entry.last_writer == writer
        if same_page and seq and seq <= entry.last_seq:
            return entry  # an older request from this page, overtaken by a newer one
        if entry.version != base_version and entry.body != body and not same_page:
            raise EntryConflict(entry)
        if not body.strip() and entry.body.strip() and not explicit:
            raise EntryWouldEmpty()
        if entry.body != body:
            entry.body = body
            entry.version += 1
            entry.updated = now
        entry.last_writer, entry.last_seq = writer, seq
        # Written as the ORM's save(update_fields=...) would, without building it each time.
        update(entry, ["body", "version", "updated", "last_writer", "last_seq"])
        return entry


class _EntryIdTaken(Exception):
    """The entry id a first save's page chose was taken by the time it was kept."""


@sensitive_variables("body")
def entry_first_save(
    request: HttpRequest,
    *,
    prompt_id: str,
    body: str,
    entry_id: uuid.UUID | None,
    base_version: int,
    writer: str,
    seq: int,
    explicit: bool,
    page: uuid.UUID | None,
) -> tuple[Space, Entry | None]:
    """A writing box's first save, from a browser that holds no space: the space a first
    save from the same page (`page`, or this box's) made, when this is it sent again or its
    page's next box after it (`space_adopt`), or a new one, and the entry kept there
    (`entry_save`). Returns (space, entry).

    On PostgreSQL a first save and its retry can overlap, each in its own transaction, and
    neither sees what the other has not committed. Sent while the first save was still being
    kept, the retry found no space to take and made one of its own. Its entry, with the id
    the page chose, then waited for the first save and failed as a duplicate once that
    committed: a server error, and the words shown as not saved until the next retry. Or it
    took the id first (the first save had made only its space so far), and the first save
    found the id taken and kept its copy of the words under another id, in a second space.
    So the space is made in a savepoint: when an id the page chose turns out to be taken
    (the entry's, or the page's own, which one space at most holds: `Space.claim_page`),
    what was made is undone and the space is looked for again, now that the other save is
    committed (a duplicate is reported only then). So is the first save of another box of
    the page sent meanwhile. On SQLite writers take turns (attachment_guide/db/sqlite3/): a
    retry begins only once the first save has committed, and finds its space.
    """

    def keep() -> tuple[Space, Entry | None]:
        space = space_adopt(
            request, prompt_id=prompt_id, entry_id=entry_id, writer=writer, page=page
        ) or space_create(request, claimable=True, page=page)
        entry = entry_save(
            space=space,
            prompt_id=prompt_id,
            body=body,
            entry_id=entry_id,
            base_version=base_version,
            writer=writer,
            seq=seq,
            explicit=explicit,
        )
        return space, entry

    try:
        with transaction.atomic():
            space, entry = keep()
            if entry_id is not None and entry is not None and entry.id != entry_id:
                raise _EntryIdTaken()
            return space, entry
    except (IntegrityError, _EntryIdTaken):
        pass  # the other save has committed: its space can be found now
    # Once more, without a savepoint: found, the words land in the other save's space; not
    # found (the id is someone else's, not this page's), a new space keeps them under an id
    # of their own, as any first save naming a taken id.
    return keep()


@sensitive_variables("body")
def entry_keep_both(
    *,
    space: Space,
    current: Entry | None,
    prompt_id: str,
    body: str,
    new_id: uuid.UUID | None,
    writer: str = "",
    seq: int = 0,
) -> Entry | None:
    """Resolve a conflict by keeping both texts: this writer's becomes a new, newer answer.

    `new_id` is chosen by the page, so pressing "Keep both" twice still makes one copy; and
    the copy is that page's (`writer`), so a second "both" from it (the page left again in
    the middle of the conflict, with more typed) brings its newer text, not a conflict.
    `current` is None when the other version was deleted since: this writer's text is kept
    all the same. None when that leaves nothing (no text sent, no other version).
    """
    saved = entry_save(
        space=space,
        prompt_id=prompt_id,
        body=body,
        entry_id=new_id,
        base_version=0,
        writer=writer,
        seq=seq,
    )
    return saved or current


@sensitive_variables("query", "needle")
def entries_matching(
    space_id, query: str, *, prompt_ids: tuple[str, ...] | None = None
) -> list[uuid.UUID]:
    """Ids of the space's entries containing `query`, newest first, ignoring case and
    accents ("cafe" finds "Café"); only answers to `prompt_ids` when given ("" is free
    writing).

    Text is encrypted in the database, so the search reads and decrypts this one person's
    entries (in batches, never anyone else's) instead of asking the database to look.
    """
    needle = _folded(query)
    entries = entries_from(space_id, prompt_ids).only("id", "body")
    return [entry.id for entry in entries.iterator(chunk_size=500) if needle in _folded(entry.body)]


def _folded(text: str) -> str:
    """`text` as a search compares it: case folded, accents and other marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def entries_from(space_id, prompt_ids: tuple[str, ...] | None = None):
    """The space's entries with text, newest first; only answers to `prompt_ids` when given."""
    entries = Entry.objects.owned_by(space_id).with_text().newest_first()
    return entries if prompt_ids is None else entries.filter(prompt_id__in=prompt_ids)


def entry_delete(*, entry: Entry) -> None:
    entry.delete()


@dataclass
class Answers:
    """What a lesson shows under one prompt: the answer being written, and earlier ones."""

    current: Entry | None = None
    earlier: list[Entry] = field(default_factory=list)


def answers_for_prompts(*, space_id, prompt_ids: list[str]) -> dict[str, Answers]:
    """One query for every prompt of a lesson: newest answer to edit, older ones listed.

    On every returning reader's lesson page, so written once as a statement (the ORM took
    longer to build it than the database took to answer): see attachment_guide.db.plain.
    Ordered by prompt, then newest first: each prompt's answers come in the same order as
    by `created DESC` alone, and the order matches the (space, prompt, -created) index, so
    the database reads only these prompts' rows. Ordered by `created` alone, SQLite walked
    every entry of the space to skip a sort (65 µs with 200 free-writing entries, 17 µs now).
    """
    answers = {prompt_id: Answers() for prompt_id in prompt_ids}
    if space_id is None or not prompt_ids:
        return answers
    marks = ", ".join(["%s"] * len(prompt_ids))
    entries = fetch(
        Entry,
        f"space_id = %s AND prompt_id IN ({marks})",
        [prep(Entry, "space", space_id), *prompt_ids],
        order_by="prompt_id, created DESC",
    )
    for entry in entries:
        slot = answers[entry.prompt_id]
        if slot.current is None:
            slot.current = entry
        elif entry.body:
            slot.earlier.append(entry)
    return answers
