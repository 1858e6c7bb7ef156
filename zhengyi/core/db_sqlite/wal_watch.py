"""Has anything been committed to this SQLite database since I last looked? — in a memory read.

In WAL mode every connection maps the database's ``-shm`` file, the wal-index, whose first 96
bytes are two copies of a 48-byte header (https://www.sqlite.org/walformat.html §2.2). At each
commit the writer rewrites the second copy, then, after a memory barrier, the first; a reader
trusts the header when the two agree. The header holds the log's last frame, that frame's
checksum and the log's salts, so it is the same bytes exactly while no transaction commits —
which is how SQLite itself knows that its page cache is still good.

:class:`WalWatch` reads those bytes without a query: no statement, no system call, no release of
the GIL (which a query's every step does, and with sixteen request threads each release costs
more than the statement). The page store (``zhengyi.sunshine.page_store``) answers repeated
requests from memory while the header is the one it read before its last query.

Care taken, because the mapping is of SQLite's own file:

* The watch keeps a connection of its own open for as long as the process lives. While any
  connection has the wal-index open, no other can be the "first" to open it — the one that
  truncates it — so the mapped bytes are never cut from under the reader (that would be a
  SIGBUS, not an exception).
* The descriptor of the ``-shm`` file is never closed: closing any descriptor of a file drops
  every POSIX lock this process holds on it, SQLite's among them. A process that forked keeps
  its parent's watch referenced (so it is not closed either) and opens its own.
"""

from __future__ import annotations

import mmap
import os
import sqlite3
import threading
from pathlib import Path

HEADER_SIZE = 48
_IS_INIT = 12  # offset of the isInit byte in the header
_MIN_SIZE = 136  # the two headers and the checkpoint information after them


class NotYet(Exception):
    """The database has no wal-index yet (no connection has read it in WAL mode)."""


class WalWatch:
    """A read-only view of one database's wal-index header (see the module)."""

    def __init__(self, database: str | Path) -> None:
        self.database = str(database)
        self.pid = os.getpid()
        if not Path(self.database).is_file():
            raise ValueError(f"{self.database} is not a database file")
        # Opened first and kept: it holds the wal-index open (see the module). It only reads.
        self._connection = sqlite3.connect(self.database, check_same_thread=False)
        mode = self._connection.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            raise ValueError(f"{self.database} is not in WAL mode ({mode})")
        self._connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        shm = self.database + "-shm"
        if os.stat(shm).st_size < _MIN_SIZE:
            raise NotYet(f"{shm} holds no wal-index yet")
        self._fd = os.open(shm, os.O_RDONLY)  # never closed (see the module)
        self._map = mmap.mmap(self._fd, _MIN_SIZE, prot=mmap.PROT_READ)

    def header(self) -> bytes | None:
        """The current header; None while a writer is between its two copies (ask again)."""
        return header_of(self._map[: 2 * HEADER_SIZE])


def header_of(raw: bytes) -> bytes | None:
    """The header in the wal-index's first 96 bytes, if its two copies agree and it is set up."""
    first = raw[:HEADER_SIZE]
    if first != raw[HEADER_SIZE : 2 * HEADER_SIZE] or not first[_IS_INIT]:
        return None
    return first


# Every watch this process made, its own and a parent's, stays referenced for good: an mmap
# holds a duplicate of its descriptor and closes it when collected, which would drop SQLite's
# locks on the wal-index as surely as closing ours (see the module).
_watches: dict[tuple[int, str], WalWatch | None] = {}
_inherited: list[WalWatch] = []
_making = threading.Lock()  # one watch per database, however many request threads ask first


def watch(database: str | Path) -> WalWatch | None:
    """This process's watch of ``database``, or None where it cannot be had (not a file in WAL
    mode, or any error opening it; while it has no wal-index yet, asked again next time)."""
    pid = os.getpid()
    key = (pid, str(database))
    if key in _watches:
        return _watches[key]
    with _making:
        if key in _watches:
            return _watches[key]
        return _make(key)


def _make(key: tuple[int, str]) -> WalWatch | None:
    pid, database = key
    for (other_pid, _name), found in list(_watches.items()):
        if other_pid != pid:
            if found is not None:
                _inherited.append(found)
            del _watches[(other_pid, _name)]
    try:
        made: WalWatch | None = WalWatch(database)
    except NotYet:
        return None
    except (ValueError, OSError, sqlite3.Error):
        made = None  # not a file in WAL mode (an in-memory test database): never
    _watches[key] = made
    return made
