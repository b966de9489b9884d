from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection

from attachment_guide.crypto import EncryptedTextField, keyring, rewrite_column, split_stored


def encrypted_columns():
    """Every (model, field) stored encrypted, so a new private model is rotated too."""
    for model in apps.get_models():
        for field in model._meta.local_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


class Command(BaseCommand):
    help = (
        "Re-encrypt all private text with the first key in JOURNAL_KEYS. Safe to run while the "
        "app serves people, and again if interrupted: rows already under the newest key are "
        "skipped. Afterwards the older keys can be removed from JOURNAL_KEYS."
    )

    def handle(self, *args, **options) -> None:
        ring = keyring()

        def rotate(stored: str) -> str | None:
            kid, _ = split_stored(stored)
            if kid == ring.newest_id:
                return None
            return ring.encrypt(ring.decrypt(stored))

        for model, field in encrypted_columns():
            count = rewrite_column(
                connection,
                table=model._meta.db_table,
                pk=model._meta.pk.column,
                column=field.column,
                rewrite=rotate,
            )
            label = f"{model._meta.label}.{field.name}"
            self.stdout.write(f"{label}: {count} re-encrypted with key {ring.newest_id}")
