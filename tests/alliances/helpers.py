"""Small roster instances for the tests: a few named builders and a Hypothesis strategy."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import strategies as st

from zhengyi.alliances.rostering import (
    Absence,
    CoverageNeed,
    Guard,
    PastShift,
    RosterInputs,
    RosterRules,
    ShiftTemplate,
    Zone,
)

MONDAY = date(2026, 11, 30)
FAR = date(2030, 1, 1)
DAY = ShiftTemplate("coco", "D", time(7), time(15), name="日班", name_en="day")
EVENING = ShiftTemplate("coco", "E", time(15), time(23), name="中班", name_en="evening")
NIGHT = ShiftTemplate("coco", "N", time(23), time(7), True, name="夜班")
COCO = Zone("coco", "CoCo Park", "CoCo Park")


def guard(i: int | str, zones: tuple[str, ...] = ("coco",), **kw: object) -> Guard:
    gid = i if isinstance(i, str) else f"G{i}"
    kw.setdefault("certificate_valid_until", FAR)
    kw.setdefault("training_valid_until", FAR)
    return Guard(gid, frozenset(zones), **kw)  # type: ignore[arg-type]


def coco(
    guards: int | tuple[Guard, ...] = 8,
    days: int = 7,
    needs: tuple[CoverageNeed, ...] | None = None,
    start: date = MONDAY,
    **kw: object,
) -> RosterInputs:
    """One zone (CoCo Park), day / evening / night shifts, one guard each by default."""
    people = guards if isinstance(guards, tuple) else tuple(guard(i) for i in range(guards))
    if needs is None:
        needs = (CoverageNeed("coco", "D", 1), CoverageNeed("coco", "E", 1), CoverageNeed("coco", "N", 1))
    return RosterInputs(start, days, (DAY, EVENING, NIGHT), needs, people, zones=(COCO,), **kw)  # type: ignore[arg-type]


def worked(guard_id: str, template: ShiftTemplate, day: date) -> PastShift:
    return PastShift(guard_id, template.start_on(day), template.end_on(day), template.is_night)


# Shift times a station might use: 8-hour rotations, 12-hour day/night, split evenings.
PALETTE = [
    (time(7), time(15), False),
    (time(15), time(23), False),
    (time(23), time(7), True),
    (time(8), time(20), False),
    (time(20), time(8), True),
    (time(9), time(17), False),
    (time(18), time(2), True),
]


@st.composite
def instances(draw: st.DrawFn) -> RosterInputs:
    """Random small instances: 5–15 guards, 7–14 days, 1–3 zones, 1–3 shifts each."""
    start = MONDAY + timedelta(days=draw(st.integers(0, 6)))
    days = draw(st.integers(7, 14))
    n_zones = draw(st.integers(1, 3))
    zones = [f"z{i}" for i in range(n_zones)]
    shifts = []
    for z in zones:
        picks = draw(st.lists(st.integers(0, len(PALETTE) - 1), min_size=1, max_size=3, unique=True))
        for k, p in enumerate(picks):
            a, b, night = PALETTE[p]
            shifts.append(ShiftTemplate(z, f"S{k}", a, b, night, name=f"{z}班{k}"))
    n_guards = draw(st.integers(5, 15))
    # Base needs small enough for about half the guards a day, so that most instances are
    # feasible and the rest fail for a reason worth explaining.
    base = [draw(st.integers(0, 2)) for _ in shifts]
    base[0] = max(base[0], 1)
    while sum(base) > max(1, n_guards // 2):
        base[base.index(max(base))] -= 1
    needs = [CoverageNeed(s.zone, s.code, n) for s, n in zip(shifts, base, strict=True)]
    for s, n in zip(shifts, base, strict=True):
        if draw(st.integers(0, 3)) == 0:  # busier on Friday and Saturday
            needs.append(CoverageNeed(s.zone, s.code, n + 1, weekdays=frozenset({4, 5})))
    date_in = st.integers(-3, days + 3).map(lambda d: start + timedelta(days=d))
    # Mostly valid; Hypothesis favours small integers, so 0–11 (valid) is the common case.
    valid_until = st.integers(0, 13).flatmap(
        lambda k: st.just(FAR) if k < 12 else date_in if k == 12 else st.none()
    )
    people = []
    for i in range(n_guards):
        qualified = draw(st.lists(st.sampled_from(zones), min_size=1, max_size=n_zones, unique=True))
        cert = draw(valid_until)
        training = draw(valid_until)
        absences = []
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
            first = draw(date_in)
            length = draw(st.integers(0, 5))
            reason = draw(st.sampled_from(["training", "leave", "sick"]))
            absences.append(Absence(first, first + timedelta(days=length), reason))
        pref = draw(st.one_of(st.none(), st.integers(1, days)))
        people.append(Guard(f"G{i}", frozenset(qualified), cert, training, tuple(absences), pref))
    history = []
    for g in people:
        for back in draw(st.lists(st.integers(1, 10), max_size=6, unique=True)):
            t = draw(st.sampled_from(shifts))
            d = start - timedelta(days=back)
            history.append(PastShift(g.id, t.start_on(d), t.end_on(d), t.is_night))
    rules = RosterRules(
        min_rest_hours=draw(st.sampled_from([8.0, 12.0, 16.0])),
        max_consecutive_days=draw(st.integers(3, 6)),
        max_shifts_per_week=draw(st.integers(3, 5)),
        max_nights_per_window=draw(st.integers(2, 8)),
        night_window_days=draw(st.sampled_from([7, 14, 28])),
    )
    return RosterInputs(
        start, days, tuple(shifts), tuple(needs), tuple(people), rules=rules, history=tuple(history)
    )


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour))
