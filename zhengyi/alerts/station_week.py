"""The last seven days of a station's alert handling (or a bureau's stations'), for the home page: how many alerts, how
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


def station_week(user: User, stations: list[Station], today: date | None = None) -> StationWeek | None:
    """The week of ``stations`` taken together (one station's, or a bureau's), for someone who
    may see their alerts and handling standards."""
    if not stations or not (can(user, "view", Alert) and can(user, "view", HandlingStandard)):
        return None
    end = today or timezone.localdate()
    start = end - timedelta(days=DAYS - 1)
    ids = [s.pk for s in stations]
    report = compliance_report(user, start=start, end=end, station_ids=ids)
    open_now = (
        Alert.objects.restrict(user, "view").filter(station_id__in=ids, status__in=OPEN_STATUSES).count()
    )
    params = {"start": start.isoformat(), "end": end.isoformat()}
    if len(stations) == 1:
        params["station"] = stations[0].code  # else the compliance page's own default: all of them
    return StationWeek(start, end, report, open_now, f"{reverse('standards:compliance')}?{urlencode(params)}")
