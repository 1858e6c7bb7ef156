"""What the public portal reads: published items only, and alert counts made safe to publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from zhengyi.core.models import Station
from zhengyi.sunshine import deployment, suppression
from zhengyi.sunshine.models import (
    Feedback,
    ProgressEntry,
    Publication,
    PublicationVersion,
    PublishedLookup,
    PublishedSummary,
)

if TYPE_CHECKING:
    from zhengyi.cases.selectors import CaseProgress

PUBLIC_VERSION_STATUSES = [PublicationVersion.Status.PUBLISHED, PublicationVersion.Status.SUPERSEDED]


def published() -> QuerySet[Publication]:
    """Every publication ever published — withdrawn ones included, shown as withdrawn."""
    return (
        Publication.objects.filter(current__isnull=False)
        .select_related("current", "station", "withdrawal")
        .order_by("-first_published_at", "-id")
    )


def publication_detail(station_code: str, number: str) -> Publication | None:
    return (
        published()
        .filter(station__code=station_code, number=number)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=PublicationVersion.objects.filter(status__in=PUBLIC_VERSION_STATUSES).order_by(
                    "-version"
                ),
                to_attr="public_versions",
            ),
            Prefetch("progress", queryset=ProgressEntry.objects.order_by("on", "seq"), to_attr="timeline"),
        )
        .first()
    )


def with_timelines(pubs: QuerySet[Publication]) -> QuerySet[Publication]:
    return pubs.prefetch_related(
        Prefetch("progress", queryset=ProgressEntry.objects.order_by("on", "seq"), to_attr="timeline")
    )


def published_feedback() -> QuerySet[Feedback]:
    return (
        Feedback.objects.filter(status=Feedback.Status.PUBLISHED)
        .select_related("station")
        .only(
            "number",
            "submitted_at",
            "moderated_at",
            "public_subject",
            "public_message",
            "reply",
            "replied_by_name",
            "ledger_index",
            "station__code",
            "station__name",
        )
        .order_by("-moderated_at", "-id")
    )


# ------------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class MonthSummary:
    station: Station
    year: int
    month: int
    table: suppression.Table
    column_labels: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(year, month, 1), time.min, tzinfo=tz)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return start, datetime.combine(nxt, time.min, tzinfo=tz)


def month_summary(station: Station, year: int, month: int) -> MonthSummary:
    """Alerts of one month per zone × category, from the alert records, small counts suppressed."""
    from zhengyi.alerts.choices import CATEGORY_CHOICES, Status
    from zhengyi.alerts.models import Alert
    from zhengyi.precinct.models import Zone

    start, end = month_bounds(year, month)
    rows = (
        Alert.objects.filter(station=station, received_at__gte=start, received_at__lt=end)
        .exclude(status=Status.CANCELLED)
        .values_list("zone__name", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    unplaced = "其他区域"
    counts: dict[tuple[str, str], int] = {}
    for zone, category, n in rows:
        key = (zone or unplaced, category)
        counts[key] = counts.get(key, 0) + n
    zones = list(Zone.objects.filter(station=station).order_by("code").values_list("name", flat=True))
    if any(z == unplaced for z, _c in counts):
        zones.append(unplaced)
    columns = [code for code, _label in CATEGORY_CHOICES]
    table = suppression.suppress(counts, zones, columns, threshold=settings.SUNSHINE_SMALL_COUNT)
    labels = tuple(str(label) for _code, label in CATEGORY_CHOICES)
    return MonthSummary(station, year, month, table, labels)


def summary_months(today: date | None = None, count: int = 12) -> list[tuple[int, int]]:
    """The last ``count`` complete months (the current one is still changing)."""
    today = today or timezone.localdate()
    first = today.replace(day=1) - timedelta(days=1)
    months = []
    y, m = first.year, first.month
    for _i in range(count):
        months.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return months


def public_stations() -> QuerySet[Station]:
    return Station.objects.order_by("code")


# ------------------------------------------------------------------------------- either side
# The pages ask these; the police side computes from live alerts and cases, the internet-side
# mirror reads what the portal bundles brought (deployment.is_public_mirror()).


def _category_labels(codes: list[str]) -> tuple[str, ...]:
    from zhengyi.alerts.choices import CATEGORY_CHOICES

    labels = {code: str(label) for code, label in CATEGORY_CHOICES}
    return tuple(labels.get(code, code) for code in codes)


def public_month_summary(station: Station, year: int, month: int) -> MonthSummary | None:
    """The month's table as the portal shows it; None on a mirror that was not sent that month."""
    if not deployment.is_public_mirror():
        return month_summary(station, year, month)
    row = PublishedSummary.objects.filter(station=station, year=year, month=month).first()
    if row is None:
        return None
    table = suppression.table_from_shown(row.rows, row.columns, row.grid, row.threshold)
    return MonthSummary(station, year, month, table, _category_labels(list(row.columns)))


def offered_months(count: int = 12) -> list[tuple[int, int]]:
    """The months the summaries pages offer: the last complete ones, or on a mirror the newest
    ones the bundles brought."""
    if not deployment.is_public_mirror():
        return summary_months(count=count)
    months = PublishedSummary.objects.order_by("-year", "-month").values_list("year", "month").distinct()
    return [(int(y), int(m)) for y, m in months[:count]]


def lookup_progress(number: str, code: str) -> CaseProgress | None:
    """The reporter's lookup. Same answer for an unknown case and a wrong code, on either side:
    the mirror compares against the stored salted hash the same way (a dummy hash when there is
    no such case, ``hmac.compare_digest``)."""
    from zhengyi.cases import lookup
    from zhengyi.cases.selectors import progress_for_lookup, progress_from_codes

    if not deployment.is_public_mirror():
        return progress_for_lookup(number, code)
    canonical = lookup.normalize_number(number)
    row = PublishedLookup.objects.filter(number=canonical).first() if canonical else None
    ok = lookup.matches(row.lookup_hash if row is not None else None, code)
    if row is None or not ok:
        return None
    return progress_from_codes(
        number=row.number,
        kind=row.kind,
        stage=row.stage,
        handling_unit=row.handling_unit,
        steps=tuple((str(s), date.fromisoformat(str(on))) for s, on in row.steps),
    )
