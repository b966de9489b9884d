"""Delete guest spaces whose browser key has expired, with everything written in them.

Run it daily (cron, a systemd timer, or your platform's scheduler). A guest's key lives in a
session cookie for GUEST_SPACE_DAYS after the last save; once it is gone, nobody can reach
that space again, so keeping its journal would only keep a risk.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from attachment_guide.spaces.services import spaces_expired


class Command(BaseCommand):
    help = "Delete guest spaces past GUEST_SPACE_DAYS since their last save, and old sessions."

    def handle(self, *args, **options) -> None:
        count, _ = spaces_expired().delete()
        call_command("clearsessions")
        self.stdout.write(f"Deleted {count} rows of expired guest spaces.")
