from __future__ import annotations

from functools import partial

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from attachment_guide.safety import notice
from attachment_guide.safety.exit import pending_ends_with_browser
from attachment_guide.spaces.services import (
    agreement_needed,
    readable_space_id,
    space_marker,
    visit_span,
)


def site(request) -> dict:
    """The site's name (neutral in discreet mode) and where quick exit goes."""
    return {
        "site_name": settings.SITE_NAME or _("Attachment Guide"),
        "discreet": settings.DISCREET_MODE,
        "guest_space_days": settings.GUEST_SPACE_DAYS,
        # Offline, quick exit goes straight there; its cookie keeps the exit for later.
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "exit_pending_cookie": settings.EXIT_PENDING_COOKIE_NAME,
        # Whether that cookie is to end with the browser, as the key to the space does. A
        # callable: worked out only where a page asks (one with a space, or an answer giving
        # a page its space).
        "exit_ends_with_browser": partial(pending_ends_with_browser, request),
        # "a day": how long a space kept only for this visit lasts without use.
        "visit_span": _lazy_span(),
        # Asked beside writing boxes until this browser has agreed to this version of the
        # notice (read from the session: no query).
        "needs_agreement": agreement_needed(request),
        # The tick's value is the version it is shown with, and its id holds the version's
        # tag: htmx never keeps (hx-preserve) a tick that was shown for older words.
        "notice_version": notice.NOTICE_VERSION,
        "notice_tag": notice.version_tag(notice.NOTICE_VERSION),
        # Which space the writing forms of this page are made for (spaces.services); worked
        # out only on pages that have one. Frames give it as a slot instead.
        "space_marker": _lazy_marker(request),
    }


_lazy_span = lazy(visit_span, str)
_lazy_marker = lazy(lambda request: space_marker(readable_space_id(request)), str)
