"""Durable storage of the log: appends, in the caller's transaction, and the tree they keep.

Layout (``models.py``): one ``Entry`` row per leaf; one ``Tile`` row per *full* tlog tile
(height 8) holding all 511 hashes inside it; the ``LogHead`` row, which appends lock. An
append writes one entry row and — once every 256 appends — one tile row (every 65,536, two …);
the size is the highest index + 1, and the tree's compact range (the hashes of
``merkle.root_nodes(size)``) is kept per process for the committed tree (see below), so an
append dirties one page, as a bare insert does. Reading — subtree hashes, proofs, entries —
is in :mod:`zhengyi.ledger.reading`, re-exported here.

Why hand-written SQL on the DB-API connection: the ORM compiles each statement on every call
(~100 µs here; see ``zhengyi/core/fastsql.py``) while an append's own work is a few µs, and the
DESIGN bar holds appends to half SQLite's bare insert rate. The statements run on the Django
connection's own DB-API handle, so they are part of the caller's transaction — an append is
durable exactly when the change it records commits, and rolls back with it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction

from zhengyi.core.db_sqlite import base as queued
from zhengyi.ledger import merkle
from zhengyi.ledger.merkle import HASH_SIZE
from zhengyi.ledger.reading import (
    ENTRY,
    FULL_TILES,
    HEAD,
    HEAD_ID,
    HEIGHT,
    PARTIAL_TILES,
    TILE,
    TREE_HASHES,
    WIDTH,
    Db,
    Head,
    MirrorError,
    StorageError,
    TreeReader,
    clear_caches,
    consistency_proof,
    entry_bundle,
    entry_data,
    inclusion_proof,
    iter_entry_data,
    read_head,
    require_transaction,
    root_at,
    stored_leaves,
    tile_roots,
)

__all__ = [
    "ENTRY",
    "FULL_TILES",
    "HEAD",
    "HEAD_ID",
    "HEIGHT",
    "PARTIAL_TILES",
    "TILE",
    "TREE_HASHES",
    "WIDTH",
    "Appended",
    "Db",
    "Head",
    "MirrorError",
    "NewEntry",
    "StorageError",
    "Tree",
    "TreeReader",
    "append_entries",
    "begin_immediate",
    "clear_caches",
    "commit",
    "consistency_proof",
    "current_tree",
    "entry_bundle",
    "entry_data",
    "forget",
    "inclusion_proof",
    "iter_entry_data",
    "read_head",
    "record_one",
    "remember",
    "require_transaction",
    "rollback",
    "root_at",
    "store_tile",
    "stored_leaves",
    "tile_roots",
    "tile_tree",
    "tree_root",
]

_sha256 = hashlib.sha256

# The compact range — the hashes of merkle.root_nodes(size), largest subtree first — and the
# leaf hashes of the last, partial level-0 tile, of the committed tree, per database and log.
# An append folds its leaves in without reading anything, and completes a tile without
# re-reading its entries. It is only ever set from a *committed* state, so a size match proves
# it current (the log only grows); when another process appended meanwhile, or inside a
# transaction that already appended, it is rebuilt from storage.


@dataclass(slots=True)
class Tree:
    size: int
    compact: list[bytes]
    tail: list[bytes]  # leaf hashes of entries [size - size % 256, size)

    @property
    def root(self) -> bytes:
        return merkle.fold(self.compact) if self.compact else merkle.EMPTY_ROOT


_COMMITTED: dict[tuple[str, str], Tree] = {}


@dataclass(slots=True)
class _LastCommit:
    """What one SQLite connection left behind at its last append: the tree, and the bytes of
    the last entry it committed. If the log still ends with exactly that entry, the log is this
    tree and the next entry can go in at its size without reading anything first — which the
    insert itself checks (``_INSERT_NEXT``), so no separate statement asks whether another
    connection wrote meanwhile."""

    raw: Any  # the connection itself (not its id(), which a new connection could reuse)
    log_id: str
    tree: Tree
    last_data: bytes


_LAST: dict[int, _LastCommit] = {}  # by id() of the DB-API connection


def current_tree(db: Db, head: Head) -> Tree:
    """The tree of ``head`` — a copy the caller may extend."""
    known = _COMMITTED.get((db.conn.alias, head.log_id))
    if known is not None and known.size == head.size:
        return Tree(known.size, list(known.compact), list(known.tail))
    reader = TreeReader(head.size, db=db, log_id=head.log_id, cached=False)
    tail_width = head.size % WIDTH
    tail = reader.partial_tile(0, head.size >> HEIGHT, tail_width)[0] if tail_width else []
    return Tree(head.size, [reader.node(node) for node in merkle.root_nodes(head.size)], list(tail))


def remember(db: Db, log_id: str, tree: Tree, last_data: bytes | None = None) -> None:
    """Record a committed tree (called once its transaction has committed)."""
    _COMMITTED[(db.conn.alias, log_id)] = tree
    if last_data is not None:
        _LAST[id(db.raw)] = _LastCommit(db.raw, log_id, tree, last_data)


def forget() -> None:
    """Drop the remembered trees (tests that rewrite storage behind the log's back)."""
    _COMMITTED.clear()
    _LAST.clear()


def tree_root(db: Db | None = None, head: Head | None = None) -> bytes:
    """The root of the current tree."""
    db = db or Db()
    return current_tree(db, head or read_head(db)).root


# ---------------------------------------------------------------------------------------------
# Appending


class NewEntry(NamedTuple):
    """An entry to append, already in canonical form (a tuple: bulk appends make millions)."""

    data: bytes
    kind: str
    logged_at: datetime
    object_type: str = ""
    object_id: str = ""


@dataclass(slots=True)
class Appended:
    """What an append did: the first index, and the tree it left (to remember on commit)."""

    first: int
    log_id: str
    tree: Tree
    last_data: bytes | None = None  # SQLite: the last entry's bytes (see _LastCommit)

    def remember(self, db: Db) -> None:
        remember(db, self.log_id, self.tree, self.last_data)


_INSERT_ENTRY = f"INSERT INTO {ENTRY} (idx, data, kind, object_type, object_id, logged_at) VALUES (%s, %s, %s, %s, %s, %s)"


# The next entry, at the size the connection's remembered tree has — its bytes only if the log
# still ends with the entry that tree ends with (?7) and nothing lies beyond it, else NULL, which
# the NOT NULL column refuses: two primary-key seeks inside the insert instead of a statement of
# their own (an INSERT … SELECT reading its own table would go through a temporary table). A
# refusal — another connection appended, or the tail is not what this connection committed —
# writes nothing, and the general path reads the tree from storage.
_INSERT_NEXT = (
    f"INSERT INTO {ENTRY} (idx, data, kind, object_type, object_id, logged_at) VALUES (?1, "
    f"CASE WHEN NOT EXISTS (SELECT 1 FROM {ENTRY} WHERE idx >= ?1) "
    f"AND EXISTS (SELECT 1 FROM {ENTRY} WHERE idx = ?1 - 1 AND data = ?7) THEN ?2 END, ?3, ?4, ?5, ?6)"
)


def _insert_next(raw: Any, last: _LastCommit, row: NewEntry, logged_at: Any) -> bool:
    """Insert ``row`` at the remembered tree's size if the log still ends there (``_INSERT_NEXT``)."""
    try:
        raw.execute(
            _INSERT_NEXT,
            (last.tree.size, row.data, row.kind, row.object_type, row.object_id, logged_at, last.last_data),
        )
    except sqlite3.IntegrityError:
        return False
    return True


def append_entries(rows: Sequence[NewEntry], db: Db | None = None) -> Appended:
    """Append entries in the current transaction.

    The caller holds the transaction (``services.log`` checks there is one) and, once it has
    committed, calls ``Appended.remember`` (inside ``atomic()`` that is done on commit here).
    Takes the log's lock, inserts the entries, folds them into the compact range and stores
    every tile they complete.
    """
    db = db or Db()
    if not rows:
        raise ValueError("nothing to append")
    done = _append_one_sqlite(db, rows[0]) if db.sqlite and len(rows) == 1 else None
    if done is not None:
        if db.in_transaction:
            fast = done
            transaction.on_commit(lambda: fast.remember(db), using=db.conn.alias)
        return done
    head = read_head(db, lock=True, create=True)
    start = head.size
    tree = current_tree(db, head)
    prefix = b"\x00"
    leaves = [_sha256(prefix + r.data).digest() for r in rows]
    params = []
    last_time: datetime | None = None
    adapted: Any = None
    for i, r in enumerate(rows):
        if r.logged_at is not last_time:  # a batch shares one moment: adapt it once
            last_time, adapted = r.logged_at, db.adapt_time(r.logged_at)
        params.append((start + i, r.data, r.kind, r.object_type, r.object_id, adapted))
    if len(params) == 1:
        db.execute(_INSERT_ENTRY, params[0])
    else:
        db.executemany(_INSERT_ENTRY, params)
    _extend(db, tree, leaves)
    done = Appended(start, head.log_id, tree, rows[-1].data if db.sqlite else None)
    if db.in_transaction:
        transaction.on_commit(lambda: done.remember(db), using=db.conn.alias)
    return done


def _append_one_sqlite(db: Db, row: NewEntry) -> Appended | None:
    """The common case on SQLite: one entry onto the tree this connection last committed,
    when the log still ends where that tree does (see :class:`_LastCommit`).

    Returns None, having written nothing, when that is not so; the general path takes over.
    """
    last = _LAST.get(id(db.raw))
    if last is None or last.raw is not db.raw:
        return None
    size = last.tree.size
    if not _insert_next(db.raw, last, row, db.adapt_time(row.logged_at)):
        return None
    tree = Tree(size, list(last.tree.compact), list(last.tree.tail))
    _extend(db, tree, [_sha256(b"\x00" + row.data).digest()])
    return Appended(size, last.log_id, tree, row.data)


def record_one(db: Db, row: NewEntry) -> int:
    """Append one entry in a transaction of its own on an autocommit SQLite connection, and
    commit it; returns its index (``services.log.record``).

    The one-entry-per-transaction path the DESIGN bar holds to half of SQLite's bare
    ``BEGIN; INSERT; COMMIT``, so it is written out: when the log still ends with the entry
    this connection committed last (:class:`_LastCommit`), the remembered tree is extended in
    place — safe, because every reader of it holds the write lock we hold — and forgotten if
    anything fails before the commit. Otherwise it is the general path, in the same transaction.
    """
    raw = db.raw
    begin_immediate(db)
    try:
        last = _LAST.get(id(raw))
        if last is not None and last.raw is raw:
            tree = last.tree
            index = tree.size
            if _insert_next(raw, last, row, db.adapt_time(row.logged_at)):
                _extend(db, tree, (_sha256(b"\x00" + row.data).digest(),))
                raw.execute("COMMIT")
                last.last_data = row.data
                _COMMITTED[(db.conn.alias, last.log_id)] = tree
                return index
        done = append_entries([row], db)
        raw.execute("COMMIT")
    except BaseException:
        _LAST.pop(id(raw), None)
        _COMMITTED.clear()
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    finally:
        _release(db)
    done.remember(db)
    return done.first


def _extend(db: Db, tree: Tree, leaves: Sequence[bytes]) -> None:
    """Fold new leaf hashes into the tree (in place) and store the level-0 tiles they complete."""
    compact, tail = tree.compact, tree.tail
    size = tree.size
    node_prefix = b"\x01"
    for h in leaves:
        tail.append(h)
        # A binary counter: each trailing 1 bit of the size is a perfect subtree the new leaf
        # completes, merged into its left neighbour.
        s = size
        while s & 1:
            h = _sha256(node_prefix + compact.pop() + h).digest()
            s >>= 1
        compact.append(h)
        size += 1
        if len(tail) == WIDTH:
            store_tile(db, 0, (size - 1) >> HEIGHT, tail)
            tail = []
    tree.size, tree.tail = size, tail


def commit(db: Db) -> None:
    """Commit what :func:`begin_immediate` began (and give back the write turn)."""
    try:
        # The cached statement: Connection.commit() prepares its COMMIT afresh every time.
        db.raw.execute("COMMIT")
    finally:
        _release(db)


def rollback(db: Db) -> None:
    try:
        if db.raw.in_transaction:
            db.raw.execute("ROLLBACK")
    finally:
        _release(db)


def _release(db: Db) -> None:
    conn: Any = db.conn
    if isinstance(conn, queued.DatabaseWrapper):
        conn._release_write_lock()


def begin_immediate(db: Db) -> None:
    """Begin a write transaction directly on an autocommit SQLite connection (``record()``).

    Taking this process's write turn first when the backend is ``zhengyi.core.db_sqlite``,
    exactly as its ``atomic()`` path does, so the threads of a process still queue instead of
    meeting SQLite's sleeping busy handler; ``conn._commit()`` / ``_rollback()`` release it.
    """
    conn: Any = db.conn
    if isinstance(conn, queued.DatabaseWrapper):
        conn.take_write_turn()
    try:
        db.raw.execute("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(conn, queued.DatabaseWrapper):
            conn._release_write_lock()
        raise


def tile_tree(hashes: Sequence[bytes]) -> bytes:
    """A full tile's 511 hashes: the 256 given, then each level above them up to its root."""
    if len(hashes) != WIDTH:
        raise ValueError(f"a full tile has {WIDTH} hashes, got {len(hashes)}")
    node_prefix = b"\x01"
    out = [b"".join(hashes)]
    level: Sequence[bytes] = hashes
    while len(level) > 1:
        pairs = iter(level)
        level = [_sha256(node_prefix + a + b).digest() for a, b in zip(pairs, pairs, strict=True)]
        out.append(b"".join(level))
    return b"".join(out)


def store_tile(db: Db, level: int, index: int, hashes: Sequence[bytes]) -> None:
    """Store a full tile and, if it completes the tile above it, that one too."""
    tree = tile_tree(hashes)
    db.execute(
        f"INSERT INTO {TILE} (level, idx, tree, root) VALUES (%s, %s, %s, %s)",
        [level, index, tree, tree[-HASH_SIZE:]],
    )
    if (index + 1) % WIDTH == 0:
        parent = index >> HEIGHT
        store_tile(db, level + 1, parent, tile_roots(db, level, parent << HEIGHT, (parent + 1) << HEIGHT))
