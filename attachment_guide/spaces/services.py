"""Finding and creating the private space of the person making a request."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext, gettext_lazy, ngettext

from attachment_guide.db.plain import kept
from attachment_guide.safety import notice
from attachment_guide.spaces import lock
from attachment_guide.spaces.lock import SpaceLocked, is_locked
from attachment_guide.spaces.models import Space

SESSION_KEY = "space_id"
TOUCHED_KEY = "space_touched"
# Kept "only for this visit": when the space's clock last moved, in seconds since the epoch.
VISIT_TOUCHED_KEY = "visit_touched"
AGREED_KEY = "agreed_notice"
MERGED_KEY = "merged_spaces"  # markers of guest spaces merged into this one at log-in
MARKER_FIELD = "space"  # the hidden field a writing form carries its space's marker in
# How long after a writing box's first save made a space that save, sent again because its
# answer was lost on the way, may still take that space (`space_adopt`): a phone's retries
# give up on a silent connection after 20 s and try again for minutes, never for this long.
CLAIM_WINDOW = timedelta(minutes=10)
# In the session a first save made (or one that took its space): until when, in seconds
# since the epoch, its space may be claimed; gone once this session comes back and writes.
CLAIM_KEY = "space_claim"


def space_id_for_request(request: HttpRequest) -> uuid.UUID | None:
    """The id of this browser's space, without touching the database when there is none.

    Reading a session that does not exist creates nothing, so a reader who has never saved
    anything gets no session and no row. A space locked on this device raises SpaceLocked,
    which the lock middleware answers with the lock screen: no private view can forget it.
    """
    space_id = _session_space_id(request)
    if space_id is not None and request.user.is_authenticated:
        # An account can be open on several devices: one small query picks up a passcode
        # set (or removed) on another. A guest's space lives in this session alone.
        fields = Space.objects.filter(id=space_id).values("passcode_hash", "lock_after").first()
        if fields is not None:
            lock.sync(request, Space(id=space_id, **fields))
    if space_id is not None and is_locked(request) and not _lock_outlived(request, space_id):
        raise SpaceLocked()
    return space_id


def readable_space_id(request: HttpRequest) -> uuid.UUID | None:
    """For pages anyone may read (home, modules, lessons): the space only while unlocked, so
    a locked device shows the lessons as to a first-time reader."""
    space_id = _session_space_id(request)
    if space_id is None or (is_locked(request) and not _lock_outlived(request, space_id)):
        return None
    return space_id


def _lock_outlived(request: HttpRequest, space_id: uuid.UUID) -> bool:
    """Whether this device's lock has outlived its space: retention deleted it (kept only for
    this visit, then a day unused; the session lasts on) while the device was locked. The
    lock goes too: kept, every private page showed the lock screen, which said there was
    nothing to unlock, and words typed in a tab left open could never be saved. Asked only
    of a locked device, so an open one still needs no query."""
    if Space.objects.filter(id=space_id).exists():
        return False
    lock.forget(request)
    return True


def _session_space_id(request: HttpRequest) -> uuid.UUID | None:
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
    space_id = _session_space_id(request)
    if space_id is None:
        return None
    space = Space.objects.filter(id=space_id).first()
    if space is None:
        lock.forget(request)  # deleted: no lock is left to open (see `_lock_outlived`)
    else:
        lock.sync(request, space)  # a passcode set or removed on another device
        if lock.is_locked(request):
            raise SpaceLocked()
    return space


# --- Which space a writing form was made for -------------------------------------------------

NOT_SAVED_HERE = gettext_lazy(
    "Not saved: the journal this page was opened with is no longer open in this browser. You "
    "may have signed out in another tab, changed your password or deleted everything on another "
    "device, opened a different journal, or been away too long. Your words are still here. To "
    "keep them, copy them, or sign back in and save again."
)
_MARKER_SALT = "attachment_guide.spaces.marker"


def space_marker(space_id: uuid.UUID | None, *, secret: str | None = None) -> str:
    """What a writing form carries to say which space its page was made for ("" for none):
    a save from a tab left open after a sign-out or someone else's sign-in must not land in
    the space the browser holds now. A keyed hash, so a page's source never shows the id
    that is the key to the space."""
    if space_id is None:
        return ""
    return salted_hmac(_MARKER_SALT, str(space_id), secret=secret, algorithm="sha256").hexdigest()


def space_marker_stale(request: HttpRequest) -> bool:
    """Whether the form posted was made for a space this browser no longer holds.

    A form made before there was a space (empty marker) saves where the browser is now: a
    first save makes the space, a page opened before signing in saves into that account;
    but not in the request that carries out a pending quick exit (safety/exit.py).
    A guest space merged into an account at log-in in this browser still counts as this
    one; another browser never holds that record. One hash a save (one more per fallback key,
    only when the first does not match), no query.
    """
    sent = request.POST.get(MARKER_FIELD, "")
    if not sent:
        # Unless this request carried out a quick exit that never reached /exit/ and left
        # no space open: the page is from before the exit, and its first save would make a
        # space with these words and hand this browser the key the exit just let go.
        exited = getattr(request, "exit_carried_out", False)
        return exited and _session_space_id(request) is None
    space_id = _session_space_id(request)  # locked or not: the lock screen answers that
    if space_id is not None:
        secrets = (None, *settings.SECRET_KEY_FALLBACKS)  # pages made before a key rotation
        if any(constant_time_compare(sent, space_marker(space_id, secret=s)) for s in secrets):
            return False
    return sent not in request.session.get(MERGED_KEY, ())


def space_marker_merged(request: HttpRequest, space_id: uuid.UUID) -> None:
    """`space_id`, a guest space of this browser, was merged into the account just signed in
    to: forms its pages made may save here still (into the space that took its writing)."""
    request.session[MERGED_KEY] = [*request.session.get(MERGED_KEY, ()), space_marker(space_id)]


def space_new(**fields) -> Space:
    """A new space. Every caller has just asked for agreement to the privacy notice (a tick
    beside the first answer, the sentence beside "Remember my place", a box when signing up),
    so the agreement is recorded with it."""
    return Space.objects.create(
        consented_at=timezone.now(), notice_version=notice.NOTICE_VERSION, **fields
    )


def agreement_needed(request: HttpRequest) -> bool:
    """Whether this browser has yet to agree to the current privacy notice."""
    return request.session.get(AGREED_KEY) != notice.NOTICE_VERSION


def agreement_record(request: HttpRequest, space: Space) -> None:
    """The person agreed (again, to a newer notice): record when, and to which version."""
    Space.objects.filter(id=space.id).update(
        consented_at=timezone.now(), notice_version=notice.NOTICE_VERSION
    )
    request.session[AGREED_KEY] = notice.NOTICE_VERSION


def agreement_remember(request: HttpRequest, space: Space) -> None:
    """A new session (a log-in) for a space that agreed to this notice need not ask again."""
    if space.notice_version == notice.NOTICE_VERSION:
        request.session[AGREED_KEY] = notice.NOTICE_VERSION


def space_create(
    request: HttpRequest, *, claimable: bool = False, page: uuid.UUID | None = None
) -> Space:
    """A new space for this browser, made on the first thing the person chooses to keep.
    `claimable`: a writing box's first save, which its page may send again should the
    answer be lost, and whose page's other boxes may save for the first time meanwhile;
    `page` is that page's id, when it sent one (see `space_adopt`)."""
    # A session that ends with the browser (its space was deleted while it was open) makes
    # a space kept only for this visit, as the session says: the two never disagree.
    visit = visit_only_session(request.session)
    # Only a guest's space is ever taken: a signed-in browser's holds no page (the page's
    # id may still be held by a guest space its first save made before signing in).
    guest = not request.user.is_authenticated
    space = space_new(
        save_window=timezone.now(),
        save_count=1,  # this save counted
        visit_only=visit,
        claimable=claimable,
        claim_page=page_digest(page) if claimable and page and guest else None,
    )
    _session_holds(request, space)
    return space


