"""Django's SQLite backend, with writers taking turns on a lock file instead of SQLite's naps.

SQLite lets one writer in at a time. A second writer's BEGIN IMMEDIATE fails with "busy" and
SQLite's busy handler sleeps and tries again, backing off to 100 ms naps, so under many
autosaves a writer often sleeps long after the lock came free (`make bench` showed autosave
p99 over a second). Here each write transaction first takes an exclusive `flock` on a file
beside the database, across threads and gunicorn's worker processes alike: free, it is taken
at once; busy, the writer checks again within a few milliseconds, and gives up with "database
is locked" after the database's `timeout`, as SQLite itself would. Reads never take it (WAL
lets them run beside the writer). Writes outside a transaction still meet the busy handler.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import sqlite3
import time
import weakref

from django.db.backends.sqlite3 import base

# Waits between tries for a busy lock: short, since a transaction here takes milliseconds.
_NAPS = (0.0005, 0.001, 0.002, 0.003)


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queue_pid = 0
    _queue_closer: weakref.finalize | None = None
    _queued = False

    def _start_transaction_under_autocommit(self) -> None:
        if not self.is_in_memory_db():
            self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _take_turn(self) -> None:
        # A file opened before a fork is shared with the child, and so is its lock: each
        # process (and each connection, one per thread) opens its own. It is closed with the
        # connection, or when a connection dropped without closing is collected.
        if self._queue_fd is None or self._queue_pid != os.getpid():
            path = f"{self.settings_dict['NAME']}-writers"
            self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            self._queue_pid = os.getpid()
            self._queue_closer = weakref.finalize(self, os.close, self._queue_fd)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        for attempt in itertools.count():
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    with self.wrap_database_errors:
                        raise sqlite3.OperationalError("database is locked") from None
                time.sleep(_NAPS[min(attempt, len(_NAPS) - 1)])
        self._queued = True

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._leave_queue()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._leave_queue()
            if self._queue_closer is not None and self._queue_pid == os.getpid():
                self._queue_closer()  # closes the file once, however often this runs
            self._queue_fd = self._queue_closer = None

    def _leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
