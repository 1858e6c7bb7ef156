"""Backups of the embedded SQLite database, and their restore — to the same rows, checked.

A backup is one ZIP: ``zhengyi.sqlite3``, a consistent copy taken with SQLite's online backup
(the server keeps running and writing while it is made), and ``manifest.json``: the file's
SHA-256 and size, every table's row count, and the ledger's size and newest signed checkpoint
at that moment. A restore refuses a damaged or altered file (digest, size, SQLite's own
integrity check, every count), refuses to put a database over another unless told to (the
old one is then kept beside it), and refuses a backup older than the newest checkpoint this
server has already signed — that would roll the public log back (docs/ledger.md).

Pure: paths in, paths out, no Django; ``zhengyi backup`` / ``zhengyi restore`` wire it to the
settings. Keys are not in a backup: ``ledger.key`` and ``secret_key`` are kept apart from the
database (docs/production.md, "Backups").
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = "zhengyi-backup/1"
DATABASE = "zhengyi.sqlite3"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """What is wrong with a backup or a restore, in a sentence that says what to do."""


@dataclass(frozen=True)
class Contents:
    """What a database holds, as a restore checks it: rows per table, and the ledger's id,
    size and newest checkpoint."""

    tables: dict[str, int]
    ledger_size: int
    checkpoint_size: int | None
    checkpoint_root: str | None
    log_id: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    sha256: str
    size: int
    contents: Contents

    def as_json(self) -> dict[str, Any]:
        c = self.contents
        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "database": {"file": DATABASE, "sha256": self.sha256, "bytes": self.size},
            "tables": c.tables,
            "ledger": {
                "log_id": c.log_id,
                "size": c.ledger_size,
                "checkpoint": None
                if c.checkpoint_size is None
                else {"size": c.checkpoint_size, "root": c.checkpoint_root},
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        try:
            if data["format"] != FORMAT:
                raise BackupError(f"不是本系统的备份格式 / not a {FORMAT} backup (format {data['format']!r})")
            cp = data["ledger"]["checkpoint"]
            return cls(
                created_at=str(data["created_at"]),
                sha256=str(data["database"]["sha256"]),
                size=int(data["database"]["bytes"]),
                contents=Contents(
                    tables={str(k): int(v) for k, v in data["tables"].items()},
                    ledger_size=int(data["ledger"]["size"]),
                    checkpoint_size=None if cp is None else int(cp["size"]),
                    checkpoint_root=None if cp is None else str(cp["root"]),
                    log_id=str(data["ledger"]["log_id"]),
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"备份清单不完整 / the backup's manifest is incomplete ({exc!r})") from exc


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def describe(path: Path) -> Contents:
    """Row counts per table, the ledger's id, size and newest checkpoint, read from ``path``."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
        row = None
        if "ledger_checkpoint" in tables:
            row = conn.execute(
                "SELECT size, root FROM ledger_checkpoint ORDER BY size DESC LIMIT 1"
            ).fetchone()
        head = None
        if "ledger_loghead" in tables:
            head = conn.execute("SELECT log_id FROM ledger_loghead ORDER BY id LIMIT 1").fetchone()
        return Contents(
            tables=tables,
            ledger_size=tables.get("ledger_entry", 0),
            checkpoint_size=None if row is None else int(row[0]),
            checkpoint_root=None if row is None else bytes(row[1]).hex(),
            log_id="" if head is None else str(head[0]),
        )
    finally:
        conn.close()


def make(database: Path, out: Path) -> Manifest:
    """Write a backup of ``database`` (in use or not) to the ZIP ``out``."""
    if not database.is_file():
        raise BackupError(f"没有数据库文件 / no database at {database}")
    with tempfile.TemporaryDirectory(dir=out.parent) as work:
        copy = Path(work) / DATABASE
        source = sqlite3.connect(database)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: a consistent snapshot, writers not held up (WAL)
        finally:
            target.close()
            source.close()
        # A self-contained file: no write-ahead log beside it.
        conn = sqlite3.connect(copy)
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sha256=_digest(copy),
            size=copy.stat().st_size,
            contents=describe(copy),
        )
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr(MANIFEST, json.dumps(manifest.as_json(), ensure_ascii=False, indent=2))
            z.write(copy, DATABASE)
        partial.replace(out)  # a backup file is whole or absent
    return manifest


def unpack(backup: Path, work: Path) -> tuple[Manifest, Path]:
    """Extract and check a backup into ``work``: the manifest, and the database it vouches for."""
    try:
        with zipfile.ZipFile(backup) as z:
            manifest = Manifest.from_json(json.loads(z.read(MANIFEST)))
            z.extract(DATABASE, work)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
        raise BackupError(f"备份文件损坏或不完整 / {backup} is not a whole backup: {exc}") from exc
    copy = work / DATABASE
    if copy.stat().st_size != manifest.size or _digest(copy) != manifest.sha256:
        raise BackupError(
            f"备份中的数据库与清单不符 / the database in {backup} is not the one its manifest describes "
            "(damaged or altered): nothing was restored"
        )
    conn = sqlite3.connect(copy)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if verdict != "ok":
        raise BackupError(f"备份数据库未通过完整性检查 / SQLite's integrity check fails: {verdict}")
    if describe(copy) != manifest.contents:
        raise BackupError("备份数据库的行数与清单不符 / the database's rows do not match the manifest")
    return manifest, copy


# SQLite's "dead man switch" byte in the wal-index file (os_unix.c: UNIX_SHM_DMS, 120 + 8):
# every connection that has the database open in WAL mode holds a shared lock on it.
_DMS_BYTE = 128


def in_use(database: Path) -> bool:
    """Whether another process has ``database`` open (a server that is still running).

    Call it only from a process with no connection of its own to that database: POSIX locks
    belong to the process, so probing one of our own would hand SQLite's lock back on close.
    """
    shm = database.with_name(database.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _DMS_BYTE)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _DMS_BYTE)
        return False
    finally:
        os.close(fd)


def _nothing_signed(_log_id: str) -> int:
    return 0


def restore(
    backup: Path, database: Path, *, signed: Callable[[str], int] = _nothing_signed, replace: bool = False
) -> tuple[Manifest, Path | None]:
    """Put the database of ``backup`` at ``database``; returns the manifest and where the database
    that was there was kept (None if there was none).

    ``signed``: the size of the newest checkpoint this server has signed of a log (by its id;
    the ledger's state file); a backup whose log is shorter would roll the published log back,
    and is refused.
    """
    with tempfile.TemporaryDirectory(dir=database.parent) as work:
        manifest, copy = unpack(backup, Path(work))
        signed_size = signed(manifest.contents.log_id)
        if manifest.contents.ledger_size < signed_size:
            raise BackupError(
                f"备份早于已发布的检查点 / this backup holds {manifest.contents.ledger_size} ledger entries, but this "
                f"server has already signed and published checkpoint {signed_size}: restoring it would roll "
                "the public log back (docs/ledger.md, rotation and recovery). Nothing was restored."
            )
        kept: Path | None = None
        if database.exists():
            if not replace:
                raise BackupError(
                    f"此处已有数据库 / a database is already at {database}: stop the server and run again "
                    "with --replace (the current one is kept beside it)"
                )
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = database.with_name(f"{database.name}.before-restore-{stamp}")
            database.replace(kept)
            for suffix in ("-wal", "-shm"):
                side = database.with_name(database.name + suffix)
                if side.exists():
                    side.replace(kept.with_name(kept.name + suffix))
        shutil.move(copy, database)
    return manifest, kept
