"""值守: guard teams on duty appear as units, follow time, take alerts, and are not pulled mid-alert."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengyi.alerts.models import Alert, Assignment, Unit
from zhengyi.alerts.services.dispatch import (
    UnitUnavailable,
    advance_assignment,
    dispatch_unit,
    recommend_units,
)
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alliances.duty_window import Shift, duty_end, nearest
from zhengyi.alliances.models import DutyUnit, RosterAssignment
from zhengyi.alliances.services.duty import sync_duty_units, team_units
from zhengyi.alliances.services.rosters import publish_roster
from zhengyi.core.models import ObjectChange
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def on_duty_day(alliance_setup: dict[str, Any], roster: Any) -> date:
    """A day on which a 反扒队 member works the 日班 07–15, in the published roster."""
    publish_roster(actor=alliance_setup["officer"], roster=roster)
    team = alliance_setup["team"]
    row = (
        RosterAssignment.objects.filter(roster=roster, guard__in=team.members.all(), shift__code="D")
        .order_by("date")
        .first()
    )
    assert row is not None
    return row.date


def _alert(personas: dict[str, Any], stations: dict[str, Any]) -> Alert:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category="criminal", subcategory="theft", source="guard", building_id=tower.pk),
    )
    return alert


def test_team_on_duty_becomes_an_available_unit_at_its_zone(
    alliance_setup: dict[str, Any], stations: dict[str, Any], on_duty_day: date
) -> None:
    result = sync_duty_units(station=stations["FT"], at=_local(on_duty_day, 10))
    link = DutyUnit.objects.select_related("unit").get(team=alliance_setup["team"])
    unit = link.unit
    assert result.created == [unit.code] and result.on_duty == [unit.code]
    assert unit.kind == Unit.Kind.GUARD_TEAM and unit.get_kind_display() == "保安队"
    assert unit.name == "反扒队（测试商圈）"
    assert unit.status == Unit.UnitStatus.AVAILABLE
    # Z1's centroid is (114.054, 22.534): the nearest street node is S3 (114.055, 22.535).
    assert (unit.lon, unit.lat, unit.level) == (114.055, 22.535, "street")
    assert unit.duty_until == _local(on_duty_day, 15)
    assert ObjectChange.objects.filter(content_type__model="unit", object_id=str(unit.pk)).exists()


def test_duty_follows_time_and_sync_is_idempotent(
    alliance_setup: dict[str, Any], stations: dict[str, Any], on_duty_day: date
) -> None:
    station = stations["FT"]
    sync_duty_units(station=station, at=_local(on_duty_day, 10))
    changes = ObjectChange.objects.count()
    again = sync_duty_units(station=station, at=_local(on_duty_day, 11))
    assert not again.changed and ObjectChange.objects.count() == changes  # nothing rewritten
    off = sync_duty_units(station=station, at=_local(on_duty_day, 16))  # 15–23: no shift
    unit = DutyUnit.objects.get(team=alliance_setup["team"]).unit
    assert off.went_off == [unit.code] and unit.status == Unit.UnitStatus.OFF_DUTY
    assert unit.duty_until is None
    assert not sync_duty_units(station=station, at=_local(on_duty_day, 17)).changed
    back = sync_duty_units(station=station, at=_local(on_duty_day + timedelta(days=0), 14, 59))
    assert back.went_on == [unit.code]


def test_a_draft_roster_puts_nobody_on_duty(
    alliance_setup: dict[str, Any], stations: dict[str, Any], roster: Any
) -> None:
    day = RosterAssignment.objects.filter(roster=roster, shift__code="D").first().date  # type: ignore[union-attr]
    result = sync_duty_units(station=stations["FT"], at=_local(day, 10))
    assert result.on_duty == [] and not DutyUnit.objects.exists()


def test_guard_unit_is_dispatched_through_the_normal_service_and_not_pulled_mid_alert(
    alliance_setup: dict[str, Any], stations: dict[str, Any], personas: dict[str, Any], on_duty_day: date
) -> None:
    station = stations["FT"]
    at_ten = _local(on_duty_day, 10)
    with mock.patch("django.utils.timezone.now", return_value=at_ten):
        sync_duty_units(station=station, at=at_ten)
        unit = DutyUnit.objects.get(team=alliance_setup["team"]).unit
        alert = _alert(personas, stations)
        ranked = recommend_units(user=personas["dispatcher"], alert=alert)
        assert [r.unit.pk for r in ranked] == [unit.pk] and ranked[0].mode == "walk"
        assignment = dispatch_unit(
            actor=personas["dispatcher"], alert=alert, unit=unit, eta_s=ranked[0].eta_s
        )
        advance_assignment(actor=personas["dispatcher"], assignment=assignment, step="en_route")
    unit.refresh_from_db()
    assert unit.status == Unit.UnitStatus.EN_ROUTE
    # The shift ends at 15:00; at 16:00 the unit is still on the alert and stays on it.
    at_four = _local(on_duty_day, 16)
    result = sync_duty_units(station=station, at=at_four)
    unit.refresh_from_db()
    assert result.kept_on_alert == [unit.code] and unit.status == Unit.UnitStatus.EN_ROUTE
    assert Assignment.objects.get(pk=assignment.pk).active
    # When it clears, past its shift, it goes off duty — no sync needed.
    with mock.patch("django.utils.timezone.now", return_value=at_four):
        advance_assignment(actor=personas["dispatcher"], assignment=assignment, step="cleared")
    unit.refresh_from_db()
    assert unit.status == Unit.UnitStatus.OFF_DUTY
    sync_duty_units(station=station, at=at_four)
    unit.refresh_from_db()
    assert (unit.status, unit.duty_until) == (Unit.UnitStatus.OFF_DUTY, None)


def test_unit_past_its_shift_is_neither_recommended_nor_sent(
    alliance_setup: dict[str, Any], stations: dict[str, Any], personas: dict[str, Any], on_duty_day: date
) -> None:
    station = stations["FT"]
    sync_duty_units(station=station, at=_local(on_duty_day, 10))
    unit = DutyUnit.objects.get(team=alliance_setup["team"]).unit
    # The periodic sync has not run yet at 15:30: the unit is still "available" in the table.
    with mock.patch("django.utils.timezone.now", return_value=_local(on_duty_day, 15, 30)):
        alert = _alert(personas, stations)
        assert recommend_units(user=personas["dispatcher"], alert=alert) == []
        with pytest.raises(UnitUnavailable, match="值守已结束"):
            dispatch_unit(actor=personas["dispatcher"], alert=alert, unit=unit)


def test_publishing_a_roster_syncs_duty_on_commit(
    alliance_setup: dict[str, Any],
    roster: Any,
    stations: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish_roster(actor=alliance_setup["officer"], roster=roster)
    assert len(callbacks) == 1  # the sync ran (at the real now: off duty or on, it must not fail)


def test_lead_sees_his_team_units(
    alliance_setup: dict[str, Any], stations: dict[str, Any], personas: dict[str, Any], on_duty_day: date
) -> None:
    sync_duty_units(station=stations["FT"], at=_local(on_duty_day, 10))
    rows = team_units(personas["guardlead"], [alliance_setup["team"]])
    assert [r.unit.status for r in rows] == ["available"]
    assert team_units(personas["officer"], [alliance_setup["team"]]) == []  # no role on duty units


def test_my_team_page_on_a_phone(
    alliance_setup: dict[str, Any], stations: dict[str, Any], client_for: Any, on_duty_day: date
) -> None:
    sync_duty_units(station=stations["FT"], at=_local(on_duty_day, 10))
    body = client_for("guardlead").get("/alliances/my-team/").content.decode()
    assert "反扒队（测试商圈）" in body and 'data-status="available"' in body


@given(
    start=st.integers(0, 23),
    length=st.integers(1, 23),
    offset=st.integers(-30 * 60, 30 * 60),
)
def test_shift_covers_exactly_its_window(start: int, length: int, offset: int) -> None:
    day = date(2026, 3, 1)
    begin = datetime.combine(day, time(start))
    end_clock = (begin + timedelta(hours=length)).time()
    shift = Shift(day, time(start), end_clock)
    assert shift.ends - shift.begins == timedelta(hours=length)
    at = begin + timedelta(minutes=offset)
    assert shift.covers(at) == (timedelta(0) <= at - begin < timedelta(hours=length))
    assert duty_end([shift], at) == (shift.ends if shift.covers(at) else None)


@given(st.lists(st.tuples(st.floats(114.0, 114.1), st.floats(22.5, 22.6)), min_size=1, max_size=20))
def test_nearest_is_no_farther_than_any_other_point(points: list[tuple[float, float]]) -> None:
    import math

    lon, lat = 114.05, 22.55
    keyed = [(i, x, y) for i, (x, y) in enumerate(points)]
    best = nearest(keyed, lon, lat)
    k = math.cos(math.radians(lat))

    def d(i: int) -> float:
        return ((points[i][0] - lon) * k) ** 2 + (points[i][1] - lat) ** 2

    assert all(d(best) <= d(i) for i in range(len(points)))  # type: ignore[arg-type]
