"""The internet side applies a portal bundle: all of it, checked, in one transaction — or nothing.

Order matters: the ledger part is imported first (:func:`zhengyi.ledger.bundles.import_bundle`:
the checkpoint's signature, consistency with what this mirror holds, the entries hashing to the
signed root), so the public rows are then checked against a log this mirror has verified itself
(:mod:`zhengyi.sunshine.portal_rows`). Any problem raises and the transaction takes the ledger
part back with it.

On the mirror the rows are stored in the portal's own tables. Publications, versions,
withdrawals, steps and answered messages are the police side's public rows; their internal
fields (the draft, the parties' names, the author and reviewer) do not exist here: the internal
text is left empty and the accounts are the mirror's system account — the actor that imported
them — since no person of the police side has an account on the internet side.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from zhengyi.core.models import ObjectChange, Station, User
from zhengyi.core.services.audit import new_change, record_change, record_changes, snapshot
from zhengyi.core.services.org import upsert_bureau, upsert_station
from zhengyi.ledger import bundles, entries, note, storage
from zhengyi.ledger.models import Entry
from zhengyi.ledger.services.keys import trusted_log_verifiers
from zhengyi.sunshine import deployment, portal_rows
from zhengyi.sunshine.models import (
    Feedback,
    ProgressEntry,
    Publication,
    PublicationVersion,
    PublishedLookup,
    PublishedSummary,
    Withdrawal,
)
from zhengyi.sunshine.services.portal_export import (
    LEDGER,
    MANIFEST,
    PORTAL,
    SIGNATURE,
    PortalBundleError,
    manifest_note,
)

Progress = Callable[[int, int], None]
MESSAGE = "导入门户包 / from a portal bundle"


@dataclass
class ImportResult:
    ledger_appended: int
    ledger_size: int
    publications: int  # new publications
    versions: int  # new versions
    withdrawals: int
    steps: int
    feedback: int
    summaries: int  # created or changed
    lookups: int  # created, changed or removed
    relayed: int  # carried-in messages the police side confirmed

    @property
    def changed(self) -> bool:
        return any(
            (
                self.publications,
                self.versions,
                self.withdrawals,
                self.steps,
                self.feedback,
                self.summaries,
                self.lookups,
                self.relayed,
            )
        )


def _read(path: Path, tmp: Path) -> tuple[dict[str, Any], Any, Path, bytes, str]:
    """The manifest, the portal rows, the ledger part extracted to ``tmp``, and the manifest's
    bytes and signed note (checked once the ledger part has told which keys sign this log)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if names != {MANIFEST, SIGNATURE, LEDGER, PORTAL}:
                raise PortalBundleError(
                    f"不是门户包 / not a portal bundle: it holds {sorted(names)}, "
                    f"expected {MANIFEST}, {SIGNATURE}, {LEDGER} and {PORTAL}"
                )
            manifest_bytes = zf.read(MANIFEST)
            signed = zf.read(SIGNATURE).decode("utf-8")
            manifest = json.loads(manifest_bytes.decode("utf-8"))
            zf.extract(LEDGER, tmp)
            portal = zf.read(PORTAL)
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PortalBundleError(f"门户包无法读取 / cannot read the portal bundle: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != portal_rows.FORMAT:
        raise PortalBundleError("不是门户包 / not a portal bundle (its manifest names another format)")
    if manifest.get("version") != portal_rows.VERSION:
        raise PortalBundleError(f"门户包版本 {manifest.get('version')!r} 不受支持 / unsupported version")
    ledger_path = tmp / LEDGER
    digests = manifest.get("sha256") or {}
    got = {
        LEDGER: hashlib.sha256(ledger_path.read_bytes()).hexdigest(),
        PORTAL: hashlib.sha256(portal).hexdigest(),
    }
    for member, digest in got.items():
        if digests.get(member) != digest:
            raise PortalBundleError(f"门户包已损坏 / the bundle's {member} does not match its manifest")
    try:
        rows = json.loads(portal.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PortalBundleError(f"{PORTAL} is not UTF-8 JSON: {exc}") from None
    return manifest, rows, ledger_path, manifest_bytes, signed


def _check_signature(manifest: dict[str, Any], manifest_bytes: bytes, signed: str) -> None:
    """The manifest must be signed by a key this mirror trusts for the log (as checkpoints are)."""
    try:
        opened = note.open(signed, trusted_log_verifiers())
    except note.NoteError as exc:
        raise PortalBundleError(
            f"门户包清单的签名无效，未导入任何内容 / the bundle's manifest is not signed by the log's key, "
            f"nothing imported: {exc}"
        ) from None
    if opened.text != manifest_note(str(manifest.get("origin", "")), manifest_bytes):
        raise PortalBundleError(
            "门户包清单与其签名不符，未导入任何内容 / the manifest is not the one its signature covers, "
            "nothing imported"
        )


def _entry_reader() -> Callable[[int], dict[str, Any] | None]:
    cache: dict[int, dict[str, Any] | None] = {}

    def entry_at(index: int) -> dict[str, Any] | None:
        if index not in cache:
            got = storage.entry_data(index, index + 1) if index >= 0 else []
            try:
                cache[index] = entries.decode(got[0]) if got else None
            except entries.EntryError:
                cache[index] = None
        return cache[index]

    return entry_at


def held_rows() -> dict[str, Any]:
    """What this mirror shows, in the bundle's shape (for the append-only check)."""
    pubs = []
    for pub in (
        Publication.objects.filter(current__isnull=False)
        .select_related("station", "current", "withdrawal")
        .prefetch_related("versions", "progress")
    ):
        w = getattr(pub, "withdrawal", None) if hasattr(pub, "withdrawal") else None
        pubs.append(
            {
                "station": pub.station.code,
                "number": pub.number,
                "kind": pub.kind,
                "first_published_at": portal_rows.iso(pub.first_published_at or timezone.now()),
                "current": pub.current.version if pub.current else 0,
                "versions": [_version_row(v) for v in pub.versions.all() if v.ledger_index is not None],
                "withdrawal": {
                    "reason": w.reason,
                    "withdrawn_at": portal_rows.iso(w.withdrawn_at),
                    "ledger_index": w.ledger_index,
                }
                if w is not None
                else None,
                "progress": [
                    {"seq": s.seq, "on": s.on.isoformat(), "text": s.text, "ledger_index": s.ledger_index}
                    for s in pub.progress.all()
                ],
            }
        )
    feedback = [
        _feedback_row(f)
        for f in Feedback.objects.filter(status=Feedback.Status.PUBLISHED).select_related("station")
    ]
    return {"publications": pubs, "feedback": feedback}


def _version_row(v: PublicationVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "title": v.title,
        "text": v.text,
        "correction_note": v.correction_note,
        "published_at": portal_rows.iso(v.published_at) if v.published_at else "",
        "text_sha256": v.text_sha256,
        "ledger_index": v.ledger_index,
    }


def _feedback_row(f: Feedback) -> dict[str, Any]:
    return {
        "station": f.station.code,
        "number": f.number,
        "submitted_at": portal_rows.iso(f.submitted_at),
        "moderated_at": portal_rows.iso(f.moderated_at) if f.moderated_at else "",
        "subject": f.public_subject,
        "message": f.public_message,
        "reply": f.reply,
        "replied_by_name": f.replied_by_name,
        "ledger_index": f.ledger_index,
    }


def _check(doc: Any) -> None:
    from zhengyi.cases import lookup
    from zhengyi.cases.models import Case

    problems = portal_rows.check_shape(doc)
    if problems:
        raise portal_rows.RowError(problems)
    codes = {st["code"] for st in doc["stations"]}
    for group in ("publications", "feedback", "summaries"):
        problems += [
            f"{group}: 派出所 {r['station']} 不在包中 / unknown station"
            for r in doc[group]
            if r["station"] not in codes
        ]
    problems += portal_rows.check_against_log(doc, _entry_reader())
    problems += portal_rows.check_append_only(held_rows(), doc)
    problems += portal_rows.check_summaries(doc, int(settings.SUNSHINE_SMALL_COUNT))

    def hash_ok(value: str) -> bool:
        parts = value.split("$")
        return (
            len(parts) == 3
            and parts[0] == lookup.SCHEME
            and len(parts[1]) == 2 * lookup.SALT_BYTES
            and len(parts[2]) == 64
            and all(c in "0123456789abcdef" for c in parts[1] + parts[2])
        )

    problems += portal_rows.check_lookups(
        doc, kinds=Case.Kind.values, stages=Case.Stage.values, hash_ok=hash_ok
    )
    if problems:
        raise portal_rows.RowError(problems)


class _Changes:
    """Audit records of one import, inserted together (a bundle can bring thousands of rows),
    and which imported entry logged which new row."""

    def __init__(self, actor: User) -> None:
        self.actor, self.rows = actor, list[ObjectChange]()
        self.logged: list[tuple[int, Model]] = []

    def add(
        self, obj: Model, action: str, related: Model | None = None, before: dict[str, Any] | None = None
    ) -> None:
        """``before``: the object's snapshot before an update or a delete, as every service's
        record of a change to an existing row carries."""
        if before is None and action == "delete":
            before = snapshot(obj)
        self.rows.append(
            new_change(
                actor=self.actor, obj=obj, action=action, related=related, message=MESSAGE, before=before
            )
        )
        index = getattr(obj, "ledger_index", None)
        if action == "create" and index is not None:
            self.logged.append((index, obj))

    def link_entries(self) -> None:
        """An imported entry knows no object (the bundle carries only its bytes); pointing it at
        the row it logged here gives the mirror's pages the same "logged as entry N · verify"
        links as the police side's. The object reference is not part of the log's hashes."""
        for index, obj in self.logged:
            Entry.objects.filter(index=index, object_type="").update(
                object_type=obj._meta.label_lower, object_id=str(obj.pk)
            )


def _apply_stations(doc: Any, actor: User) -> dict[str, Station]:
    out = {}
    for st in doc["stations"]:
        b = st["bureau"]
        bureau = upsert_bureau(
            actor=actor, code=b["code"], name=b["name"], name_en=b["name_en"], kind=b["kind"]
        )
        out[st["code"]] = upsert_station(
            actor=actor, code=st["code"], name=st["name"], name_en=st["name_en"], bureau=bureau
        )
    return out


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _apply_publication(row: Any, station: Station, actor: User, log: _Changes, result: ImportResult) -> None:
    pub = Publication.objects.filter(station=station, number=row["number"]).first()
    if pub is None:
        pub = Publication(
            station=station,
            number=row["number"],
            kind=row["kind"],
            first_published_at=_moment(row["first_published_at"]),
            created_by=actor,
        )
        pub.save()
        log.add(pub, "create", station)
        result.publications += 1
    have: dict[int, PublicationVersion] = {
        v.version: v for v in PublicationVersion.objects.filter(publication=pub)
    }
    for v in row["versions"]:
        if v["version"] in have:
            continue
        version = PublicationVersion(
            publication=pub,
            version=v["version"],
            status=PublicationVersion.Status.SUPERSEDED,
            # The internal draft stays on the police side.
            original_title="",
            original_text="",
            party_names="",
            title=v["title"],
            text=v["text"],
            correction_note=v["correction_note"],
            author=actor,
            published_at=_moment(v["published_at"]),
            text_sha256=v["text_sha256"],
            ledger_index=v["ledger_index"],
        )
        version.save()
        have[version.version] = version
        log.add(version, "create", pub)
        result.versions += 1
    current = have[row["current"]]
    for number, version in have.items():
        status = (
            PublicationVersion.Status.PUBLISHED
            if number == row["current"]
            else PublicationVersion.Status.SUPERSEDED
        )
        if version.status != status:
            before = snapshot(version)
            version.status = status
            version.save(update_fields=["status"])
            log.add(version, "update", pub, before=before)
    if pub.current_id != current.pk:
        before = snapshot(pub)
        pub.current = current
        pub.save(update_fields=["current"])
        record_change(actor=actor, obj=pub, action="update", before=before, message=MESSAGE)
    w = row["withdrawal"]
    if w is not None and not Withdrawal.objects.filter(publication=pub).exists():
        withdrawal = Withdrawal(
            publication=pub,
            reason=w["reason"],
            withdrawn_at=_moment(w["withdrawn_at"]),
            withdrawn_by=actor,
            ledger_index=w["ledger_index"],
        )
        withdrawal.save()
        log.add(withdrawal, "create", pub)
        result.withdrawals += 1
    seqs = set(pub.progress.values_list("seq", flat=True))
    for s in row["progress"]:
        if s["seq"] in seqs:
            continue
        step = ProgressEntry(
            publication=pub,
            seq=s["seq"],
            on=date.fromisoformat(s["on"]),
            text=s["text"],
            created_by=actor,
            ledger_index=s["ledger_index"],
        )
        step.save()
        log.add(step, "create", pub)
        result.steps += 1


def _apply_feedback(doc: Any, stations: dict[str, Station], log: _Changes, result: ImportResult) -> None:
    held = set(Feedback.objects.values_list("station__code", "number"))
    for f in doc["feedback"]:
        if (f["station"], f["number"]) in held:
            continue
        item = Feedback(
            station=stations[f["station"]],
            number=f["number"],
            submitted_at=_moment(f["submitted_at"]),
            # Only the moderated public text exists here; the original and the contact do not.
            subject="",
            message="",
            contact="",
            status=Feedback.Status.PUBLISHED,
            public_subject=f["subject"],
            public_message=f["message"],
            reply=f["reply"],
            replied_by_name=f["replied_by_name"],
            moderated_at=_moment(f["moderated_at"]),
            ledger_index=f["ledger_index"],
        )
        item.save()
        log.add(item, "create", item.station)
        result.feedback += 1
    # Messages typed here that the police side now holds: their contact leaves the internet side.
    now = timezone.now()
    for item in Feedback.objects.filter(portal_ref__in=doc["received_refs"], relayed_at__isnull=True):
        before = snapshot(item)
        item.relayed_at, item.contact = now, ""
        item.save(update_fields=["relayed_at", "contact"])
        log.add(item, "update", before=before)
        result.relayed += 1


def _apply_summaries(doc: Any, stations: dict[str, Station], log: _Changes, result: ImportResult) -> None:
    exported_at = timezone.now()
    for s in doc["summaries"]:
        values = {"threshold": s["threshold"], "rows": s["rows"], "columns": s["columns"], "grid": s["grid"]}
        row = PublishedSummary.objects.filter(
            station=stations[s["station"]], year=s["year"], month=s["month"]
        ).first()
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        action = "update" if row is not None else "create"
        before = snapshot(row) if row is not None else None
        row = row or PublishedSummary(station=stations[s["station"]], year=s["year"], month=s["month"])
        for k, v in values.items():
            setattr(row, k, v)
        row.exported_at = exported_at
        row.save()
        log.add(row, action, row.station, before=before)
        result.summaries += 1


def _apply_lookups(doc: Any, log: _Changes, result: ImportResult) -> None:
    """A full snapshot: a case whose code was withdrawn on the police side disappears here too."""
    incoming = {r["number"]: r for r in doc["lookups"]}
    for row in PublishedLookup.objects.exclude(number__in=list(incoming)):
        log.add(row, "delete")
        row.delete()
        result.lookups += 1
    held = {r.number: r for r in PublishedLookup.objects.all()}
    for number, r in incoming.items():
        values = {k: r[k] for k in ("lookup_hash", "kind", "stage", "handling_unit", "steps")}
        row = held.get(number)
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        action = "update" if row is not None else "create"
        before = snapshot(row) if row is not None else None
        row = row or PublishedLookup(number=number)
        for k, v in values.items():
            setattr(row, k, v)
        row.save()
        log.add(row, action, before=before)
        result.lookups += 1


@transaction.atomic
def import_portal_bundle(
    path: Path,
    *,
    actor: User,
    trust_keys: list[str] | None = None,
    progress: Progress | None = None,
    apply_progress: Progress | None = None,
) -> ImportResult:
    """Verify and apply a portal bundle on the internet-side deployment, all or nothing."""
    if not deployment.is_public_mirror():
        raise PortalBundleError(
            "只有互联网一侧的镜像部署可以导入门户包 / only the internet-side mirror imports portal "
            "bundles (ZHENGYI_LEDGER_ROLE=mirror, ZHENGYI_PUBLIC_ONLY=1)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        manifest, doc, ledger_path, manifest_bytes, signed = _read(Path(path), Path(tmp))
        try:
            ledger = bundles.import_bundle(ledger_path, actor=actor, trust_keys=trust_keys, progress=progress)
        except (bundles.BundleError, note.NoteError) as exc:
            raise PortalBundleError(f"日志部分被拒绝 / the ledger part is refused: {exc}") from None
    _check_signature(manifest, manifest_bytes, signed)
    if manifest.get("size") != ledger.size:
        raise PortalBundleError("门户包清单与日志部分不符 / the manifest's size is not the ledger part's")
    try:
        _check(doc)
    except portal_rows.RowError as exc:
        raise PortalBundleError(
            f"公开内容与日志不符，未导入任何内容 / the public rows are refused, nothing was imported: {exc}"
        ) from None
    result = ImportResult(ledger.appended, ledger.size, 0, 0, 0, 0, 0, 0, 0, 0)
    log = _Changes(actor)
    stations = _apply_stations(doc, actor)
    total = len(doc["publications"])
    for done, row in enumerate(doc["publications"], 1):
        _apply_publication(row, stations[row["station"]], actor, log, result)
        if apply_progress is not None and (done % 50 == 0 or done == total):
            apply_progress(done, total)
    _apply_feedback(doc, stations, log, result)
    _apply_summaries(doc, stations, log, result)
    _apply_lookups(doc, log, result)
    record_changes(log.rows)
    log.link_entries()
    return result
