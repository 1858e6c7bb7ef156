"""Typed inputs and outputs of duty rostering (轮值): pure Python, no Django, no OR-Tools.

Everything the solver, the rule checker and the explanations share lives here: the period,
shift templates, coverage needs, guards, rules, history from the previous period, and the
one eligibility function (:func:`blocker`) all three use, so that "who may work this shift"
is decided in exactly one place.

Times are naive local datetimes (China has no daylight saving time), so a shift's length
and the rest between two shifts are plain subtraction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

DAY = timedelta(days=1)
WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())


@dataclass(frozen=True, slots=True)
class Zone:
    """Display names for a zone code; a zone without an entry is shown by its code."""

    code: str
    name: str = ""
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """One shift of one zone. ``end <= start`` means the shift ends the next day."""

    zone: str
    code: str
    start: time
    end: time
    is_night: bool = False
    name: str = ""
    name_en: str = ""

    @property
    def duration(self) -> timedelta:
        s = self.start.hour * 3600 + self.start.minute * 60 + self.start.second
        e = self.end.hour * 3600 + self.end.minute * 60 + self.end.second
        # end == start is a 24-hour shift, not an empty one.
        return timedelta(seconds=(e - s) % 86400 or 86400)

    def start_on(self, day: date) -> datetime:
        return datetime.combine(day, self.start)

    def end_on(self, day: date) -> datetime:
        return self.start_on(day) + self.duration


@dataclass(frozen=True, slots=True)
class CoverageNeed:
    """At least ``min_guards`` on this zone's shift, on the days it applies to.

    ``weekdays`` (0 = Monday … 6 = Sunday) and ``dates`` narrow the days; both ``None`` means
    every day. Where several needs apply to the same shift and day the largest one counts,
    so a base need plus a Friday/Saturday need reads naturally.
    """

    zone: str
    shift: str
    min_guards: int
    weekdays: frozenset[int] | None = None
    dates: frozenset[date] | None = None

    def applies(self, day: date) -> bool:
        return (self.weekdays is None or day.weekday() in self.weekdays) and (
            self.dates is None or day in self.dates
        )


@dataclass(frozen=True, slots=True)
class Absence:
    """Days (inclusive) a guard cannot work; ``reason`` is e.g. training, leave, sick, other."""

    first: date
    last: date
    reason: str = "leave"


@dataclass(frozen=True)
class Guard:
    id: str
    zones: frozenset[str]
    # A guard works on a day only if the 保安员证 and the training are valid on the day the
    # shift starts (valid until the given date, inclusive). None: never held / never trained.
    certificate_valid_until: date | None
    training_valid_until: date | None
    absences: tuple[Absence, ...] = ()
    preferred_max_shifts: int | None = None  # soft: over it costs in the objective
    name: str = ""

    def absence_on(self, day: date) -> Absence | None:
        return next((a for a in self.absences if a.first <= day <= a.last), None)


@dataclass(frozen=True, slots=True)
class PastShift:
    """A shift worked before the period, so the rules hold across the boundary."""

    guard_id: str
    start: datetime
    end: datetime
    is_night: bool = False

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True, slots=True)
class RosterRules:
    """The hard rules (issue 6); local practice, so configurable. One shift a day is fixed.

    * rest: from the real end of one shift to the real start of the next (midnight-crossing
      shifts included), at least ``min_rest_hours``;
    * a working day is a calendar day on which a shift starts; at most
      ``max_consecutive_days`` of them in a row;
    * at most ``max_shifts_per_week`` shifts in each calendar week, Monday to Sunday, shifts
      of the previous period in the same week included;
    * at most ``max_nights_per_window`` night shifts in any ``night_window_days`` consecutive
      days (a rolling window, previous period included).
    """

    min_rest_hours: float = 16.0
    max_consecutive_days: int = 6
    max_shifts_per_week: int = 5
    max_nights_per_window: int = 8
    night_window_days: int = 28

    def __post_init__(self) -> None:
        if not (
            self.min_rest_hours >= 0
            and self.max_consecutive_days >= 1
            and self.max_shifts_per_week >= 1
            and self.max_nights_per_window >= 0
            and self.night_window_days >= 1
        ):
            raise ValueError("roster rules out of range")

    @property
    def min_rest(self) -> timedelta:
        return timedelta(hours=self.min_rest_hours)


@dataclass(frozen=True, slots=True)
class ObjectiveWeights:
    """Soft terms, all minimised; integers because CP-SAT objectives are integral.

    Fairness is the absolute deviation of each guard's count (nights, weekend shifts, all
    shifts) from a share proportional to the days the guard could work them, so a guard
    away on a training cohort for two weeks is not expected to carry a full share.
    """

    nights: int = 3
    weekends: int = 2
    shifts: int = 1
    preferred_max: int = 2  # per shift over a guard's preferred maximum
    stability: int = 1  # per assignment of the hint (previous roster) not kept


@dataclass(frozen=True, slots=True, order=True)
class Assignment:
    guard_id: str
    day: date
    zone: str
    shift: str


@dataclass(frozen=True)
class GuardPast:
    """What the previous period leaves behind for one guard."""

    worked: frozenset[date] = frozenset()
    per_day: Mapping[date, int] = field(default_factory=dict)
    nights: Mapping[date, int] = field(default_factory=dict)
    last_end: datetime | None = None

    def worked_in(self, first: date, last: date) -> int:
        """Shifts (not days) worked between two dates, inclusive."""
        return sum(n for d, n in self.per_day.items() if first <= d <= last)

    def nights_in(self, first: date, last: date) -> int:
        return sum(n for d, n in self.nights.items() if first <= d <= last)


@dataclass(frozen=True)
class RosterInputs:
    start: date
    days: int
    shifts: tuple[ShiftTemplate, ...]
    needs: tuple[CoverageNeed, ...]
    guards: tuple[Guard, ...]
    zones: tuple[Zone, ...] = ()
    rules: RosterRules = RosterRules()
    weights: ObjectiveWeights = ObjectiveWeights()
    history: tuple[PastShift, ...] = ()
    # Assignments to prefer (normally the previous roster moved onto this period, see
    # hint_from_previous): hinted to the solver and rewarded by the stability weight.
    hint: tuple[Assignment, ...] = ()

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("the period needs at least one day")
        keys = {(s.zone, s.code) for s in self.shifts}
        if len(keys) != len(self.shifts):
            raise ValueError("duplicate shift template (zone, shift code)")
        if len({g.id for g in self.guards}) != len(self.guards):
            raise ValueError("duplicate guard id")
        for n in self.needs:
            if (n.zone, n.shift) not in keys:
                raise ValueError(f"coverage need for unknown shift {n.zone}/{n.shift}")
            if n.min_guards < 0:
                raise ValueError("coverage needs cannot be negative")

    @property
    def end(self) -> date:
        """Last day of the period (inclusive)."""
        return self.start + timedelta(days=self.days - 1)

    @cached_property
    def dates(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=i) for i in range(self.days))

    @cached_property
    def shift_by_key(self) -> dict[tuple[str, str], ShiftTemplate]:
        return {(s.zone, s.code): s for s in self.shifts}

    @cached_property
    def guard_by_id(self) -> dict[str, Guard]:
        return {g.id: g for g in self.guards}

    @cached_property
    def zone_by_code(self) -> dict[str, Zone]:
        return {z.code: z for z in self.zones}

    @cached_property
    def zone_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.zone for s in self.shifts))

    def need(self, zone: str, shift: str, day: date) -> int:
        return max((n.min_guards for n in self.needs_for[(zone, shift)] if n.applies(day)), default=0)

    @cached_property
    def needs_for(self) -> dict[tuple[str, str], list[CoverageNeed]]:
        out: dict[tuple[str, str], list[CoverageNeed]] = defaultdict(list)
        for n in self.needs:
            out[(n.zone, n.shift)].append(n)
        return out

    @cached_property
    def demand(self) -> dict[tuple[str, str, date], int]:
        """Every (zone, shift, day) of the period with a positive need."""
        out = {}
        for s in self.shifts:
            for d in self.dates:
                k = self.need(s.zone, s.code, d)
                if k > 0:
                    out[(s.zone, s.code, d)] = k
        return out

    @cached_property
    def past(self) -> dict[str, GuardPast]:
        """History per guard; shifts starting on or after the period's start are ignored."""
        begin = datetime.combine(self.start, time())
        per_day: dict[str, Counter[date]] = defaultdict(Counter)
        nights: dict[str, Counter[date]] = defaultdict(Counter)
        last_end: dict[str, datetime] = {}
        for p in self.history:
            if p.start >= begin:
                continue
            per_day[p.guard_id][p.day] += 1
            if p.is_night:
                nights[p.guard_id][p.day] += 1
            if p.guard_id not in last_end or p.end > last_end[p.guard_id]:
                last_end[p.guard_id] = p.end
        return {
            g: GuardPast(frozenset(c), dict(c), dict(nights[g]), last_end.get(g)) for g, c in per_day.items()
        }

    def past_of(self, guard_id: str) -> GuardPast:
        return self.past.get(guard_id, _NO_PAST)


