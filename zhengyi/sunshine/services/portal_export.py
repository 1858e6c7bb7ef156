"""The police side's portal bundle: the ledger bundle and every row the public pages show.

One file, a ZIP archive (stdlib, compressed) of three members:

* ``manifest.json`` — format, version, origin, the ledger part's ``since``/``size``, and the
  SHA-256 of the two other members (a damaged or truncated file is refused before anything);
* ``manifest.sig`` — a signed note (the log's own key, as its checkpoints) over the manifest's
  SHA-256: the public rows are the police side's, including the alert tables and lookup rows
  that no ledger entry vouches for (:func:`manifest_note`);
* ``ledger.jsonl`` — exactly what ``zhengyi ledger export`` writes (:mod:`zhengyi.ledger.bundles`),
  incremental from ``--since``;
* ``portal.json`` — a full snapshot of the public rows (:mod:`zhengyi.sunshine.portal_rows` has
  its exact shape): small, so it is sent whole each time.

Only what the portal already shows travels: published and corrected versions (public title and
text), withdrawals, timeline steps, answered messages (public subject, message, reply and the
answering unit's name), alert tables already suppressed, and for lookups the case number, the
code's salted hash and codes for kind and stages. Never a draft, an internal text, a party, a
rejected or unanswered message, a contact or an account name. A row logged after the bundle's
checkpoint waits for the next bundle, since the internet side could not check it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch

from zhengyi.core.models import Station
from zhengyi.ledger import bundles, note
from zhengyi.ledger.services import log as ledger_log
from zhengyi.ledger.services.keys import current_signer
from zhengyi.sunshine import deployment, selectors
from zhengyi.sunshine.models import Feedback, ProgressEntry, Publication, PublicationVersion
from zhengyi.sunshine.portal_rows import FORMAT, VERSION, iso

Progress = Callable[[int, int], None]
MANIFEST, LEDGER, PORTAL, SIGNATURE = "manifest.json", "ledger.jsonl", "portal.json", "manifest.sig"


def manifest_note(origin: str, manifest: bytes) -> str:
    """The text the log's key signs for a bundle: its log's origin line and the manifest's digest."""
    return f"{origin}\nportal bundle manifest sha256 {hashlib.sha256(manifest).hexdigest()}\n"


class PortalBundleError(Exception):
    """A portal bundle cannot be written, or is refused on import; the message says why."""


@dataclass
class ExportResult:
    since: int
    size: int
    publications: int
    feedback: int
    summaries: int
    lookups: int


def _publications(size: int) -> list[dict[str, Any]]:
    out = []
    pubs = (
        Publication.objects.filter(current__isnull=False)
        .select_related("station", "withdrawal")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=PublicationVersion.objects.filter(
                    status__in=selectors.PUBLIC_VERSION_STATUSES, ledger_index__lt=size
                ).order_by("version"),
                to_attr="shown_versions",
            ),
            Prefetch(
                "progress",
                queryset=ProgressEntry.objects.filter(ledger_index__lt=size).order_by("seq"),
                to_attr="shown_steps",
            ),
        )
        .order_by("station__code", "number")
    )
    for pub in pubs:
        versions = pub.shown_versions
        if not versions:
            continue  # first published after the checkpoint: next bundle
        withdrawal = getattr(pub, "withdrawal", None) if hasattr(pub, "withdrawal") else None
        out.append(
            {
                "station": pub.station.code,
                "number": pub.number,
                "kind": pub.kind,
                "first_published_at": iso(pub.first_published_at or versions[0].published_at),
                "current": versions[-1].version,
                "versions": [
                    {
                        "version": v.version,
                        "title": v.title,
                        "text": v.text,
                        "correction_note": v.correction_note,
                        "published_at": iso(v.published_at),
                        "text_sha256": v.text_sha256,
                        "ledger_index": v.ledger_index,
                    }
                    for v in versions
                ],
                "withdrawal": {
                    "reason": withdrawal.reason,
                    "withdrawn_at": iso(withdrawal.withdrawn_at),
                    "ledger_index": withdrawal.ledger_index,
                }
                if withdrawal is not None
                and withdrawal.ledger_index is not None
                and withdrawal.ledger_index < size
                else None,
                "progress": [
                    {"seq": s.seq, "on": s.on.isoformat(), "text": s.text, "ledger_index": s.ledger_index}
                    for s in pub.shown_steps
                ],
            }
        )
    return out


