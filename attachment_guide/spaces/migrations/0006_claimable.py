from django.db import migrations, models


class Migration(migrations.Migration):
    # Spaces made before this are not claimable: their first saves are long answered.
    dependencies = [
        ("spaces", "0005_visit_only_backfill"),
    ]

    operations = [
        migrations.AddField(
            model_name="space",
            name="claimable",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Made by a writing box's first save, and its browser has not come back "
                    "with its cookie yet: for CLAIM_WINDOW, that save sent again (its answer "
                    "lost on the way) may still take this space instead of making a second "
                    "one (see space_adopt)."
                ),
            ),
        ),
    ]
