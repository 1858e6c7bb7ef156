"""A guard lead opens the week's roster (我的排班) on a phone-size screen, in a real Chromium."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from tests.browser.conftest import login, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def _alliance_with_roster(station: Any) -> Any:
    from django.utils import timezone

    from zhengyi.alliances.services import people, rosters
    from zhengyi.core.models import User
    from zhengyi.precinct.models import Zone

    officer = User.objects.get(username="community")
    lead_user = User.objects.get(username="guardlead")
    zone = Zone.objects.get(station=station, code="Z-CBD")
    far = timezone.localdate() + timedelta(days=900)
    alliance = people.create_alliance(
        actor=officer,
        station=station,
        name="商业圈联盟",
        kind="business_circle",
        start_date=far.replace(year=2017),
        zones=[zone],
    )
    company = people.add_member(
        actor=officer, alliance=alliance, name="测试保安公司", kind="security_company"
    )
    people.link_staff(actor=officer, organisation=company, user=lead_user)
    guards = [
        people.create_guard(
            actor=officer,
            employer=company,
            certificate_number=f"粤深2020{i:06d}",
            name=f"队员{i}",
            zones=[zone],
            certificate_valid_until=far,
            training_valid_until=far,
            user=lead_user if i == 0 else None,
        )
        for i in range(8)
    ]
    people.create_team(actor=officer, alliance=alliance, name="反扒队", lead=guards[0], members=guards)
    day = rosters.create_shift(
        actor=officer, alliance=alliance, zone=zone, code="D", name="日班", start=time(9), end=time(17)
    )
    rosters.set_need(actor=officer, shift=day, min_guards=3)
    today = timezone.localdate()
    outcome = rosters.generate_roster(
        actor=officer,
        alliance=alliance,
        start=today - timedelta(days=today.weekday()),
        days=7,
        time_limit=3,
        num_workers=1,
    )
    assert outcome.roster is not None, outcome.reasons
    return guards[0]


def test_guard_lead_opens_the_week_on_a_phone(live_server: Any, small_precinct: Any, chromium: Any) -> None:
    from zhengyi.alliances.models import RosterAssignment

    lead = _alliance_with_roster(small_precinct)
    own = RosterAssignment.objects.filter(guard=lead).count()
    context = chromium.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        errors = watch_errors(page)
        login(page, live_server.url, "guardlead")
        page.click("text=我的排班")
        page.wait_for_selector("#my-shifts")
        assert page.locator("h1").inner_text() == "我的排班"
        assert page.locator("#my-shifts .week-day").count() == 7
        assert page.locator("#my-shifts .week-day:not(.off)").count() == own
        # The team's week: 3 guards on every day shift.
        assert page.locator(".team-week .week-day").count() == 7
        assert page.locator(".team-week .small:not(.muted)").count() == 21
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375 + 1, f"page is {width}px wide on a 375px phone"
        page.screenshot(path="/tmp/zhengyi-my-week.png", full_page=True)
        assert not errors, errors
    finally:
        context.close()
