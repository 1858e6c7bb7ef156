"""Planning cohorts with the alliance's real guards, zones, needs and absences (read-only).

Each zone's daily need of available guards is read from the rostering model: on a day, at
least the guards its shifts need that day (one shift a guard a day), and at least the
week's guard-shifts divided by the weekly limit (no guard works more than that). The pure
planner (``training_plan.py``) keeps those counts per zone; because guards qualified for
several zones are shared between them, each proposed cohort is then checked against the
rostering model itself (``coverage_gaps`` with a feasibility solve over the cohort's days).
Where that finds a gap, the need there is raised and the plan made again (a few rounds).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from zhengyi.alliances import rostering as core
from zhengyi.alliances import training_plan as plan
from zhengyi.alliances.models import Alliance, Guard, RosterAssignment
from zhengyi.alliances.models_training import TrainingCohort, TrainingCourse
from zhengyi.alliances.services.rosters import build_inputs
from zhengyi.core.models import User
from zhengyi.core.permissions import require_for_station

MAX_CYCLE_DAYS = 366
ROUNDS = 3


def _lang() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


def zone_needs(inputs: core.RosterInputs) -> dict[tuple[str, date], int]:
    """(zone, day) → the available qualified guards the roster needs there that day."""
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    weeks: dict[tuple[str, date], int] = defaultdict(int)
    for day in inputs.dates:
        for s in inputs.shifts:
            n = inputs.need(s.zone, s.code, day)
            per_day[(s.zone, day)] += n
            weeks[(s.zone, day - timedelta(days=day.weekday()))] += n
    weekly = inputs.rules.max_shifts_per_week
    out = {}
    for (zone, day), n in per_day.items():
        week = weeks[(zone, day - timedelta(days=day.weekday()))]
        out[(zone, day)] = max(n, math.ceil(week / weekly))
    return out


@dataclass
class ProposedCohort:
    first: date
    last: date
    guards: list[Guard]


@dataclass
class Proposal:
    """What the planner proposes for an alliance's cycle, or why it cannot."""

    course: TrainingCourse
    alliance: Alliance
    start: date
    cycle_days: int
    result: plan.PlanResult
    cohorts: list[ProposedCohort] = field(default_factory=list)
    due: list[Guard] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    verified: bool = False
    rounds: int = 0
    zone_names: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result.ok and not self.reasons


def _plan_inputs(
    alliance: Alliance,
    course: TrainingCourse,
    start: date,
    cycle_days: int,
    due_by: date | None,
    max_parallel: int,
    built: core.RosterInputs,
    guards: dict[str, Guard],
    extra: dict[tuple[str, date], int],
) -> plan.PlanInputs:
    end = start + timedelta(days=cycle_days - 1)
    # Guards already in a cohort that has not ended count as trained when it ends.
    in_cohort: dict[int, date] = {}
    for c in TrainingCohort.objects.filter(alliance=alliance, last__gte=start).prefetch_related("trainees"):
        for g in c.trainees.all():
            in_cohort[g.pk] = max(in_cohort.get(g.pk, date.min), c.last)
    duty: dict[int, set[date]] = defaultdict(set)
    for gid, d in RosterAssignment.objects.filter(
        guard__in=guards.values(), date__gte=start, date__lte=end
    ).values_list("guard_id", "date"):
        duty[gid].add(d)
    people = []
    for g in built.guards:
        row = guards[g.id]
        off = {d for d in built.dates if g.absence_on(d) is not None}
        lapsed = {
            d for d in built.dates if g.certificate_valid_until is None or d > g.certificate_valid_until
        }
        valid = g.training_valid_until
        if row.pk in in_cohort:
            valid = in_cohort[row.pk] + timedelta(days=course.validity_days)
        people.append(
            plan.PlanGuard(g.id, g.zones, valid, frozenset(off), frozenset(duty[row.pk]), frozenset(lapsed))
        )
    needs = zone_needs(built)
    for key, n in extra.items():
        needs[key] = needs.get(key, 0) + n
    return plan.PlanInputs(
        start,
        cycle_days,
        tuple(people),
        needs,
        cohort_days=course.days,
        capacity=course.capacity,
        start_step=7,
        max_parallel=max_parallel,
        due_by=due_by,
        zone_names={z.code: z.name for z in built.zones},
    )


