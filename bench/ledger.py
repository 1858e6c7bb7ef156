"""Ledger appends and proofs vs SQLite's own inserts and the pymerkle library (DESIGN.md §7).

    .venv/bin/python bench/ledger.py [--appends 2000] [--batch 20000] [--rounds 6]
        [--proof-size 10000000] [--proofs 5000] [--signing=background|commit|off] [--keep]

Builds a throw-away installation (a temporary data dir: SQLite in WAL mode with the pragmas of
``zhengyi/settings.py``, checkpoints signed by the background signer as in production), then,
interleaving the arms round by round so drift and load hit them alike:

(a) **durable appends, one per transaction**: ``ledger.record()`` (its own transaction) against
    the ceiling, SQLite's own rate: Python's ``sqlite3`` on a second connection to the same
    file with the same pragmas, ``BEGIN IMMEDIATE; INSERT; COMMIT`` of the same bytes into a
    table shaped like ``ledger_entry``. Also, for the record: an append inside a Django
    ``transaction.atomic()`` (what a service pays on top of its own change) against an
    ``INSERT`` inside ``atomic()``. Bar ≥ 0.5×.
(b) **batched appends**: ``append_many`` of N entries (canonical JSON encoding included) in one
    transaction against ``executemany`` of the same bytes in one transaction. Bar ≥ 0.25×.
(c) **pymerkle** on the same entry bytes, with its SQLite connection given the same pragmas,
    in interleaved rounds: batched (``SqliteTree.append_entries`` + ``get_root``) against
    ``append_encoded`` (whose root is kept current); one durable append per transaction
    (``append_entry`` alone — it does no tree work until asked for a root —, with a root per
    block, and with a root per commit, as a log signing each commit needs) against
    ``record_encoded``; and an inclusion proof. The roots must be equal (asserted each round).
(d) **inclusion proofs at ten million entries**: the log is grown to ``--proof-size`` in bulk
    (65,536-entry batches through the normal append path, signing off), then random proofs are
    timed one by one from storage with the per-process cache of full tiles warm — the 153
    upper tiles of a 10M tree (warmed by the first proofs; documented in docs/ledger.md) —
    and the level-0 tile read from SQLite each time. Bar < 50 µs. A sample is verified.

It reports; it does not judge: exit status 0 whether or not a bar is met (1 if roots differ
or a proof fails to verify — a correctness failure).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

WORK = Path(tempfile.mkdtemp(prefix="zhengyi-bench-ledger-"))
os.environ["ZHENGYI_DATA_DIR"] = str(WORK)
# How checkpoints are signed during (a)–(c): as in production unless --signing says otherwise.
_SIGNING = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--signing=")), "background")
os.environ["ZHENGYI_LEDGER_CHECKPOINT"] = _SIGNING
os.environ.setdefault("ZHENGYI_LOG_LEVEL", "WARNING")
os.environ["DJANGO_SETTINGS_MODULE"] = "zhengyi.settings"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

import pymerkle  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from zhengyi.ledger import entries, merkle, storage  # noqa: E402
from zhengyi.ledger.services import log as ledger  # noqa: E402

BARS = {"a": 0.5, "b": 0.25}
entries.KINDS["bench"] = entries.Kind("bench", "bench entry", public=("station", "seq", "title", "body"))


def payload(i: int) -> dict[str, object]:
    return {
        "station": "FT",
        "seq": i,
        "title": f"福田派出所通报第{i}号",
        "body": "某写字楼盗窃案已侦破，嫌疑人张某已被依法刑事拘留。" * 3,
    }


def pragmas(conn: sqlite3.Connection) -> None:
    # The pragmas zhengyi/settings.py and zhengyi/core/db_sqlite give every connection.
    for statement in settings.DATABASES["default"]["OPTIONS"]["init_command"].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA wal_autocheckpoint=20000")


def per_op(seconds: float, count: int) -> float:
    return seconds / count * 1e6


def line(label: str, micros: float, extra: str = "") -> None:
    print(f"  {label:58}{micros:>9.1f} µs/entry{1e6 / micros:>11,.0f}/s  {extra}")


def ratio_line(label: str, ours: float, ceiling: float, bar: float | None) -> None:
    ratio = ceiling / ours
    verdict = "" if bar is None else f" — bar ≥ {bar}×: {'met' if ratio >= bar else 'BELOW'}"
    print(f"  ratio {label}: {ratio:.2f}×{verdict}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--appends", type=int, default=2000, help="one-per-transaction appends per arm and round")
    ap.add_argument("--batch", type=int, default=20000, help="entries per batched transaction")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--proof-size", type=int, default=10_000_000)
    ap.add_argument("--proofs", type=int, default=5000)
    ap.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    ap.add_argument(
        "--signing",
        choices=["background", "commit", "off"],
        default="background",
        help="checkpoint signing during (a)-(c), as ZHENGYI_LEDGER_CHECKPOINT (write --signing=MODE)",
    )
    args = ap.parse_args()
    try:
        return run(args)
    finally:
        if args.keep:
            print(f"kept {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    call_command("migrate", verbosity=0)
    print(
        f"python {platform.python_version()}, django {django.get_version()}, sqlite {sqlite3.sqlite_version}, "
        f"pymerkle {pymerkle.__version__ if hasattr(pymerkle, '__version__') else '?'}, "
        f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"data dir {WORK} (SQLite WAL, synchronous=NORMAL, checkpoint signing: {settings.LEDGER_CHECKPOINT})"
    )
    db_path = str(settings.DATABASES["default"]["NAME"])
    connection.ensure_connection()
    ddl = connection.connection.execute(
        "SELECT sql FROM sqlite_master WHERE name IN ('ledger_entry', 'ledger_entry_object')"
    ).fetchall()
    with connection.cursor() as c:
        for (sql,) in ddl:  # the same table and partial index, under another name
            c.execute(sql.replace("ledger_entry", "bench_rows"))
    now = timezone.now()
    sample = [entries.encode("bench", payload(i), at=now) for i in range(max(args.appends, args.batch))]
    print(f"entries: canonical JSON, {statistics.mean(map(len, sample)):.0f} bytes on average")
    raw = sqlite3.connect(db_path, isolation_level=None)
    pragmas(raw)
    insert = "INSERT INTO bench_rows (idx, data, kind, object_type, object_id, logged_at) VALUES (?, ?, ?, ?, ?, ?)"
    stamp = str(timezone.make_naive(now, datetime.UTC))
    next_row = [0]

    def rows(n: int) -> list[tuple[Any, ...]]:
        start = next_row[0]
        next_row[0] += n
        return [(start + i, sample[i % len(sample)], "bench", "", "", stamp) for i in range(n)]

    # ---- (a) one durable append per transaction --------------------------------------------
    def a_sqlite(n: int) -> float:
        todo = rows(n)
        t0 = time.perf_counter()
        for r in todo:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(insert, r)
            raw.execute("COMMIT")
        return time.perf_counter() - t0

    def a_django_insert(n: int) -> float:
        todo = rows(n)
        sql = insert.replace("?", "%s")
        t0 = time.perf_counter()
        for r in todo:
            with transaction.atomic(), connection.cursor() as c:
                c.execute(sql, r)
        return time.perf_counter() - t0

    def a_record(n: int) -> float:
        t0 = time.perf_counter()
        for i in range(n):
            ledger.record("bench", payload(i))
        return time.perf_counter() - t0

    def a_in_atomic(n: int) -> float:
        t0 = time.perf_counter()
        for i in range(n):
            with transaction.atomic():
                ledger.append("bench", payload(i))
        return time.perf_counter() - t0

    arms_a: dict[str, Callable[[int], float]] = {
        "sqlite": a_sqlite,
        "record": a_record,
        "django": a_django_insert,
        "atomic": a_in_atomic,
    }
    timed = interleave(arms_a, args.appends, args.rounds)
    t_wait = time.perf_counter()
    signed = wait_signed()
    waited = time.perf_counter() - t_wait
    print(
        f"\n(a) durable appends, one per transaction ({args.rounds} rounds × {args.appends:,}, interleaved)"
    )
    line("SQLite itself: sqlite3 BEGIN IMMEDIATE; INSERT; COMMIT (ceiling)", timed["sqlite"])
    line("ledger.record(): entry + tree + head, own transaction", timed["record"])
    ratio_line("(a) record / SQLite", timed["record"], timed["sqlite"], BARS["a"])
    line("Django atomic() + INSERT (a service's floor)", timed["django"])
    line("atomic() + ledger.append() (what a service pays)", timed["atomic"])
    ratio_line("atomic+append / atomic+INSERT", timed["atomic"], timed["django"], None)
    print(
        f"  signing ({settings.LEDGER_CHECKPOINT}): checkpoint {signed} covered the last commit {waited * 1e3:.0f} ms after it; "
        f"{ledger.Checkpoint.objects.count()} checkpoints signed so far"
    )

    # ---- (b) batched -------------------------------------------------------------------------
    def b_sqlite(n: int) -> float:
        todo = rows(n)
        t0 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany(insert, todo)
        raw.execute("COMMIT")
        return time.perf_counter() - t0

    def b_ledger(n: int) -> float:
        items = [ledger.EntryInput("bench", payload(i)) for i in range(n)]
        t0 = time.perf_counter()
        with transaction.atomic():
            ledger.append_many(items)
        return time.perf_counter() - t0

    timed_b = interleave({"sqlite": b_sqlite, "ledger": b_ledger}, args.batch, args.rounds)
    print(f"\n(b) batched appends ({args.rounds} rounds × {args.batch:,} entries in one transaction)")
    line("SQLite itself: executemany in one transaction (ceiling)", timed_b["sqlite"])
    line("ledger append_many (JSON encoding, tree, tiles, head)", timed_b["ledger"])
    ratio_line("(b) append_many / SQLite", timed_b["ledger"], timed_b["sqlite"], BARS["b"])

    ok = compare_pymerkle(args)
    ok = prove_at_scale(args) and ok
    raw.close()
    return 0 if ok else 1


def interleave(arms: dict[str, Callable[[int], float]], n: int, rounds: int) -> dict[str, float]:
    """µs per entry of each arm, over ``rounds`` rounds in rotating order (after a warm-up)."""
    for fn in arms.values():
        fn(max(1, n // 20))
    totals = dict.fromkeys(arms, 0.0)
    names = list(arms)
    gc.disable()
    try:
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                gc.collect()
                totals[name] += arms[name](n)
    finally:
        gc.enable()
    return {name: per_op(total, n * rounds) for name, total in totals.items()}


def wait_signed(timeout: float = 30.0) -> int:
    if settings.LEDGER_CHECKPOINT == "off":
        ledger.sign_checkpoint()
    deadline = time.monotonic() + timeout
    size = storage.read_head().size
    while time.monotonic() < deadline:
        cp = ledger.latest_checkpoint()
        if cp is not None and cp.size >= size:
            return cp.size
        time.sleep(0.005)
    raise SystemExit("the background signer did not sign within 30 s")


def compare_pymerkle(args: argparse.Namespace) -> bool:
    """(c): pymerkle on the same bytes, its SQLite connection given our pragmas."""
    n = args.batch
    data = [bytes(e) for e in storage.entry_data(0, storage.read_head().size)]
    tree = pymerkle.SqliteTree(str(WORK / "pymerkle.sqlite3"), algorithm="sha256")
    pragmas(tree.con)
    t0 = time.perf_counter()
    tree.append_entries(data)
    ok = tree.get_root() == storage.tree_root()
    t_catch_up = time.perf_counter() - t0
    print(
        f"\n(c) pymerkle {getattr(pymerkle, '__version__', '')} SqliteTree on the same bytes (same pragmas)"
    )
    print(f"  pymerkle caught up with the log's {len(data):,} entries + root: {t_catch_up:.2f} s")
    t_pm = t_ours = 0.0
    for _ in range(args.rounds):
        stamp = timezone.now()
        new = [entries.encode("bench", payload(i), at=stamp) for i in range(n)]
        t0 = time.perf_counter()
        tree.append_entries(new)
        pm_root = tree.get_root()
        t_pm += time.perf_counter() - t0
        rows = [storage.NewEntry(e, "bench", stamp) for e in new]
        t0 = time.perf_counter()
        with transaction.atomic():
            ledger.append_encoded(rows)
        t_ours += time.perf_counter() - t0
        ok = ok and pm_root == storage.tree_root()
    total = n * args.rounds
    line(f"pymerkle append_entries({n:,}) + get_root", per_op(t_pm, total))
    line(f"ledger append_encoded({n:,}) (root kept current, tiles stored)", per_op(t_ours, total))
    ratio_line(
        "(c) pymerkle / ledger, batched (> 1 = ledger faster)",
        per_op(t_ours, total),
        per_op(t_pm, total),
        None,
    )
    # One durable append per transaction, on the same bytes, in interleaved blocks.
    k = min(args.appends, 1000)
    t_pm1 = t_root = t_each = t_one = 0.0
    for r in range(args.rounds):
        stamp = timezone.now()
        block = [entries.encode("bench", payload(r * k + i), at=stamp) for i in range(2 * k)]
        t0 = time.perf_counter()
        for e in block[:k]:
            tree.append_entry(e)
        t1 = time.perf_counter()
        tree.get_root()
        t2 = time.perf_counter()
        for e in block[k:]:
            tree.append_entry(e)
            pm_root = tree.get_root()
        t3 = time.perf_counter()
        for e in block:
            ledger.record_encoded(e, "bench", at=stamp)
        t4 = time.perf_counter()
        t_pm1, t_root, t_each, t_one = t_pm1 + t1 - t0, t_root + t2 - t1, t_each + t3 - t2, t_one + t4 - t3
        ok = ok and pm_root == storage.tree_root()
    total = k * args.rounds
    line("pymerkle append_entry (commits each; no root)", per_op(t_pm1, total))
    line("  … and get_root once per block", per_op(t_pm1 + t_root, total))
    line("  … and get_root after each (a root to sign per commit)", per_op(t_each, total))
    line("ledger record_encoded (commits each; root always current)", per_op(t_one, 2 * total))
    ratio_line("(c) pymerkle append only / ledger", per_op(t_one, 2 * total), per_op(t_pm1, total), None)
    ratio_line("(c) pymerkle append + root / ledger", per_op(t_one, 2 * total), per_op(t_each, total), None)
    size = storage.read_head().size
    picks = [random.randrange(size) for _ in range(50)]
    t0 = time.perf_counter()
    for index in picks:
        tree.prove_inclusion(index + 1, size)  # pymerkle counts leaves from 1
    t_pm_proof = per_op(time.perf_counter() - t0, len(picks))
    reader = storage.TreeReader(size)
    t0 = time.perf_counter()
    for index in picks:
        storage.inclusion_proof(index, size, reader)
    t_proof = per_op(time.perf_counter() - t0, len(picks))
    print(f"  inclusion proof at {size:,}: pymerkle {t_pm_proof:,.0f} µs, ledger {t_proof:,.1f} µs")
    print(f"  roots equal after every round (asserted): {'yes' if ok else 'NO — a correctness failure'}")
    tree.close()
    return ok


def prove_at_scale(args: argparse.Namespace) -> bool:
    """(d): grow the log to --proof-size, then time inclusion proofs from storage."""
    settings.LEDGER_CHECKPOINT = "off"
    have = start = storage.read_head().size
    target = max(args.proof_size, have + 1)
    t0 = time.perf_counter()
    now = timezone.now()
    chunk = 65536
    print(f"\n(d) inclusion proofs at {target:,} entries")
    while have < target:
        n = min(chunk - have % chunk, target - have)
        rows = [storage.NewEntry(b'{"seq":%d}' % (have + i), "bench", now) for i in range(n)]
        with transaction.atomic():
            ledger.append_encoded(rows)
        have += n
        rate = (have - start) / (time.perf_counter() - t0)
        print(f"\r  building: {have:,} entries ({rate:,.0f}/s)", end="", flush=True)
    build = time.perf_counter() - t0
    print(
        f"\r  built {target - start:,} entries in {build:.1f} s "
        f"({(target - start) / build:,.0f} entries/s through append_encoded)"
    )
    cp = ledger.sign_checkpoint() or ledger.latest_checkpoint()
    assert cp is not None
    size, root = cp.size, bytes(cp.root)
    reader = storage.TreeReader(size)
    rng = random.Random(7)
    for _ in range(2000):  # warm the upper tiles (153 at 10M)
        storage.inclusion_proof(rng.randrange(size), size, reader)
    picks = [rng.randrange(size) for _ in range(args.proofs)]
    samples = []
    gc.disable()
    try:
        for index in picks:
            t = time.perf_counter()
            storage.inclusion_proof(index, size, reader)
            samples.append(time.perf_counter() - t)
    finally:
        gc.enable()
    samples.sort()
    median = samples[len(samples) // 2] * 1e6
    p95 = samples[int(len(samples) * 0.95)] * 1e6
    raw = connection.connection
    t = time.perf_counter()
    for index in picks[:1000]:
        raw.execute("SELECT tree FROM ledger_tile WHERE level = 0 AND idx = ?", (index >> 8,)).fetchone()
    lookup = per_op(time.perf_counter() - t, 1000)
    storage.clear_caches()
    cold = []
    for index in picks[:300]:
        t = time.perf_counter()
        storage.inclusion_proof(index, size, storage.TreeReader(size, cached=False))
        cold.append(time.perf_counter() - t)
    ok = True
    for index in picks[:50]:
        leaf = merkle.leaf_hash(storage.entry_data(index, index + 1)[0])
        try:
            merkle.verify_inclusion(leaf, index, size, storage.inclusion_proof(index, size, reader), root)
        except merkle.ProofError as exc:
            print(f"  proof of {index} does not verify: {exc}")
            ok = False
    print(f"  {args.proofs:,} random proofs, {len(merkle.inclusion_proof_nodes(picks[0], size))} hashes each")
    print(
        f"  warm upper tiles: median {median:.1f} µs, p95 {p95:.1f} µs per proof — bar < 50 µs: {'met' if median < 50 else 'OVER'}"
    )
    print(
        f"  no cache at all (every tile read, the right border's partial tiles re-hashed each "
        f"time): median {statistics.median(cold) * 1e6:.1f} µs"
    )
    print(f"  for scale: one SQLite primary-key read of a level-0 tile row: {lookup:.1f} µs")
    print(f"  50 proofs verified against the signed root: {'yes' if ok else 'NO'}")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
