"""Journal text encrypted at rest: AES-256-GCM with keys from JOURNAL_KEYS, newest first.

What this protects: a copied database file, a leaked backup, a database shared with other
services. What it does not: anyone who runs the app servers, since they hold the keys to show
people their own writing. /privacy/ says the same in plain words.

A stored value reads `ag1$<key id>$<base64 of nonce + ciphertext + tag>`. The key id is a
hash of the key, so a row names the key it needs without revealing it, and rotation
(`manage.py rotate_journal_keys`) can skip rows already under the newest key. Empty text is
stored empty: it says only that a box was left blank, and lets queries skip blank rows.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import secrets
import sys
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

PREFIX = "ag1"
NONCE_BYTES = 12
# Bound to every ciphertext: text encrypted by some other program with the same key will not
# pass as ours.
ASSOCIATED_DATA = b"attachment-guide private text v1"


class JournalKeyError(Exception):
    """Stored text cannot be decrypted with the configured keys. Never returns garbage."""


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def parse_key(raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "Each key in JOURNAL_KEYS must be 32 random bytes in URL-safe base64 (44 characters);"
            " make one with: python manage.py generate_journal_key"
        )
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"attachment-guide key id:" + key).hexdigest()[:10]


class Keyring:
    def __init__(self, raw_keys: list[str]) -> None:
        if not raw_keys:
            raise ImproperlyConfigured("JOURNAL_KEYS is empty")
        keys = [parse_key(raw) for raw in raw_keys]
        self._ciphers = {key_id(key): AESGCM(key) for key in keys}
        self.newest_id = key_id(keys[0])

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.newest_id].encrypt(nonce, text.encode(), ASSOCIATED_DATA)
        return f"{PREFIX}${self.newest_id}${base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        kid, payload = split_stored(stored)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise JournalKeyError(
                f"This text was encrypted with key {kid}, which is not in JOURNAL_KEYS"
            )
        try:
            raw = base64.b64decode(payload, validate=True)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], ASSOCIATED_DATA).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise JournalKeyError(
                f"Stored text does not match key {kid}: the key is wrong or the data was changed"
            ) from None


def split_stored(stored: str) -> tuple[str, str]:
    """The key id and payload of a stored value; anything else is refused, never shown."""
    parts = stored.split("$")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise JournalKeyError("Stored text is not in the encrypted format")
    return parts[1], parts[2]


@functools.cache
def keyring() -> Keyring:
    from django.conf import settings

    return Keyring(settings.JOURNAL_KEYS)


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting == "JOURNAL_KEYS":
        keyring.cache_clear()


def development_key(path: Path) -> str:
    """The local key of a development checkout, made on first use (and said so)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = new_key()
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    print(
        f"Journal text is encrypted with a new development key in {path}. "
        "Keep that file with this database; production sets JOURNAL_KEYS instead.",
        file=sys.stderr,
    )
    return key


class EncryptedTextField(models.TextField):
    """Text that is plain in Python and encrypted in the database.

    Only equality with "" works in queries; search decrypts the owner's rows in Python.
    """

    description = "Text encrypted at rest"

    def get_lookup(self, lookup_name):
        # Ciphertext cannot be searched or compared: a filter other than = "" or IS NULL would
        # quietly match nothing, so it fails loudly instead.
        if lookup_name not in ("exact", "isnull"):
            raise FieldError(f"Encrypted text cannot be filtered with __{lookup_name}")
        return super().get_lookup(lookup_name)

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return keyring().decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return keyring().encrypt(value)


def rewrite_column(
    connection, *, table: str, pk: str, column: str, rewrite, batch: int = 500
) -> int:
    """Pass every non-empty stored value of one column through `rewrite(stored) -> stored|None`
    and write back the ones it changed; returns how many. Reads in primary-key order, in
    batches, so memory stays flat however large the table. A row changed meanwhile by a save
    is left alone: that save already wrote it under the newest key."""
    q = connection.ops.quote_name  # table and column names come from models, never from input
    select = f"SELECT {q(pk)}, {q(column)} FROM {q(table)} WHERE {q(column)} <> '' "  # noqa: S608
    select += f"{{after}}ORDER BY {q(pk)} LIMIT {int(batch)}"
    update = f"UPDATE {q(table)} SET {q(column)} = %s WHERE {q(pk)} = %s AND {q(column)} = %s"  # noqa: S608
    changed, last = 0, None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(select.format(after=""))
            else:
                cursor.execute(select.format(after=f"AND {q(pk)} > %s "), [last])
            rows = cursor.fetchall()
        if not rows:
            return changed
        for row_id, stored in rows:
            new = rewrite(stored)
            if new is not None and new != stored:
                with connection.cursor() as cursor:
                    cursor.execute(update, [new, row_id, stored])
                    changed += cursor.rowcount
        last = rows[-1][0]
