"""The 反扒队's 23 catches over the demo period, each a theft case opened from a real demo alert.

Through the same services a station uses: the case is opened (受案) from the 扒窃 alert in the
business circle, the suspect is added as a party, detained (拘留), the case moves to 立案, and
the team's catch is recorded against that suspect.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from zhengyi.alerts.models import Alert
from zhengyi.alliances.models import Alliance, Team
from zhengyi.alliances.models_catches import Catch
from zhengyi.alliances.services.catches import record_catch
from zhengyi.cases.models import Case, Party
from zhengyi.cases.services import cases as case_svc
from zhengyi.cases.services import parties as party_svc
from zhengyi.core.models import Station, User
from zhengyi.demo.cases import People, detain, walk_stages

CATCHES = 23  # the seed: the business circle's anti-pickpocket team caught 23 thieves


@transaction.atomic
def load_catches(*, actor: User, station: Station, today: date, seed: int) -> list[str]:
    if Catch.objects.filter(team__alliance__station=station).exists():
        return ["反扒抓获演示数据已存在"]
    team = Team.objects.filter(
        alliance__station=station, alliance__kind=Alliance.Kind.BUSINESS_CIRCLE, name="反扒队"
    ).first()
    if team is None:
        return ["没有反扒队，跳过抓获演示"]
    investigator = User.objects.get(username="investigator")
    now = timezone.now()
    zones = list(team.alliance.zones.all())
    since = today - timedelta(days=700)
    alerts = list(
        Alert.objects.filter(
            station=station,
            subcategory__code="pickpocket",
            zone__in=zones,
            received_at__date__gte=since,
            received_at__date__lt=today - timedelta(days=3),
        ).order_by("received_at")
    )
    if not alerts:
        return ["演示历史中没有商圈扒窃警情，跳过抓获演示"]
    # Spread over the period: every n-th 扒窃 call led to a catch.
    step = max(1, len(alerts) // CATCHES)
    picked = alerts[::step][:CATCHES]
    people = People(seed + 23)
    members = list(team.members.order_by("pk"))
    for i, alert in enumerate(picked):
        caught_at = alert.received_at + timedelta(minutes=20 + 7 * (i % 5))
        case = case_svc.open_case(
            actor=investigator,
            station=station,
            kind="criminal",
            category="theft",
            title=f"{alert.zone.name if alert.zone else '商圈'}扒窃案（反扒队现场抓获）",
            summary="商圈反扒队队员现场发现并控制扒窃嫌疑人，移交派出所。",
            alert=alert,
            investigators=[investigator],
            at=caught_at + timedelta(hours=1),
        ).case
        (suspect,) = party_svc.add_parties_bulk(
            actor=investigator, case=case, role="suspect", text=people.row("反扒队现场抓获")
        )
        _follow_up(investigator, case, suspect, caught_at, now)
        record_catch(
            actor=actor,
            team=team,
            party=suspect,
            caught_at=caught_at,
            guards=members[i % len(members) : i % len(members) + 2] if members else [],
            zone=alert.zone,
            place=alert.location_text or "",
        )
    return [f"反扒队抓获：{len(picked)} 名嫌疑人，各立扒窃案（关联商圈扒窃警情）"]


def _follow_up(inv: User, case: Case, suspect: Party, caught_at: datetime, now: datetime) -> None:
    """What the law did next, as far as the demo's clock has got: 拘留 with its 24-hour steps,
    立案, 提请批捕 within three days, the procuratorate's approval, 逮捕, then 侦查终结 and 移送审查
    起诉 inside the two months of 侦查羁押 — so old catches carry no overdue limits."""
    detain(inv, case, [suspect], caught_at + timedelta(hours=2))
    at = caught_at + timedelta(hours=20)
    if at + timedelta(hours=1) >= now:
        return
    case = walk_stages(
        inv,
        case,
        [("filed", at, "证据确实，立案侦查"), ("investigating", at + timedelta(hours=1), "立案侦查")],
    )
    at = caught_at + timedelta(days=3)
    if at >= now:
        return
    requests = party_svc.bulk_measure(actor=inv, case=case, parties=[suspect], kind="arrest_request", at=at)
    at = caught_at + timedelta(days=8)
    if at + timedelta(hours=4) >= now:
        return
    party_svc.record_decision(
        actor=inv, measures=requests, decision="approved", decided_on=timezone.localdate(at)
    )
    party_svc.bulk_measure(actor=inv, case=case, parties=[suspect], kind="arrest", at=at + timedelta(hours=4))
    at = caught_at + timedelta(days=60)
    if at + timedelta(days=2) >= now:
        return
    walk_stages(
        inv,
        case,
        [
            ("concluded", at, "侦查终结报告"),
            ("prosecution", at + timedelta(days=2), "起诉意见书，移送福田区人民检察院"),
        ],
    )
