"""The station head's way through the map, and the home page on a phone, in a real Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import TOWER_CODE, TOWER_NAME, login, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]

MAP_SHOT = "/tmp/zhengyi-map.png"
HOME_SHOT = "/tmp/zhengyi-home.png"


def _pressed(page: Any, level: str) -> str | None:
    return page.get_attribute(f'.level-switch [data-level="{level}"]', "aria-pressed")


def test_head_switches_levels_and_opens_a_tower(
    live_server: Any, small_precinct: Any, browser_context: Any
) -> None:
    from zhengyi.precinct.models import Building

    tower = Building.objects.get(station=small_precinct, code=TOWER_CODE)
    page = browser_context.new_page()
    errors = watch_errors(page)
    login(page, live_server.url)

    page.goto(f"{live_server.url}/precinct/map/")
    page.wait_for_selector("#map[data-loaded-level=street]")
    assert page.evaluate("document.body.dataset.mapLevel") == "street"
    assert _pressed(page, "street") == "true"
    assert page.locator("#map path.zy-building").count() == 7
    assert page.locator("#map path.zy-zone").count() == 3

    # Underground: its own layer (concourse, underground passage, metro station) replaces the street.
    page.click('.level-switch [data-level="underground"]')
    page.wait_for_selector("#map[data-loaded-level=underground]")
    assert _pressed(page, "underground") == "true"
    assert _pressed(page, "street") == "false"
    assert page.evaluate("document.body.dataset.mapLevel") == "underground"
    assert page.locator("#map path.zy-area").count() == 1
    assert page.locator("#map path.zy-landmark").count() == 1
    assert page.locator("#map path.zy-building").count() == 0

    # Back to the street (cached: no second fetch needed), then click the tower itself.
    page.click('.level-switch [data-level="street"]')
    page.wait_for_selector("#map[data-loaded-level=street]")
    assert _pressed(page, "underground") == "false"
    assert page.locator("#map path.zy-area").count() == 0
    page.screenshot(path=MAP_SHOT)

    page.click(f'#map path[data-building="{TOWER_CODE}"]')
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert TOWER_NAME in popup.inner_text()
    assert "150" in popup.inner_text()
    page.click(".leaflet-popup-close-button")
    popup.wait_for(state="detached")

    # The keyboard way: type the name, Enter → zoomed to it, popup open, its link focused.
    page.fill("#building-search-input", TOWER_NAME)
    page.press("#building-search-input", "Enter")
    link = page.locator(".leaflet-popup-content a.zy-popup-link")
    link.wait_for()
    assert TOWER_NAME in page.inner_text(".leaflet-popup-content")
    link.click()
    page.wait_for_url(f"{live_server.url}/precinct/buildings/{tower.pk}/")
    assert page.inner_text("#building-name").strip() == TOWER_NAME

    assert errors == [], errors


def test_home_on_a_phone_shows_the_figures_without_overflow(
    live_server: Any, small_precinct: Any, chromium: Any
) -> None:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        errors = watch_errors(page)
        login(page, live_server.url)

        figures = page.locator("#figures .figure")
        assert figures.count() >= 10
        text = page.inner_text("#figures")
        assert "5.64" in text  # the station's area, km²
        assert "岗厦" in text  # residential buildings of the urban village
        page.wait_for_selector("#home-map[data-loaded=true]")
        page.wait_for_selector("#category-chart[data-rendered=true]")
        assert page.locator("#recent-changes tbody tr").count() > 0

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375 + 1, f"page is {width}px wide on a 375px phone"
        page.screenshot(path=HOME_SHOT, full_page=True)

        # The language switcher submits itself on change (no inline script: CSP allows none).
        page.select_option("#lang-select", "en")
        page.wait_for_selector("html[lang=en]")
        assert "Futian Police Station" in page.inner_text("h1")
        assert errors == [], errors
    finally:
        context.close()