def _session_holds(request: HttpRequest, space: Space) -> None:
    """This browser's session is given `space`, as a new session of its own: the key to it."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = str(space.id)
    if space.visit_only:
        request.session[VISIT_TOUCHED_KEY] = int(space.last_saved.timestamp())
    else:
        request.session[TOUCHED_KEY] = timezone.localdate(space.last_saved).isoformat()
    request.session[AGREED_KEY] = notice.NOTICE_VERSION
    if space.claimable:
        request.session[CLAIM_KEY] = int((space.created + CLAIM_WINDOW).timestamp())
        request.space_claim_made = True  # this request's own writes leave the claim be
    else:
        request.session.pop(CLAIM_KEY, None)  # an earlier space's, deleted since


def page_digest(page: uuid.UUID) -> str:
    """What a space keeps of the page view whose first save made it (`Space.claim_page`): a
    digest, so the database holds nothing a request could send to take the space."""
    return hashlib.sha256(page.bytes).hexdigest()


def space_adopt(
    request: HttpRequest,
    *,
    prompt_id: str,
    entry_id: uuid.UUID | None,
    writer: str,
    page: uuid.UUID | None,
) -> Space | None:
    """The space a first save from this same page made, when that save's answer (with the
    cookie holding the key) never reached the browser: a tunnel, a weak signal, after the
    server had kept the words. This is that save sent again, or the first save of another
    box of the page, which waited behind it (reflections.js, "first-save") and went once it
    failed, still without a cookie (so may a progress press: `space_get_or_create`). This
    browser's session is given that space, as
    `space_create` would have set it up, and the save goes on as one more save there. None
    when this is not such a save: the caller makes a new space. (Or when the first save has
    not committed yet: `journal.services.entry_first_save` looks again.)

    Without this, the retry, sent without a cookie, made a second space, and the first one,
    holding a copy of the words, was out of everyone's reach: never shown, exported or
    deleted ("delete my journal" missed it) until retention. So did a second box: its first
    save made a second space and gave this browser its key, and the first box's retry then
    saved there, leaving its first copy behind.

    The save names its page by `page`, an id made afresh for each view of a lesson made
    with no space (`lessons.views.fresh_ids`, 122 random bits), which every box of that
    page sends (without JavaScript, the page's one form). A page that sends none (the
    journal's, with one box; a lesson made before page ids, or with a space deleted since)
    is named by its box's own entry id and writer id (made afresh for the same page, 122
    and 128 random bits), and only that box's save is recognised. Who can send them: they
    go out only in that page, which is never cached or kept in history (`no-store`), and
    come back only in the body of a POST (never in an address, so never in a log or a
    Referer); the space keeps a digest of the page id, never the id. So whoever sends them
    holds that page, which already shows the words the space was made with (from any of
    its boxes: they are all on it). The space must also still be as that page left it:
    - a guest's (no account) with no passcode, made less than CLAIM_WINDOW ago;
    - never reached: claimable (and the page's digest with it) is cleared by the first
      request that comes back with the space's cookie and writes (a save, reading progress,
      a choice in settings), so a browser that got its key is never joined by another that
      did not. Until then nothing but this page's own boxes has written there (their saves,
      and the lesson begun);
    - without a page id, the entry named is that page's box's: the same question, last
      written by the same writer id;
    - this request holds no space (no cookie, or one whose space is gone) and no account.
    Deleting ends it too: a space forgotten at quick exit ("forget this device") or deleted
    with its entries is gone, with the digest.

    A space the page's id names that may no longer be taken (its window over, an account or
    a passcode since) lets go of it: the id is unique among spaces, so that two first saves
    of one page running at once on PostgreSQL, where neither sees the other's space before
    it commits, cannot both make one (the second waits for the first, and finds its space).

    What is left: reading a page (a GET) writes nothing, so a browser that got its key and
    only reads leaves the space claimable until CLAIM_WINDOW ends; the ids are in its own
    open page alone. A page's first save whose answer was lost, then another tab's first
    save (another page), still makes two spaces. The session the lost answer made is left
    holding the space until it expires, as any session does; nobody ever had its cookie.
    """
    if request.user.is_authenticated:
        return None
    if page is not None:
        made_here = Q(claim_page=page_digest(page))
    elif entry_id is not None and writer:
        made_here = Q(
            entries__id=entry_id, entries__prompt_id=prompt_id, entries__last_writer=writer
        )
    else:
        return None
    # Inside the save's transaction: the row stays locked until the save commits.
    with transaction.atomic(savepoint=False):
        space = (
            Space.objects.select_for_update(of=("self",))
            .filter(made_here)
            .only("id", "created", "last_saved", "visit_only", "claimable", "user", "passcode_hash")
            .first()
        )
        if space is None:
            return None
        if not (
            space.claimable
            and space.created > timezone.now() - CLAIM_WINDOW
            and space.user_id is None
            and not space.passcode_hash
        ):
            if page is not None:  # the space this save makes takes the page's id
                Space.objects.filter(id=space.id).update(claimable=False, claim_page=None)
            return None
        if not space_save_allowed(space, keep_claim=True):
            raise SaveLimitReached()
    _session_holds(request, space)
    # The session's own choice follows the space: "only for this visit" or on this device.
    request.session.set_expiry(0 if space.visit_only else None)
    return space


def _claim_made_here(request: HttpRequest) -> bool:
    return getattr(request, "space_claim_made", False)


def space_claim_end(request: HttpRequest) -> None:
    """This browser came back with its space's cookie and writes: the first save that made
    the space can no longer be taken over by a retry without it (`space_adopt`). Costs a
    query only on the first such request within CLAIM_WINDOW; saves clear the mark in the
    UPDATE they make anyway (`space_save_allowed`)."""
    until = request.session.get(CLAIM_KEY)
    if until is None or _claim_made_here(request):
        return
    del request.session[CLAIM_KEY]
    space_id = _session_space_id(request)
    if space_id is not None and timezone.now().timestamp() < until:
        Space.objects.filter(id=space_id, claimable=True).update(claimable=False, claim_page=None)


def space_touch(request: HttpRequest, space: Space) -> None:
    """Saving keeps a space alive: restart its clock, at most once a day (one write, not one
    per autosave); kept only for this visit, at most once a `visit_step`."""
    space_clock_move(request, space.id)


def space_clock_move(
    request: HttpRequest, space_id, *, now=None, force: bool = False, **fields
) -> None:
    """Restart the retention clock of this session's space if it is due (always with `force`,
    writing `fields` with it).

    Kept on the device, a space lives GUEST_SPACE_DAYS: a day's precision is plenty. Kept
    only for this visit, it lives VISIT_SPACE_HOURS, so the clock moves every `visit_step`
    of use. The session row lasts as Django's do: a tab left open after retention deleted
    the space saves into a new space kept only for this visit (`space_counting_a_save`).
    The space's mark follows the session each time: two requests crossing (a choice made in
    one tab as another saves) leave the session's choice, and the mark catches up with it."""
    now = now or timezone.now()
    visit = visit_only_session(request.session)
    fields.setdefault("visit_only", visit)
    if visit:
        moved = request.session.get(VISIT_TOUCHED_KEY)
        if not force and moved is not None and now.timestamp() - moved < _step_seconds():
            return
        request.session[VISIT_TOUCHED_KEY] = int(now.timestamp())  # never after last_saved
        request.session.pop(TOUCHED_KEY, None)
    else:
        today = timezone.localdate(now).isoformat()
        if not force and request.session.get(TOUCHED_KEY) == today:
            return
        request.session[TOUCHED_KEY] = today  # re-saves the session: the cookie's age restarts
        request.session.pop(VISIT_TOUCHED_KEY, None)
    Space.objects.filter(id=space_id).update(last_saved=now, **fields)


