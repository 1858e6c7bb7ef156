"""Every hard rule of a roster, checked in plain Python, independently of the solver.

A roster the station edits by hand (a swap, a reassignment, an extra guard) is judged by
the same rules as one the solver made, and the solver's own output is checked here in the
tests — so this module shares nothing with the solver but the inputs: not the CP-SAT
formulation, not even :func:`rostering_model.blocker`; each rule is written out again from
its plain statement (docs/rostering.md).

History shifts take part in every timeline rule, but a violation is only reported when at
least one shift of the roster is involved: the previous period is not this roster's fault.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from zhengyi.alliances.rostering_model import Assignment, Guard, RosterInputs, Violation, monday
from zhengyi.alliances.rostering_text import ShiftRef, violation

HARD_RULES = (
    "one_shift_per_day",
    "min_rest",
    "max_consecutive_days",
    "max_shifts_per_week",
    "night_cap",
    "not_qualified",
    "certificate_expired",
    "training_expired",
    "unavailable",
    "coverage_short",
)
STRUCTURAL = ("unknown_guard", "unknown_shift", "outside_period")


@dataclass(frozen=True, slots=True)
class _Entry:
    start: datetime
    end: datetime
    is_night: bool
    ref: ShiftRef
    new: bool  # from the roster being checked (not history)

    @property
    def day(self) -> date:
        return self.ref.day


@dataclass(frozen=True)
class Swap:
    """A proposed change: assignments taken out of the roster and assignments put in."""

    remove: tuple[Assignment, ...] = ()
    add: tuple[Assignment, ...] = ()

    @classmethod
    def exchange(cls, a: Assignment, b: Assignment) -> Swap:
        """Two guards trade their shifts."""
        return cls(
            remove=(a, b),
            add=(
                Assignment(b.guard_id, a.day, a.zone, a.shift),
                Assignment(a.guard_id, b.day, b.zone, b.shift),
            ),
        )

    @classmethod
    def reassign(cls, a: Assignment, guard_id: str) -> Swap:
        """Another guard takes this shift."""
        return cls(remove=(a,), add=(Assignment(guard_id, a.day, a.zone, a.shift),))

    def apply(self, roster: Iterable[Assignment]) -> list[Assignment]:
        out = list(roster)
        for a in self.remove:
            try:
                out.remove(a)
            except ValueError:
                raise ValueError(f"{a} is not in the roster") from None
        return out + list(self.add)


def check_roster(roster: Iterable[Assignment], inputs: RosterInputs) -> list[Violation]:
    """All hard-rule violations of ``roster`` (empty: the roster may be published)."""
    return _check(list(roster), inputs, None, None)


def check_swap(roster: Iterable[Assignment], inputs: RosterInputs, swap: Swap) -> list[Violation]:
    """The violations ``swap`` would introduce (empty: allowed).

    Only the guards and the needs the swap touches are re-checked; a violation the roster
    already had is not blamed on the swap.
    """
    before = list(roster)
    after = swap.apply(before)
    touched = swap.remove + swap.add
    guards = {a.guard_id for a in touched}
    needs = {(a.zone, a.shift, a.day) for a in touched}
    old = {v.key for v in _check(before, inputs, guards, needs)}
    return [v for v in _check(after, inputs, guards, needs) if v.key not in old]


def _check(
    assignments: list[Assignment],
    inputs: RosterInputs,
    only_guards: set[str] | None,
    only_needs: set[tuple[str, str, date]] | None,
) -> list[Violation]:
    out: list[Violation] = []
    covered: Counter[tuple[str, str, date]] = Counter()
    timeline: dict[str, list[_Entry]] = defaultdict(list)
    for a in assignments:
        guard = inputs.guard_by_id.get(a.guard_id)
        template = inputs.shift_by_key.get((a.zone, a.shift))
        mine = only_guards is None or a.guard_id in only_guards
        if guard is None or template is None or not inputs.start <= a.day <= inputs.end:
            if mine:
                out.append(_structural(inputs, a, guard is None, template is None))
            continue
        covered[(a.zone, a.shift, a.day)] += 1
        if not mine:
            continue
        out.extend(_eligibility(inputs, guard, a))
        start = template.start_on(a.day)
        ref = ShiftRef(a.day, a.zone, a.shift)
        timeline[a.guard_id].append(_Entry(start, start + template.duration, template.is_night, ref, True))
    for p in inputs.history:
        if p.guard_id in timeline and p.start < datetime.combine(inputs.start, datetime.min.time()):
            timeline[p.guard_id].append(_Entry(p.start, p.end, p.is_night, ShiftRef(p.day), False))
    for guard_id, entries in timeline.items():
        entries.sort(key=lambda e: (e.start, e.end))
        out.extend(_one_a_day(inputs, guard_id, entries))
        out.extend(_rest(inputs, guard_id, entries))
        out.extend(_consecutive(inputs, guard_id, entries))
        out.extend(_weekly(inputs, guard_id, entries))
        out.extend(_nights(inputs, guard_id, entries))
    for (zone, shift, day), need in inputs.demand.items():
        if only_needs is not None and (zone, shift, day) not in only_needs:
            continue
        n = covered[(zone, shift, day)]
        if n < need:
            out.append(
                violation(inputs, "coverage_short", dates=(day,), zone=zone, shift=shift, need=need, count=n)
            )
    out.sort(key=lambda v: (v.dates, v.guard_id or "", v.code, v.zone or "", v.shift or ""))
    return out


def _structural(inputs: RosterInputs, a: Assignment, no_guard: bool, no_shift: bool) -> Violation:
    if no_guard:
        return violation(inputs, "unknown_guard", guard_id=a.guard_id, dates=(a.day,))
    if no_shift:
        return violation(
            inputs,
            "unknown_shift",
            guard_id=a.guard_id,
            dates=(a.day,),
            zone_code=a.zone,
            shift_code=a.shift,
        )
    return violation(
        inputs, "outside_period", guard_id=a.guard_id, dates=(a.day,), first=inputs.start, last=inputs.end
    )


def _eligibility(inputs: RosterInputs, guard: Guard, a: Assignment) -> list[Violation]:
    """Qualification, certificate, training and availability: each one reported on its own."""
    out = []

    def add(rule: str, **params: object) -> None:
        out.append(
            violation(inputs, rule, guard_id=guard.id, dates=(a.day,), zone=a.zone, shift=a.shift, **params)
        )

    if a.zone not in guard.zones:
        add("not_qualified")
    cert = guard.certificate_valid_until
    if cert is None or a.day > cert:
        add("certificate_expired", valid_until=cert)
    training = guard.training_valid_until
    if training is None or a.day > training:
        add("training_expired", valid_until=training)
    absence = guard.absence_on(a.day)
    if absence is not None:
        add("unavailable", reason=absence.reason)
    return out


def _one_a_day(inputs: RosterInputs, guard_id: str, entries: list[_Entry]) -> list[Violation]:
    per_day = Counter(e.day for e in entries if e.new)
    return [
        violation(inputs, "one_shift_per_day", guard_id=guard_id, dates=(day,), count=n)
        for day, n in sorted(per_day.items())
        if n > 1
    ]


def _rest(inputs: RosterInputs, guard_id: str, entries: list[_Entry]) -> list[Violation]:
    """Every pair of shifts on different days closer than the minimum rest (sorted by start)."""
    min_rest = inputs.rules.min_rest
    longest = max((e.end - e.start for e in entries), default=timedelta())
    out = []
    for j, later in enumerate(entries):
        for i in range(j - 1, -1, -1):
            earlier = entries[i]
            if earlier.start + longest + min_rest <= later.start:
                break  # no earlier shift can end late enough to matter
            if earlier.day == later.day or not (earlier.new or later.new):
                continue  # two shifts on one day: the one-shift-a-day rule reports it
            rest = later.start - earlier.end
            if rest < min_rest:
                out.append(
                    violation(
                        inputs,
                        "min_rest",
                        guard_id=guard_id,
                        dates=(earlier.day, later.day),
                        prev=earlier.ref,
                        next=later.ref,
                        prev_end=earlier.end,
                        next_start=later.start,
                        rest_h=round(rest.total_seconds() / 3600, 1),
                        min_h=inputs.rules.min_rest_hours,
                    )
                )
    return out


def _consecutive(inputs: RosterInputs, guard_id: str, entries: list[_Entry]) -> list[Violation]:
    limit = inputs.rules.max_consecutive_days
    days = sorted({e.day for e in entries})
    new_days = {e.day for e in entries if e.new}
    out = []
    run: list[date] = []
    for day in [*days, None]:
        if day is not None and run and day - run[-1] == timedelta(days=1):
            run.append(day)
            continue
        if len(run) > limit and new_days.intersection(run):
            out.append(
                violation(
                    inputs,
                    "max_consecutive_days",
                    guard_id=guard_id,
                    dates=(run[0], run[-1]),
                    first=run[0],
                    last=run[-1],
                    days=len(run),
                    max=limit,
                )
            )
        run = [day] if day is not None else []
    return out


def _weekly(inputs: RosterInputs, guard_id: str, entries: list[_Entry]) -> list[Violation]:
    limit = inputs.rules.max_shifts_per_week
    weeks: dict[date, list[_Entry]] = defaultdict(list)
    for e in entries:
        weeks[monday(e.day)].append(e)
    return [
        violation(
            inputs,
            "max_shifts_per_week",
            guard_id=guard_id,
            dates=tuple(sorted({e.day for e in es})),
            week=week,
            count=len(es),
            max=limit,
        )
        for week, es in sorted(weeks.items())
        if len(es) > limit and any(e.new for e in es)
    ]


def _nights(inputs: RosterInputs, guard_id: str, entries: list[_Entry]) -> list[Violation]:
    """Rolling window: the fullest window always ends on a night, so only those are tried.

    Overlapping over-full windows are one violation (the worst window's figures, all their
    nights as dates), so moving one night does not leave a trail of near-duplicates.
    """
    rules = inputs.rules
    window = timedelta(days=rules.night_window_days - 1)
    nights = [e for e in entries if e.is_night]
    over: list[tuple[date, int]] = []  # (window end, nights in it)
    for j, last in enumerate(nights):
        if not last.new:
            continue  # a window ending on a history night holds no roster night
        inside = [e for e in nights[: j + 1] if e.day >= last.day - window]
        if len(inside) > rules.max_nights_per_window:
            over.append((last.day, len(inside)))
    out: list[Violation] = []
    clusters: list[list[tuple[date, int]]] = []
    for end, n in over:
        if clusters and end - clusters[-1][-1][0] <= window:
            clusters[-1].append((end, n))
        else:
            clusters.append([(end, n)])
    for cluster in clusters:
        end, n = max(cluster, key=lambda c: c[1])
        first_day = cluster[0][0] - window
        days = tuple(sorted({e.day for e in nights if first_day <= e.day <= cluster[-1][0]}))
        out.append(
            violation(
                inputs,
                "night_cap",
                guard_id=guard_id,
                dates=days,
                first=end - window,
                last=end,
                window=rules.night_window_days,
                count=n,
                max=rules.max_nights_per_window,
            )
        )
    return out
