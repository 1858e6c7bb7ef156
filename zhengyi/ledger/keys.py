"""The log's signing key and state files, kept outside the database (in ``settings.LEDGER_DIR``).

* ``ledger.key`` — the signer key (note format, ``PRIVATE+KEY+<origin>+<id>+…``), mode 0600,
  generated at first use with the configured origin as its name. It is what makes checkpoints
  trustworthy: back it up apart from the database, and never restore it into another log.
* ``ledger.key.next`` — exists only during a key rotation (see ``services/log.py``).
* ``ledger-state.json`` — per log (by the head row's ``log_id``): the last checkpoint this
  server signed and the size up to which the start-up check has re-hashed every entry. A
  database restored to before that checkpoint (a rolled-back log) is then refused at start,
  even though the database alone looks consistent.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from zhengyi.ledger import note

KEY_FILE = "ledger.key"
NEXT_KEY_FILE = "ledger.key.next"
STATE_FILE = "ledger-state.json"

# By path, inode and mtime: a rotation replaces the file (a new inode) within the same
# coarse-clock tick as it was written, so the mtime alone would not tell them apart.
_signer_cache: dict[tuple[str, int, int], note.Signer] = {}


class KeyFileError(RuntimeError):
    """The key file is missing where it must exist, unreadable, or not safe to use."""


def ledger_dir() -> Path:
    path = Path(settings.LEDGER_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def key_path() -> Path:
    return ledger_dir() / KEY_FILE


def write_secret(path: Path, text: str) -> None:
    """Write a secret file atomically with mode 0600 (never briefly readable by others)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_signer(path: Path) -> note.Signer:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"签名密钥文件不存在 / the ledger key file {path} does not exist") from None
    if stat.st_mode & 0o077:
        raise KeyFileError(
            f"签名密钥文件权限过宽 / {path} is readable by others (mode {stat.st_mode & 0o777:o}); "
            f"run: chmod 600 {path}"
        )
    cache_key = (str(path), stat.st_ino, stat.st_mtime_ns)
    cached = _signer_cache.get(cache_key)
    if cached is not None:
        return cached
    try:
        signer = note.Signer.from_skey(path.read_text(encoding="utf-8").strip())
    except note.NoteError as exc:
        raise KeyFileError(f"{path} is not a note signer key: {exc}") from None
    _signer_cache[cache_key] = signer
    return signer


def load_signer(*, create: bool = True) -> note.Signer:
    """The log's signer, generating ``ledger.key`` (named by ``LEDGER_ORIGIN``) on first use."""
    path = key_path()
    if not path.exists():
        if not create:
            raise KeyFileError(f"签名密钥文件不存在 / the ledger key file {path} does not exist")
        skey, _vkey = note.generate_key(settings.LEDGER_ORIGIN)
        try:
            # O_EXCL: two processes starting at once must not each make a key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return read_signer(path)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(skey + "\n")
            f.flush()
            os.fsync(f.fileno())
    return read_signer(path)


def read_key_file(path: Path) -> str:
    """A key file's one line (signer keys for witnesses, vkeys)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# The state file


@contextlib.contextmanager
def _locked_state() -> Iterator[dict[str, Any]]:
    """Read-modify-write the state file under an exclusive lock (several server processes)."""
    directory = ledger_dir()
    with open(directory / f".{STATE_FILE}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = read_state()
        yield state
        write_json(directory / STATE_FILE, state)


def read_state() -> dict[str, Any]:
    path = ledger_dir() / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"logs": {}}
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("logs"), dict):
        raise KeyFileError(f"{path} is not a ledger state file")
    return data


def write_json(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def log_state(log_id: str) -> dict[str, Any]:
    found = read_state()["logs"].get(log_id)
    return found if isinstance(found, dict) else {}


def record_signed(log_id: str, size: int, note_text: str) -> None:
    """Remember the newest checkpoint signed for this log (never move backwards)."""
    with _locked_state() as state:
        entry = state["logs"].setdefault(log_id, {})
        if int(entry.get("size", -1)) <= size:
            entry.update(size=size, checkpoint=note_text)


def record_verified(log_id: str, size: int) -> None:
    with _locked_state() as state:
        entry = state["logs"].setdefault(log_id, {})
        entry["verified"] = max(size, int(entry.get("verified", 0)))


def other_logs(log_id: str) -> dict[str, int]:
    """Other logs this key signed checkpoints for (a database replaced by a new one)."""
    return {
        other: int(data.get("size", 0))
        for other, data in read_state()["logs"].items()
        if other != log_id and isinstance(data, dict) and int(data.get("size", 0)) > 0
    }
