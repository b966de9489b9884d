from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from attachment_guide.http import private, private_to_a_reader, same_site
from attachment_guide.safety.exit import exit_carry_out
from attachment_guide.safety.helplines import get_helplines
from attachment_guide.safety.notice import NOTICE_TEMPLATE
from attachment_guide.spaces.forms import EXIT_CHOICES
from attachment_guide.spaces.lock import exit_action
from attachment_guide.spaces.services import SESSION_KEY
from lessons.content import get_catalog


@require_safe
def support(request: HttpRequest) -> HttpResponse:
    has_space = request.session.get(SESSION_KEY) is not None
    labels = dict(EXIT_CHOICES)
    ctx = {
        "helplines": get_helplines(),
        "has_space": has_space,
        "exit_label": labels[exit_action(request)] if has_space else "",
    }
    return private(render(request, "safety/support.html", ctx))


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice, filled from the operator settings."""
    ctx = {
        "operator_name": settings.OPERATOR_NAME,
        "operator_contact": settings.OPERATOR_CONTACT,
        "data_location": settings.DATA_LOCATION,
        "guest_space_days": settings.GUEST_SPACE_DAYS,
        "inactive_account_days": settings.INACTIVE_ACCOUNT_DAYS,
        # notice_version comes from the context processor (attachment_guide.safety.context)
    }
    if request.headers.get("X-Notice-In-Place"):
        # Fetched to open over a page (notice.js), which takes the notice's words alone: a
        # one-time notice shown here would take their place, and be gone unread. It waits.
        ctx["messages"] = ()
    return private_to_a_reader(request, render(request, NOTICE_TEMPLATE, ctx))


@require_safe
def grounding(request: HttpRequest) -> HttpResponse:
    """The exercise as a page of its own. Its links carry the page they were on (`next`), and
    its end leads back there."""
    page = get_catalog().grounding
    if page is None:
        raise Http404("No grounding exercise")
    back_to = same_site(request, request.GET.get("next", ""))
    ctx = {"page": page, "back_to": "" if back_to == request.path else back_to}
    return private_to_a_reader(request, render(request, "safety/grounding.html", ctx))


@require_GET  # not HEAD: a link checker or a prefetch must not end anyone's visit
def quick_exit(request: HttpRequest) -> HttpResponse:
    """The one GET that changes state, on purpose: a person in danger must be able to leave
    with one tap. It does what the person chose (safety/exit.py), then sends the browser on to
    an everyday site."""
    # With the pending-exit cookie, the person pressed exit on this site and the exit is
    # still owed (safety/exit.py): a link from elsewhere arriving first must not weaken it.
    pending = request.COOKIES.get(settings.EXIT_PENDING_COOKIE_NAME)
    response = exit_carry_out(
        request,
        from_elsewhere=not pending and _from_elsewhere(request),
        respond=lambda: HttpResponseRedirect(settings.QUICK_EXIT_URL),
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


def _from_elsewhere(request: HttpRequest) -> bool:
    """Whether the exit was asked for by a page on another site (a forged link). A browser
    too old to say so (Safari before 16.4 sends no Sec-Fetch-Site) is believed only with a
    Referer from this site, which this site's pages send (Referrer-Policy: same-origin)."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from == "cross-site"
    return not same_site(request, request.headers.get("Referer", ""))
