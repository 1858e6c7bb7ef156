"""Property tests on random small instances (5–15 guards, 7–14 days, 1–3 zones, 1–3 shifts).

* every roster the solver returns keeps every hard rule, as the independent checker sees it,
  and meets coverage;
* an infeasible answer always comes with reasons naming zone, shift and day; whatever the
  counting pre-check claims, the solver without it agrees;
* a swap is refused exactly when the swapped roster breaks a rule, and every refusal names
  the rule, the guard (or the need) and the dates.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from zhengyi.alliances.rostering import (
    HARD_RULES,
    Assignment,
    CoverageNeed,
    RosterInputs,
    SolveOptions,
    Swap,
    blocker,
    check_roster,
    check_swap,
    precheck,
    solve_roster,
)
from zhengyi.alliances.rostering_cpsat import build_model

from .helpers import instances

# No example database: these tests must not write .hypothesis/ into the tree.
PROPS = settings(database=None, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# One CP-SAT worker: small instances need no more, and the suite runs under xdist -n 2.
QUICK = SolveOptions(time_limit_s=0.5, explain_time_limit_s=1.0, num_workers=1)
NAMED = {"too_few_eligible", "no_qualified_guard", "day_overload", "week_capacity", "night_capacity"}


@PROPS
@given(instances())
def test_every_roster_keeps_every_rule_or_infeasibility_is_explained(inputs: RosterInputs) -> None:
    r = solve_roster(inputs, QUICK)
    if r.ok:
        assert check_roster(r.assignments, inputs) == []
        covered = {k: 0 for k in inputs.demand}
        for a in r.assignments:
            covered[(a.zone, a.shift, a.day)] += 1
        assert covered == dict(inputs.demand)
    elif r.status == "infeasible":
        assert r.reasons
        for why in r.reasons:
            assert why.message and why.message_en and why.dates
            if why.code in NAMED:
                assert why.zone is not None or why.code in ("day_overload", "week_capacity", "night_capacity")
            elif why.code == "conflicting_needs":
                needs = why.params["needs"]
                assert needs and all(inputs.demand[(z, s, d)] == n for z, s, d, n in needs)
            else:
                assert why.code == "conflict_not_isolated"
            assert all(z in inputs.zone_codes for z in why.zones)


@PROPS
@given(instances())
def test_the_precheck_only_claims_what_is_true(inputs: RosterInputs) -> None:
    claims = precheck(inputs)
    if claims:
        r = solve_roster(
            inputs, replace(QUICK, time_limit_s=1.0, precheck=False, explain=False, objective=False)
        )
        assert r.status in ("infeasible", "unknown")


@PROPS
@given(instances(), st.data())
def test_a_need_made_impossible_on_purpose_is_named(inputs: RosterInputs, data: st.DataObject) -> None:
    """Raise one need above the guards eligible for it: the explanation names it."""
    t = data.draw(st.sampled_from(inputs.shifts))
    day = data.draw(st.sampled_from(inputs.dates))
    able = [g for g in inputs.guards if blocker(inputs, g, t, day) is None]
    spike = CoverageNeed(t.zone, t.code, len(able) + 1, dates=frozenset({day}))
    broken = replace(inputs, needs=(*inputs.needs, spike))
    r = solve_roster(broken, QUICK)
    assert r.status == "infeasible"
    assert any(
        (why.zone, why.shift, why.dates) == (t.zone, t.code, (day,))
        # Needs for one slot combine by their maximum: a need already above the spike stands.
        and why.params["need"] == max(len(able) + 1, inputs.need(t.zone, t.code, day))
        and why.params["available"] == len(able)
        for why in r.reasons
        if why.code in ("too_few_eligible", "no_qualified_guard")
    )


@settings(PROPS, max_examples=25)
@given(instances())
def test_the_needs_named_by_the_solver_really_conflict(inputs: RosterInputs) -> None:
    """Without the pre-check the assumptions explain; the needs they name cannot all be met."""
    r = solve_roster(inputs, replace(QUICK, precheck=False))
    for why in r.reasons:
        if why.code != "conflicting_needs":
            continue
        core = {(z, s, (d - inputs.start).days) for z, s, d, _ in why.params["needs"]}
        rm = build_model(inputs, objective=False, only_needs=core)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 1.0
        solver.parameters.num_workers = 1
        assert solver.solve(rm.model) in (cp_model.INFEASIBLE, cp_model.UNKNOWN)
        assert why.params["coverable"] is None or why.params["coverable"] < why.params["total"]


@st.composite
def solved_with_swap(draw: st.DrawFn) -> tuple[RosterInputs, list[Assignment], Swap]:
    inputs = draw(instances())
    r = solve_roster(inputs, replace(QUICK, objective=False, explain=False))
    roster = list(r.assignments)
    if not roster:
        # Nothing to swap: propose adding a shift to an empty roster instead.
        g = draw(st.sampled_from(inputs.guards))
        t = draw(st.sampled_from(inputs.shifts))
        day = draw(st.sampled_from(inputs.dates))
        return inputs, roster, Swap(add=(Assignment(g.id, day, t.zone, t.code),))
    a = draw(st.sampled_from(roster))
    kind = draw(st.sampled_from(["exchange", "reassign"]))
    if kind == "exchange" and len(roster) > 1:
        b = draw(st.sampled_from(roster))
        if b != a:
            return inputs, roster, Swap.exchange(a, b)
    other = draw(st.sampled_from(inputs.guards))
    return inputs, roster, Swap.reassign(a, other.id)


@PROPS
@given(solved_with_swap())
def test_every_refused_swap_names_the_rule_it_breaks(
    case: tuple[RosterInputs, list[Assignment], Swap],
) -> None:
    inputs, roster, swap = case
    before = {v.key for v in check_roster(roster, inputs)}
    introduced = check_swap(roster, inputs, swap)
    after = check_roster(swap.apply(roster), inputs)
    # The swap check re-checks only what the swap touches, and agrees with a full check.
    assert {v.key for v in introduced} == {v.key for v in after} - before
    for v in introduced:
        assert v.rule in HARD_RULES
        assert v.dates and v.message and v.message_en
        if v.rule == "coverage_short":
            assert v.zone and v.shift
        else:
            assert v.guard_id in {a.guard_id for a in swap.add + swap.remove}
