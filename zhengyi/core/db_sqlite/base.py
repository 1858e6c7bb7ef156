"""Django's SQLite backend, with the threads of one process queueing for the write lock.

SQLite allows one writer at a time; our transactions begin IMMEDIATE, so a second writer
waits in SQLite's busy handler, which *sleeps and retries* (1, 2, 5, 10 … 100 ms). Under the
upstream 110 system's load the four request threads of a server spent most of their time in
those sleeps (p50 over 200 ms at 230 alerts/s). Here the threads of a process first take a
Python lock, which hands over the moment the holder commits; then, for writers in other
processes (granian's workers), an advisory lock on a file next to the database, which hands
over as soon as it is released instead of on SQLite's next retry. Reads never take either.

Checkpoints move too. By default the transaction whose commit pushes the write-ahead log past
1,000 pages copies it back into the database and syncs the file — under the write lock, so
every writer of every process stalls behind a disk sync every few dozen alerts. Here each
process runs a checkpointer thread that does a PASSIVE checkpoint every second, which neither
takes nor waits for the write lock; commits only append to the log. The automatic checkpoint
stays on, at a larger size, as a safety net if the thread cannot keep up.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import logging
import os
import sqlite3
import threading
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

log = logging.getLogger(__name__)

_write_lock = threading.Lock()
CHECKPOINT_EVERY = 1.0
AUTOCHECKPOINT_PAGES = 20_000  # ~80 MB of log before a commit checkpoints by itself
_checkpointers: dict[tuple[int, str], threading.Thread] = {}
_turn_files: dict[tuple[int, str], int] = {}  # (pid, database) → descriptor of its lock file
_TURN_POLL = (0.0001, 0.0005)  # first and longest pause while another process writes
_checkpointers_lock = threading.Lock()


def _checkpoint_loop(path: str) -> None:
    try:
        conn = sqlite3.connect(path, timeout=1, isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return
    try:
        while os.path.exists(path):
            time.sleep(CHECKPOINT_EVERY)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error as exc:  # a busy or vanished database: try again later
                log.debug("checkpoint of %s skipped: %s", path, exc)
    finally:
        conn.close()


def _ensure_checkpointer(path: str) -> None:
    """One checkpointer thread per database file per process (a forked worker starts its own)."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    key = (os.getpid(), path)
    with _checkpointers_lock:
        thread = _checkpointers.get(key)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(
                target=_checkpoint_loop, args=(path,), name="sqlite-checkpoint", daemon=True
            )
            _checkpointers[key] = thread
            thread.start()


_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _turn_file(path: str) -> int | None:
    """This process's descriptor of the database's write-turn file (None for in-memory databases).

    Opened per process: a descriptor inherited across granian's fork would share one lock
    between parent and child, and so exclude nobody.
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    key = (_pid, path)
    fd = _turn_files.get(key)
    if fd is None:
        fd = os.open(f"{path}-writeturn", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        _turn_files[key] = fd
    return fd


def _try_lock(fd: int) -> bool:
    """The advisory lock if it is free now (the common case: no other process is writing)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


def _lock_across_processes(fd: int, timeout: float) -> bool:
    """Take the advisory lock, polling briefly: flock() cannot time out, SQLite's lock would."""
    deadline = time.monotonic() + timeout
    pause = _TURN_POLL[0]
    while True:
        if _try_lock(fd):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, _TURN_POLL[1])


@functools.lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class _Cursor(base.SQLiteCursorWrapper):
    """Django's cursor, remembering its conversion of each statement's placeholders: a
    group commit's multi-row INSERT has hundreds, and the regular expression over them cost
    as much as the statement's execution. The same statements recur, so they are converted
    once."""

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)  # type: ignore[misc]


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False
    _turn_fd: int | None = None
    _turn_pid = 0
    _turn_name: object = None

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        # Statements recur by the hundred (a group commit's INSERT for each size of batch):
        # sqlite3 keeps 128 compiled by default.
        conn = super().get_new_connection({"cached_statements": 512, **conn_params})
        conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        _ensure_checkpointer(str(conn_params.get("database", "")))
        return conn

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=_Cursor)

    def take_write_turn(self) -> None:
        """This process's write turn, released by the commit or rollback that ends the transaction
        (also for code that begins its transaction on the raw connection, like the ledger)."""
        # Uncontended, the turn is free: a non-blocking acquire is the cheap common case.
        if not _write_lock.acquire(blocking=False) and not _write_lock.acquire(timeout=self._turn_timeout()):
            raise OperationalError(f"database is locked: no write turn within {self._turn_timeout():.0f} s")
        # The descriptor, looked up once per connection and process (the ledger's durable
        # appends take a turn each: DESIGN §7 holds them to half of SQLite's bare insert rate).
        name = self.settings_dict["NAME"]  # the test runner points a connection at another file
        if self._turn_pid != _pid or self._turn_name is not name:
            self._turn_fd, self._turn_pid, self._turn_name = _turn_file(str(name)), _pid, name
        fd = self._turn_fd
        # Free (no other process writing) is the common case: no deadline to work out then.
        if fd is not None and not _try_lock(fd) and not _lock_across_processes(fd, self._turn_timeout()):
            _write_lock.release()
            raise OperationalError(
                f"database is locked: another process kept the write turn for {self._turn_timeout():.0f} s"
            )
        self._holds_write_lock = True

    def _turn_timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))

    def _start_transaction_under_autocommit(self) -> None:
        self.take_write_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            try:
                if self._turn_fd is not None:
                    fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
            finally:
                _write_lock.release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()
