"""接处警 pages: intake, list, the alert's page (dispatch, steps, feedback, reveal) and units."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from zhengyi.alerts.models import Alert, AlertEvent, Assignment, Unit
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.services.units import create_unit, set_unit_crew, update_position
from zhengyi.core.models import AccessLog, ObjectChange
from zhengyi.precinct.models import Building, Landmark

pytestmark = pytest.mark.django_db

PHONE = "+86 138 0013 8000"


def _tower(stations: dict[str, Any]) -> Building:
    return Building.objects.get(station=stations["FT"], code="B1")


def _alert(personas: dict[str, Any], stations: dict[str, Any], **kw: Any) -> Alert:
    data = {"category": "criminal", "source": "phone_110", "building_id": _tower(stations).pk, **kw}
    alert, _ = receive_alert(actor=personas["dispatcher"], station=stations["FT"], data=AlertInput(**data))
    return alert


def _foot_unit(personas: dict[str, Any], stations: dict[str, Any], code: str = "F1") -> Unit:
    unit = create_unit(
        actor=personas["head"],
        station=stations["FT"],
        code=code,
        name=f"步巡{code}",
        kind="foot_patrol",
        status="available",
    )
    unit = update_position(actor=personas["head"], unit=unit, lon=114.055, lat=22.5349)
    # Crewed by the demo officer, so the officer's field updates on it are theirs to make.
    return set_unit_crew(actor=personas["head"], unit=unit, members=[personas["officer"]])


def _intake_post(stations: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {
        "category_query": "刑事 › 盗窃",
        "category": "criminal",
        "subcategory": "theft",
        "kind": "",
        "priority": "",
        "source": "phone_110",
        "caller_name": "张三",
        "caller_phone": PHONE,
        "place_query": "测试大厦",
        "building_id": str(_tower(stations).pk),
        "landmark_id": "",
        "lon": "",
        "lat": "",
        "level": "street",
        "location_text": "12楼东侧",
        "description": "办公室笔记本电脑被盗",
        "idempotency_key": "page-test-1",
    }
    data.update(overrides)
    return data


# ---------- intake ----------


def test_intake_page_starts_in_the_category_box(client_for: Any, stations: dict[str, Any]) -> None:
    response = client_for("dispatcher").get(reverse("alerts:intake"))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input[^>]*name="category_query"[^>]*autofocus', html)
    assert 'id="category-options"' in html and '"py": "dq"' in html
    assert "Ctrl+Enter" in html and 'id="intake-help"' in html
    # Priority: optional, and the page says where the default comes from.
    assert "按处警标准" in html
    # No inline scripts (CSP script-src 'self').
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)


def test_intake_post_creates_the_alert_through_the_service(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    client = client_for("dispatcher")
    response = client.post(reverse("alerts:intake"), _intake_post(stations))
    alert = Alert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("alerts:detail", args=[alert.pk])
    assert alert.subcategory is not None and alert.subcategory.code == "theft"
    assert (alert.category, alert.kind) == ("criminal", "report")
    assert alert.priority == 1 and alert.building == _tower(stations)
    assert alert.caller_phone == "13800138000"
    assert alert.location_text == "12楼东侧"
    assert AlertEvent.objects.filter(alert=alert, step="received", actor=personas["dispatcher"]).exists()
    assert ObjectChange.objects.filter(content_type__model="alert", object_id=str(alert.pk)).exists()
    page = client.get(response["Location"])
    assert f"已受理警情 {alert.number}" in page.content.decode()
    # A double submission (same form, same key) creates nothing twice.
    again = client.post(reverse("alerts:intake"), _intake_post(stations))
    assert again.status_code == 302 and Alert.objects.count() == 1


def test_intake_understands_typed_text_without_the_script(client_for: Any, stations: dict[str, Any]) -> None:
    post = _intake_post(stations, category_query="dq", category="", subcategory="", building_id="")
    response = client_for("dispatcher").post(reverse("alerts:intake"), post)
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.subcategory is not None and alert.subcategory.name == "盗窃"
    assert alert.building == _tower(stations)  # "测试大厦" of FT, not the LH building of that name


def test_intake_map_point_and_level(client_for: Any, stations: dict[str, Any]) -> None:
    post = _intake_post(
        stations,
        building_id="",
        place_query="福华路与支路路口",
        lon="114.0552",
        lat="22.5331",
        level="underground",
        category_query="纠纷",
        category="dispute",
        subcategory="",
    )
    assert client_for("dispatcher").post(reverse("alerts:intake"), post).status_code == 302
    alert = Alert.objects.get()
    assert alert.building is None and (alert.lon, alert.lat, alert.level) == (
        114.0552,
        22.5331,
        "underground",
    )
    assert alert.location_text.startswith("福华路与支路路口")
    assert alert.kind == "report" and alert.priority == 3


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"caller_phone": "12345"}, "caller_phone", "手机号必须为11位数字"),
        ({"caller_phone": "12800138000"}, "caller_phone", "13-19"),
        ({"category": "bogus", "subcategory": "", "category_query": "bogus"}, "category_query", "未知类别"),
        (
            {"category": "", "subcategory": "", "category_query": "不存在的类别"},
            "category_query",
            "未找到类别",
        ),
        ({"building_id": "", "place_query": ""}, "place_query", "请指定地点"),
    ],
)
def test_intake_errors_keep_what_was_typed(
    client_for: Any, stations: dict[str, Any], overrides: dict[str, str], field: str, message: str
) -> None:
    response = client_for("dispatcher").post(reverse("alerts:intake"), _intake_post(stations, **overrides))
    assert response.status_code == 200
    assert Alert.objects.count() == 0
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    html = response.content.decode()
    assert "办公室笔记本电脑被盗" in html and "12楼东侧" in html  # nothing typed is lost
    # The first field in error has the focus, not the category box.
    assert re.search(rf'<input[^>]*name="{field}"[^>]*autofocus', html)


def test_intake_is_for_roles_that_take_alerts(client_for: Any, stations: dict[str, Any]) -> None:
    for username in ("officer", "investigator", "property", "other"):
        assert client_for(username).get(reverse("alerts:intake")).status_code == 403, username
    response = client_for("officer").post(reverse("alerts:intake"), _intake_post(stations))
    assert response.status_code == 403 and Alert.objects.count() == 0


def test_places_are_restricted_to_what_the_user_may_view(client_for: Any, stations: dict[str, Any]) -> None:
    ft_buildings = set(Building.objects.filter(station=stations["FT"]).values_list("pk", flat=True))
    ft_landmarks = set(Landmark.objects.filter(station=stations["FT"]).values_list("pk", flat=True))
    url = reverse("alerts:places")
    results = client_for("dispatcher").get(url, {"q": "测试"}).json()["results"]
    assert {(r["type"], r["name"]) for r in results} >= {("building", "测试大厦"), ("landmark", "测试地铁站")}
    assert all(r["id"] in (ft_buildings if r["type"] == "building" else ft_landmarks) for r in results)
    landmark = next(r for r in results if r["type"] == "landmark")
    assert landmark["level"] == "underground"
    assert client_for("dispatcher").get(url, {"q": "福华路1号"}).json()["results"][0]["name"] == "测试大厦"
    assert client_for("dispatcher").get(url, {"q": ""}).json()["results"] == []
    others = client_for("other").get(url, {"q": "测试"}).json()["results"]
    assert not {r["id"] for r in others if r["type"] == "building"} & ft_buildings
    assert not {r["id"] for r in others if r["type"] == "landmark"} & ft_landmarks


def test_places_returns_at_most_twenty(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    from tests.conftest import small_precinct_document
    from zhengyi.precinct.services import import_geojson

    for i in range(10):  # 11 towers and 11 metro stations named 测试…
        import_geojson(
            actor=personas["head"], station=stations["FT"], document=small_precinct_document(f"X{i}-")
        )
    results = client_for("dispatcher").get(reverse("alerts:places"), {"q": "测试"}).json()["results"]
    assert len(results) == 20


# ---------- list and detail ----------


def test_list_and_detail_visible_to_the_station_not_to_others(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    alert = _alert(personas, stations, caller_phone="13800138000")
    closed = _alert(personas, stations, category="other")
    closed.status, closed.closed_at = "closed", closed.received_at
    closed.save()
    for username in ("head", "dispatcher", "officer", "investigator"):
        client = client_for(username)
        listing = client.get(reverse("alerts:list"))
        assert listing.status_code == 200
        html = listing.content.decode()
        assert alert.number in html and closed.number not in html  # open ones by default
        assert (
            client.get(reverse("alerts:list"), {"status": "all"}).content.decode().count("data-alert-row")
            == 2
        )
        detail = client.get(reverse("alerts:detail", args=[alert.pk]))
        assert detail.status_code == 200
        assert "138****8000" in detail.content.decode()
        assert "13800138000" not in detail.content.decode()
    other = client_for("other")
    assert alert.number not in other.get(reverse("alerts:list"), {"status": "all"}).content.decode()
    assert other.get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
    assert client_for("property").get(reverse("alerts:list")).status_code == 403


def test_list_clocks_and_filters(client_for: Any, personas: dict[str, Any], stations: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    late = _alert(personas, stations, received_at=timezone.now() - timedelta(minutes=9))
    fresh = _alert(personas, stations, category="dispute")
    client = client_for("dispatcher")
    html = client.get(reverse("alerts:list")).content.decode()
    # Open alerts with their clocks in data-attributes; the late one is flagged overdue.
    assert 'data-elapsed data-from="' in html and "data-due=" in html
    rows = re.findall(r'<tr class="alert-row([^"]*)" data-alert-row>.*?</tr>', html, re.S)
    assert len(rows) == 2 and "is-overdue" in rows[0]  # priority 1, waiting longest, first
    assert late.number in html.split("data-alert-row")[1]
    filtered = client.get(reverse("alerts:list"), {"category": "dispute"}).content.decode()
    assert fresh.number in filtered and late.number not in filtered
    assert late.number in client.get(reverse("alerts:list"), {"priority": "1"}).content.decode()


def test_detail_shows_standard_intervals_and_history_link(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    alert = _alert(personas, stations)
    html = client_for("officer").get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "处警标准 v1" in html and "保护现场" in html
    assert reverse("core:history", args=["alerts", "alert", alert.pk]) in html
    assert reverse("precinct:building_detail", args=[_tower(stations).pk]) in html
    assert 'id="interval-table"' in html and 'data-shortcut-link="b"' in html


# ---------- dispatch, steps, feedback ----------


def test_dispatch_from_the_page_and_the_unit_taken_twice(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    unit = _foot_unit(personas, stations)
    first, second = _alert(personas, stations), _alert(personas, stations)
    client = client_for("dispatcher")
    html = client.get(reverse("alerts:detail", args=[first.pk])).content.decode()
    assert f'data-unit="{unit.code}"' in html and 'data-shortcut-focus="d"' in html
    assert "步行" in html and "分钟" in html
    eta = re.search(r'name="eta_s" value="([\d.]+)"', html)
    assert eta is not None
    response = client.post(
        reverse("alerts:dispatch", args=[first.pk]), {"unit": unit.pk, "eta_s": eta.group(1)}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(unit=unit, active=True)
    assert assignment.alert == first and assignment.eta_seconds == pytest.approx(float(eta.group(1)))
    first.refresh_from_db()
    assert first.status == "dispatched"
    # The same unit again, from a page that still offered it: refused, and told by whom.
    again = client.post(reverse("alerts:dispatch", args=[second.pk]), {"unit": unit.pk})
    assert again.status_code == 409
    text = again.content.decode()
    assert "已被指派" in text and first.number in text
    assert f'data-unit="{unit.code}"' not in text  # the refreshed list no longer offers it
    assert Assignment.objects.filter(unit=unit).count() == 1


def test_steps_and_feedback_through_the_page(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    unit = _foot_unit(personas, stations)
    alert = _alert(personas, stations)
    dispatcher, officer = client_for("dispatcher"), client_for("officer")
    dispatcher.post(reverse("alerts:dispatch", args=[alert.pk]), {"unit": unit.pk})
    assignment = Assignment.objects.get(alert=alert)
    advance = reverse("alerts:advance", args=[alert.pk, assignment.pk])
    # Out of order: refused with the service's message.
    refused = officer.post(advance, {"step": "on_scene"}, follow=True)
    assert "请按顺序操作" in refused.content.decode()
    for step in ("en_route", "on_scene"):
        assert officer.post(advance, {"step": step}).status_code == 302
    html = officer.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'data-step="cleared"' in html  # the next button is 处置完毕
    # Feedback before clearing: the form is not offered, and the service refuses.
    fb = dispatcher.post(reverse("alerts:feedback", args=[alert.pk]), {"fb-note": "已电话告知"})
    assert fb.status_code == 400 and "尚未处置完毕" in fb.content.decode()
    assert officer.post(advance, {"step": "cleared"}).status_code == 302
    alert.refresh_from_db()
    for step in alert.required_steps:
        if step != "向报警人反馈":
            response = officer.post(reverse("alerts:step", args=[alert.pk]), {"step": step})
            assert response.status_code == 302
    bad_step = officer.post(reverse("alerts:step", args=[alert.pk]), {"step": "不存在的步骤"}, follow=True)
    assert "不是该警情处警标准的必经步骤" in bad_step.content.decode()
    html = dispatcher.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'id="feedback-form"' in html
    done = dispatcher.post(
        reverse("alerts:feedback", args=[alert.pk]),
        {"fb-note": "已电话告知报警人", "fb-disposition": "已追回"},
    )
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.disposition == "已追回"
    page = dispatcher.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    steps = re.findall(r'<tr data-step="(\w+)">', page)
    assert steps[:4] == ["received", "dispatched", "en_route", "on_scene"]
    assert "cleared" in steps and steps[-1] == "feedback"
    intervals = dict(re.findall(r'data-interval="(\w+)">.*?<td class="num">([^<]+)</td>', page, re.S))
    assert all(re.fullmatch(r"\d+:\d\d", v) for v in intervals.values()), intervals
    assert 'id="recommendations"' not in page  # closed: nothing left to dispatch


def test_reclassify_through_the_page(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    alert = _alert(personas, stations)
    client = client_for("dispatcher")
    url = reverse("alerts:reclassify", args=[alert.pk])
    short = client.post(url, {"rc-category": "dispute", "rc-priority": "3", "rc-reason": "短"})
    assert short.status_code == 400 and "至少" in short.content.decode()
    ok = client.post(url, {"rc-category": "dispute", "rc-priority": "3", "rc-reason": "到场核实为邻里纠纷"})
    assert ok.status_code == 302
    alert.refresh_from_db()
    assert (alert.category_initial, alert.category, alert.priority_initial, alert.priority) == (
        "criminal",
        "dispute",
        1,
        3,
    )
    html = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "初始类别" in html and "初始等级" in html and 'data-step="reclassified"' in html


def test_reveal_caller_phone_is_logged(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    alert = _alert(personas, stations, caller_phone="13800138000", caller_name="张三")
    url = reverse("alerts:reveal", args=[alert.pk])
    dispatcher = client_for("dispatcher")
    assert 'id="reveal-form"' in dispatcher.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert dispatcher.post(url, {"reason": "短"}).status_code == 400
    assert AccessLog.objects.count() == 0
    response = dispatcher.post(url, {"reason": "回拨核实报警人"})
    assert response.status_code == 200 and "13800138000" in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.user, log.object_id, log.reason) == (personas["dispatcher"], str(alert.pk), "回拨核实报警人")
    # The officer has no view_pii: no form, and a direct post is refused without a log row.
    officer = client_for("officer")
    assert 'id="reveal-form"' not in officer.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert officer.post(url, {"reason": "回拨核实报警人"}).status_code == 403
    assert AccessLog.objects.count() == 1


# ---------- units ----------


def test_units_page_status_and_position(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    unit = _foot_unit(personas, stations)
    officer = client_for("officer")
    html = officer.get(reverse("alerts:units")).content.decode()
    assert f'id="unit-{unit.pk}"' in html and "data-geolocate" in html
    url = reverse("alerts:unit_status", args=[unit.pk])
    response = officer.post(url, {"status": "busy"})
    assert response.status_code == 302 and response["Location"].endswith(f"#unit-{unit.pk}")
    unit.refresh_from_db()
    assert unit.status == "busy"
    # en_route follows the assignment; not settable from here.
    officer.post(url, {"status": "en_route"})
    unit.refresh_from_db()
    assert unit.status == "busy"
    position = reverse("alerts:unit_position", args=[unit.pk])
    assert (
        officer.post(position, {"lon": "114.0561", "lat": "22.5362", "level": "skywalk"}).status_code == 302
    )
    unit.refresh_from_db()
    assert (unit.lon, unit.lat, unit.level) == (114.0561, 22.5362, "skywalk")
    far = officer.post(position, {"lon": "113.9", "lat": "22.5", "level": "street"}, follow=True)
    assert "远离本所辖区" in far.content.decode()


def test_units_page_refuses_roles_without_change(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    unit = _foot_unit(personas, stations)
    investigator = client_for("investigator")
    html = investigator.get(reverse("alerts:units")).content.decode()
    assert f'id="unit-{unit.pk}"' in html and "data-geolocate" not in html  # read-only
    assert (
        investigator.post(reverse("alerts:unit_status", args=[unit.pk]), {"status": "off_duty"}).status_code
        == 403
    )
    position = reverse("alerts:unit_position", args=[unit.pk])
    assert investigator.post(position, {"lon": "114.0561", "lat": "22.5362"}).status_code == 403
    unit.refresh_from_db()
    assert unit.status == "available" and unit.lon == 114.055
    assert (
        client_for("other")
        .post(reverse("alerts:unit_status", args=[unit.pk]), {"status": "busy"})
        .status_code
        == 404
    )
    assert client_for("property").get(reverse("alerts:units")).status_code == 403


def test_units_page_advances_the_current_assignment(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    unit = _foot_unit(personas, stations)
    alert = _alert(personas, stations)
    client_for("dispatcher").post(reverse("alerts:dispatch", args=[alert.pk]), {"unit": unit.pk})
    officer = client_for("officer")
    html = officer.get(reverse("alerts:units")).content.decode()
    assert alert.number in html and 'data-step="en_route"' in html
    assignment = Assignment.objects.get(alert=alert)
    response = officer.post(
        reverse("alerts:advance", args=[alert.pk, assignment.pk]),
        {"step": "en_route", "next": reverse("alerts:units") + f"#unit-{unit.pk}"},
    )
    assert response["Location"] == reverse("alerts:units") + f"#unit-{unit.pk}"
    unit.refresh_from_db()
    assert unit.status == "en_route"
    evil = officer.post(
        reverse("alerts:advance", args=[alert.pk, assignment.pk]),
        {"step": "on_scene", "next": "https://evil.example/"},
    )
    assert evil["Location"].startswith(reverse("alerts:detail", args=[alert.pk]))


# ---------- navigation ----------


def test_navigation_shows_only_permitted_alert_pages(client_for: Any, stations: dict[str, Any]) -> None:
    def nav(username: str) -> dict[str, bool]:
        items = (
            client_for(username)
            .get(reverse("alerts:units") if username != "property" else "/")
            .context["nav_items"]
        )
        return {i["label"]: i["active"] for i in items}

    dispatcher = nav("dispatcher")
    assert {"接警", "警情", "出警单位"} <= set(dispatcher)
    assert dispatcher["出警单位"] and not dispatcher["警情"]  # one active entry, the longest match
    investigator = nav("investigator")
    assert "接警" not in investigator and {"警情", "出警单位"} <= set(investigator)
    assert not {"接警", "警情", "出警单位"} & set(nav("property"))


def test_pages_render_in_english(client_for: Any, personas: dict[str, Any], stations: dict[str, Any]) -> None:
    alert = _alert(personas, stations)
    _foot_unit(personas, stations)
    client = client_for("dispatcher")
    for url in (
        reverse("alerts:intake"),
        reverse("alerts:list"),
        reverse("alerts:detail", args=[alert.pk]),
        reverse("alerts:units"),
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.content.decode(), url


def test_a_call_needing_nobody_on_scene_closes_without_dispatch(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    urgent = _alert(personas, stations)
    misdial = _alert(personas, stations, category="other", subcategory="misdial")
    client = client_for("dispatcher")
    assert 'id="feedback-form"' not in client.get(reverse("alerts:detail", args=[urgent.pk])).content.decode()
    assert 'id="feedback-form"' in client.get(reverse("alerts:detail", args=[misdial.pk])).content.decode()
    for step in misdial.required_steps:
        if step != "向报警人反馈":
            client.post(reverse("alerts:step", args=[misdial.pk]), {"step": step})
    response = client.post(reverse("alerts:feedback", args=[misdial.pk]), {"fb-note": "回拨确认为误拨"})
    assert response.status_code == 302
    misdial.refresh_from_db()
    assert misdial.status == "closed" and misdial.dispatched_at is None
