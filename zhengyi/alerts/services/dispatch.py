"""指令 and 出警: recommend units by travel time, assign one safely, follow it to closure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import OPEN_STATUSES, Status, Step
from zhengyi.alerts.models import Alert, AlertEvent, Assignment, Unit
from zhengyi.alerts.services.board import signal_board
from zhengyi.core.i18n import record_text
from zhengyi.core.models import User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.precinct.network import station_network
from zhengyi.precinct.routing import UnitPosition, rank_units


class UnitUnavailable(Exception):
    """The unit was taken by someone else (or is not available); the message says by whom."""


@dataclass(frozen=True)
class Recommendation:
    unit: Unit
    eta_s: float
    mode: str
    reachable: bool


def recommend_units(*, user: User, alert: Alert, limit: int = 10) -> list[Recommendation]:
    """Available units of the alert's station, fastest first — one search for all of them."""
    require(user, "view", alert)
    now = timezone.now()
    units = [
        u
        for u in Unit.objects.filter(station=alert.station, status=Unit.UnitStatus.AVAILABLE)
        if u.lon is not None and not _duty_over(u, now)
    ]
    if not units or alert.lon is None or alert.lat is None:
        return []
    network = station_network(alert.station)
    target = network.nearest_node(alert.lon, alert.lat, alert.level, mode="walk")
    positions = [
        UnitPosition(
            u.pk,
            network.nearest_node(
                u.lon, u.lat, u.level if u.travel_mode == "walk" else "street", mode=u.travel_mode
            ),
            u.travel_mode,
        )
        for u in units
    ]
    by_id = {u.pk: u for u in units}
    ranked = rank_units(network, target, positions)
    return [Recommendation(by_id[int(r.unit_id)], r.eta_s, r.mode, r.reachable) for r in ranked[:limit]]


def _duty_over(unit: Unit, now: datetime) -> bool:
    """A rostered unit whose shift has ended, before the duty sync has marked it off duty."""
    return unit.duty_until is not None and unit.duty_until <= now


def _event(
    alert: Alert, step: str, actor: User, at: datetime, unit: Unit | None = None, note: str = ""
) -> None:
    AlertEvent.objects.create(
        alert=alert,
        step=step,
        time=at,
        actor=actor,
        actor_name=actor.display_name or actor.username,
        unit=unit,
        note=note,
    )


