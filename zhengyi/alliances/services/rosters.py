"""Rotating duty (轮值): shift templates, coverage needs, generated rosters and checked swaps.

The rostering core (zhengyi/alliances/rostering*.py) knows nothing of the database; this
module reads guards, templates, needs, absences and the previous roster into its inputs,
and stores what it returns. The solve runs *outside* the write transaction — it takes
seconds, and on SQLite an open write transaction would block every other writer meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengyi.alliances import rostering as core
from zhengyi.alliances.models import (
    Alliance,
    CoverageNeed,
    Guard,
    GuardAbsence,
    Roster,
    RosterAssignment,
    ShiftTemplate,
)
from zhengyi.alliances.services.duty import sync_after_commit
from zhengyi.core.models import User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.pii import mask
from zhengyi.core.services.audit import record_change, record_created_bulk, snapshot
from zhengyi.precinct.models import Zone

MAX_DAYS = 62
MAX_TIME_LIMIT_S = 60.0

# The rule a refused swap breaks, as a station would name it.
RULE_NAMES = {
    "one_shift_per_day": gettext_lazy("每天至多一个班次"),
    "min_rest": gettext_lazy("两班之间的最短休息"),
    "max_consecutive_days": gettext_lazy("连续上班天数上限"),
    "max_shifts_per_week": gettext_lazy("每周班次上限"),
    "night_cap": gettext_lazy("夜班次数上限"),
    "not_qualified": gettext_lazy("片区上岗资格"),
    "certificate_expired": gettext_lazy("保安员证有效期"),
    "training_expired": gettext_lazy("培训有效期"),
    "unavailable": gettext_lazy("请假/轮训期间不排班"),
    "coverage_short": gettext_lazy("最少值守人数"),
}


def _lang() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


@transaction.atomic
def create_shift(
    *,
    actor: User,
    alliance: Alliance,
    zone: Zone,
    code: str,
    name: str,
    start: time,
    end: time,
    is_night: bool = False,
) -> ShiftTemplate:
    require_for_station(actor, "add", ShiftTemplate, alliance.station)
    if not alliance.zones.filter(pk=zone.pk).exists():
        raise ValidationError({"zone": _("片区不在该联盟范围内。")})
    shift = ShiftTemplate(
        alliance=alliance,
        zone=zone,
        code=code.strip(),
        name=name.strip(),
        start=start,
        end=end,
        is_night=is_night,
    )
    shift.full_clean()
    shift.save()
    record_change(actor=actor, obj=shift, action="create", related=alliance)
    return shift


@transaction.atomic
def set_need(
    *, actor: User, shift: ShiftTemplate, min_guards: int, weekday: int | None = None
) -> CoverageNeed:
    """The minimum on a shift (every day, or one weekday); replaces the same need if set."""
    require_for_station(actor, "add", CoverageNeed, shift.alliance.station)
    if min_guards < 0 or (weekday is not None and not 0 <= weekday <= 6):
        raise ValidationError(_("人数不能为负，星期须为 0（周一）至 6（周日）。"))
    need = CoverageNeed.objects.filter(shift=shift, weekday=weekday).first()
    if need is None:
        need = CoverageNeed(shift=shift, weekday=weekday, min_guards=min_guards)
        need.full_clean()
        need.save()
        record_change(actor=actor, obj=need, action="create", related=shift)
    elif need.min_guards != min_guards:
        before = snapshot(need)
        need.min_guards = min_guards
        need.save(update_fields=["min_guards"])
        record_change(actor=actor, obj=need, action="update", before=before, related=shift)
    return need


# ----------------------------------------------------------------------------- inputs


@dataclass
class Built:
    inputs: core.RosterInputs
    guards: dict[str, Guard]  # core guard id → Guard
    shifts: dict[tuple[str, str], ShiftTemplate]  # (zone code, shift code) → template
    previous: Roster | None


def _previous(alliance: Alliance, start: date, exclude: int | None = None) -> Roster | None:
    """The roster whose period ends the day before ``start``: its shifts are this one's history."""
    for r in Roster.objects.filter(alliance=alliance, period_start__lt=start).exclude(pk=exclude):
        if r.period_end == start - timedelta(days=1):
            return r
    return None


