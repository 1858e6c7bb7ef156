"""Shared pieces of the alert tests: calls received at 福田's tower building (B1)."""

from __future__ import annotations

from typing import Any

from zhengyi.alerts.models import Alert
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.precinct.models import Building


def _tower(stations: dict[str, Any]) -> Building:
    return Building.objects.get(station=stations["FT"], code="B1")


def tower_call(stations: dict[str, Any], **extra: Any) -> AlertInput:
    """A 110 call at the tower: a dispute, unless ``extra`` says otherwise."""
    return AlertInput(
        **{"category": "dispute", "source": "phone_110", "building_id": _tower(stations).pk, **extra}
    )


def _receive(personas: dict[str, Any], stations: dict[str, Any], **kw: Any) -> Alert:
    data = tower_call(stations, **{"category": "criminal", **kw})
    return receive_alert(actor=personas["dispatcher"], station=stations["FT"], data=data)[0]
