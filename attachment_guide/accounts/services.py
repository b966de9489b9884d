"""Optional accounts without email: sign-up, merging a guest's space, recovery, throttling."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from attachment_guide.accounts.models import LoginThrottle, RecoveryCode
from attachment_guide.circle.models import CircleMember
from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import sessions_holding, space_new, spaces_delete
from lessons.content import get_catalog
from lessons.models import LessonProgress
from lessons.progress import section_index

# Easy to read aloud and copy by hand: no 0/O or 1/I/L.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
DEVICE_SALT = "attachment_guide.accounts.device"


def recovery_code_new(*, user: User) -> str:
    """Make (or replace) the user's recovery code and return it; only its hash is kept."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(20))
    RecoveryCode.objects.update_or_create(user=user, defaults={"code_hash": make_password(raw)})
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def recovery_code_matches(*, user: User, code: str) -> bool:
    stored = RecoveryCode.objects.filter(user=user).first()
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return stored is not None and check_password(normalized, stored.code_hash)


@transaction.atomic
def account_create(*, username: str, password: str, space: Space | None) -> tuple[User, Space]:
    """A new user that takes over this browser's space, so nothing the guest wrote moves."""
    user = User.objects.create_user(username=username, password=password)
    if space is None or space.user_id is not None:
        space = space_new()  # the sign-up form asked for agreement
    space.user = user
    space.visit_only = False  # an account stays until its owner deletes it
    space.save(update_fields=["user", "visit_only"])
    return user, space


def account_space(*, user: User) -> Space:
    space, _ = Space.objects.get_or_create(user=user)
    return space


@transaction.atomic
def space_merge(*, source: Space, target: Space) -> None:
    """Move everything of a guest's space into an account's space, losing nothing.

    Both answers to one prompt are kept: the newer stays the current answer and the older
    becomes an earlier one, because answers are ordered by when they were written.
    Progress keeps the further of the two for each lesson; the support circle keeps everyone
    from both maps.
    """
    # The guest's space first, as a save locks it first (see spaces_delete).
    Space.objects.select_for_update().filter(id=source.id).first()
    Entry.objects.filter(space=source).update(space=target)
    CircleMember.objects.filter(space=source).update(space=target)
    theirs = {
        (row.module_slug, row.lesson_slug): row
        for row in LessonProgress.objects.filter(space=target)
    }
    for row in LessonProgress.objects.filter(space=source):
        kept = theirs.get((row.module_slug, row.lesson_slug))
        if kept is None:
            row.space = target
            row.save(update_fields=["space"])
            continue
        kept.done = kept.done or row.done
        kept.completed = kept.completed or row.completed
        kept.started = min(kept.started, row.started)
        kept.updated = max(kept.updated, row.updated)
        lesson = get_catalog().lesson(row.module_slug, row.lesson_slug)
        if lesson and section_index(lesson, row.section) > section_index(lesson, kept.section):
            kept.section = row.section
        kept.save()
    source.delete()


