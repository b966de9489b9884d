"""A support circle drawn on the server: three rings around "Me", everyone as a labelled pill
inside their own ring, and no two pills overlapping however many there are.

This module only does geometry. Names reach the SVG through the template, which escapes them;
the layout itself is computed from label widths alone and cached on those numbers, so no
name is kept in memory after the request. Coordinates are SVG user units (the viewBox).
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from attachment_guide.circle.models import CircleMember, Ring

NAME_SIZE = 16
TITLE_SIZE = 16
ME_RADIUS = 34
# The thinnest each ring may be. An empty map has the lesson diagram's rings: 88, 128, 168.
MIN_BAND = {1: 44, 2: 36, 3: 36}
PILL_HEIGHT = 26
PILL_PAD = 8  # between a name and the ends of its pill
GAP = 5  # between two pills
EDGE = 3  # between a pill and a ring's line
LABEL_MAX = 150  # a wider name is shortened, with an ellipsis
TILT = math.radians(65)  # names lean at most this far from level
TITLE_BASELINE = 15  # ring titles follow an arc this far outside the ring's inner edge
# A name is never drawn smaller than this many CSS pixels: a map of about ten people still
# fits a 320px screen at that size, and a fuller one scrolls sideways inside its own box (the
# page itself never does) instead of shrinking further.
READABLE_PX = 11
# What a 320px screen leaves the drawing (site.css trims the page's side padding to 4px).
SMALL_SCREEN_ROOM = 312

# Advance widths in em, close to DejaVu Sans (the widest common sans-serif, and Chromium's
# system-ui on Debian): a pill sized for it holds the name in any narrower font too.
_EM = {
    " ": 0.32,
    "ijlI.,:;'!|’": 0.29,
    'frt()[]-/"“”‘': 0.4,
    "sczJ": 0.53,
    "mM": 0.95,
    "wW@…%&": 0.95,
    "0123456789": 0.64,
}
_WIDTH = {ch: em for chars, em in _EM.items() for ch in chars}


def char_em(ch: str) -> float:
    if ch in _WIDTH:
        return _WIDTH[ch]
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0  # combining marks, joiners and variation selectors take no room
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.05
    if unicodedata.category(ch) == "So":
        return 1.3  # emoji come from a wider fallback font
    base = unicodedata.normalize("NFD", ch)[0]
    if base != ch:
        return char_em(base)
    return 0.74 if ch.isupper() else 0.64


def text_width(text: str, size: float = NAME_SIZE) -> float:
    return sum(char_em(ch) for ch in text) * size


def shorten(name: str, budget: float = LABEL_MAX) -> str:
    """The name on one line, cut to fit `budget` with an ellipsis: at a space or hyphen when
    that keeps most of it ("Aunt Margaret…" rather than "Aunt Margaret Th…")."""
    name = " ".join(name.split())
    if text_width(name) <= budget:
        return name
    room, used, cut = budget - text_width("…"), 0.0, 0
    for index, ch in enumerate(name):
        used += char_em(ch) * NAME_SIZE
        if used > room:
            break
        cut = index + 1
    head = name[: max(cut, 1)]
    boundary = max(head.rfind(" "), head.rfind("-"))
    if boundary >= len(head) / 2:
        head = head[:boundary]
    return head.rstrip(" -–—,.;:(") + "…"


@dataclass(frozen=True)
class Band:
    ring: int
    inner: float
    outer: float
    title: str
    arc: str  # the path its title follows, over the top


@dataclass(frozen=True)
class Pill:
    """One person: a rounded box with their (perhaps shortened) name, centred on (cx, cy) and
    turned by `rotate` degrees to lie along their track."""

    member: CircleMember
    label: str
    cx: float
    cy: float
    width: float
    rotate: float
    height: float = PILL_HEIGHT

    @property
    def x(self) -> float:
        return _n(self.cx - self.width / 2)

    @property
    def y(self) -> float:
        return _n(self.cy - self.height / 2)

    @property
    def radius(self) -> float:
        return self.height / 2

    @property
    def text_y(self) -> float:
        return _n(self.cy + NAME_SIZE * 0.35)

    @property
    def shortened(self) -> bool:
        return self.label != " ".join(self.member.name.split())


@dataclass(frozen=True)
class Drawing:
    size: float
    centre: float
    bands: tuple[Band, ...]
    pills: tuple[Pill, ...]
    me_radius: float = ME_RADIUS

    @property
    def me_text_y(self) -> float:
        return _n(self.centre + 7)

    @property
    def min_width(self) -> int:
        """The narrowest the drawing may be shown, in CSS pixels, with names still readable."""
        return math.ceil(self.size * READABLE_PX / NAME_SIZE)

    @property
    def scale(self) -> str:
        """How large to show it where there is room (site.css): names at about 15px."""
        if self.size <= 340:
            return "s"
        return "m" if self.size <= 480 else "l"

    @property
    def may_scroll(self) -> bool:
        """Wider than a small phone leaves it: it scrolls in its own box there."""
        return self.min_width > SMALL_SCREEN_ROOM

    def counts(self) -> dict[int, int]:
        found = {ring: 0 for ring in Ring.values}
        for pill in self.pills:
            found[pill.member.ring] += 1
        return found


def draw(members: Sequence[CircleMember]) -> Drawing:
    """The map of these members (in ring order), sized to hold them all."""
    labels = [shorten(member.name) for member in members]
    widths = tuple(round(text_width(label) + 2 * PILL_PAD) for label in labels)
    titles = {ring: str(Ring(ring).label) for ring in Ring.values}
    title_widths = tuple(round(text_width(titles[ring], TITLE_SIZE) * 1.08) for ring in titles)
    outers, places = _layout(tuple(m.ring for m in members), widths, title_widths)

    radius = outers[-1] + 3  # room for the outer ring's line
    bands, inner = [], float(ME_RADIUS)
    for ring, outer in zip(Ring.values, outers, strict=True):
        title_r = inner + TITLE_BASELINE
        arc = (
            f"M {_n(radius - title_r)} {_n(radius)} "
            f"A {_n(title_r)} {_n(title_r)} 0 0 1 {_n(radius + title_r)} {_n(radius)}"
        )
        bands.append(Band(ring, _n(inner), _n(outer), titles[ring], arc))
        inner = outer
    pills = []
    for member, label, width, (angle, r) in zip(members, labels, widths, places, strict=True):
        # Upright on both halves of the circle: names at the bottom do not hang upside down.
        turn = math.degrees(angle) + (-90 if math.sin(angle) > 0 else 90)
        pills.append(
            Pill(
                member=member,
                label=label,
                cx=_n(radius + r * math.cos(angle)),
                cy=_n(radius + r * math.sin(angle)),
                width=width,
                rotate=_n(turn),
            )
        )
    return Drawing(size=_n(2 * radius), centre=_n(radius), bands=tuple(bands), pills=tuple(pills))


def _n(value: float) -> float:
    return round(value, 1)


@functools.lru_cache(maxsize=512)
def _layout(
    rings: tuple[int, ...], widths: tuple[int, ...], title_widths: tuple[int, ...]
) -> tuple[tuple[float, ...], tuple[tuple[float, float], ...]]:
    """Each ring's outer radius, and each pill's place as (angle, radius) around "Me"."""
    outers: list[float] = []
    places: dict[int, tuple[float, float]] = {}
    inner = float(ME_RADIUS)
    for ring, title_width in zip(Ring.values, title_widths, strict=True):
        todo = [(i, widths[i]) for i, r in enumerate(rings) if r == ring]
        # Names may start beside the title or beyond it, whichever makes the thinner ring.
        outer, placed = min(
            (_fill_ring(inner, list(todo), title_width, beyond) for beyond in (False, True)),
            key=lambda found: found[0],
        )
        outer = max(outer, inner + MIN_BAND[ring])
        places.update(placed)
        outers.append(outer)
        inner = outer
    return tuple(outers), tuple(places[i] for i in range(len(rings)))


def _fill_ring(
    inner: float, todo: list[tuple[int, int]], title_width: int, beyond_title: bool
) -> tuple[float, dict[int, tuple[float, float]]]:
    """Lay pills along circular tracks inside one ring, from its inner edge outwards.

    A pill lies along its track (tangent to it), so a ring needs to be only as thick as its
    tracks, however long the names. Names are kept within TILT of level, at the bottom and
    the top of the circle, and clear of the ring's title over the top: the first track goes
    either beside the title or `beyond_title`.
    Pills on one track are kept apart by angle (wedges from the centre that do not meet), and
    each track starts beyond the farthest corner of the one before, so nothing overlaps.
    """
    half = PILL_HEIGHT / 2
    title_r = inner + TITLE_BASELINE
    title_half = (title_width / 2 + 8) / title_r
    title_top = title_r + TITLE_SIZE * 0.8
    r, reach = inner + EDGE + half, inner
    if beyond_title:
        r = title_top + GAP + half
    placed: dict[int, tuple[float, float]] = {}
    while todo:
        top = -math.pi / 2
        segments = [(math.pi / 2 - TILT, math.pi / 2 + TILT)]
        if r - half < title_top + GAP:  # this track passes through the title
            segments += [(top - TILT, top - title_half), (top + title_half, top + TILT)]
        else:
            segments.append((top - TILT, top + TILT))
        on_track = []
        for low, high in segments:
            row, room = [], high - low
            for item in list(todo):
                span = 2 * math.atan((item[1] + GAP) / 2 / (r - half))
                if span <= room:
                    row.append((item, span))
                    room -= span
                    todo.remove(item)
            # The row is centred in its part of the track and reads from left to right: at the
            # bottom of the circle that is from the larger angle to the smaller.
            bottom = low > 0
            angle = (high - room / 2) if bottom else (low + room / 2)
            for (index, width), span in row:
                placed[index] = (angle - span / 2 if bottom else angle + span / 2, r)
                angle += -span if bottom else span
                on_track.append(width)
        if not on_track:  # the next name is too long for this track: try one further out
            r += GAP
            continue
        reach = max(math.hypot(r + half, width / 2) for width in on_track)
        r = reach + GAP + half
    return reach + EDGE, placed
