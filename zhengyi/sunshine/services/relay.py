"""交流意见 back across the air gap: messages typed on the internet-side portal go to the police
side's moderation queue.

The mirror writes a JSON file of the messages it holds that the police side has not yet
confirmed (``export_feedback``); the police side files each through :func:`submit_feedback`
(``import_feedback``), keyed by the message's random reference — never the mirror's number —
so carrying the same file twice files nothing twice. The contact a person left travels only in
this direction; once a portal bundle lists the reference as received, the mirror erases it
(``portal_import``). Answered and published on the police side, the message comes back with the
next portal bundle like any other.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhengyi.core.models import Station
from zhengyi.sunshine import deployment
from zhengyi.sunshine.models import Feedback
from zhengyi.sunshine.portal_rows import iso
from zhengyi.sunshine.services.feedback import submit_feedback

FORMAT = "zhengyi-portal-feedback"
VERSION = 1
MESSAGE_KEYS = {"ref", "station", "subject", "message", "contact", "submitted_at"}
_REF = re.compile(r"[0-9a-f]{32}")


class RelayError(Exception):
    """A feedback file cannot be written or is refused; the message says why."""


@dataclass
class RelayResult:
    created: int
    already: int


def pending() -> list[Feedback]:
    """On the mirror: messages typed here that the police side has not confirmed yet."""
    return list(
        Feedback.objects.filter(status=Feedback.Status.NEW, relayed_at__isnull=True)
        .exclude(portal_ref="")
        .select_related("station")
        .order_by("submitted_at", "id")
    )


def export_feedback(out: Path) -> int:
    """Write the pending messages to ``out`` (atomically); returns how many."""
    if not deployment.is_public_mirror():
        raise RelayError(
            "只有互联网一侧的镜像导出留言 / only the internet-side mirror exports feedback "
            "(ZHENGYI_LEDGER_ROLE=mirror)"
        )
    rows = pending()
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(timezone.now()),
        "messages": [
            {
                "ref": f.portal_ref,
                "station": f.station.code,
                "subject": f.subject,
                "message": f.message,
                "contact": f.contact,
                "submitted_at": iso(f.submitted_at),
            }
            for f in rows
        ],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)


def _messages(path: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RelayError(f"留言文件无法读取 / cannot read the feedback file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise RelayError("不是门户留言文件 / not a portal feedback file (format or version)")
    messages = doc.get("messages")
    if not isinstance(messages, list):
        raise RelayError("留言文件缺少 messages / the file has no list of messages")
    for n, m in enumerate(messages, 1):
        if (
            not isinstance(m, dict)
            or set(m) != MESSAGE_KEYS
            or not all(isinstance(v, str) for v in m.values())
        ):
            raise RelayError(
                f"第 {n} 条留言格式不对 / message {n} is malformed (keys {sorted(MESSAGE_KEYS)})"
            )
        if not _REF.fullmatch(m["ref"]):
            raise RelayError(f"第 {n} 条留言的标识无效 / message {n} has an invalid reference")
        try:
            when = datetime.fromisoformat(m["submitted_at"])
        except ValueError:
            raise RelayError(f"第 {n} 条留言的时间无效 / message {n} has an invalid time") from None
        if when.tzinfo is None or when > timezone.now() + timedelta(days=1):
            raise RelayError(f"第 {n} 条留言的时间无效 / message {n} has an invalid time")
    return messages


@transaction.atomic
def import_feedback(path: Path) -> RelayResult:
    """Police side: file every message of the file not filed before, all or nothing."""
    if deployment.is_public_mirror():
        raise RelayError("镜像不能导入留言 / a mirror does not import feedback: run this on the police side")
    messages = _messages(path)
    stations = {s.code: s for s in Station.objects.filter(code__in={m["station"] for m in messages})}
    known = set(
        Feedback.objects.filter(portal_ref__in=[m["ref"] for m in messages]).values_list(
            "portal_ref", flat=True
        )
    )
    created = already = 0
    for m in messages:
        if m["ref"] in known:
            already += 1
            continue
        station = stations.get(m["station"])
        if station is None:
            raise RelayError(f"留言 {m['ref']}: 没有派出所 {m['station']} / no such station")
        try:
            submit_feedback(
                station=station,
                subject=m["subject"],
                message=m["message"],
                contact=m["contact"],
                portal_ref=m["ref"],
                submitted_at=datetime.fromisoformat(m["submitted_at"]),
            )
        except ValidationError as exc:
            raise RelayError(f"留言 {m['ref']}: {'; '.join(exc.messages)}") from None
        known.add(m["ref"])
        created += 1
    return RelayResult(created=created, already=already)
