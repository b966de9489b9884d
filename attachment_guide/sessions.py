"""Django's database sessions, read with one statement written once (attachment_guide.db.plain).

Loading the session row through the ORM was the costliest part of a returning reader's lesson
page after its own two reads (`make profile`). Only `load` and `decode` change: creating,
saving, expiring and `clearsessions` are Django's, and an expired or unknown key is treated as
Django treats it (no data, and a new key on the next save).
"""

from __future__ import annotations

import functools
import logging

from django.contrib.sessions.backends import db
from django.core import signing
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from attachment_guide.db.plain import fetch, prep


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        key = self.session_key
        found = []
        if key is not None:
            now = prep(self.model, "expire_date", timezone.now())
            found = fetch(
                self.model,
                "session_key = %s AND expire_date > %s",
                [key, now],
                fields=("session_key", "session_data"),
            )
        if not found:
            self._session_key = None
            return {}
        return self.decode(found[0].session_data)

    def decode(self, session_data: str) -> dict:
        """What Django's `decode` returns, without checking the signature of stored text
        already checked: a returning reader's session row is the same text request after
        request, and its HMAC was most of decoding it (14 µs of a page). Only the signature
        check is remembered, as the exact text's verified payload; the payload is decoded
        afresh each time, so no two sessions ever share a dict, which the session changes."""
        try:
            payload = _verified_payload(session_data, self.key_salt)
        except signing.BadSignature:
            logger = logging.getLogger("django.security.SuspiciousSession")
            logger.warning("Session data corrupted")
            return {}
        except Exception:  # as Django's decode: whatever else fails is an empty session
            return {}
        try:
            return self.serializer().loads(payload)
        except Exception:
            return {}


class _Payload:
    """A "serializer" for `signing.loads` that hands back the verified, decompressed bytes
    it is given: Django's own checks run, and nothing is decoded yet."""

    def loads(self, data: bytes) -> bytes:
        return data


@functools.lru_cache(maxsize=1024)
def _verified_payload(session_data: str, salt: str) -> bytes:
    """The payload of `session_data` once `signing.loads` accepts it (with no age limit, as
    sessions are decoded), keyed by the exact text: text that fails is never remembered,
    and any other text is checked anew. Bounded; emptied when a setting (the secret key)
    changes."""
    return signing.loads(session_data, salt=salt, serializer=_Payload)


@receiver(setting_changed)
def _forget_verified_payloads(**kwargs) -> None:
    _verified_payload.cache_clear()
