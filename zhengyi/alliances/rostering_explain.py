"""Why coverage cannot be met, in words a station can act on.

Two stages. The **pre-check** is plain counting and needs no solver; each test is a
*necessary* condition for a roster to exist, so whatever it reports is certainly a cause:

1. per (zone, shift, day): fewer guards eligible that day than needed — with who is out
   and why (on training, certificate expired …), counted once per guard, first cause first;
2. per day: a group of needs that together need more guards than there are distinct
   guards able to take any of them, one shift a day each (Hall's condition on a maximum
   bipartite matching of needed places to guards; the group is the set the matching
   cannot saturate);
3. per calendar week, per zone and for all zones: more guard-shifts needed than the eligible
   guards can work at their weekly limit;
4. per period (when it fits in one night window), per zone and for all zones: more nights
   needed than the guards' remaining night allowance.

If the pre-check passes but the model is still infeasible, the conflict lies in how the
rules chain across days (rest after a night, the seventh day in a row …). Then each need's
coverage is put behind its own literal, the literals are passed to CP-SAT as assumptions,
and ``SufficientAssumptionsForInfeasibility`` names a set of needs that cannot all be met;
the set is shrunk by deletion while time allows, and a last small solve tells how many of
its guard-shifts can be covered at most.
"""

from __future__ import annotations

import time as clock
from collections import Counter, defaultdict
from datetime import date, timedelta

import numpy as np
from ortools.sat.python import cp_model
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from zhengyi.alliances.rostering_cpsat import NeedKey, build_model
from zhengyi.alliances.rostering_model import Guard, Reason, RosterInputs, blocker, monday
from zhengyi.alliances.rostering_text import reason

Eligible = dict[tuple[str, str, date], set[str]]


def precheck(inputs: RosterInputs) -> list[Reason]:
    """Causes of infeasibility found by counting alone (empty: none found — not a proof)."""
    by_zone: dict[str, list[Guard]] = defaultdict(list)
    for g in inputs.guards:
        for z in g.zones:
            by_zone[z].append(g)
    out: list[Reason] = []
    eligible: Eligible = {}
    for (zone, shift, day), need in sorted(inputs.demand.items(), key=lambda kv: (kv[0][2], kv[0][:2])):
        t = inputs.shift_by_key[(zone, shift)]
        ok: set[str] = set()
        blocked: Counter[str] = Counter()
        for g in by_zone.get(zone, ()):
            b = blocker(inputs, g, t, day)
            if b is None:
                ok.add(g.id)
            else:
                blocked[b] += 1
        eligible[(zone, shift, day)] = ok
        if len(ok) >= need:
            continue
        if not by_zone.get(zone):
            out.append(
                reason(
                    inputs, "no_qualified_guard", dates=(day,), zone=zone, shift=shift, need=need, available=0
                )
            )
        else:
            out.append(
                reason(
                    inputs,
                    "too_few_eligible",
                    dates=(day,),
                    zone=zone,
                    shift=shift,
                    need=need,
                    available=len(ok),
                    qualified=len(by_zone[zone]),
                    blocked=dict(blocked.most_common()),
                )
            )
    for day in inputs.dates:
        if not any(r.dates[0] == day for r in out):
            out.extend(_day_overload(inputs, day, eligible, by_zone))
    # The capacity arguments are weaker: only where no single day already explains the week.
    short_weeks = {monday(r.dates[0]) for r in out}
    out.extend(_week_capacity(inputs, eligible, short_weeks))
    if not out:
        out.extend(_night_capacity(inputs, eligible))
    return out


