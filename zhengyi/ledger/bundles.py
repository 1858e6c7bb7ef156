"""Export bundles, and importing them on an air-gapped public deployment (a mirror).

The police network is isolated from the internet (DESIGN §3), so the public side is fed by
files. A bundle is JSON Lines, UTF-8:

* line 1, the header: ``format`` / ``version``, ``origin``, ``since`` and ``size`` (it carries
  entries ``since … size-1``), ``checkpoint`` (the newest signed checkpoint, at ``size``, with
  its cosignatures), ``checkpoints`` (every checkpoint signed in ``[since, size]``, with theirs),
  ``left`` (base64 hashes of the perfect subtrees making up the tree of ``since``, so the new
  part can be verified and proved without the old entries), ``consistency`` (the proof from
  ``since`` to ``size``), ``keys`` (the log's published keys with their transition
  checkpoints) and ``witnesses``;
* one line per entry, ``{"i": index, "e": base64(bytes)}``;
* a last line ``{"end": size}`` — a truncated file is refused.

Its authenticity is the checkpoint's signature: the entries and ``left`` hashes must hash to
the signed root. A mirror imports a bundle only if it extends what it holds — ``since`` is at
most its size, the entries it already has are byte-identical, the consistency proof from its
tree holds, and after appending the rest the root is the signed one — and applies it in one
transaction, so a refused bundle changes nothing.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhengyi.core.models import User
from zhengyi.core.services.audit import record_change
from zhengyi.ledger import cosignature, entries, keys, merkle, note, storage
from zhengyi.ledger.models import Checkpoint, Cosignature, LogHead, LogKey, Witness
from zhengyi.ledger.services import log as ledger_log
from zhengyi.ledger.services.keys import trusted_log_verifiers
from zhengyi.ledger.storage import Db, NewEntry, TreeReader
from zhengyi.ledger.verifier import BUNDLE_FORMAT, VerifyError, open_log_checkpoint, read_bundle

Progress = Callable[[int, int], None]
CHUNK = 5000


class BundleError(Exception):
    """A bundle cannot be exported, or is refused on import; the message says why."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def export_bundle(out: Path, *, since: int = 0, progress: Progress | None = None) -> dict[str, Any]:
    """Write a bundle of entries ``[since, newest checkpoint)``; returns its header."""
    latest = ledger_log.latest_checkpoint()
    if latest is None:
        raise BundleError("没有签名检查点，无可导出 / no signed checkpoint yet: run zhengyi ledger sign")
    size = latest.size
    if not 0 <= since <= size:
        raise BundleError(f"--since {since} is beyond the newest checkpoint ({size} entries)")
    db = Db()
    reader = TreeReader(size, db=db)
    checkpoints = Checkpoint.objects.filter(size__gte=since, size__lte=size).order_by("size")
    header = {
        "format": BUNDLE_FORMAT,
        "version": 1,
        "origin": latest.note.split("\n", 1)[0],
        "since": since,
        "size": size,
        "checkpoint": ledger_log.served_note(latest),
        "checkpoints": [ledger_log.served_note(cp) for cp in checkpoints],
        "left": [_b64(reader.node(n)) for n in merkle.root_nodes(since)],
        "consistency": [_b64(h) for h in storage.consistency_proof(since, size, reader)],
        "keys": [
            {"vkey": k.vkey, "status": k.status, "transition": k.transition or None}
            for k in LogKey.objects.exclude(status=LogKey.Status.TRUSTED).order_by("published_at", "id")
        ],
        "witnesses": [{"name": w.name, "vkey": w.vkey} for w in Witness.objects.filter(active=True)],
        "exported_at": timezone.now().isoformat(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(header, ensure_ascii=False, sort_keys=True) + "\n")
            for offset, data in enumerate(storage.iter_entry_data(since, size, db)):
                f.write(f'{{"i":{since + offset},"e":"{_b64(data)}"}}\n')
                if progress is not None and offset % 10000 == 0:
                    progress(offset, size - since)
            f.write(json.dumps({"end": size}) + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(size - since, size - since)
    return header


@dataclass
class ImportResult:
    appended: int
    size: int
    checkpoints: int


def _learn_keys(header: dict[str, Any], trust_keys: list[str]) -> list[note.Verifier]:
    """The mirror's trusted keys, after adding operator-given anchors and vouched rotations."""
    now = timezone.now()
    for vkey in trust_keys:
        note.Verifier.from_vkey(vkey)  # refuse a malformed anchor before storing it
        LogKey.objects.update_or_create(
            vkey=vkey, defaults={"status": LogKey.Status.TRUSTED, "published_at": now}
        )
    for item in header.get("keys", []):
        vkey, transition = str(item.get("vkey", "")), item.get("transition") or ""
        if transition and not LogKey.objects.filter(vkey=vkey).exists():
            # Kept as published; trusted_log_verifiers() trusts it only if a trusted key signed
            # its transition checkpoint.
            LogKey.objects.create(
                vkey=vkey, status=LogKey.Status.RETIRED, published_at=now, transition=str(transition)
            )
    verifiers = trusted_log_verifiers()
    if not verifiers:
        raise BundleError(
            "镜像没有信任的日志公钥 / this mirror trusts no log key: set ZHENGYI_LEDGER_LOG_KEYS or "
            "pass --trust-key with the key the station publishes"
        )
    return verifiers


@transaction.atomic
def import_bundle(
    path: Path, *, actor: User, trust_keys: list[str] | None = None, progress: Progress | None = None
) -> ImportResult:
    """Apply a bundle to this mirror, all or nothing (see the module docstring)."""
    if not ledger_log.is_mirror():
        raise BundleError(
            "只有镜像部署可以导入 / only a mirror imports bundles (ZHENGYI_LEDGER_ROLE=mirror); "
            "this deployment writes its own log"
        )
    try:
        bundle = read_bundle(path, progress)
    except VerifyError as exc:
        raise BundleError(str(exc)) from None
    header = bundle.header
    verifiers = _learn_keys(header, list(trust_keys or []))
    witnesses = [
        cosignature.CosignatureVerifier.from_vkey(w.vkey) for w in Witness.objects.filter(active=True)
    ]
    try:
        body, opened = open_log_checkpoint(str(header["checkpoint"]), verifiers, witnesses)
    except VerifyError as exc:
        raise BundleError(f"捆绑包的检查点不可信 / the bundle's checkpoint is refused: {exc}") from None
    k = int(settings.LEDGER_WITNESSES_REQUIRED)
    if k:
        # This mirror's policy, over the witnesses its operator configured.
        try:
            cosignature.check_policy(opened, witnesses, k)
        except (cosignature.PolicyError, ValueError) as exc:
            raise BundleError(f"见证不足 / witness policy not met: {exc}") from None
    since, size = bundle.since, bundle.size
    if body.size != size:
        raise BundleError(f"the bundle says size {size}, its checkpoint {body.size}")
    db = Db()
    head = storage.read_head(db, lock=True, create=True)
    have = head.size
    if since > have:
        raise BundleError(
            f"捆绑包有缺口 / the bundle starts at entry {since}, this mirror holds only {have}: "
            f"export with --since {have}"
        )
    if size < have:
        raise BundleError(
            f"捆绑包比本镜像旧 / the bundle ends at {size}, this mirror already holds {have} entries"
        )
    reader = TreeReader(have, db=db, log_id=head.log_id, cached=False)
    left = bundle.left
    if left != [reader.node(n) for n in merkle.root_nodes(since)]:
        raise BundleError(
            f"日志分叉 / the bundle's tree of {since} entries is not this mirror's: the log forked"
        )
    old_root = merkle.fold(left) if left else merkle.EMPTY_ROOT
    try:
        proof = [note.b64decode_strict(h) for h in header.get("consistency", [])]
        merkle.verify_consistency(since, size, proof, old_root, body.root_hash)
    except (ValueError, merkle.ProofError) as exc:
        raise BundleError(
            f"一致性证明不成立 / the consistency proof from {since} to {size} fails: {exc}"
        ) from None
    for offset, data in enumerate(storage.entry_data(since, have, db)):
        if data != bundle.entries[offset]:
            raise BundleError(f"日志分叉 / entry {since + offset} in the bundle differs from this mirror's")
    new = bundle.entries[have - since :]
    for lo in range(0, len(new), CHUNK):
        rows = [NewEntry(data, entries.kind_of(data)[:64], timezone.now()) for data in new[lo : lo + CHUNK]]
        storage.append_entries(rows, db)
        if progress is not None:
            progress(lo + len(rows), len(new))
    head = storage.read_head(db)
    root = storage.tree_root(db, head)
    if root != body.root_hash:
        raise BundleError(
            f"捆绑包条目与签名不符 / the bundle's entries hash to {root.hex()}, its checkpoint signed "
            f"{body.root_hash.hex()}: nothing was imported"
        )
    count = _import_checkpoints(header, verifiers, TreeReader(size, db=db, log_id=head.log_id, cached=False))
    newest = Checkpoint.objects.get(size=size)
    log_id, newest_note = head.log_id, newest.note
    # The mirror, too, remembers the newest checkpoint it holds: a restored older database is refused.
    transaction.on_commit(lambda: keys.record_signed(log_id, size, newest_note))
    # The log (its head row) is what changed; a checkpoint row holds bytes the change log's
    # JSON does not.
    record_change(
        actor=actor,
        obj=LogHead.objects.get(pk=storage.HEAD_ID),
        action="update",
        message=f"导入捆绑包 / imported entries {have}…{size - 1} ({len(new)})",
    )
    return ImportResult(appended=len(new), size=size, checkpoints=count)


def _import_checkpoints(header: dict[str, Any], verifiers: list[note.Verifier], reader: TreeReader) -> int:
    """Store the bundle's checkpoints (each verified and matching the stored tree) and the
    cosignatures of witnesses this mirror knows."""
    witnesses = {w.vkey: w for w in Witness.objects.filter(active=True)}
    witness_verifiers = {
        w.vkey: cosignature.CosignatureVerifier.from_vkey(w.vkey) for w in witnesses.values()
    }
    by_id = {(v.name, v.key_hash): vkey for vkey, v in witness_verifiers.items()}
    count = 0
    now = timezone.now()
    for text in [*header.get("checkpoints", []), header["checkpoint"]]:
        try:
            body, opened = open_log_checkpoint(str(text), verifiers, list(witness_verifiers.values()))
        except VerifyError as exc:
            raise BundleError(f"a checkpoint in the bundle is refused: {exc}") from None
        if storage.root_at(body.size, reader) != body.root_hash:
            raise BundleError(f"checkpoint {body.size} in the bundle does not match the entries")
        log_ids = {(v.name, v.key_hash) for v in verifiers}
        log_sigs = "".join(s.line() for s in opened.sigs if (s.name, s.key_hash) in log_ids)
        compact = b"".join(reader.node(n) for n in merkle.root_nodes(body.size))
        cp, created = Checkpoint.objects.get_or_create(
            size=body.size,
            defaults={
                "root": body.root_hash,
                "compact": compact,
                "note": opened.text + "\n" + log_sigs,
                "signed_at": now,
            },
        )
        count += created
        for sig in opened.sigs:
            vkey = by_id.get((sig.name, sig.key_hash))
            if vkey is not None:
                Cosignature.objects.update_or_create(
                    checkpoint=cp,
                    witness=witnesses[vkey],
                    defaults={
                        "line": sig.line().rstrip("\n"),
                        "timestamp": cosignature.cosignature_timestamp(sig),
                        "received_at": now,
                    },
                )
    return count
