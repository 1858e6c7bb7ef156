"""Is the stored log the log we signed? The start-up check and ``zhengyi ledger verify --full``.

The **start-up check** (:func:`quick_check`, run by ``zhengyi serve``, the WSGI entry and
``zhengyi check --deploy``) costs O(log n) reads plus a re-hash of what was appended since it
last passed:

* the newest checkpoint verifies under the log's trusted key(s), and matches its row;
* the log holds at least that many entries — fewer is a rolled-back log — and no entry is
  missing from its end; the state file next to the key knows no newer checkpoint than the
  database (a database restored from an older backup is a rolled-back log too);
* the root recomputed from the stored tiles and entries at the checkpoint's size is the signed
  root, and the head row's compact range agrees with the tiles at the current size;
* every entry since the size the last successful check reached is re-hashed against its tile,
  and those tiles' inner hashes against the tiles above.

The **full check** re-hashes everything, and re-checks every checkpoint and cosignature.
Each problem is reported in a sentence naming the entry, tile or checkpoint at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError

from zhengyi.ledger import keys, merkle, note, storage, tiles
from zhengyi.ledger.merkle import HASH_SIZE
from zhengyi.ledger.models import Checkpoint, Cosignature
from zhengyi.ledger.storage import HEIGHT, WIDTH, Db, StorageError, TreeReader, tile_tree
from zhengyi.ledger.verifier import VerifyError, open_log_checkpoint

Progress = Callable[[int, int], None]
MAX_PROBLEMS = 50


@dataclass
class Report:
    size: int = 0
    checkpoint_size: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rehashed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)


def quick_check(progress: Progress | None = None) -> Report:
    return _check(full=False, progress=progress)


def full_check(progress: Progress | None = None) -> Report:
    return _check(full=True, progress=progress)


def _check(*, full: bool, progress: Progress | None) -> Report:
    from zhengyi.ledger.services.keys import finish_rotation, trusted_log_verifiers

    report = Report()
    try:
        db = Db()
        head = storage.read_head(db)
        latest = Checkpoint.objects.order_by("-size").first()
        finish_rotation()
    except DatabaseError as exc:
        report.fail(f"无法读取日志表 / cannot read the ledger tables (run zhengyi migrate): {exc}")
        return report
    report.size = n = head.size
    state = keys.log_state(head.log_id) if head.log_id else {}
    reader = TreeReader(n, db=db, log_id=head.log_id, cached=False)
    if latest is None:
        if int(state.get("size", 0)) > 0:
            report.fail(
                f"日志已回滚 / the database holds no checkpoint, but this server signed checkpoint "
                f"{state['size']} of this log: the database was restored from before it"
            )
        elif n:
            report.notes.append(f"{n} entries, no checkpoint signed yet")
    else:
        _check_latest(report, latest, head, state, reader, trusted_log_verifiers())
    for other, size in keys.other_logs(head.log_id).items():
        report.notes.append(
            f"this key also signed another log ({other}, {size} entries): the database was replaced"
        )
    begin = 0 if full else int(state.get("verified", 0))
    begin = min(begin, n) >> HEIGHT << HEIGHT
    try:
        report.rehashed = _check_tiles(report, db, begin, n, progress)
    except StorageError as exc:
        report.fail(str(exc))
    if full:
        _check_checkpoints(report, reader, trusted_log_verifiers(), progress)
    if report.ok and latest is not None and head.log_id:
        keys.record_verified(head.log_id, latest.size)
    return report


def _check_latest(
    report: Report,
    latest: Checkpoint,
    head: storage.Head,
    state: dict[str, Any],
    reader: TreeReader,
    verifiers: list[note.Verifier],
) -> None:
    report.checkpoint_size = latest.size
    if not verifiers:
        report.fail(
            "找不到签名密钥 / no trusted log key: the key file is missing, so no checkpoint can be checked"
        )
        return
    try:
        body, _opened = open_log_checkpoint(latest.note, verifiers)
    except VerifyError as exc:
        report.fail(f"checkpoint {latest.size}: {exc}")
        return
    if body.size != latest.size or body.root_hash != bytes(latest.root):
        report.fail(f"checkpoint {latest.size}: its row's size or root differs from its signed note")
        return
    signed_size = int(state.get("size", 0))
    if signed_size > latest.size:
        report.fail(
            f"日志已回滚 / this server signed checkpoint {signed_size}, but the database's newest is "
            f"{latest.size}: the database was restored from an older backup"
        )
    if head.size < latest.size:
        report.fail(
            f"日志已回滚 / the log holds {head.size} entries, fewer than checkpoint {latest.size} "
            "signed: entries were removed"
        )
        return
    _check_against(report, latest, body.root_hash, reader)


def _check_against(report: Report, cp: Checkpoint, root: bytes, reader: TreeReader) -> None:
    """The stored tree at a checkpoint's size against what was signed, subtree by subtree (the
    checkpoint's compact range folds to its signed root), so a mismatch names the entries."""
    nodes = merkle.root_nodes(cp.size)
    recorded = [bytes(cp.compact)[i : i + HASH_SIZE] for i in range(0, len(bytes(cp.compact)), HASH_SIZE)]
    authentic = (
        len(recorded) == len(nodes) and (merkle.fold(recorded) if recorded else merkle.EMPTY_ROOT) == root
    )
    try:
        if authentic:
            for node, want in zip(nodes, recorded, strict=True):
                have = reader.node(node)
                if have != want:
                    where = (
                        f"entry {node.begin}" if node.level == 0 else f"entries {node.begin}…{node.end - 1}"
                    )
                    report.fail(
                        f"存储的树与检查点不符 / {where} no longer hash to what checkpoint {cp.size} signed "
                        f"({have.hex()} stored, {want.hex()} signed): an entry or a stored hash was changed"
                    )
            return
        stored = storage.root_at(cp.size, reader)
    except StorageError as exc:
        report.fail(str(exc))
        return
    if stored != root:
        report.fail(
            f"存储的树与检查点不符 / the stored tree at size {cp.size} has root {stored.hex()}, "
            f"checkpoint {cp.size} signed {root.hex()}: an entry or a stored hash was changed"
        )


