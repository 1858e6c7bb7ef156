"""Rotating training (轮训) cohorts: which guards go in which cohort — pure core, no Django.

Given the guards (zones, the day their training runs out, days they cannot attend or work),
each zone's daily need of available qualified guards (as the rostering model sees them), the
cohort length and capacity and the cycle, :func:`plan_cohorts` chooses cohorts so that every
guard who is due is trained within the cycle and, on every day, every zone keeps enough
guards who are qualified, not away, not in a cohort and whose training is valid that day.
It solves with OR-Tools CP-SAT under a time limit; when that cannot be done it says which
zone is short on which days and by how many (or which guards have no cohort they could
attend, or that the cohorts are too few). :func:`check_plan` checks a plan in plain Python,
independently of the solver.

A guard whose training has run out cannot work until he is trained again (the roster's
``training_expired`` rule); he counts as available from the day after his cohort ends.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from ortools.sat.python import cp_model

DAY = timedelta(days=1)
# Objective weights: a guard-day of missing coverage outweighs everything else; then each
# cohort run (an instructor's two weeks) and each day a guard's training is late.
SHORT_WEIGHT = 10_000
COHORT_WEIGHT = 50
LATE_WEIGHT = 3


@dataclass(frozen=True)
class PlanGuard:
    id: str
    zones: frozenset[str]
    # Training valid until (inclusive); None: never trained, so already due.
    training_valid_until: date | None
    # Days he cannot work (leave, sickness, certificate expired …): he cannot attend either.
    unavailable: frozenset[date] = frozenset()
    # Days he cannot attend but does work (already rostered on duty).
    busy: frozenset[date] = frozenset()
    # Days he may attend but not work (e.g. his 保安员证 has lapsed).
    not_working: frozenset[date] = frozenset()

    def off(self, day: date) -> bool:
        return day in self.unavailable or day in self.not_working


@dataclass(frozen=True)
class PlanInputs:
    start: date
    cycle_days: int
    guards: tuple[PlanGuard, ...]
    # (zone, day) → at least this many available qualified guards; missing: no need.
    needs: Mapping[tuple[str, date], int]
    cohort_days: int = 14
    capacity: int = 30
    min_size: int = 1
    # Candidate cohorts start every ``start_step`` days from ``start``.
    start_step: int = 7
    max_parallel: int = 1
    # Guards whose training runs out on or before this day must be trained (default: cycle end).
    due_by: date | None = None
    # Zone code → the name a person reads in explanations.
    zone_names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cycle_days < 1 or self.cohort_days < 1 or self.cohort_days > self.cycle_days:
            raise ValueError("cohort_days must be between 1 and cycle_days")
        if self.capacity < 1 or self.min_size < 1 or self.min_size > self.capacity:
            raise ValueError("need 1 <= min_size <= capacity")
        if self.start_step < 1 or self.max_parallel < 1:
            raise ValueError("start_step and max_parallel must be positive")
        ids = [g.id for g in self.guards]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate guard ids")

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.cycle_days - 1)

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=i) for i in range(self.cycle_days))

    @property
    def deadline(self) -> date:
        return self.due_by or self.end

    @cached_property
    def due(self) -> tuple[PlanGuard, ...]:
        return tuple(
            g
            for g in self.guards
            if g.training_valid_until is None or g.training_valid_until <= self.deadline
        )

    @cached_property
    def candidate_starts(self) -> tuple[date, ...]:
        last = self.cycle_days - self.cohort_days
        return tuple(self.start + timedelta(days=k) for k in range(0, last + 1, self.start_step))

    @cached_property
    def zones(self) -> tuple[str, ...]:
        return tuple(sorted({z for z, _d in self.needs}))

    def zone_name(self, zone: str) -> str:
        return self.zone_names.get(zone, zone)

    def cohort_end(self, start: date) -> date:
        return start + timedelta(days=self.cohort_days - 1)

    def can_attend(self, g: PlanGuard, start: date) -> bool:
        days = {start + timedelta(days=i) for i in range(self.cohort_days)}
        return not (days & g.unavailable or days & g.busy)


@dataclass(frozen=True)
class PlannedCohort:
    start: date
    end: date
    guard_ids: tuple[str, ...]


@dataclass(frozen=True)
class PlanReason:
    """Why no plan: ``code`` is ``coverage_short``, ``no_slot``, ``capacity`` or ``solver_unknown``."""

    code: str
    message: str
    message_en: str
    zone: str | None = None
    dates: tuple[date, ...] = ()
    short: int = 0
    guard_ids: tuple[str, ...] = ()

    def text(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message


@dataclass(frozen=True)
class ZoneMargin:
    """The tightest day of one zone while cohorts run: need, and guards left available."""

    zone: str
    day: date
    need: int
    available: int


@dataclass
class PlanResult:
    status: str  # ok, infeasible, unknown
    cohorts: tuple[PlannedCohort, ...] = ()
    reasons: tuple[PlanReason, ...] = ()
    margins: tuple[ZoneMargin, ...] = ()
    objective: float | None = None
    best_bound: float | None = None
    optimal: bool = False
    wall_time_s: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# ------------------------------------------------------------------ availability (shared)


def available_on(inputs: PlanInputs, g: PlanGuard, day: date, cohort: tuple[date, date] | None) -> bool:
    """Whether ``g`` can work ``day`` when he is in ``cohort`` (first, last) or in none."""
    if g.off(day):
        return False
    if cohort is not None and cohort[0] <= day <= cohort[1]:
        return False
    valid = g.training_valid_until is not None and day <= g.training_valid_until
    trained = cohort is not None and cohort[1] < day
    return valid or trained


def count_available(inputs: PlanInputs, cohorts: Iterable[PlannedCohort]) -> dict[tuple[str, date], int]:
    """Available qualified guards per (zone, day) under a plan — the checker's count."""
    where: dict[str, tuple[date, date]] = {}
    for c in cohorts:
        for gid in c.guard_ids:
            where[gid] = (c.start, c.end)
    out: dict[tuple[str, date], int] = {}
    for zone, day in inputs.needs:
        out[(zone, day)] = sum(
            1 for g in inputs.guards if zone in g.zones and available_on(inputs, g, day, where.get(g.id))
        )
    return out


