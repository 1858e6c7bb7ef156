"""Django's SQLite backend, with the threads of one process queueing for the write lock.

SQLite allows one writer at a time; our transactions begin IMMEDIATE, so a second writer
waits in SQLite's busy handler, which *sleeps and retries* (1, 2, 5, 10 … 100 ms). Under the
upstream 110 system's load the four request threads of a server spent most of their time in
those sleeps (p50 over 200 ms at 230 alerts/s). Here the threads of a process first take a
Python lock, which hands over the moment the holder commits; only writers in *other*
processes still meet the busy handler. Reads never take it.

Checkpoints move too. By default the transaction whose commit pushes the write-ahead log past
1,000 pages copies it back into the database and syncs the file — under the write lock, so
every writer of every process stalls behind a disk sync every few dozen alerts. Here each
process runs a checkpointer thread that does a PASSIVE checkpoint every second, which neither
takes nor waits for the write lock; commits only append to the log. The automatic checkpoint
stays on, at a larger size, as a safety net if the thread cannot keep up.
"""

from __future__ import annotations

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


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        _ensure_checkpointer(str(conn_params.get("database", "")))
        return conn

    def take_write_turn(self) -> None:
        """This process's write turn, released by the commit or rollback that ends the transaction
        (also for code that begins its transaction on the raw connection, like the ledger)."""
        # Uncontended, the turn is free: a non-blocking acquire is the cheap common case.
        if not _write_lock.acquire(blocking=False):
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))
            if not _write_lock.acquire(timeout=timeout):
                raise OperationalError(f"database is locked: no write turn within {timeout:.0f} s")
        self._holds_write_lock = True

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
