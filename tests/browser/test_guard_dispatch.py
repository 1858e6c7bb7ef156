"""A guard team on duty is on the command board; the dispatcher picks an alert and sends it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest

from tests.browser.conftest import TOWER_CODE, login, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]

BOARD_SHOT = "/tmp/zhengyi-guard-board.png"


def _team_on_duty_now(station: Any) -> Any:
    """A business-circle alliance whose 反扒队 works a shift covering the current hour."""
    from django.utils import timezone

    from zhengyi.alliances.models import DutyUnit
    from zhengyi.alliances.services import people, rosters
    from zhengyi.alliances.services.duty import sync_duty_units
    from zhengyi.core.models import User
    from zhengyi.precinct.models import Zone

    officer = User.objects.get(username="community")
    zone = Zone.objects.get(station=station, code="Z-CBD")
    today = timezone.localdate()
    far = today + timedelta(days=900)
    alliance = people.create_alliance(
        actor=officer,
        station=station,
        name="商业圈联盟",
        kind="business_circle",
        start_date=today.replace(year=2017),
        zones=[zone],
    )
    company = people.add_member(
        actor=officer, alliance=alliance, name="测试保安公司", kind="security_company"
    )
    guards = [
        people.create_guard(
            actor=officer,
            employer=company,
            certificate_number=f"粤深2021{i:06d}",
            name=f"队员{i}",
            zones=[zone],
            certificate_valid_until=far,
            training_valid_until=far,
        )
        for i in range(4)
    ]
    people.create_team(actor=officer, alliance=alliance, name="反扒队", lead=guards[0], members=guards)
    # A four-hour shift starting at this hour: the team is on duty while the test runs.
    hour = timezone.localtime().hour
    start = time(hour)
    end = (datetime.combine(today, start) + timedelta(hours=4)).time()
    shift = rosters.create_shift(
        actor=officer, alliance=alliance, zone=zone, code="X", name="测试班", start=start, end=end
    )
    rosters.set_need(actor=officer, shift=shift, min_guards=2)
    outcome = rosters.generate_roster(
        actor=officer, alliance=alliance, start=today, days=1, time_limit=3, num_workers=1
    )
    assert outcome.roster is not None, outcome.reasons
    rosters.publish_roster(actor=officer, roster=outcome.roster)  # syncs duty once committed
    # As the periodic job would (it finds nothing left to do after the publish).
    assert not sync_duty_units(station=station).changed
    return DutyUnit.objects.select_related("unit").get(team__name="反扒队").unit


def test_dispatcher_sends_the_guard_team_from_the_board(
    live_server: Any, stream_server: int, small_precinct: Any, browser_context: Any
) -> None:
    from zhengyi.alerts.models import Assignment
    from zhengyi.alerts.services.intake import AlertInput, receive_alert
    from zhengyi.core.models import User
    from zhengyi.precinct.models import Building

    unit = _team_on_duty_now(small_precinct)
    assert unit.status == "available" and unit.kind == "guard_team"
    tower = Building.objects.get(station=small_precinct, code=TOWER_CODE)
    alert, _ = receive_alert(
        actor=User.objects.get(username="dispatcher"),
        station=small_precinct,
        data=AlertInput(
            category="criminal",
            subcategory="theft",
            source="guard",
            building_id=tower.pk,
            description="商场内扒窃",
        ),
    )

    page = browser_context.new_page()
    errors = watch_errors(page)
    login(page, live_server.url, "dispatcher")
    page.goto(f"{live_server.url}/alerts/board/")
    page.wait_for_selector("#live[data-state=live]", timeout=10_000)
    # The team is on the board among the units, available, named after team and zone.
    guard_item = page.locator("#unit-list li", has_text=unit.name)
    guard_item.wait_for()
    assert "空闲" in guard_item.inner_text()
    assert unit.name == "反扒队（中心商务区）"
    page.screenshot(path=BOARD_SHOT, full_page=True)

    # Pick the alert on the board and open it.
    page.locator(".alert-item", has_text=alert.number).locator("a").first.click()
    page.wait_for_url(f"{live_server.url}/alerts/{alert.pk}/")
    row = page.locator(f'#recommendation-table tr[data-unit="{unit.code}"]')
    row.wait_for()
    assert "步行" in row.inner_text()  # guards walk: ranked by walking time
    row.locator(".dispatch-btn").click()
    page.wait_for_selector("#assignment-table")
    assert unit.name in page.inner_text("#assignment-table")
    assignment = Assignment.objects.get(alert=alert)
    assert assignment.unit_id == unit.pk and assignment.active
    unit.refresh_from_db()
    assert unit.status == "busy"

    # Back on the board the team is shown busy with it.
    page.goto(f"{live_server.url}/alerts/board/")
    page.locator("#unit-list li", has_text=unit.name).wait_for()
    page.wait_for_function(
        "name => [...document.querySelectorAll('#unit-list li')].some("
        "li => li.textContent.includes(name) && li.classList.contains('status-busy'))",
        arg=unit.name,
    )
    assert errors == [], errors
