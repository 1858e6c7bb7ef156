"""The command board's data: what is open now, and the changes since a given event."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils.translation import gettext

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import OPEN_STATUSES, Status
from zhengyi.alerts.models import Alert, Assignment, BoardEvent, Unit
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import station_scope


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
    last = last_event_id(station.pk)
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


def _event_rows(rows: Any, after: int, limit: int) -> list[dict[str, Any]]:
    values = rows.filter(id__gt=after).order_by("id").values("id", "summary", "alert_id", "unit_id", "time")
    return [{**r, "time": _iso(r["time"])} for r in values[:limit]]


def events_after(user: User, station: Station, after: int, limit: int = 200) -> list[dict[str, Any]]:
    """The station's board events after ``after`` that ``user`` may see, oldest first."""
    return _event_rows(BoardEvent.objects.restrict(user, "view").filter(station=station), after, limit)


def station_events_after(station_id: int, after: int, limit: int = 200) -> list[dict[str, Any]]:
    """Every board event of one station after ``after``, *unrestricted*.

    For the stream server's one shared poll per station: each subscriber is filtered with
    :func:`sees_board_events` before anything reaches it.
    """
    return _event_rows(BoardEvent.objects.filter(station_id=station_id), after, limit)


def sees_board_events(user: User, station: Station) -> bool:
    """Whether :func:`events_after` shows ``user`` this station's events at all.

    Board events are restricted by station alone (``BoardEvent.station_path``), so one answer
    per subscriber filters a whole station's feed without a query per event; a test checks
    it agrees with ``restrict()`` for every persona.
    """
    scope = station_scope(user, BoardEvent, "view")
    return scope == "all" or (scope is not None and station.pk in scope)


def last_event_id(station_id: int) -> int:
    return BoardEvent.objects.filter(station_id=station_id).aggregate(m=Max("id"))["m"] or 0
