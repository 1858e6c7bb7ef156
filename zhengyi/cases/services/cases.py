"""Opening cases, moving them through their stages, their alerts and the 受案回执 lookup code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhengyi.alerts.models import Alert
from zhengyi.cases import lookup, stages
from zhengyi.cases.models import Case, StageChange
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import can, require, require_for_station
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.ledger.services.producers import log_case_stage

KIND_LETTERS = {stages.CRIMINAL: "XS", stages.ADMINISTRATIVE: "XZ"}  # 刑事 / 行政
SEQUENCE_DIGITS = 5


@dataclass(frozen=True)
class Opened:
    """A new case and its lookup code — the only moment the code exists in clear."""

    case: Case
    code: str


def number_prefix(station: Station, year: int, kind: str) -> str:
    return f"{station.code}-{year}-{KIND_LETTERS[kind]}-"


def _lock_station(station: Station) -> None:
    # Two cases opened at once must not read the same last number: PostgreSQL locks the
    # station's row; SQLite transactions already begin IMMEDIATE (one writer at a time).
    if connection.features.has_select_for_update:
        Station.objects.select_for_update().filter(pk=station.pk).values_list("pk").first()


def next_number(station: Station, year: int, kind: str) -> str:
    prefix = number_prefix(station, year, kind)
    last = (
        Case.objects.filter(station=station, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


def _when(at: datetime | None, *, not_before: datetime | None = None) -> datetime:
    """The time of a step: now, or an earlier time entered afterwards (补录), never the future."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationError({"at": _("时间须带时区。")})
    if at > now + timedelta(minutes=1):
        raise ValidationError({"at": _("时间不能晚于现在。")})
    if not_before is not None and at < not_before:
        raise ValidationError(
            {
                "at": _("时间不能早于上一阶段（%(t)s）。")
                % {"t": f"{timezone.localtime(not_before):%Y-%m-%d %H:%M}"}
            }
        )
    return at


def _check_alerts(station: Station, alerts: Iterable[Alert], actor: User) -> list[Alert]:
    found = list(alerts)
    foreign = [a.number for a in found if a.station_id != station.pk]
    if foreign:
        raise ValidationError({"alerts": _("警情不属于本所：%(n)s") % {"n": "、".join(foreign)}})
    hidden = [a.number for a in found if not can(actor, "view", a)]
    if hidden:
        raise ValidationError({"alerts": _("无权查看警情：%(n)s") % {"n": "、".join(hidden)}})
    return found


@transaction.atomic
def open_case(
    *,
    actor: User,
    station: Station,
    kind: str,
    category: str,
    title: str,
    summary: str = "",
    alert: Alert | None = None,
    investigators: Iterable[User] = (),
    is_key: bool = False,
    at: datetime | None = None,
    lookup_code: str | None = None,
) -> Opened:
    """受案: a new case at 受案, from an alert or directly, with its 受案回执 lookup code.

    ``lookup_code`` fixes the code (the demo's documented one); otherwise it is random.
    """
    require_for_station(actor, "add", Case, station)
    opened_at = _when(at)
    linked = _check_alerts(station, [alert] if alert is not None else [], actor)
    team = list(investigators)
    outsiders = [u.display_name or u.username for u in team if u.station_id != station.pk]
    if outsiders:
        raise ValidationError(
            {"investigators": _("办案民警须为本所民警：%(n)s") % {"n": "、".join(outsiders)}}
        )
    code = lookup_code or lookup.new_code()
    if not lookup.normalize(code):
        raise ValidationError({"lookup_code": _("查询码格式不正确。")})
    _lock_station(station)
    case = Case(
        station=station,
        number=next_number(station, timezone.localtime(opened_at).year, kind),
        kind=kind,
        category=category,
        title=title.strip(),
        summary=summary.strip(),
        stage=Case.Stage.RECEIVED,
        is_key=is_key,
        opened_at=opened_at,
        stage_at=opened_at,
        source_alert=alert,
        lookup_hash=lookup.hash_code(code),
        lookup_issued_at=opened_at,
        created_by=actor,
    )
    if kind == Case.Kind.ADMINISTRATIVE and category != Case.Category.PUBLIC_ORDER:
        raise ValidationError({"category": _("行政案件的类别应为“治安”。")})
    case.full_clean()
    case.save()
    case.alerts.set(linked)
    case.investigators.set(team or ([actor] if actor.station_id == station.pk else []))
    _stage_row(
        case,
        "",
        stages.RECEIVED,
        opened_at,
        actor,
        "直接受案" if alert is None else f"由警情 {alert.number} 受案",
    )
    record_change(actor=actor, obj=case, action="create", related=alert, message="受案")
    return Opened(case, lookup.format_code(lookup.normalize(code)))


