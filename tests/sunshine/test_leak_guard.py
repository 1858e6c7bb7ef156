"""The leak guard (issue 5): load demo-like content through the services, crawl every public page,
feed and download, and fail on any ID, mobile, plate or bank number or any party's full name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sunshine.crawl import crawl, page_leaks

PARTIES = [
    ("suspect", "黄志强", "440304198805126613"),
    ("victim", "欧阳丽华", ""),
    ("reporter", "林建国", ""),
]


@pytest.fixture
def demo_content(personas: dict[str, Any], stations: dict[str, Any]) -> list[str]:
    """The cases demo (if the cases helper's loader exists) or a key case opened here, then the
    sunshine demo; returns the full names the guard looks for."""
    from zhengyi.alerts.services.intake import AlertInput, receive_alert
    from zhengyi.cases.selectors import party_full_names
    from zhengyi.cases.services.cases import move_stage, open_case
    from zhengyi.cases.services.parties import add_party
    from zhengyi.demo.sunshine import MLM_LEADERS, THIEF, load_sunshine
    from zhengyi.precinct.models import Building

    ft = stations["FT"]
    tower = Building.objects.get(station=ft, code="B1")
    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=ft,
        data=AlertInput(
            category="dispute",
            source="phone_110",
            building_id=tower.pk,
            caller_name="周大福",
            caller_phone="13612345678",
            description="周大福称与邻居因噪音发生纠纷，电话13612345678",
        ),
    )
    try:
        from zhengyi.demo.cases import load_cases
    except ImportError:  # the cases demo is optional here: a key case opened through the services
        load_cases = None
    if load_cases is not None:
        load_cases(station=ft)
    else:
        opened = open_case(
            actor=personas["investigator"],
            station=ft,
            kind="criminal",
            category="economic",
            title="黄志强等人组织领导传销活动案",
            summary="黄志强、欧阳丽华在测试大厦1203室组织传销，林建国报案（电话13712345678）。",
            is_key=True,
        )
        for role, name, id_number in PARTIES:
            add_party(
                actor=personas["investigator"], case=opened.case, role=role, name=name, id_number=id_number
            )
        move_stage(
            actor=personas["investigator"], case=opened.case, stage="filed", reason="经审查符合立案条件"
        )
    load_sunshine(station=ft)
    return sorted({*party_full_names(), *MLM_LEADERS, THIEF, "周大福", alert.caller_name})


def test_demo_portal_leaks_nothing(demo_content: list[str]) -> None:
    result = crawl(demo_content)
    assert not result.leaks, result.leaks[:5]
    bad = {u: s for u, s in result.pages.items() if s != 200}
    assert not bad, bad
    # It really crawled the portal: pages, a publication, a feed, downloads, a verify page.
    urls = list(result.pages)
    assert len(urls) > 20
    for part in ("/public/p/", "/public/feed/rss/", "/public/feed/atom/", "/public/data/publications.csv",
                 "/public/data/publications.json", "/public/data/feedback.json", "/public/summaries/FT/",
                 "/ledger/entries/"):  # fmt: skip
        assert any(part in u for u in urls), part
    assert max(result.sizes.values()) < 200_000


def test_guard_fails_when_an_id_skips_review(demo_content: list[str], personas: dict[str, Any]) -> None:
    """A draft written straight to the database, bypassing review and redaction, is caught."""
    from zhengyi.sunshine.models import PublicationVersion
    from zhengyi.sunshine.services import publishing

    v = publishing.create_draft(
        actor=personas["community"],
        station=personas["head"].station,
        kind="notice",
        title="通报",
        text="今日平稳。",
    )
    PublicationVersion.objects.filter(pk=v.pk).update(
        status="published", text="嫌疑人身份证440304199001011237", published_at=v.created_at
    )
    type(v.publication).objects.filter(pk=v.publication_id).update(current=v, first_published_at=v.created_at)
    result = crawl(demo_content)
    assert any(leak.kind == "resident_id" for _url, leak in result.leaks)


def test_detector_finds_each_kind_on_a_page() -> None:
    page = (
        "<html><body><p>黄志强</p><p>身份证440304198805126615</p><a href='tel:13812345678'>电话</a>"
        "<span>粤B&#49;2345</span><td>6222021001122334458</td><p>0755-83456789</p></body></html>"
    )
    kinds = {leak.kind for leak in page_leaks(page, ["黄志强"])}
    assert {"name", "resident_id", "mobile", "plate", "bank_card", "landline"} <= kinds
    clean = "<p>黄某在测试大厦被抓获，20名嫌疑人移送审查起诉；leaf 3f9a13812345678e</p>"
    assert page_leaks(clean, ["黄志强"]) == []
