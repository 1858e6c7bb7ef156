"""Fixtures for the ledger's storage, serving and CLI tests (the pure-core tests need none)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from zhengyi.ledger import entries, merkle, storage
from zhengyi.ledger.merkle import NodeRef
from zhengyi.ledger.services import log as ledger

NOTE = "test_note"


@pytest.fixture(autouse=True)
def _fresh_ledger_caches() -> Iterator[None]:
    """Per-process caches are keyed by the log's random id; clear them anyway, so no test can
    lean on another's."""
    storage.forget()
    storage.clear_caches()
    entries.KINDS[NOTE] = entries.Kind(NOTE, "a test entry", public=("n", "text"), committed=("secret",))
    yield
    entries.KINDS.pop(NOTE, None)
    storage.forget()
    storage.clear_caches()


def add_entries(count: int, *, start: int = 0, batch: int = 100) -> None:
    """Append ``count`` test entries, committed in batches (each its own transaction)."""
    for lo in range(start, start + count, batch):
        with transaction.atomic():
            ledger.append_many(
                [
                    ledger.EntryInput(NOTE, {"n": i, "text": f"通报 {i}"})
                    for i in range(lo, min(start + count, lo + batch))
                ]
            )


def stored_data() -> list[bytes]:
    return storage.entry_data(0, storage.read_head().size)


def reference_store(data: list[bytes]) -> dict[NodeRef, bytes]:
    """Every perfect subtree of the tree of ``data``, computed by the pure core."""
    store: dict[NodeRef, bytes] = {}
    for i, entry in enumerate(data):
        store.update(merkle.hashes_for_append(i, merkle.leaf_hash(entry), store))
    return store


@pytest.fixture
def log(db: Any) -> Callable[[int], list[bytes]]:
    """Grow the log to a size and sign it; returns the entries' bytes."""

    def grow(size: int) -> list[bytes]:
        have = storage.read_head().size
        if size > have:
            add_entries(size - have, start=have)
        ledger.sign_checkpoint()
        return stored_data()

    return grow
