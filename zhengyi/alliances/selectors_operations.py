"""贡献: what an alliance's records show, month by month — and nothing they do not.

Alerts handled are the assignments of the alliance's guard-team units (``DutyUnit``); an
assignment is *on time* when the unit reached the scene within the arrival target the
alert was held to (its handling standard, fixed at intake). Assignments with no arrival
recorded are counted as handled but not in the on-time share — they are shown apart, not
guessed. Catches are the suspects the alliance's teams caught, each a party of a case, by the
month of the catch. Inspections are counted by the month they were made; open rectifications as they
stood at the month's end (or today, for the current month).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext

from zhengyi.alerts import taxonomy
from zhengyi.alerts.models import Assignment
from zhengyi.alliances.models import Alliance, Inspection, Rectification
from zhengyi.alliances.models_catches import Catch
from zhengyi.core.models import User


@dataclass
class MonthFigures:
    month: date  # the first of the month
    alerts: int = 0  # distinct alerts a guard unit was sent to
    by_category: Counter[str] = field(default_factory=Counter)
    arrived: int = 0  # assignments with an arrival recorded
    on_time: int = 0
    inspections: int = 0
    signed: int = 0
    open_rectifications: int = 0
    overdue_rectifications: int = 0
    catches: int = 0  # suspects the alliance's teams caught (each a party of a case)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.arrived if self.arrived else None


def month_starts(today: date, months: int) -> list[date]:
    first = today.replace(day=1)
    out = [first]
    while len(out) < months:
        prev = out[-1] - timedelta(days=1)
        out.append(prev.replace(day=1))
    return sorted(out)


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def _aware(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, datetime.min.time()))


def contribution(
    user: User, alliance: Alliance, *, months: int = 12, today: date | None = None
) -> list[MonthFigures]:
    """The alliance's figures for the last ``months`` months, oldest first, within ``user``'s reach."""
    today = today or timezone.localdate()
    starts = month_starts(today, months)
    rows = {m: MonthFigures(m) for m in starts}
    begin, end = _aware(starts[0]), _aware(_next_month(starts[-1]))
    assignments = (
        Assignment.objects.restrict(user, "view")
        .filter(unit__duty_team__team__alliance=alliance, dispatched_at__gte=begin, dispatched_at__lt=end)
        .select_related("alert")
        .order_by("dispatched_at")
    )
    seen: set[tuple[date, int]] = set()
    for a in assignments:
        month = timezone.localtime(a.dispatched_at).date().replace(day=1)
        row = rows[month]
        if (month, a.alert_id) not in seen:
            seen.add((month, a.alert_id))
            row.alerts += 1
            row.by_category[a.alert.category] += 1
        if a.on_scene_at is not None:
            row.arrived += 1
            target = timedelta(minutes=a.alert.arrival_target_minutes)
            if a.on_scene_at - a.alert.received_at <= target:
                row.on_time += 1
    inspections = Inspection.objects.restrict(user, "view").filter(
        organisation__alliance=alliance, date__gte=starts[0], date__lt=_next_month(starts[-1])
    )
    for i in inspections:
        row = rows[i.date.replace(day=1)]
        row.inspections += 1
        row.signed += i.frozen
    rects = list(
        Rectification.objects.restrict(user, "view")
        .filter(inspection__organisation__alliance=alliance)
        .values_list("inspection__date", "deadline", "done_on")
    )
    catches = Catch.objects.restrict(user, "view").filter(
        team__alliance=alliance, caught_at__gte=begin, caught_at__lt=end
    )
    for at in catches.values_list("caught_at", flat=True):
        rows[timezone.localtime(at).date().replace(day=1)].catches += 1
    for m in starts:
        as_of = min(_next_month(m) - timedelta(days=1), today)
        for made, deadline, done in rects:
            if made <= as_of and (done is None or done > as_of):
                rows[m].open_rectifications += 1
                rows[m].overdue_rectifications += deadline < as_of
    return [rows[m] for m in starts]


def category_labels(figures: list[MonthFigures]) -> list[tuple[str, str]]:
    """(code, label) of every category that occurs, in the taxonomy's order."""
    used = set().union(*(f.by_category for f in figures)) if figures else set()
    return [(code, gettext(label)) for code, label in taxonomy.CATEGORIES.items() if code in used]
