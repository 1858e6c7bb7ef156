"""处警考核: how often units reach the scene, and callers hear back, within the standard's time.

Every share comes with its uncertainty (DESIGN §4 Statistics): a 95% Wilson interval, and a
group is only called better or worse than the rest of the station when the 95% interval of
the difference (Newcombe's hybrid score method) excludes zero — otherwise the page says the
difference is within noise.

Rules, stated on the page as well:

* An alert is on time when ``on_scene_at − received_at ≤ arrival_target_minutes`` — the target
  it was held to at intake (from the standard version in force and its *original* category).
* Alerts never dispatched are left out (handled by phone, cancelled before dispatch …).
* Dispatched alerts with no arrival count as late, except those still open and still within
  their target (pending), which are left out until they are decided.
* Feedback: ``feedback_at − cleared_at ≤ feedback_target_minutes`` (from ``received_at`` when
  no unit was sent): the caller is told the outcome once it is known. Cancelled alerts are left
  out; open ones whose feedback clock has not run out are pending.

Computed in the database with grouped counts; only the arrival durations are loaded (one
float per arrived alert) for the percentiles and the histogram.

The helpers at the top (:func:`wilson_interval`, :func:`newcombe_interval`, :func:`percentile`,
:func:`quantile_interval`, :func:`histogram`) are plain functions: no database, no settings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import OPEN_STATUSES, Status
from zhengyi.alerts.models import Alert, Assignment, HandlingRule, Unit
from zhengyi.precinct.models import Zone

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


# --- the queries --------------------------------------------------------------------------

# Timestamps are stored to the microsecond; this tolerance (seconds) keeps an arrival at
# exactly the target on time whatever rounding the database's date arithmetic does.
_TOLERANCE_S = 0.001
HISTOGRAM_BIN_MINUTES = 1
HISTOGRAM_LIMIT_MINUTES = 30


class Seconds(Func):
    """``later − earlier`` in seconds (a float), computed by the database.

    SQLite stores datetimes as ISO text, which ``julianday`` reads; PostgreSQL subtracts
    timestamps natively. Either way no row is brought into Python to be timed.
    """

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        extra.setdefault("template", "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)")
        extra.setdefault("arg_joiner", " - ")
        return super().as_sql(compiler, connection, **extra)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local midnight of ``start`` up to (not including) local midnight after ``end``."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


@dataclass(frozen=True)
class _Rules:
    """The conditions every count is built from, relative to one ``now``."""

    on_time: Q
    decided: Q  # arrival decided: arrived, closed or cancelled, or past its target
    feedback_on_time: Q
    feedback_decided: Q
    cancelled: Q

    @classmethod
    def at(cls, now: datetime) -> _Rules:
        tolerance = Value(_TOLERANCE_S, output_field=FloatField())
        still_open = Q(status__in=OPEN_STATUSES)
        return cls(
            on_time=Q(on_scene_at__isnull=False, arrival_s__lte=F("arrival_target_minutes") * 60 + tolerance),
            decided=Q(on_scene_at__isnull=False)
            | ~still_open
            | Q(age_s__gte=F("arrival_target_minutes") * 60),
            feedback_on_time=Q(
                feedback_at__isnull=False, feedback_s__lte=F("feedback_target_minutes") * 60 + tolerance
            ),
            feedback_decided=Q(feedback_at__isnull=False)
            | ~still_open
            | Q(feedback_age_s__gte=F("feedback_target_minutes") * 60, dispatched_at__isnull=True)
            | Q(feedback_age_s__gte=F("feedback_target_minutes") * 60, cleared_at__isnull=False),
            cancelled=Q(status=Status.CANCELLED),
        )


def _timed(alerts: QuerySet[Alert], now: datetime) -> QuerySet[Alert]:
    return alerts.annotate(
        arrival_s=Seconds(F("on_scene_at"), F("received_at")),
        feedback_s=Seconds(F("feedback_at"), Coalesce(F("cleared_at"), F("received_at"))),
        feedback_age_s=Seconds(
            Value(now, output_field=DateTimeField()), Coalesce(F("cleared_at"), F("received_at"))
        ),
        age_s=Seconds(Value(now, output_field=DateTimeField()), F("received_at")),
    ).order_by()


def _grouped(evaluated: QuerySet[Alert], key: str, rules: _Rules) -> dict[Any, tuple[int, int]]:
    rows = (
        evaluated.values(key)
        .annotate(total=Count("pk"), hits=Count("pk", filter=rules.on_time))
        .values_list(key, "hits", "total")
    )
    return {k: (hits, total) for k, hits, total in rows}


def _against_rest(
    groups: dict[Any, tuple[int, int]], labels: dict[Any, str], overall: Share, order: list[Any] | None = None
) -> list[Share]:
    # Largest groups first; the group without a zone or unit last.
    keys = order or sorted(groups, key=lambda k: (k is None, -groups[k][1], labels.get(k, "")))
    return [
        share_against_rest(
            "" if k is None else str(k), labels.get(k, str(k)), *groups[k], overall.hits, overall.total
        )
        for k in keys
        if k in groups and groups[k][1]
    ]


def category_label(code: str) -> str:
    if (translation.get_language() or "").startswith("en"):
        return taxonomy.CATEGORIES_EN.get(code, code)
    return taxonomy.CATEGORIES.get(code, code)


def priority_label(level: int) -> str:
    labels = {1: _("紧急"), 2: _("较急"), 3: _("普通"), 4: _("一般")}
    return str(labels.get(level, level))


def _zone_labels(keys: Iterable[Any]) -> dict[Any, str]:
    english = (translation.get_language() or "").startswith("en")
    labels: dict[Any, str] = {None: str(_("未关联片区"))}
    for pk, name, name_en in Zone.objects.filter(pk__in=[k for k in keys if k]).values_list(
        "pk", "name", "name_en"
    ):
        labels[pk] = name_en if english and name_en else name
    return labels


def _unit_labels(keys: Iterable[Any]) -> dict[Any, str]:
    labels: dict[Any, str] = {None: str(_("无指派记录"))}
    for pk, code, name in Unit.objects.filter(pk__in=[k for k in keys if k]).values_list(
        "pk", "code", "name"
    ):
        labels[pk] = f"{name}（{code}）" if code not in name else name
    return labels


def _durations(
    evaluated: QuerySet[Alert],
) -> tuple[Durations, dict[str, tuple[int, float | None, float | None]]]:
    # The one column loaded row by row: the durations, for percentiles and the histogram.
    arrived = evaluated.filter(on_scene_at__isnull=False)
    rows = list(arrived.values_list("category_initial", "arrival_s"))  # type: ignore[misc]
    minutes = sorted(seconds / 60 for _category, seconds in rows)
    by_category: dict[str, list[float]] = {}
    for category, seconds in rows:
        by_category.setdefault(category, []).append(seconds / 60)
    durations = Durations(
        count=len(minutes),
        median=percentile(minutes, 50),
        p90=percentile(minutes, 90),
        median_interval=quantile_interval(minutes, 50),
        p90_interval=quantile_interval(minutes, 90),
        histogram=histogram(minutes, HISTOGRAM_BIN_MINUTES, HISTOGRAM_LIMIT_MINUTES),
        bin_minutes=HISTOGRAM_BIN_MINUTES,
        limit_minutes=HISTOGRAM_LIMIT_MINUTES,
    )
    per_category = {c: (len(v), percentile(v, 50), percentile(v, 90)) for c, v in by_category.items()}
    return durations, per_category


def _final_target() -> Case:
    """The arrival target of the alert's *final* classification, in the version it was held to."""
    rules = HandlingRule.objects.filter(standard=OuterRef("standard"), category=OuterRef("category"))
    return Case(
        When(category=F("category_initial"), then=F("arrival_target_minutes")),
        default=Coalesce(
            Subquery(rules.filter(zone_kind=OuterRef("zone__kind")).values("arrival_minutes")[:1]),
            Subquery(rules.filter(zone_kind="").values("arrival_minutes")[:1]),
            F("arrival_target_minutes"),
        ),
        output_field=IntegerField(),
    )


