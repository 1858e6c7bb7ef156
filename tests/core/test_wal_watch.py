"""The wal-index watch: the same bytes exactly while nothing commits, other bytes after any
commit from any connection, and no watch where there is no wal-index to read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from zhengyi.core.db_sqlite import wal_watch


def _wal_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    return conn


def test_the_mark_changes_with_every_commit_and_only_then(tmp_path: Path) -> None:
    writer = _wal_database(tmp_path / "db.sqlite3")
    watch = wal_watch.WalWatch(tmp_path / "db.sqlite3")
    before = watch.header()
    assert before is not None and len(before) == wal_watch.HEADER_SIZE
    reader = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert watch.header() == before  # reads commit nothing
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    assert watch.header() == before  # not committed yet: nobody else can see it
    writer.execute("COMMIT")
    after = watch.header()
    assert after is not None and after != before
    writer.execute("BEGIN")
    writer.execute("INSERT INTO t VALUES (2)")
    writer.execute("ROLLBACK")
    assert watch.header() == after  # a rolled-back transaction leaves the mark alone
    writer.execute("INSERT INTO t VALUES (3)")
    assert watch.header() not in (before, after)
    # A checkpoint that copies the log back and restarts it changes nothing readers see, but
    # the mark may move; what matters is that a commit after it moves it again.
    writer.execute("PRAGMA wal_checkpoint(RESTART)")
    settled = watch.header()
    writer.execute("INSERT INTO t VALUES (4)")
    assert watch.header() != settled


def test_a_torn_header_is_no_answer(tmp_path: Path) -> None:
    _wal_database(tmp_path / "db.sqlite3")
    good = wal_watch.WalWatch(tmp_path / "db.sqlite3").header()
    assert good is not None and wal_watch.header_of(good * 2) == good
    torn = bytearray(good * 2)
    torn[wal_watch.HEADER_SIZE + 16] ^= 1  # a writer has rewritten the second copy only
    assert wal_watch.header_of(bytes(torn)) is None
    unset = bytearray(good * 2)
    unset[12] = unset[wal_watch.HEADER_SIZE + 12] = 0  # isInit clear: not set up yet
    assert wal_watch.header_of(bytes(unset)) is None


def test_threads_asking_at_once_share_one_watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from tests.threads_support import run_together

    _wal_database(tmp_path / "db.sqlite3")
    slow_init = wal_watch.WalWatch.__init__

    def slow(self: wal_watch.WalWatch, database: str | Path) -> None:
        time.sleep(0.05)  # every thread is inside at once unless they queue
        slow_init(self, database)

    monkeypatch.setattr(wal_watch.WalWatch, "__init__", slow)
    found: dict[int, object] = {}

    def ask(i: int) -> None:
        found[i] = wal_watch.watch(tmp_path / "db.sqlite3")

    run_together(ask, 8)
    assert len(found) == 8 and found[0] is not None and all(w is found[0] for w in found.values())


def test_no_watch_without_a_wal_index(tmp_path: Path) -> None:
    rollback = sqlite3.connect(tmp_path / "journal.sqlite3")
    rollback.execute("CREATE TABLE t (x)")
    rollback.commit()
    assert wal_watch.watch(tmp_path / "journal.sqlite3") is None  # a rollback journal has none
    assert wal_watch.watch(tmp_path / "absent.sqlite3") is None
    assert not (tmp_path / "absent.sqlite3").exists()  # asking made no database
    assert wal_watch.watch(":memory:") is None
    _wal_database(tmp_path / "db.sqlite3")
    found = wal_watch.watch(tmp_path / "db.sqlite3")
    assert found is not None and wal_watch.watch(tmp_path / "db.sqlite3") is found  # one per process


def test_a_forked_process_opens_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _wal_database(tmp_path / "db.sqlite3")
    parent = wal_watch.watch(tmp_path / "db.sqlite3")
    assert parent is not None
    monkeypatch.setattr(wal_watch.os, "getpid", lambda: parent.pid + 1)
    child = wal_watch.watch(tmp_path / "db.sqlite3")
    assert child is not None and child is not parent
    assert parent in wal_watch._inherited  # kept, never closed in the child
