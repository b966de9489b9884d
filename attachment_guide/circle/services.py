"""Changing a support circle: add, change and remove people, and the guided start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from attachment_guide.circle.models import MAX_MEMBERS, CircleMember
from attachment_guide.spaces.models import Space


class CircleFull(Exception):
    """The map already holds MAX_MEMBERS people."""


def _room_for(space: Space, count: int) -> None:
    if CircleMember.objects.owned_by(space.id).count() + count > MAX_MEMBERS:
        raise CircleFull()


@sensitive_variables("name", "reach")
def member_add(*, space: Space, name: str, ring: int, helps: list[str], reach: str) -> CircleMember:
    with transaction.atomic():
        _room_for(space, 1)
        return CircleMember.objects.create(
            space=space, name=name, ring=ring, helps=helps, reach=reach
        )


@sensitive_variables("people")
def members_add(*, space: Space, people: Iterable[tuple[str, int, list[str]]]) -> int:
    """Add several people at once (name, ring, how they help); returns how many."""
    people = list(people)
    with transaction.atomic():
        _room_for(space, len(people))
        now = timezone.now()
        CircleMember.objects.bulk_create(
            # A microsecond apart, so they keep the order they were written in.
            CircleMember(
                space=space,
                name=name,
                ring=ring,
                helps=list(helps),
                created=now + timedelta(microseconds=n),
                updated=now,
            )
            for n, (name, ring, helps) in enumerate(people)
        )
    return len(people)


@sensitive_variables("name", "reach")
def member_change(
    *, member: CircleMember, name: str, ring: int, helps: list[str], reach: str
) -> CircleMember:
    member.name, member.ring, member.helps, member.reach = name, ring, helps, reach
    member.updated = timezone.now()
    member.save(update_fields=["name", "ring", "helps", "reach", "updated"])
    return member


def member_remove(*, member: CircleMember) -> None:
    member.delete()