def visit_only_session(session) -> bool:
    """A guest's session that ends with the browser: "only for this visit". An account's
    session may end with the browser too (signed in without "Remember me"), but an account
    is never kept only for a visit."""
    return AUTH_SESSION_KEY not in session and session.get_expire_at_browser_close()


def visit_step() -> timedelta:
    """How often a space kept only for this visit restarts its clock while in use: a 24th of
    VISIT_SPACE_HOURS (an hour of a day). It is forgotten between VISIT_SPACE_HOURS and that
    plus one step after its last use, never sooner."""
    return timedelta(hours=settings.VISIT_SPACE_HOURS) / 24


def _step_seconds() -> float:
    return visit_step().total_seconds()


def visit_lifetime() -> timedelta:
    """How long after its clock last moved a space kept only for this visit, and its
    session, are forgotten."""
    return timedelta(hours=settings.VISIT_SPACE_HOURS) + visit_step()


def visit_span() -> str:
    """VISIT_SPACE_HOURS as a person would say it: "a day", "2 days", "12 hours"."""
    hours = settings.VISIT_SPACE_HOURS
    if hours == 24:
        return gettext("a day")
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def space_keep_set(request: HttpRequest, space: Space, *, visit: bool) -> None:
    """This device keeps the space only for this visit (`visit`), or until GUEST_SPACE_DAYS
    after the last save. The browser's cookie ends with the browser or lasts; the space
    records the choice, so `purge_expired_spaces` finds it without reading any session.
    Choosing counts as use: the clock restarts, so the space is not deleted at once."""
    request.session.set_expiry(0 if visit else None)
    space.visit_only = visit and space.user_id is None
    space_clock_move(request, space.id, force=True, visit_only=space.visit_only)


