"""Appending to the log and signing checkpoints.

Appends run **inside the caller's transaction** (the service whose change the entry records),
so an entry is durable exactly when that change commits and vanishes if it rolls back; they are
serialised by the log's lock (the head row). A checkpoint is signed *after* the commit, never
inside it: signing inside would put a signature over a tree that might still roll back.

When, is ``settings.LEDGER_CHECKPOINT``:

* ``background`` (default): the commit wakes a per-process signer thread, which waits
  ``LEDGER_CHECKPOINT_DELAY`` (0.2 s) so that a burst of commits shares one checkpoint, then
  signs the tree as it is. The served checkpoint is thus at most that delay (plus one signing)
  behind the committed tree, and an append costs no signature of its own. A process that exits
  with a request pending signs it at exit; one killed outright leaves the tail to the next
  signer (or ``zhengyi serve``'s start, which signs after its integrity check).
* ``commit``: sign at once in the committing thread's on-commit hook (a second, small
  transaction). Simplest to reason about; it costs an Ed25519 signature and a write per commit.
* ``off``: only ``zhengyi ledger sign`` and the start of ``zhengyi serve`` sign (bulk loads).

Signing is idempotent (nothing to do when the newest checkpoint covers the tree) and safe from
any number of processes: it takes the log's lock.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.db import close_old_connections, models, transaction
from django.db.models import Count, Q
from django.dispatch import receiver
from django.utils import timezone

from zhengyi.ledger import checkpoint as cpmod
from zhengyi.ledger import entries, keys, storage
from zhengyi.ledger.models import Checkpoint, Entry, LogKey
from zhengyi.ledger.storage import Db, NewEntry

log = logging.getLogger("zhengyi.ledger")


class LogIntegrityError(RuntimeError):
    """The stored log no longer extends the last signed checkpoint; nothing more is signed."""


# (role, checkpoint mode) as settings say; read on every durable append, so kept here and
# dropped whenever a setting changes (override_settings in tests sends setting_changed).
_modes: tuple[str, str] | None = None


def _settings_modes() -> tuple[str, str]:
    global _modes
    if _modes is None:
        _modes = (str(settings.LEDGER_ROLE), str(settings.LEDGER_CHECKPOINT))
    return _modes


@receiver(setting_changed)
def _forget_modes(**_kwargs: Any) -> None:
    global _modes
    _modes = None


def is_mirror() -> bool:
    return _settings_modes()[0] == "mirror"


def _require_log() -> None:
    if is_mirror():
        raise storage.MirrorError(
            "本部署是日志镜像，不能追加条目 / this deployment mirrors the log (ZHENGYI_LEDGER_ROLE=mirror); "
            "entries come only from imported bundles"
        )


def object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


# ---------------------------------------------------------------------------------------------
# Appending


class EntryInput(NamedTuple):
    """One entry for :func:`append_many` (a tuple: cheap to make by the thousand)."""

    kind: str
    fields: Mapping[str, Any]
    obj: models.Model | None = None
    private: Mapping[str, Any] | None = None
    at: datetime | None = None


def append(
    kind: str,
    fields: Mapping[str, Any],
    *,
    obj: models.Model | None = None,
    private: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry (see :mod:`zhengyi.ledger.entries`) in the current transaction.

    ``fields`` are published as they are; ``private`` values go in as salted commitments.
    Returns the entry's index. Call it inside the service's ``transaction.atomic()``.
    """
    return append_many([EntryInput(kind, fields, obj, private, at)])


def append_many(items: Sequence[EntryInput]) -> int:
    """Append several entries under one lock and one head update; returns the first index."""
    _require_log()
    db = Db()
    storage.require_transaction(db)
    first = _append(items, db).first
    schedule_checkpoint(db)
    return first


def _append(items: Sequence[EntryInput], db: Db) -> storage.Appended:
    now = timezone.now()
    rows: list[NewEntry] = []
    salts: list[tuple[int, bytes]] = []
    encode = entries.encode
    for position, (kind, fields, obj, private, at) in enumerate(items):
        at = at or now
        salt = entries.new_salt() if private else None
        data = encode(kind, fields, at=at, private=private, salt=salt)
        object_type, object_id = object_ref(obj)
        rows.append(NewEntry(data, kind, at, object_type, object_id))
        if salt is not None:
            salts.append((position, salt))
    done = storage.append_entries(rows, db)
    if salts:
        db.executemany(
            "INSERT INTO ledger_entrysalt (idx, salt) VALUES (%s, %s)",
            [(done.first + position, salt) for position, salt in salts],
        )
    return done


