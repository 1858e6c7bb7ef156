"""The command board: state, and the board events every service change appends.

The push stream itself is served by the stream server: see test_board_stream.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from zhengyi.alerts.models import BoardEvent
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.services.units import create_unit, update_position
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db


def _receive(personas: dict[str, Any], stations: dict[str, Any], category: str = "criminal") -> Any:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    return receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category=category, source="phone_110", building_id=tower.pk),
    )[0]


def test_every_service_change_signals_the_board(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    before = BoardEvent.objects.count()
    alert = _receive(personas, stations)
    unit = create_unit(
        actor=personas["head"],
        station=stations["FT"],
        code="F1",
        name="步巡1",
        kind="foot_patrol",
        status="available",
    )
    update_position(actor=personas["head"], unit=unit, lon=114.055, lat=22.535)
    summaries = list(BoardEvent.objects.filter(id__gt=before).values_list("summary", flat=True))
    assert summaries == [f"受理 {alert.number}", "新增单位 步巡1", "步巡1 位置更新"]


def test_board_state_lists_open_alerts_and_units(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    alert = _receive(personas, stations)
    unit = create_unit(
        actor=personas["head"],
        station=stations["FT"],
        code="C1",
        name="巡逻车1",
        kind="patrol_car",
        status="available",
    )
    update_position(actor=personas["head"], unit=unit, lon=114.051, lat=22.531)
    state = client_for("dispatcher").get("/alerts/board/state.json").json()
    assert [a["number"] for a in state["alerts"]] == [alert.number]
    assert state["alerts"][0]["arrival_target_minutes"] == 5 and state["alerts"][0]["place"] == "测试大厦"
    assert [u["code"] for u in state["units"]] == ["C1"]
    assert state["last_event"] == BoardEvent.objects.latest("id").pk
    assert client_for("other").get("/alerts/board/state.json").json()["alerts"] == []
    assert client_for("guardlead").get("/alerts/board/state.json").status_code == 403


def test_board_labels_follow_the_language(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    _receive(personas, stations)
    client = client_for("dispatcher")
    assert client.get("/alerts/board/state.json").json()["alerts"][0]["category"] == "刑事"
    client.cookies["django_language"] = "en"
    assert client.get("/alerts/board/state.json").json()["alerts"][0]["category"] == "Criminal"
