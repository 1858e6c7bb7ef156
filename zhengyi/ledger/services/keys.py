"""The log's keys: which verifier keys are trusted, and rotating the signing key.

Rotation (``zhengyi ledger key rotate``): a new key with the same name (the origin never
changes — it names the log) is written to ``ledger.key.next``; then, in one transaction, a
``log_key`` entry announcing it is appended and the resulting tree is signed by **both** keys
(the *transition checkpoint*, kept on the new key's ``LogKey`` row and published at
``/ledger/keys``); the old key is marked retired. After the commit the files are swapped:
``ledger.key`` becomes the new key and the old one ``ledger.key.retired-<id>`` (take it
offline, or destroy it). A crash between the commit and the swap is finished at the next start.

Trust: a key is trusted if it is an anchor — the key file on the log; ``ZHENGYI_LEDGER_LOG_KEYS``
or an operator's ``--trust-key`` on a mirror — or if a transition checkpoint is validly signed
by it and by a key already trusted. A row inserted into ``LogKey`` by someone with database
access but no key therefore earns no trust.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhengyi.core.models import User
from zhengyi.core.services.audit import record_change
from zhengyi.ledger import keys, note, storage
from zhengyi.ledger.models import LogKey
from zhengyi.ledger.services import log as ledger_log


def finish_rotation() -> None:
    """Complete (or abandon) a rotation interrupted between its commit and its file swap."""
    directory = keys.ledger_dir()
    pending = directory / keys.NEXT_KEY_FILE
    if not pending.exists():
        return
    new = keys.read_signer(pending)
    if LogKey.objects.filter(vkey=new.vkey, status=LogKey.Status.CURRENT).exists():
        current = keys.key_path()
        if current.exists():
            old = keys.read_signer(current)
            os.replace(current, directory / f"{keys.KEY_FILE}.retired-{old.key_hash:08x}")
        os.replace(pending, current)
    else:  # the rotation never committed
        pending.unlink()


def current_signer() -> note.Signer:
    finish_rotation()
    return keys.load_signer(create=True)


def _verifier(vkey: str) -> note.Verifier | None:
    try:
        return note.Verifier.from_vkey(vkey)
    except note.NoteError:
        return None


def trusted_log_verifiers() -> list[note.Verifier]:
    """The log keys this deployment trusts (see the module docstring)."""
    rows = list(LogKey.objects.all())
    known: dict[str, note.Verifier] = {}
    for vkey in [row.vkey for row in rows] + list(settings.LEDGER_LOG_KEYS):
        v = _verifier(vkey)
        if v is not None:
            known[vkey] = v
    if settings.LEDGER_ROLE == "mirror":
        anchors = set(settings.LEDGER_LOG_KEYS) | {r.vkey for r in rows if r.status == LogKey.Status.TRUSTED}
    else:
        try:
            signer = keys.load_signer(create=False)
        except keys.KeyFileError:
            return []
        known[signer.vkey] = signer.verifier()
        anchors = {signer.vkey}
    trusted = {v for v in anchors if v in known}
    by_id = {(v.name, v.key_hash): vkey for vkey, v in known.items()}
    transitions = [row.transition for row in rows if row.transition]
    grew = True
    while grew:
        grew = False
        for text in transitions:
            try:
                opened = note.open(text, list(known.values()))
            except note.NoteError:
                continue
            signers = {by_id[(s.name, s.key_hash)] for s in opened.sigs}
            if signers & trusted and not signers <= trusted:
                trusted |= signers
                grew = True
    return [known[v] for v in sorted(trusted)]


def rotate_key(*, actor: User) -> tuple[str, str]:
    """Rotate the log's signing key; returns (old vkey, new vkey). See the module docstring."""
    ledger_log._require_log()
    old = current_signer()
    # The tree is signed up to now by the old key alone first, so the transition checkpoint
    # covers exactly the announcement (and before ledger.key.next exists, which a signing
    # would take for an abandoned rotation).
    ledger_log.sign_checkpoint()
    skey, vkey = note.generate_key(old.name)
    new = note.Signer.from_skey(skey)
    pending = keys.ledger_dir() / keys.NEXT_KEY_FILE
    keys.write_secret(pending, skey + "\n")
    try:
        with transaction.atomic():
            db = storage.Db()
            now = timezone.now()
            ledger_log.append("log_key", {"new_vkey": new.vkey, "old_vkey": old.vkey})
            head = storage.read_head(db, lock=True)
            text = ledger_log.store_checkpoint(db, head, old, new).note
            ledger_log.publish_key(old.vkey)
            LogKey.objects.filter(vkey=old.vkey).update(status=LogKey.Status.RETIRED, retired_at=now)
            row = LogKey.objects.create(
                vkey=new.vkey, status=LogKey.Status.CURRENT, published_at=now, transition=text
            )
            record_change(actor=actor, obj=row, action="create", message="轮换日志签名密钥 / key rotated")
            log_id, size = head.log_id, head.size
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    finish_rotation()
    keys.record_signed(log_id, size, text)
    return old.vkey, vkey