_NO_PAST = GuardPast()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def blocker(inputs: RosterInputs, guard: Guard, template: ShiftTemplate, day: date) -> str | None:
    """Why ``guard`` may not work ``template`` on ``day`` regardless of the rest of the roster.

    ``None`` means eligible. Codes, in the order they are tested (the first one wins, so
    each guard is counted once in an explanation): ``not_qualified``, ``away:<reason>``,
    ``no_certificate``, ``certificate_expired``, ``no_training``, ``training_expired``, and
    the ones the previous period leaves: ``rest_after_previous``,
    ``consecutive_from_previous``, ``week_full_from_previous``, ``nights_full_from_previous``.
    """
    if template.zone not in guard.zones:
        return "not_qualified"
    absence = guard.absence_on(day)
    if absence is not None:
        return f"away:{absence.reason}"
    if guard.certificate_valid_until is None:
        return "no_certificate"
    if day > guard.certificate_valid_until:
        return "certificate_expired"
    if guard.training_valid_until is None:
        return "no_training"
    if day > guard.training_valid_until:
        return "training_expired"
    past = inputs.past_of(guard.id)
    if not past.per_day:
        return None
    rules = inputs.rules
    if past.last_end is not None and template.start_on(day) - past.last_end < rules.min_rest:
        return "rest_after_previous"
    run = rules.max_consecutive_days
    if all(day - timedelta(days=i) in past.worked for i in range(1, run + 1)):
        return "consecutive_from_previous"
    week = monday(day)
    if past.worked_in(week, week + timedelta(days=6)) >= rules.max_shifts_per_week:
        return "week_full_from_previous"
    window = rules.night_window_days
    if template.is_night and (
        past.nights_in(day - timedelta(days=window - 1), day) >= rules.max_nights_per_window
    ):
        return "nights_full_from_previous"
    return None