def _stage_row(case: Case, frm: str, to: str, at: datetime, actor: User, reason: str) -> StageChange:
    row = StageChange.objects.create(
        case=case,
        from_stage=frm,
        stage=to,
        at=at,
        actor=actor,
        actor_name=str(actor.display_name or actor.username),
        reason=str(reason)[:500],
        ledger_index=log_case_stage(case=case, stage=to, actor=actor),
    )
    return row


@transaction.atomic
def move_stage(*, actor: User, case: Case, stage: str, reason: str, at: datetime | None = None) -> Case:
    """Move the case to ``stage`` with a reason; refused moves name the allowed ones."""
    require(actor, "change", case)
    case = Case.objects.select_for_update().select_related("station").get(pk=case.pk)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("请写明转入该阶段的理由（法律文书或批准情况）。")})
    try:
        stages.check_move(case.kind, case.stage, stage)
    except stages.TransitionError as exc:
        english = (translation.get_language() or "").startswith("en")
        raise ValidationError({"stage": exc.message_en if english else exc.message_zh}) from exc
    moved_at = _when(at, not_before=case.stage_at)
    before = snapshot(case)
    frm = case.stage
    case.stage, case.stage_at = stage, moved_at
    case.save(update_fields=["stage", "stage_at"])
    _stage_row(case, frm, stage, moved_at, actor, reason)
    record_change(
        actor=actor, obj=case, action="update", before=before, message=f"阶段：{stages.LABELS[stage]}"
    )
    return case


@transaction.atomic
def record_notice_served(*, actor: User, case: Case, at: datetime | None = None) -> Case:
    """不予立案通知书 served on the complainant (due within 3 days of the decision)."""
    require(actor, "change", case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.stage != Case.Stage.NOT_FILED:
        raise ValidationError(_("只有“不予立案”的案件才需送达不予立案通知书。"))
    if case.notice_served_at is not None:
        raise ValidationError(_("不予立案通知书已登记送达。"))
    before = snapshot(case)
    case.notice_served_at = _when(at, not_before=case.stage_at)
    case.save(update_fields=["notice_served_at"])
    record_change(actor=actor, obj=case, action="update", before=before, message="不予立案通知书送达")
    return case


@transaction.atomic
def link_alerts(*, actor: User, case: Case, alerts: Iterable[Alert]) -> int:
    """Link more alerts to the case (e.g. the thefts a caught thief is found to have done)."""
    require(actor, "change", case)
    found = _check_alerts(case.station, alerts, actor)
    already = set(case.alerts.values_list("pk", flat=True))
    new = [a for a in found if a.pk not in already]
    if not new:
        return 0
    case.alerts.add(*new)
    record_change(
        actor=actor, obj=case, action="update", message="关联警情 +" + "、".join(a.number for a in new)
    )
    return len(new)


@transaction.atomic
def set_key_case(*, actor: User, case: Case, is_key: bool) -> Case:
    require(actor, "change", case)
    before = snapshot(case)
    case.is_key = is_key
    case.save(update_fields=["is_key"])
    record_change(
        actor=actor, obj=case, action="update", before=before, message="重点案件" if is_key else "取消重点"
    )
    return case


@transaction.atomic
def set_investigators(*, actor: User, case: Case, investigators: Iterable[User]) -> Case:
    require(actor, "change", case)
    team = list(investigators)
    outsiders = [u.display_name or u.username for u in team if u.station_id != case.station_id]
    if outsiders or not team:
        raise ValidationError({"investigators": _("请选择本所的办案民警（至少一人）。")})
    case.investigators.set(team)
    record_change(
        actor=actor, obj=case, action="update", message="办案民警：" + "、".join(u.username for u in team)
    )
    return case


@transaction.atomic
def reissue_lookup_code(*, actor: User, case: Case, reason: str) -> str:
    """A new 受案回执 code (the old one stops working at once); the reissue is audited."""
    require(actor, "change", case)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("请写明补发查询码的原因。")})
    case = Case.objects.select_for_update().get(pk=case.pk)
    code = lookup.new_code()
    before = snapshot(case)
    case.lookup_hash = lookup.hash_code(code)
    case.lookup_issued_at = timezone.now()
    case.save(update_fields=["lookup_hash", "lookup_issued_at"])
    record_change(
        actor=actor, obj=case, action="update", before=before, message=f"补发查询码：{reason}"[:200]
    )
    return code