# ------------------------------------------------------------------ the independent checker


@dataclass(frozen=True)
class PlanProblem:
    code: str
    detail: str


def check_plan(inputs: PlanInputs, cohorts: Iterable[PlannedCohort]) -> list[PlanProblem]:
    """Every rule a plan must keep, in plain Python (shares only the inputs with the solver)."""
    cohorts = list(cohorts)
    problems: list[PlanProblem] = []
    by_id = {g.id: g for g in inputs.guards}
    seen: dict[str, int] = {}
    for c in cohorts:
        if c.end != inputs.cohort_end(c.start):
            problems.append(PlanProblem("length", f"{c.start}–{c.end}"))
        if c.start < inputs.start or c.end > inputs.end:
            problems.append(PlanProblem("outside_cycle", f"{c.start}–{c.end}"))
        if not inputs.min_size <= len(c.guard_ids) <= inputs.capacity:
            problems.append(PlanProblem("size", f"{c.start}: {len(c.guard_ids)}"))
        for gid in c.guard_ids:
            seen[gid] = seen.get(gid, 0) + 1
            g = by_id.get(gid)
            if g is None:
                problems.append(PlanProblem("unknown_guard", gid))
            elif not inputs.can_attend(g, c.start):
                problems.append(PlanProblem("cannot_attend", f"{gid} {c.start}"))
    problems += [PlanProblem("twice", gid) for gid, n in seen.items() if n > 1]
    problems += [PlanProblem("untrained", g.id) for g in inputs.due if g.id not in seen]
    for day in inputs.days:
        running = sum(1 for c in cohorts if c.start <= day <= c.end)
        if running > inputs.max_parallel:
            problems.append(PlanProblem("parallel", f"{day}: {running}"))
    counts = count_available(inputs, cohorts)
    for key, need in inputs.needs.items():
        if counts[key] < need:
            problems.append(PlanProblem("coverage", f"{key[0]} {key[1]}: {counts[key]} < {need}"))
    return problems


# ------------------------------------------------------------------ the solver