def space_get_or_create(
    request: HttpRequest, *, page: uuid.UUID | None = None
) -> tuple[Space, bool]:
    """This browser's space, created if need be (the request must carry the agreement to the
    privacy notice then: AgreementMissing otherwise). Returns (space, created).

    `page`: the view of a lesson the request came from, made with no space. When a writing
    box of that page made a space whose answer was lost, this request (a progress press that
    waited behind that save, and so went without a cookie) takes that space, as the page's
    next box would (`space_adopt`), rather than make a second one whose key the box's retry
    would then use, leaving the first copy of its words out of everyone's reach."""
    space = space_for_request(request)
    if space is not None:
        space_touch(request, space)
        return space, False
    agreement_check(request, None)
    if page is not None:
        adopted = space_adopt(request, prompt_id="", entry_id=None, writer="", page=page)
        if adopted is not None:
            return adopted, True  # news to this browser, as a space made now would be
    return space_create(request), True


def spaces_expired(*, now=None):
    """Guest spaces (no account) not saved to for longer than their cookie lives: kept on
    the device, GUEST_SPACE_DAYS; kept only for this visit, VISIT_SPACE_HOURS (whose
    sessions have expired by then too)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.GUEST_SPACE_DAYS + 1)
    visit_cutoff = now - visit_lifetime()
    stale = Q(last_saved__lt=cutoff) | Q(visit_only=True, last_saved__lt=visit_cutoff)
    return Space.objects.filter(stale, user__isnull=True)


def accounts_inactive(*, now=None):
    """Users neither signed in nor saving for INACTIVE_ACCOUNT_DAYS (none when it is 0)."""
    from django.contrib.auth.models import User
    from django.db.models.functions import Coalesce

    if not settings.INACTIVE_ACCOUNT_DAYS:
        return User.objects.none()
    cutoff = (now or timezone.now()) - timedelta(days=settings.INACTIVE_ACCOUNT_DAYS)
    users = User.objects.filter(is_staff=False, is_superuser=False)
    users = users.alias(seen=Coalesce("last_login", "date_joined")).filter(seen__lt=cutoff)
    return users.exclude(space__last_saved__gte=cutoff)


def space_save_allowed(space: Space, *, keep_claim: bool = False) -> bool:
    """Count one save against the space's per-minute allowance, in one UPDATE that every app
    server shares; False once SAVES_PER_MINUTE is used up (the next minute starts afresh).
    The same UPDATE marks the space as reached (not claimable, and its page's digest gone,
    see `space_adopt`), unless `keep_claim`: the save is from the request that made the
    space or took it.

    Written as SQL: built with the ORM (Case, When, Q, F) this one statement was a third of
    an autosave's CPU time (make profile). Its values go through the fields' own conversion,
    so it means the same on SQLite and PostgreSQL; SET reads each column's old value.
    """
    now = timezone.now()
    db = connections[DEFAULT_DB_ALIAS]  # `connection` itself, not the proxy: it keeps the SQL
    meta = Space._meta
    window = meta.get_field("save_window")
    start = window.get_db_prep_value(now - timedelta(minutes=1), db)
    keep = meta.get_field("claimable").get_db_prep_value(keep_claim, db)
    params = [
        keep,
        keep,
        start,
        start,
        window.get_db_prep_value(now, db),
        meta.pk.get_db_prep_value(space.id, db),
        start,
        settings.SAVES_PER_MINUTE,
    ]
    with db.cursor() as cursor:
        cursor.execute(_save_allowed_sql(db), params)
        return cursor.rowcount == 1


def _save_allowed_sql(connection) -> str:
    """`space_save_allowed`'s statement, written once per connection (quoting is the
    database's own), as attachment_guide.db.plain keeps its reads: building it on every
    autosave took 6 µs."""

    def build() -> str:
        meta, quote = Space._meta, connection.ops.quote_name
        window, count = meta.get_field("save_window"), meta.get_field("save_count")
        claimable = quote(meta.get_field("claimable").column)
        page = quote(meta.get_field("claim_page").column)
        fresh = f"({quote(window.column)} IS NULL OR {quote(window.column)} < %s)"
        # Names from the model, quoted; every value a parameter.
        return (
            f"UPDATE {quote(meta.db_table)} SET "  # noqa: S608
            f"{claimable} = ({claimable} AND %s), "
            f"{page} = CASE WHEN %s THEN {page} ELSE NULL END, "
            f"{quote(count.column)} = CASE WHEN {fresh} THEN 1 ELSE {quote(count.column)} + 1 END, "
            f"{quote(window.column)} = CASE WHEN {fresh} THEN %s ELSE {quote(window.column)} END "
            f"WHERE {quote(meta.pk.column)} = %s AND ({fresh} OR {quote(count.column)} < %s)"
        )

    return kept(connection, "space_save_allowed", build)


def space_counting_a_save(request: HttpRequest, space_id: uuid.UUID | None) -> Space | None:
    """The space `space_id` (from `space_id_for_request`) with one more save counted, in as
    few queries as an autosave can afford: the allowance's UPDATE also shows the space still
    exists, and only its id is loaded. None when there is no space, or it was deleted
    elsewhere (the next thing kept makes a new one); SaveLimitReached when the minute's
    allowance is used up. Call it inside the transaction that saves, so the count and the
    save commit together.
    """
    if space_id is None:
        return None
    space = Space(id=space_id)
    if not space_save_allowed(space, keep_claim=_claim_made_here(request)):
        if not Space.objects.filter(id=space_id).exists():
            return None
        raise SaveLimitReached()
    return space


def spaces_delete(spaces) -> int:
    """Delete `spaces` and everything they own; returns how many spaces.

    The space rows are locked first, then their entries and the rest go: the order a save
    takes its locks (the space, counting the save, then the entry). Deleting in the other
    order could deadlock with a save on PostgreSQL, which would abort one of the two.
    """
    deleted = 0
    with transaction.atomic():
        ids = list(spaces.select_for_update().values_list("id", flat=True))
        for start in range(0, len(ids), 500):
            _total, by_model = Space.objects.filter(id__in=ids[start : start + 500]).delete()
            deleted += by_model.get(Space._meta.label, 0)
    return deleted


def space_behind_lock(request: HttpRequest) -> Space | None:
    """This device's space whether or not it is locked: only for the lock screen itself."""
    space_id = _session_space_id(request)
    space = Space.objects.filter(id=space_id).first() if space_id else None
    if space is None:
        lock.forget(request)  # deleted: no lock is left to open (see `_lock_outlived`)
    return space


