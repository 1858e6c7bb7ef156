"""A small alliance on the test precinct's zone Z1, built through the services.

Two member organisations: 测试酒吧 (its staff account: the ``property`` persona) and
测试保安公司 (the ``guardlead`` persona works there, is guard G of its own and leads 反扒队).
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

MONDAY = date(2026, 11, 30)
FAR = date(2030, 1, 1)


TRAINING_START = date(2026, 10, 5)  # a cohort in the past: attendance and exams can be entered


@pytest.fixture
def alliance_setup(personas: dict[str, Any], stations: dict[str, Any], system: Any) -> dict[str, Any]:
    from zhengyi.alliances.services import people, rosters
    from zhengyi.precinct.models import Zone

    officer = personas["community"]
    zone = Zone.objects.get(station=stations["FT"], code="Z1")
    alliance = people.create_alliance(
        actor=officer,
        station=stations["FT"],
        name="测试酒吧联盟",
        kind="bar_street",
        start_date=date(2017, 5, 1),
        zones=[zone],
    )
    bar = people.add_member(
        actor=officer,
        alliance=alliance,
        name="测试酒吧",
        kind="bar",
        contact_name="王老板",
        contact_phone="13800138000",
    )
    company = people.add_member(
        actor=officer, alliance=alliance, name="测试保安公司", kind="security_company"
    )
    people.link_staff(actor=officer, organisation=bar, user=personas["property"])
    people.link_staff(actor=officer, organisation=company, user=personas["guardlead"])
    guards = []
    for i in range(8):
        employer = bar if i < 4 else company
        guards.append(
            people.create_guard(
                actor=officer,
                employer=employer,
                certificate_number=f"粤深2019{i:06d}",
                name=f"保安{i}号",
                phone=f"1390000{i:04d}",
                zones=[zone],
                certificate_valid_until=FAR,
                training_valid_until=FAR,
                user=personas["guardlead"] if i == 7 else None,
            )
        )
    team = people.create_team(
        actor=officer, alliance=alliance, name="反扒队", lead=guards[7], members=guards[4:]
    )
    day = rosters.create_shift(
        actor=officer, alliance=alliance, zone=zone, code="D", name="日班", start=time(7), end=time(15)
    )
    night = rosters.create_shift(
        actor=officer,
        alliance=alliance,
        zone=zone,
        code="N",
        name="夜班",
        start=time(23),
        end=time(7),
        is_night=True,
    )
    rosters.set_need(actor=officer, shift=day, min_guards=2)
    rosters.set_need(actor=officer, shift=night, min_guards=1)
    return {
        "officer": officer,
        "zone": zone,
        "alliance": alliance,
        "bar": bar,
        "company": company,
        "guards": guards,
        "team": team,
        "day": day,
        "night": night,
    }


@pytest.fixture
def roster(alliance_setup: dict[str, Any]) -> Any:
    from zhengyi.alliances.services.rosters import generate_roster

    outcome = generate_roster(
        actor=alliance_setup["officer"],
        alliance=alliance_setup["alliance"],
        start=MONDAY,
        days=7,
        time_limit=3,
        num_workers=1,
    )
    assert outcome.roster is not None, outcome.reasons
    return outcome.roster


@pytest.fixture
def cohort(alliance_setup: dict[str, Any]) -> Any:
    """A confirmed cohort of the test alliance (training pages and certificates)."""
    from zhengyi.alliances.services import training

    officer = alliance_setup["officer"]
    station = alliance_setup["alliance"].station
    law = training.create_module(
        actor=officer,
        station=station,
        code="FG",
        title="法律法规",
        body="# 法律法规\n\n保安员可以查验出入证件。<script>alert(1)</script>\n",
    )
    course = training.create_course(
        actor=officer, station=station, title="保安轮训", modules=[(law, 2)], capacity=4
    )
    g = alliance_setup["guards"]
    # Two of the bar's guards and one of the security company's.
    return training.confirm_cohort(
        actor=officer,
        course=course,
        alliance=alliance_setup["alliance"],
        first=TRAINING_START,
        trainees=[g[0], g[1], g[4]],
        instructors=[officer],
    )
