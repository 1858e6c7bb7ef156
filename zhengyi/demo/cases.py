"""Demo cases, through the case services: the 传销 ring, the office-tower thief, and a dozen
ordinary cases in every stage, some with time limits due soon or overdue.

The office-tower theft case has a FIXED lookup code (:data:`DEMO_LOOKUP_CODE`, printed by
``zhengyi demo load`` and given in docs/cases.md) so a visitor can try the public lookup; every
other code is random and never shown.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from zhengyi.alerts.models import Alert
from zhengyi.cases.models import Case, Party
from zhengyi.cases.services import cases as svc
from zhengyi.cases.services import parties as ps
from zhengyi.cases.services import records
from zhengyi.core.identifiers import resident_id_check_char
from zhengyi.core.models import Station, User

DEMO_LOOKUP_CODE = "ZYJX-FTAB-DEMQ-CASE"

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许邓冯韩曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然志斌俊峰建国海波晨阳欣怡子轩梓涵"


class People:
    """Made-up people: names, valid 身份证 numbers (Guangdong regions) and mobiles."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def name(self) -> str:
        given = "".join(self.rng.choice(_GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(_SURNAMES) + given

    def id_number(self) -> str:
        self.serial += 1
        region = self.rng.choice(("440304", "440303", "440305", "441202", "445102", "430521"))
        birth = f"{self.rng.randint(1965, 2002)}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
        first17 = f"{region}{birth}{self.serial % 1000:03d}"
        return first17 + resident_id_check_char(first17)

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}"

    def row(self, note: str = "") -> str:
        return f"{self.name()},{self.id_number()},{self.phone()},{note}"


@transaction.atomic
def load_cases(*, station: Station, seed: int = 2017, now: datetime | None = None) -> list[str]:
    """Create the demo cases once; returns lines to print."""
    if Case.objects.filter(station=station).exists():
        return ["案件演示数据已存在"]
    inv = User.objects.get(username="investigator")
    now = now or timezone.now()
    people = People(seed)
    lines = [_ring(inv, station, people, now), _thief(inv, station, people, now)]
    lines += _ordinary(inv, station, people, now)
    lines.append(
        f"案件：{Case.objects.filter(station=station).count()} 起，当事人 "
        f"{Party.objects.filter(case__station=station).count()} 人"
    )
    return lines


def walk_stages(inv: User, case: Case, moves: list[tuple[str, datetime, str]]) -> Case:
    for stage, at, reason in moves:
        case = svc.move_stage(actor=inv, case=case, stage=stage, reason=reason, at=at)
    return case


def detain(inv: User, case: Case, parties: list[Party], at: datetime, *, steps: int = 3) -> None:
    measures = ps.bulk_measure(actor=inv, case=case, parties=parties, kind="detention", at=at)
    for m in measures:
        for step, delay in list(zip(("custody", "family", "interrogation"), (3, 10, 5), strict=True))[:steps]:
            ps.record_detention_step(actor=inv, measure=m, step=step, at=at + timedelta(hours=delay))


def _ring(inv: User, station: Station, people: People, now: datetime) -> str:
    """The 传销 ring: 20 suspects arrested with the procuratorate's approval, sent for prosecution."""
    t0 = now - timedelta(days=110)
    case = svc.open_case(
        actor=inv,
        station=station,
        kind="criminal",
        category="economic",
        title="“国际资本互助”组织、领导传销活动案",
        summary="群众举报某写字楼内有人以“资本运作”名义发展下线、收取入门费。经查，该组织层级达五级以上，"
        "涉案人员二十人，涉案金额逾千万元。",
        is_key=True,
        at=t0,
    ).case
    ps.add_parties_bulk(actor=inv, case=case, role="reporter", text=people.row("举报人"))
    victims = "\n".join(people.row("被发展下线") for _ in range(3))
    ps.add_parties_bulk(actor=inv, case=case, role="victim", text=victims)
    suspects = ps.add_parties_bulk(
        actor=inv,
        case=case,
        role="suspect",
        text="\n".join(people.row("骨干" if i < 4 else "") for i in range(20)),
    )
    records.add_extension(
        actor=inv,
        case=case,
        limit="filing_review_economic",
        amount=8,
        legal_basis="《关于公安机关办理经济犯罪案件的若干规定》：重大、疑难、复杂线索",
        approved_by="福田分局副局长",
        approved_on=timezone.localdate(t0 + timedelta(days=6)),
    )
    case = walk_stages(
        inv,
        case,
        [
            ("filed", t0 + timedelta(days=12), "立案决定书（福公立字）"),
            ("investigating", t0 + timedelta(days=12, hours=2), "立案侦查"),
        ],
    )
    detained_at = t0 + timedelta(days=20)
    detain(inv, case, suspects, detained_at)
    requests = ps.bulk_measure(
        actor=inv, case=case, parties=suspects, kind="arrest_request", at=detained_at + timedelta(days=3)
    )
    decided = detained_at + timedelta(days=8)
    ps.record_decision(
        actor=inv, measures=requests, decision="approved", decided_on=timezone.localdate(decided)
    )
    ps.bulk_measure(actor=inv, case=case, parties=suspects, kind="arrest", at=decided + timedelta(hours=4))
    walk_stages(
        inv,
        case,
        [
            ("concluded", decided + timedelta(days=55), "侦查终结报告"),
            ("prosecution", decided + timedelta(days=58), "起诉意见书，移送福田区人民检察院"),
        ],
    )
    return f"传销案 {case.number}：嫌疑人 20 人全部逮捕，已移送审查起诉（重点案件）"


def _thief(inv: User, station: Station, people: People, now: datetime) -> str:
    """The office-tower thief: two months of thefts, caught, several thefts cleared."""
    since = now - timedelta(days=75)
    thefts = list(
        Alert.objects.filter(
            station=station,
            subcategory__code="theft",
            building__category="office_tower",
            received_at__gte=since,
            received_at__lte=now - timedelta(days=8),
        ).order_by("received_at")[:200]
    )
    # One tower's thefts: the one with the most in the period.
    by_tower: dict[int, list[Alert]] = {}
    for a in thefts:
        by_tower.setdefault(a.building_id or 0, []).append(a)
    chosen = max(by_tower.values(), key=len) if by_tower else []
    chosen = chosen[:6] if len(chosen) >= 2 else thefts[:6]
    first = chosen[0] if chosen else None
    t0 = (
        max(first.received_at + timedelta(hours=2), now - timedelta(days=70))
        if first
        else now - timedelta(days=65)
    )
    case = svc.open_case(
        actor=inv,
        station=station,
        kind="criminal",
        category="theft",
        title="写字楼系列盗窃案",
        summary="两个月内多家公司办公室夜间失窃（笔记本电脑、现金）。视频研判锁定同一男子，"
        "经蹲守于写字楼大堂将其抓获，当场起获赃物。",
        alert=first,
        is_key=True,
        at=t0,
        lookup_code=DEMO_LOOKUP_CODE,
    ).case
    if len(chosen) > 1:
        svc.link_alerts(actor=inv, case=case, alerts=chosen[1:])
    ps.add_parties_bulk(actor=inv, case=case, role="reporter", text=people.row("公司行政"))
    ps.add_parties_bulk(actor=inv, case=case, role="victim", text="\n".join(people.row() for _ in range(4)))
    suspect = ps.add_parties_bulk(actor=inv, case=case, role="suspect", text=people.row("外省流窜"))[0]
    case = walk_stages(
        inv,
        case,
        [
            ("filed", t0 + timedelta(days=2), "立案决定书"),
            ("investigating", t0 + timedelta(days=2, hours=1), "立案侦查"),
        ],
    )
    caught = now - timedelta(days=5)
    detain(inv, case, [suspect], caught)
    det = case.measures.get(party=suspect, kind="detention")
    records.add_extension(
        actor=inv,
        case=case,
        limit="arrest_request",
        measure=det,
        amount=4,
        legal_basis="刑事诉讼法第九十一条：特殊情况",
        approved_by="福田分局局长",
        approved_on=timezone.localdate(caught + timedelta(days=2)),
    )
    ps.add_measure(
        actor=inv, case=case, party=suspect, kind="arrest_request", at=now - timedelta(days=4, hours=2)
    )
    return (
        f"写字楼盗窃案 {case.number}：关联警情 {len(chosen)} 起，嫌疑人已刑拘并提请批捕（重点案件）；"
        f"演示查询码 {DEMO_LOOKUP_CODE}（公众查询 /public/lookup/）"
    )


def _ordinary(inv: User, station: Station, people: People, now: datetime) -> list[str]:
    made: list[str] = []

    def case(kind: str, category: str, title: str, days_ago: float, **kw: object) -> Case:
        c = svc.open_case(
            actor=inv,
            station=station,
            kind=kind,
            category=category,
            title=title,
            at=now - timedelta(days=days_ago),
            **kw,  # type: ignore[arg-type]
        ).case
        ps.add_parties_bulk(actor=inv, case=c, role="reporter", text=people.row())
        made.append(c.number)
        return c

    ago: Callable[[float], datetime] = lambda d: now - timedelta(days=d)  # noqa: E731

    case("criminal", "theft", "购物公园手机被盗案", 2)  # 立案审查 due in a day
    case("criminal", "fraud", "网络刷单诈骗案", 4)  # 立案审查 overdue
    review = case("criminal", "fraud", "虚假投资理财诈骗案", 6)
    records.add_extension(
        actor=inv,
        case=review,
        limit="filing_review",
        amount=4,
        legal_basis="涉嫌犯罪线索需要查证",
        approved_by="刑侦中队长",
        approved_on=timezone.localdate(ago(4)),
    )
    fight = case("administrative", "public_order", "酒吧街斗殴案", 28)
    walk_stages(inv, fight, [("inquiry", ago(27.5), "调查取证")])
    suspect = ps.add_parties_bulk(actor=inv, case=fight, role="suspect", text=people.row())[0]
    ps.add_measure(actor=inv, case=fight, party=suspect, kind="summons", at=now - timedelta(hours=9))
    done = case("administrative", "public_order", "KTV噪音扰民案", 40)
    walk_stages(inv, done, [("inquiry", ago(39), "调查"), ("decided", ago(20), "行政处罚决定书：警告")])
    refused = case("criminal", "theft", "共享单车丢失案", 3)
    walk_stages(inv, refused, [("not_filed", ago(2), "不予立案决定：经查为他人误骑")])
    robbery = case("criminal", "robbery", "地下街抢夺案", 3)
    walk_stages(inv, robbery, [("filed", ago(2.5), "立案决定书"), ("investigating", ago(2.4), "立案侦查")])
    robber = ps.add_parties_bulk(actor=inv, case=robbery, role="suspect", text=people.row())[0]
    detain(inv, robbery, [robber], now - timedelta(hours=30), steps=2)  # 讯问 not yet recorded: overdue
    assault = case("criminal", "assault", "岗厦村故意伤害案", 380)
    walk_stages(inv, assault, [("filed", ago(379), "立案决定书"), ("investigating", ago(379), "立案侦查")])
    bailed = ps.add_parties_bulk(actor=inv, case=assault, role="suspect", text=people.row())[0]
    ps.add_measure(actor=inv, case=assault, party=bailed, kind="bail", at=ago(363))  # 12 months end soon
    drugs = case("criminal", "drugs", "福田村容留他人吸毒案", 150)
    walk_stages(
        inv,
        drugs,
        [
            ("filed", ago(149), "立案决定书"),
            ("investigating", ago(149), "侦查"),
            ("concluded", ago(90), "侦查终结"),
            ("prosecution", ago(88), "起诉意见书"),
        ],
    )
    revoked = case("criminal", "theft", "写字楼电动车被盗案", 60)
    walk_stages(
        inv, revoked, [("filed", ago(59), "立案决定书"), ("revoked", ago(30), "经查系车主亲属借用，撤销案件")]
    )
    case("criminal", "other", "会展中心票务纠纷（待审查）", 0.5, is_key=False)
    return [f"一般案件 {len(made)} 起：{made[0]} … {made[-1]}"]
