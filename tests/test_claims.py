"""What the pages promise must match what the code does.

Journal text and circle names are encrypted with keys the server holds (JOURNAL_KEYS), the
operator can reach the database and its backups, and a browser keeps only a session cookie.
So no page may say or suggest that only the reader's browser holds a key, that the people
who run the site could not open a space, or that deleted writing cannot come back from a
backup. Each phrase below was once on a page and was not true.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.conftest import AGREE

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *sorted((ROOT / "templates").rglob("*.html")),
    *sorted((ROOT / "static" / "js").glob("*.js")),
    *sorted((ROOT / "content").rglob("*.md")),
    *sorted((ROOT / "attachment_guide").rglob("forms.py")),
]

# (pattern, why it is not true)
FALSE_PROMISES = [
    (r"end[- ]to[- ]end", "there is no end-to-end encryption: the server holds the keys"),
    (
        r"(only|just) (this|your) (browser|device) (holds|has|keeps) the key",
        "the encryption keys are on the server; the browser holds only a session cookie",
    ),
    (
        r"not even the people who run",
        "the people who run the server hold the keys and the database",
    ),
    (
        r"nobody(, including the people who run this site,)?\s+can bring",
        "deleted writing stays in backups until they are replaced",
    ),
    (r"cannot be reset by anyone", "the operator could reset a password from the server"),
    (r"it cannot be brought back", "deleted writing stays in backups until they are replaced"),
]


def _text(path: Path) -> str:
    # Template tags split sentences across lines: compare words, not layout.
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("pattern", "why"), FALSE_PROMISES, ids=[p for p, _ in FALSE_PROMISES])
def test_no_page_makes_a_promise_the_code_does_not_keep(pattern, why):
    found = [
        str(path.relative_to(ROOT))
        for path in SOURCES
        if re.search(pattern, _text(path), re.IGNORECASE)
    ]
    assert not found, f"{found} say something untrue ({why})"


def _guest_with_a_space(client):
    import uuid

    data = {"body": "An answer", "entry": str(uuid.uuid4()), "version": 0, **AGREE}
    client.post("/journal/prompts/ab-who-felt-safe/", data, headers={"HX-Request": "true"})


@pytest.mark.django_db
def test_only_for_this_visit_says_when_the_server_lets_go(client, settings):
    """The cookie ends with the browser; on the server the space lasts a day without use
    (VISIT_SPACE_HOURS), then the next retention run deletes it, and that is what the page
    must say. It used to say the writing stayed for GUEST_SPACE_DAYS, which was true then."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from attachment_guide.spaces.models import Space

    _guest_with_a_space(client)
    client.post("/settings/", {"section": "keep", "keep": "visit"})

    page = re.sub(r"\s+", " ", client.get("/settings/").content.decode())
    days = settings.GUEST_SPACE_DAYS
    assert f"your writing stays on the server until {days} days after your last save" not in page
    assert (
        "or reopens your tabs when it starts, the server deletes your space and your writing "
        "once it has gone a day without use, within about a day after that."
    ) in page
    hours = settings.VISIT_SPACE_HOURS + 2  # its clock moves at most an hour apart
    Space.objects.update(last_saved=timezone.now() - timedelta(hours=hours))
    call_command("purge_expired_spaces", stdout=io.StringIO())
    assert not Space.objects.exists()
