"""处警标准: versioned handling rules; an alert is held to the version in force when received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.compliance import category_label
from zhengyi.alerts.models import HandlingRule, HandlingStandard
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require_for_station
from zhengyi.core.services.audit import record_change
from zhengyi.ledger.services.producers import log_handling_standard
from zhengyi.precinct.choices import ZoneKind

# Provincial standards: reach the scene within 5 minutes in town (城区), 10 in the suburbs.
URBAN_ARRIVAL_MINUTES = 5
SUBURBAN_ARRIVAL_MINUTES = 10

BASE_STEPS = ["核实报警人身份与诉求", "到场处置", "制作处警记录", "向报警人反馈"]
_DEFAULTS: dict[str, tuple[int, int, list[str]]] = {
    # category: (default priority, feedback minutes, extra steps)
    "criminal": (1, 60, ["保护现场", "固定证据", "视情况移交办案"]),
    "public_order": (2, 60, ["制止违法行为"]),
    "mass_incident": (1, 30, ["上报指挥中心", "疏导人群"]),
    "disaster": (1, 30, ["通报相关部门", "救助伤员"]),
    "traffic": (2, 60, ["通知交警"]),
    "fire": (1, 30, ["通知消防", "疏散人员"]),
    "assistance": (3, 120, []),
    "dispute": (3, 120, ["调解纠纷"]),
    "complaint": (4, 24 * 60, ["登记投诉内容", "转交督察"]),
    "other": (4, 24 * 60, []),
}


@dataclass(frozen=True)
class RuleInput:
    category: str
    priority: int
    arrival_minutes: int
    feedback_minutes: int
    steps: tuple[str, ...]
    zone_kind: str = ""


def default_rules(arrival_minutes: int = URBAN_ARRIVAL_MINUTES) -> list[RuleInput]:
    rules = [
        RuleInput(cat, prio, arrival_minutes, feedback, tuple(BASE_STEPS[:1] + extra + BASE_STEPS[1:]))
        for cat, (prio, feedback, extra) in _DEFAULTS.items()
    ]
    # Bar streets at night: public-order calls there escalate fast; reach them sooner.
    rules.append(
        RuleInput(
            "public_order", 1, max(3, arrival_minutes - 2), 60, tuple(BASE_STEPS), ZoneKind.BAR_STREET.value
        )
    )
    return rules


def _validate(rules: list[RuleInput]) -> None:
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for r in rules:
        category = category_label(r.category) if r.category in taxonomy.CATEGORIES else r.category
        zone = ZoneKind(r.zone_kind).label if r.zone_kind in ZoneKind.values else r.zone_kind
        w = {"where": f"{category}/{zone or _('全部片区')}"}
        if r.category not in taxonomy.CATEGORIES:
            errors.append(_("未知类别 %(category)r") % {"category": r.category})
        if r.zone_kind and r.zone_kind not in ZoneKind.values:
            errors.append(_("%(where)s：未知片区类型 %(zone)r") % {**w, "zone": r.zone_kind})
        if r.priority not in taxonomy.PRIORITIES:
            errors.append(_("%(where)s：等级应为 1–4") % w)
        if not 1 <= r.arrival_minutes <= 240:
            errors.append(_("%(where)s：到场时限应为 1–240 分钟") % w)
        if not 1 <= r.feedback_minutes <= 7 * 24 * 60:
            errors.append(_("%(where)s：反馈时限应为 1 分钟至 7 天") % w)
        if not r.steps or any(not s.strip() for s in r.steps):
            errors.append(_("%(where)s：必经步骤不能为空") % w)
        if (r.category, r.zone_kind) in seen:
            errors.append(_("%(where)s：重复的规则") % w)
        seen.add((r.category, r.zone_kind))
    missing = sorted(set(taxonomy.CATEGORIES) - {r.category for r in rules if not r.zone_kind})
    if missing:
        errors.append(
            _("缺少以下类别的通用规则：%(categories)s")
            % {"categories": _("、").join(category_label(m) for m in missing)}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def publish_standard(
    *,
    actor: User,
    station: Station,
    rules: list[RuleInput],
    effective_from: datetime | None = None,
    note: str = "",
) -> HandlingStandard:
    """A new version; versions are never edited, so each alert keeps the rules it was held to."""
    require_for_station(actor, "add", HandlingStandard, station)
    _validate(rules)
    effective_from = effective_from or timezone.now()
    latest = HandlingStandard.objects.select_for_update().filter(station=station).order_by("-version").first()
    if latest is not None and effective_from < latest.effective_from:
        raise ValidationError(_("新版本的生效时间不能早于上一版本"))
    standard = HandlingStandard.objects.create(
        station=station,
        version=(latest.version + 1) if latest else 1,
        effective_from=effective_from,
        note=note,
    )
    HandlingRule.objects.bulk_create(
        HandlingRule(
            standard=standard,
            category=r.category,
            zone_kind=r.zone_kind,
            priority=r.priority,
            arrival_minutes=r.arrival_minutes,
            feedback_minutes=r.feedback_minutes,
            steps=list(r.steps),
        )
        for r in rules
    )
    record_change(
        actor=actor, obj=standard, action="create", related=station, message=note or f"{len(rules)} 条规则"
    )
    # 倒查跟踪: the published version goes into the public log in this same transaction.
    log_handling_standard(standard=standard, rules=rules, actor=actor)
    return standard


def standard_in_force(station: Station, at: datetime) -> HandlingStandard | None:
    return (
        HandlingStandard.objects.filter(station=station, effective_from__lte=at)
        .order_by("-effective_from")
        .first()
    )


def ensure_standard(*, station: Station, at: datetime) -> HandlingStandard:
    """The version in force at ``at``; a station with none gets the default as version 1."""
    standard = standard_in_force(station, at)
    if standard is not None:
        return standard
    if HandlingStandard.objects.filter(station=station).exists():
        # Versions exist but none was in force yet: hold the alert to the earliest one.
        return HandlingStandard.objects.filter(station=station).order_by("effective_from").first()  # type: ignore[return-value]
    from zhengyi.core.services.roles import system_user

    epoch = datetime(2000, 1, 1, tzinfo=timezone.get_current_timezone())
    # Created by the system, not by whoever happened to take the station's first call.
    return publish_standard(
        actor=system_user(),
        station=station,
        rules=default_rules(),
        effective_from=min(at, epoch),
        note="默认处警标准（城区 5 分钟）",
    )