def record(
    kind: str,
    fields: Mapping[str, Any],
    *,
    obj: models.Model | None = None,
    private: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry durably: in the open transaction if there is one, else in its own.

    For a write that is nothing but the entry (a job noting that it ran, a tool). On SQLite its
    own transaction is begun and committed directly on the connection — queued behind this
    process's other writers exactly as Django's ``atomic()`` is (``zhengyi.core.db_sqlite``),
    without ``atomic()``'s savepoint and on-commit bookkeeping, which costs as much here as the
    append itself (bench/ledger.py measures both).
    """
    _require_log()
    conn = transaction.get_connection()
    if conn.in_atomic_block or conn.vendor != "sqlite" or private:
        with transaction.atomic():
            return append(kind, fields, obj=obj, private=private, at=at)
    at = at or datetime.now(UTC)
    data = entries.encode(kind, fields, at=at)
    object_type, object_id = object_ref(obj)
    index = storage.record_one(Db(conn), NewEntry(data, kind, at, object_type, object_id))
    request_checkpoint()
    return index


def record_encoded(data: bytes, kind: str, *, at: datetime | None = None) -> int:
    """:func:`record` for an entry already in canonical form (imports, tools, benches)."""
    _require_log()
    conn = transaction.get_connection()
    row = NewEntry(data, kind, at or datetime.now(UTC))
    if conn.in_atomic_block or conn.vendor != "sqlite":
        with transaction.atomic():
            db = Db(conn)
            first = storage.append_entries([row], db).first
            schedule_checkpoint(db)
            return first
    index = storage.record_one(Db(conn), row)
    request_checkpoint()
    return index


def append_encoded(rows: Sequence[NewEntry]) -> int:
    """Append entries already in canonical form (benches, tools); returns the first index."""
    _require_log()
    db = Db()
    storage.require_transaction(db)
    first = storage.append_entries(rows, db).first
    schedule_checkpoint(db)
    return first


def schedule_checkpoint(db: Db) -> None:
    """Ask for a checkpoint once the current transaction commits (once per transaction)."""
    pending = db.conn.run_on_commit
    # Django keeps (savepoint ids, callback, robust) per pending callback.
    if not any(pending_entry[1] is request_checkpoint for pending_entry in pending):
        transaction.on_commit(request_checkpoint, using=db.conn.alias, robust=True)


# ---------------------------------------------------------------------------------------------
# Signing


def current_signer() -> Any:
    from zhengyi.ledger.services.keys import current_signer as signer

    return signer()


def sign_checkpoint() -> Checkpoint | None:
    """Sign the current tree unless the newest checkpoint already covers it.

    Refuses (:class:`LogIntegrityError`) when the stored tree is smaller than the newest
    checkpoint or no longer has its root at that size — a log must never be re-signed after a
    rollback or a changed hash. That check only reads committed rows, so it runs *before* the
    log's lock is taken (with the tile cache, outside a transaction): appends wait only for the
    signature and one insert.
    """
    if is_mirror():
        return None
    signer = current_signer()
    latest = Checkpoint.objects.order_by("-size").first()
    head = storage.read_head()
    if latest is not None:
        if latest.size == head.size:
            return None
        _check_extends(latest, head)
    with transaction.atomic():
        db = Db()
        head = storage.read_head(db, lock=True, create=True)
        newest = Checkpoint.objects.order_by("-size").first()
        if newest is not None:
            if newest.size >= head.size:
                if newest.size > head.size:
                    _check_extends(newest, head)  # raises: the log shrank meanwhile
                return None  # another process signed it meanwhile
            if latest is None or newest.size != latest.size:
                _check_extends(newest, head, db)
        row = store_checkpoint(db, head, signer)
        text = row.note
        publish_key(signer.vkey)
        log_id, size = head.log_id, head.size
        transaction.on_commit(lambda: keys.record_signed(log_id, size, text))
    return row


def _check_extends(cp: Checkpoint, head: storage.Head, db: Db | None = None) -> None:
    if cp.size > head.size:
        raise LogIntegrityError(
            f"日志已回滚 / the log holds {head.size} entries but checkpoint {cp.size} was signed"
        )
    reader = storage.TreeReader(head.size, db=db, log_id=head.log_id)
    if storage.root_at(cp.size, reader) != bytes(cp.root):
        raise LogIntegrityError(
            f"the stored tree no longer has the root of checkpoint {cp.size}; run `zhengyi ledger verify --full`"
        )


def store_checkpoint(db: Db, head: storage.Head, *signers: Any) -> Checkpoint:
    """Sign the tree of ``head`` (its lock held) and store the checkpoint with its compact range."""
    tree = storage.current_tree(db, head)
    body = cpmod.Checkpoint(signers[0].name, head.size, tree.root)
    return Checkpoint.objects.create(
        size=head.size,
        root=tree.root,
        compact=b"".join(tree.compact),
        note=cpmod.sign(body, *signers),
        signed_at=timezone.now(),
    )


def publish_key(vkey: str) -> None:
    """The signing key is listed at /ledger/keys (once; rotation retires it)."""
    if not LogKey.objects.filter(vkey=vkey).exists():
        LogKey.objects.create(vkey=vkey, status=LogKey.Status.CURRENT, published_at=timezone.now())


# This process's id, kept current across forks: request() runs on every durable append, and
# os.getpid() is a system call.
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


class _BackgroundSigner:
    """One thread per process that signs soon after commits, coalescing bursts."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending = False
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._atexit = False

    def request(self) -> None:
        if self._pending and self._pid == _pid:
            return  # a signing is already due; it will cover this commit too
        with self._cond:
            self._pending = True
            alive = self._thread is not None and self._thread.is_alive() and self._pid == _pid
            if not alive:
                # After a fork the thread is gone (granian forks its workers): start anew.
                self._pid = _pid
                self._thread = threading.Thread(target=self._run, name="ledger-signer", daemon=True)
                self._thread.start()
            if not self._atexit:
                atexit.register(self.flush)
                self._atexit = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
            time.sleep(float(settings.LEDGER_CHECKPOINT_DELAY))
            with self._cond:
                self._pending = False
            _sign_logged()
            # The thread keeps its own connection between signings: opening one (and SQLite
            # reading the schema) would cost more than the signing, and it would be done while
            # holding the log's lock. A broken one is replaced.
            close_old_connections()

    def flush(self) -> None:
        """Sign a pending request now (at exit, and in tests)."""
        with self._cond:
            pending, self._pending = self._pending, False
        if pending:
            _sign_logged()


def _sign_logged() -> None:
    try:
        sign_checkpoint()
    except Exception:  # a failed signing must not take the process down; it is retried next commit
        log.exception("ledger: could not sign a checkpoint")


background_signer = _BackgroundSigner()


def request_checkpoint() -> None:
    """Called on commit of a transaction that appended (see the module docstring)."""
    role, mode = _settings_modes()
    if mode == "off" or role == "mirror":
        return
    if mode == "commit":
        _sign_logged()
    else:
        background_signer.request()


# ---------------------------------------------------------------------------------------------
# Selectors


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def witnessed_checkpoint(k: int | None = None) -> Checkpoint | None:
    """The newest checkpoint cosigned by at least ``k`` active witnesses (the policy's k)."""
    k = settings.LEDGER_WITNESSES_REQUIRED if k is None else k
    if k <= 0:
        return latest_checkpoint()
    return (
        Checkpoint.objects.annotate(
            witnessed=Count("cosignatures", filter=Q(cosignatures__witness__active=True))
        )
        .filter(witnessed__gte=k)
        .order_by("-size")
        .first()
    )


def served_note(cp: Checkpoint) -> str:
    """The checkpoint as served: the log's signature(s), then the active witnesses' cosignatures."""
    lines = (
        cp.cosignatures.filter(witness__active=True)
        .order_by("witness__name", "witness_id")
        .values_list("line", flat=True)
    )
    return cp.note + "".join(line + "\n" for line in lines)


def entries_for(obj: models.Model) -> list[Entry]:
    """The entries that logged this object, oldest first."""
    object_type, object_id = object_ref(obj)
    return list(
        Entry.objects.filter(object_type=object_type, object_id=object_id)
        .exclude(object_type="")  # the partial index's own condition, so the planner uses it
        .only("index", "kind", "logged_at")
        .order_by("index")
    )


def tree_size() -> int:
    return storage.read_head().size