def _feedback(size: int) -> list[dict[str, Any]]:
    rows = (
        Feedback.objects.filter(status=Feedback.Status.PUBLISHED, ledger_index__lt=size)
        .select_related("station")
        .order_by("station__code", "number")
    )
    return [
        {
            "station": f.station.code,
            "number": f.number,
            "submitted_at": iso(f.submitted_at),
            "moderated_at": iso(f.moderated_at) if f.moderated_at else iso(f.submitted_at),
            "subject": f.public_subject,
            "message": f.public_message,
            "reply": f.reply,
            "replied_by_name": f.replied_by_name,
            "ledger_index": f.ledger_index,
        }
        for f in rows
    ]


def _summaries(stations: list[Station], progress: Progress | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    months = selectors.summary_months()
    total = len(stations) * len(months)
    for st in stations:
        for year, month in months:
            # Each table is suppressed and audited (linear programmes): the slow part of an export.
            if progress is not None:
                progress(len(out), total)
            table = selectors.month_summary(st, year, month).table
            out.append(
                {
                    "station": st.code,
                    "year": year,
                    "month": month,
                    "threshold": table.threshold,
                    "rows": list(table.rows),
                    "columns": list(table.columns),
                    "grid": table.grid(),
                }
            )
    if progress is not None:
        progress(total, total)
    return out


def _lookups() -> list[dict[str, Any]]:
    from zhengyi.cases.selectors import lookup_rows

    return [
        {
            "number": r.number,
            "lookup_hash": r.lookup_hash,
            "kind": r.kind,
            "stage": r.stage,
            "handling_unit": r.handling_unit,
            "steps": [[stage, on.isoformat()] for stage, on in r.steps],
        }
        for r in lookup_rows()
    ]


def public_rows(size: int, progress: Progress | None = None) -> dict[str, Any]:
    """The portal's rows as of a ledger of ``size`` entries (the shape of ``portal_rows``)."""
    stations = list(Station.objects.select_related("bureau").order_by("code"))
    with transaction.atomic():  # one consistent reading of every table
        return {
            "threshold": int(settings.SUNSHINE_SMALL_COUNT),
            "stations": [
                {
                    "code": st.code,
                    "name": st.name,
                    "name_en": st.name_en,
                    "bureau": {
                        "code": st.bureau.code,
                        "name": st.bureau.name,
                        "name_en": st.bureau.name_en,
                        "kind": st.bureau.kind,
                    },
                }
                for st in stations
            ],
            "publications": _publications(size),
            # Answered ones only; their subject and message are the moderated public text.
            "feedback": _feedback(size),
            # References of messages carried in from the internet side that arrived here, so
            # the mirror can erase their contact details (never the details themselves).
            "received_refs": sorted(
                Feedback.objects.exclude(portal_ref="").values_list("portal_ref", flat=True)
            ),
            "summaries": _summaries(stations, progress),
            "lookups": _lookups(),
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_portal_bundle(
    out: Path, *, since: int = 0, progress: Progress | None = None, rows_progress: Progress | None = None
) -> ExportResult:
    """Sign the log up to date, then write the portal bundle to ``out`` (atomically).

    ``progress`` follows the ledger part, ``rows_progress`` the monthly tables."""
    if deployment.is_public_mirror():
        raise PortalBundleError(
            "镜像不能导出门户包 / a mirror does not export portal bundles: run this on the police side"
        )
    try:
        # Everything published so far gets into the bundle's checkpoint, so it can be checked.
        ledger_log.sign_checkpoint()
    except ledger_log.LogIntegrityError as exc:
        raise PortalBundleError(str(exc)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        ledger_path = Path(tmp) / LEDGER
        try:
            header = bundles.export_bundle(ledger_path, since=since, progress=progress)
        except bundles.BundleError as exc:
            raise PortalBundleError(str(exc)) from exc
        size = int(header["size"])
        rows = public_rows(size, rows_progress)
        portal_path = Path(tmp) / PORTAL
        portal_path.write_text(json.dumps(rows, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "origin": header["origin"],
            "since": since,
            "size": size,
            "exported_at": header["exported_at"],
            "sha256": {LEDGER: _sha256(ledger_path), PORTAL: _sha256(portal_path)},
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        signed = note.sign(manifest_note(str(header["origin"]), manifest_bytes), current_signer())
        partial = Path(tmp) / "bundle.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(SIGNATURE, signed)
            zf.write(ledger_path, LEDGER)
            zf.write(portal_path, PORTAL)
        os.replace(partial, out)
    return ExportResult(
        since=since,
        size=size,
        publications=len(rows["publications"]),
        feedback=len(rows["feedback"]),
        summaries=len(rows["summaries"]),
        lookups=len(rows["lookups"]),
    )