def _locked_open_alert(alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status not in OPEN_STATUSES:
        raise ValidationError(
            _("警情 %(number)s %(status)s，不能再操作")
            % {"number": alert.number, "status": alert.get_status_display()}
        )
    return alert


@transaction.atomic
def dispatch_unit(*, actor: User, alert: Alert, unit: Unit, eta_s: float | None = None) -> Assignment:
    """指令: send ``unit``. Two dispatchers racing for one unit: one wins, the other is told."""
    require(actor, "change", alert)
    # Sending a unit is the dispatcher's act: an officer may work their own alert, not
    # commandeer other units for it.
    require_for_station(actor, "add", Assignment, alert.station)
    if unit.station_id != alert.station_id:
        raise PermissionDenied(_("只能指派本所的出警单位"))
    alert = _locked_open_alert(alert)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.status == Unit.UnitStatus.AVAILABLE and _duty_over(unit, timezone.now()):
        raise UnitUnavailable(_("%(unit)s 的值守已结束，请选择其他单位") % {"unit": unit.name})
    if unit.status != Unit.UnitStatus.AVAILABLE:
        current = Assignment.objects.filter(unit=unit, active=True).select_related("alert").first()
        if current is not None:
            raise UnitUnavailable(
                _("%(unit)s 当前%(status)s，已被指派到警情 %(number)s，请选择其他单位")
                % {"unit": unit.name, "status": unit.get_status_display(), "number": current.alert.number}
            )
        raise UnitUnavailable(
            _("%(unit)s 当前%(status)s，请选择其他单位")
            % {"unit": unit.name, "status": unit.get_status_display()}
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                alert=alert, unit=unit, dispatched_at=now, eta_seconds=eta_s, dispatched_by=actor
            )
    except IntegrityError as exc:
        raise UnitUnavailable(
            _("%(unit)s 刚刚被其他指挥员指派，请选择其他单位") % {"unit": unit.name}
        ) from exc
    unit_before, alert_before = snapshot(unit), snapshot(alert)
    unit.status = Unit.UnitStatus.BUSY
    unit.save(update_fields=["status"])
    if alert.dispatched_at is None:
        alert.dispatched_at = now
    if alert.status == Status.RECEIVED:
        alert.status = Status.DISPATCHED
    alert.save()
    # Notes, change messages and board summaries are the record: kept in the station's
    # language, not translated (zhengyi.core.i18n); only errors speak the user's language.
    eta = f"，预计 {eta_s / 60:.1f} 分钟到达" if eta_s is not None and eta_s != float("inf") else ""
    _event(alert, Step.DISPATCHED, actor, now, unit, note=f"指派 {unit.name}{eta}")
    record_change(actor=actor, obj=assignment, action="create", related=alert)
    record_change(actor=actor, obj=unit, action="update", before=unit_before, related=alert)
    record_change(actor=actor, obj=alert, action="update", before=alert_before, message=f"指派 {unit.name}")
    signal_board(station=alert.station_id, alert=alert, unit=unit, summary=f"{alert.number} 指派 {unit.name}")
    return assignment


_STEP_FIELDS = {
    Step.EN_ROUTE: ("en_route_at", Unit.UnitStatus.EN_ROUTE, Status.EN_ROUTE),
    Step.ON_SCENE: ("on_scene_at", Unit.UnitStatus.ON_SCENE, Status.ON_SCENE),
    Step.CLEARED: ("cleared_at", Unit.UnitStatus.AVAILABLE, Status.CLEARED),
}
_ORDER = [Status.RECEIVED, Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.CLEARED, Status.CLOSED]


@transaction.atomic
def advance_assignment(*, actor: User, assignment: Assignment, step: str, note: str = "") -> Assignment:
    """出警 → 到场 → 处置: the unit's own steps, each timestamped, in order."""
    if step not in _STEP_FIELDS:
        raise ValidationError(_("未知环节 %(step)r，应为 en_route、on_scene 或 cleared") % {"step": step})
    require(actor, "change", assignment)
    assignment = Assignment.objects.select_for_update().select_related("unit", "alert").get(pk=assignment.pk)
    if not assignment.active:
        raise ValidationError(_("该指派已结束"))
    field, unit_status, alert_status = _STEP_FIELDS[step]  # type: ignore[index]
    order = ["en_route_at", "on_scene_at", "cleared_at"]
    if getattr(assignment, field) is not None:
        raise ValidationError(_("“%(step)s”已记录") % {"step": Step(step).label})
    earlier_missing = [f for f in order[: order.index(field)] if getattr(assignment, f) is None]
    if earlier_missing and step != Step.CLEARED:
        raise ValidationError(_("请按顺序操作：出警 → 到场 → 处置"))
    now = timezone.now()
    alert = _locked_open_alert(assignment.alert)
    unit = Unit.objects.select_for_update().get(pk=assignment.unit_id)
    a_before, u_before, al_before = snapshot(assignment), snapshot(unit), snapshot(alert)
    setattr(assignment, field, now)
    if step == Step.CLEARED:
        assignment.active = False
    assignment.save()
    # A guard team kept on its alert past the end of its shift goes off duty when it clears.
    if unit_status == Unit.UnitStatus.AVAILABLE and _duty_over(unit, now):
        unit_status = Unit.UnitStatus.OFF_DUTY
    unit.status = unit_status
    unit.save(update_fields=["status"])
    if getattr(alert, field) is None:
        setattr(alert, field, now)
    # With several units on one alert, it is cleared only when the last one is.
    others_working = step == Step.CLEARED and alert.assignments.filter(active=True).exists()
    if not others_working and _ORDER.index(alert_status) > _ORDER.index(Status(alert.status)):
        alert.status = alert_status
    alert.save()
    _event(alert, step, actor, now, unit, note)
    record_change(actor=actor, obj=assignment, action="update", before=a_before, related=alert)
    record_change(actor=actor, obj=unit, action="update", before=u_before, related=alert)
    label = record_text(Step(step).label)
    record_change(actor=actor, obj=alert, action="update", before=al_before, message=f"{unit.name} {label}")
    signal_board(
        station=alert.station_id, alert=alert, unit=unit, summary=f"{alert.number} {unit.name} {label}"
    )
    return assignment


@transaction.atomic
def complete_step(*, actor: User, alert: Alert, step: str) -> Alert:
    """Tick one of the standard's required steps (the checklist the officer works through)."""
    require(actor, "change", alert)
    alert = _locked_open_alert(alert)
    if step not in alert.required_steps:
        raise ValidationError(_("“%(step)s”不是该警情处警标准的必经步骤") % {"step": step})
    if step in alert.done_steps:
        return alert
    before = snapshot(alert)
    alert.done_steps = [*alert.done_steps, step]
    alert.save(update_fields=["done_steps"])
    _event(alert, Step.NOTE, actor, timezone.now(), note=f"完成步骤：{step}")
    record_change(actor=actor, obj=alert, action="update", before=before, message=f"完成步骤：{step}")
    signal_board(station=alert.station_id, alert=alert, summary=f"{alert.number} 完成步骤")
    return alert


@transaction.atomic
def give_feedback(*, actor: User, alert: Alert, note: str, disposition: str = "") -> Alert:
    """反馈: tell the caller the outcome; the alert closes when it is cleared and every step done."""
    require(actor, "change", alert)
    alert = _locked_open_alert(alert)
    if not note.strip():
        raise ValidationError(_("请填写反馈内容"))
    if alert.status != Status.CLEARED and alert.dispatched_at is not None:
        raise ValidationError(_("警情尚未处置完毕，不能反馈结案"))
    missing = [s for s in alert.required_steps if s not in alert.done_steps and s != "向报警人反馈"]
    if missing:
        raise ValidationError(_("尚有必经步骤未完成：%(steps)s") % {"steps": _("、").join(missing)})
    before = snapshot(alert)
    now = timezone.now()
    alert.feedback_at = alert.closed_at = now
    alert.done_steps = list(dict.fromkeys([*alert.done_steps, *alert.required_steps]))
    alert.disposition = disposition.strip()[:200] or alert.disposition
    alert.status = Status.CLOSED
    alert.save()
    _event(alert, Step.FEEDBACK, actor, now, note=note.strip()[:300])
    record_change(actor=actor, obj=alert, action="update", before=before, message="反馈结案")
    signal_board(station=alert.station_id, alert=alert, summary=f"{alert.number} 反馈结案")
    return alert


@transaction.atomic
def reclassify(*, actor: User, alert: Alert, category: str, priority: int, reason: str) -> Alert:
    """Change the final category or priority; the original stays, and who and why is recorded."""
    require(actor, "change", alert)
    errors: dict[str, list[str]] = {}
    if category not in taxonomy.CATEGORIES:
        errors["category"] = [_("未知类别 %(category)r") % {"category": category}]
    if priority not in taxonomy.PRIORITIES:
        errors["priority"] = [_("等级应为 1–4")]
    if len(reason.strip()) < 4:
        errors["reason"] = [_("请说明改类/改级的理由（至少4个字）")]
    if errors:
        raise ValidationError(errors)
    alert = _locked_open_alert(alert)
    if (category, priority) == (alert.category, alert.priority):
        raise ValidationError(_("类别与等级均未改变"))
    before = snapshot(alert)
    note = (
        f"{taxonomy.CATEGORIES[alert.category]}→{taxonomy.CATEGORIES[category]}，"
        f"等级 {alert.priority}→{priority}：{reason.strip()}"
    )
    alert.category, alert.priority = category, priority
    if alert.subcategory is not None and alert.subcategory.category != category:
        alert.subcategory = None
    alert.save()
    _event(alert, Step.RECLASSIFIED, actor, timezone.now(), note=note[:300])
    record_change(actor=actor, obj=alert, action="update", before=before, message=note[:200])
    signal_board(station=alert.station_id, alert=alert, summary=f"{alert.number} 改类/改级")
    return alert
