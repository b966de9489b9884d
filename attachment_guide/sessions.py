"""Django's database sessions, read with one statement written once (attachment_guide.db.plain).

Loading the session row through the ORM was the costliest part of a returning reader's lesson
page after its own two reads (`make profile`). Only `load` changes: creating, saving,
expiring and `clearsessions` are Django's, and an expired or unknown key is treated as
Django treats it (no data, and a new key on the next save).

One more change: a guest's session kept "only for this visit" ends with the browser, and
on the server it expires with its space, VISIT_SPACE_HOURS after the space's clock last
moved (not GUEST_SPACE_DAYS after any change): a browser left open forgets the space then,
and `clearsessions` removes the row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.sessions.backends import db
from django.utils import timezone

from attachment_guide.db.plain import fetch, prep


class SessionStore(db.SessionStore):
    def get_expiry_date(self, **kwargs) -> datetime:
        from attachment_guide.spaces import services

        if "expiry" not in kwargs and services.visit_only_session(self):
            moved = self.get(services.VISIT_TOUCHED_KEY)
            if moved is not None:
                return datetime.fromtimestamp(moved, UTC) + services.visit_lifetime()
        return super().get_expiry_date(**kwargs)

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
