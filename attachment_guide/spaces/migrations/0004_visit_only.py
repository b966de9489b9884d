from datetime import UTC, timedelta

from django.conf import settings
from django.db import migrations, models

# Frozen here as they were when this migration was written (spaces/services.py).
SPACE_KEY, AUTH_KEY, VISIT_TOUCHED_KEY = "space_id", "_auth_user_id", "visit_touched"


def mark_visit_only(apps, schema_editor):
    """Guests who chose "only for this visit" before the space recorded it: their session
    ends with the browser. Mark their spaces, and let each session expire with its space
    (spaces/services.py, attachment_guide/sessions.py), from the space's last save."""
    from django.contrib.sessions.backends.db import SessionStore  # its encoding, no queries

    Space = apps.get_model("spaces", "Space")
    Session = apps.get_model("sessions", "Session")
    codec = SessionStore()
    hours = settings.VISIT_SPACE_HOURS
    lifetime = timedelta(hours=hours) + timedelta(hours=hours) / 24
    for session in Session.objects.iterator(chunk_size=1000):
        data = codec.decode(session.session_data)
        if data.get("_session_expiry") != 0 or AUTH_KEY in data or not data.get(SPACE_KEY):
            continue
        space = Space.objects.filter(id=data[SPACE_KEY], user__isnull=True).first()
        if space is None:
            continue
        space.visit_only = True
        space.save(update_fields=["visit_only"])
        data[VISIT_TOUCHED_KEY] = int(space.last_saved.astimezone(UTC).timestamp())
        session.session_data = codec.encode(data)
        session.expire_date = min(session.expire_date, space.last_saved + lifetime)
        session.save(update_fields=["session_data", "expire_date"])


class Migration(migrations.Migration):
    dependencies = [
        ("sessions", "0001_initial"),
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
        migrations.RunPython(mark_visit_only, migrations.RunPython.noop, elidable=True),
    ]
