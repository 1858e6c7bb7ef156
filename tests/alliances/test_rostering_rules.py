"""The hard rules, checked by ``check_roster`` / ``check_swap`` — no solver involved.

Each refused swap must name the rule it breaks; the rosters here are written by hand so
that each swap breaks exactly one rule.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from zhengyi.alliances.rostering import (
    Absence,
    Assignment,
    CoverageNeed,
    RosterInputs,
    RosterRules,
    ShiftTemplate,
    Swap,
    Violation,
    check_roster,
    check_swap,
)

from .helpers import DAY, MONDAY, NIGHT, coco, guard, worked

TUE, WED, THU, FRI, SAT, SUN = (MONDAY + timedelta(days=i) for i in range(1, 7))


def A(guard_id: str, day: date, shift: str = "D", zone: str = "coco") -> Assignment:
    return Assignment(guard_id, day, zone, shift)


def rules(vs: list[Violation]) -> set[str]:
    return {v.rule for v in vs}


def d(i: int) -> date:
    return MONDAY + timedelta(days=i)


FREE = coco(needs=(), days=14)  # no coverage needs: only the timeline and eligibility rules


def test_a_clean_roster_has_no_violations() -> None:
    roster = [A("G0", MONDAY, "D"), A("G0", TUE, "D"), A("G1", MONDAY, "N"), A("G1", WED, "E")]
    assert check_roster(roster, FREE) == []


def test_two_shifts_on_one_day() -> None:
    vs = check_swap([A("G0", MONDAY, "D")], FREE, Swap(add=(A("G0", MONDAY, "N"),)))
    assert rules(vs) == {"one_shift_per_day"}
    (v,) = vs
    assert v.guard_id == "G0" and v.dates == (MONDAY,)
    assert "2 个班次" in v.message and "2 shifts" in v.message_en


def test_rest_across_midnight_after_a_night() -> None:
    """Night 23:00–07:00 on Monday, then Tuesday's 07:00 day shift: no rest at all."""
    roster = [A("G0", MONDAY, "N"), A("G1", TUE, "D")]
    vs = check_swap(roster, FREE, Swap.reassign(A("G1", TUE, "D"), "G0"))
    assert rules(vs) == {"min_rest"}
    (v,) = vs
    assert v.guard_id == "G0" and v.dates == (MONDAY, TUE)
    assert v.params["rest_h"] == 0
    assert "只休息 0 小时" in v.message and "16" in v.message


def test_rest_evening_then_next_morning() -> None:
    roster = [A("G0", MONDAY, "E"), A("G1", TUE, "D")]
    (v,) = check_swap(roster, FREE, Swap.reassign(A("G1", TUE, "D"), "G0"))
    assert v.rule == "min_rest" and v.params["rest_h"] == 8


def test_rest_uses_real_clock_times_of_other_zones() -> None:
    """A 12-hour night 20:00–08:00 in one zone, then 09:00 in another: 1 hour of rest."""
    long_night = ShiftTemplate("lhs", "N12", time(20), time(8), True)
    office = ShiftTemplate("gwgy", "O", time(9), time(17))
    inp = RosterInputs(MONDAY, 7, (long_night, office), (), (guard("G0", zones=("lhs", "gwgy")),))
    vs = check_roster([A("G0", MONDAY, "N12", "lhs"), A("G0", TUE, "O", "gwgy")], inp)
    assert rules(vs) == {"min_rest"}
    assert vs[0].params["rest_h"] == 1


def test_seven_days_in_a_row_across_two_weeks() -> None:
    """Thursday to Wednesday: 4 + 3 shifts in the two calendar weeks, but 7 days in a row."""
    g0 = [A("G0", d(i)) for i in (3, 4, 5, 6, 8, 9)]
    roster = [*g0, A("G1", d(7))]
    assert check_roster(roster, FREE) == []
    vs = check_swap(roster, FREE, Swap.reassign(A("G1", d(7)), "G0"))
    assert rules(vs) == {"max_consecutive_days"}
    (v,) = vs
    assert v.dates == (d(3), d(9)) and v.params["days"] == 7
    assert "连续上班 7 天" in v.message


