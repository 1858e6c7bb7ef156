"""The group-commit writer: calls queued together share a commit, and a failing batch is
retried call by call so one bad call never takes the others down with it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from types import SimpleNamespace

import pytest

from tests.threads_support import run_together
from zhengyi.alerts.services.intake_writer import IntakeWriter

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failing_batch_is_retried_call_by_call_and_each_caller_gets_its_own_outcome() -> None:
    batches: list[list[str]] = []
    first_started = threading.Event()
    release_first = threading.Event()

    def write_many(entries: Sequence[SimpleNamespace]) -> None:
        names = [e.name for e in entries]
        batches.append(names)
        if names == ["first"]:
            first_started.set()
            release_first.wait(10)
        if "bad" in names:
            raise ValueError("bad call")
        for entry in entries:
            entry.pk = len(batches)

    writer = IntakeWriter(write_many)
    outcomes: dict[str, object] = {}

    def submit(name: str) -> None:
        try:
            writer.submit(SimpleNamespace(name=name, pk=None))
            outcomes[name] = "ok"
        except ValueError as exc:
            outcomes[name] = exc

    first = threading.Thread(target=submit, args=("first",))
    first.start()
    assert first_started.wait(10)
    # While the writer is busy with "first", three calls queue up and form the next batch.
    others = [threading.Thread(target=submit, args=(n,)) for n in ("good1", "bad", "good2")]
    for t in others:
        t.start()
    deadline = time.monotonic() + 10
    while len(writer._queue) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    release_first.set()
    for t in [first, *others]:
        t.join(10)

    assert outcomes["first"] == outcomes["good1"] == outcomes["good2"] == "ok"
    assert isinstance(outcomes["bad"], ValueError)
    # The shared batch failed whole, then each of its calls was written on its own.
    assert batches[0] == ["first"]
    assert sorted(batches[1]) == ["bad", "good1", "good2"]
    assert sorted(map(tuple, batches[2:])) == [("bad",), ("good1",), ("good2",)]


def test_live_intake_on_sqlite_commits_in_the_helper_process(
    personas: dict[str, object], stations: dict[str, object]
) -> None:
    """On SQLite the group commit runs in a helper process (settings.INTAKE_WRITER): the alert
    comes back numbered and keyed, with its 受理 step, change record and board signal stored."""
    from django.conf import settings
    from django.db import connection, connections

    from zhengyi.alerts.models import Alert, AlertEvent, BoardEvent
    from zhengyi.alerts.services import intake
    from zhengyi.core.models import ObjectChange

    from .tower_support import tower_call

    if connection.vendor != "sqlite":
        assert settings.INTAKE_WRITER == "thread"
        pytest.skip("PostgreSQL commits in a thread of the app process")
    assert settings.INTAKE_WRITER == "process"
    ft = stations["FT"]
    data = tower_call(stations)
    made: list[Alert] = []

    def call(i: int) -> None:
        try:
            alert, created = intake.receive_alert(
                actor=personas["dispatcher"], station=ft, data=data, idempotency_key=f"helper-{i}"
            )
            assert created
            made.append(alert)
        finally:
            connections.close_all()

    run_together(call, 6)
    helper = intake._helper._proc
    assert helper is not None and helper.poll() is None and helper.pid != os.getpid()
    assert len(made) == 6
    for alert in made:
        stored = Alert.objects.get(pk=alert.pk)
        assert stored.number == alert.number and not alert._state.adding
        assert AlertEvent.objects.filter(alert=stored, step="received").count() == 1
        change = ObjectChange.objects.get(content_type__model="alert", object_id=str(alert.pk))
        assert change.object_repr.startswith(alert.number) and change.after["number"] == alert.number
        assert BoardEvent.objects.filter(alert=stored).count() == 1
    # A retry with a key already used is answered from the stored alert, through the helper's
    # refusal of the duplicate key.
    again, created = intake.receive_alert(
        actor=personas["dispatcher"], station=ft, data=data, idempotency_key="helper-0"
    )
    assert not created and again.pk in {a.pk for a in made}


def test_a_helper_that_cannot_write_fails_each_call_with_a_retry_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zhengyi.core.helper_process import HelperProcessError

    def broken(entries: Sequence[SimpleNamespace]) -> list[BaseException | None]:
        raise HelperProcessError("the helper process stopped")

    writer = IntakeWriter(lambda entries: None, broken)
    with pytest.raises(RuntimeError, match="同一幂等键重试"):
        writer.submit(SimpleNamespace(name="x"))
