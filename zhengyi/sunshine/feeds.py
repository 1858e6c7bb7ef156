"""RSS and Atom feeds, and the open-data downloads (CSV, JSON) of everything published."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _

from zhengyi.core.models import Station
from zhengyi.sunshine import selectors
from zhengyi.sunshine.models import Publication

FEED_ITEMS = 50


def publication_url(pub: Publication) -> str:
    return reverse("public:publication", args=[pub.station.code, pub.number])


class PublicationsRss(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def title(self) -> str:
        return _("阳光平台 · 警情通报与案情发布")

    def link(self) -> str:
        return reverse("public:home")

    def description(self) -> str:
        return _("派出所公开发布的警情通报、案情、重点案件与处置进程（已脱敏，可在倒查跟踪日志中验证）。")

    def items(self) -> list[Publication]:
        return list(selectors.published()[:FEED_ITEMS])

    def item_title(self, item: Publication) -> str:
        title = item.current.title if item.current else item.number
        if hasattr(item, "withdrawal"):
            return _("［已撤回］%(t)s") % {"t": title}
        return title

    def item_description(self, item: Publication) -> str:
        if hasattr(item, "withdrawal"):
            return _("已撤回：%(r)s") % {"r": item.withdrawal.reason}
        return item.current.text if item.current else ""

    def item_link(self, item: Publication) -> str:
        return publication_url(item)

    def item_pubdate(self, item: Publication) -> datetime | None:
        return item.first_published_at

    def item_updateddate(self, item: Publication) -> datetime | None:
        if hasattr(item, "withdrawal"):
            return item.withdrawal.withdrawn_at
        return item.current.published_at if item.current else None

    def item_categories(self, item: Publication) -> list[str]:
        return [str(item.get_kind_display())]


class PublicationsAtom(PublicationsRss):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()


# ------------------------------------------------------------------------------- open data

PUBLICATION_COLUMNS = (
    "station",
    "number",
    "kind",
    "version",
    "status",
    "title",
    "text",
    "correction_note",
    "published_at",
    "text_sha256",
    "ledger_index",
    "withdrawn_at",
    "withdrawal_reason",
    "url",
)
FEEDBACK_COLUMNS = (
    "station",
    "number",
    "submitted_on",
    "subject",
    "message",
    "reply",
    "replied_by",
    "replied_at",
    "ledger_index",
)


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def publication_rows(request: HttpRequest) -> list[dict[str, Any]]:
    """One row per published version (corrections keep the history), withdrawals marked."""
    pubs = selectors.published().prefetch_related("versions")
    rows = []
    for pub in pubs:
        withdrawal = getattr(pub, "withdrawal", None) if hasattr(pub, "withdrawal") else None
        for v in sorted(pub.versions.all(), key=lambda v: v.version):
            if v.status not in selectors.PUBLIC_VERSION_STATUSES:
                continue
            rows.append(
                {
                    "station": pub.station.code,
                    "number": pub.number,
                    "kind": str(pub.get_kind_display()),
                    "version": v.version,
                    "status": "withdrawn"
                    if withdrawal
                    else ("current" if v.pk == pub.current_id else "corrected"),
                    "title": v.title,
                    "text": v.text,
                    "correction_note": v.correction_note,
                    "published_at": _iso(v.published_at),
                    "text_sha256": v.text_sha256,
                    "ledger_index": v.ledger_index,
                    "withdrawn_at": _iso(withdrawal.withdrawn_at) if withdrawal else "",
                    "withdrawal_reason": withdrawal.reason if withdrawal else "",
                    "url": request.build_absolute_uri(publication_url(pub)),
                }
            )
    return rows


def feedback_rows() -> list[dict[str, Any]]:
    return [
        {
            "station": f.station.code,
            "number": f.number,
            "submitted_on": timezone.localdate(f.submitted_at).isoformat(),
            "subject": f.public_subject,
            "message": f.public_message,
            "reply": f.reply,
            "replied_by": f.replied_by_name,
            "replied_at": _iso(f.moderated_at),
            "ledger_index": f.ledger_index,
        }
        for f in selectors.published_feedback()
    ]


def _csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], filename: str) -> HttpResponse:
    buf = io.StringIO()
    buf.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _json(payload: Any, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "json"):
        raise Http404(_("只提供 CSV 和 JSON 两种格式。"))


def publications_data(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_format(fmt)
    rows = publication_rows(request)
    if fmt == "csv":
        return _csv(rows, PUBLICATION_COLUMNS, "publications.csv")
    return _json({"generated_at": _iso(timezone.now()), "publications": rows}, "publications.json")


def feedback_data(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_format(fmt)
    rows = feedback_rows()
    if fmt == "csv":
        return _csv(rows, FEEDBACK_COLUMNS, "feedback.csv")
    return _json({"generated_at": _iso(timezone.now()), "feedback": rows}, "feedback.json")


def summary_data(request: HttpRequest, station: str, year: int, month: int, fmt: str) -> HttpResponse:
    _check_format(fmt)
    st = get_object_or_404(Station, code=station)
    if not 1 <= month <= 12 or not 2000 <= year <= timezone.localdate().year:
        raise Http404(_("没有这个月份的统计。"))
    summary = selectors.public_month_summary(st, year, month)
    if summary is None:
        raise Http404(_("没有这个月份的统计。"))
    grid = summary.table.grid()
    columns = [*summary.column_labels, "合计"]
    names = [*summary.table.rows, "合计"]
    filename = f"alerts-{st.code}-{year}-{month:02d}.{fmt}"
    if fmt == "csv":
        rows = [
            {"片区": name, **dict(zip(columns, line, strict=True))}
            for name, line in zip(names, grid, strict=True)
        ]
        return _csv(rows, ["片区", *columns], filename)
    return _json(
        {
            "station": st.code,
            "month": f"{year}-{month:02d}",
            "threshold": summary.table.threshold,
            "note": f"<{summary.table.threshold}: 少于 {summary.table.threshold} 起，不公开具体数字；*: 为防止推算而隐去",
            "columns": columns,
            "rows": [{"zone": name, "counts": line} for name, line in zip(names, grid, strict=True)],
        },
        filename,
    )