def build_inputs(alliance: Alliance, start: date, days: int, *, roster: Roster | None = None) -> Built:
    """The rostering core's inputs for an alliance's period, read from the database."""
    end = start + timedelta(days=days - 1)
    templates = list(ShiftTemplate.objects.filter(alliance=alliance).select_related("zone"))
    shifts = {(t.zone.code, t.code): t for t in templates}
    needs = [
        core.CoverageNeed(
            n.shift.zone.code,
            n.shift.code,
            n.min_guards,
            weekdays=None if n.weekday is None else frozenset({n.weekday}),
        )
        for n in CoverageNeed.objects.filter(shift__alliance=alliance).select_related("shift__zone")
    ]
    zone_pks = set(alliance.zones.values_list("pk", flat=True))
    rows = list(
        Guard.objects.filter(employer__alliance=alliance, active=True)
        .prefetch_related("zones")
        .order_by("pk")
    )
    absences: dict[int, list[core.Absence]] = {}
    for a in GuardAbsence.objects.filter(guard__in=rows, last__gte=start, first__lte=end):
        absences.setdefault(a.guard_id, []).append(core.Absence(a.first, a.last, a.reason))
    by_id = {g.code: g for g in rows}
    guards = tuple(
        core.Guard(
            g.code,
            frozenset(z.code for z in g.zones.all() if z.pk in zone_pks),
            certificate_valid_until=g.certificate_valid_until,
            training_valid_until=g.training_valid_until,
            absences=tuple(absences.get(g.pk, ())),
            # Masked: the calendar and exports are role-restricted screens, not a register.
            name=mask("name", g.name),
        )
        for g in rows
    )
    zones = tuple(core.Zone(z.code, z.name, z.name_en or z.name) for z in alliance.zones.order_by("code"))
    core_shifts = tuple(
        core.ShiftTemplate(t.zone.code, t.code, t.start, t.end, t.is_night, name=t.name, name_en=t.code)
        for t in templates
    )
    base = core.RosterInputs(start, days, core_shifts, tuple(needs), guards, zones)
    previous = _previous(alliance, start, exclude=roster.pk if roster else None)
    if previous is None:
        return Built(base, by_id, shifts, None)
    prev_inputs = core.RosterInputs(
        previous.period_start, previous.days, core_shifts, tuple(needs), guards, zones
    )
    past = [a for a in assignments_of(previous) if (a.zone, a.shift) in shifts and a.guard_id in by_id]
    history = core.history_from_roster(past, prev_inputs)
    hint = core.hint_from_previous(past, base)
    inputs = core.RosterInputs(
        start, days, core_shifts, tuple(needs), guards, zones, history=history, hint=hint
    )
    return Built(inputs, by_id, shifts, previous)


def assignments_of(roster: Roster) -> list[core.Assignment]:
    rows = RosterAssignment.objects.filter(roster=roster).select_related("shift__zone", "guard")
    return [core.Assignment(r.guard.code, r.date, r.shift.zone.code, r.shift.code) for r in rows]


# ----------------------------------------------------------------------------- generate


@dataclass
class Outcome:
    """What a generation run gives back: the stored roster, or why none could be made."""

    result: core.RosterResult
    roster: Roster | None
    reasons: list[str]


def generate_roster(
    *,
    actor: User,
    alliance: Alliance,
    start: date,
    days: int,
    time_limit: float = 10.0,
    num_workers: int = 2,
) -> Outcome:
    """Solve the period under ``time_limit`` seconds and store the roster, or store nothing.

    When coverage cannot be met the outcome carries the core's plain-words reasons (which
    zone, shift and day, and why). A draft with the same start is replaced; any other roster
    overlapping the period is left alone and the request refused.
    """
    require_for_station(actor, "add", Roster, alliance.station)
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("天数须在 1 至 %(n)s 之间。") % {"n": MAX_DAYS}})
    if not 0 < time_limit <= MAX_TIME_LIMIT_S:
        raise ValidationError(
            {"time_limit": _("求解时间上限须在 0 至 %(n)s 秒之间。") % {"n": int(MAX_TIME_LIMIT_S)}}
        )
    replaced = _replaceable(alliance, start, days)
    built = build_inputs(alliance, start, days)
    if not built.inputs.shifts or not built.inputs.demand:
        raise ValidationError(_("该联盟尚未设置班次和值守需求，无法排班。"))
    result = core.solve_roster(
        built.inputs,
        core.SolveOptions(
            time_limit_s=time_limit, num_workers=num_workers, explain_time_limit_s=min(time_limit, 10)
        ),
    )
    if not result.ok:
        lang = _lang()
        return Outcome(result, None, [r.text(lang) for r in result.reasons])
    # The solver's roster is checked again by the independent rule checker before it is kept.
    violations = core.check_roster(result.assignments, built.inputs)
    if violations:  # pragma: no cover - would be a solver bug; refuse rather than store it
        raise RuntimeError(f"solver roster breaks rules: {violations[:3]}")
    roster = _store(actor, alliance, start, days, time_limit, built, result, replaced)
    return Outcome(result, roster, [])


