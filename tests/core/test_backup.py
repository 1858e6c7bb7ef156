"""Backups of the embedded database: a consistent copy made while it is written to; a restore
that refuses anything damaged or altered, will not overwrite unasked or roll the published log
back, and ends with the rows and the ledger as they were."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from zhengyi.core import backup

ROOT = Path(__file__).resolve().parents[2]


def _database(path: Path, rows: int = 50) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.execute("CREATE TABLE ledger_entry (idx INTEGER PRIMARY KEY, data BLOB)")
    conn.execute("CREATE TABLE ledger_checkpoint (size INTEGER, root BLOB)")
    conn.execute("CREATE TABLE ledger_loghead (id INTEGER PRIMARY KEY, log_id TEXT)")
    conn.execute("INSERT INTO ledger_loghead VALUES (1, 'log-a')")
    conn.executemany("INSERT INTO ledger_entry VALUES (?, ?)", [(i, b"e%d" % i) for i in range(7)])
    conn.execute("INSERT INTO ledger_checkpoint VALUES (7, ?)", [bytes(range(32))])
    conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(rows)])
    conn.close()
    return path


def test_a_backup_made_while_writing_is_a_consistent_copy(tmp_path: Path) -> None:
    db = _database(tmp_path / "live.sqlite3")
    stop = threading.Event()

    def write() -> None:
        conn = sqlite3.connect(db, isolation_level=None, timeout=10)
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO t VALUES (?)", [(1,)] * 100)
            conn.execute("COMMIT")
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        manifest = backup.make(db, tmp_path / "b.zip")
    finally:
        stop.set()
        writer.join()
    c = manifest.contents
    assert c.tables["t"] >= 50 and (c.tables["t"] - 50) % 100 == 0  # whole transactions only
    assert (c.ledger_size, c.checkpoint_size, c.log_id) == (7, 7, "log-a")
    assert c.checkpoint_root == bytes(range(32)).hex()
    checked, copy = backup.unpack(tmp_path / "b.zip", tmp_path)
    assert checked == manifest and backup.describe(copy) == c
    assert not (tmp_path / "b.zip.partial").exists()


def _rezip(
    src: Path, dst: Path, *, manifest: dict[str, object] | None = None, data: bytes | None = None
) -> None:
    with zipfile.ZipFile(src) as z:
        m, d = z.read(backup.MANIFEST), z.read(backup.DATABASE)
    with zipfile.ZipFile(dst, "w") as z:
        z.writestr(backup.MANIFEST, json.dumps(manifest) if manifest is not None else m)
        z.writestr(backup.DATABASE, data if data is not None else d)


def test_a_damaged_or_altered_backup_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    db = _database(tmp_path / "live.sqlite3")
    good = tmp_path / "good.zip"
    made = backup.make(db, good)
    target = _database(tmp_path / "target.sqlite3", rows=3)
    before = target.read_bytes()
    with zipfile.ZipFile(good) as z:
        data = bytearray(z.read(backup.DATABASE))
    data[len(data) // 2] ^= 0xFF
    _rezip(good, tmp_path / "flipped.zip", data=bytes(data))
    counts = made.as_json()
    counts["tables"] = {**made.contents.tables, "t": made.contents.tables["t"] + 1}  # type: ignore[dict-item]
    _rezip(good, tmp_path / "recounted.zip", manifest=counts)
    (tmp_path / "cut.zip").write_bytes(good.read_bytes()[:1000])
    for bad, reason in (
        ("flipped.zip", "not the one its manifest describes"),
        ("recounted.zip", "do not match the manifest"),
        ("cut.zip", "not a whole backup"),
    ):
        with pytest.raises(backup.BackupError, match=reason):
            backup.restore(tmp_path / bad, target, replace=True)
        assert target.read_bytes() == before, bad
    assert sorted(p.name for p in tmp_path.iterdir() if "before-restore" in p.name) == []


def test_restore_will_not_overwrite_unasked_nor_roll_the_log_back(tmp_path: Path) -> None:
    made = backup.make(_database(tmp_path / "live.sqlite3"), tmp_path / "b.zip")
    target = _database(tmp_path / "target.sqlite3", rows=3)
    with pytest.raises(backup.BackupError, match="--replace"):
        backup.restore(tmp_path / "b.zip", target)
    with pytest.raises(backup.BackupError, match="roll the public log back"):
        backup.restore(
            tmp_path / "b.zip", target, signed=lambda log: 9 if log == "log-a" else 0, replace=True
        )
    assert backup.describe(target).tables["t"] == 3
    manifest, kept = backup.restore(tmp_path / "b.zip", target, signed=lambda log: 7, replace=True)
    assert manifest == made and kept is not None and backup.describe(kept).tables["t"] == 3
    assert backup.describe(target) == made.contents
    fresh = tmp_path / "new" / "zhengyi.sqlite3"
    fresh.parent.mkdir()
    assert backup.restore(tmp_path / "b.zip", fresh)[1] is None  # nothing was there


def _zhengyi(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "ZHENGYI_", "DATABASE_URL"))}
    env.update(ZHENGYI_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="zhengyi.settings")
    return subprocess.run(
        [sys.executable, "-m", "zhengyi.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the embedded database only (SQLite)")
def test_backup_and_restore_commands_end_with_the_ledger_verified(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _zhengyi(data, "migrate", "--noinput", "-v0").returncode == 0
    write = (
        "from zhengyi.ledger.services import log; "
        "[log.record('handling_standard', {'station': 'FT', 'version': i, 'effective_from': '2026-11-30', "
        "'rules': [], 'rules_sha256': 'x'}) for i in range(3)]; "
        "log.sign_checkpoint()"
    )
    done = _zhengyi(data, "shell", "-c", write)
    assert done.returncode == 0, done.stderr
    done = _zhengyi(data, "backup", str(tmp_path / "b.zip"))
    assert done.returncode == 0 and "ledger 3 entries" in done.stdout, done.stderr
    assert _zhengyi(data, "backup", str(tmp_path / "b.zip")).returncode != 0  # never overwrites a backup
    refused = _zhengyi(data, "restore", str(tmp_path / "b.zip"))
    assert refused.returncode != 0 and "--replace" in refused.stderr
    # A process that has the database open (as a running server has): refused, nothing changed.
    server = sqlite3.connect(data / "zhengyi.sqlite3")
    server.execute("SELECT count(*) FROM ledger_entry").fetchone()
    busy = _zhengyi(data, "restore", str(tmp_path / "b.zip"), "--replace")
    server.close()
    assert busy.returncode != 0 and "open in another process" in busy.stderr
    assert not list(data.glob("*.before-restore-*"))
    done = _zhengyi(data, "restore", str(tmp_path / "b.zip"), "--replace")
    assert done.returncode == 0, done.stderr
    assert "ledger verified: 3 entries" in done.stdout
    # A log extended and signed after the backup: restoring the backup would roll it back.
    assert _zhengyi(data, "shell", "-c", write).returncode == 0
    refused = _zhengyi(data, "restore", str(tmp_path / "b.zip"), "--replace")
    assert refused.returncode != 0 and "roll the public log back" in refused.stderr
    shutil.rmtree(data)


@pytest.mark.django_db
def test_the_backup_command_on_this_database(tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command
    from django.db import connection

    out = tmp_path / "b.zip"
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="pg_dump"):
            call_command("backup", str(out))
        assert not out.exists()
        return
    call_command("backup", str(out))
    manifest, _copy = backup.unpack(out, tmp_path)
    assert manifest.contents.tables.get("django_migrations", 0) > 0
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(out))
