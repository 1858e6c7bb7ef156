"""Witnesses (见证人) and their cosignatures on checkpoints (c2sp.org/tlog-cosignature).

A witness — a procuratorate, a newspaper — is configured with its name and verifier key
(``zhengyi ledger witness add``). It checks each checkpoint it sees is consistent with the last
one it saw (``zhengyi ledger cosign`` does that for an air-gapped witness), then hands its
cosignature back: POSTed to ``/ledger/cosign`` or carried in on a file. A cosignature is kept
only if it verifies under a configured, active witness key over a checkpoint this log signed;
the served checkpoint then carries it. ``LEDGER_WITNESSES_REQUIRED`` is the k of the k-of-n
policy verifiers apply.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengyi.core.models import User
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.ledger import checkpoint as cpmod
from zhengyi.ledger import cosignature, note
from zhengyi.ledger.models import Checkpoint, Cosignature, Witness

MAX_COSIGNED_NOTE = 16 * 1024


def parse_witness_vkey(vkey: str) -> cosignature.CosignatureVerifier:
    try:
        return cosignature.CosignatureVerifier.from_vkey(vkey.strip())
    except note.NoteError as exc:
        raise ValidationError(f"见证人公钥无效 / not a witness verifier key: {exc}") from None


@transaction.atomic
def add_witness(*, actor: User, name: str, vkey: str, description: str = "") -> Witness:
    verifier = parse_witness_vkey(vkey)
    if verifier.name != name:
        raise ValidationError(
            f"公钥的名称是 “{verifier.name}”，与 “{name}” 不符 / the key is named {verifier.name!r}, not {name!r}"
        )
    if Witness.objects.filter(vkey=vkey.strip()).exists():
        raise ValidationError(f"见证人公钥已存在 / this witness key is already configured: {name}")
    witness = Witness.objects.create(
        name=name, vkey=vkey.strip(), description=description[:200], active=True, added_at=timezone.now()
    )
    record_change(actor=actor, obj=witness, action="create", message=f"见证人 {name}")
    return witness


@transaction.atomic
def set_witness_active(*, actor: User, witness: Witness, active: bool) -> Witness:
    before = snapshot(witness)
    witness.active = active
    witness.save(update_fields=["active"])
    record_change(
        actor=actor, obj=witness, action="update", before=before, message="启用" if active else "停用"
    )
    return witness


def witness_verifiers(*, active_only: bool = True) -> list[cosignature.CosignatureVerifier]:
    rows = Witness.objects.filter(active=True) if active_only else Witness.objects.all()
    return [cosignature.CosignatureVerifier.from_vkey(w.vkey) for w in rows]


def policy() -> tuple[int, int]:
    """(k, n): cosignatures required, active witnesses configured."""
    return int(settings.LEDGER_WITNESSES_REQUIRED), Witness.objects.filter(active=True).count()


@transaction.atomic
def add_cosignatures(text: str, *, actor: User, size: int | None = None) -> list[Cosignature]:
    """Store the witnesses' cosignatures found in ``text``.

    ``text`` is a cosigned checkpoint note (the checkpoint with the witness's line added), or
    only cosignature lines — then they are taken to be on the checkpoint of ``size`` (default:
    the newest). Refuses text that is not one of this log's checkpoints, a bad signature by a
    configured witness, or a note with no cosignature from one.
    """
    if len(text.encode()) > MAX_COSIGNED_NOTE:
        raise ValidationError(f"联署内容过长 / more than {MAX_COSIGNED_NOTE} bytes")
    if text.startswith(note.SIGNATURE_PREFIX):
        target = (
            Checkpoint.objects.filter(size=size).first()
            if size is not None
            else Checkpoint.objects.order_by("-size").first()
        )
        if target is None:
            raise ValidationError("没有这个检查点 / no such checkpoint")
        lines = text if text.endswith("\n") else text + "\n"
        text = _body(target.note) + "\n" + lines
    rows = list(Witness.objects.filter(active=True))
    verifiers = {(v.name, v.key_hash): (v, w) for w in rows for v in [parse_witness_vkey(w.vkey)]}
    try:
        opened = note.open(text, [v for v, _w in verifiers.values()])
    except note.UnverifiedNoteError:
        raise ValidationError(
            "没有已配置见证人的有效联署 / no cosignature by a configured, active witness"
        ) from None
    except note.NoteError as exc:
        raise ValidationError(f"联署无效 / the cosigned note is refused: {exc}") from None
    try:
        body = cpmod.parse(opened.text)
    except cpmod.CheckpointError as exc:
        raise ValidationError(f"不是检查点 / not a checkpoint: {exc}") from None
    target = Checkpoint.objects.filter(size=body.size).first()
    if target is None or _body(target.note) != opened.text:
        raise ValidationError(
            f"本日志没有签过这个检查点 / this log signed no such checkpoint (size {body.size})"
        )
    stored: list[Cosignature] = []
    now = timezone.now()
    for sig in opened.sigs:
        _verifier, witness = verifiers[(sig.name, sig.key_hash)]
        line = sig.line().rstrip("\n")
        found = Cosignature.objects.filter(checkpoint=target, witness=witness).first()
        if found is not None:
            if found.line != line:  # a newer cosignature by the same witness replaces the old one
                found.line, found.timestamp, found.received_at = (
                    line,
                    cosignature.cosignature_timestamp(sig),
                    now,
                )
                found.save(update_fields=["line", "timestamp", "received_at"])
            stored.append(found)
            continue
        cosig = Cosignature.objects.create(
            checkpoint=target,
            witness=witness,
            line=line,
            timestamp=cosignature.cosignature_timestamp(sig),
            received_at=now,
        )
        record_change(
            actor=actor, obj=cosig, action="create", related=target, message=f"{witness.name} 联署检查点"
        )
        stored.append(cosig)
    return stored


def _body(signed: str) -> str:
    """A signed note's text (up to and including the newline before the last blank line)."""
    return signed[: signed.rfind("\n\n") + 1]
