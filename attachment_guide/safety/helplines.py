"""The crisis and support lines shown on /support/, read from a checked data file.

`content/helplines.toml` (or HELPLINES_FILE) lists lines by country. Every line keeps its
sources and the date it was last checked against them, and `manage.py check` refuses a line
without them, or with anything marked UNVERIFIED: a wrong number in a crisis is worse than
none.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

CONTACT_KINDS = {"call", "text", "web", "email"}
TOPICS = ["crisis", "text", "domestic-abuse", "sexual-violence", "other"]
_DIAL_RE = re.compile(r"^\+?[0-9]{2,15}$")
_FORBIDDEN = re.compile(r"UNVERIFIED", re.IGNORECASE)
# When a line was checked: a year, a month or a day, or "undated" when its sources give no
# date (the page then says so instead of showing a date).
_CHECKED_RE = re.compile(r"^(undated|[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)$")
UNDATED = "undated"

DIRECTORY_KEYS = {"name", "run_by", "url", "description", "sources", "checked"}
COUNTRY_KEYS = {
    "code", "name", "emergency", "emergency_dial", "emergency_note",
    "emergency_sources", "emergency_checked", "line",
}  # fmt: skip
LINE_KEYS = {
    "service", "organisation", "topic", "for_whom", "hours", "cost", "url", "notes",
    "source_type", "sources", "checked", "contact",
}  # fmt: skip
CONTACT_KEYS = {"kind", "label", "value", "keyword"}
THERAPIST_KEYS = {"country", "name", "url", "description", "sources", "checked"}


@dataclass(frozen=True)
class Contact:
    kind: str
    label: str
    value: str
    keyword: str = ""

    @property
    def href(self) -> str:
        if self.kind == "call":
            return f"tel:{self.value}"
        if self.kind == "text":
            return f"sms:{self.value}"  # the keyword is shown; phones disagree on ?body=
        if self.kind == "email":
            return f"mailto:{self.value}"
        return self.value


@dataclass(frozen=True)
class Line:
    service: str
    topic: str
    contacts: tuple[Contact, ...]
    sources: tuple[str, ...]
    checked: str
    source_type: str = ""
    organisation: str = ""
    for_whom: str = ""
    hours: str = ""
    cost: str = ""
    url: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    emergency: str
    emergency_dial: str
    lines: tuple[Line, ...]
    emergency_note: str = ""
    emergency_sources: tuple[str, ...] = ()
    emergency_checked: str = ""


@dataclass(frozen=True)
class Listing:
    """A directory of helplines or of therapists."""

    name: str
    url: str
    description: str
    sources: tuple[str, ...]
    checked: str
    run_by: str = ""
    country: str = ""


@dataclass
class Helplines:
    countries: tuple[Country, ...] = ()
    directories: tuple[Listing, ...] = ()
    therapist_directories: tuple[Listing, ...] = ()
    problems: list[str] = field(default_factory=list)


def _unknown(table: dict, allowed: set[str], where: str, problems: list[str]) -> None:
    for key in sorted(table.keys() - allowed):
        problems.append(f"{where}: unknown key '{key}'")


def _need(table: dict, keys: list[str], where: str, problems: list[str]) -> bool:
    missing = [key for key in keys if not table.get(key)]
    for key in missing:
        problems.append(f"{where}: '{key}' is required")
    return not missing


def _checked(value, where: str, problems: list[str], key: str = "checked") -> None:
    if not _CHECKED_RE.match(str(value)):
        problems.append(f"{where}: '{key}' must be YYYY, YYYY-MM, YYYY-MM-DD or undated")


def _listing(table: dict, allowed: set[str], where: str, problems: list[str]) -> Listing | None:
    _unknown(table, allowed, where, problems)
    if not _need(table, ["name", "url", "sources", "checked"], where, problems):
        return None
    _checked(table["checked"], where, problems)
    return Listing(
        name=table["name"],
        url=table["url"],
        description=table.get("description", ""),
        sources=tuple(table["sources"]),
        checked=str(table["checked"]),
        run_by=table.get("run_by", ""),
        country=table.get("country", ""),
    )


def parse_helplines(data: dict, where: str = "helplines") -> Helplines:
    problems: list[str] = []
    _unknown(data, {"directory", "country", "therapist_directory"}, where, problems)
    directories = [
        _listing(t, DIRECTORY_KEYS, f"{where}: directory {i + 1}", problems)
        for i, t in enumerate(data.get("directory", []))
    ]
    therapists = [
        _listing(t, THERAPIST_KEYS, f"{where}: therapist directory {i + 1}", problems)
        for i, t in enumerate(data.get("therapist_directory", []))
    ]
    countries = []
    for table in data.get("country", []):
        here = f"{where}: country {table.get('code', '?')}"
        _unknown(table, COUNTRY_KEYS, here, problems)
        if not _need(table, ["code", "name", "emergency", "emergency_dial"], here, problems):
            continue
        # An emergency number needs its sources like a line, and `check` fails without them;
        # but the number is still shown: a crisis page must not lose it to missing paperwork.
        if _need(table, ["emergency_sources", "emergency_checked"], here, problems):
            _checked(table["emergency_checked"], here, problems, key="emergency_checked")
        if not _DIAL_RE.match(table["emergency_dial"]):
            problems.append(f"{here}: emergency_dial must be digits only")
        lines = []
        for line in table.get("line", []):
            line_here = f"{here}, line '{line.get('service', '?')}'"
            _unknown(line, LINE_KEYS, line_here, problems)
            required = ["service", "topic", "sources", "checked", "contact"]
            if not _need(line, required, line_here, problems):
                continue
            _checked(line["checked"], line_here, problems)
            if line["topic"] not in TOPICS:
                problems.append(f"{line_here}: topic must be one of {', '.join(TOPICS)}")
            contacts = []
            for contact in line["contact"]:
                _unknown(contact, CONTACT_KEYS, line_here, problems)
                if not _need(contact, ["kind", "label", "value"], line_here, problems):
                    continue
                kind, value = contact["kind"], contact["value"]
                if kind not in CONTACT_KINDS:
                    problems.append(
                        f"{line_here}: contact kind '{kind}' is not one of call/text/web/email"
                    )
                elif kind in ("call", "text") and not _DIAL_RE.match(value):
                    problems.append(f"{line_here}: '{value}' is not a number to dial (digits only)")
                elif kind == "web" and not value.startswith("https://"):
                    problems.append(
                        f"{line_here}: web contact '{value}' must be an https:// address"
                    )
                contacts.append(Contact(kind, contact["label"], value, contact.get("keyword", "")))
            lines.append(
                Line(
                    service=line["service"],
                    topic=line["topic"],
                    contacts=tuple(contacts),
                    sources=tuple(line["sources"]),
                    checked=str(line["checked"]),
                    source_type=line.get("source_type", ""),
                    organisation=line.get("organisation", ""),
                    for_whom=line.get("for_whom", ""),
                    hours=line.get("hours", ""),
                    cost=line.get("cost", ""),
                    url=line.get("url", ""),
                    notes=line.get("notes", ""),
                )
            )
        countries.append(
            Country(
                code=table["code"],
                name=table["name"],
                emergency=table["emergency"],
                emergency_dial=table["emergency_dial"],
                emergency_note=table.get("emergency_note", ""),
                emergency_sources=tuple(table.get("emergency_sources", ())),
                emergency_checked=str(table.get("emergency_checked", "")),
                lines=tuple(lines),
            )
        )
    return Helplines(
        countries=tuple(countries),
        directories=tuple(d for d in directories if d),
        therapist_directories=tuple(t for t in therapists if t),
        problems=problems,
    )


def load_helplines(path: Path) -> Helplines:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return Helplines(problems=[f"{path}: cannot be read: {exc}"])
    if match := _FORBIDDEN.search(text):
        line = text.count("\n", 0, match.start()) + 1
        return Helplines(problems=[f"{path}:{line}: UNVERIFIED entries must never be published"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Helplines(problems=[f"{path}: not valid TOML: {exc}"])
    return parse_helplines(data, where=str(path))


@cache
def _cached(path: str, mtime: float) -> Helplines:
    return load_helplines(Path(path))


def get_helplines() -> Helplines:
    path = Path(settings.HELPLINES_FILE)
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _cached(str(path), mtime)