def client_address(request: HttpRequest) -> str:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        # Behind our proxy the last X-Forwarded-For hop is the one the proxy itself added;
        # earlier ones come from the client and could be anything.
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _address_block(address: str) -> str:
    """The address as the throttle counts it. One IPv6 connection usually holds a whole /64
    (2^64 addresses to pick from), so counting each address alone would let one person
    guess without end: an IPv6 address counts as its /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _device_tag(user_id: int) -> str:
    """Which account a device cookie is for, in a form only the server can work out: the
    cookie does not tell whoever holds the browser which account was used in it."""
    return salted_hmac(DEVICE_SALT, str(user_id), algorithm="sha256").hexdigest()[:32]


def device_remember(response: HttpResponse, *, user: User) -> None:
    """Mark this browser as one its person signs in from ("Remember me" ticked), with a
    signed cookie that names the account and this device (OWASP's device cookies)."""
    response.set_signed_cookie(
        settings.DEVICE_COOKIE_NAME,
        f"{_device_tag(user.pk)}.{secrets.token_hex(16)}",
        salt=DEVICE_SALT,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_forget(request: HttpRequest, response: HttpResponse) -> None:
    if request.COOKIES.get(settings.DEVICE_COOKIE_NAME):
        response.delete_cookie(settings.DEVICE_COOKIE_NAME, samesite="Lax")


def device_nonce(request: HttpRequest, *, username: str) -> str:
    """This browser's device (its cookie's nonce) when its cookie is valid and for this
    name; "" otherwise, a forged, expired or other account's cookie included."""
    value = request.get_signed_cookie(
        settings.DEVICE_COOKIE_NAME,
        default="",
        salt=DEVICE_SALT,
        max_age=settings.SESSION_COOKIE_AGE,
    )
    tag, _, nonce = value.partition(".")
    if not nonce:
        return ""
    user_id = User.objects.filter(username=username).values_list("pk", flat=True).first()
    if user_id is None or not constant_time_compare(tag, _device_tag(user_id)):
        return ""
    return nonce


@dataclass(frozen=True)
class ThrottleKey:
    """The count an attempt goes to (`own`), and one it is added to without being refused
    by it (`also`: a device's tries count for its name and address too)."""

    own: str
    also: str = ""


def throttle_key(request: HttpRequest, *, username: str) -> ThrottleKey:
    """The counts an attempt for this name goes to.

    From a browser holding a device cookie for this name, the device's own count: someone
    on the same home network shares the address, and must not be able to keep the person
    locked out by guessing. Its tries are added to the name-and-address count as well, so a
    stolen cookie gets five tries a window in all: throwing it away gives no fresh ones.
    Otherwise by name *and* address, so a stranger elsewhere cannot lock a person out either.
    """
    address = f"{username.lower()}\0{_address_block(client_address(request))}"
    device = device_nonce(request, username=username)
    if not device:
        return ThrottleKey(_hashed(address))
    return ThrottleKey(_hashed(f"\0device\0{device}"), also=_hashed(address))  # no name has NUL


def _hashed(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


@dataclass(frozen=True)
class Attempt:
    """One attempt as it was counted, so that a right password takes back exactly that."""

    key: ThrottleKey
    also_window: datetime | None = None  # the `also` window it was added to, if it was


def throttle_attempt(*, key: ThrottleKey) -> Attempt | None:
    """Count one attempt before its password is checked; None, counting nothing, while the
    count is full. The block lifts by itself when the window ends: never a permanent lockout.

    Counting first, under the row's lock, is what stops guesses sent at once from all
    passing a count none of them has raised yet (the check itself is slow on purpose). A
    right password then takes its count back (see throttle_clear), so only failures stay
    counted.
    """
    with transaction.atomic():
        if _counted(key.own) is None:
            return None
        # Full or not, the device's own count decides.
        also_window = _counted(key.also) if key.also else None
    return Attempt(key=key, also_window=also_window)


def _counted(key: str) -> datetime | None:
    """Add one to this count; the start of the window it went to, or None if it was full."""
    now = timezone.now()
    row, created = LoginThrottle.objects.select_for_update().get_or_create(
        key=key, defaults={"failures": 1, "window_start": now}
    )
    if created:
        return row.window_start
    if now - row.window_start >= THROTTLE_WINDOW:
        row.failures, row.window_start = 1, now
    elif row.failures >= THROTTLE_FAILURES:
        return None
    else:
        row.failures += 1
    row.save(update_fields=["failures", "window_start"])
    return row.window_start


def throttle_clear(*, attempt: Attempt) -> None:
    """The right password: its own count starts again (only the account's password or
    recovery code can do this, as the count is for its name). From a device, the one it
    added to the name-and-address count is taken back, and no more: clearing that count
    would wipe a housemate's guesses, and leaving it would count a right password as a
    failure, until a person who signs in often on their phone is locked out elsewhere."""
    LoginThrottle.objects.filter(key=attempt.key.own).delete()
    if attempt.also_window is not None:
        # Only in the window it went to: a count begun again since holds nothing of it.
        LoginThrottle.objects.filter(
            key=attempt.key.also, window_start=attempt.also_window, failures__gt=0
        ).update(failures=F("failures") - 1)


def everything_delete(*, user: User | None, space: Space | None) -> None:
    """Delete the account, its space and everything in it, and every session that held them."""
    space_id = space.id if space is not None else None
    user_id = user.pk if user is not None else None
    with transaction.atomic():
        if space is not None:  # its entries, progress and anything else owned go with it
            spaces_delete(Space.objects.filter(id=space.id))
        if user is not None:
            user.delete()
        for session, _data in list(sessions_holding(space_id=space_id, user_id=user_id)):
            session.delete()
