"""处警考核的统计: shares with their uncertainty, percentiles, and the report's result types.

Plain functions and dataclasses — no database, no settings — so they are tested directly and
reused by any later statistics (DESIGN §4 Statistics: counts with their uncertainty).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# 97.5th percentile of the standard normal: two-sided 95% intervals.
Z95 = 1.959963984540054


# --- pure helpers -------------------------------------------------------------------------


def wilson_interval(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion ``successes / total``.

    Unlike the textbook ``p ± z·√(p(1−p)/n)`` it stays within [0, 1] and is honest for small
    ``total`` and for shares near 0 or 100% (3 of 3 on time is not "100% ± 0").
    """
    if total <= 0:
        raise ValueError("total must be positive")
    if not 0 <= successes <= total:
        raise ValueError("successes must be between 0 and total")
    p = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


def newcombe_interval(
    successes_a: int, total_a: int, successes_b: int, total_b: int, z: float = Z95
) -> tuple[float, float, float]:
    """``(difference, low, high)`` for ``p_a − p_b`` of two independent proportions.

    Newcombe's hybrid score interval (method 10, Stat Med 1998), built from the two Wilson
    intervals; it behaves well for small counts where the Wald interval does not.
    """
    p_a, p_b = successes_a / total_a, successes_b / total_b
    low_a, high_a = wilson_interval(successes_a, total_a, z)
    low_b, high_b = wilson_interval(successes_b, total_b, z)
    difference = p_a - p_b
    low = difference - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    high = difference + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return difference, max(-1.0, low), min(1.0, high)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0–100) by linear interpolation between order statistics.

    The same definition as ``numpy.percentile``'s default (Hyndman & Fan type 7). ``None`` for
    no values. ``values`` need not be sorted.
    """
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction


def quantile_interval(sorted_values: Sequence[float], q: float, z: float = Z95) -> tuple[float, float] | None:
    """A distribution-free ~95% interval for the ``q``-th percentile (0–100) of ``sorted_values``.

    The order statistics at ranks ``n·p ∓ z·√(n·p·(1−p))`` (normal approximation to the
    binomial count of values below the true percentile). ``None`` for fewer than two values.
    """
    n = len(sorted_values)
    if n < 2:
        return None
    p = q / 100
    spread = z * math.sqrt(n * p * (1 - p))
    low_rank = max(1, math.floor(n * p - spread))
    high_rank = min(n, math.ceil(n * p + spread) + 1)
    return sorted_values[low_rank - 1], sorted_values[high_rank - 1]


def histogram(values: Iterable[float], width: float, limit: float) -> list[int]:
    """Counts per bin ``[i·width, (i+1)·width)`` up to ``limit``; the last bin holds the rest."""
    bins = math.ceil(limit / width)
    counts = [0] * (bins + 1)
    for v in values:
        counts[min(bins, max(0, int(v // width)))] += 1
    return counts


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """``hits`` of ``total`` — with its Wilson interval and, for a group, how it sits against the rest."""

    key: str
    label: str
    hits: int
    total: int
    # The difference to the rest of the station (p_group − p_rest) and its 95% interval.
    versus_rest: tuple[float, float, float] | None = None

    @property
    def share(self) -> float | None:
        return self.hits / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.hits, self.total) if self.total else None

    @property
    def pct(self) -> float | None:
        return None if self.share is None else 100 * self.share

    @property
    def low_pct(self) -> float | None:
        return None if self.interval is None else 100 * self.interval[0]

    @property
    def high_pct(self) -> float | None:
        return None if self.interval is None else 100 * self.interval[1]

    @property
    def signal(self) -> str:
        """``below`` / ``above`` the rest beyond noise, ``noise`` within it, blank when not compared."""
        if self.versus_rest is None:
            return ""
        _diff, low, high = self.versus_rest
        if high < 0:
            return "below"
        if low > 0:
            return "above"
        return "noise"

    def as_json(self) -> dict[str, Any]:
        interval = self.interval
        return {
            "key": self.key,
            "label": self.label,
            "hits": self.hits,
            "total": self.total,
            "share": None if self.share is None else round(self.share, 4),
            "low": None if interval is None else round(interval[0], 4),
            "high": None if interval is None else round(interval[1], 4),
            "signal": self.signal,
        }


def share_against_rest(key: str, label: str, hits: int, total: int, all_hits: int, all_total: int) -> Share:
    """A group's share, compared with everyone else in the same population."""
    rest_hits, rest_total = all_hits - hits, all_total - total
    versus = None
    if total and rest_total:
        versus = newcombe_interval(hits, total, rest_hits, rest_total)
    return Share(key, label, hits, total, versus)


@dataclass(frozen=True)
class Durations:
    """Received → on-scene minutes of the arrived alerts."""

    count: int
    median: float | None
    p90: float | None
    median_interval: tuple[float, float] | None
    p90_interval: tuple[float, float] | None
    histogram: list[int]
    bin_minutes: int
    limit_minutes: int


@dataclass(frozen=True)
class Comparison:
    """This period against the one of the same length just before it."""

    start: date
    end: date
    previous: Share
    difference: float | None
    low: float | None
    high: float | None

    @property
    def signal(self) -> str:
        if self.low is None or self.high is None:
            return ""
        if self.high < 0:
            return "below"
        if self.low > 0:
            return "above"
        return "noise"

    @property
    def difference_pts(self) -> float | None:
        return None if self.difference is None else 100 * self.difference

    @property
    def low_pts(self) -> float | None:
        return None if self.low is None else 100 * self.low

    @property
    def high_pts(self) -> float | None:
        return None if self.high is None else 100 * self.high


@dataclass
class ComplianceReport:
    start: date
    end: date
    received: int = 0
    never_dispatched: int = 0
    no_arrival: int = 0  # dispatched, never arrived: counted late
    pending_arrival: int = 0  # still within target: left out
    arrival: Share = field(default_factory=lambda: Share("all", "", 0, 0))
    feedback: Share = field(default_factory=lambda: Share("all", "", 0, 0))
    feedback_cancelled: int = 0
    feedback_pending: int = 0
    by_category: list[Share] = field(default_factory=list)
    by_zone: list[Share] = field(default_factory=list)
    by_unit: list[Share] = field(default_factory=list)
    durations: Durations | None = None
    category_durations: dict[str, tuple[int, float | None, float | None]] = field(default_factory=dict)
    # Priority: counts initial × final, and on-time shares counted by each.
    matrix: list[list[int]] = field(default_factory=list)
    by_priority_initial: list[Share] = field(default_factory=list)
    by_priority_final: list[Share] = field(default_factory=list)
    reclassified_priority: Share = field(default_factory=lambda: Share("priority", "", 0, 0))
    reclassified_category: Share = field(default_factory=lambda: Share("category", "", 0, 0))
    downgraded: int = 0
    upgraded: int = 0
    # On time when judged by the target of the *final* classification instead of the held one.
    arrival_final_target: Share = field(default_factory=lambda: Share("final", "", 0, 0))
    verdict_flattered: int = 0  # late by the held target, on time by the final one
    verdict_harsher: int = 0  # on time by the held target, late by the final one
    comparison: Comparison | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
