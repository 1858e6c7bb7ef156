"""The CP-SAT model of a duty roster: variables, hard rules as constraints, soft objective.

One Boolean ``x[g, d, zone, shift]`` per guard, day and needed shift, created only where
:func:`rostering_model.blocker` allows it (qualified, certificate and training valid, not
away, not ruled out by the previous period) — ineligibility never enters the search, which
keeps the model small and makes "who may work" a single decision shared with the checker.

Constraints, all over the guard's *working-day* literal ``w[g, d]`` (one shift a day makes
"worked that day" and "shifts that day" the same 0/1 number):

* one shift a day: ``w[g, d] == Σ x[g, d, ·]``;
* rest: for each pair of shift times (start, end) that rest less than the minimum when the
  second starts k days after the first, at most one of the two on (d, d + k) — computed
  from real clock times, so a 23:00–07:00 night forbids next morning's 07:00 shift;
* consecutive days: every window of ``max + 1`` days touching the period holds at most
  ``max`` working days, history days counted;
* weekly: each Monday–Sunday week at most ``max`` shifts, history shifts of that week
  counted;
* nights: each rolling window of ``night_window_days`` ending in the period at most the cap,
  history nights counted;
* coverage: exactly the needed number per (zone, shift, day) — a roster with spare guards
  can always drop them without breaking a rule, so "at least" would only enlarge the search.

Where history alone already breaks a limit, the right-hand side is clamped at 0: the guard
simply cannot work more in that window, rather than the whole model being infeasible.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from ortools.sat.python import cp_model

from zhengyi.alliances.rostering_model import (
    WEEKEND,
    Assignment,
    Guard,
    RosterInputs,
    ShiftTemplate,
    blocker,
    monday,
    rest_conflicts,
)

Key = tuple[str, int, str, str]  # guard id, day index, zone, shift
NeedKey = tuple[str, str, int]  # zone, shift, day index
Sig = tuple[time, time]


@dataclass
class RosterModel:
    model: cp_model.CpModel
    x: dict[Key, cp_model.IntVar] = field(default_factory=dict)
    # Per need: the literal that switches its coverage on (only with assumptions).
    need_lits: dict[NeedKey, cp_model.IntVar] = field(default_factory=dict)
    cover: dict[NeedKey, list[cp_model.IntVar]] = field(default_factory=dict)
    terms: dict[str, cp_model.LinearExprT] = field(default_factory=dict)  # weighted in the objective
    hinted: int = 0

    def assignments(
        self, solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback, inputs: RosterInputs
    ) -> list[Assignment]:
        return sorted(
            Assignment(g, inputs.dates[d], z, s)
            for (g, d, z, s), v in self.x.items()
            if solver.boolean_value(v)
        )


Lits = list[cp_model.IntVar]


@dataclass
class _Index:
    """The assignment literals grouped the ways the constraints read them."""

    by_day: dict[tuple[str, int], Lits] = field(default_factory=lambda: defaultdict(list))
    by_times: dict[tuple[str, int, Sig], Lits] = field(default_factory=lambda: defaultdict(list))
    nights: dict[tuple[str, int], Lits] = field(default_factory=lambda: defaultdict(list))
    templates: dict[Sig, ShiftTemplate] = field(default_factory=dict)


def build_model(
    inputs: RosterInputs,
    *,
    objective: bool = True,
    assumptions: bool = False,
    only_needs: set[NeedKey] | None = None,
    maximise_coverage: bool = False,
) -> RosterModel:
    """The roster model; ``assumptions`` puts each need's coverage behind its own literal,
    ``only_needs`` keeps a subset of the needs, ``maximise_coverage`` asks how many of the
    needed guard-shifts can be filled at most (both for explanations)."""
    rm = RosterModel(cp_model.CpModel())
    mode = "assume" if assumptions else "free" if maximise_coverage else "hard"
    ix = _variables(rm, inputs, only_needs, mode)
    # One shift a day; w[g, d] is the working-day literal.
    w: dict[tuple[str, int], cp_model.IntVar] = {}
    for key, lits in ix.by_day.items():
        if len(lits) == 1:
            w[key] = lits[0]
        else:
            w[key] = rm.model.new_bool_var(f"w{len(w)}")
            rm.model.add(cp_model.LinearExpr.sum(lits) == w[key])
    _rest(rm, inputs, ix)
    days_of: dict[str, list[int]] = defaultdict(list)
    for gid, di in w:
        days_of[gid].append(di)
    for gid, days in days_of.items():
        _consecutive(rm, inputs, gid, {d: w[(gid, d)] for d in days})
        _weekly(rm, inputs, gid, {d: w[(gid, d)] for d in days})
        _nights(rm, inputs, gid, {d: ix.nights[(gid, d)] for d in days if (gid, d) in ix.nights})
    if maximise_coverage:
        rm.model.maximize(cp_model.LinearExpr.sum([v for lits in rm.cover.values() for v in lits]))
    elif objective:
        _objective(rm, inputs, w, ix.nights)
    _hint(rm, inputs)
    return rm


def _variables(rm: RosterModel, inputs: RosterInputs, only_needs: set[NeedKey] | None, mode: str) -> _Index:
    """One literal per eligible guard for each needed (zone, shift, day), and coverage."""
    by_zone: dict[str, list[Guard]] = defaultdict(list)
    for g in inputs.guards:
        for z in g.zones:
            by_zone[z].append(g)
    ix = _Index()
    for (zone, shift, day), need in inputs.demand.items():
        di = (day - inputs.start).days
        if only_needs is not None and (zone, shift, di) not in only_needs:
            continue
        t = inputs.shift_by_key[(zone, shift)]
        sig = (t.start, t.end)
        ix.templates.setdefault(sig, t)
        lits = []
        for g in by_zone.get(zone, ()):
            if blocker(inputs, g, t, day) is not None:
                continue
            v = rm.model.new_bool_var(f"x{len(rm.x)}")
            rm.x[(g.id, di, zone, shift)] = v
            lits.append(v)
            ix.by_day[(g.id, di)].append(v)
            ix.by_times[(g.id, di, sig)].append(v)
            if t.is_night:
                ix.nights[(g.id, di)].append(v)
        rm.cover[(zone, shift, di)] = lits
        _coverage(rm, (zone, shift, di), lits, need, mode)
    return ix


def _rest(rm: RosterModel, inputs: RosterInputs, ix: _Index) -> None:
    """Shifts on different days closer than the minimum rest: at most one of the two."""
    conflicts = rest_conflicts(ix.templates.values(), inputs.rules.min_rest)
    for (gid, di, sig), first in ix.by_times.items():
        for (sa, sb), offsets in conflicts.items():
            if sa != sig:
                continue
            for k in offsets:
                second = ix.by_times.get((gid, di + k, sb))
                if second:
                    rm.model.add_at_most_one(first + second)


def _consecutive(rm: RosterModel, inputs: RosterInputs, gid: str, w: dict[int, cp_model.IntVar]) -> None:
    """Every window of max + 1 days touching the period, history days counted."""
    span, worked = inputs.rules.max_consecutive_days, inputs.past_of(gid).worked
    for a in range(-span, inputs.days):
        inside = [w[d] for d in range(max(a, 0), a + span + 1) if d in w]
        hist = sum(1 for d in range(a, min(a + span, -1) + 1) if inputs.start + timedelta(days=d) in worked)
        cap = max(0, span - hist)
        if len(inside) > cap:
            rm.model.add(cp_model.LinearExpr.sum(inside) <= cap)


def _weekly(rm: RosterModel, inputs: RosterInputs, gid: str, w: dict[int, cp_model.IntVar]) -> None:
    """Each Monday–Sunday week, the previous period's shifts in that week counted."""
    past = inputs.past_of(gid)
    weeks: dict[date, Lits] = defaultdict(list)
    for d, v in w.items():
        weeks[monday(inputs.dates[d])].append(v)
    for first, lits in weeks.items():
        cap = max(0, inputs.rules.max_shifts_per_week - past.worked_in(first, first + timedelta(days=6)))
        if len(lits) > cap:
            rm.model.add(cp_model.LinearExpr.sum(lits) <= cap)


