"""A passcode lock on a private space, for readers who share a device.

The passcode belongs to the space (hashed like a password); whether this device is unlocked
belongs to its session, so locking a phone does not lock the laptop. The session holds:

    {"after": <minutes of quiet before locking, 0 = never>, "seen": <time of last activity>}

A session whose lock state has no "seen" is locked. The server decides from the time of the
last request, so a closed tab, a sleeping phone or a page with scripts off locks all the same.
Checking needs no database query: lesson pages stay as cheap as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from importlib import import_module

from django import forms
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from attachment_guide.spaces.models import Space

LOCK_KEY = "space_lock"
EXIT_KEY = "exit_action"
# Activity is written to the session at most this often, so every page is not a write.
SEEN_GRANULARITY = 30
LOCK_AFTER_CHOICES = (5, 15, 60, 0)
DEFAULT_LOCK_AFTER = 15
PASSCODE_MIN_LENGTH = 4
# Wrong passcodes: after this many, each further try waits: PAUSE, then twice as long after
# each wrong one, up to LONGEST_PAUSE. A fixed 30 s let someone holding the device try 2,880
# passcodes a day (a 4-digit one within days); growing to 15 minutes leaves about a hundred.
# Never longer, so nobody can lock the owner out for good by guessing badly on purpose.
FREE_TRIES = 5
PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(minutes=15)


def pause_after(failures: int) -> timedelta:
    """How long the next try waits after this many wrong ones in a row."""
    if failures < FREE_TRIES:
        return timedelta(0)
    doublings = min(failures - FREE_TRIES, 10)  # 30 s doubled ten times is far past the longest
    return min(PAUSE * 2**doublings, LONGEST_PAUSE)


EXIT_LEAVE, EXIT_LOCK, EXIT_FORGET = "leave", "lock", "forget"


class SpaceLocked(Exception):
    """The request needs this device's space, and the space is locked here."""


@dataclass(frozen=True)
class Words:
    """Words a person sent, as the lock screen gives them back: one box, with its label."""

    label: str
    text: str
    multiline: bool


YOUR_TEXT = gettext_lazy("Your text, not saved yet")


def keeps_words(*fields: str, form: type[forms.Form] | None = None):
    """Mark the POST fields of a view that hold words the person wrote, labelled as in `form`
    (or, with no form, as their one text). They are kept out of error reports, as with
    `sensitive_post_parameters`, and if the space turns out to be locked on this device, the
    lock screen shows them again (`words_sent`): what the lock refuses is never lost."""
    if form is None:
        boxes = {name: (YOUR_TEXT, True) for name in fields}
    else:
        found = {name: form.base_fields[name] for name in fields}
        boxes = {
            name: (field.label, isinstance(field.widget, forms.Textarea))
            for name, field in found.items()
        }

    def decorator(view):
        @sensitive_post_parameters(*fields)
        @wraps(view)
        def keeping(request: HttpRequest, *args, **kwargs):
            request.words_kept = boxes
            return view(request, *args, **kwargs)

        return keeping

    return decorator


def words_sent(request: HttpRequest) -> list[Words]:
    """What a view marked with `keeps_words` was sent, box by box; empty boxes left out."""
    if request.method != "POST":
        return []
    given = getattr(request, "words_given", None)  # a view that sends several boxes at once
    if given is not None:
        return given
    boxes = getattr(request, "words_kept", {})
    return [
        Words(label, request.POST[name], multiline)
        for name, (label, multiline) in boxes.items()
        if request.POST.get(name, "").strip()
    ]


def _now() -> float:
    return timezone.now().timestamp()


def is_locked(request: HttpRequest) -> bool:
    """Whether this session's space is locked, locking it first if it has been quiet too long."""
    state = request.session.get(LOCK_KEY)
    if not state:
        return False
    seen, after, now = state.get("seen"), state.get("after", 0), _now()
    if seen is None:
        return True
    if after and now - seen > after * 60:
        lock_now(request)
        return True
    if now - seen >= SEEN_GRANULARITY:
        request.session[LOCK_KEY] = {**state, "seen": now}
        _touch_daily(request)
    return False


def _touch_daily(request: HttpRequest) -> None:
    """Writing the session renews its cookie; the space's retention clock must move with it,
    or a reader who only reads could lose a space their browser still holds."""
    from attachment_guide.spaces.services import SESSION_KEY, space_clock_move

    space_clock_move(request, request.session.get(SESSION_KEY))


