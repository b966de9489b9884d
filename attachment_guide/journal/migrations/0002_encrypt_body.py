from django.db import migrations

import attachment_guide.crypto
from attachment_guide.crypto import keyring, rewrite_column


def encrypt_existing(apps, schema_editor):
    """Encrypt text written before encryption existed; already-encrypted rows stay as they are."""

    def encrypt(stored: str) -> str | None:
        try:
            keyring().decrypt(stored)  # already ours: leave it
        except attachment_guide.crypto.JournalKeyError:
            return keyring().encrypt(stored)
        return None

    rewrite_column(
        schema_editor.connection, table="journal_entry", pk="id", column="body", rewrite=encrypt
    )


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="entry",
            name="body",
            field=attachment_guide.crypto.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