@dataclass(frozen=True)
class PlanOptions:
    time_limit_s: float = 10.0
    num_workers: int = 2
    random_seed: int = 0


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive runs of sorted days, as (first, last)."""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and runs[-1][1] + DAY == d:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _span(first: date, last: date) -> str:
    return f"{first}" if first == last else f"{first} 至 {last}"


def _span_en(first: date, last: date) -> str:
    return f"{first}" if first == last else f"{first} to {last}"


def _no_slot(inputs: PlanInputs) -> list[PlanReason]:
    stuck = [g for g in inputs.due if not any(inputs.can_attend(g, s) for s in inputs.candidate_starts)]
    if not stuck:
        return []
    ids = tuple(g.id for g in stuck)
    names = "、".join(ids)
    return [
        PlanReason(
            "no_slot",
            f"{names}：周期内每一期培训都与其请假、不可上岗或已排班的日子重叠，无法参训；"
            "请调整其请假或排班，或延长周期",
            f"{', '.join(ids)}: every cohort in the cycle overlaps their leave, unavailable or rostered days",
            guard_ids=ids,
        )
    ]


def _optimistic(inputs: PlanInputs) -> dict[tuple[str, date], int]:
    """Available guards per (zone, day) if nobody were in training and everyone were valid."""
    return {(z, d): sum(1 for g in inputs.guards if z in g.zones and not g.off(d)) for z, d in inputs.needs}


def _shortage_reasons(
    inputs: PlanInputs, short: dict[tuple[str, date], int], counts: dict[tuple[str, date], int]
) -> list[PlanReason]:
    """Group the short (zone, day)s into runs of days with one sentence each."""
    base = _optimistic(inputs)
    out = []
    for zone in inputs.zones:
        days = [d for (z, d), s in short.items() if z == zone and s > 0]
        for first, last in _runs(days):
            span = [d for d in days if first <= d <= last]
            worst = max(short[(zone, d)] for d in span)
            need = max(inputs.needs[(zone, d)] for d in span)
            left = min(counts[(zone, d)] for d in span)
            lacking_anyway = any(base[(zone, d)] < inputs.needs[(zone, d)] for d in span)
            why = "（即使无人参训，当时可上岗的保安也不够）" if lacking_anyway else ""
            why_en = " (short even with nobody in training)" if lacking_anyway else ""
            name = inputs.zone_name(zone)
            out.append(
                PlanReason(
                    "coverage_short",
                    f"{name} {_span(first, last)}：每天需要至少 {need} 名可上岗的保安，"
                    f"要让所有到期保安在周期内参训，最少时只剩 {left} 名，差 {worst} 名{why}",
                    f"{name} {_span_en(first, last)}: needs at least {need} available guards a day; "
                    f"training everyone due leaves as few as {left}, {worst} short{why_en}",
                    zone=zone,
                    dates=tuple(span),
                    short=worst,
                )
            )
    return out


def plan_cohorts(inputs: PlanInputs, options: PlanOptions | None = None) -> PlanResult:
    """Choose cohorts for every guard due; always under ``options.time_limit_s``."""
    opt = options or PlanOptions()
    began = _time.monotonic()
    if not inputs.due:
        # Nothing to plan — but a plan is only "ok" where it keeps coverage, and a short roster
        # is said to be short here as it is when someone is due (with nobody in training).
        counts = count_available(inputs, ())
        short = {k: need - counts[k] for k, need in inputs.needs.items() if counts[k] < need}
        if short:
            reasons = _shortage_reasons(inputs, short, counts)
            return PlanResult(
                "infeasible", reasons=tuple(reasons), optimal=True, wall_time_s=_time.monotonic() - began
            )
        return PlanResult("ok", margins=_margins(inputs, ()), optimal=True)
    stuck = _no_slot(inputs)
    if stuck:
        return PlanResult("infeasible", reasons=tuple(stuck), wall_time_s=_time.monotonic() - began)

    m = cp_model.CpModel()
    starts = inputs.candidate_starts
    ends = [inputs.cohort_end(s) for s in starts]
    used = [m.new_bool_var(f"u{c}") for c in range(len(starts))]
    x: dict[tuple[str, int], cp_model.IntVar] = {}
    late_terms = []
    for g in inputs.due:
        mine = []
        for c, s in enumerate(starts):
            if inputs.can_attend(g, s):
                v = m.new_bool_var(f"x{g.id}_{c}")
                x[(g.id, c)] = v
                mine.append(v)
                m.add_implication(v, used[c])
                valid = g.training_valid_until
                if valid is not None and ends[c] > valid:
                    late_terms.append(((ends[c] - valid).days, v))
                elif valid is None:
                    late_terms.append(((ends[c] - inputs.start).days + 1, v))
        m.add_exactly_one(mine)
    for c in range(len(starts)):
        members = [v for (gid, k), v in x.items() if k == c]
        m.add(sum(members) <= inputs.capacity * used[c])
        m.add(sum(members) >= inputs.min_size * used[c])
        if not members:
            m.add(used[c] == 0)
    for d in inputs.days:
        running = [used[c] for c in range(len(starts)) if starts[c] <= d <= ends[c]]
        if len(running) > inputs.max_parallel:
            m.add(sum(running) <= inputs.max_parallel)

    due_ids = {g.id for g in inputs.due}
    by_guard: dict[str, list[tuple[int, cp_model.IntVar]]] = {}
    for (gid, c), v in x.items():
        by_guard.setdefault(gid, []).append((c, v))
    slack: dict[tuple[str, date], cp_model.IntVar] = {}
    for (zone, d), need in inputs.needs.items():
        if need <= 0:
            continue
        const = 0
        terms = []
        for g in inputs.guards:
            if zone not in g.zones or g.off(d):
                continue
            if g.id not in due_ids:
                const += int(g.training_valid_until is not None and d <= g.training_valid_until)
                continue
            still_valid = g.training_valid_until is not None and d <= g.training_valid_until
            slots = by_guard.get(g.id, [])
            if still_valid:  # available unless his cohort runs that day
                const += 1
                terms += [-v for c, v in slots if starts[c] <= d <= ends[c]]
            else:  # available only once trained
                terms += [v for c, v in slots if ends[c] < d]
        gap = m.new_int_var(0, need, f"s{zone}_{d}")
        slack[(zone, d)] = gap
        m.add(const + sum(terms) + gap >= need)
    m.minimize(
        SHORT_WEIGHT * sum(slack.values())
        + COHORT_WEIGHT * sum(used)
        + LATE_WEIGHT * sum(w * v for w, v in late_terms)
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = opt.time_limit_s
    solver.parameters.num_workers = opt.num_workers
    solver.parameters.random_seed = opt.random_seed
    status = solver.solve(m)
    wall = _time.monotonic() - began
    if status == cp_model.INFEASIBLE:
        return PlanResult("infeasible", reasons=(_capacity_reason(inputs),), wall_time_s=wall)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        reason = PlanReason(
            "solver_unknown",
            f"在 {opt.time_limit_s:g} 秒的时间上限内未找到方案，请放宽时间上限或缩短周期",
            f"no plan found within the {opt.time_limit_s:g} s time limit",
        )
        return PlanResult("unknown", reasons=(reason,), wall_time_s=wall)
    cohorts = []
    for c, s in enumerate(starts):
        ids = tuple(sorted(gid for (gid, k), v in x.items() if k == c and solver.value(v)))
        if ids:
            cohorts.append(PlannedCohort(s, ends[c], ids))
    short = {k: solver.value(v) for k, v in slack.items()}
    objective = float(solver.objective_value)
    bound = float(solver.best_objective_bound)
    optimal = status == cp_model.OPTIMAL
    if any(short.values()):
        counts = count_available(inputs, cohorts)
        reasons = _shortage_reasons(inputs, short, counts)
        return PlanResult(
            "infeasible",
            reasons=tuple(reasons),
            objective=objective,
            best_bound=bound,
            optimal=optimal,
            wall_time_s=wall,
        )
    return PlanResult(
        "ok",
        cohorts=tuple(cohorts),
        margins=_margins(inputs, cohorts),
        extra={"variables": len(x), "candidates": len(starts)},
        objective=objective,
        best_bound=bound,
        optimal=optimal,
        wall_time_s=wall,
    )


def _capacity_reason(inputs: PlanInputs) -> PlanReason:
    """The only hard limits left once coverage may fall short: cohort count, size and overlap."""
    n = len(inputs.due)
    slots = len(inputs.candidate_starts)
    # At most max_parallel cohorts at a time: non-overlapping starts per track.
    per_track = 1 + (inputs.cycle_days - inputs.cohort_days) // max(inputs.cohort_days, inputs.start_step)
    most = min(slots, per_track * inputs.max_parallel) * inputs.capacity
    return PlanReason(
        "capacity",
        f"到期需参训的保安 {n} 名，但周期内最多能开约 {min(slots, per_track * inputs.max_parallel)} 期、"
        f"每期至多 {inputs.capacity} 人（约 {most} 个名额），或每期至少 {inputs.min_size} 人的要求无法满足；"
        "请增加每期人数、允许同时开班或延长周期",
        f"{n} guards are due, but the cycle holds about {most} places "
        f"(cohorts of at most {inputs.capacity}, at least {inputs.min_size})",
        short=max(0, n - most),
    )


def _margins(inputs: PlanInputs, cohorts: Iterable[PlannedCohort]) -> tuple[ZoneMargin, ...]:
    """Per zone, the day with the least room (available − need), for the planner page."""
    counts = count_available(inputs, cohorts)
    out = []
    for zone in inputs.zones:
        keys = [(z, d) for z, d in inputs.needs if z == zone]
        if not keys:
            continue
        z, d = min(keys, key=lambda k: (counts[k] - inputs.needs[k], k[1]))
        out.append(ZoneMargin(zone, d, inputs.needs[(z, d)], counts[(z, d)]))
    return tuple(out)
