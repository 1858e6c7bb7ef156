"""The public portal: no login, small pages, 404s, the lookup (rate limit, one answer for a wrong
code and an unknown case), feeds and open data, summaries from real alerts, public-only mode."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengyi.ledger.entries import text_digest
from zhengyi.sunshine.services import feedback as fb
from zhengyi.sunshine.services import publishing


def test_pages_need_no_login_and_show_no_staff_navigation(publish: Any) -> None:
    v = publish()
    client = Client()
    for url in ["/public/", "/public/publications/", "/public/summaries/", "/public/lookup/", "/public/feedback/",
                "/public/data/", f"/public/p/FT/{v.publication.number}/"]:  # fmt: skip
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert "退出登录" not in body and "/alerts/" not in body and len(r.content) < 200_000
    page = client.get(f"/public/p/FT/{v.publication.number}/").content.decode()
    assert v.title in page and v.text_sha256 in page
    assert f"/ledger/entries/{v.ledger_index}/" in page  # the verify link
    assert client.get(f"/ledger/entries/{v.ledger_index}/").status_code == 200


def test_404s(publish: Any) -> None:
    v = publish()
    client = Client()
    assert client.get("/public/p/FT/FT-1999-9999/").status_code == 404
    assert client.get(f"/public/p/LH/{v.publication.number}/").status_code == 404
    assert client.get("/public/summaries/XX/2025-01/").status_code == 404
    assert client.get("/public/summaries/FT/2025-13/").status_code == 404
    assert client.get("/public/data/publications.xml").status_code == 404


def test_drafts_and_unreplied_feedback_are_not_public(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    v = publishing.create_draft(
        actor=personas["community"],
        station=stations["FT"],
        kind="notice",
        title="未发布的通报",
        text="草稿内容",
    )
    fb.submit_feedback(station=stations["FT"], subject="未答复的留言", message="这条留言还没有答复。")
    client = Client()
    assert client.get(f"/public/p/FT/{v.publication.number}/").status_code == 404
    for url in ["/public/", "/public/feed/rss/", "/public/data/publications.json", "/public/feedback/",
                "/public/data/feedback.csv"]:  # fmt: skip
        body = client.get(url).content.decode()
        assert "未发布的通报" not in body and "未答复的留言" not in body


def test_withdrawn_and_corrected_stay_visible(publish: Any, personas: dict[str, Any]) -> None:
    v1 = publish()
    v2 = publishing.start_correction(actor=personas["community"], publication=v1.publication, note="更正时间")
    v2 = publishing.update_draft(
        actor=personas["community"],
        version=v2,
        title="更正后的标题",
        text=v2.original_text,
        party_names=v2.party_names,
    )
    publishing.submit_for_review(actor=personas["community"], version=v2)
    publishing.approve_and_publish(actor=personas["head"], version=v2)
    publishing.withdraw(actor=personas["head"], publication=v1.publication, reason="当事人提出异议，核实中")
    page = Client().get(f"/public/p/FT/{v1.publication.number}/").content.decode()
    assert "更正后的标题" in page and v1.title in page  # history kept
    assert "已撤回" in page and "当事人提出异议" in page
    rows = json.loads(Client().get("/public/data/publications.json").content)["publications"]
    assert [(r["version"], r["status"]) for r in rows] == [(1, "withdrawn"), (2, "withdrawn")]
    rss = Client().get("/public/feed/rss/").content.decode()
    assert "［已撤回］更正后的标题" in rss


def test_feeds_and_open_data(publish: Any, personas: dict[str, Any], stations: dict[str, Any]) -> None:
    v = publish()
    f = fb.submit_feedback(station=stations["FT"], subject="噪音", message="夜间噪音太大。")
    fb.reply_feedback(actor=personas["community"], feedback=f, reply="已加强巡查。")
    client = Client()
    rss = client.get("/public/feed/rss/")
    assert rss["Content-Type"].startswith("application/rss+xml") and v.title in rss.content.decode()
    atom = client.get("/public/feed/atom/")
    assert atom["Content-Type"].startswith("application/atom+xml") and v.title in atom.content.decode()
    data = json.loads(client.get("/public/data/publications.json").content)["publications"]
    assert data[0]["number"] == v.publication.number and data[0]["text"] == v.text
    assert data[0]["text_sha256"] == text_digest(v.text) and data[0]["ledger_index"] == v.ledger_index
    raw = client.get("/public/data/publications.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert rows[0]["title"] == v.title and rows[0]["status"] == "current"
    fbs = json.loads(client.get("/public/data/feedback.json").content)["feedback"]
    assert fbs[0]["reply"] == "已加强巡查。" and fbs[0]["message"] == "夜间噪音太大。"
    assert "噪音" in client.get("/public/feedback/").content.decode()


def _alerts(personas: dict[str, Any], station: Any, n: int, category: str) -> None:
    from zhengyi.alerts.services.intake import AlertInput, receive_alert
    from zhengyi.precinct.models import Building

    tower = Building.objects.get(station=station, code="B1")
    for _i in range(n):
        receive_alert(
            actor=personas["dispatcher"],
            station=station,
            data=AlertInput(category=category, source="phone_110", building_id=tower.pk, description="测试"),
        )


def test_month_summary_counts_real_alerts_and_suppresses(
    personas: dict[str, Any], stations: dict[str, Any], settings: Any
) -> None:
    from zhengyi.sunshine.selectors import month_summary

    _alerts(personas, stations["FT"], 7, "criminal")
    _alerts(personas, stations["FT"], 2, "dispute")
    today = timezone.localdate()
    s = month_summary(stations["FT"], today.year, today.month)
    labels = [c for c, _l in __import__("zhengyi.alerts.choices", fromlist=["x"]).CATEGORY_CHOICES]
    zone_row = s.table.rows.index("测试商圈")
    cells = s.table.cells[zone_row]
    assert cells[labels.index("criminal")].value == 7
    assert cells[labels.index("dispute")].shown(5) == "<5"
    grid = s.table.grid()
    assert "2" not in [v for row in grid for v in row]  # nowhere, not even by subtraction
    r = Client().get(f"/public/summaries/FT/{today.year}-{today.month}/")
    assert r.status_code == 200 and "&lt;5" in r.content.decode()
    data = json.loads(Client().get(f"/public/data/summaries/FT/{today.year}-{today.month}.json").content)
    assert data["threshold"] == 5 and any("<5" in row["counts"] for row in data["rows"])
    settings.SUNSHINE_SMALL_COUNT = 2
    assert (
        month_summary(stations["FT"], today.year, today.month)
        .table.cells[zone_row][labels.index("dispute")]
        .value
        == 2
    )


@pytest.fixture
def case_with_code(personas: dict[str, Any], stations: dict[str, Any]) -> Any:
    from zhengyi.cases.services.cases import open_case

    return open_case(
        actor=personas["investigator"],
        station=stations["FT"],
        kind="criminal",
        category="theft",
        title="盗窃案",
    )


def _lookup(client: Client, number: str, code: str) -> Any:
    return client.post("/public/lookup/", {"number": number, "code": code})


def test_lookup_shows_stage_only_with_the_code(case_with_code: Any, personas: dict[str, Any]) -> None:
    from zhengyi.cases.services.cases import move_stage

    case, code = case_with_code.case, case_with_code.code
    client = Client()
    r = _lookup(client, case.number, code)
    assert r.status_code == 200 and "受案" in r.content.decode() and "福田派出所" in r.content.decode()
    move_stage(actor=personas["investigator"], case=case, stage="filed", reason="符合立案条件")
    body = _lookup(client, case.number, code).content.decode()
    assert "立案" in body and "盗窃案" not in body  # the stage, never the case's details
    wrong = _lookup(client, case.number, "AAAA-BBBB-CCCC").content.decode()
    unknown = _lookup(client, "FT-1999-XS-99999", code).content.decode()
    marker = "未找到与该案件编号和查询码相符的案件"
    assert marker in wrong and marker in unknown
    assert "立案" not in wrong.split(marker)[1] and "立案" not in unknown.split(marker)[1]

    def same(page: str, *typed: str) -> str:
        page = re.sub(r'value="[A-Za-z0-9]{32,}"', "", page)  # the CSRF token
        for value in typed:
            page = page.replace(value, "")
        return page

    assert same(wrong, case.number, "AAAA-BBBB-CCCC") == same(unknown, "FT-1999-XS-99999", code)


def test_lookup_rate_limited_per_client_in_the_database(case_with_code: Any, settings: Any) -> None:
    from zhengyi.sunshine.models import LookupThrottle

    settings.SUNSHINE_LOOKUP_LIMIT = 3
    case, code = case_with_code.case, case_with_code.code
    mine = Client(REMOTE_ADDR="203.0.113.9")
    for _i in range(3):
        assert _lookup(mine, case.number, "WRONG-CODE").status_code == 200
    r = _lookup(mine, case.number, code)  # even the right code is refused now
    assert (
        r.status_code == 429 and "查询过于频繁" in r.content.decode() and "当前阶段" not in r.content.decode()
    )
    assert r["Retry-After"]
    # Another client is unaffected; the counter is a row (hashed address), not process memory.
    assert _lookup(Client(REMOTE_ADDR="198.51.100.7"), case.number, code).status_code == 200
    row = LookupThrottle.objects.get(scope="lookup", count=4)
    assert "203.0.113.9" not in row.client


def test_lookup_bad_input_is_a_form_error(db: Any) -> None:
    r = Client().post("/public/lookup/", {"number": "", "code": ""})
    assert r.status_code == 200 and "errorlist" in r.content.decode()


def test_feedback_form(stations: dict[str, Any]) -> None:
    from zhengyi.sunshine.models import Feedback

    client = Client()
    r = client.post("/public/feedback/", {"station": stations["FT"].pk, "subject": "", "message": "短"})
    assert r.status_code == 200 and not Feedback.objects.exists()
    r = client.post(
        "/public/feedback/",
        {
            "station": stations["FT"].pk,
            "subject": "建议",
            "message": "建议增加夜间巡逻。",
            "contact": "13812345678",
        },
    )
    assert r.status_code == 302 and "/public/feedback/thanks/" in r["Location"]
    f = Feedback.objects.get()
    assert f.contact == "13812345678" and f.status == "new"


def test_public_only_urlconf(publish: Any, settings: Any) -> None:
    from django.urls import clear_url_caches

    v = publish()
    settings.ROOT_URLCONF = "zhengyi.urls_public"
    clear_url_caches()
    try:
        client = Client()
        assert client.get("/public/").status_code == 200
        assert client.get(f"/public/p/FT/{v.publication.number}/").status_code == 200
        assert client.get(f"/ledger/entries/{v.ledger_index}/").status_code == 200
        for staff in ("/sunshine/", "/alerts/", "/login/", "/api/openapi.json"):
            assert client.get(staff).status_code == 404, staff
        assert client.get("/")["Location"] == "/public/"
    finally:
        settings.ROOT_URLCONF = "zhengyi.urls"
        clear_url_caches()