def _day_overload(
    inputs: RosterInputs, day: date, eligible: Eligible, by_zone: dict[str, list[Guard]]
) -> list[Reason]:
    needs = [(z, s, n) for (z, s, d), n in inputs.demand.items() if d == day]
    if len(needs) < 2:
        return []  # one need alone is the per-shift count above
    ids = sorted(set().union(*(eligible[(z, s, day)] for z, s, _ in needs)))
    col = {gid: i for i, gid in enumerate(ids)}
    rows: list[int] = []
    cols: list[int] = []
    slot_need: list[int] = []
    for k, (z, s, n) in enumerate(needs):
        for _ in range(n):
            r = len(slot_need)
            slot_need.append(k)
            for gid in eligible[(z, s, day)]:
                rows.append(r)
                cols.append(col[gid])
    if not slot_need or not ids:
        return []
    graph = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(len(slot_need), len(ids)))
    match = maximum_bipartite_matching(graph, perm_type="column")  # slot -> guard or -1
    if (match >= 0).all():
        return []
    # Alternating search from the unmatched places: the places reached share too few guards.
    slot_of_guard = np.full(len(ids), -1)
    slot_of_guard[match[match >= 0]] = np.nonzero(match >= 0)[0]
    seen_slots = set(np.nonzero(match < 0)[0].tolist())
    seen_guards: set[int] = set()
    frontier = list(seen_slots)
    while frontier:
        r = frontier.pop()
        for c in graph.indices[graph.indptr[r] : graph.indptr[r + 1]].tolist():
            if c in seen_guards:
                continue
            seen_guards.add(c)
            r2 = int(slot_of_guard[c])
            if r2 >= 0 and r2 not in seen_slots:
                seen_slots.add(r2)
                frontier.append(r2)
    group = sorted({slot_need[r] for r in seen_slots})
    zs = [(needs[k][0], needs[k][1], day, needs[k][2]) for k in group]
    able = set().union(*(eligible[(z, s, day)] for z, s, _, _ in zs))
    # Who else is qualified for these needs but out that day, and why (first cause).
    blocked: Counter[str] = Counter()
    seen = set(able)
    for z, s, _, _ in zs:
        t = inputs.shift_by_key[(z, s)]
        for g in by_zone.get(z, ()):
            if g.id not in seen:
                seen.add(g.id)
                b = blocker(inputs, g, t, day)
                if b is not None:
                    blocked[b] += 1
    total = sum(n for *_, n in zs)
    return [
        reason(
            inputs,
            "day_overload",
            dates=(day,),
            needs=zs,
            total=total,
            available=len(able),
            blocked=dict(blocked.most_common()),
        )
    ]


def _weeks(inputs: RosterInputs) -> dict[date, list[date]]:
    out: dict[date, list[date]] = defaultdict(list)
    for d in inputs.dates:
        out[monday(d)].append(d)
    return out


def _week_capacity(inputs: RosterInputs, eligible: Eligible, skip: set[date]) -> list[Reason]:
    rules = inputs.rules
    out = []
    # "All zones" only adds something when there are several zones.
    zones: list[str | None] = [*inputs.zone_codes] + ([None] if len(inputs.zone_codes) > 1 else [])
    for week, days in _weeks(inputs).items():
        if week in skip:
            continue
        for zone in zones:
            keys = [k for k in inputs.demand if k[2] in days and (zone is None or k[0] == zone)]
            total = sum(inputs.demand[k] for k in keys)
            if not total:
                continue
            work_days: dict[str, set[date]] = defaultdict(set)
            for k in keys:
                for g in eligible[k]:
                    work_days[g].add(k[2])
            # In a run of n days at most n - n // (c + 1) can be worked with c in a row at most.
            span = len(days)
            in_a_row = span - span // (rules.max_consecutive_days + 1)
            capacity = 0
            for g, ds in work_days.items():
                left = rules.max_shifts_per_week - inputs.past_of(g).worked_in(week, week + timedelta(days=6))
                capacity += max(0, min(len(ds), left, in_a_row))
            if total > capacity:
                out.append(
                    reason(
                        inputs,
                        "week_capacity",
                        dates=(week,),
                        zone=zone,
                        week=week,
                        total=total,
                        capacity=capacity,
                        guards=len(work_days),
                        max=rules.max_shifts_per_week,
                    )
                )
    return out