def lock_now(request: HttpRequest) -> None:
    state = request.session.get(LOCK_KEY)
    if state:
        request.session[LOCK_KEY] = {"after": state.get("after", 0), "seen": None}


def forget(request: HttpRequest) -> None:
    """This device's lock goes with its space: there is nothing left behind it to open."""
    if LOCK_KEY in request.session:
        del request.session[LOCK_KEY]


def mark_unlocked(request: HttpRequest, space: Space) -> None:
    """This device may open the space (right passcode, account password, or a new passcode)."""
    if space.passcode_hash:
        request.session[LOCK_KEY] = {"after": space.lock_after, "seen": _now()}
    else:
        request.session.pop(LOCK_KEY, None)


def sync(request: HttpRequest, space: Space) -> None:
    """Bring this session in line with the space: a passcode set on another device locks this
    one until it is entered here; one removed elsewhere stops asking."""
    state = request.session.get(LOCK_KEY)
    if not space.passcode_hash:
        if state:
            request.session.pop(LOCK_KEY)
    elif not state:
        request.session[LOCK_KEY] = {"after": space.lock_after, "seen": None}
    elif state.get("after") != space.lock_after:
        request.session[LOCK_KEY] = {**state, "after": space.lock_after}


def passcode_set(request: HttpRequest, space: Space, passcode: str, lock_after: int) -> None:
    """Set the passcode. This device stays open; every other device holding the space (an
    account's other phones and laptops) is locked until the passcode is entered there."""
    from attachment_guide.spaces.services import sessions_holding

    space.passcode_hash = make_password(passcode)
    space.lock_after = lock_after
    space.unlock_failures = 0
    space.save(update_fields=["passcode_hash", "lock_after", "unlock_failures"])
    mark_unlocked(request, space)
    encoder = import_module(settings.SESSION_ENGINE).SessionStore()
    for session, data in list(sessions_holding(space_id=space.id)):
        if session.session_key != request.session.session_key:
            data[LOCK_KEY] = {"after": lock_after, "seen": None}
            session.session_data = encoder.encode(data)
            session.save(update_fields=["session_data"])


def passcode_remove(space: Space) -> None:
    space.passcode_hash = ""
    space.unlock_failures = 0
    space.save(update_fields=["passcode_hash", "unlock_failures"])


def wait_before_next_try(space: Space) -> int:
    """Seconds until another passcode may be tried; 0 if now."""
    space.refresh_from_db(fields=["unlock_failures", "unlock_failed_at"])
    if space.unlock_failures < FREE_TRIES or space.unlock_failed_at is None:
        return 0
    remaining = space.unlock_failed_at + pause_after(space.unlock_failures) - timezone.now()
    return max(0, int(remaining.total_seconds() + 0.999))


class TooManyTries(Exception):
    """Five wrong tries: the next waits until its pause has passed since the last one."""


def passcode_matches(space: Space, passcode: str) -> bool:
    """Check a passcode (or the account's password), throttled in the database.

    Each try first claims its turn in one conditional UPDATE, counted as a failure, so that
    requests sent at once cannot each slip past the count; a right answer then clears it.
    Raises TooManyTries when it is not this try's turn yet.
    """
    now = timezone.now()
    turn = Q(unlock_failures__lt=FREE_TRIES) | Q(unlock_failed_at__isnull=True)
    failures = FREE_TRIES
    while (pause := pause_after(failures)) < LONGEST_PAUSE:  # one step per doubling
        turn |= Q(unlock_failures=failures, unlock_failed_at__lte=now - pause)
        failures += 1
    turn |= Q(unlock_failures__gte=failures, unlock_failed_at__lte=now - LONGEST_PAUSE)
    claimed = Space.objects.filter(Q(id=space.id) & turn).update(
        unlock_failures=F("unlock_failures") + 1, unlock_failed_at=now
    )
    if not claimed:
        raise TooManyTries()
    right = bool(space.passcode_hash) and check_password(passcode, space.passcode_hash)
    if not right and space.user is not None:
        right = space.user.check_password(passcode)
    if right:
        Space.objects.filter(id=space.id).update(unlock_failures=0)
    return right


def exit_action(request: HttpRequest) -> str:
    """What quick exit does on this device: the person's choice, or a safe default."""
    chosen = request.session.get(EXIT_KEY)
    if chosen is None and request.session.get("exit_forgets"):  # the older, guest-only choice
        chosen = EXIT_FORGET
    if chosen in (EXIT_LEAVE, EXIT_LOCK, EXIT_FORGET):
        return chosen
    return EXIT_FORGET if request.user.is_authenticated else EXIT_LEAVE
