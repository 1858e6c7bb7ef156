"""Group commit for live intake: calls that arrive while one transaction commits share the next.

Every accepted call costs one transaction — a BEGIN, the station's number lock, a COMMIT that
writes some thirty pages of table and index to the log — and under the upstream 110 system's
bursts the request threads of a process spent most of their time waiting for each other's
commits. Here they hand their checked, unsaved alert to one writer thread per process and
wait; the writer takes everything queued, writes each alert whole (alert, 受理 step, change
record, board signal) in one transaction for the lot, commits once, and wakes them. A call is
answered only after the commit that holds it, so nothing acknowledged can be lost.

When a batch fails (another call took the same idempotency key, a database error), the
writer retries each call of it in a transaction of its own, so one bad call never takes the
others down with it, and each caller gets its own outcome.

Only calls outside a transaction come here; a caller already inside one (a test, a service
that receives an alert as part of a larger change) writes inline, in its own transaction.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import close_old_connections, connections, transaction
from django.utils.translation import gettext as _

from zhengyi.alerts.models import Alert
from zhengyi.core.models import Station, User

log = logging.getLogger(__name__)

MAX_BATCH = 64
# How long a caller waits for its commit before giving up; the caller retries with the same
# idempotency key, which returns the alert if the commit did happen after all.
WAIT_SECONDS = 30.0
IDLE_SECONDS = 1.0

# (actor, station, alert, the caller's context — None: the current one)
Entry = tuple[User, Station, Alert, contextvars.Context | None]
WriteMany = Callable[[Sequence[Entry]], None]


@dataclass
class _Pending:
    actor: User
    station: Station
    alert: Alert
    context: contextvars.Context  # the caller's correlation id, for the change record
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class IntakeWriter:
    def __init__(self, write_many: WriteMany) -> None:
        self._write_many = write_many
        self._queue: list[_Pending] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, actor: User, station: Station, alert: Alert) -> None:
        """Write ``alert`` in the next group commit; returns once it is durable, or raises."""
        item = _Pending(actor, station, alert, contextvars.copy_context())
        with self._ready:
            self._queue.append(item)
            if self._thread is None or not self._thread.is_alive():
                # Started on first use, so a server that forks its workers gets one per worker.
                self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
                self._thread.start()
            self._ready.notify()
        if not item.done.wait(WAIT_SECONDS):
            raise RuntimeError(_("受理写入超时，请用同一幂等键重试"))
        if item.error is not None:
            raise item.error

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
            try:
                close_old_connections()
                self._commit(batch)
            except BaseException:  # each call gets its own outcome below
                log.warning("group commit of %d alerts failed; writing them one by one", len(batch))
                self._one_by_one(batch)
            finally:
                for item in batch:
                    item.done.set()

    def _commit(self, batch: list[_Pending]) -> None:
        with transaction.atomic():
            self._write_many([(item.actor, item.station, item.alert, item.context) for item in batch])

    def _one_by_one(self, batch: list[_Pending]) -> None:
        for item in batch:
            item.alert.pk = None
            item.alert._state.adding = True
            try:
                with transaction.atomic():
                    self._write_many([(item.actor, item.station, item.alert, item.context)])
            except BaseException as exc:
                item.alert.pk = None
                item.error = exc
