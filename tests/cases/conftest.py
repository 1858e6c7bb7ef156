"""A case at Futian opened by the investigator persona, and an alert to open one from."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def ft(stations: dict[str, Any]) -> Any:
    return stations["FT"]


@pytest.fixture
def alert(personas: dict[str, Any], ft: Any) -> Any:
    from zhengyi.alerts.services.intake import AlertInput, receive_alert
    from zhengyi.precinct.models import Building

    tower = Building.objects.get(station=ft, code="B1")
    made, _ = receive_alert(
        actor=personas["dispatcher"],
        station=ft,
        data=AlertInput(
            category="criminal", source="phone_110", building_id=tower.pk, description="办公室失窃"
        ),
    )
    return made


@pytest.fixture
def opened(personas: dict[str, Any], ft: Any, alert: Any) -> Any:
    from zhengyi.cases.services.cases import open_case

    return open_case(
        actor=personas["investigator"],
        station=ft,
        kind="criminal",
        category="theft",
        title="测试大厦办公室盗窃案",
        summary="报案人张某称笔记本电脑被盗",
        alert=alert,
    )
