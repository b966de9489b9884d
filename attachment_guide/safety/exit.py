"""What quick exit does, from /exit/ or, when /exit/ could not be reached, at the next request.

The button's script (static/js/exit.js) sets a small cookie as it leaves, meaning "an exit is
pending", then goes through /exit/, or, when the browser knows it is offline, straight to the
neutral site. /exit/ carries out the exit and deletes the cookie. If /exit/ never ran (no
network, a tunnel, a Wi-Fi login page, the server down), the cookie is still there at the next
request this browser makes to the site, whatever the page or method: that request first does
what /exit/ would have done, then is answered as things now stand (a lock screen, a page for
someone with no space), and its answer deletes the cookie. Otherwise the next person to open
the site from the history would find the space open.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from attachment_guide.accounts.services import device_forget
from attachment_guide.http import private, reverse_once
from attachment_guide.spaces.lock import EXIT_FORGET, EXIT_LOCK, LOCK_KEY, exit_action, lock_now
from attachment_guide.spaces.services import SESSION_KEY


def exit_carry_out(
    request: HttpRequest, *, from_elsewhere: bool, respond: Callable[[], HttpResponse]
) -> HttpResponse:
    """Do what the person chose in /settings/ for quick exit: leave the space, lock it, or
    forget this device. Unchosen, an account is logged out and a guest's key is kept, because
    losing a guest's only key cannot be undone. Then answer with `respond()`, made after the
    exit so that it sees what is left."""
    action = exit_action(request)
    if action == EXIT_FORGET and from_elsewhere:
        # A link on another site must not be able to throw away a guest's only key: the
        # worst a forged exit may do is lock the space or sign someone out.
        action = EXIT_LOCK
    if action == EXIT_LOCK and request.session.get(LOCK_KEY):
        lock_now(request)
    elif action == EXIT_FORGET or (action == EXIT_LOCK and request.user.is_authenticated):
        if request.user.is_authenticated:
            logout(request)
        else:
            forget_guest(request)
    response = respond()
    if not from_elsewhere:
        # The device cookie would show that an account was used here. A forged link must
        # not remove it: that would hand the lockout back to whoever sent the link.
        device_forget(request, response)
    name = settings.EXIT_PENDING_COOKIE_NAME
    if request.COOKIES.get(name):
        response.delete_cookie(name, samesite="Lax")
    # Not "cache" (it stalls Chromium for seconds) and not "cookies" (it would end every
    # guest's journal): storage is all this site could have left behind.
    response["Clear-Site-Data"] = '"storage"'
    return private(response)


def pending_ends_with_browser(request) -> bool:
    """Whether the pending-exit cookie should end when the browser closes rather than last
    400 days: when all an exit could still take out of this browser ends then anyway. The key
    to the space does, in a session kept only for this visit or an account's signed in
    without "Remember me"; a device cookie (from an earlier "Remember me") would outlive it,
    and exit removes that too. Once the browser has closed there is then nothing left to
    exit, and a cookie left behind would only tell whoever looks that exit was pressed here.
    Reads the session and the cookies already at hand: no query."""
    return request.session.get_expire_at_browser_close() and not request.COOKIES.get(
        settings.DEVICE_COOKIE_NAME
    )


def forget_guest(request: HttpRequest) -> None:
    """Throw away this browser's key, and the space it opened: kept on the server, nobody
    could ever reach it again, so keeping it would only keep a risk."""
    from attachment_guide.spaces.models import Space
    from attachment_guide.spaces.services import spaces_delete

    space_id = request.session.get(SESSION_KEY)
    request.session.flush()  # the one session that held it
    if space_id:
        spaces_delete(Space.objects.filter(id=space_id, user__isnull=True))


class PendingExitMiddleware:
    """Carries out a quick exit that never reached /exit/, at this browser's next request.

    The exit is taken as asked for from this site, with everything the person chose (forget
    included), wherever the request itself comes from: a link on another site could bring the
    cookie along, but could not have set it. In production it is a `__Host-` cookie, which a
    browser accepts only from a secure page of this very host, set without a domain: no other
    site, no subdomain and no plain-HTTP page can plant or overwrite it, and only this site's
    own script sets it, when the person pressed exit. (In development, over plain HTTP, the
    name has no prefix, as the session's has none.)

    A request with no such cookie pays one dictionary lookup: no query, nothing written.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.COOKIES.get(settings.EXIT_PENDING_COOKIE_NAME):
            return self.get_response(request)
        if request.path == reverse_once("exit"):
            return self.get_response(request)  # the exit itself, as it should have gone
        # What this request asks for was sent by a page from before the exit (another tab,
        # words that waited for the network): it must not make a space (`space_marker_stale`).
        request.exit_carried_out = True
        return exit_carry_out(
            request, from_elsewhere=False, respond=lambda: self.get_response(request)
        )
