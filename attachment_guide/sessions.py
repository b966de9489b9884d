"""Django's database sessions, read with one statement written once (attachment_guide.db.plain).

Loading the session row through the ORM was the costliest part of a returning reader's lesson
page after its own two reads (`make profile`). Only `load` changes: creating, saving,
expiring and `clearsessions` are Django's, and an expired or unknown key is treated as
Django treats it (no data, and a new key on the next save).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
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
