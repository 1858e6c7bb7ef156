"""Create/edit pages: valid input saves through the services and is audited; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from zhengyi.alliances.models import (
    Alliance,
    CoverageNeed,
    GuardAbsence,
    MemberOrganisation,
    ShiftTemplate,
    Team,
)
from zhengyi.core.models import ObjectChange

pytestmark = pytest.mark.django_db


def test_alliance_create_and_edit(alliance_setup: dict[str, Any], client_for: Any) -> None:
    client = client_for("community")
    zone = alliance_setup["zone"]
    bad = client.post("/alliances/new/", {"name": "", "kind": "bar_street", "start_date": "2020-13-01"})
    assert bad.status_code == 400 and Alliance.objects.count() == 1
    body = bad.content.decode()
    assert "这个字段是必填项" in body or "This field is required" in body
    ok = client.post(
        "/alliances/new/", {"name": "新联盟", "kind": "other", "start_date": "2024-01-01", "zones": [zone.pk]}
    )
    created = Alliance.objects.get(name="新联盟")
    assert ok.status_code == 302 and list(created.zones.all()) == [zone]
    assert ObjectChange.objects.filter(object_id=str(created.pk), action="create").exists()
    dup = client.post(
        f"/alliances/{created.pk}/edit/",
        {"name": "测试酒吧联盟", "kind": "other", "start_date": "2024-01-01"},
    )
    assert dup.status_code == 400  # the name is taken in this station
    created.refresh_from_db()
    assert created.name == "新联盟"
    # Dropping a zone still worked by shifts is refused with the reason.
    alliance = alliance_setup["alliance"]
    refused = client.post(
        f"/alliances/{alliance.pk}/edit/",
        {"name": alliance.name, "kind": "bar_street", "start_date": "2017-05-01"},
    )
    assert refused.status_code == 400 and "仍有班次" in refused.content.decode()


def test_member_team_shift_need_and_absence_pages(alliance_setup: dict[str, Any], client_for: Any) -> None:
    client = client_for("community")
    alliance, zone, guards = alliance_setup["alliance"], alliance_setup["zone"], alliance_setup["guards"]
    bad_phone = client.post(
        f"/alliances/{alliance.pk}/members/new/", {"name": "新酒吧", "kind": "bar", "contact_phone": "12345"}
    )
    assert bad_phone.status_code == 400 and not MemberOrganisation.objects.filter(name="新酒吧").exists()
    assert (
        client.post(
            f"/alliances/{alliance.pk}/members/new/",
            {"name": "新酒吧", "kind": "bar", "contact_phone": "13912345678"},
        ).status_code
        == 302
    )
    member = MemberOrganisation.objects.get(name="新酒吧")
    assert member.contact_phone == "13912345678"
    client.post(
        f"/alliances/members/{member.pk}/edit/", {"name": "新酒吧二号", "kind": "bar", "contact_phone": ""}
    )
    member.refresh_from_db()
    assert (member.name, member.contact_phone) == ("新酒吧二号", "13912345678")  # blank kept the phone

    resp = client.post(
        f"/alliances/{alliance.pk}/teams/new/",
        {"name": "巡逻队", "lead": guards[0].pk, "members": [guards[1].pk]},
    )
    team = Team.objects.get(name="巡逻队")
    assert resp.status_code == 302 and set(team.members.all()) == {guards[0], guards[1]}
    client.post(
        f"/alliances/teams/{team.pk}/edit/",
        {"name": "巡逻一队", "lead": guards[0].pk, "members": [guards[0].pk, guards[2].pk]},
    )
    team.refresh_from_db()
    assert team.name == "巡逻一队" and set(team.members.all()) == {guards[0], guards[2]}

    same = client.post(
        f"/alliances/{alliance.pk}/shifts/new/",
        {"zone": zone.pk, "code": "E", "name": "中班", "start": "15:00", "end": "15:00"},
    )
    assert same.status_code == 400 and not ShiftTemplate.objects.filter(code="E").exists()
    client.post(
        f"/alliances/{alliance.pk}/shifts/new/",
        {"zone": zone.pk, "code": "E", "name": "中班", "start": "15:00", "end": "23:00"},
    )
    shift = ShiftTemplate.objects.get(alliance=alliance, code="E")
    dup = client.post(
        f"/alliances/shifts/{shift.pk}/edit/",
        {"zone": zone.pk, "code": "D", "name": "中班", "start": "15:00", "end": "23:00"},
    )
    assert dup.status_code == 400  # code D is taken in this zone
    assert client.post(f"/alliances/shifts/{shift.pk}/needs/new/", {"min_guards": "-1"}).status_code == 400
    client.post(f"/alliances/shifts/{shift.pk}/needs/new/", {"min_guards": "3", "weekday": "4"})
    need = CoverageNeed.objects.get(shift=shift)
    assert (need.min_guards, need.weekday) == (3, 4)
    client.post(f"/alliances/needs/{need.pk}/remove/")
    assert not CoverageNeed.objects.filter(shift=shift).exists()

    bad_dates = client.post(
        f"/alliances/guards/{guards[0].pk}/absences/new/",
        {"first": "2026-12-05", "last": "2026-12-01", "reason": "leave"},
    )
    assert bad_dates.status_code == 400 and not GuardAbsence.objects.exists()
    client.post(
        f"/alliances/guards/{guards[0].pk}/absences/new/",
        {"first": "2026-12-01", "last": "2026-12-05", "reason": "leave"},
    )
    assert GuardAbsence.objects.get().guard == guards[0]


def test_member_staff_cannot_use_the_create_pages(alliance_setup: dict[str, Any], client_for: Any) -> None:
    staff = client_for("property")
    alliance = alliance_setup["alliance"]
    assert staff.get("/alliances/new/").status_code == 403
    assert staff.post(f"/alliances/{alliance.pk}/teams/new/", {"name": "x"}).status_code == 403
    assert staff.get(f"/alliances/{alliance.pk}/edit/").status_code == 404
    hub = staff.get(f"/alliances/{alliance.pk}/ops/").content.decode()
    assert "新建队伍" not in hub and "编辑联盟" not in hub
