"""Many writers at once on a file SQLite database: no "database is locked", no lost write."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space

ROOT = Path(__file__).resolve().parent.parent
WORKERS, SAVES = 8, 100


def database_env() -> dict[str, str]:
    """Point the worker processes at this test run's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"DJANGO_SQLITE_PATH": str(db["NAME"])}
    return {
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    }


@pytest.mark.django_db(transaction=True)
def test_eight_processes_saving_a_hundred_times_lose_nothing():
    shared = Entry.objects.create(space=Space.objects.create(), prompt_id="", body="start")
    env = {**os.environ, **database_env()}

    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.save_worker", str(n), str(SAVES), str(shared.id)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert [r["errors"] for r in results] == [[]] * WORKERS
    for number, result in enumerate(results):
        own = Entry.objects.get(id=result["own"])
        assert (own.body, own.version) == (f"worker {number} save {SAVES - 1}", SAVES)
    shared.refresh_from_db()
    landed = sum(r["landed"] for r in results)
    # Every save that was told "saved" raised the version once; none vanished.
    assert shared.version == 1 + landed
    assert landed + sum(r["conflicts"] for r in results) == WORKERS * SAVES
    assert landed > 0


@pytest.mark.django_db
def test_the_database_is_set_up_for_durable_concurrent_writes():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL
            assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
            assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_in_line_while_readers_carry_on():
    """attachment_guide/db/sqlite3: on SQLite, writers queue on a lock file instead of polling.
    On either database both writes land and a reader never waits for a writer."""
    import fcntl
    import threading

    from django.db import connections, transaction

    sqlite = connection.vendor == "sqlite"  # PostgreSQL lets both write at once: no queue
    space = Space.objects.create()
    inside, release, second_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                Entry.objects.create(space=space, prompt_id="first", body="first")
                inside.set()
                release.wait(10)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            inside.wait(10)
            with transaction.atomic():
                Entry.objects.create(space=space, prompt_id="", body="second")
            second_done.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert inside.wait(10)
    if sqlite:
        assert not second_done.wait(0.3)  # in line behind the first
        queue = os.open(f"{connection.settings_dict['NAME']}-writers", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):  # held by the first writer, in the kernel
                fcntl.flock(queue, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(queue)
    # A reader is not held up, and sees nothing uncommitted.
    assert not Entry.objects.filter(prompt_id="first").exists()
    release.set()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert sorted(e.body for e in Entry.objects.all()) == ["first", "second"]
    if sqlite:
        writer_gives_up_after_the_timeout()
        dropped_connections_leave_no_open_files()


def writer_gives_up_after_the_timeout() -> None:
    """Queued behind a writer that never finishes, a writer says "database is locked" after
    the database's `timeout`, as SQLite would, instead of waiting for ever."""
    import fcntl

    from django.db import OperationalError, transaction

    options = connection.settings_dict["OPTIONS"]
    queue = os.open(f"{connection.settings_dict['NAME']}-writers", os.O_RDWR)
    timeout, options["timeout"] = options["timeout"], 0.2
    try:
        fcntl.flock(queue, fcntl.LOCK_EX)  # another writer holds its turn
        with (
            pytest.raises(OperationalError, match="database is locked"),
            transaction.atomic(),
        ):
            Space.objects.create()
    finally:
        options["timeout"] = timeout
        os.close(queue)
    with transaction.atomic():  # the turn is free again, and nothing is stuck
        Space.objects.create()


def dropped_connections_leave_no_open_files() -> None:
    """A connection whose thread ended without closing it lets go of its turn file."""
    import gc
    import threading

    from django.db import transaction

    def write() -> None:
        with transaction.atomic():
            Space.objects.create()

    def turn_files() -> int:
        names = []
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):  # closed while listing
                names.append(os.readlink(f"/proc/self/fd/{fd}"))
        return sum(name.endswith("-writers") for name in names)

    before = turn_files()
    for _ in range(20):
        thread = threading.Thread(target=write)
        thread.start()
        thread.join(10)
    gc.collect()
    assert turn_files() <= before + 1


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_the_deletion_of_its_space_cannot_deadlock():
    """A save locks its space (counting the save) and then its entry; deleting a space locks
    the space first too (spaces_delete). In the other order PostgreSQL would abort one."""
    import threading
    import time

    from django.db import connections, transaction

    from attachment_guide.journal.services import entry_save
    from attachment_guide.spaces.services import space_save_allowed, spaces_delete

    space = Space.objects.create()
    entry = Entry.objects.create(space=space, prompt_id="", body="x")
    counted = threading.Event()
    errors: dict[str, BaseException] = {}

    def save() -> None:  # the order journal/views.py `_save` takes its locks
        try:
            with transaction.atomic():
                space_save_allowed(space)
                counted.set()
                time.sleep(0.5)  # the deletion starts meanwhile
                entry_save(space=space, prompt_id="", body="y", entry_id=entry.id, base_version=1)
        except BaseException as exc:
            errors["save"] = exc
        finally:
            connections.close_all()

    def delete() -> None:
        counted.wait(10)
        try:
            spaces_delete(Space.objects.filter(id=space.id))
        except BaseException as exc:
            errors["delete"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == {}
    assert not Space.objects.exists() and not Entry.objects.exists()
