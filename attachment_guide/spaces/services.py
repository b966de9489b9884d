"""Finding and creating the private space of the person making a request."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.db.models import Case, F, Q, Value, When
from django.http import HttpRequest
from django.utils import timezone

from attachment_guide.spaces.models import Space

SESSION_KEY = "space_id"
TOUCHED_KEY = "space_touched"


def space_id_for_request(request: HttpRequest) -> uuid.UUID | None:
    """The id of this browser's space, without touching the database when there is none.

    Reading a session that does not exist creates nothing, so a reader who has never saved
    anything gets no session and no row.
    """
    raw = request.session.get(SESSION_KEY)
    if not raw:
        return None
    if AUTH_SESSION_KEY in request.session and not request.user.is_authenticated:
        # An account's session whose password changed elsewhere: Django has just flushed it.
        return None
    try:
        return uuid.UUID(raw)
    except (TypeError, ValueError):
        return None


def space_for_request(request: HttpRequest) -> Space | None:
    space_id = space_id_for_request(request)
    if space_id is None:
        return None
    return Space.objects.filter(id=space_id).first()


def space_create(request: HttpRequest) -> Space:
    """A new space for this browser, made on the first thing the person chooses to keep."""
    space = Space.objects.create(save_window=timezone.now(), save_count=1)  # this first save
    request.session.cycle_key()
    request.session[SESSION_KEY] = str(space.id)
    request.session[TOUCHED_KEY] = timezone.localdate().isoformat()
    return space


def space_touch(request: HttpRequest, space: Space) -> None:
    """Saving keeps a space alive: restart its clock, at most once a day (one write, not one
    per autosave)."""
    today = timezone.localdate().isoformat()
    if request.session.get(TOUCHED_KEY) != today:
        request.session[TOUCHED_KEY] = today  # re-saves the session: the cookie's age restarts
        Space.objects.filter(id=space.id).update(last_saved=timezone.now())


def space_get_or_create(request: HttpRequest) -> tuple[Space, bool]:
    """This browser's space, created if need be. Returns (space, created)."""
    space = space_for_request(request)
    if space is not None:
        space_touch(request, space)
        return space, False
    return space_create(request), True


def spaces_expired(*, now=None):
    """Guest spaces (no account) not saved to for longer than their cookie lives."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.GUEST_SPACE_DAYS + 1)
    return Space.objects.filter(user__isnull=True, last_saved__lt=cutoff)


def space_save_allowed(space: Space) -> bool:
    """Count one save against the space's per-minute allowance, in one UPDATE that every app
    server shares; False once SAVES_PER_MINUTE is used up (the next minute starts afresh)."""
    limit, now = settings.SAVES_PER_MINUTE, timezone.now()
    fresh = Q(save_window__isnull=True) | Q(save_window__lt=now - timedelta(minutes=1))
    allowed = Space.objects.filter(Q(id=space.id) & (fresh | Q(save_count__lt=limit)))
    return bool(
        allowed.update(
            save_count=Case(When(fresh, then=Value(1)), default=F("save_count") + 1),
            save_window=Case(When(fresh, then=Value(now)), default=F("save_window")),
        )
    )


class SaveLimitReached(Exception):
    """This space used up its saves for the minute."""


def space_for_saving(request: HttpRequest) -> Space:
    """This browser's space, ready for one more save: created by the first thing the person
    keeps, otherwise kept alive and counted against the per-minute allowance."""
    space = space_for_request(request)
    if space is None:
        return space_create(request)
    if not space_save_allowed(space):
        raise SaveLimitReached()
    space_touch(request, space)
    return space