def _first_unit() -> Coalesce:
    """The unit of the first assignment to reach the scene; with no arrival, the first one sent."""
    assignments = Assignment.objects.filter(alert=OuterRef("pk"))
    arrived = assignments.filter(on_scene_at__isnull=False).order_by("on_scene_at", "pk").values("unit")[:1]
    sent = assignments.order_by("dispatched_at", "pk").values("unit")[:1]
    return Coalesce(Subquery(arrived), Subquery(sent))


def _arrival_share(evaluated: QuerySet[Alert], rules: _Rules) -> Share:
    totals = evaluated.aggregate(total=Count("pk"), hits=Count("pk", filter=rules.on_time))
    return Share("all", str(_("全部")), totals["hits"], totals["total"])


# The columns of the one grouped query over the period, summed in Python per dimension.
_CELL_KEYS = ("category_initial", "zone", "priority_initial", "priority")
_CELL_COUNTS = (
    "received",
    "never_dispatched",
    "arrival_total",
    "arrival_hits",
    "no_arrival",
    "final_hits",
    "flattered",
    "harsher",
    "feedback_total",
    "feedback_hits",
    "feedback_cancelled",
    "category_changed",
)


def _cells(period: QuerySet[Alert], rules: _Rules) -> list[dict[str, Any]]:
    """One pass over the period: every count, grouped by category, zone and both priorities.

    At most 10 categories × zones × 16 priority pairs rows, usually a few hundred; the
    per-dimension figures are sums of these.
    """
    tolerance = Value(_TOLERANCE_S, output_field=FloatField())
    on_time_final = Q(on_scene_at__isnull=False, arrival_s__lte=F("final_target") * 60 + tolerance)
    dispatched = Q(dispatched_at__isnull=False)
    counted = dispatched & rules.decided
    feedback_counted = ~rules.cancelled & rules.feedback_decided
    return list(
        period.annotate(final_target=_final_target())
        .values(*_CELL_KEYS)
        .annotate(
            received=Count("pk"),
            never_dispatched=Count("pk", filter=~dispatched),
            arrival_total=Count("pk", filter=counted),
            arrival_hits=Count("pk", filter=counted & rules.on_time),
            no_arrival=Count("pk", filter=counted & Q(on_scene_at__isnull=True)),
            final_hits=Count("pk", filter=counted & on_time_final),
            flattered=Count("pk", filter=counted & on_time_final & ~rules.on_time),
            harsher=Count("pk", filter=counted & rules.on_time & ~on_time_final),
            feedback_total=Count("pk", filter=feedback_counted),
            feedback_hits=Count("pk", filter=feedback_counted & rules.feedback_on_time),
            feedback_cancelled=Count("pk", filter=rules.cancelled),
            category_changed=Count("pk", filter=~Q(category=F("category_initial"))),
        )
    )


