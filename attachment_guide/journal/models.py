from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from attachment_guide.crypto import EncryptedTextField
from attachment_guide.spaces.models import Space

# Long enough for a long letter to oneself; short enough that one entry stays one entry.
MAX_ENTRY_LENGTH = 50_000


class EntryQuerySet(models.QuerySet):
    def owned_by(self, space_id) -> EntryQuerySet:
        """The only way views reach entries: scoped to one space (no space, no entries)."""
        if space_id is None:
            return self.none()
        return self.filter(space_id=space_id)

    def with_text(self) -> EntryQuerySet:
        return self.exclude(body="")

    def for_prompts(self, prompt_ids) -> EntryQuerySet:
        return self.filter(prompt_id__in=list(prompt_ids))

    def newest_first(self) -> EntryQuerySet:
        return self.order_by("-created")


class Entry(models.Model):
    """One answer to a reflection prompt, or one piece of free writing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="entries")
    prompt_id = models.CharField(
        max_length=80,
        blank=True,
        help_text="The lesson prompt this answers (ids never change); empty for free writing.",
    )
    body = EncryptedTextField(blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every change; a save on an older version is a conflict."
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    # Which open page wrote last, and its request counter: saves from one page never conflict
    # with each other, and a late, older request from that page never undoes a newer one.
    last_writer = models.CharField(max_length=32, blank=True)
    last_seq = models.PositiveBigIntegerField(default=0)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["space", "prompt_id", "-created"], name="entry_space_prompt"),
            models.Index(fields=["space", "-created"], name="entry_space_created"),
        ]

    def __str__(self) -> str:
        # Never the body: entry text must not reach logs or error reports.
        return f"Entry {self.id}"
