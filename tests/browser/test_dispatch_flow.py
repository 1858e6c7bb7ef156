"""A dispatcher takes a call from the keyboard, dispatches the nearest unit and follows it on scene."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import TOWER_CODE, TOWER_NAME, login, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]

INTAKE_SHOT = "/tmp/zhengyi-intake.png"
ALERT_SHOT = "/tmp/zhengyi-alert.png"


def _available_unit(station: Any) -> Any:
    from zhengyi.alerts.services.units import create_unit, update_position
    from zhengyi.core.models import User

    head = User.objects.get(username="head")
    unit = create_unit(
        actor=head, station=station, code="F01", name="步巡一组", kind="foot_patrol", status="available"
    )
    # On 福华三路 at 金田路, a short walk from the tower.
    return update_position(actor=head, unit=unit, lon=114.0560, lat=22.5350)


def _active_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_dispatcher_takes_a_call_and_dispatches_from_the_keyboard(
    live_server: Any, small_precinct: Any, browser_context: Any
) -> None:
    from zhengyi.alerts.models import Alert
    from zhengyi.precinct.models import Building

    unit = _available_unit(small_precinct)
    tower = Building.objects.get(station=small_precinct, code=TOWER_CODE)
    page = browser_context.new_page()
    errors = watch_errors(page)
    login(page, live_server.url, "dispatcher")

    page.goto(f"{live_server.url}/alerts/new/")
    page.wait_for_selector("#intake-map[data-loaded=street]")
    assert _active_id(page) == "id_category_query"  # focus starts in the category box

    # "dq" → 盗窃, picked with the keyboard; the kind and the priority hint follow the category.
    page.locator("#id_category_query").press_sequentially("dq", delay=40)
    first = page.locator('#category-listbox li[aria-selected="true"]')
    first.wait_for()
    assert "盗窃" in first.inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert "盗窃" in page.locator('#category-listbox li[aria-selected="true"]').inner_text()
    page.keyboard.press("Enter")
    assert page.input_value("#id_category_query") == "刑事 › 盗窃"
    assert page.input_value("#id_category") == "criminal"
    assert page.input_value("#id_subcategory") == "theft"
    assert page.input_value("#id_kind") == "report"
    assert "紧急" in page.inner_text("#priority-default")
    assert _active_id(page) == "id_kind"  # Enter picked and moved on; nothing was submitted

    # The place: type part of the tower's name, pick it from the server's list.
    page.focus("#id_place_query")
    page.keyboard.type(TOWER_NAME[:3])
    option = page.locator("#place-listbox li", has_text=TOWER_NAME)
    option.wait_for()
    page.keyboard.press("Enter")
    assert page.input_value("#id_building_id") == str(tower.pk)
    assert TOWER_NAME in page.inner_text("#place-picked")

    # The phone, checked as it is typed.
    page.focus("#id_caller_phone")
    page.keyboard.type("138 0013 800")
    page.keyboard.press("Tab")
    assert "bad" in (page.get_attribute("#phone-check", "class") or "")
    page.focus("#id_caller_phone")
    page.keyboard.type("0")
    assert "ok" in (page.get_attribute("#phone-check", "class") or "")
    page.focus("#id_description")
    page.keyboard.type("办公室电脑被盗")

    # "?" shows the shortcuts (outside a text box), Esc hides them.
    page.focus("#id_source")
    page.keyboard.press("?")
    assert page.is_visible("#intake-help")
    page.keyboard.press("Escape")
    assert not page.is_visible("#intake-help")
    page.screenshot(path=INTAKE_SHOT, full_page=True)

    page.focus("#id_description")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r".*/alerts/\d+/$"))
    alert = Alert.objects.get()
    assert page.url == f"{live_server.url}/alerts/{alert.pk}/"
    assert alert.number in page.inner_text(".messages")
    assert alert.subcategory is not None and alert.subcategory.code == "theft"
    assert (alert.building_id, alert.caller_phone) == (tower.pk, "13800138000")
    assert "138****8000" in page.inner_text("#caller")

    # d focuses the recommended unit's 指派 button; Enter dispatches it.
    row = page.locator(f'#recommendation-table tr[data-unit="{unit.code}"]')
    assert "步行" in row.inner_text()
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.classList.contains('dispatch-btn')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#assignment-table")
    assert unit.name in page.inner_text("#assignment-table")

    # The unit's steps: 出警, then 到场.
    page.click('#assignment-table button[data-step="en_route"]')
    page.wait_for_selector('#assignment-table button[data-step="on_scene"]')
    page.click('#assignment-table button[data-step="on_scene"]')
    page.wait_for_selector('#assignment-table button[data-step="cleared"]')
    steps = page.eval_on_selector_all(
        "#timeline-table tr[data-step]", "rows => rows.map(r => r.dataset.step)"
    )
    assert steps == ["received", "dispatched", "en_route", "on_scene"]
    assert unit.name in page.inner_text("#timeline-table")
    alert.refresh_from_db()
    assert alert.status == "on_scene" and alert.on_scene_at is not None
    assert page.inner_text('#interval-table tr[data-interval="on_scene_at"] td.num').strip() != "—"
    page.wait_for_selector("#alert-map[data-loaded=true]")
    page.screenshot(path=ALERT_SHOT, full_page=True)

    # b goes back to the list, where the alert runs its clock.
    page.keyboard.press("b")
    page.wait_for_url(f"{live_server.url}/alerts/")
    assert alert.number in page.inner_text("#alert-table")

    assert errors == [], errors