def test_six_shifts_in_a_calendar_week() -> None:
    roster = [*(A("G0", d(i)) for i in range(5)), A("G1", SUN)]
    vs = check_swap(roster, FREE, Swap.reassign(A("G1", SUN), "G0"))
    assert rules(vs) == {"max_shifts_per_week"}
    (v,) = vs
    assert v.params["count"] == 6 and v.params["week"] == MONDAY
    assert "周一至周日" in v.message


def test_night_cap_in_the_rolling_window() -> None:
    inp = coco(needs=(), days=14, rules=RosterRules(max_nights_per_window=2))
    roster = [A("G0", MONDAY, "N"), A("G0", WED, "N"), A("G1", FRI, "N")]
    assert check_roster(roster, inp) == []
    vs = check_swap(roster, inp, Swap.reassign(A("G1", FRI, "N"), "G0"))
    assert rules(vs) == {"night_cap"}
    (v,) = vs
    assert v.dates == (MONDAY, WED, FRI) and v.params["count"] == 3


def test_night_cap_counts_overlapping_windows_once() -> None:
    inp = coco(needs=(), days=14, rules=RosterRules(max_nights_per_window=1, night_window_days=7))
    roster = [A("G0", d(i), "N") for i in (0, 2, 4, 6)]
    (v,) = check_roster(roster, inp)
    assert v.rule == "night_cap" and v.dates == (d(0), d(2), d(4), d(6))


def test_unqualified_zone() -> None:
    inp = coco(guards=(guard("G0"), guard("G9", zones=("gwgy",))), needs=())
    vs = check_swap([A("G0", MONDAY)], inp, Swap.reassign(A("G0", MONDAY), "G9"))
    assert rules(vs) == {"not_qualified"}
    assert vs[0].guard_id == "G9" and "上岗资格" in vs[0].message


def test_expired_certificate() -> None:
    inp = coco(guards=(guard("G0"), guard("G1", certificate_valid_until=TUE)), needs=())
    assert check_roster([A("G1", TUE)], inp) == []  # valid through the day it expires
    vs = check_swap([A("G0", WED)], inp, Swap.reassign(A("G0", WED), "G1"))
    assert rules(vs) == {"certificate_expired"}
    assert "2026-12-01 到期" in vs[0].message and "expired on 2026-12-01" in vs[0].message_en


def test_missing_certificate() -> None:
    inp = coco(guards=(guard("G1", certificate_valid_until=None),), needs=())
    (v,) = check_roster([A("G1", TUE)], inp)
    assert v.rule == "certificate_expired" and "缺失" in v.message


def test_expired_training() -> None:
    inp = coco(guards=(guard("G0"), guard("G1", training_valid_until=MONDAY)), needs=())
    vs = check_swap([A("G0", WED)], inp, Swap.reassign(A("G0", WED), "G1"))
    assert rules(vs) == {"training_expired"}
    assert "培训" in vs[0].message


def test_unavailable_date() -> None:
    away = guard("G1", absences=(Absence(TUE, THU, "training"),))
    inp = coco(guards=(guard("G0"), away), needs=())
    vs = check_swap([A("G0", WED)], inp, Swap.reassign(A("G0", WED), "G1"))
    assert rules(vs) == {"unavailable"}
    assert "在轮训" in vs[0].message and "on training" in vs[0].message_en


def test_exchange_that_leaves_a_need_uncovered() -> None:
    inp = coco(needs=(CoverageNeed("coco", "D", 1, dates=frozenset({MONDAY})),))
    roster = [A("G0", MONDAY)]
    assert check_roster(roster, inp) == []
    vs = check_swap(roster, inp, Swap(remove=(A("G0", MONDAY),)))
    assert rules(vs) == {"coverage_short"}
    assert vs[0].zone == "coco" and vs[0].shift == "D" and vs[0].dates == (MONDAY,)
    assert vs[0].message == "CoCo Park 日班 2026-11-30：需要 1 名保安，只排了 0 名"


