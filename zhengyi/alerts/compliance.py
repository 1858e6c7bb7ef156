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

The statistics (:func:`wilson_interval`, :func:`newcombe_interval`, :func:`percentile` …) and
the result types live in :mod:`zhengyi.alerts.compliance_stats`: no database, no settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
from zhengyi.alerts.compliance_stats import (
    Comparison,
    ComplianceReport,
    Durations,
    Share,
    histogram,
    newcombe_interval,
    percentile,
    quantile_interval,
    share_against_rest,
)
from zhengyi.alerts.models import Alert, Assignment, HandlingRule, Unit
from zhengyi.precinct.models import Zone

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
        labels[pk] = _("%(name)s（%(code)s）") % {"name": name, "code": code} if code not in name else name
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