def _check_tiles(report: Report, db: Db, begin: int, end: int, progress: Progress | None) -> int:
    """Re-hash entries ``[begin, end)`` against their tiles, and those tiles against the ones above."""
    total = end - begin
    done = 0
    touched: set[tuple[int, int]] = set()
    for t in range(begin >> HEIGHT, end >> HEIGHT):
        lo = t << HEIGHT
        leaves = storage.stored_leaves(db, lo, lo + WIDTH)
        _check_tile(report, db, 0, t, leaves, entries=True)
        touched.add((1, t >> HEIGHT))
        done += WIDTH
        if progress is not None and t % 64 == 0:
            progress(min(done, total), total)
    level = 1
    while touched:
        above: set[tuple[int, int]] = set()
        for _level, index in sorted(touched):
            count = (end >> (HEIGHT * level)) - (index << HEIGHT)
            if count >= WIDTH:
                roots = storage.tile_roots(db, level - 1, index << HEIGHT, (index + 1) << HEIGHT)
                _check_tile(report, db, level, index, roots, entries=False)
                above.add((level + 1, index >> HEIGHT))
        touched, level = above, level + 1
    if progress is not None:
        progress(total, total)
    return total


def _check_tile(
    report: Report, db: Db, level: int, index: int, hashes: list[bytes], *, entries: bool
) -> None:
    path = tiles.Tile(level, index).path
    row = db.one("SELECT tree, root FROM ledger_tile WHERE level = %s AND idx = %s", [level, index])
    if row is None:
        report.fail(f"tile {path} is missing")
        return
    tree, root = bytes(row[0]), bytes(row[1])
    stored = [tree[i : i + HASH_SIZE] for i in range(0, WIDTH * HASH_SIZE, HASH_SIZE)]
    expected = tile_tree(hashes)
    for j, (have, want) in enumerate(zip(stored, hashes, strict=False)):
        if have != want:
            first = (index << HEIGHT) + j
            if entries:
                report.fail(
                    f"条目 {first} 与存储的哈希不符 / entry {first} hashes to {want.hex()}, but tile {path} "
                    f"holds {have.hex()}: "
                    + (
                        "the entry's bytes were changed"
                        if tile_tree(stored) == tree
                        else "the tile's stored hash was changed"
                    )
                )
            else:
                report.fail(
                    f"tile {path}: hash {j} is {have.hex()}, but tile {tiles.Tile(level - 1, first).path} "
                    f"has root {want.hex()}: a stored hash was changed"
                )
            return
    if tree != expected:
        bad = next(
            i
            for i in range(0, len(tree), HASH_SIZE)
            if tree[i : i + HASH_SIZE] != expected[i : i + HASH_SIZE]
        )
        report.fail(
            f"tile {path}: inner hash {bad // HASH_SIZE} was changed (it no longer hashes from the ones below)"
        )
    elif root != expected[-HASH_SIZE:]:
        report.fail(f"tile {path}: its root column was changed")


