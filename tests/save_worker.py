"""One of several processes saving at once, for tests/test_concurrent_saves.py.

Usage: python -m tests.save_worker WORKER_NUMBER SAVES SHARED_ENTRY_ID
Prints one JSON line: how many saves landed, how many met a conflict, and every error.
"""

from __future__ import annotations

import json
import sys
import uuid


def main(number: int, saves: int, shared_id: str) -> None:
    import django

    django.setup()
    from attachment_guide.journal.models import Entry
    from attachment_guide.journal.services import EntryConflict, entry_save
    from attachment_guide.spaces.models import Space

    own_space = Space.objects.create()
    own_id = uuid.uuid4()
    shared = Entry.objects.get(id=shared_id)
    shared_space = shared.space
    landed = conflicts = 0
    errors: list[str] = []
    for i in range(saves):
        try:
            # Read, then write on what was read: the pattern of a person's autosave.
            own = Entry.objects.filter(id=own_id).first()
            entry_save(
                space=own_space,
                prompt_id="",
                body=f"worker {number} save {i}",
                entry_id=own_id,
                base_version=own.version if own else 0,
            )
            current = Entry.objects.get(id=shared_id)
            try:
                entry_save(
                    space=shared_space,
                    prompt_id=current.prompt_id,
                    body=f"shared by {number}, save {i}",
                    entry_id=current.id,
                    base_version=current.version,
                )
                landed += 1
            except EntryConflict:
                conflicts += 1
        except Exception as exc:  # every error is a failure the test reports
            errors.append(f"{type(exc).__name__}: {exc}")
    print(
        json.dumps({"own": str(own_id), "landed": landed, "conflicts": conflicts, "errors": errors})
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