def _replaceable(alliance: Alliance, start: date, days: int) -> Roster | None:
    end = start + timedelta(days=days - 1)
    replaced = None
    for r in Roster.objects.filter(alliance=alliance, period_start__lte=end):
        if r.period_end < start:
            continue
        if r.period_start == start and r.status == Roster.Status.DRAFT:
            replaced = r
            continue
        raise ValidationError(
            _("%(start)s 至 %(end)s 已有轮值表（%(status)s），与所选时段重叠。")
            % {"start": r.period_start, "end": r.period_end, "status": r.get_status_display()}
        )
    return replaced


@transaction.atomic
def _store(
    actor: User,
    alliance: Alliance,
    start: date,
    days: int,
    time_limit: float,
    built: Built,
    result: core.RosterResult,
    replaced: Roster | None,
) -> Roster:
    if replaced is not None:
        record_change(
            actor=actor, obj=replaced, action="delete", before=snapshot(replaced), message="重新生成"
        )
        replaced.delete()
    roster = Roster.objects.create(
        alliance=alliance,
        period_start=start,
        days=days,
        solver_status=result.status,
        objective=result.objective,
        best_bound=result.best_bound,
        gap=result.gap,
        wall_time_s=round(result.wall_time_s, 3),
        first_solution_s=None if result.first_solution_s is None else round(result.first_solution_s, 3),
        time_limit_s=time_limit,
        terms=dict(result.terms),
    )
    rows = [
        RosterAssignment(
            roster=roster,
            guard=built.guards[a.guard_id],
            date=a.day,
            shift=built.shifts[(a.zone, a.shift)],
        )
        for a in result.assignments
    ]
    RosterAssignment.objects.bulk_create(rows, batch_size=1000)
    record_change(
        actor=actor,
        obj=roster,
        action="create",
        related=alliance,
        message=f"{len(rows)} 人次；{result.status}，目标 {result.objective} / 下界 {result.best_bound}",
    )
    stored = list(RosterAssignment.objects.filter(roster=roster))
    record_created_bulk(actor=actor, objects=stored, related=roster, message="排班生成")
    return roster


@transaction.atomic
def publish_roster(*, actor: User, roster: Roster) -> Roster:
    require(actor, "change", roster)
    if roster.status == Roster.Status.PUBLISHED:
        return roster
    before = snapshot(roster)
    roster.status = Roster.Status.PUBLISHED
    roster.save(update_fields=["status"])
    record_change(actor=actor, obj=roster, action="update", before=before, message="发布")
    sync_after_commit(roster.alliance.station_id)  # guard teams on duty follow the roster
    return roster


# ----------------------------------------------------------------------------- swaps


class SwapRefused(ValidationError):
    """A swap the roster rules forbid; ``violations`` holds the core's findings."""

    def __init__(self, violations: list[core.Violation]) -> None:
        lang = _lang()
        self.violations = violations
        self.rules = [v.rule for v in violations]
        super().__init__(
            [
                _("违反规则「%(rule)s」：%(text)s")
                % {"rule": str(RULE_NAMES.get(v.rule, v.rule)), "text": v.text(lang)}
                for v in violations
            ]
        )


@transaction.atomic
def swap_assignment(*, actor: User, assignment: RosterAssignment, new_guard: Guard) -> RosterAssignment:
    """Give ``assignment``'s shift to ``new_guard``, if the same rules as the solver's allow it."""
    require(actor, "change", assignment)
    assignment = (
        RosterAssignment.objects.select_for_update()
        .select_related("roster", "shift__zone", "guard")
        .get(pk=assignment.pk)
    )
    roster = assignment.roster
    if new_guard.pk == assignment.guard_id:
        raise ValidationError(_("新保安与原保安相同。"))
    built = build_inputs(roster.alliance, roster.period_start, roster.days, roster=roster)
    if new_guard.code not in built.guards:
        raise ValidationError(_("该保安不在本联盟的在岗保安中。"))
    current = assignments_of(roster)
    mine = core.Assignment(
        assignment.guard.code, assignment.date, assignment.shift.zone.code, assignment.shift.code
    )
    found = core.check_swap(current, built.inputs, core.Swap.reassign(mine, new_guard.code))
    if found:
        raise SwapRefused(found)
    before = snapshot(assignment)
    old = assignment.guard
    assignment.guard = new_guard
    assignment.save(update_fields=["guard"])
    record_change(
        actor=actor,
        obj=assignment,
        action="update",
        before=before,
        related=roster,
        message=f"换班 {old} → {new_guard}",
    )
    if roster.status == Roster.Status.PUBLISHED:
        sync_after_commit(roster.alliance.station_id)
    return assignment