def _check_checkpoints(
    report: Report, reader: TreeReader, verifiers: list[note.Verifier], progress: Progress | None
) -> None:
    from zhengyi.ledger.services.witnesses import witness_verifiers

    witnesses = witness_verifiers(active_only=False)
    for cp in Checkpoint.objects.order_by("size").iterator(chunk_size=1000):
        try:
            body, _ = open_log_checkpoint(cp.note, verifiers)
        except VerifyError as exc:
            report.fail(f"checkpoint {cp.size}: {exc}")
            continue
        if cp.size > reader.size:
            report.fail(f"日志已回滚 / checkpoint {cp.size} is beyond the log's {reader.size} entries")
            continue
        _check_against(report, cp, body.root_hash, reader)
    for cosig in Cosignature.objects.select_related("checkpoint", "witness").iterator(chunk_size=1000):
        text = cosig.checkpoint.note
        body_text = text[: text.rfind("\n\n") + 1]
        try:
            note.open(body_text + "\n" + cosig.line + "\n", witnesses)
        except note.NoteError as exc:
            report.fail(f"cosignature of {cosig.witness.name} on checkpoint {cosig.checkpoint.size}: {exc}")


class LocalSource:
    """This deployment's own storage as a :class:`zhengyi.ledger.verifier.Source` (entry
    inclusion for ``zhengyi ledger verify --entry`` without HTTP, and a witness at the station)."""

    description = "local database"

    def __init__(self) -> None:
        self._readers: dict[int, TreeReader] = {}

    def checkpoint(self) -> str:
        from zhengyi.ledger.services.log import latest_checkpoint, served_note

        cp = latest_checkpoint()
        if cp is None:
            raise VerifyError("本库尚无签名检查点 / no signed checkpoint in this database yet")
        return served_note(cp)

    def witnessed_checkpoint(self) -> str | None:
        from zhengyi.ledger.services.log import served_note, witnessed_checkpoint

        cp = witnessed_checkpoint()
        return served_note(cp) if cp is not None else None

    def published_keys(self) -> list[dict[str, Any]]:
        from zhengyi.ledger.models import LogKey

        return [
            {"vkey": k.vkey, "status": k.status, "transition": k.transition or None}
            for k in LogKey.objects.exclude(status=LogKey.Status.TRUSTED).order_by("published_at", "id")
        ]

    def _reader(self, size: int) -> TreeReader:
        if size not in self._readers:
            self._readers[size] = TreeReader(size, cached=False)
        return self._readers[size]

    def node(self, ref: merkle.NodeRef, size: int) -> bytes:
        try:
            return self._reader(size).node(ref)
        except StorageError as exc:
            raise VerifyError(str(exc)) from None

    def entry(self, index: int, size: int) -> bytes:
        found = storage.entry_data(index, index + 1)
        if not found:
            raise VerifyError(f"entry {index} is missing from the log")
        return found[0]
