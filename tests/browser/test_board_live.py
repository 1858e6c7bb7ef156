"""Two command boards side by side: a change made anywhere shows on both within a second.

The pages come from the app server (live_server) and the pushes from the real stream server,
a separate granian process on another port reading the same database (``stream_server``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import TOWER_CODE, login, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def test_two_boards_see_each_step_within_a_second(
    live_server: Any, stream_server: int, small_precinct: Any, chromium: Any
) -> None:
    from zhengyi.alerts.services.dispatch import advance_assignment, dispatch_unit
    from zhengyi.alerts.services.intake import AlertInput, receive_alert
    from zhengyi.alerts.services.units import create_unit, update_position
    from zhengyi.core.models import User
    from zhengyi.precinct.models import Building

    pages = []
    for username in ("dispatcher", "head"):
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1200, "height": 800})
        page = context.new_page()
        errors = watch_errors(page)
        login(page, live_server.url, username)
        page.goto(f"{live_server.url}/alerts/board/")
        page.wait_for_selector("#live[data-state=live]", timeout=10_000)
        # The stream is the stream server's, not the app server's.
        assert f":{stream_server}/alerts/board/stream" in page.get_attribute("#board", "data-stream-url")
        pages.append((page, errors))

    dispatcher = User.objects.get(username="dispatcher")
    tower = Building.objects.get(station=small_precinct, code=TOWER_CODE)
    head = User.objects.get(username="head")
    unit = create_unit(
        actor=head, station=small_precinct, code="F9", name="步巡九", kind="foot_patrol", status="available"
    )
    update_position(actor=head, unit=unit, lon=tower.lon, lat=tower.lat)

    def on_both(predicate: str, arg: Any) -> float:
        started = time.monotonic()
        for page, _ in pages:
            page.wait_for_function(predicate, arg=arg, timeout=3_000)
        return time.monotonic() - started

    alert, _ = receive_alert(
        actor=dispatcher,
        station=small_precinct,
        data=AlertInput(category="criminal", source="phone_110", building_id=tower.pk),
    )
    seen = on_both("n => document.getElementById('alert-list').textContent.includes(n)", alert.number)
    assert seen < 1.0, f"new alert reached both boards after {seen:.2f} s"

    assignment = dispatch_unit(actor=dispatcher, alert=alert, unit=unit)
    seen = on_both("s => document.getElementById('alert-list').textContent.includes(s)", "步巡九")
    assert seen < 1.0, f"dispatch reached both boards after {seen:.2f} s"

    advance_assignment(actor=dispatcher, assignment=assignment, step="en_route")
    advance_assignment(actor=dispatcher, assignment=assignment, step="on_scene")
    seen = on_both("s => document.getElementById('alert-list').textContent.includes(s)", "已到场")
    assert seen < 1.0, f"arrival reached both boards after {seen:.2f} s"

    for page, errors in pages:
        assert page.locator(".alert-item").count() == 1
        assert not errors, errors
        page.context.close()
