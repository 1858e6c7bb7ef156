"""Guard roster: first valid roster vs the feasibility-only solve (DESIGN.md §7).

    .venv/bin/python bench/roster.py [--guards 200 --days 28 --zones 10 --time-limit 30 --repeat 3 --seed 7]

Generates a deterministic (seeded) instance — 200 guards, 28 days, 10 zones with day, evening
and night shifts, a training cohort away for two weeks, some leave, certificates and training
running out, history from the previous period, tight coverage needs — then, in the same run,
interleaved, ``--repeat`` times each:

  (a) the feasibility-only solve of the same model (no objective, stops at its first
      solution): the ceiling;
  (b) the full model (objective included), stopped at its first solution: the time to the
      first valid roster, measured by the solution callback.

Both times are from the start of ``Solve`` (model building is printed apart; it is the same
code for both). Then (c) one full solve to ``--time-limit`` reports objective, bound, gap and
its own time to first solution, and every roster found is checked with ``check_roster``.
It reports; it does not judge: the exit status is 0 either way.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from importlib.metadata import version

from zhengyi.alliances.rostering import (
    Absence,
    CoverageNeed,
    Guard,
    PastShift,
    RosterInputs,
    RosterResult,
    ShiftTemplate,
    SolveOptions,
    Zone,
    check_roster,
    solve_roster,
)
from zhengyi.alliances.rostering_cpsat import build_model
from zhengyi.alliances.rostering_model import blocker, monday

BAR = 3.0
START = date(2026, 11, 30)  # a Monday
ZONES = [
    ("coco", "CoCo Park 酒吧街", "CoCo Park bar street", True),
    ("gwgy", "购物公园", "Shopping Park", True),
    ("zxc", "中心城", "Central City", False),
    ("hzzx", "会展中心", "Convention Centre", False),
    ("gx", "岗厦", "Gangxia", False),
    ("ftc", "福田村", "Futian Village", False),
    ("htgc", "皇庭广场", "Huangting Plaza", False),
    ("lkl", "空中连廊", "Skywalk", False),
    ("dxj", "地下商业街", "Underground street", False),
    ("lhs", "莲花山", "Lianhuashan", False),
]
SHIFTS = [
    ("D", "日班", "day", dtime(7), dtime(15), False),
    ("E", "中班", "evening", dtime(15), dtime(23), False),
    ("N", "夜班", "night", dtime(23), dtime(7), True),
]


def instance(guards: int, days: int, zones: int, seed: int) -> RosterInputs:
    rng = random.Random(seed)
    zs = [ZONES[i % len(ZONES)] for i in range(zones)]
    codes = [f"{z[0]}{i // len(ZONES) or ''}" for i, z in enumerate(zs)]
    shifts = tuple(
        ShiftTemplate(c, s, a, b, night, name=n, name_en=ne)
        for c in codes
        for s, n, ne, a, b, night in SHIFTS
    )
    people = []
    for i in range(guards):
        home = i % zones
        qualified = {codes[home]}
        # Most guards also know a neighbouring zone: the pool the solver can move between.
        for step in (1, -1):
            if rng.random() < 0.45:
                qualified.add(codes[(home + step) % zones])
        absences: list[Absence] = []
        if (i // zones) % 10 == 3:  # a two-week training cohort (10 %, every zone) in the middle
            absences.append(Absence(START + timedelta(days=7), START + timedelta(days=20), "training"))
        elif rng.random() < 0.08:
            first = START + timedelta(days=rng.randrange(days))
            absences.append(Absence(first, first + timedelta(days=rng.randrange(1, 4)), "leave"))
        far = START + timedelta(days=365)
        cert = START + timedelta(days=rng.randrange(days)) if rng.random() < 0.02 else far
        training = START + timedelta(days=rng.randrange(days)) if rng.random() < 0.02 else far
        pref = 18 if rng.random() < 0.1 else None
        people.append(Guard(f"G{i:03d}", frozenset(qualified), cert, training, tuple(absences), pref))
    history = []
    for g in people:
        # The end of the previous period: a run of the same shift (rest-valid), ending
        # yesterday or the day before, some of them nights.
        *_, a, _, night = SHIFTS[rng.randrange(3)]
        end_gap, run = rng.randrange(1, 3), rng.randrange(0, 6)
        for k in range(run):
            d = START - timedelta(days=end_gap + k)
            s = datetime.combine(d, a)
            history.append(PastShift(g.id, s, s + timedelta(hours=8), night))
    needs = []
    for c, (_, _, _, nightlife) in zip(codes, zs, strict=True):
        needs += [CoverageNeed(c, "D", 4), CoverageNeed(c, "E", 4), CoverageNeed(c, "N", 3)]
        if nightlife:  # bar streets: more in the evening and at night on Friday and Saturday
            needs += [
                CoverageNeed(c, "E", 5, weekdays=frozenset({4, 5})),
                CoverageNeed(c, "N", 4, weekdays=frozenset({4, 5})),
            ]
    hzzx = [c for c, z in zip(codes, zs, strict=True) if z[0] == "hzzx"]
    for c in hzzx:  # a show at the convention centre: two busy days a week
        show = frozenset(START + timedelta(days=d) for d in range(days) if d % 7 in (2, 3))
        needs.append(CoverageNeed(c, "D", 6, dates=show))
    return RosterInputs(
        START,
        days,
        shifts,
        tuple(needs),
        tuple(people),
        zones=tuple(Zone(c, z[1], z[2]) for c, z in zip(codes, zs, strict=True)),
        history=tuple(history),
    )


def busiest_week(inputs: RosterInputs) -> tuple[date, int, int]:
    """(Monday, guard-shifts needed, most the eligible guards can work that week): how tight."""
    out = []
    for first in sorted({monday(d) for d in inputs.dates}):
        days = [d for d in inputs.dates if monday(d) == first]
        need = sum(n for (_, _, d), n in inputs.demand.items() if d in days)
        cap = 0
        for g in inputs.guards:
            able = sum(
                1
                for d in days
                if any(
                    blocker(inputs, g, inputs.shift_by_key[(z, s)], d) is None
                    for (z, s, dd) in inputs.demand
                    if dd == d and z in g.zones
                )
            )
            left = inputs.rules.max_shifts_per_week - inputs.past_of(g.id).worked_in(
                first, first + timedelta(days=6)
            )
            cap += max(0, min(able, left))
        out.append((need / cap if cap else float("inf"), first, need, cap))
    _, first, need, cap = max(out)
    return first, need, cap


def run(inputs: RosterInputs, **kw: object) -> RosterResult:
    return solve_roster(inputs, SolveOptions(precheck=False, explain=False, **kw))  # type: ignore[arg-type]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guards", type=int, default=200)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--zones", type=int, default=10)
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds for the full solve (c)")
    ap.add_argument("--first-limit", type=float, default=60.0, help="seconds allowed to (a) and (b)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    t0 = time.perf_counter()
    inputs = instance(args.guards, args.days, args.zones, args.seed)
    t1 = time.perf_counter()
    rm = build_model(inputs)
    t2 = time.perf_counter()
    need = sum(inputs.demand.values())
    print(f"python {platform.python_version()}, ortools {version('ortools')}, {args.workers} workers")
    print(
        f"instance (seed {args.seed}): {len(inputs.guards)} guards × {inputs.days} days × "
        f"{len(inputs.shifts) // len(inputs.zone_codes)} shifts × {len(inputs.zone_codes)} zones; "
        f"{need:,} guard-shifts needed ({need / (len(inputs.guards) * inputs.days):.0%} of guard-days; "
        f"the weekly cap allows ≤ {5 / 7:.0%}), {len(inputs.history)} history shifts"
    )
    week, week_need, week_cap = busiest_week(inputs)
    print(
        f"tightest week {week}: {week_need} guard-shifts needed of at most {week_cap} the eligible guards "
        f"can work at 5 a week ({week_need / week_cap:.0%})"
    )
    print(
        f"model: {len(rm.x):,} assignment variables, {len(rm.model.proto.constraints):,} constraints; "
        f"generate {1e3 * (t1 - t0):.0f} ms, build {1e3 * (t2 - t1):.0f} ms"
    )
    feas: list[float] = []
    first: list[float] = []
    for k in range(args.repeat):
        arms = [
            ("a", dict(objective=False, stop_after_first_solution=True)),
            ("b", dict(objective=True, stop_after_first_solution=True)),
        ]
        for name, kw in arms[k % 2 :] + arms[: k % 2]:  # alternate which arm goes first
            r = run(inputs, time_limit_s=args.first_limit, num_workers=args.workers, random_seed=k, **kw)
            bad = len(check_roster(r.assignments, inputs)) if r.ok else None
            t = r.first_solution_s
            print(
                f"  run {k + 1} ({name}): {r.status:10} first solution "
                f"{'—' if t is None else f'{t:6.2f} s'} (build {r.build_s:.2f} s), violations {bad}"
            )
            if t is not None:
                (feas if name == "a" else first).append(t)
    full = run(inputs, time_limit_s=args.time_limit, num_workers=args.workers, random_seed=args.seed)
    bad = len(check_roster(full.assignments, inputs)) if full.ok else None
    print(f"{'':48}{'median':>10}{'min':>10}")
    if feas:
        print(
            f"{'(a) feasibility-only solve (ceiling)':48}{statistics.median(feas):>9.2f}s{min(feas):>9.2f}s"
        )
    if first:
        print(
            f"{'(b) first valid roster, full objective':48}{statistics.median(first):>9.2f}s{min(first):>9.2f}s"
        )
    print(
        f"(c) full solve, {args.time_limit:g} s limit: {full.status}, first solution "
        f"{full.first_solution_s if full.first_solution_s is None else round(full.first_solution_s, 2)} s, "
        f"{full.solutions} solutions, stopped after {full.wall_time_s - full.build_s:.1f} s, violations {bad}"
    )
    if full.objective is not None and full.best_bound is not None and full.gap is not None:
        print(
            f"    objective {full.objective:g}, bound {full.best_bound:g}, "
            f"gap {full.objective - full.best_bound:g} ({full.gap:.1%} of the objective); "
            f"terms (unweighted) {dict(full.terms)}"
        )
    if feas and first:
        ratio = statistics.median(first) / statistics.median(feas)
        verdict = "within" if ratio <= BAR else "OVER"
        print(f"ratio (b)/(a): {ratio:.2f}× median")
        print(f"DESIGN bar: ≤ {BAR:.0f}× — {verdict} the bar")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
