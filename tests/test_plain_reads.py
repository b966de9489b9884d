"""The hot reads written as plain SQL (attachment_guide.db.plain) return what the ORM returns.

Every lesson page and autosave depends on them, so each is compared with the ORM query it
replaced, on whichever database the suite runs against (CI runs SQLite and PostgreSQL).
"""

from __future__ import annotations

import gc
import threading
import uuid
import weakref
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attachment_guide.db.plain import fetch, prep, update
from attachment_guide.journal.models import Entry
from attachment_guide.journal.services import answers_for_prompts
from attachment_guide.sessions import SessionStore
from attachment_guide.spaces.services import space_new
from lessons.content import get_catalog
from lessons.models import LessonProgress
from lessons.views import lesson_progress

pytestmark = pytest.mark.django_db


def values(entry: Entry) -> dict:
    return {field.attname: getattr(entry, field.attname) for field in Entry._meta.concrete_fields}


def test_answers_are_the_orm_s_entries_field_for_field_newest_first():
    lesson = get_catalog().lessons[0]
    prompt_ids = [prompt.id for prompt in lesson.prompts]
    space, stranger = space_new(), space_new()
    start = timezone.now() - timedelta(days=3)
    for n, prompt_id in enumerate(prompt_ids * 2):
        Entry.objects.create(
            space=space,
            prompt_id=prompt_id,
            body="" if n == 0 else f"Answer {n}, with ünïcode & <markup>",
            created=start + timedelta(hours=n),
            version=n + 1,
            last_writer=f"page{n}",
            last_seq=2**40 + n,
        )
    Entry.objects.create(space=stranger, prompt_id=prompt_ids[0], body="Not yours")
    Entry.objects.create(space=space, prompt_id="", body="Free writing")

    answers = answers_for_prompts(space_id=space.id, prompt_ids=prompt_ids)

    expected = list(
        Entry.objects.filter(space=space, prompt_id__in=prompt_ids).order_by("-created")
    )
    for prompt_id in prompt_ids:
        theirs = [entry for entry in expected if entry.prompt_id == prompt_id]
        assert values(answers[prompt_id].current) == values(theirs[0])
        assert [values(e) for e in answers[prompt_id].earlier] == [
            values(e) for e in theirs[1:] if e.body
        ]
    first = answers[prompt_ids[0]].current
    assert first.body == f"Answer {len(prompt_ids)}, with ünïcode & <markup>"  # decrypted
    assert isinstance(first.id, uuid.UUID) and isinstance(first.space_id, uuid.UUID)
    assert first.created.tzinfo is not None and first.last_seq == 2**40 + len(prompt_ids)
    # Saved and read back through the ORM, it is the same row.
    first.body = "Changed"
    first.save()
    assert Entry.objects.get(id=first.id).body == "Changed"


def test_answers_are_read_through_the_prompt_index_alone():
    """The answers read takes only these prompts' rows, newest first, from the
    (space, prompt, -created) index: not a walk through every entry of the space, which a
    reader with much free writing made slow."""
    lesson = get_catalog().lessons[0]
    prompt_ids = [prompt.id for prompt in lesson.prompts]
    space = space_new()
    # A reader with much free writing, as the benchmark's: what made the old read slow.
    writing = [Entry(space=space, prompt_id="", body="Text") for _ in range(300)]
    Entry.objects.bulk_create([*writing, *(Entry(space=space, prompt_id=p) for p in prompt_ids)])
    with CaptureQueriesContext(connection) as queries:
        answers_for_prompts(space_id=space.id, prompt_ids=prompt_ids)
    sql = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # no statistics: the plan is fixed by the query
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "TEMP B-TREE" not in plan  # the index gives the order: nothing to sort
        else:
            # PostgreSQL plans from statistics: given this table's, and asked for an index
            # (it reads a table this small whole), it takes the prompt index.
            cursor.execute("ANALYZE journal_entry")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plan = " ".join(str(row[0]) for row in cursor.fetchall())
    assert "entry_space_prompt" in plan, plan


def test_answers_of_nobody_and_of_no_prompt_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert answers_for_prompts(space_id=None, prompt_ids=["a"])["a"].current is None
        assert answers_for_prompts(space_id=uuid.uuid4(), prompt_ids=[]) == {}


def test_progress_is_read_for_this_space_and_lesson_only():
    first, second = get_catalog().lessons[:2]
    space, stranger = space_new(), space_new()
    LessonProgress.objects.create(
        space=space, module_slug=first.module_slug, lesson_slug=first.slug, done=True
    )
    LessonProgress.objects.create(
        space=stranger, module_slug=second.module_slug, lesson_slug=second.slug
    )

    assert lesson_progress(space.id, first).done is True
    assert lesson_progress(space.id, second) is None
    assert lesson_progress(stranger.id, second).done is False
    assert lesson_progress(None, first) is None


def test_fetch_locks_the_rows_where_the_database_can():
    entry = Entry.objects.create(space=space_new(), prompt_id="p", body="Text")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        found = fetch(Entry, "id = %s", [prep(Entry, "id", entry.id)], for_update=True)
    assert [e.id for e in found] == [entry.id]
    locked = queries.captured_queries[-1]["sql"].endswith("FOR UPDATE")
    assert locked == connection.features.has_select_for_update


def test_update_writes_encrypted_text_the_orm_reads_back():
    entry = Entry.objects.create(space=space_new(), prompt_id="p", body="Before")
    entry.body, entry.version, entry.last_seq = "After, privately", 2, 7
    update(entry, ["body", "version", "last_seq"])

    again = Entry.objects.get(id=entry.id)
    assert (again.body, again.version, again.last_seq) == ("After, privately", 2, 7)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {Entry._meta.db_table}")
        assert "After" not in cursor.fetchone()[0]


