"""The command board: state, and changes pushed as server-sent events from a shared table."""

from __future__ import annotations

import json
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


def _events(response: Any, count: int) -> list[dict[str, Any]]:
    """Read ``count`` change events from a streaming response."""
    found: list[dict[str, Any]] = []
    buffer = ""
    for chunk in response.streaming_content:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            data = [line[6:] for line in block.splitlines() if line.startswith("data: ")]
            if data:
                found += json.loads(data[0])
        if len(found) >= count:
            break
    return found


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


def test_stream_pushes_changes_after_the_last_seen(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    client = client_for("dispatcher")
    last = client.get("/alerts/board/state.json").json()["last_event"]
    first = _receive(personas, stations)
    second = _receive(personas, stations, "traffic")
    response = client.get(f"/alerts/board/stream?after={last}&seconds=2")
    assert response["Content-Type"].startswith("text/event-stream")
    events = _events(response, 2)
    assert [e["alert_id"] for e in events] == [first.pk, second.pk]
    # Reconnecting with Last-Event-ID resumes after it.
    again = client.get("/alerts/board/stream?seconds=1", HTTP_LAST_EVENT_ID=str(events[0]["id"]))
    assert [e["alert_id"] for e in _events(again, 1)] == [second.pk]


def test_stream_shows_nothing_of_another_station(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    _receive(personas, stations)
    response = client_for("other").get("/alerts/board/stream?after=0&seconds=0.6")
    body = b"".join(c if isinstance(c, bytes) else c.encode() for c in response.streaming_content).decode()
    assert "data:" not in body


def test_board_labels_follow_the_language(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    _receive(personas, stations)
    client = client_for("dispatcher")
    assert client.get("/alerts/board/state.json").json()["alerts"][0]["category"] == "刑事"
    client.cookies["django_language"] = "en"
    assert client.get("/alerts/board/state.json").json()["alerts"][0]["category"] == "Criminal"
