"""What the public portal reads: published items only, and alert counts made safe to publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from zhengyi.core.models import Station
from zhengyi.sunshine import suppression
from zhengyi.sunshine.models import Feedback, ProgressEntry, Publication, PublicationVersion

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
