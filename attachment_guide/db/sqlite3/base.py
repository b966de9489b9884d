"""Django's SQLite backend, with writers queued by the operating system instead of polling.

SQLite lets one writer in at a time. A second writer's BEGIN IMMEDIATE fails with "busy" and
SQLite's busy handler sleeps and tries again, backing off to 100 ms naps, so under many
autosaves a writer often sleeps long after the lock came free (`make bench` showed autosave
p99 over a second). Here each write transaction first takes an exclusive `flock` on a file
beside the database: waiters block in the kernel and the next one wakes as soon as the lock
is let go, across threads and gunicorn's worker processes alike. Reads never take it (WAL
lets them run beside the writer). Writes outside a transaction still meet the busy handler,
as before.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queue_pid = 0
    _queued = False

    def _start_transaction_under_autocommit(self) -> None:
        if not self.is_in_memory_db():
            # A file opened before a fork is shared with the child, and so is its lock: each
            # process (and each connection, one per thread) opens its own.
            if self._queue_fd is None or self._queue_pid != os.getpid():
                path = f"{self.settings_dict['NAME']}-writers"
                self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                self._queue_pid = os.getpid()
            fcntl.flock(self._queue_fd, fcntl.LOCK_EX)
            self._queued = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

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
            if self._queue_fd is not None and self._queue_pid == os.getpid():
                os.close(self._queue_fd)
            self._queue_fd = None

    def _leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
