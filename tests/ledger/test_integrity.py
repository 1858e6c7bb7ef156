"""Tampering and rollbacks are detected, named, and refused at start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from zhengyi.ledger import integrity, keys, storage
from zhengyi.ledger.checks import ledger_guard
from zhengyi.ledger.models import Checkpoint, Entry
from zhengyi.ledger.services import log as ledger

pytestmark = pytest.mark.django_db

Grow = Callable[[int], list[bytes]]


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
    storage.forget()  # behind the log's back: no process would have seen this coming


def flip_entry_byte(index: int) -> None:
    data = bytearray(bytes(Entry.objects.get(index=index).data))
    data[5] ^= 1
    sql("UPDATE ledger_entry SET data = %s WHERE idx = %s", [bytes(data), index])


def problems(full: bool) -> str:
    report = integrity.full_check() if full else integrity.quick_check()
    assert not report.ok
    return "\n".join(report.problems)


def test_an_untouched_log_passes(log: Grow) -> None:
    log(600)
    assert integrity.quick_check().ok
    report = integrity.full_check()
    assert report.ok, report.problems
    assert report.rehashed == 600
    ledger_guard()  # does not raise


@pytest.mark.parametrize("full", [False, True])
def test_a_changed_entry_in_a_full_tile_is_named(log: Grow, full: bool) -> None:
    log(600)
    flip_entry_byte(10)
    found = problems(full)
    assert "entry 10 " in found and "the entry's bytes were changed" in found


@pytest.mark.parametrize("full", [False, True])
def test_a_changed_entry_not_yet_in_a_full_tile_is_named(log: Grow, full: bool) -> None:
    log(600)
    flip_entry_byte(590)  # the signed tree is 512 + 64 + 16 + 8: 590 is in 576…591
    assert "entries 576…591 no longer hash to what checkpoint 600 signed" in problems(full)


def test_a_changed_stored_hash_is_named(log: Grow) -> None:
    log(600)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tree FROM ledger_tile WHERE level = 0 AND idx = 1")
        tree = bytearray(bytes(cursor.fetchone()[0]))
    tree[300 * 32] ^= 1  # an inner hash of tile 0/001
    sql("UPDATE ledger_tile SET tree = %s WHERE level = 0 AND idx = 1", [bytes(tree)])
    found = problems(full=True)
    assert "tile tile/0/001: inner hash 300 was changed" in found
    tree[300 * 32] ^= 1
    tree[7 * 32] ^= 1  # the leaf hash of entry 263
    sql("UPDATE ledger_tile SET tree = %s WHERE level = 0 AND idx = 1", [bytes(tree)])
    found = problems(full=True)
    assert "entry 263 " in found and "the tile's stored hash was changed" in found


def test_a_deleted_last_entry_is_a_rolled_back_log(log: Grow) -> None:
    log(600)
    sql("DELETE FROM ledger_entry WHERE idx = %s", [599])
    found = problems(full=False)
    assert "日志已回滚" in found and "599 entries, fewer than checkpoint 600" in found
    with pytest.raises(ImproperlyConfigured, match="refusing to serve"):
        ledger_guard()
    with pytest.raises(ledger.LogIntegrityError):
        ledger.sign_checkpoint()


def test_a_deleted_middle_entry_is_named(log: Grow) -> None:
    log(600)
    sql("DELETE FROM ledger_entry WHERE idx = %s", [100])
    assert "entry 100 is missing" in problems(full=True)


def test_a_database_restored_from_before_the_last_checkpoint_is_refused(log: Grow) -> None:
    log(500)
    log(600)
    head = storage.read_head()
    newest = Checkpoint.objects.get(size=600)
    keys.record_signed(head.log_id, 600, newest.note)  # what the commit of that signing wrote
    # The backup: both the entries and the checkpoint rows as they were at 500.
    Checkpoint.objects.filter(size=600).delete()
    sql("DELETE FROM ledger_entry WHERE idx >= %s", [500])
    found = problems(full=False)
    assert "this server signed checkpoint 600, but the database's newest is 500" in found


def test_verify_full_command_names_the_failure_and_exits_1(
    log: Grow, capsys: pytest.CaptureFixture[str]
) -> None:
    log(300)
    call_command("ledger", "verify", "--full")
    assert "✓ 完整校验 full check: 300 entries" in capsys.readouterr().out
    flip_entry_byte(3)
    with pytest.raises(SystemExit) as exit_:
        call_command("ledger", "verify", "--full")
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "entry 3 " in captured.out and "problem(s)" in captured.err


def test_a_missing_key_file_is_refused(log: Grow) -> None:
    log(5)
    keys.key_path().unlink()
    assert "no trusted log key" in problems(full=False)


def test_a_different_key_is_refused(log: Grow) -> None:
    from zhengyi.ledger import note

    log(5)
    skey, _ = note.generate_key(keys.load_signer().name)
    keys.key_path().unlink()
    keys.write_secret(keys.key_path(), skey + "\n")
    assert "not signed by a known log key" in problems(full=False)


def test_a_key_file_readable_by_others_is_refused(log: Grow) -> None:
    log(5)
    keys.key_path().chmod(0o644)
    with pytest.raises(keys.KeyFileError, match="chmod 600"):
        keys.load_signer()