def sessions_holding(*, space_id=None, user_id=None):
    """Every stored session (with its data) that holds this space or is signed in as this user.

    Sessions are not linked to spaces in the database, so this reads each one: fine for the
    rare moments that need it (deleting everything, setting a passcode), not for every page.
    """
    from django.contrib.auth import SESSION_KEY as AUTH_KEY
    from django.contrib.sessions.models import Session

    space_key, user_key = str(space_id or ""), str(user_id or "")
    for session in Session.objects.iterator(chunk_size=1000):
        data = session.get_decoded()
        if (space_key and data.get(SESSION_KEY) == space_key) or (
            user_key and data.get(AUTH_KEY) == user_key
        ):
            yield session, data


class SaveLimitReached(Exception):
    """This space used up its saves for the minute."""


class AgreementMissing(Exception):
    """Keeping something needs the tick that agrees to the privacy notice first.

    `outdated`: a tick came, but for older words than the notice has now (the page was
    opened before it changed), so it agrees to nothing; the person is asked again.
    """

    def __init__(self, *, outdated: bool = False) -> None:
        super().__init__()
        self.outdated = outdated


def agreement_check(request: HttpRequest, space: Space | None) -> None:
    """Before keeping something: raise AgreementMissing unless this browser has agreed to the
    current notice, or agrees with this request (then it is recorded on an existing space; a
    new space records it as it is made). The tick's value is the version of the notice it
    was shown with: only the current one agrees."""
    if agreement_needed(request):
        tick = request.POST.get("agree", "")
        if tick != notice.NOTICE_VERSION:
            raise AgreementMissing(outdated=bool(tick))
        if space is not None:
            agreement_record(request, space)


def space_for_saving(request: HttpRequest) -> Space:
    """This browser's space, ready for one more save: created by the first thing the person
    keeps, otherwise kept alive and counted against the per-minute allowance."""
    space = space_for_request(request)
    agreement_check(request, space)
    if space is None:
        return space_create(request)
    if not space_save_allowed(space, keep_claim=_claim_made_here(request)):
        raise SaveLimitReached()
    space_touch(request, space)
    return space
