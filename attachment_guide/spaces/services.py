"""Finding and creating the private space of the person making a request."""

from __future__ import annotations

import uuid

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import HttpRequest

from attachment_guide.spaces.models import Space

SESSION_KEY = "space_id"


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


def space_get_or_create(request: HttpRequest) -> tuple[Space, bool]:
    """This browser's space, created on the first save. Returns (space, created)."""
    space = space_for_request(request)
    if space is not None:
        # Saving keeps the space alive: the session cookie's expiry restarts from now.
        request.session.modified = True
        return space, False
    space = Space.objects.create()
    request.session.cycle_key()
    request.session[SESSION_KEY] = str(space.id)
    return space, True