def test_an_allowed_exchange() -> None:
    roster = [A("G0", MONDAY, "D"), A("G1", WED, "E")]
    assert check_swap(roster, FREE, Swap.exchange(roster[0], roster[1])) == []


def test_existing_violations_are_not_blamed_on_a_swap() -> None:
    roster = [A("G0", MONDAY, "D"), A("G0", MONDAY, "E"), A("G1", WED, "D")]
    assert rules(check_roster(roster, FREE)) == {"one_shift_per_day"}
    assert check_swap(roster, FREE, Swap.reassign(A("G1", WED), "G2")) == []


def test_swap_of_an_assignment_not_in_the_roster() -> None:
    with pytest.raises(ValueError, match="not in the roster"):
        check_swap([], FREE, Swap(remove=(A("G0", MONDAY),)))


def test_structural_mistakes() -> None:
    vs = check_roster([A("nobody", MONDAY), A("G0", MONDAY, "X"), A("G0", MONDAY + timedelta(days=30))], FREE)
    assert rules(vs) == {"unknown_guard", "unknown_shift", "outside_period"}


# ---------------------------------------------------------------- history across the boundary


def test_rest_after_the_previous_periods_last_night() -> None:
    inp = coco(needs=(), history=(worked("G0", NIGHT, MONDAY - timedelta(days=1)),))
    (v,) = check_roster([A("G0", MONDAY, "D")], inp)
    assert v.rule == "min_rest" and v.dates == (MONDAY - timedelta(days=1), MONDAY)
    assert "上期" in v.message
    assert check_roster([A("G0", MONDAY, "N")], inp) == []  # 16 hours exactly is enough


def test_consecutive_days_carry_over() -> None:
    history = tuple(worked("G0", DAY, MONDAY - timedelta(days=k)) for k in range(1, 7))
    inp = coco(needs=(), history=history)
    (v,) = check_roster([A("G0", MONDAY)], inp)
    assert v.rule == "max_consecutive_days" and v.params["days"] == 7
    assert check_roster([A("G0", TUE)], inp) == []


def test_week_shifts_carry_over_into_a_period_starting_midweek() -> None:
    inp = coco(needs=(), start=THU, history=tuple(worked("G0", DAY, d(k)) for k in range(3)))
    roster = [A("G0", THU), A("G0", FRI)]
    assert check_roster(roster, inp) == []  # 3 + 2 = 5
    vs = check_swap(roster, inp, Swap(add=(A("G0", SAT),)))
    assert rules(vs) == {"max_shifts_per_week"}
    assert vs[0].params["count"] == 6


def test_nights_carry_over() -> None:
    history = tuple(worked("G0", NIGHT, MONDAY - timedelta(days=k)) for k in (3, 5))
    inp = coco(needs=(), history=history, rules=RosterRules(max_nights_per_window=2))
    (v,) = check_roster([A("G0", TUE, "N")], inp)
    assert v.rule == "night_cap" and v.params["count"] == 3


def test_history_alone_is_not_this_rosters_fault() -> None:
    history = tuple(worked("G0", DAY, MONDAY - timedelta(days=k)) for k in range(1, 10))
    inp = coco(needs=(), history=history)
    assert check_roster([A("G1", MONDAY), A("G0", FRI)], inp) == []


def test_inputs_are_validated() -> None:
    with pytest.raises(ValueError, match="duplicate guard"):
        coco(guards=(guard(0), guard(0)))
    with pytest.raises(ValueError, match="unknown shift"):
        coco(needs=(CoverageNeed("coco", "X", 1),))
    with pytest.raises(ValueError, match="negative"):
        coco(needs=(CoverageNeed("coco", "D", -1),))
    with pytest.raises(ValueError, match="out of range"):
        RosterRules(max_shifts_per_week=0)
