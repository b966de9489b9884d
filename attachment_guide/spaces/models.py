from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Space(models.Model):
    """Everything one person writes or records belongs to one space.

    A guest's browser holds the key to its space in the session; an account is a user linked
    one-to-one to a space, so signing up later links this row and moves nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_saved = models.DateTimeField(
        auto_now_add=True, help_text="Refreshed at most once a day; guest spaces expire from it."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="space",
        help_text="Set when the person creates an account; empty for a guest space.",
    )
    visit_only = models.BooleanField(
        default=False,
        help_text=(
            "A guest chose “only for this visit”: deleted after VISIT_SPACE_HOURS without a "
            "save, not GUEST_SPACE_DAYS. Never set for an account."
        ),
    )

    claimable = models.BooleanField(
        default=False,
        help_text=(
            "Made by a writing box's first save, and its browser has not come back with its "
            "cookie yet: for CLAIM_WINDOW, that save sent again (its answer lost on the way) "
            "may still take this space instead of making a second one (see space_adopt)."
        ),
    )
    claim_page = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=(
            "While claimable: the SHA-256 of the id of the page view whose first save made "
            "this space, so another box of that page, saving for the first time, lands here "
            "too (see space_adopt). Never the id itself; cleared with claimable."
        ),
    )

    # Saves in the current minute, shared by every app server: a runaway script or a flood of
    # requests cannot fill the database, and a person typing never comes near the limit.
    save_window = models.DateTimeField(null=True, blank=True)
    save_count = models.PositiveIntegerField(default=0)

    # Agreement to the privacy notice, given with the first save: when, and to which version.
    consented_at = models.DateTimeField(null=True, blank=True)
    notice_version = models.CharField(max_length=20, blank=True)
    # An optional passcode lock (see spaces/lock.py): hashed like a password, never shown.
    passcode_hash = models.CharField(max_length=255, blank=True)
    lock_after = models.PositiveSmallIntegerField(
        default=15, help_text="Minutes of quiet before a device locks itself; 0 means never."
    )
    unlock_failures = models.PositiveSmallIntegerField(default=0)
    unlock_failed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Space {self.id}"


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to a space. Views reach them only through `owned_by`."""

    def owned_by(self, space_id):
        if space_id is None:  # no space, nothing of theirs
            return self.none()
        return self.filter(space_id=space_id)
