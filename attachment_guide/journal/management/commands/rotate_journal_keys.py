from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
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
        "skipped. Afterwards the older keys can be removed from JOURNAL_KEYS; --check says "
        "whether they can, without changing anything."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: count the rows not yet under the newest key, and fail if any.",
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        ring = keyring()
        older = 0

        def rotate(stored: str) -> str | None:
            nonlocal older
            kid, _ = split_stored(stored)
            if kid == ring.newest_id:
                return None
            older += 1
            return None if check else ring.encrypt(ring.decrypt(stored))

        for model, field in encrypted_columns():
            older_before = older
            count = rewrite_column(
                connection,
                table=model._meta.db_table,
                pk=model._meta.pk.column,
                column=field.column,
                rewrite=rotate,
            )
            label = f"{model._meta.label}.{field.name}"
            if check:
                self.stdout.write(f"{label}: {older - older_before} not under key {ring.newest_id}")
            else:
                self.stdout.write(f"{label}: {count} re-encrypted with key {ring.newest_id}")
        if check and older:
            raise CommandError(
                f"{older} stored values are still under older keys: run rotate_journal_keys "
                "before removing any key from JOURNAL_KEYS."
            )
        if check:
            self.stdout.write(f"Everything is under key {ring.newest_id}: older keys can go.")
