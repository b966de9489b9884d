"""The lock screen and the person's settings: keep or forget, passcode and auto-lock, exit."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from attachment_guide.accounts.services import everything_delete
from attachment_guide.http import private
from attachment_guide.spaces import lock
from attachment_guide.spaces.forms import (
    ExitForm,
    KeepForm,
    LockAfterForm,
    PasscodeForm,
    RemovePasscodeForm,
    UnlockForm,
)
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import (
    space_behind_lock,
    space_claim_end,
    space_for_request,
    space_keep_set,
)


class LockMiddleware:
    """Any view that asks for a locked space gets the lock screen instead: 423, nothing else."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, lock.SpaceLocked):
            return locked_response(request)
        return None


def locked_response(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        message = _("Your space is locked. Your text stays on this page; unlock, then come back.")
        return private(HttpResponse(message, status=423))
    here = request.get_full_path() if request.method == "GET" else _page_left(request)
    ctx = {
        "state": "locked",
        "form": UnlockForm(),
        "next": here,
        "space": None,
        # Words sent without JavaScript after the space locked itself come back, never lost.
        "words": lock.words_sent(request),
        # The same screen for every page behind the lock: its links carry no page of their
        # own (accounts.context), only the unlock form does.
        "return_to": "",
    }
    return private(render(request, "spaces/lock.html", ctx, status=423))


def _page_left(request: HttpRequest) -> str:
    """The page of this site a form was sent from (its Referer), to go back to once unlocked:
    a save sent without scripts after the lock has no page of its own to come back to."""
    referer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        referer, {request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(referer)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _wait_message(seconds: int) -> str:
    """How long until the next try, in the unit a person would say it in."""
    if seconds < 60:
        return ngettext(
            "Please wait %(count)s second, then try again.",
            "Please wait %(count)s seconds, then try again.",
            seconds,
        ) % {"count": seconds}
    minutes = -(-seconds // 60)  # rounded up: never sooner than said
    return ngettext(
        "Please wait %(count)s minute, then try again.",
        "Please wait %(count)s minutes, then try again.",
        minutes,
    ) % {"count": minutes}


def _check_passcode(form, field: str, space: Space) -> int:
    """200 when the passcode in `field` is right; otherwise the form says why (422 or 429)."""
    try:
        if lock.passcode_matches(space, form.cleaned_data[field]):
            return 200
    except lock.TooManyTries:
        message = _wait_message(lock.wait_before_next_try(space))
        form.add_error(None, message)
        return 429
    form.add_error(field, _("That passcode is not right."))
    return 422


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return reverse("journal:index")


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("passcode")
def lock_view(request: HttpRequest) -> HttpResponse:
    """Lock this device now, or unlock it with the passcode (or the account's password)."""
    space = space_behind_lock(request)
    if space is None or not space.passcode_hash:
        if space is not None:
            lock.sync(request, space)
        ctx = {"state": "none" if space is None else "no-passcode"}
        return private(render(request, "spaces/lock.html", ctx))
    lock.sync(request, space)
    if request.method == "POST" and request.POST.get("action") == "lock":
        lock.lock_now(request)
        return redirect("lock")
    if not lock.is_locked(request):
        return private(render(request, "spaces/lock.html", {"state": "unlocked"}))

    form, status = UnlockForm(request.POST or None), 200
    if request.method == "POST" and form.is_valid():
        status = _check_passcode(form, "passcode", space)
        if status == 200:
            lock.mark_unlocked(request, space)
            return redirect(_next_url(request))
    elif form.errors:
        status = 422
    ctx = {
        "state": "locked",
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "space": space,
    }
    response = private(render(request, "spaces/lock.html", ctx, status=status))
    if status == 429:
        response["Retry-After"] = str(lock.wait_before_next_try(space))
    return response


@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """A guest who forgot the passcode: the only honest way on is to start again."""
    space = space_behind_lock(request)
    if space is None or space.user_id is not None:
        return redirect("lock")
    if request.method == "POST":
        everything_delete(user=None, space=space)
        request.session.flush()
        return private(render(request, "accounts/deleted.html"))
    return private(render(request, "spaces/erase.html"))


# --- Settings -------------------------------------------------------------------------------


def _forms(request: HttpRequest, space: Space, posted: str = "") -> dict:
    data = request.POST if request.method == "POST" else None
    has_passcode, is_guest = bool(space.passcode_hash), space.user_id is None
    keeps_on_device = not request.session.get_expire_at_browser_close()
    return {
        "keep": KeepForm(
            data if posted == "keep" else None,
            auto_id="keep-%s",
            is_guest=is_guest,
            initial={"keep": "device" if keeps_on_device else "visit"},
        ),
        "passcode": PasscodeForm(
            data if posted == "passcode" else None,
            auto_id="passcode-%s",
            has_passcode=has_passcode,
            initial={"lock_after": space.lock_after},
        ),
        "lock_after": LockAfterForm(
            data if posted == "lock_after" else None,
            has_passcode=has_passcode,
            auto_id="after-%s",
            initial={"lock_after": space.lock_after},
        ),
        "remove": RemovePasscodeForm(data if posted == "remove" else None, auto_id="remove-%s"),
        "exit": ExitForm(
            data if posted == "exit" else None,
            auto_id="exit-%s",
            has_passcode=has_passcode,
            is_guest=is_guest,
            initial={"exit_action": lock.exit_action(request)},
        ),
    }


# The passcode forms all live in the "Passcode lock" section (id="lock" on its heading).
SECTION_OF = {"passcode": "lock", "lock_after": "lock", "remove": "lock"}


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("current", "passcode", "repeat")
def settings_view(request: HttpRequest) -> HttpResponse:
    space = space_for_request(request)
    if space is None:
        ctx = {"space": None}
        return private(render(request, "spaces/settings.html", ctx))
    posted = request.POST.get("section", "") if request.method == "POST" else ""
    if posted:
        space_claim_end(request)  # this browser has its space: no retry may take it now
    forms = _forms(request, space, posted)
    form, status = forms.get(posted), 200
    if form is not None and form.is_valid():
        if "current" in form.fields:  # changing how the space is protected needs the passcode
            status = _check_passcode(form, "current", space)
        if status == 200:
            _apply(request, space, posted, form.cleaned_data)
            if request.htmx and posted == "keep":  # the line under a first saved answer
                ctx = {"keep": form.cleaned_data["keep"]}
                return private(render(request, "spaces/settings.html#keep_line", ctx))
            if posted == "keep" and request.POST.get("next"):
                return redirect(_next_url(request))
            # Back to the section the form was in, where its confirmation is shown.
            anchor = SECTION_OF.get(posted, posted)
            return redirect(f"{reverse('settings')}?done={posted}#{anchor}")
    elif form is not None:
        status = 422
    ctx = {
        "space": space,
        "forms": forms,
        "done": request.GET.get("done", ""),
        "guest_space_days": settings.GUEST_SPACE_DAYS,
        "is_guest": space.user_id is None,
    }
    return private(render(request, "spaces/settings.html", ctx, status=status))


def _apply(request: HttpRequest, space: Space, section: str, data: dict) -> None:
    if section == "keep":
        # "visit": the cookie ends with the browser, and a guest's space goes after
        # VISIT_SPACE_HOURS without use; "device": it lasts GUEST_SPACE_DAYS from the last
        # save (or an account's session age), sliding with use.
        space_keep_set(request, space, visit=data["keep"] == "visit")
    elif section == "passcode":
        lock.passcode_set(request, space, data["passcode"], data["lock_after"])
    elif section == "lock_after":
        space.lock_after = data["lock_after"]
        space.save(update_fields=["lock_after"])
        lock.sync(request, space)
    elif section == "remove":
        lock.passcode_remove(space)
        lock.sync(request, space)
        if lock.exit_action(request) == lock.EXIT_LOCK:
            request.session.pop(lock.EXIT_KEY, None)
    elif section == "exit":
        request.session[lock.EXIT_KEY] = data["exit_action"]
        request.session.pop("exit_forgets", None)
