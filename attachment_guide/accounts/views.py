from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from attachment_guide.accounts.forms import (
    ConfirmPasswordForm,
    DeleteEverythingForm,
    LoginForm,
    PasswordChange,
    RecoverForm,
    SignupForm,
)
from attachment_guide.accounts.services import (
    THROTTLE_WINDOW,
    account_create,
    account_space,
    device_forget,
    device_remember,
    everything_delete,
    recovery_code_matches,
    recovery_code_new,
    space_merge,
    throttle_attempt,
    throttle_clear,
    throttle_key,
)
from attachment_guide.http import private, same_site
from attachment_guide.safety import notice
from attachment_guide.spaces import lock
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import (
    SESSION_KEY,
    VISIT_TOUCHED_KEY,
    agreement_record,
    agreement_remember,
    space_for_request,
    space_id_for_request,
    space_marker_merged,
)

# Who signed in and who failed, for the operator: never a password, never the name typed in.
log = logging.getLogger("attachment_guide.accounts")

TOO_MANY = _("Too many attempts with this name. Please wait 15 minutes, then try again.")


def _start_session(
    request: HttpRequest, user: User, *, space_id, remember: bool, merged: uuid.UUID | None = None
) -> None:
    login(request, user)  # keeps a guest's session data, "only for this visit" included
    request.session[SESSION_KEY] = str(space_id)
    request.session.pop(VISIT_TOUCHED_KEY, None)  # an account is never kept only for a visit
    if merged is not None:  # this browser's tabs opened as that guest may save here still
        space_marker_merged(request, merged)
    space = Space.objects.get(id=space_id)
    lock.mark_unlocked(request, space)  # the password proves it
    agreement_remember(request, space)
    # Not remembered, the session ends when the browser closes; remembered, it lasts, even
    # when this browser's guest space was kept only for this visit.
    request.session.set_expiry(None if remember else 0)


def _remember_initial(request: HttpRequest) -> dict:
    """ "Remember me" comes ticked, except in a browser that keeps this session only for this
    visit: the person said this device should forget them, and a ticked box left as it came
    would keep them signed in here for GUEST_SPACE_DAYS. Their own tick still does."""
    return {"remember": not request.session.get_expire_at_browser_close()}


def _device_cookie(request: HttpRequest, response, *, user: User, remember: bool) -> None:
    """Remembered: this browser gets the device cookie. Not remembered: it keeps none, not even
    another account's, since the person has just said this browser should not remember them
    (and the cookie would show that an account was used here)."""
    if remember:
        device_remember(response, user=user)
    else:
        device_forget(request, response)


def _merged_space(
    request: HttpRequest, user: User, guest: Space | None
) -> tuple[Space, uuid.UUID | None]:
    """The account's space, with this browser's guest writing moved into it (none is lost),
    and the id the guest space had, if it was merged (and so deleted).

    The guest's passcode is not carried over: on a shared browser, whoever set it would
    choose the passcode of the next account logged in there, on all its devices. So a
    person who had one, logging in to an account with none, is told it does not lock here."""
    space = account_space(user=user)
    if guest is not None and guest.user_id is None and guest.id != space.id:
        merged = guest.id  # deleting the row clears it on the instance
        space_merge(source=guest, target=space)
        if guest.passcode_hash and not space.passcode_hash:
            messages.info(request, _passcode_left_behind())
        return space, merged
    return space, None


def _passcode_left_behind() -> str:
    return format_html(
        _(
            "The passcode you set in this browser before logging in was not carried into your "
            "account. Your account has no passcode, so it does not lock on this device. You can "
            '<a href="{url}">set one in Settings</a>.'
        ),
        url=reverse("settings") + "#lock",
    )


def _password_checked(request: HttpRequest, form, field: str) -> int:
    """Validate a form that asks for the signed-in account's password, throttled like
    logging in (the same count): an open device must not become a way to guess it.
    200 when valid; otherwise the form says why (422 or 429)."""
    key = throttle_key(request, username=request.user.get_username())
    tried = bool(form.data.get(field))  # an empty box checks nothing, so counts nothing
    attempt = throttle_attempt(key=key) if tried else None
    if tried and attempt is None:
        form.data, form.is_bound = {}, False  # the password is not even checked
        form.cleaned_data = {}
        form.add_error(None, TOO_MANY)
        return 429
    valid = form.is_valid()
    if attempt is not None and field not in form.errors:
        throttle_clear(attempt=attempt)  # the right password, as a log-in that succeeds
    return 200 if valid else 422


def _form_page(request: HttpRequest, template: str, ctx: dict, status: int) -> HttpResponse:
    """An account form's page; refused by the throttle (429), it says when to try again."""
    response = private(render(request, template, ctx, status=status))
    if status == 429:
        response["Retry-After"] = str(int(THROTTLE_WINDOW.total_seconds()))
    return response


