"""Group commit for live intake: calls that arrive while one transaction commits share the next.

Every accepted call costs one transaction — a BEGIN, the station's number lock, a COMMIT that
writes some thirty pages of table and index to the log — and under the upstream 110 system's
bursts the request threads of a process spent most of their time waiting for each other's
commits. Here they prepare their rows (everything but the alert's number and keys, which
need the write lock), hand them to one writer thread per process and wait; the writer takes
everything queued, writes each alert whole (alert, 受理 step, change record, board signal)
in one transaction for the lot, commits once, and wakes them. A call is
answered only after the commit that holds it, so nothing acknowledged can be lost.

When a batch fails (another call took the same idempotency key, a database error), the
writer retries each call of it in a transaction of its own, so one bad call never takes the
others down with it, and each caller gets its own outcome. ``write_many`` must therefore
(re)write an item whole each time it is given it: keys and numbers from a failed attempt are
overwritten, never reused.

Where the transaction runs: by default (SQLite) in a helper process of the app process, which
the writer thread hands the batch's rows to and waits for (``intake._commit_in_helper``,
:mod:`zhengyi.core.helper_process`) — so the request threads and the transaction never wait
for each other's GIL; otherwise (``settings.INTAKE_WRITER == "thread"``, PostgreSQL) in the
writer thread itself. Either way :func:`commit_batch` writes it, and a helper that fails leaves
every call of its batch told to retry with its key.

Only calls outside a transaction come here; a caller already inside one (a test, a service
that receives an alert as part of a larger change) writes inline, in its own transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from django.db import close_old_connections, connections, transaction
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

MAX_BATCH = 64
# How long a caller waits for its commit before giving up; the caller retries with the same
# idempotency key, which returns the alert if the commit did happen after all.
WAIT_SECONDS = 30.0
IDLE_SECONDS = 1.0

# A call's rows, prepared by the caller; the writer only adds them to a transaction.
Item = TypeVar("Item")


class _Pending(Generic[Item]):
    """A submitted call. ``done`` is a lock taken at birth and released once by the writer: the
    cheapest one-shot signal between two threads (an Event builds a Condition around it)."""

    __slots__ = ("done", "error", "item")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.done = threading.Lock()
        self.done.acquire()
        self.error: BaseException | None = None


def commit_batch(
    write_many: Callable[[Sequence[Item]], None], items: Sequence[Item]
) -> list[BaseException | None]:
    """Write ``items`` in one transaction; if it fails, each in one of its own. Returns each
    item's outcome (None: written). Where the writer's transactions run, in-process or in its
    helper process."""
    try:
        close_old_connections()
        with transaction.atomic():
            write_many(items)
        return [None] * len(items)
    except BaseException:  # each call gets its own outcome below
        log.warning("group commit of %d calls failed; writing them one by one", len(items))
    outcomes: list[BaseException | None] = []
    for item in items:
        try:
            with transaction.atomic():
                write_many([item])
            outcomes.append(None)
        except BaseException as exc:
            outcomes.append(exc)
    return outcomes


class IntakeWriter(Generic[Item]):
    """``commit``, when given and it returns outcomes (not None), writes a batch elsewhere — in
    the helper process (see :mod:`zhengyi.alerts.services.intake`); otherwise this process's
    writer thread runs :func:`commit_batch` itself."""

    def __init__(
        self,
        write_many: Callable[[Sequence[Item]], None],
        commit: Callable[[Sequence[Item]], list[BaseException | None] | None] | None = None,
    ) -> None:
        self._write_many = write_many
        self._commit = commit
        self._queue: list[_Pending[Item]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, item: Item) -> None:
        """Write ``item`` in the next group commit; returns once it is durable, or raises."""
        pending = _Pending(item)
        with self._ready:
            self._queue.append(pending)
            if self._thread is None or not self._thread.is_alive():
                # Started on first use, so a server that forks its workers gets one per worker.
                self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
                self._thread.start()
            self._ready.notify()
        if not pending.done.acquire(timeout=WAIT_SECONDS):
            raise RuntimeError(_("受理写入超时，请用同一幂等键重试"))
        if pending.error is not None:
            raise pending.error

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._queue:
                    self._ready.wait(IDLE_SECONDS)
                idle = not self._queue
            if idle:
                # An idle writer holds no connection (a database can then be dropped or
                # restarted without waiting for it); it reconnects with the next call.
                connections.close_all()
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            items = [pending.item for pending in batch]
            try:
                outcomes = self._commit(items) if self._commit is not None else None
                if outcomes is None:
                    outcomes = commit_batch(self._write_many, items)
                for pending, outcome in zip(batch, outcomes, strict=True):
                    pending.error = outcome
            except BaseException as exc:  # not known to be written: the caller retries with its key
                log.warning("group commit of %d calls not written: %r", len(batch), exc)
                for pending in batch:
                    pending.error = RuntimeError(_("受理写入中断，请用同一幂等键重试"))
            finally:
                for pending in batch:
                    pending.done.release()