def _night_capacity(inputs: RosterInputs, eligible: Eligible) -> list[Reason]:
    rules = inputs.rules
    if inputs.days > rules.night_window_days:
        return []  # the period spans several windows: left to the solver's explanation
    first = inputs.end - timedelta(days=rules.night_window_days - 1)
    out = []
    for zone in [*inputs.zone_codes] + ([None] if len(inputs.zone_codes) > 1 else []):
        keys = [
            k for k in inputs.demand if inputs.shift_by_key[k[:2]].is_night and (zone is None or k[0] == zone)
        ]
        total = sum(inputs.demand[k] for k in keys)
        if not total:
            continue
        nights: dict[str, set[date]] = defaultdict(set)
        for k in keys:
            for g in eligible[k]:
                nights[g].add(k[2])
        capacity = sum(
            max(
                0,
                min(len(ds), rules.max_nights_per_window - inputs.past_of(g).nights_in(first, inputs.start)),
            )
            for g, ds in nights.items()
        )
        if total > capacity:
            out.append(
                reason(
                    inputs,
                    "night_capacity",
                    dates=(inputs.start,),
                    zone=zone,
                    total=total,
                    capacity=capacity,
                    guards=len(nights),
                    max=rules.max_nights_per_window,
                    window=rules.night_window_days,
                )
            )
    return out


def explain_conflict(
    inputs: RosterInputs, *, time_limit_s: float = 10.0, num_workers: int = 2, seed: int = 0
) -> list[Reason]:
    """Name needs that cannot all be met together (for a model the pre-check let through)."""
    deadline = clock.perf_counter() + time_limit_s
    rm = build_model(inputs, objective=False, assumptions=True)
    lit_of = {v.index: k for k, v in rm.need_lits.items()}

    def infeasible_core(keys: list[NeedKey]) -> list[NeedKey] | None:
        """The sufficient subset if ``keys`` conflict, None if they can all be met or time ran out."""
        left = deadline - clock.perf_counter()
        if left <= 0:
            return None
        rm.model.clear_assumptions()
        rm.model.add_assumptions([rm.need_lits[k] for k in keys])
        solver = _solver(left, num_workers, seed)
        if solver.solve(rm.model) != cp_model.INFEASIBLE:
            return None
        return [lit_of[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in lit_of]

    core = infeasible_core(sorted(rm.need_lits))
    if core is None:
        if clock.perf_counter() >= deadline:
            return [reason(inputs, "conflict_not_isolated")]
        return []
    # The core of the core, while it shrinks (cheap: each solve starts from fewer needs) …
    while len(core) > 1:
        smaller = infeasible_core(core)
        if smaller is None or len(smaller) >= len(core):
            break
        core = smaller
    # … then deletion: drop each need in turn; if the rest still conflict, it was not needed.
    i = 0
    while i < len(core) and clock.perf_counter() < deadline:
        trial = core[:i] + core[i + 1 :]
        smaller = infeasible_core(trial) if trial else None
        if smaller is not None:
            core = [k for k in trial if k in set(smaller)] or trial
        else:
            i += 1
    core.sort(key=lambda k: (k[2], k[0], k[1]))
    needs = [(z, s, inputs.dates[d], inputs.demand[(z, s, inputs.dates[d])]) for z, s, d in core]
    return [
        reason(
            inputs,
            "conflicting_needs",
            dates=tuple(sorted({n[2] for n in needs})),
            zone=needs[0][0] if len({n[0] for n in needs}) == 1 else None,
            needs=needs,
            total=sum(n[3] for n in needs),
            coverable=_coverable(inputs, set(core), deadline, num_workers, seed),
        )
    ]


def _solver(time_limit_s: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = time_limit_s
    p.num_workers = workers
    p.random_seed = seed
    # Conflicts between needs are mostly counting (pigeonhole) arguments, which clause
    # learning alone proves slowly; the full linear relaxation sees them at once.
    p.linearization_level = 2
    return solver


def _coverable(
    inputs: RosterInputs, core: set[NeedKey], deadline: float, workers: int, seed: int
) -> int | None:
    """At most how many of the core's guard-shifts can be filled (the bound: always an upper limit)."""
    left = deadline - clock.perf_counter()
    if left <= 0:
        return None
    rm = build_model(inputs, objective=False, only_needs=core, maximise_coverage=True)
    solver = _solver(max(left, 0.5), workers, seed)
    status = solver.solve(rm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return int(solver.best_objective_bound + 1e-6)
