"""The command board's data: what is open now, and the changes since a given event."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils.translation import gettext

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import OPEN_STATUSES, Status
from zhengyi.alerts.models import Alert, Assignment, BoardEvent, Unit
from zhengyi.core.models import Station, User


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def board_state(user: User, station: Station) -> dict[str, Any]:
    alerts = list(
        Alert.objects.restrict(user, "view")
        .filter(station=station, status__in=OPEN_STATUSES)
        .select_related("zone", "building")
        .order_by("priority", "received_at")[:300]
    )
    assigned: dict[int, list[str]] = {}
    for alert_id, unit_name in Assignment.objects.filter(alert__in=alerts, active=True).values_list(
        "alert_id", "unit__name"
    ):
        assigned.setdefault(alert_id, []).append(unit_name)
    units = (
        Unit.objects.restrict(user, "view").filter(station=station).exclude(status=Unit.UnitStatus.OFF_DUTY)
    )
    last = BoardEvent.objects.filter(station=station).aggregate(m=Max("id"))["m"] or 0
    return {
        "last_event": last,
        "alerts": [
            {
                "id": a.pk,
                "number": a.number,
                # The Chinese label is the msgid: translated when the board is in English.
                "category": gettext(taxonomy.CATEGORIES[a.category]),
                "priority": a.priority,
                "status": a.status,
                "status_label": str(Status(a.status).label),
                "received_at": _iso(a.received_at),
                "dispatched_at": _iso(a.dispatched_at),
                "on_scene_at": _iso(a.on_scene_at),
                "arrival_target_minutes": a.arrival_target_minutes,
                "place": a.building.name
                if a.building
                else (a.location_text or (a.zone.name if a.zone else "")),
                "level": a.level,
                "lon": a.lon,
                "lat": a.lat,
                "units": assigned.get(a.pk, []),
            }
            for a in alerts
        ],
        "units": [
            {
                "id": u.pk,
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "status": u.status,
                "status_label": str(Unit.UnitStatus(u.status).label),
                "lon": u.lon,
                "lat": u.lat,
                "level": u.level,
            }
            for u in units
        ],
    }


def events_after(user: User, station: Station, after: int, limit: int = 200) -> list[dict[str, Any]]:
    rows = (
        BoardEvent.objects.restrict(user, "view")
        .filter(station=station, id__gt=after)
        .order_by("id")
        .values("id", "summary", "alert_id", "unit_id", "time")[:limit]
    )
    return [{**r, "time": _iso(r["time"])} for r in rows]
