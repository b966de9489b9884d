"""Journal text is encrypted at rest; keys rotate; a wrong key fails loudly."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from attachment_guide.crypto import (
    JournalKeyError,
    Keyring,
    development_key,
    key_id,
    new_key,
    parse_key,
)
from attachment_guide.journal.models import Entry
from tests.conftest import AGREE

MARKER = "lighthouse-keeper-7Q"


def raw_bodies() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM journal_entry")
        return [row[0] for row in cursor.fetchall()]


def write(client: Client, text: str) -> Entry:
    entry_id = uuid.uuid4()
    response = client.post(
        "/journal/write/",
        {**AGREE, "body": text, "entry": str(entry_id), "version": 0},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    return Entry.objects.get(id=entry_id)


@pytest.mark.django_db
def test_the_database_holds_no_plaintext_but_the_person_reads_their_words(client):
    write(client, f"Today I told my sister about {MARKER}.")

    stored = raw_bodies()
    assert len(stored) == 1
    assert MARKER not in stored[0]
    assert stored[0].startswith("ag1$")
    page = client.get("/journal/").content.decode()
    assert f"Today I told my sister about {MARKER}." in page


@pytest.mark.django_db
def test_the_same_words_twice_are_stored_differently(client):
    write(client, "same words")
    write(client, "same words")

    first, second = raw_bodies()
    assert first != second


@pytest.mark.django_db
def test_search_finds_words_inside_encrypted_entries(client):
    write(client, f"A day by the sea with {MARKER}")
    write(client, "Nothing to find here")

    page = client.post("/journal/", {"q": MARKER.upper()}).content.decode()

    assert "A day by the sea" in page
    assert "Nothing to find here" not in page


@pytest.mark.django_db
def test_a_wrong_key_raises_instead_of_returning_garbage(client, settings):
    entry = write(client, MARKER)

    settings.JOURNAL_KEYS = [new_key()]

    with pytest.raises(JournalKeyError, match="not in JOURNAL_KEYS"):
        Entry.objects.get(id=entry.id)


@pytest.mark.django_db
def test_changed_ciphertext_raises(client):
    entry = write(client, MARKER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM journal_entry")
        stored = cursor.fetchone()[0]
        tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
        cursor.execute("UPDATE journal_entry SET body = %s", [tampered])

    with pytest.raises(JournalKeyError, match="wrong or the data was changed"):
        Entry.objects.get(id=entry.id)


@pytest.mark.django_db
def test_keys_do_not_come_from_the_secret_key(client, settings):
    entry = write(client, MARKER)

    settings.SECRET_KEY = "a-completely-different-secret-key-" + "x" * 40

    assert Entry.objects.get(id=entry.id).body == MARKER


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_with_the_newest_key(client, settings):
    old_key, new = settings.JOURNAL_KEYS[0], new_key()
    bodies = [f"{MARKER} {n}" for n in range(7)]
    for body in bodies:
        write(client, body)
    Entry.objects.create(space=Entry.objects.first().space, body="")  # stays empty, not counted

    settings.JOURNAL_KEYS = [new, old_key]
    before = sorted(raw_bodies())
    with pytest.raises(CommandError, match="7 stored values are still under older keys"):
        call_command("rotate_journal_keys", "--check", stdout=io.StringIO())
    assert sorted(raw_bodies()) == before  # a check changes nothing
    call_command("rotate_journal_keys", stdout=(out := io.StringIO()))

    new_id = key_id(parse_key(new))
    assert f"journal.Entry.body: 7 re-encrypted with key {new_id}" in out.getvalue()
    assert all(stored.split("$")[1] == new_id for stored in raw_bodies() if stored)
    settings.JOURNAL_KEYS = [new]  # the old key can go now
    assert sorted(Entry.objects.with_text().values_list("body", flat=True)) == sorted(bodies)

    call_command("rotate_journal_keys", stdout=(again := io.StringIO()))
    assert "0 re-encrypted" in again.getvalue()
    call_command("rotate_journal_keys", "--check", stdout=(checked := io.StringIO()))
    assert "journal.Entry.body: 0 not under key" in checked.getvalue()
    assert f"Everything is under key {new_id}: older keys can go." in checked.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_text_written_before_encryption(client):
    entry = write(client, "before")
    call_command("migrate", "journal", "0001", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE journal_entry SET body = %s", [f"plain {MARKER}"])

    call_command("migrate", "journal", verbosity=0)

    assert MARKER not in raw_bodies()[0]
    assert Entry.objects.get(id=entry.id).body == f"plain {MARKER}"


def test_a_development_key_is_made_once_and_announced(tmp_path, capsys):
    path = tmp_path / ".journal-key"

    first = development_key(path)
    announced = capsys.readouterr().err
    second = development_key(path)

    assert first == second
    assert str(path) in announced
    assert "JOURNAL_KEYS" in announced
    assert capsys.readouterr().err == ""
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    Keyring([first]).encrypt("works")


@pytest.mark.parametrize("bad", ["", "short", "x" * 44, new_key()[:-4]])
def test_malformed_keys_are_refused_with_a_way_to_make_one(bad):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="generate_journal_key"):
        parse_key(bad)


def test_generate_journal_key_prints_a_usable_key():
    out = io.StringIO()
    call_command("generate_journal_key", stdout=out)

    ring = Keyring([out.getvalue().strip()])
    assert ring.decrypt(ring.encrypt(MARKER)) == MARKER


@pytest.mark.django_db
def test_filters_that_cannot_work_on_ciphertext_fail_loudly():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError, match="cannot be filtered with __icontains"):
        Entry.objects.filter(body__icontains="x").count()
    assert Entry.objects.filter(body="").count() == 0
