"""贡献: the figures against a hand-made fixture — guard-unit assignments, on time or not, inspections."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from zhengyi.alerts.models import Alert
from zhengyi.alerts.services.dispatch import advance_assignment, dispatch_unit
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.services.units import create_unit, update_position
from zhengyi.alliances.models import DutyUnit
from zhengyi.alliances.selectors_operations import contribution, month_starts
from zhengyi.alliances.services import inspections as svc
from zhengyi.alliances.services.duty import sync_duty_units
from zhengyi.alliances.services.rosters import publish_roster
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_month_starts() -> None:
    assert month_starts(date(2026, 3, 15), 3) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def test_contribution_counts_what_the_records_show(
    alliance_setup: dict[str, Any],
    roster: Any,
    stations: dict[str, Any],
    personas: dict[str, Any],
    client_for: Any,
) -> None:
    publish_roster(actor=alliance_setup["officer"], roster=roster)
    team = alliance_setup["team"]
    day = (
        roster.assignments.filter(guard__in=team.members.all(), shift__code="D").order_by("date").first().date
    )
    station, dispatcher = stations["FT"], personas["dispatcher"]
    tower = Building.objects.get(station=station, code="B1")
    sync_duty_units(station=station, at=_at(day, 8))
    unit = DutyUnit.objects.get(team=team).unit
    # A police unit's assignment must not count for the alliance.
    police = create_unit(
        actor=personas["head"],
        station=station,
        code="F9",
        name="步巡9",
        kind="foot_patrol",
        status="available",
    )
    update_position(actor=personas["head"], unit=police, lon=114.055, lat=22.535)

    def handle(start: datetime, arrive_after_min: float | None, category: str, who: Any) -> None:
        with mock.patch("django.utils.timezone.now", return_value=start):
            alert, _ = receive_alert(
                actor=dispatcher,
                station=station,
                data=AlertInput(category=category, source="guard", building_id=tower.pk),
            )
            a = dispatch_unit(actor=dispatcher, alert=alert, unit=who)
        if arrive_after_min is None:
            with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=2)):
                advance_assignment(actor=dispatcher, assignment=a, step="cleared")
            return
        arrive = start + timedelta(minutes=arrive_after_min)
        with mock.patch("django.utils.timezone.now", return_value=arrive):
            advance_assignment(actor=dispatcher, assignment=a, step="en_route")
            advance_assignment(actor=dispatcher, assignment=a, step="on_scene")
        with mock.patch("django.utils.timezone.now", return_value=arrive + timedelta(minutes=5)):
            advance_assignment(actor=dispatcher, assignment=a, step="cleared")

    handle(_at(day, 8), 3, "criminal", unit)  # on time (target 5 min in the city)
    handle(_at(day, 9), 12, "criminal", unit)  # late
    handle(_at(day, 10), 4, "dispute", unit)  # on time
    handle(_at(day, 11), None, "dispute", unit)  # no arrival recorded: handled, not in the share
    handle(_at(day, 12), 1, "criminal", police)  # police unit: not the alliance's
    target = dict(Alert.objects.values_list("category", "arrival_target_minutes").distinct())

    bar = alliance_setup["bar"]
    open_one = svc.create_inspection(
        actor=alliance_setup["officer"],
        organisation=bar,
        inspection_date=timezone.localdate(),
        items=[svc.ItemInput("footage", "录像留存", "fail", "仅 10 日")],
        rectifications=[svc.RectificationInput("延长保存期", timezone.localdate() + timedelta(days=5))],
    )
    svc.sign_as_officer(actor=alliance_setup["officer"], inspection=open_one)
    svc.sign_as_representative(actor=personas["property"], inspection=open_one)

    figures = contribution(
        personas["community"], alliance_setup["alliance"], months=60, today=max(day, timezone.localdate())
    )
    month = {f.month: f for f in figures}
    row = month[day.replace(day=1)]
    assert row.alerts == 4 and dict(row.by_category) == {"criminal": 2, "dispute": 2}
    # Arrivals after 3, 12 and 4 minutes, held to each alert's own arrival target.
    expected = (target["criminal"] >= 3) + (target["criminal"] >= 12) + (target["dispute"] >= 4)
    assert (row.arrived, row.on_time) == (3, expected)
    assert target["criminal"] < 12  # the late one really is late under the standard
    this = month[timezone.localdate().replace(day=1)]
    assert (this.inspections, this.signed, this.open_rectifications) == (1, 1, 1)
    # The page's table shows the same month, its categories in their columns.
    page_today = max(day, timezone.localdate())
    with mock.patch("django.utils.timezone.localdate", return_value=page_today):
        page = client_for("community").get(f"/alliances/{alliance_setup['alliance'].pk}/contribution/")
    assert page.status_code == 200
    html = page.content.decode()
    found = re.search(rf'<tr data-month="{day:%Y-%m}">(.*?)</tr>', html, re.S)
    assert found, html[-3000:]
    cells = re.findall(r'<td class="num">([^<]*)</td>', found.group(1))
    assert cells[:3] == ["4", "2", "2"]  # alerts handled; 刑事 2; 纠纷 2
    assert sum(f.alerts for f in figures) == 4
    # Member staff do not see alert assignments: the alliance's figures are not theirs to read.
    assert (
        sum(
            f.alerts
            for f in contribution(
                personas["property"],
                alliance_setup["alliance"],
                months=60,
                today=max(day, timezone.localdate()),
            )
        )
        == 0
    )


def test_contribution_page_and_json(alliance_setup: dict[str, Any], client_for: Any) -> None:
    alliance = alliance_setup["alliance"]
    page = client_for("community").get(f"/alliances/{alliance.pk}/contribution/")
    assert page.status_code == 200 and 'id="contribution-chart"' in page.content.decode()
    data = client_for("community").get(f"/alliances/{alliance.pk}/contribution.json").json()
    assert len(data["months"]) == 12 and data["alerts"] == [0] * 12
    assert client_for("property").get(f"/alliances/{alliance.pk}/contribution.json").status_code == 403
    detail = client_for("community").get(f"/alliances/{alliance.pk}/").content.decode()
    assert 'id="ops-panel"' in detail