def _return_to(request: HttpRequest) -> str:
    """The page of this site to come back to once logged in or signed up, or "" for none:
    the `next` the page was opened with ("Log in" in the navigation gives the page it was
    on), carried through the forms in a hidden field and along the links between them."""
    return same_site(request, request.POST.get("next") or request.GET.get("next") or "")


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:account")
    guest = space_for_request(request)
    needs = guest is None or guest.notice_version != notice.NOTICE_VERSION
    form = SignupForm(
        request.POST or None, needs_agreement=needs, initial=_remember_initial(request)
    )
    return_to = _return_to(request)
    if request.method == "POST" and form.is_valid():
        user, space = account_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            space=guest,
        )
        remember = form.cleaned_data["remember"]
        _start_session(request, user, space_id=space.id, remember=remember)
        if needs:
            agreement_record(request, space)
        # "Everything you wrote is now in it" only when something was written here before.
        ctx = {
            "code": recovery_code_new(user=user),
            "new_account": True,
            "kept": guest,
            "return_to": return_to,  # where "I have kept my code" goes
        }
        response = private(render(request, "accounts/recovery_code.html", ctx))
        _device_cookie(request, response, user=user, remember=remember)
        return response
    status = 422 if form.errors else 200
    ctx = {"form": form, "return_to": return_to}
    return private(render(request, "accounts/signup.html", ctx, status=status))


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None, initial=_remember_initial(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        # A locked device answers with the lock screen: logging in over a locked guest
        # space would drop the only key to it.
        guest = space_for_request(request)
        username = form.cleaned_data["username"]
        attempt = throttle_attempt(key=throttle_key(request, username=username))
        if attempt is None:
            log.warning("Sign-in refused: too many failed attempts")
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:  # already counted
                log.info("Sign-in failed: name and password do not match")
                form.add_error(None, _("That name and password do not match. Please try again."))
                status = 422
            else:
                throttle_clear(attempt=attempt)
                log.info("Signed in: account %s", user.pk)
                space, merged = _merged_space(request, user, guest)
                remember = form.cleaned_data["remember"]
                _start_session(request, user, space_id=space.id, remember=remember, merged=merged)
                response = redirect(_return_to(request) or "/")
                _device_cookie(request, response, user=user, remember=remember)
                return response
    elif form.errors:
        status = 422
    ctx = {"form": form, "return_to": _return_to(request)}
    return _form_page(request, "accounts/login.html", ctx, status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return clear_storage(redirect("home"))


def clear_storage(response: HttpResponse) -> HttpResponse:
    """Ask the browser to drop anything a page stored. Not "cache" (it stalls Chromium for
    seconds) and not "cookies" (that would end a guest's space on this device too)."""
    response["Clear-Site-Data"] = '"storage"'
    return response


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
def delete_everything(request: HttpRequest) -> HttpResponse:
    """Delete the whole space and any account, after offering the export."""
    space = space_for_request(request)
    user = request.user if request.user.is_authenticated else None
    form = DeleteEverythingForm(user, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and (space or user):
        if user is not None:  # an account confirms with its password, throttled
            status = _password_checked(request, form, "password")
        elif not form.is_valid():
            status = 422
        if status == 200:
            everything_delete(user=user, space=space)
            logout(request)  # flushes this session too
            response = render(request, "accounts/deleted.html")
            device_forget(request, response)
            return private(clear_storage(response))
    ctx = {"form": form, "space": space, "user": user}
    return _form_page(request, "accounts/delete.html", ctx, status)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("code", "password1", "password2")
def recover(request: HttpRequest) -> HttpResponse:
    form = RecoverForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        guest = space_for_request(request)  # locked: the lock screen, before anything changes
        username = form.cleaned_data["username"]
        user = User.objects.filter(username=username).first()
        attempt = throttle_attempt(key=throttle_key(request, username=username))
        if attempt is None:
            form.add_error(None, TOO_MANY)
            status = 429
        elif user is None or not recovery_code_matches(user=user, code=form.cleaned_data["code"]):
            form.add_error(None, _("That name and recovery code do not match."))  # counted
            status = 422
        else:
            throttle_clear(attempt=attempt)
            user.set_password(form.cleaned_data["password1"])
            user.save(update_fields=["password"])
            space, merged = _merged_space(request, user, guest)
            _start_session(request, user, space_id=space.id, remember=False, merged=merged)
            ctx = {
                "code": recovery_code_new(user=user),
                "recovered": True,
                "return_to": _return_to(request),
            }
            response = render(request, "accounts/recovery_code.html", ctx)
            # A sign-in without "Remember me", as the privacy notice says of those.
            _device_cookie(request, response, user=user, remember=False)
            return private(response)
    elif form.errors:
        status = 422
    ctx = {"form": form, "return_to": _return_to(request)}
    return _form_page(request, "accounts/recover.html", ctx, status)


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def account(request: HttpRequest) -> HttpResponse:
    """The account page: change the password (which signs out every other device)."""
    space_id_for_request(request)  # a locked device shows the lock screen, not the account
    form = PasswordChange(request.user, request.POST or None)
    changed, status = False, 200
    if request.method == "POST":
        status = _password_checked(request, form, "old_password")
        if status == 200:
            user = form.save()
            update_session_auth_hash(request, user)  # this device stays signed in
            form, changed = PasswordChange(user), True
    return _account_page(request, form=form, changed=changed, status=status)


def _account_page(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    form = forms.get("form") or PasswordChange(request.user)
    code_form = forms.get("code_form") or ConfirmPasswordForm(request.user, auto_id="code-%s")
    # Opened, the page takes no field; sent back, the focus goes where the problem is.
    refused = next((f for f in (form, code_form) if f.errors), None)
    if refused is not None:
        name = next((name for name in refused.fields if name in refused.errors), None)
        refused.fields[name or next(iter(refused.fields))].widget.attrs["autofocus"] = True
    ctx = {"form": form, "code_form": code_form, "changed": forms.get("changed", False)}
    return _form_page(request, "accounts/account.html", ctx, status)


@require_POST
@login_required
@sensitive_post_parameters("password")
def new_recovery_code(request: HttpRequest) -> HttpResponse:
    # A new code resets the password from anywhere, and that opens the space: never past
    # the lock, and only with the password, so a device left open does not hand the
    # account to whoever picks it up.
    space_id_for_request(request)
    form = ConfirmPasswordForm(request.user, request.POST, auto_id="code-%s")
    status = _password_checked(request, form, "password")
    if status != 200:
        return _account_page(request, code_form=form, status=status)
    ctx = {"code": recovery_code_new(user=request.user)}
    return private(render(request, "accounts/recovery_code.html", ctx))
