from django.db import migrations, models


class Migration(migrations.Migration):
    # Spaces made before this hold no page: a save sent again from their page finds them by
    # its box's own entry, as before.
    dependencies = [
        ("spaces", "0006_claimable"),
    ]

    operations = [
        migrations.AddField(
            model_name="space",
            name="claim_page",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text=(
                    "While claimable: the SHA-256 of the id of the page view whose first save "
                    "made this space, so another box of that page, saving for the first time, "
                    "lands here too (see space_adopt). Never the id itself; cleared with "
                    "claimable."
                ),
                max_length=64,
                null=True,
                unique=True,
            ),
        ),
    ]
