"""Alliance pages: the right roles get them, others are refused; exports carry the roster."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from zhengyi.alliances.models import Roster, RosterAssignment

pytestmark = pytest.mark.django_db


def test_community_officer_pages(client_for: Any, alliance_setup: dict[str, Any], roster: Roster) -> None:
    c = client_for("community")
    a = alliance_setup["alliance"]
    for url in [
        reverse("alliances:list"),
        reverse("alliances:detail", args=[a.pk]),
        reverse("alliances:guard_list"),
        reverse("alliances:guard_add"),
        reverse("alliances:guard_edit", args=[alliance_setup["guards"][0].pk]),
        reverse("alliances:roster_generate", args=[a.pk]),
        reverse("alliances:roster_detail", args=[roster.pk]),
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
    page = c.get(reverse("alliances:guard_list")).content.decode()
    assert "保安0号" not in page and "139****0000" in page  # masked


def test_member_staff_page_shows_only_their_guards(client_for: Any, alliance_setup: dict[str, Any]) -> None:
    page = client_for("property").get(reverse("alliances:guard_list")).content.decode()
    assert "本单位保安员" in page
    codes = [g.code for g in alliance_setup["guards"]]
    assert all(code in page for code in codes[:4]) and not any(code in page for code in codes[4:])
    foreign = alliance_setup["guards"][5]
    assert client_for("property").get(reverse("alliances:guard_detail", args=[foreign.pk])).status_code == 404


def test_pages_refuse_other_roles(client_for: Any, alliance_setup: dict[str, Any], roster: Roster) -> None:
    a = alliance_setup["alliance"]
    assert client_for("other").get(reverse("alliances:list")).status_code == 403
    assert client_for("other").get(reverse("alliances:roster_detail", args=[roster.pk])).status_code in (
        403,
        404,
    )
    assert client_for("dispatcher").get(reverse("alliances:guard_list")).status_code == 403
    assert client_for("property").get(reverse("alliances:guard_add")).status_code == 403
    assert client_for("guardlead").get(reverse("alliances:roster_generate", args=[a.pk])).status_code == 403


def test_add_guard_form_shows_clear_errors(client_for: Any, alliance_setup: dict[str, Any]) -> None:
    response = client_for("community").post(
        reverse("alliances:guard_add"),
        {"employer": alliance_setup["bar"].pk, "certificate_number": "粤1", "name": "李四", "phone": "123"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "6至20位" in page and "11位" in page


def test_add_guard_form_creates(client_for: Any, alliance_setup: dict[str, Any]) -> None:
    response = client_for("community").post(
        reverse("alliances:guard_add"),
        {
            "employer": alliance_setup["bar"].pk,
            "certificate_number": "粤深2021000777",
            "name": "李四",
            "phone": "13912340000",
            "zones": [alliance_setup["zone"].pk],
            "active": "on",
        },
    )
    assert response.status_code == 302


def test_generate_page_explains_infeasible(client_for: Any, alliance_setup: dict[str, Any]) -> None:
    from zhengyi.alliances.services.rosters import set_need

    set_need(actor=alliance_setup["officer"], shift=alliance_setup["day"], min_guards=20)
    response = client_for("community").post(
        reverse("alliances:roster_generate", args=[alliance_setup["alliance"].pk]),
        {"start": "2026-11-30", "days": 7, "time_limit": 2},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "未保存任何排班" in page and "日班" in page
    assert not Roster.objects.exists()


def test_swap_refusal_is_shown(client_for: Any, alliance_setup: dict[str, Any], roster: Roster) -> None:
    a = RosterAssignment.objects.filter(roster=roster).first()
    assert a is not None
    other = RosterAssignment.objects.filter(roster=roster, date=a.date).exclude(guard=a.guard).first()
    assert other is not None
    response = client_for("community").post(
        reverse("alliances:roster_swap", args=[roster.pk]),
        {"assignment": a.pk, "new_guard": other.guard_id, "week": 0},
        follow=True,
    )
    assert "每天至多一个班次" in response.content.decode()


def test_csv_export(client_for: Any, alliance_setup: dict[str, Any], roster: Roster) -> None:
    response = client_for("community").get(reverse("alliances:roster_csv", args=[roster.pk]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["保安编号", "姓名", "日期", "区域", "班次", "开始", "结束", "夜班"]
    assert len(rows) == 1 + 21
    assert {r[4] for r in rows[1:]} == {"日班", "夜班"}
    assert all("保安" not in r[1] or "*" in r[1] for r in rows[1:])  # names masked
    night = next(r for r in rows[1:] if r[4] == "夜班")
    assert night[7] == "是" and night[6].endswith("07:00")
    # Member staff export only their own guards' shifts.
    mine = client_for("property").get(reverse("alliances:roster_csv", args=[roster.pk]))
    codes = {g.code for g in alliance_setup["guards"][:4]}
    assert all(r[0] in codes for r in list(csv.reader(io.StringIO(mine.content.decode("utf-8-sig"))))[1:])


def test_xlsx_export(client_for: Any, roster: Roster) -> None:
    from openpyxl import load_workbook

    response = client_for("community").get(reverse("alliances:roster_xlsx", args=[roster.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws is not None and ws.max_row == 22


def test_my_week_for_guard_lead(client_for: Any, alliance_setup: dict[str, Any], roster: Roster) -> None:
    page = client_for("guardlead").get(reverse("alliances:my_week") + "?date=2026-12-02").content.decode()
    assert "我的排班" in page and alliance_setup["guards"][7].code in page
    assert "反扒队" in page
