"""Pure helpers for guard duty: when a rostered shift is worked, and where a team stands.

No Django here: the duty sync (services/duty.py) feeds plain values in, and the property tests
exercise these directly.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class Shift:
    """One rostered shift: the day it starts and its clock times (``end <= start``: next day)."""

    day: date
    start: time
    end: time

    @property
    def begins(self) -> datetime:
        return datetime.combine(self.day, self.start)

    @property
    def ends(self) -> datetime:
        end_day = self.day + timedelta(days=1) if self.end <= self.start else self.day
        return datetime.combine(end_day, self.end)

    def covers(self, at: datetime) -> bool:
        """Whether local wall-clock time ``at`` (naive) falls in [begins, ends)."""
        return self.begins <= at < self.ends


def days_to_look_at(at: datetime) -> tuple[date, date]:
    """A shift covering ``at`` started on its day or the day before (shifts last < 24 h)."""
    return at.date() - timedelta(days=1), at.date()


def duty_end(shifts: Iterable[Shift], at: datetime) -> datetime | None:
    """The latest end among the shifts covering ``at``; None when none does."""
    ends = [s.ends for s in shifts if s.covers(at)]
    return max(ends) if ends else None


def nearest(points: Iterable[tuple[Hashable, float, float]], lon: float, lat: float) -> Hashable | None:
    """The key of the point nearest (lon, lat); a local equirectangular metric is exact
    enough inside one precinct. Ties go to the first point given."""
    k = math.cos(math.radians(lat))
    best: Hashable | None = None
    best_d = math.inf
    for key, x, y in points:
        d = ((x - lon) * k) ** 2 + (y - lat) ** 2
        if d < best_d:
            best, best_d = key, d
    return best