def _nights(rm: RosterModel, inputs: RosterInputs, gid: str, nights: dict[int, Lits]) -> None:
    """Each rolling window ending in the period, history nights counted."""
    past, rules, start = inputs.past_of(gid), inputs.rules, inputs.start
    span, yesterday = rules.night_window_days, inputs.start - timedelta(days=1)
    for e in range(inputs.days):
        s = e - span + 1
        hist = past.nights_in(start + timedelta(days=s), yesterday) if s < 0 else 0
        if e + 1 < inputs.days and s < 0 and hist <= past.nights_in(start + timedelta(days=s + 1), yesterday):
            continue  # the next window holds these days and as much history
        inside = [v for d, lits in nights.items() if s <= d <= e for v in lits]
        cap = max(0, rules.max_nights_per_window - hist)
        if len({d for d in nights if s <= d <= e}) > cap:
            rm.model.add(cp_model.LinearExpr.sum(inside) <= cap)


def _coverage(rm: RosterModel, key: NeedKey, lits: list[cp_model.IntVar], need: int, mode: str) -> None:
    """``hard``: exactly the need; ``assume``: exactly the need if the need's literal holds;
    ``free``: at most the need (for counting how much can be covered)."""
    m = rm.model
    total = cp_model.LinearExpr.sum(lits)
    if mode == "hard":
        if len(lits) < need:
            m.add_bool_or([])  # cannot be met (the pre-check says why); keeps the model honest
        else:
            m.add(total == need)
        return
    if lits:
        m.add(total <= need)
    if mode == "assume":
        lit = m.new_bool_var(f"need{len(rm.need_lits)}")
        rm.need_lits[key] = lit
        if len(lits) < need:
            m.add_bool_or([lit.Not()])
        else:
            m.add(total == need).only_enforce_if(lit)