def _sum_by(cells: list[dict[str, Any]], key: str) -> dict[Any, tuple[int, int]]:
    """``{value of key: (arrival hits, arrival total)}``."""
    out: dict[Any, tuple[int, int]] = {}
    for c in cells:
        hits, total = out.get(c[key], (0, 0))
        out[c[key]] = (hits + c["arrival_hits"], total + c["arrival_total"])
    return out


def compliance_report(
    user: Any, *, start: date, end: date, station_ids: list[int] | None = None, now: datetime | None = None
) -> ComplianceReport:
    """The compliance figures over the alerts ``user`` may view, received from ``start`` to ``end``."""
    now = now or timezone.now()
    rules = _Rules.at(now)
    alerts = Alert.objects.restrict(user, "view")
    if station_ids is not None:
        alerts = alerts.filter(station_id__in=station_ids)
    low, high = period_bounds(start, end)
    period = _timed(alerts.filter(received_at__gte=low, received_at__lt=high), now)
    report = ComplianceReport(start, end)

    cells = _cells(period, rules)
    totals = {name: sum(c[name] for c in cells) for name in _CELL_COUNTS}
    all_ = str(_("全部"))
    report.received = totals["received"]
    report.never_dispatched = totals["never_dispatched"]
    report.no_arrival = totals["no_arrival"]
    report.pending_arrival = report.received - report.never_dispatched - totals["arrival_total"]
    report.arrival = overall = Share("all", all_, totals["arrival_hits"], totals["arrival_total"])
    report.feedback = Share("all", all_, totals["feedback_hits"], totals["feedback_total"])
    report.feedback_cancelled = totals["feedback_cancelled"]
    report.feedback_pending = report.received - report.feedback_cancelled - totals["feedback_total"]

    # Original against final priority: the matrix, the shares counted by each, reclassification.
    levels = list(taxonomy.PRIORITIES)
    matrix: dict[tuple[int, int], int] = {}
    for c in cells:
        pair = (c["priority_initial"], c["priority"])
        matrix[pair] = matrix.get(pair, 0) + c["received"]
    report.matrix = [[matrix.get((a, b), 0) for b in levels] for a in levels]
    changed = sum(n for (a, b), n in matrix.items() if a != b)
    report.downgraded = sum(n for (a, b), n in matrix.items() if b > a)  # 1 is the most urgent
    report.upgraded = changed - report.downgraded
    report.reclassified_priority = Share("priority", str(_("改变等级")), changed, report.received)
    report.reclassified_category = Share(
        "category", str(_("改变类别")), totals["category_changed"], report.received
    )
    for key, attr in (("priority_initial", "by_priority_initial"), ("priority", "by_priority_final")):
        groups = _sum_by(cells, key)
        shares = [Share(str(p), priority_label(p), *groups.get(p, (0, 0))) for p in levels]
        setattr(report, attr, shares)
    report.arrival_final_target = Share(
        "final", str(_("按最终类别时限")), totals["final_hits"], overall.total
    )
    report.verdict_flattered, report.verdict_harsher = totals["flattered"], totals["harsher"]

    # By category (the one at intake, which set the target), zone and unit, each against the rest.
    report.by_category = _against_rest(
        _sum_by(cells, "category_initial"),
        {c: category_label(c) for c in taxonomy.CATEGORIES},
        overall,
        list(taxonomy.CATEGORIES),
    )
    by_zone = _sum_by(cells, "zone")
    report.by_zone = _against_rest(by_zone, _zone_labels(by_zone), overall)
    evaluated = period.filter(Q(dispatched_at__isnull=False) & rules.decided)
    by_unit = _grouped(evaluated.annotate(first_unit=_first_unit()), "first_unit", rules)
    report.by_unit = _against_rest(by_unit, _unit_labels(by_unit), overall)

    report.durations, report.category_durations = _durations(evaluated)

    # Like with like: the period of the same length just before this one.
    previous_end = start - timedelta(days=1)
    previous_start = previous_end - timedelta(days=report.days - 1)
    previous_low, previous_high = period_bounds(previous_start, previous_end)
    previous_period = _timed(alerts.filter(received_at__gte=previous_low, received_at__lt=previous_high), now)
    previous = _arrival_share(previous_period.filter(Q(dispatched_at__isnull=False) & rules.decided), rules)
    difference: tuple[float | None, float | None, float | None] = (None, None, None)
    if overall.total and previous.total:
        difference = newcombe_interval(overall.hits, overall.total, previous.hits, previous.total)
    report.comparison = Comparison(previous_start, previous_end, previous, *difference)
    return report
