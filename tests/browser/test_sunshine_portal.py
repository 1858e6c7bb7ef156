"""The public portal home on a phone: no login, readable without sideways scrolling, no errors;
the language links; a stored page shows a change on the next load."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import build_small_precinct, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def test_portal_home_on_a_phone(live_server: Any, chromium: Any, settings: Any) -> None:
    from zhengyi.core.models import User
    from zhengyi.sunshine.services import publishing

    settings.LEDGER_CHECKPOINT = "commit"
    station = build_small_precinct()
    v = publishing.create_draft(
        actor=User.objects.get(username="community"),
        station=station,
        kind="key_case",
        title="重点案件：写字楼系列盗窃案",
        text="邓小军在福华路12号多次盗窃，已被抓获。",
        party_names="邓小军",
    )
    publishing.submit_for_review(actor=v.author, version=v)
    v = publishing.approve_and_publish(actor=User.objects.get(username="head"), version=v)
    publishing.add_progress(
        actor=v.reviewer, publication=v.publication, on=v.published_at.date(), text="已移送审查起诉"
    )

    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(f"{live_server.url}/public/")
        assert page.locator("h1").first.inner_text() == "阳光化办公平台"
        assert page.get_by_text("重点案件：写字楼系列盗窃案").is_visible()
        assert page.locator(".timeline li").first.inner_text().endswith("已移送审查起诉")
        # Fits the phone: nothing wider than the viewport.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        body = page.content()
        assert "邓小军" not in body and "12号" not in body and "退出登录" not in body
        page.get_by_text("重点案件：写字楼系列盗窃案").click()
        page.wait_for_url("**/public/p/FT/**")
        assert "邓某" in page.locator(".body").first.inner_text()
        assert page.locator("a", has_text="验证").count() >= 1
        page.screenshot(path="/tmp/zhengyi-portal-phone.png")
        # The language links: the same page in English, and back.
        page.get_by_role("link", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator(".p-brand").inner_text() == "Sunshine transparency portal"
        assert "/public/p/FT/" in page.url
        page.get_by_role("link", name="简体中文").click()
        page.wait_for_load_state()
        assert page.locator(".p-brand").inner_text() == "阳光化办公平台"
        # Served from the page store since its first rendering, the page is never stale: a step
        # added while it is open shows on the next load.
        publishing.add_progress(
            actor=v.reviewer, publication=v.publication, on=v.published_at.date(), text="法院已开庭审理"
        )
        page.reload()
        assert "法院已开庭审理" in page.locator(".timeline li").last.inner_text()
        assert errors == [], errors
    finally:
        context.close()