def _objective(
    rm: RosterModel,
    inputs: RosterInputs,
    w: dict[tuple[str, int], cp_model.IntVar],
    night_lits: dict[tuple[str, int], list[cp_model.IntVar]],
) -> None:
    """Fairness as deviation from a share proportional to each guard's possible days."""
    m, wt = rm.model, inputs.weights
    start = inputs.start
    demand = {(z, s, (d - start).days): n for (z, s, d), n in inputs.demand.items()}
    demand = {k: n for k, n in demand.items() if k in rm.cover}
    night_need = sum(n for (z, s, _), n in demand.items() if inputs.shift_by_key[(z, s)].is_night)
    weekend = {d for d in range(inputs.days) if (start + timedelta(days=d)).weekday() in WEEKEND}
    weekend_need = sum(n for (_, _, d), n in demand.items() if d in weekend)
    per_guard: dict[str, list[int]] = defaultdict(list)
    for g, d in w:
        per_guard[g].append(d)

    def counts(select: dict[str, list[cp_model.LinearExprT]]) -> dict[str, cp_model.LinearExprT]:
        return {g: cp_model.LinearExpr.sum(v) for g, v in select.items() if v}

    shifts = counts({g: [w[(g, d)] for d in ds] for g, ds in per_guard.items()})
    nights = counts({g: [v for d in ds for v in night_lits.get((g, d), [])] for g, ds in per_guard.items()})
    weekends = counts({g: [w[(g, d)] for d in ds if d in weekend] for g, ds in per_guard.items()})
    avail = {g: len(ds) for g, ds in per_guard.items()}
    night_avail = {g: sum(1 for d in ds if (g, d) in night_lits) for g, ds in per_guard.items()}
    weekend_avail = {g: sum(1 for d in ds if d in weekend) for g, ds in per_guard.items()}

    def deviation(
        name: str, count: dict[str, cp_model.LinearExprT], days: dict[str, int], total: int
    ) -> None:
        pool = sum(days[g] for g in count)
        devs = []
        for g, c in count.items():
            # Anywhere between the floor and the ceiling of the fair share is perfectly fair.
            share = total * days[g] / pool if pool else 0.0
            low, high = math.floor(share), math.ceil(share)
            d = m.new_int_var(0, max(high, days[g]), f"dev_{name}_{g}")
            m.add(d >= c - high)
            m.add(d >= low - c)
            devs.append(d)
        rm.terms[name] = cp_model.LinearExpr.sum(devs)

    deviation("nights", nights, night_avail, night_need)
    deviation("weekends", weekends, weekend_avail, weekend_need)
    deviation("shifts", shifts, avail, sum(demand.values()))
    excess = []
    for g, c in shifts.items():
        pref = inputs.guard_by_id[g].preferred_max_shifts
        if pref is not None and avail[g] > pref:
            e = m.new_int_var(0, avail[g] - pref, f"over_{g}")
            m.add(e >= c - pref)
            excess.append(e)
    rm.terms["preferred_max"] = cp_model.LinearExpr.sum(excess)
    kept = [v for k, v in rm.x.items() if k in _hint_keys(inputs)]
    rm.terms["stability"] = len(kept) - cp_model.LinearExpr.sum(kept)
    weights = {
        "nights": wt.nights,
        "weekends": wt.weekends,
        "shifts": wt.shifts,
        "preferred_max": wt.preferred_max,
        "stability": wt.stability,
    }
    m.minimize(cp_model.LinearExpr.weighted_sum([rm.terms[k] for k in weights], list(weights.values())))


def _hint_keys(inputs: RosterInputs) -> set[Key]:
    return {
        (a.guard_id, (a.day - inputs.start).days, a.zone, a.shift)
        for a in inputs.hint
        if inputs.start <= a.day <= inputs.end
    }


def _hint(rm: RosterModel, inputs: RosterInputs) -> None:
    """A complete hint (1 on hinted assignments, 0 elsewhere) lets CP-SAT start from it."""
    keys = _hint_keys(inputs)
    if not keys:
        return
    for k, v in rm.x.items():
        rm.model.add_hint(v, k in keys)
    rm.hinted = sum(1 for k in keys if k in rm.x)
