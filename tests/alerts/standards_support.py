"""Shared pieces of the 处警标准 and 处警考核 tests: a call received at 福田's tower building."""

from __future__ import annotations

from typing import Any

from zhengyi.alerts.models import Alert
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.precinct.models import Building


def _tower(stations: dict[str, Any]) -> Building:
    return Building.objects.get(station=stations["FT"], code="B1")


def _receive(personas: dict[str, Any], stations: dict[str, Any], **kw: Any) -> Alert:
    data = AlertInput(source="phone_110", building_id=_tower(stations).pk, **{"category": "criminal", **kw})
    return receive_alert(actor=personas["dispatcher"], station=stations["FT"], data=data)[0]
