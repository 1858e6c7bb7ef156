"""Shared pieces of the history import tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command

from zhengyi.alerts.models import Alert, AlertEvent, HandlingStandard
from zhengyi.alerts.services.history import HistoricalAlert
from zhengyi.core.models import ObjectChange, Station

SHANGHAI = ZoneInfo("Asia/Shanghai")
STEP_OF = {
    "received": "received",
    "dispatched": "dispatched",
    "en_route": "en_route",
    "on_scene": "on_scene",
    "cleared": "cleared",
    "closed": "feedback",
}


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _counts() -> tuple[int, int, int, int]:
    return (
        Alert.objects.count(),
        AlertEvent.objects.count(),
        ObjectChange.objects.count(),
        HandlingStandard.objects.count(),
    )


def _alert_changes(station: Station) -> Any:
    return ObjectChange.objects.filter(content_type__model="alert", station_id=station.pk)


def _record(external_id: str, received: datetime, **changes: Any) -> HistoricalAlert:
    base: dict[str, Any] = {
        "external_id": external_id,
        "kind": "",
        "category_initial": "criminal",
        "category": "criminal",
        "subcategory": None,
        "priority_initial": None,
        "priority": None,
        "source": "phone_110",
        "received_at": received,
        "dispatched_at": received + timedelta(minutes=1),
        "on_scene_at": received + timedelta(minutes=6),
        "closed_at": received + timedelta(minutes=50),
        "lon": 114.0545,
        "lat": 22.5345,
    }
    return HistoricalAlert(**(base | changes))