def _verify(
    alliance: Alliance,
    course: TrainingCourse,
    cohorts: tuple[plan.PlannedCohort, ...],
    validity: dict[str, date],
    time_limit: float,
) -> list[core.Reason]:
    """Check each cohort's days against the rostering model with its trainees away."""
    found: list[core.Reason] = []
    for c in cohorts:
        built = build_inputs(alliance, c.start, course.days).inputs
        # Guards trained by an earlier cohort of the plan are valid again.
        guards = tuple(
            replace(g, training_valid_until=validity[g.id])
            if g.id in validity and any(o.end < c.start and g.id in o.guard_ids for o in cohorts)
            else g
            for g in built.guards
        )
        built = replace(built, guards=guards)
        away = {
            gid: [core.Absence(o.start, o.end, "training")]
            for o in cohorts
            if o.start <= c.end and o.end >= c.start
            for gid in o.guard_ids
        }
        options = core.SolveOptions(time_limit_s=time_limit, num_workers=2, explain_time_limit_s=time_limit)
        found += core.coverage_gaps(built, away, verify=True, options=options)
    return found


def propose_cohorts(
    *,
    actor: User,
    alliance: Alliance,
    course: TrainingCourse,
    start: date,
    cycle_days: int = 84,
    due_by: date | None = None,
    max_parallel: int = 1,
    time_limit: float = 10.0,
) -> Proposal:
    """Which of the alliance's guards go in which cohort of ``course`` in the cycle from ``start``.

    Writes nothing: the officer confirms each proposed cohort (``training.confirm_cohort``).
    """
    require_for_station(actor, "add", TrainingCohort, alliance.station)
    if course.station_id != alliance.station_id or course.alliance_id not in (None, alliance.pk):
        raise ValidationError({"course": _("该课程不适用于这个联盟。")})
    if not course.days <= cycle_days <= MAX_CYCLE_DAYS:
        raise ValidationError(
            {
                "cycle_days": _("周期须在课程天数 %(d)s 天至 %(m)s 天之间。")
                % {"d": course.days, "m": MAX_CYCLE_DAYS}
            }
        )
    if not 0 < time_limit <= 60:
        raise ValidationError({"time_limit": _("求解时间上限须在 0 至 60 秒之间。")})
    if not 1 <= max_parallel <= 5:
        raise ValidationError({"max_parallel": _("同时开班数须在 1 至 5 之间。")})
    built = build_inputs(alliance, start, cycle_days)
    if not built.inputs.demand:
        raise ValidationError(_("该联盟尚未设置班次和值守需求，无法判断各片区需要留下多少人。"))
    extra: dict[tuple[str, date], int] = defaultdict(int)
    lang = _lang()
    proposal: Proposal | None = None
    for rounds in range(1, ROUNDS + 1):
        inputs = _plan_inputs(
            alliance, course, start, cycle_days, due_by, max_parallel, built.inputs, built.guards, extra
        )
        result = plan.plan_cohorts(inputs, plan.PlanOptions(time_limit_s=time_limit, num_workers=2))
        due = [built.guards[g.id] for g in inputs.due]
        proposal = Proposal(
            course,
            alliance,
            start,
            cycle_days,
            result,
            due=due,
            rounds=rounds,
            zone_names=dict(inputs.zone_names),
        )
        if not result.ok:
            proposal.reasons = [r.text(lang) for r in result.reasons]
            return proposal
        proposal.cohorts = [
            ProposedCohort(c.start, c.end, [built.guards[gid] for gid in c.guard_ids]) for c in result.cohorts
        ]
        validity = {
            gid: c.end + timedelta(days=course.validity_days) for c in result.cohorts for gid in c.guard_ids
        }
        gaps = _verify(alliance, course, result.cohorts, validity, min(time_limit, 20))
        if not gaps:
            proposal.verified = True
            return proposal
        for reason in gaps:
            for zone in reason.zones:
                for d in reason.dates:
                    extra[(zone, d)] += 1
        proposal.reasons = [r.text(lang) for r in gaps]
    assert proposal is not None
    proposal.cohorts = []
    proposal.reasons.insert(0, _("按各片区人数排出的方案，用排班规则核对后仍有缺口："))
    return proposal
