"""The group-commit writer: calls queued together share a commit, and a failing batch is
retried call by call so one bad call never takes the others down with it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from types import SimpleNamespace

import pytest

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