def rest_conflicts(
    templates: Iterable[ShiftTemplate], min_rest: timedelta
) -> dict[tuple[tuple[time, time], tuple[time, time]], list[int]]:
    """Day offsets k ≥ 1 at which a shift with times A then one with times B rest too little.

    Keyed by (start, end) pairs so that zones sharing shift times share the constraint.
    """
    sigs = {(t.start, t.end): t for t in templates}
    base = date(2001, 1, 1)  # any day: only the difference matters
    longest = max((t.duration for t in sigs.values()), default=timedelta())
    horizon = (longest + min_rest).days + 2
    out: dict[tuple[tuple[time, time], tuple[time, time]], list[int]] = {}
    for a, ta in sigs.items():
        for b, tb in sigs.items():
            ks = [
                k
                for k in range(1, horizon + 1)
                if tb.start_on(base + timedelta(days=k)) - ta.end_on(base) < min_rest
            ]
            if ks:
                out[(a, b)] = ks
    return out


@dataclass(frozen=True)
class Finding:
    """Shared shape of a rule violation and of an infeasibility reason.

    ``code`` is stable for programs; ``params`` carries the figures; ``message`` is the
    Chinese text and ``message_en`` the English one, both rendered when the finding is made.
    """

    code: str
    message: str
    message_en: str
    guard_id: str | None = None
    dates: tuple[date, ...] = ()
    zone: str | None = None
    shift: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def text(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message

    @property
    def key(self) -> tuple[str, str | None, tuple[date, ...], str | None, str | None]:
        return (self.code, self.guard_id, self.dates, self.zone, self.shift)


class Violation(Finding):
    """A hard rule a roster breaks; ``code`` (alias ``rule``) names the rule."""

    @property
    def rule(self) -> str:
        return self.code


class Reason(Finding):
    """Why coverage cannot be met: which zone, shift and day(s), and what stands in the way.

    For a reason about several needs, ``params["needs"]`` lists (zone, shift, day, guards).
    """

    @property
    def zones(self) -> tuple[str, ...]:
        if "needs" in self.params:
            return tuple(dict.fromkeys(n[0] for n in self.params["needs"]))
        return (self.zone,) if self.zone else ()
