"""Solving a roster with CP-SAT, always under a time limit, and what comes back.

The result reports the status, the objective against the best bound and the gap, the wall
time and the time to the first solution (recorded by a solution callback), and either the
assignments or the reasons coverage cannot be met.
"""

from __future__ import annotations

import time as clock
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from ortools.sat.python import cp_model

from zhengyi.alliances.rostering_cpsat import RosterModel, build_model
from zhengyi.alliances.rostering_explain import explain_conflict, precheck
from zhengyi.alliances.rostering_model import Absence, Assignment, Guard, PastShift, Reason, RosterInputs
from zhengyi.alliances.rostering_text import reason, shift_label, zone_label

Status = Literal["optimal", "feasible", "infeasible", "unknown"]
_STATUS: dict[object, Status] = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
}


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit_s: float = 10.0
    num_workers: int = 2  # the station's machines have two cores
    random_seed: int = 0
    objective: bool = True  # False: feasibility only (any roster that keeps the rules)
    stop_after_first_solution: bool = False
    precheck: bool = True  # skip the solver when counting alone proves coverage impossible
    explain: bool = True  # when infeasible, name the conflicting needs (extra solves)
    explain_time_limit_s: float = 10.0
    log_search: bool = False
    # Further CP-SAT parameters by name, e.g. (("linearization_level", 0),), for experiments.
    cp_sat: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not (self.time_limit_s > 0 and self.num_workers >= 1):
            raise ValueError("a positive time limit and at least one worker are required")


@dataclass(frozen=True)
class RosterResult:
    status: Status
    assignments: tuple[Assignment, ...] = ()
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None  # |objective − bound| / max(1, |objective|), as CP-SAT defines it
    wall_time_s: float = 0.0  # build + solve (+ explanation)
    build_s: float = 0.0
    first_solution_s: float | None = None  # from the start of the solve
    solutions: int = 0
    terms: Mapping[str, int] = field(default_factory=dict)  # unweighted objective terms
    reasons: tuple[Reason, ...] = ()
    variables: int = 0
    hinted: int = 0  # hinted assignments that exist in the model

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")


class _Recorder(cp_model.CpSolverSolutionCallback):
    """Records when the first solution arrives (and counts improving solutions)."""

    def __init__(self, t0: float) -> None:
        super().__init__()
        self.t0 = t0
        self.first: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = clock.perf_counter() - self.t0
        self.count += 1


def solve_roster(inputs: RosterInputs, options: SolveOptions | None = None) -> RosterResult:
    opt = options or SolveOptions()
    t0 = clock.perf_counter()
    if opt.precheck:
        found = precheck(inputs)
        if found:
            return RosterResult("infeasible", reasons=tuple(found), wall_time_s=clock.perf_counter() - t0)
    rm = build_model(inputs, objective=opt.objective)
    t1 = clock.perf_counter()
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = opt.time_limit_s
    p.num_workers = opt.num_workers
    p.random_seed = opt.random_seed
    p.stop_after_first_solution = opt.stop_after_first_solution
    p.log_search_progress = opt.log_search
    for name, value in opt.cp_sat:
        setattr(p, name, value)
    recorder = _Recorder(clock.perf_counter())
    status = _STATUS.get(solver.solve(rm.model, recorder), "unknown")
    t2 = clock.perf_counter()
    common = {
        "build_s": t1 - t0,
        "variables": len(rm.x),
        "hinted": rm.hinted,
        "solutions": recorder.count,
        "first_solution_s": recorder.first,
    }
    if status in ("optimal", "feasible"):
        obj = bound = gap = None
        if rm.model.has_objective():
            obj, bound = solver.objective_value, solver.best_objective_bound
            gap = abs(obj - bound) / max(1.0, abs(obj))
        return RosterResult(
            status,
            tuple(rm.assignments(solver, inputs)),
            obj,
            bound,
            gap,
            wall_time_s=t2 - t0,
            terms=_terms(rm, solver),
            **common,  # type: ignore[arg-type]
        )
    reasons: list[Reason] = []
    if status == "infeasible" and opt.explain:
        reasons = explain_conflict(
            inputs,
            time_limit_s=opt.explain_time_limit_s,
            num_workers=opt.num_workers,
            seed=opt.random_seed,
        )
        if not opt.precheck:
            reasons = precheck(inputs) + reasons
    elif status == "unknown":
        reasons = [reason(inputs, "solver_unknown", limit=opt.time_limit_s)]
    return RosterResult(
        status,
        reasons=tuple(reasons),
        wall_time_s=clock.perf_counter() - t0,
        **common,  # type: ignore[arg-type]
    )


