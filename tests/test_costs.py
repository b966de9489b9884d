"""Costs that stay flat: queries per page do not grow with entries, a first visit stays small."""

from __future__ import annotations

import gzip
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from attachment_guide.storage import minified
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

LESSON = "/lessons/attachment-basics/what-attachment-is/"


def person_with_entries(client, count: int) -> None:
    client.post(
        "/journal/write/", {**AGREE, "body": "first", "entry": str(uuid.uuid4()), "version": 0}
    )
    space = Space.objects.get()
    Entry.objects.bulk_create(
        Entry(space=space, prompt_id="ab-who-felt-safe" if n % 2 else "", body=f"Entry {n}")
        for n in range(count)
    )


def queries(client, url: str, method: str = "get", data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, headers={"HX-Request": "true"})
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("url", ["/", LESSON, "/journal/", "/lessons/attachment-basics/"])
def test_queries_per_page_do_not_grow_with_the_journal(client, django_user_model, url):
    person_with_entries(client, 50)
    with_50 = queries(client, url)
    Entry.objects.bulk_create(
        Entry(space=Space.objects.get(), body=f"More {n}") for n in range(4950)
    )

    with_5000 = queries(client, url)

    assert with_5000 == with_50
    assert with_50 <= 4


def test_an_autosave_stays_within_a_few_queries(client):
    person_with_entries(client, 50)
    entry = Entry.objects.filter(prompt_id="").first()

    count = queries(
        client,
        "/journal/write/",
        "post",
        {**AGREE, "body": "changed", "entry": str(entry.id), "version": entry.version},
    )

    # The session, the space, its save allowance (one UPDATE), then the entry locked, read
    # and written inside one transaction: none of it grows with the journal.
    assert count <= 7


def test_a_first_lesson_visit_stays_under_60_kb_compressed(client):
    html = client.get(LESSON).content
    total = len(gzip.compress(html))
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    for asset in assets:
        if b"print" in asset:
            continue  # fetched only when printing
        name = asset.decode()
        with open(finders.find(name), "rb") as handle:
            body = handle.read()
        smaller = minified(name, body.decode("utf-8"))  # as collectstatic serves it
        total += len(gzip.compress(smaller.encode("utf-8") if smaller is not None else body))

    assert len(assets) >= 4
    assert total <= 60 * 1024, f"{total / 1024:.1f} KB"