def test_each_update_writes_only_its_own_fields_however_often_made():
    """Statements are kept per connection and list of fields: a second list gets its own."""
    entry = Entry.objects.create(space=space_new(), prompt_id="p", body="Kept", version=1)
    for version in (2, 3):
        entry.body, entry.version = "Not written", version
        update(entry, ["version"])
        again = Entry.objects.get(id=entry.id)
        assert (again.body, again.version) == ("Kept", version)
    entry.body, entry.last_seq = "Written", 9
    update(entry, ["body", "last_seq"])
    again = Entry.objects.get(id=entry.id)
    assert (again.body, again.version, again.last_seq) == ("Written", 3, 9)


def test_update_of_a_row_that_is_gone_fails_as_the_orm_does():
    entry = Entry.objects.create(space=space_new(), prompt_id="p", body="Text")
    Entry.objects.filter(id=entry.id).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update(entry, ["body"])


def test_fields_load_onto_their_own_attributes_in_any_order_and_by_either_name():
    space = space_new()
    row = LessonProgress.objects.create(
        space=space, module_slug="m", lesson_slug="l", done=True, section="intro"
    )
    for fields in [("done", "id"), ("id", "space", "done"), ("section", "space_id", "id")]:
        (got,) = fetch(
            LessonProgress, "id = %s", [prep(LessonProgress, "id", row.id)], fields=fields
        )
        orm = LessonProgress.objects.only(*fields).get(id=row.id)
        loaded = sorted(got.get_deferred_fields() ^ orm.get_deferred_fields())
        assert loaded == [], fields
        for name in ("id", "space_id", "done", "section"):
            if name not in got.get_deferred_fields():
                assert repr(getattr(got, name)) == repr(getattr(orm, name)), (fields, name)
    with pytest.raises(ValueError, match="no field"):
        fetch(LessonProgress, "id = %s", [row.id], fields=("id", "nonsense"))


@pytest.mark.django_db(transaction=True)
def test_a_locking_fetch_outside_a_transaction_is_refused_where_the_orm_refuses_it():
    """The lock would end at once: PostgreSQL refuses; SQLite has no row locks to take."""
    entry = Entry.objects.create(space=space_new(), prompt_id="p", body="Text")

    def refused(read) -> bool:
        try:
            read()
        except TransactionManagementError:
            return True
        return False

    by_orm = refused(lambda: list(Entry.objects.select_for_update().filter(id=entry.id)))
    by_plain = refused(
        lambda: fetch(Entry, "id = %s", [prep(Entry, "id", entry.id)], for_update=True)
    )
    assert by_plain == by_orm == connection.features.has_select_for_update


class ReadsFromAReplica:
    def db_for_read(self, model, **hints):
        return "replica"

    def db_for_write(self, model, **hints):
        return "default"


def test_a_locking_fetch_asks_the_database_that_takes_writes(settings):
    entry = Entry.objects.create(space=space_new(), prompt_id="p", body="Text")
    settings.DATABASE_ROUTERS = [ReadsFromAReplica()]  # no "replica": reading there fails
    with transaction.atomic():
        found = fetch(Entry, "id = %s", [prep(Entry, "id", entry.id)], for_update=True)
    assert [e.id for e in found] == [entry.id]


@pytest.mark.django_db(transaction=True)
def test_statements_kept_for_a_connection_go_with_it():
    """runserver and the browser tests' server open a connection a request, in a thread
    of its own: what fetch keeps for a connection must not keep it alive once closed."""
    closed = []

    def one_request():
        fetch(Entry, "id = %s", [prep(Entry, "id", uuid.uuid4())])
        closed.append(weakref.ref(connections["default"]))
        connections.close_all()

    for _ in range(5):
        thread = threading.Thread(target=one_request)
        thread.start()
        thread.join()
    gc.collect()
    assert len(closed) == 5 and all(ref() is None for ref in closed)


def test_the_save_allowance_statement_is_kept_by_the_connection_not_its_proxy():
    """`django.db.connection` is one proxy for every thread's connection: a statement kept
    on it would outlive the connection and be shared between threads."""
    from attachment_guide.spaces.services import space_save_allowed

    space = space_new()
    assert space_save_allowed(space) and space_save_allowed(space)
    assert "_plain_statements" not in vars(connection)
    assert "space_save_allowed" in vars(connections["default"])["_plain_statements"]
    space.refresh_from_db()
    assert space.save_count == 2


# --- Sessions ---------------------------------------------------------------------------------


def test_the_session_engine_is_the_plain_one():
    assert settings.SESSION_ENGINE == "attachment_guide.sessions"


def test_a_session_loads_what_django_s_own_store_saved():
    saved = DjangoSessionStore()
    saved["space_id"], saved["n"] = "abc", [1, "two"]
    saved.create()

    session = SessionStore(saved.session_key)
    assert dict(session.items()) == {"space_id": "abc", "n": [1, "two"]}
    assert session.session_key == saved.session_key


@pytest.mark.parametrize("key", ["unknown-key-12345", None])
def test_an_unknown_session_is_empty_and_gets_a_new_key_when_saved(key):
    session = SessionStore(key)
    assert dict(session.items()) == {}
    session["x"] = 1
    session.save()
    assert session.session_key not in (None, key)
    assert SessionStore(session.session_key)["x"] == 1


def test_an_expired_session_is_empty_and_is_not_revived():
    saved = SessionStore()
    saved["space_id"] = "abc"
    saved.create()
    Session.objects.filter(session_key=saved.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    session = SessionStore(saved.session_key)
    assert session.get("space_id") is None
    session["x"] = 1
    session.save()
    assert session.session_key != saved.session_key