def _terms(rm: RosterModel, solver: cp_model.CpSolver) -> dict[str, int]:
    return {name: int(solver.value(expr)) for name, expr in rm.terms.items()}


def coverage_gaps(
    inputs: RosterInputs,
    away: Mapping[str, Iterable[Absence]],
    *,
    verify: bool = False,
    options: SolveOptions | None = None,
) -> list[Reason]:
    """Which zones would be under coverage if these guards were away on these days.

    For the training planner: ``away`` maps guard ids to extra absences (e.g. a cohort's
    two weeks, reason "training"). The counting pre-check runs always (fast, and whatever it
    reports is certain); with ``verify`` a feasibility solve settles the rest. Empty: no gap
    found (with ``verify``: every need can be met). Each reason names its zone(s)
    (``Reason.zones``), shift and day(s).
    """
    extra = {g: tuple(a) for g, a in away.items()}
    unknown = set(extra) - set(inputs.guard_by_id)
    if unknown:
        raise ValueError(f"unknown guard ids: {sorted(unknown)}")
    guards = tuple(replace(g, absences=g.absences + extra.get(g.id, ())) for g in inputs.guards)
    changed = replace(inputs, guards=guards, hint=())
    found = precheck(changed)
    if found or not verify:
        return found
    opt = replace(options or SolveOptions(), objective=False, stop_after_first_solution=True, precheck=False)
    return list(solve_roster(changed, opt).reasons)


# ---------------------------------------------------------------- across periods, export


def history_from_roster(roster: Iterable[Assignment], inputs: RosterInputs) -> tuple[PastShift, ...]:
    """The shifts of a finished period, in the form the next period's rules read."""
    out = []
    for a in roster:
        t = inputs.shift_by_key[(a.zone, a.shift)]
        out.append(PastShift(a.guard_id, t.start_on(a.day), t.end_on(a.day), t.is_night))
    return tuple(sorted(out, key=lambda p: (p.start, p.guard_id)))


def hint_from_previous(
    previous: Sequence[Assignment], inputs: RosterInputs, *, offset_days: int | None = None
) -> tuple[Assignment, ...]:
    """The previous roster moved onto this period, to hint the solver and reward stability.

    By default it moves by the whole weeks between the two periods' starts, so each guard
    keeps the same weekdays (and weekend pattern) where the rules allow.
    """
    if not previous:
        return ()
    if offset_days is None:
        offset_days = (inputs.start - min(a.day for a in previous)).days // 7 * 7
    step = timedelta(days=offset_days)
    moved = (replace(a, day=a.day + step) for a in previous)
    return tuple(
        sorted(
            a
            for a in moved
            if inputs.start <= a.day <= inputs.end
            and (a.zone, a.shift) in inputs.shift_by_key
            and a.guard_id in inputs.guard_by_id
        )
    )


@dataclass(frozen=True, slots=True)
class RosterRow:
    guard_id: str
    guard_name: str
    day: date
    zone: str
    zone_name: str
    shift: str
    shift_name: str
    start: datetime
    end: datetime
    is_night: bool

    def as_strings(self, lang: str = "zh") -> tuple[str, ...]:
        return (
            self.guard_id,
            self.guard_name,
            self.day.isoformat(),
            self.zone_name,
            self.shift_name,
            self.start.strftime("%Y-%m-%d %H:%M"),
            self.end.strftime("%Y-%m-%d %H:%M"),
            ("yes" if lang == "en" else "是") if self.is_night else "",
        )


ROW_HEADERS = ("保安编号", "姓名", "日期", "区域", "班次", "开始", "结束", "夜班")
ROW_HEADERS_EN = ("guard id", "name", "date", "zone", "shift", "start", "end", "night")


def roster_rows(roster: Iterable[Assignment], inputs: RosterInputs, lang: str = "zh") -> list[RosterRow]:
    """One row per assignment, by date, start time, zone, shift and guard, for CSV or Excel."""
    rows = []
    for a in roster:
        t = inputs.shift_by_key[(a.zone, a.shift)]
        g: Guard | None = inputs.guard_by_id.get(a.guard_id)
        rows.append(
            RosterRow(
                a.guard_id,
                g.name if g else "",
                a.day,
                a.zone,
                zone_label(inputs, a.zone, lang),
                a.shift,
                shift_label(inputs, a.zone, a.shift, lang),
                t.start_on(a.day),
                t.end_on(a.day),
                t.is_night,
            )
        )
    rows.sort(key=lambda r: (r.day, r.start, r.zone, r.shift, r.guard_id))
    return rows
