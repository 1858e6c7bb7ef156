"""指令 → 出警 → 到场 → 处置 → 反馈, with recommendations by travel time and safe assignment."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.threads_support import run_together
from zhengyi.alerts.models import Alert, AlertEvent, Assignment, Unit
from zhengyi.alerts.services.dispatch import (
    UnitUnavailable,
    advance_assignment,
    complete_step,
    dispatch_unit,
    give_feedback,
    reclassify,
    recommend_units,
)
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.services.units import create_unit, set_unit_crew, set_unit_status, update_position
from zhengyi.core.models import ObjectChange
from zhengyi.precinct.models import Building


def _alert(personas: dict[str, Any], stations: dict[str, Any], category: str = "criminal") -> Alert:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category=category, source="phone_110", building_id=tower.pk),
    )
    return alert


def _units(personas: dict[str, Any], stations: dict[str, Any]) -> dict[str, Unit]:
    head = personas["head"]
    far_car = create_unit(
        actor=head, station=stations["FT"], code="C1", name="巡逻车1", kind="patrol_car", status="available"
    )
    near_foot = create_unit(
        actor=head, station=stations["FT"], code="F1", name="步巡1", kind="foot_patrol", status="available"
    )
    off = create_unit(actor=head, station=stations["FT"], code="F2", name="步巡2", kind="foot_patrol")
    update_position(actor=head, unit=far_car, lon=114.051, lat=22.531)
    update_position(actor=head, unit=near_foot, lon=114.055, lat=22.5349)
    update_position(actor=head, unit=off, lon=114.055, lat=22.535)
    # The demo officer crews the two foot patrols; the car's crew is someone else's.
    for unit in (near_foot, off):
        set_unit_crew(actor=personas["dispatcher"], unit=unit, members=[personas["officer"]])
    return {"car": far_car, "foot": near_foot, "off": off}


@pytest.mark.django_db
def test_recommendation_ranks_available_units_by_travel_time(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    units = _units(personas, stations)
    alert = _alert(personas, stations)
    recs = recommend_units(user=personas["dispatcher"], alert=alert)
    assert [r.unit.code for r in recs] == ["F1", "C1"]  # the off-duty unit is not offered
    assert recs[0].eta_s < recs[1].eta_s and all(r.reachable for r in recs)
    assert recs[1].mode == "drive"
    assert units["off"].pk not in [r.unit.pk for r in recs]


@pytest.mark.django_db
def test_follow_an_alert_to_closure(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    units = _units(personas, stations)
    alert = _alert(personas, stations)
    dispatcher, officer = personas["dispatcher"], personas["officer"]
    assignment = dispatch_unit(actor=dispatcher, alert=alert, unit=units["foot"], eta_s=120)
    with pytest.raises(ValidationError, match="顺序"):
        advance_assignment(actor=officer, assignment=assignment, step="on_scene")
    advance_assignment(actor=officer, assignment=assignment, step="en_route")
    advance_assignment(actor=officer, assignment=assignment, step="on_scene")
    for step in alert.required_steps:
        if step != "向报警人反馈":
            complete_step(actor=officer, alert=alert, step=step)
    with pytest.raises(ValidationError, match="尚未处置完毕"):
        give_feedback(actor=dispatcher, alert=alert, note="已电话告知报警人")
    advance_assignment(actor=officer, assignment=assignment, step="cleared")
    alert = give_feedback(
        actor=dispatcher, alert=alert, note="已电话告知报警人处理结果", disposition="现场调解"
    )
    assert alert.status == "closed"
    assert (
        alert.received_at
        <= alert.dispatched_at
        <= alert.en_route_at
        <= alert.on_scene_at
        <= alert.cleared_at
        <= alert.closed_at
    )  # type: ignore[operator]
    steps = list(AlertEvent.objects.filter(alert=alert).values_list("step", flat=True))
    assert [s for s in steps if s != "note"] == [
        "received",
        "dispatched",
        "en_route",
        "on_scene",
        "cleared",
        "feedback",
    ]
    units["foot"].refresh_from_db()
    assert units["foot"].status == "available"
    assert ObjectChange.objects.filter(content_type__model="assignment").count() == 4


@pytest.mark.django_db
def test_a_busy_unit_is_refused_with_who_has_it(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    units = _units(personas, stations)
    first, second = _alert(personas, stations), _alert(personas, stations, "traffic")
    dispatch_unit(actor=personas["dispatcher"], alert=first, unit=units["foot"])
    with pytest.raises(UnitUnavailable, match=first.number):
        dispatch_unit(actor=personas["head"], alert=second, unit=units["foot"])
    assert Assignment.objects.filter(unit=units["foot"]).count() == 1


@pytest.mark.django_db
def test_reclassification_keeps_the_original(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    alert = _alert(personas, stations)
    with pytest.raises(ValidationError):
        reclassify(actor=personas["dispatcher"], alert=alert, category="dispute", priority=3, reason="")
    alert = reclassify(
        actor=personas["dispatcher"], alert=alert, category="dispute", priority=3, reason="经核实为邻里纠纷"
    )
    assert (alert.category_initial, alert.priority_initial, alert.category, alert.priority) == (
        "criminal",
        1,
        "dispute",
        3,
    )
    event = AlertEvent.objects.get(alert=alert, step="reclassified")
    assert "刑事→纠纷" in event.note and "经核实为邻里纠纷" in event.note and event.actor_name == "李指挥"


@pytest.mark.django_db
def test_unit_status_rules(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    units = _units(personas, stations)
    with pytest.raises(ValidationError, match="自动设置"):
        set_unit_status(actor=personas["officer"], unit=units["off"], status="on_scene")
    set_unit_status(actor=personas["officer"], unit=units["off"], status="available")
    with pytest.raises(ValidationError, match="远离本所辖区"):
        update_position(actor=personas["officer"], unit=units["off"], lon=113.5, lat=22.2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("concurrency")
def test_two_dispatchers_one_unit_one_wins(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    units = _units(personas, stations)
    alerts = [_alert(personas, stations), _alert(personas, stations, "traffic")]
    actors = [personas["dispatcher"], personas["head"]]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        try:
            barrier.wait()
            dispatch_unit(actor=actors[i], alert=alerts[i], unit=units["foot"])
            outcomes.append("won")
        except UnitUnavailable as exc:
            outcomes.append(f"told: {exc}")
        finally:
            connection.close()

    run_together(attempt, 2, timeout=30)
    assert sorted(o[:4] for o in outcomes) == ["told", "won"], outcomes
    assert Assignment.objects.filter(unit=units["foot"], active=True).count() == 1
