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


def roster_monday(today: date) -> date:
    """The first day of the demo's rosters: the Monday of yesterday's week, so that yesterday's
    night shift — still running early on a Monday morning — is rostered too, and guard teams are
    on duty on the board at whatever hour the demo is loaded."""
    yesterday = today - timedelta(days=1)
    return yesterday - timedelta(days=yesterday.weekday())


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
    monday = roster_monday(today)
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


# ----------------------------------------------------------------------------- 值守、检查与贡献

DEMO_HANDLED = [  # (zone kind, category, subcategory, description): calls a guard team took
    ("bar_street", "public_order", "fight", "酒吧门口两名醉酒顾客发生推搡"),
    ("bar_street", "dispute", "consumer", "顾客与酒吧因账单发生纠纷"),
    ("bar_street", "criminal", "theft", "顾客手机在卡座被盗"),
    ("business", "criminal", "theft", "商场内顾客钱包被扒窃"),
    ("business", "dispute", "consumer", "顾客与商户因退货发生争执"),
]


def load_operations(*, actor: User, station: Station, today: date) -> list[str]:
    """Guard teams on the board, signed inspections and alerts handled by guard units (once)."""
    from zhengyi.alliances.models import Inspection, Team
    from zhengyi.alliances.services import inspections
    from zhengyi.alliances.services.duty import sync_duty_units

    if Inspection.objects.filter(organisation__alliance__station=station).exists():
        return ["值守与检查演示数据已存在"]
    bar = Alliance.objects.filter(station=station, kind=Alliance.Kind.BAR_STREET).first()
    circle = Alliance.objects.filter(station=station, kind=Alliance.Kind.BUSINESS_CIRCLE).first()
    if bar is None or circle is None:
        return ["未找到演示联盟，跳过值守与检查"]
    if not Team.objects.filter(alliance=bar).exists():
        # The guards of the first four bars (40): enough that some of them work most shifts.
        guards = [g for member in bar.members.order_by("pk")[:4] for g in member.guards.order_by("pk")]
        people.create_team(actor=actor, alliance=bar, name="酒吧街巡逻队", lead=guards[0], members=guards)
    synced = sync_duty_units(station=station, actor=actor)
    lines = [f"值守单位：{len(synced.on_duty)} 个在岗（{'、'.join(synced.on_duty) or '无'}）"]
    lines += _demo_inspections(actor, bar, circle, today, inspections)
    lines.append(_demo_handled(station, synced.on_duty))
    return lines


def _demo_inspections(actor: User, bar: Alliance, circle: Alliance, today: date, svc: Any) -> list[str]:
    officer = User.objects.filter(username="community").first() or actor
    items_ok = [svc.ItemInput(code, str(text), "pass") for code, text in svc.CHECKLIST]
    items_footage = [
        svc.ItemInput(code, str(text), "fail", "监控录像仅保存 15 日，报警记录未归档")
        if code == "footage"
        else svc.ItemInput(code, str(text), "pass")
        for code, text in svc.CHECKLIST
    ]
    first_bar = bar.members.order_by("pk").first()
    company = circle.members.filter(kind="security_company").first()
    mall = circle.members.filter(kind="property").first()
    made = 0
    if first_bar is not None:
        done = svc.create_inspection(
            actor=officer,
            organisation=first_bar,
            inspection_date=today - timedelta(days=40),
            items=items_ok,
            place=first_bar.name,
            summary="例行检查：保安员持证上岗，台账齐全。",
        )
        svc.sign_as_officer(actor=officer, inspection=done)
        staff = first_bar.staff.first()
        if staff is not None:  # 周物业 signs on their own phone
            svc.sign_as_representative(actor=staff, inspection=done)
        else:
            svc.sign_as_representative(actor=officer, inspection=done, name="王经理", attest=True)
        made += 1
    if company is not None:
        signed = svc.create_inspection(
            actor=officer,
            organisation=company,
            inspection_date=today - timedelta(days=12),
            items=items_footage,
            rectifications=[
                svc.RectificationInput(
                    "监控录像、报警记录保存期限调整为不少于30日并建档", today + timedelta(days=18)
                )
            ],
            place="鹏安保安服务公司值班室",
            summary="监控资料保存期限不足，责令整改。",
        )
        svc.sign_as_officer(actor=officer, inspection=signed)
        # The company's representative signs on the officer's tablet, the officer attesting.
        svc.sign_as_representative(actor=officer, inspection=signed, name="陈经理", attest=True)
        made += 1
    if mall is not None:
        svc.create_inspection(
            actor=officer,
            organisation=mall,
            inspection_date=today,
            items=items_ok,
            place="购物公园商场管理处",
            summary="检查进行中，待双方签名。",
        )
        made += 1
    return [f"检查：{made} 份（2 份双方已签，其中 1 份有未完成整改）"]


def _demo_handled(station: Station, on_duty: list[str]) -> str:
    """Calls taken by guard teams on duty now, through the alerts services (intake → 指令 → 处置)."""
    from zhengyi.alerts.models import Unit
    from zhengyi.alerts.services.dispatch import advance_assignment, dispatch_unit
    from zhengyi.alerts.services.intake import AlertInput, receive_alert

    dispatcher = User.objects.filter(username="dispatcher", station=station).first()
    if dispatcher is None or not on_duty:
        return "保安队处置警情：当前无在岗保安队，未生成"
    units = list(Unit.objects.filter(station=station, code__in=on_duty).select_related("duty_team__zone"))
    handled = 0
    for n, (zone_kind, category, sub, text) in enumerate(DEMO_HANDLED):
        unit = next(
            (
                u
                for u in units
                if u.duty_team.zone.kind == zone_kind and u.status == Unit.UnitStatus.AVAILABLE
            ),
            None,
        )
        building = (
            Building.objects.filter(station=station, zone=unit.duty_team.zone).order_by("code").first()
            if unit
            else None
        )
        if unit is None or building is None:
            continue
        alert, _created = receive_alert(
            actor=dispatcher,
            station=station,
            data=AlertInput(
                category=category, subcategory=sub, source="guard", building_id=building.pk, description=text
            ),
            idempotency_key=f"demo-guard-{n}",
        )
        assignment = dispatch_unit(actor=dispatcher, alert=alert, unit=unit)
        advance_assignment(actor=dispatcher, assignment=assignment, step="en_route")
        advance_assignment(actor=dispatcher, assignment=assignment, step="on_scene")
        if n < len(DEMO_HANDLED) - 1:  # the last stays on scene: the board shows a guard team at work
            advance_assignment(actor=dispatcher, assignment=assignment, step="cleared", note="保安队处置完毕")
        unit.refresh_from_db()
        handled += 1
    return f"保安队处置警情：{handled} 起"
