"""Pages (or parts of pages) rendered once with named slots, and filled in per request.

A lesson looks the same to every reader but for a few parts: the anti-forgery token, each
writing box and the reading-progress panel; a writing box at rest differs between people only
in a few values. Rendering a template took milliseconds; filling the slots of one rendered
once takes microseconds. The template prints `slot(name)` where a slot goes; `Frame.of` splits
the rendered text there once, and `fill` joins it with this request's values in one pass, so
text a person wrote is never searched for markers.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.autoreload import file_changed

# Private-use characters: refused in lesson content, and HTML escaping leaves them as they are.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SLOT_RE = re.compile(f"{_OPEN}([^{_CLOSE}]+){_CLOSE}")


def slot(name: str) -> str:
    return f"{_OPEN}{name}{_CLOSE}"


@dataclass(frozen=True)
class Frame:
    # Text and slot names in turn: text, name, text, ..., text.
    pieces: tuple[str, ...]
    # The same with the text as UTF-8, made by the first `fill_bytes`: only frames of whole
    # pages are filled as bytes, and only they need the second copy.
    _encoded: tuple[bytes | str, ...] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, rendered: str) -> Frame:
        pieces = tuple(_SLOT_RE.split(rendered))
        if any(_OPEN in piece or _CLOSE in piece for piece in pieces):
            # Content is checked for these (lessons.content); anything else that brings one
            # in would join a reader's slot to the text around it.
            raise ValueError("the page has a private-use character the frame cannot place")
        return cls(pieces)

    def fill(self, values: Mapping[str, str]) -> str:
        """The text, each slot replaced by its value (a missing value is a KeyError)."""
        pieces = list(self.pieces)
        pieces[1::2] = [values[name] for name in pieces[1::2]]
        return "".join(pieces)

    def fill_bytes(self, values: Mapping[str, str]) -> bytes:
        """`fill(values)` as UTF-8, the body of a response: only the values are encoded
        here (a lesson has a few curly quotes, which made encoding the whole page take
        23 µs, the time of all the rest of filling it)."""
        encoded = self._encoded
        if encoded is None:  # two threads may both make it: the same value either way
            encoded = tuple(p if i % 2 else p.encode() for i, p in enumerate(self.pieces))
            object.__setattr__(self, "_encoded", encoded)
        pieces = list(encoded)
        pieces[1::2] = [values[name].encode() for name in self.pieces[1::2]]
        return b"".join(pieces)


_caches: weakref.WeakSet[FrameCache] = weakref.WeakSet()


class FrameCache:
    """Frames by key, rendered from one `source` (the lesson catalog): a new source starts
    afresh, and every cache is emptied when a setting changes (tests) or a file is edited
    under `runserver`, so a changed template shows on the next request."""

    def __init__(self) -> None:
        self._state: tuple[object, dict[Hashable, Frame]] = (None, {})
        _caches.add(self)

    def get(self, source: object, key: Hashable, render: Callable[[], str]) -> Frame:
        owner, frames = self._state  # one read: another thread may start afresh meanwhile
        if owner is not source:
            frames = {}
            self._state = (source, frames)
        frame = frames.get(key)
        if frame is None:
            frame = frames[key] = Frame.of(render())
        return frame

    def clear(self) -> None:
        self._state = (None, {})

    def __len__(self) -> int:
        return len(self._state[1])


@receiver(setting_changed)
@receiver(file_changed)
def forget_frames(**kwargs) -> None:
    for cache in list(_caches):
        cache.clear()


# --- What a frame may know of the reader ----------------------------------------------------


@dataclass(frozen=True)
class _User:
    is_authenticated: bool


@dataclass(frozen=True)
class Reader:
    """All a frame may know of the person it is rendered for: a few yes-or-no facts and the
    lock's idle minutes, never an id, a name or a word they wrote. It is the frame's key, and
    its `stand_in()` is the only request the frame's templates see, so nothing of one person
    can reach the page another is served. `base.html`, the context processors and the writing
    boxes read the request only through the fields below (but for the space marker, which a
    frame holds as a slot); a new read of the request there fails in the frame tests
    (tests/test_frames.py) until it is added here. One-time messages are left out on
    purpose: a framed page shows none, and they wait for the next page rendered whole.
    """

    authenticated: bool
    space_in_session: bool  # the navigation offers Settings and the lock
    has_space: bool  # a space this page may read: in the session and not locked
    lock_nav: str  # "" (no passcode), "open" (Lock now) or "shut" (Unlock)
    lock_after: int  # minutes of quiet before locking, when open; 0 otherwise
    needs_agreement: bool  # the privacy-notice tick goes beside writing boxes
    # Quick exit's pending cookie ends with the browser (safety.exit.pending_ends_with_browser)
    exit_ends_with_browser: bool
    path: str  # the page's own address (constant for a frame: part of its key)
    view_name: str

    @classmethod
    def of(cls, request, *, space_id, path: str) -> Reader:
        from attachment_guide.safety.exit import pending_ends_with_browser
        from attachment_guide.spaces.lock import LOCK_KEY
        from attachment_guide.spaces.services import SESSION_KEY, agreement_needed

        session = request.session
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if space_id is None and session.is_empty():
            # No session (most readers, who keep nothing): nobody signed in, no space, no
            # lock, nothing agreed. The same reader for every such request to this page.
            return _first_time_reader(path, view_name)
        state = session.get(LOCK_KEY) or {}
        is_open = bool(state.get("seen"))
        authenticated = request.user.is_authenticated
        space_in_session = bool(session.get(SESSION_KEY))
        return cls(
            authenticated=authenticated,
            space_in_session=space_in_session,
            has_space=space_id is not None,
            lock_nav=("open" if is_open else "shut") if state else "",
            lock_after=int(state.get("after") or 0) if is_open else 0,
            needs_agreement=agreement_needed(request),
            # Said only on a page with something to exit (base.html): for anyone else the
            # session's length would only split their frames in two.
            exit_ends_with_browser=(authenticated or space_in_session)
            and pending_ends_with_browser(request),
            path=path,
            view_name=view_name,
        )

    @property
    def locked(self) -> bool:
        """A space in the session that this page may not read: locked on this device."""
        return self.space_in_session and not self.has_space

    def stand_in(self) -> _StandIn:
        from attachment_guide.safety import notice
        from attachment_guide.spaces.lock import LOCK_KEY
        from attachment_guide.spaces.services import AGREED_KEY, SESSION_KEY

        session = _Session(
            {
                SESSION_KEY: "a-space" if self.space_in_session else None,
                AGREED_KEY: None if self.needs_agreement else notice.NOTICE_VERSION,
            },
            ends_with_browser=self.exit_ends_with_browser,
        )
        if self.lock_nav:
            session[LOCK_KEY] = {"seen": self.lock_nav == "open", "after": self.lock_after}
        url_name = self.view_name.rpartition(":")[2]
        return _StandIn(
            user=_User(self.authenticated),
            session=session,
            path=self.path,
            resolver_match=_Match(view_name=self.view_name, url_name=url_name),
        )


@functools.lru_cache(maxsize=256)
def _first_time_reader(path: str, view_name: str) -> Reader:
    return Reader(
        authenticated=False,
        space_in_session=False,
        has_space=False,
        lock_nav="",
        lock_after=0,
        needs_agreement=True,
        exit_ends_with_browser=False,
        path=path,
        view_name=view_name,
    )


class _Session(dict):
    """The stand-in's session: the keys a frame may read, and whether it ends with the
    browser. No device cookie stands beside it (`_StandIn.COOKIES`): `ends_with_browser` is
    already the answer `pending_ends_with_browser` gives for the reader's own request."""

    def __init__(self, values: dict, *, ends_with_browser: bool) -> None:
        super().__init__(values)
        self._ends_with_browser = ends_with_browser

    def get_expire_at_browser_close(self) -> bool:
        return self._ends_with_browser


@dataclass(frozen=True)
class _Match:
    view_name: str
    url_name: str


@dataclass(frozen=True)
class _StandIn:
    """The request a frame is rendered from: only what `Reader` lets through."""

    user: _User
    session: dict
    path: str
    resolver_match: _Match
    method: str = "GET"  # a frame is its page at its own address, as a GET fetches it
    COOKIES: Mapping[str, str] = field(default_factory=dict)  # no device cookie: see _Session
