"""处警标准 pages: versions through the page, who may publish, who sees which station's versions;
and the navigation and English rendering of these pages and the 处警考核 page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengyi.alerts.forms_standards import rule_initial
from zhengyi.alerts.models import HandlingRule, HandlingStandard
from zhengyi.alerts.services.standards import RuleInput, default_rules

from .tower_support import _receive

# --- form data --------------------------------------------------------------------------------


def _form_data(rules: list[RuleInput], *, note: str = "测试修订", effective_from: str = "") -> dict[str, Any]:
    rows = rule_initial(rules)
    data: dict[str, Any] = {
        "rules-TOTAL_FORMS": str(len(rows)),
        "rules-INITIAL_FORMS": str(len(rows)),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "note": note,
        "effective_from": effective_from or timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rules-{i}-{key}"] = value
    return data


def _row_index(data: dict[str, Any], category: str, zone_kind: str = "") -> int:
    return next(
        int(k.split("-")[1])
        for k, v in data.items()
        if k.endswith("-category")
        and v == category
        and data[k.replace("-category", "-zone_kind")] == zone_kind
    )


# --- 处警标准 pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_versions_and_current_rules(client_for: Any, personas: Any, stations: Any) -> None:
    _receive(personas, stations)  # the station's first call brings in the default standard (v1)
    response = client_for("dispatcher").get(reverse("standards:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "现行版本 v1" in html
    assert [v.version for v in response.context["versions"]] == [1]
    assert response.context["versions"][0].alert_count == 1
    rows = response.context["rows"]
    assert len(rows) == 11 and rows[0].category == "刑事" and rows[0].arrival_minutes == 5
    assert any(r.key == ("public_order", "bar_street") and r.zone == "酒吧街" for r in rows)
    assert "保护现场" in html and "每条警情受理时即按当时生效的版本" in html
    assert reverse("standards:edit") not in html  # a dispatcher may not publish


@pytest.mark.django_db
def test_head_publishes_a_version_and_later_alerts_hold_it(
    client_for: Any, personas: Any, stations: Any
) -> None:
    earlier = _receive(personas, stations)
    head = client_for("head")
    page = head.get(reverse("standards:edit"))
    assert page.status_code == 200
    assert "每条警情按受理时生效的版本考核" in page.content.decode()
    assert len(page.context["formset"].forms) == 12  # 11 rules of v1 and one blank override row

    rules = [
        RuleInput(
            r.category,
            r.priority,
            4 if r.category == "criminal" and not r.zone_kind else r.arrival_minutes,
            r.feedback_minutes,
            r.steps,
            r.zone_kind,
        )
        for r in default_rules()
    ]
    data = _form_data(rules, note="刑事警情到场时限缩短为 4 分钟")
    i = _row_index(data, "criminal")
    data[f"rules-{i}-steps"] = "核实报警人身份与诉求\n保护现场\n\n到场处置\n"
    response = head.post(reverse("standards:edit"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    v2 = HandlingStandard.objects.get(station=stations["FT"], version=2)
    assert response["Location"] == reverse("standards:detail", args=[v2.pk])
    assert v2.note == "刑事警情到场时限缩短为 4 分钟"
    assert v2.effective_from <= timezone.now()
    criminal = HandlingRule.objects.get(standard=v2, category="criminal", zone_kind="")
    assert criminal.arrival_minutes == 4
    assert criminal.steps == ["核实报警人身份与诉求", "保护现场", "到场处置"]

    later = _receive(personas, stations)
    earlier.refresh_from_db()
    assert (later.standard_id, later.arrival_target_minutes) == (v2.pk, 4)
    assert (earlier.standard.version, earlier.arrival_target_minutes) == (1, 5)

    detail = head.get(response["Location"])
    html = detail.content.decode()
    assert "已发布处警标准 v2" in html and "此前受理的警情仍按原版本" in html
    row = next(r for r in detail.context["rows"] if r.key == ("criminal", ""))
    assert row.changed == {"arrival_minutes", "steps"} and row.was["arrival_minutes"] == "5 分钟"
    assert not row.steps_added and "固定证据" in row.steps_removed
    assert detail.context["published"].actor_name == "张所长"
    listing = head.get(reverse("standards:list")).context
    assert [(v.version, v.state, v.alert_count) for v in listing["versions"]] == [
        (2, "current", 1),
        (1, "superseded", 1),
    ]


@pytest.mark.django_db
def test_a_future_version_waits_and_overrides_can_be_added_and_removed(
    client_for: Any, personas: Any, stations: Any
) -> None:
    _receive(personas, stations)
    data = _form_data(default_rules(), note="会展期间")
    tomorrow = timezone.localtime() + timedelta(days=1)
    data["effective_from"] = tomorrow.strftime("%Y-%m-%dT%H:%M")
    bar = _row_index(data, "public_order", "bar_street")
    data[f"rules-{bar}-DELETE"] = "on"
    # A new override row for convention zones, added as the page's script would.
    n = int(data["rules-TOTAL_FORMS"])
    data.update(
        {
            f"rules-{n}-scope": "override",
            f"rules-{n}-category": "mass_incident",
            f"rules-{n}-zone_kind": "convention",
            f"rules-{n}-priority": "1",
            f"rules-{n}-arrival_minutes": "3",
            f"rules-{n}-feedback_minutes": "30",
            f"rules-{n}-steps": "上报指挥中心\n疏导人群",
            # and one blank row, which is ignored
            f"rules-{n + 1}-scope": "override",
            "rules-TOTAL_FORMS": str(n + 2),
        }
    )
    response = client_for("head").post(reverse("standards:edit"), data)
    assert response.status_code == 302
    v2 = HandlingStandard.objects.get(station=stations["FT"], version=2)
    keys = set(v2.rules.values_list("category", "zone_kind"))
    assert ("public_order", "bar_street") not in keys and ("mass_incident", "convention") in keys
    assert len(keys) == 11
    assert _receive(personas, stations).standard.version == 1  # not in force until tomorrow
    listing = client_for("head").get(reverse("standards:list")).context
    assert [(v.version, v.state) for v in listing["versions"]] == [(2, "pending"), (1, "current")]


@pytest.mark.django_db
def test_dispatcher_may_not_open_the_edit_page(client_for: Any, personas: Any, stations: Any) -> None:
    dispatcher = client_for("dispatcher")
    assert dispatcher.get(reverse("standards:edit")).status_code == 403
    assert dispatcher.post(reverse("standards:edit"), _form_data(default_rules())).status_code == 403
    assert not HandlingStandard.objects.exists()


@pytest.mark.django_db
def test_another_stations_officer_sees_none_of_futians_versions(
    client_for: Any, personas: Any, stations: Any
) -> None:
    _receive(personas, stations)
    v1 = HandlingStandard.objects.get(station=stations["FT"])
    other = client_for("other")
    response = other.get(reverse("standards:list") + "?station=FT")
    assert response.status_code == 200
    assert response.context["station"].code == "LH" and response.context["versions"] == []
    assert "福田派出所" not in response.content.decode()
    assert other.get(reverse("standards:detail", args=[v1.pk])).status_code == 404
    assert other.get(reverse("standards:edit")).status_code == 403
    report = other.get(reverse("standards:compliance")).context["report"]
    assert report.received == 0
    # The sub-bureau reads across its stations, and picks one.
    bureau = client_for("bureau").get(reverse("standards:list") + "?station=FT")
    assert [v.version for v in bureau.context["versions"]] == [1]
    assert not bureau.context["can_edit"]


@pytest.mark.django_db
def test_invalid_input_shows_errors_and_creates_nothing(
    client_for: Any, personas: Any, stations: Any
) -> None:
    _receive(personas, stations)
    head = client_for("head")
    url = reverse("standards:edit")

    # A category without its general rule (a row dropped from the form).
    rules = [r for r in default_rules() if not (r.category == "fire" and not r.zone_kind)]
    response = head.post(url, _form_data(rules))
    assert response.status_code == 200
    assert "缺少以下类别的通用规则：火灾" in response.content.decode()

    # Arrival 0 minutes, a rule with no steps, and no revision note.
    data = _form_data(default_rules(), note="")
    i = _row_index(data, "criminal")
    data[f"rules-{i}-arrival_minutes"] = "0"
    j = _row_index(data, "dispute")
    data[f"rules-{j}-steps"] = " \n "
    response = head.post(url, data)
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert "arrival_minutes" in forms[i].errors and "steps" in forms[j].errors
    assert "note" in response.context["form"].errors
    html = response.content.decode()
    assert "未发布：有 3 处需要修正" in html and "请填写修订说明" in html

    # An override row without its zone type; a duplicate override; a backdated version.
    data = _form_data(default_rules())
    bar = _row_index(data, "public_order", "bar_street")
    data[f"rules-{bar}-zone_kind"] = ""
    assert "zone_kind" in head.post(url, data).context["formset"].forms[bar].errors
    data = _form_data([*default_rules(), default_rules()[-1]])
    assert "重复的规则" in head.post(url, data).content.decode()
    data = _form_data(default_rules(), effective_from="2020-01-01T08:00")
    assert "effective_from" in head.post(url, data).context["form"].errors

    assert list(HandlingStandard.objects.values_list("version", flat=True)) == [1]


# --- both pages: navigation and language ------------------------------------------------------


@pytest.mark.django_db
def test_navigation_shows_the_pages_to_those_who_may_view_them(
    client_for: Any, personas: Any, stations: Any
) -> None:
    html = client_for("head").get(reverse("core:home")).content.decode()
    assert reverse("standards:list") in html and reverse("standards:compliance") in html
    html = client_for("property").get(reverse("core:home")).content.decode()
    assert reverse("standards:list") not in html
    assert client_for("property").get(reverse("standards:list")).status_code == 403
    assert client_for("property").get(reverse("standards:compliance")).status_code == 403


@pytest.mark.django_db
def test_pages_render_in_english(client_for: Any, personas: Any, stations: Any) -> None:
    alert = _receive(personas, stations)
    head = client_for("head")
    head.cookies["django_language"] = "en"
    for url in (
        reverse("standards:list"),
        reverse("standards:detail", args=[alert.standard_id]),
        reverse("standards:edit"),
        reverse("standards:compliance"),
    ):
        response = head.get(url)
        assert response.status_code == 200, url
    assert "criminal" in head.get(reverse("standards:list")).content.decode()
