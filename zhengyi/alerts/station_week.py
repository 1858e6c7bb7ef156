"""The last seven days of a station's alert handling, for the home page: how many alerts, how
many units arrived within the handling standard's time, the median arrival, feedback on time,
and what is open now — each linking to the page that explains it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from zhengyi.alerts.choices import OPEN_STATUSES
from zhengyi.alerts.compliance import compliance_report
from zhengyi.alerts.compliance_stats import ComplianceReport
from zhengyi.alerts.models import Alert, HandlingStandard
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import can

DAYS = 7


@dataclass(frozen=True)
class StationWeek:
    start: date
    end: date
    report: ComplianceReport
    open_now: int
    compliance_url: str


def station_week(user: User, station: Station, today: date | None = None) -> StationWeek | None:
    """The week for someone who may see the station's alerts and its handling standards."""
    if not (can(user, "view", Alert) and can(user, "view", HandlingStandard)):
        return None
    end = today or timezone.localdate()
    start = end - timedelta(days=DAYS - 1)
    report = compliance_report(user, start=start, end=end, station_ids=[station.pk])
    open_now = Alert.objects.restrict(user, "view").filter(station=station, status__in=OPEN_STATUSES).count()
    query = urlencode({"start": start.isoformat(), "end": end.isoformat(), "station": station.code})
    return StationWeek(start, end, report, open_now, f"{reverse('standards:compliance')}?{query}")
