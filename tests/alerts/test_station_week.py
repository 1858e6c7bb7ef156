"""The home page's week of alert handling: the compliance page's own figures for the last seven
days, what is open now, links to both — for those who may see alerts and standards only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengyi.alerts.compliance import compliance_report
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.station_week import station_week
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db


def _receive(personas: dict[str, Any], stations: dict[str, Any], n: int) -> None:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    for _i in range(n):
        receive_alert(
            actor=personas["dispatcher"],
            station=stations["FT"],
            data=AlertInput(
                category="dispute", source="phone_110", building_id=tower.pk, description="噪音纠纷"
            ),
        )


def test_the_head_sees_the_weeks_handling_on_the_home_page(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    _receive(personas, stations, 3)
    today = timezone.localdate()
    week = station_week(personas["head"], [stations["FT"]])
    assert week is not None and week.start == today - timedelta(days=6) and week.end == today
    expected = compliance_report(
        personas["head"], start=week.start, end=today, station_ids=[stations["FT"].pk]
    )
    assert week.report.received == expected.received == 3
    assert week.open_now == 3  # received, not yet closed
    assert f"start={week.start.isoformat()}" in week.compliance_url and "station=FT" in week.compliance_url
    client = Client()
    client.force_login(personas["head"])
    page = client.get("/").content.decode()
    card = page[page.index('id="station-week"') :]
    card = card[: card.index("</section>")]
    assert "处警 · 近 7 天" in card and week.compliance_url.replace("&", "&amp;") in card
    received = card[card.index('id="week-received"') :]
    assert '<div class="figure-value">3<' in received
    assert client.get(week.compliance_url).status_code == 200


def test_not_for_those_who_may_not_see_alerts(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    assert station_week(personas["guardlead"], [stations["FT"]]) is None
    assert station_week(personas["property"], [stations["FT"]]) is None
    client = Client()
    client.force_login(personas["guardlead"])
    assert 'id="station-week"' not in client.get("/").content.decode()


def test_a_bureau_sees_its_stations_together(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    _receive(personas, stations, 2)
    week = station_week(personas["bureau"], [stations["FT"], stations["LH"]])
    assert week is not None and week.report.received == 2 and week.open_now == 2
    assert "station=" not in week.compliance_url  # the compliance page's default: every station
    client = Client()
    client.force_login(personas["bureau"])
    page = client.get("/").content.decode()
    assert 'id="station-week"' in page and 'id="stations-table"' in page
    assert client.get(week.compliance_url).status_code == 200
