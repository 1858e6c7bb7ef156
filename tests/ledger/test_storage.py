"""Durable storage: appends in the caller's transaction, proofs from stored tiles."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from zhengyi.ledger import entries, merkle, storage, tiles
from zhengyi.ledger.models import Entry, EntrySalt, Tile
from zhengyi.ledger.services import log as ledger
from zhengyi.ledger.storage import TreeReader

from .conftest import NOTE, add_entries, reference_store, stored_data

pytestmark = pytest.mark.django_db


def test_append_is_part_of_the_callers_transaction_and_rolls_back_with_it() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger.append(NOTE, {"n": 1, "text": "a"})
        raise IntegrityError("the change being recorded failed")
    assert storage.read_head().size == 0
    with transaction.atomic():
        assert ledger.append(NOTE, {"n": 2, "text": "b"}) == 0
    # A savepoint that rolls back takes its entries with it; the tree stays consistent.
    with transaction.atomic():
        ledger.append(NOTE, {"n": 3, "text": "c"})
        try:
            with transaction.atomic():
                ledger.append(NOTE, {"n": 4, "text": "d"})
                raise ValueError
        except ValueError:
            pass
        ledger.append(NOTE, {"n": 5, "text": "e"})
    data = stored_data()
    assert [entries.decode(d)["n"] for d in data] == [2, 3, 5]
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in data])


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        ledger.append(NOTE, {"n": 1, "text": "a"})
    assert storage.read_head().size == 0


def test_private_fields_go_in_as_commitments_with_the_salt_kept_apart() -> None:
    with transaction.atomic():
        index = ledger.append(NOTE, {"n": 1, "text": "公开"}, private={"secret": "13812345678"})
    data = bytes(Entry.objects.get(index=index).data)
    assert b"13812345678" not in data
    salt = bytes(EntrySalt.objects.get(entry_id=index).salt)
    assert entries.check_commitment(entries.decode(data), "secret", "13812345678", salt)


@pytest.mark.parametrize("batches", [[1] * 40 + [300, 1, 255, 2, 600], [1300]])
def test_proofs_from_storage_equal_the_reference(batches: list[int]) -> None:
    start = 0
    for count in batches:
        add_entries(count, start=start, batch=count)
        start += count
    data = stored_data()
    leaves = [merkle.leaf_hash(d) for d in data]
    size = len(data)
    assert storage.tree_root() == merkle.root(leaves)
    rng = random.Random(size)
    for n in [1, 2, 3, 255, 256, 257, 511, 512, 513, 1024, 1025, size]:
        reader = TreeReader(n)
        assert storage.root_at(n, reader) == merkle.root(leaves[:n])
        for index in {0, n - 1, n // 2, *rng.sample(range(n), min(n, 12))}:
            assert storage.inclusion_proof(index, n, reader) == merkle.inclusion_proof(index, n, leaves), (
                index,
                n,
            )
        for old in {0, 1, n // 3, n - 1, n, *rng.sample(range(n + 1), min(n, 6))}:
            assert storage.consistency_proof(old, n, reader) == merkle.consistency_proof(old, n, leaves)


def test_full_tiles_are_stored_once_complete_with_every_inner_hash() -> None:
    add_entries(513, batch=513)
    data = stored_data()
    store = reference_store(data)
    assert sorted(Tile.objects.values_list("level", "index")) == [(0, 0), (0, 1)]
    for t in (0, 1):
        tree = bytes(Tile.objects.get(level=0, index=t).tree)
        assert tree[: 256 * 32] == tiles.build_tile(tiles.Tile(0, t), store)
        assert tree == storage.tile_tree([store[merkle.NodeRef(0, t * 256 + j)] for j in range(256)])
        assert tree[-32:] == store[merkle.NodeRef(8, t)]


def test_a_level_one_tile_appears_at_65536_entries() -> None:
    rows = [storage.NewEntry(b"e%d" % i, "bulk", ledger.timezone.now()) for i in range(65536 + 70)]
    with transaction.atomic():
        ledger.append_encoded(rows[:40000])
    with transaction.atomic():
        ledger.append_encoded(rows[40000:])
    assert Tile.objects.filter(level=1).count() == 1
    leaves = [merkle.leaf_hash(r.data) for r in rows]
    size = len(rows)
    reader = TreeReader(size)
    assert storage.tree_root() == merkle.root(leaves)
    for index in (0, 255, 256, 65535, 65536, size - 1, 12345):
        proof = storage.inclusion_proof(index, size, reader)
        merkle.verify_inclusion(leaves[index], index, size, proof, merkle.root(leaves))
    assert storage.consistency_proof(65536, size, reader) == merkle.consistency_proof(65536, size, leaves)


def test_the_compact_range_is_rebuilt_from_storage_when_not_remembered(log: Callable[[int], Any]) -> None:
    data = log(300)
    storage.forget()
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in data])
    add_entries(1, start=300)
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in stored_data()])


def test_sign_checkpoint_is_idempotent_and_verifies(log: Callable[[int], Any]) -> None:
    from zhengyi.ledger import checkpoint, keys

    log(10)
    assert ledger.sign_checkpoint() is None  # nothing new
    cp = ledger.latest_checkpoint()
    assert cp is not None and cp.size == 10
    verifier = keys.load_signer(create=False).verifier()
    body, _ = checkpoint.open_checkpoint(cp.note, verifier)
    assert body.root_hash == bytes(cp.root) == storage.tree_root()
    state = keys.log_state(storage.read_head().log_id)
    assert state.get("size") in (10, None)  # written on commit (never, inside a test transaction)


def test_mirror_refuses_to_append(settings: Any) -> None:
    settings.LEDGER_ROLE = "mirror"
    with pytest.raises(storage.MirrorError), transaction.atomic():
        ledger.append(NOTE, {"n": 1, "text": "x"})


@pytest.mark.django_db(transaction=True)
def test_record_commits_by_itself_and_keeps_the_tree_right() -> None:
    first = ledger.record(NOTE, {"n": 0, "text": "a"})
    ledger.record(NOTE, {"n": 1, "text": "b"})
    # Another write on the same connection, then one in a Django transaction, then more.
    with transaction.atomic():
        ledger.append(NOTE, {"n": 2, "text": "c"})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_loghead SET log_id = log_id")
    for i in range(3, 300):
        ledger.record(NOTE, {"n": i, "text": "d"})
    data = stored_data()
    assert first == 0 and len(data) == 300
    assert [entries.decode(d)["n"] for d in data] == list(range(300))
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in data])
    storage.forget()
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in data])
    # In "commit" mode (tests) every record() signed right after committing.
    cp = ledger.latest_checkpoint()
    assert cp is not None and cp.size == 300


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_are_serialised_without_gaps() -> None:
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for i in range(40):
                if i % 3:
                    ledger.record(NOTE, {"n": offset + i, "text": "t"})
                else:
                    with transaction.atomic():
                        ledger.append(NOTE, {"n": offset + i, "text": "a"})
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    data = stored_data()
    assert len(data) == 120
    assert sorted(entries.decode(d)["n"] for d in data) == sorted(
        k * 1000 + i for k in range(3) for i in range(40)
    )
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in data])
    ledger.sign_checkpoint()
    from zhengyi.ledger import integrity

    assert integrity.full_check().ok


@pytest.mark.django_db(transaction=True)
def test_record_notices_a_tail_another_connection_changed() -> None:
    """The fast path trusts this connection's remembered tree only while the log still ends with
    the entry it committed last; another connection's append or a tail put back (a restore)
    sends it through storage instead."""
    import threading

    from django.db import connections

    def elsewhere(sql: str, params: tuple[Any, ...] = ()) -> None:
        def run() -> None:
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute(sql, params)
            finally:
                connections.close_all()

        t = threading.Thread(target=run)
        t.start()
        t.join()

    for i in range(3):
        ledger.record(NOTE, {"n": i, "text": "a"})
    elsewhere("DELETE FROM ledger_entry WHERE idx = 2")  # the tail put back by a restore
    assert ledger.record(NOTE, {"n": 3, "text": "b"}) == 2
    # Another writer's entry at the end: the next record goes after it.
    other = entries.encode(NOTE, {"n": 4, "text": "c"}, at=timezone.now())
    elsewhere(
        "INSERT INTO ledger_entry (idx, data, kind, object_type, object_id, logged_at) "
        "VALUES (3, %s, %s, '', '', %s)",
        (other, NOTE, timezone.now()),
    )
    assert ledger.record(NOTE, {"n": 5, "text": "d"}) == 4
    data = stored_data()
    assert [entries.decode(d)["n"] for d in data] == [0, 1, 3, 4, 5]
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in data])  # as remembered
    storage.forget()
    assert storage.tree_root() == merkle.root([merkle.leaf_hash(d) for d in data])
