from django.db import migrations, models


class Migration(migrations.Migration):
    # The column alone: its backfill (0005) reads every session, and in this migration's
    # transaction the ALTER TABLE would hold every space locked, reads included, until then.
    dependencies = [
        ("spaces", "0003_lock_and_agreement"),
    ]

    operations = [
        migrations.AddField(
            model_name="space",
            name="visit_only",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "A guest chose “only for this visit”: deleted after VISIT_SPACE_HOURS "
                    "without a save, not GUEST_SPACE_DAYS. Never set for an account."
                ),
            ),
        ),
    ]
