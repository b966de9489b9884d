"""Retention: delete what has been kept long enough, with everything in it.

Run it daily (cron, a systemd timer, or your platform's scheduler). A guest's key lives in a
session cookie for GUEST_SPACE_DAYS after the last save; once it is gone, nobody can reach
that space again, so keeping its journal would only keep a risk. A guest who chose "only for
this visit" meant it: that space, and the session holding its key, expire VISIT_SPACE_HOURS
after the last use, even in a browser left open. Accounts are kept until their owner
deletes them, unless INACTIVE_ACCOUNT_DAYS is set. A space whose first save may no longer be
taken over lets go of its page's digest. It prints counts, nothing else.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import (
    CLAIM_WINDOW,
    accounts_inactive,
    spaces_delete,
    spaces_expired,
)


class Command(BaseCommand):
    help = (
        "Delete guest spaces not saved to for GUEST_SPACE_DAYS (VISIT_SPACE_HOURS when kept "
        "only for a visit), accounts unused for INACTIVE_ACCOUNT_DAYS (when set), everything "
        "in them, and expired sessions."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            guest_count = spaces_delete(spaces_expired())
            users = accounts_inactive()
            user_ids = {str(pk) for pk in users.values_list("pk", flat=True)}
            spaces_delete(Space.objects.filter(user__in=users))
            users.delete()
        if user_ids:  # their sessions go too: nothing may still point at them
            for session in Session.objects.iterator(chunk_size=1000):
                if session.get_decoded().get(AUTH_SESSION_KEY) in user_ids:
                    session.delete()
        # A first save that may no longer be taken over (`space_adopt`) needs nothing of the
        # page that made it: a browser that got its key and only read since left the space
        # claimable, with the digest of its page's id.
        Space.objects.filter(claimable=True, created__lt=timezone.now() - CLAIM_WINDOW).update(
            claimable=False, claim_page=None
        )
        # Sessions of spaces kept only for a visit expired with them (attachment_guide.sessions).
        call_command("clearsessions")
        # Failed log-ins whose window has ended count for nothing; each is a hash of a name
        # and an address, which a dictionary of names times every IPv4 address would undo.
        from attachment_guide.accounts.models import LoginThrottle
        from attachment_guide.accounts.services import THROTTLE_WINDOW

        LoginThrottle.objects.filter(window_start__lt=timezone.now() - THROTTLE_WINDOW).delete()
        account_count = len(user_ids)
        self.stdout.write(
            f"Deleted {guest_count} guest spaces and {account_count} inactive accounts."
        )
