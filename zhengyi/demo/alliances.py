"""Demo alliances, through the services: the CoCo Park bar alliance (150 guards from the bars
and management offices of the bar street) and the business-circle alliance with its 反扒队,
shift templates and coverage needs, and four weeks of generated rosters for each."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from typing import Any

from zhengyi.alliances.models import Alliance, MemberOrganisation
from zhengyi.alliances.services import people, rosters
from zhengyi.core.models import Station, User
from zhengyi.precinct.models import Building, Zone

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰辉鹏建国志文斌浩宇晨阳"
BARS = [
    "Muse 酒吧",
    "Vibes 音乐酒吧",
    "橡树酒馆",
    "蓝调俱乐部",
    "Bar Seven",
    "夜航船",
    "Hop House 精酿",
    "Luna Lounge",
    "老码头酒吧",
    "Soho Club",
]
ROSTER_DAYS = 28
# Short limits keep `zhengyi demo load` quick; the figures stored with each roster (objective,
# bound, gap) say how far from proven optimal the result is.
TIME_LIMIT_S = 6.0


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def _guards(
    actor: User,
    employer: MemberOrganisation,
    n: int,
    zones: list[Zone],
    rng: random.Random,
    today: date,
    serial: list[int],
) -> list[Any]:
    out = []
    for _i in range(n):
        serial[0] += 1
        out.append(
            people.create_guard(
                actor=actor,
                employer=employer,
                certificate_number=f"粤深{rng.choice((2016, 2018, 2020, 2022))}{serial[0]:06d}",
                name=_name(rng),
                phone=_phone(rng),
                zones=zones,
                certificate_valid_until=today + timedelta(days=rng.randint(200, 1500)),
                training_valid_until=today + timedelta(days=rng.randint(120, 700)),
            )
        )
    return out


def _shifts(actor: User, alliance: Alliance, zone: Zone, needs: dict[str, int], weekend_night: int) -> None:
    templates = {
        "D": ("日班", time(7), time(15), False),
        "E": ("中班", time(15), time(23), False),
        "N": ("夜班", time(23), time(7), True),
    }
    for code, need in needs.items():
        name, start, end, night = templates[code]
        shift = rosters.create_shift(
            actor=actor,
            alliance=alliance,
            zone=zone,
            code=code,
            name=name,
            start=start,
            end=end,
            is_night=night,
        )
        rosters.set_need(actor=actor, shift=shift, min_guards=need)
        if weekend_night and code in ("E", "N"):
            for weekday in (4, 5):  # Friday and Saturday nights are the bar street's busiest
                rosters.set_need(actor=actor, shift=shift, min_guards=need + weekend_night, weekday=weekday)


def load_alliances(*, actor: User, station: Station, today: date, seed: int) -> list[str]:
    """Create both alliances (once) and their rosters; returns lines to print."""
    if Alliance.objects.filter(station=station).exists():
        return ["联盟演示数据已存在"]
    rng = random.Random(seed)
    zones = {z.code: z for z in Zone.objects.filter(station=station)}
    coco = next(z for z in zones.values() if z.kind == "bar_street")
    shp = zones.get("Z-SHP") or next(z for z in zones.values() if z.kind == "business")
    ht = zones.get("Z-HT")
    serial = [0]
    lines = []

    bar = people.create_alliance(
        actor=actor,
        station=station,
        name="购物公园酒吧联盟",
        kind=Alliance.Kind.BAR_STREET,
        start_date=date(2017, 3, 1),
        zones=[coco],
        note="CoCo Park 酒吧与管理处的保安联合值守",
    )
    offices = list(
        Building.objects.filter(zone=coco, property_company__isnull=False)
        .select_related("property_company")
        .order_by("code")[:3]
    )
    members = [people.add_member(actor=actor, alliance=bar, name=n, kind="bar") for n in BARS]
    for b in offices:
        members.append(
            people.add_member(
                actor=actor,
                alliance=bar,
                name=f"{b.name}管理处",
                kind="property",
                property_company=b.property_company,
                building=b,
            )
        )
    if not offices:
        members.append(people.add_member(actor=actor, alliance=bar, name="购物公园管理处", kind="property"))
    # 150 guards: ten per bar, the rest from the management offices.
    per_office = (150 - 10 * len(BARS)) // (len(members) - len(BARS))
    for i, m in enumerate(members):
        n = 10 if i < len(BARS) else per_office
        if i == len(members) - 1:
            n = 150 - sum(10 if j < len(BARS) else per_office for j in range(len(members) - 1))
        _guards(actor, m, n, [coco], rng, today, serial)
    _shifts(actor, bar, coco, {"D": 4, "E": 6, "N": 7}, weekend_night=3)

    biz_zones = [z for z in (shp, ht) if z is not None]
    circle = people.create_alliance(
        actor=actor,
        station=station,
        name="购物公园商业圈联盟",
        kind=Alliance.Kind.BUSINESS_CIRCLE,
        start_date=date(2017, 9, 1),
        zones=biz_zones,
        note="商场、商户与保安服务公司；下设反扒队",
    )
    company = people.add_member(
        actor=actor, alliance=circle, name="鹏安保安服务公司", kind="security_company"
    )
    mall = people.add_member(actor=actor, alliance=circle, name="购物公园商场管理处", kind="property")
    shops = people.add_member(actor=actor, alliance=circle, name="福华路商户联合会", kind="merchant")
    squad = _guards(actor, company, 24, biz_zones, rng, today, serial)
    _guards(actor, mall, 20, biz_zones[:1], rng, today, serial)
    _guards(actor, shops, 12, biz_zones, rng, today, serial)
    team = people.create_team(actor=actor, alliance=circle, name="反扒队", lead=squad[0], members=squad[:16])
    for z in biz_zones:
        _shifts(actor, circle, z, {"D": 3, "E": 4}, weekend_night=0)

    _link_accounts(actor, members[0], company, squad[0])
    monday = today - timedelta(days=today.weekday())
    for alliance in (bar, circle):
        outcome = rosters.generate_roster(
            actor=actor, alliance=alliance, start=monday, days=ROSTER_DAYS, time_limit=TIME_LIMIT_S
        )
        if outcome.roster is None:
            lines.append(f"{alliance.name}：未能排班 — {'; '.join(outcome.reasons[:3])}")
            continue
        rosters.publish_roster(actor=actor, roster=outcome.roster)
        r = outcome.result
        lines.append(
            f"{alliance.name}：{ROSTER_DAYS} 天轮值表 {len(r.assignments)} 人次，{r.status}，"
            f"目标 {r.objective:g} / 下界 {r.best_bound:g}，用时 {r.wall_time_s:.1f} 秒"
        )
    lines.insert(0, f"联盟：2 个，保安 {serial[0]} 名，{team.name} {team.members.count()} 人")
    return lines


def _link_accounts(actor: User, bar: MemberOrganisation, company: MemberOrganisation, lead: Any) -> None:
    """The demo's 物业/商户 account works for a bar; the 保安队长 leads the 反扒队."""
    staff = User.objects.filter(username="property").first()
    if staff is not None:
        people.link_staff(actor=actor, organisation=bar, user=staff)
    lead_user = User.objects.filter(username="guardlead").first()
    if lead_user is not None:
        people.link_staff(actor=actor, organisation=company, user=lead_user)
        people.update_guard(
            actor=actor, guard=lead, changes={"name": lead_user.display_name or "吴队长", "user": lead_user}
        )
