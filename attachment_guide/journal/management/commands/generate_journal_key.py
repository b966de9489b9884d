from django.core.management.base import BaseCommand

from attachment_guide.crypto import new_key


class Command(BaseCommand):
    help = (
        "Print a new random key for JOURNAL_KEYS. To rotate, put it first in the list, keep the "
        "old keys after it, run rotate_journal_keys, then drop the old keys."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(new_key())
