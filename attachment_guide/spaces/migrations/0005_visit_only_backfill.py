import uuid
from datetime import UTC

from django.db import migrations
from django.utils import timezone

# Frozen here as they were when this migration was written (spaces/services.py).
SPACE_KEY, AUTH_KEY, VISIT_TOUCHED_KEY = "space_id", "_auth_user_id", "visit_touched"
BATCH = 1000


def mark_visit_only(apps, schema_editor):
    """Guests who chose "only for this visit" before the space recorded it: their session
    ends with the browser. Mark their spaces, and start each session's visit clock from the
    space's last save (spaces/services.py). Sessions keep their own expiry.

    Run again (a database that had this in 0004), it marks the same rows the same way.
    Expired sessions are skipped (nobody holds their key; `clearsessions` removes them), and
    the rest are read and written a thousand at a time: a few queries per thousand sessions,
    each its own short transaction, so the site goes on saving while it runs."""
    from django.contrib.sessions.backends.db import SessionStore  # its encoding, no queries

    Space = apps.get_model("spaces", "Space")
    Session = apps.get_model("sessions", "Session")
    codec = SessionStore()
    live = Session.objects.filter(expire_date__gt=timezone.now()).order_by()
    batch = []
    for session in live.iterator(chunk_size=BATCH):
        data = codec.decode(session.session_data)
        if data.get("_session_expiry") != 0 or AUTH_KEY in data:
            continue
        try:
            space_id = uuid.UUID(str(data.get(SPACE_KEY)))
        except ValueError:
            continue
        batch.append((session, data, space_id))
        if len(batch) == BATCH:
            _mark(Space, Session, codec, batch)
            batch = []
    _mark(Space, Session, codec, batch)


def _mark(Space, Session, codec, batch) -> None:
    if not batch:
        return
    guests = Space.objects.filter(id__in={space_id for _, _, space_id in batch}, user=None)
    last_saved = dict(guests.values_list("id", "last_saved"))
    Space.objects.filter(id__in=list(last_saved)).update(visit_only=True)
    changed = []
    for session, data, space_id in batch:
        saved = last_saved.get(space_id)
        if saved is None:
            continue
        data[VISIT_TOUCHED_KEY] = int(saved.astimezone(UTC).timestamp())
        session.session_data = codec.encode(data)
        changed.append(session)
    Session.objects.bulk_update(changed, ["session_data"], batch_size=200)


class Migration(migrations.Migration):
    # Not in one transaction: row locks last one batch, and a failure part-way leaves rows
    # that are right as they are (running it again does the rest).
    atomic = False

    dependencies = [
        ("sessions", "0001_initial"),
        ("spaces", "0004_visit_only"),
    ]

    operations = [
        migrations.RunPython(mark_visit_only, migrations.RunPython.noop, elidable=True),
    ]
