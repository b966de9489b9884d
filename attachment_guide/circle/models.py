from __future__ import annotations

import re
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachment_guide.crypto import EncryptedTextField
from attachment_guide.spaces.models import OwnedQuerySet, Space

# Enforced by the forms: the columns hold ciphertext, so the database cannot count characters.
MAX_NAME_LENGTH = 80
MAX_REACH_LENGTH = 200
# A way to reach someone that is plainly a phone number becomes a link that calls it.
PHONE = re.compile(r"\+?[0-9][0-9 ().-]{4,}")
# Enough for a large family and every service around it; it also keeps the drawing bounded.
MAX_MEMBERS = 60


class Ring(models.IntegerChoices):
    CLOSEST = 1, _("Closest")
    REGULAR = 2, _("People I see regularly")
    WIDER = 3, _("Wider and professional support")


class Help(models.TextChoices):
    LISTENING = "listening", _("Listening")
    PRACTICAL = "practical", _("Practical help")
    COMPANY = "company", _("Company")
    PROFESSIONAL = "professional", _("Professional support")


class HelpsField(models.CharField):
    """A list of Help values, stored as "listening,company". (A JSONField would do, but its
    system check asks SQLite what it supports, so `manage.py check` would need a database.)"""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection) -> list[str]:
        return self.to_python(value)

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return list(value)
        return [part for part in (value or "").split(",") if part]

    def get_prep_value(self, value) -> str:
        return ",".join(self.to_python(value))


class CircleQuerySet(OwnedQuerySet):
    def in_ring_order(self) -> CircleQuerySet:
        return self.order_by("ring", "created", "id")


class CircleMember(models.Model):
    """A person, group or service in one ring of someone's support circle."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="circle_members")
    name = EncryptedTextField(help_text="A name, nickname or initials; encrypted at rest.")
    ring = models.PositiveSmallIntegerField(choices=Ring.choices)
    helps = HelpsField(help_text="How they help: Help values, stored comma-separated.")
    reach = EncryptedTextField(
        blank=True, help_text="An optional way to reach them; encrypted at rest."
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    objects = CircleQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["space", "ring", "created"], name="circle_space_ring")]

    def __str__(self) -> str:
        # Never the name: it must not reach logs or error reports.
        return f"Circle member {self.id}"

    @property
    def ring_label(self) -> str:
        return Ring(self.ring).label

    @property
    def help_labels(self) -> list[str]:
        return [str(label) for value, label in Help.choices if value in self.helps]

    @property
    def tel_uri(self) -> str:
        if not PHONE.fullmatch(self.reach):
            return ""
        return "tel:" + re.sub(r"[^0-9+]", "", self.reach)
