"""The time limits running in each case, from its stages, measures and extensions (read-only).

The rules and numbers are in the pure :mod:`zhengyi.cases.deadlines`; this module only finds
when each limit started and whether (and when) it was met.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from zhengyi.cases import deadlines as dl
from zhengyi.cases import stages
from zhengyi.cases.models import Case, Extension, Measure, StageChange
from zhengyi.core.models import User

DEFAULT_SOON = timedelta(days=3)
_AFTER_ARREST = {stages.CONCLUDED, stages.PROSECUTION, stages.REVOKED}


def _day_end(day: object) -> datetime:
    # A decision dated a day counts as made by the end of that day.
    tz = timezone.get_current_timezone()
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)  # type: ignore[arg-type]


def _prefetched(cases: Iterable[Case]) -> list[Case]:
    ids = [c.pk for c in cases]
    return list(
        Case.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("stage_changes", queryset=StageChange.objects.order_by("at", "id")),
            Prefetch(
                "measures", queryset=Measure.objects.select_related("party").order_by("started_at", "id")
            ),
            Prefetch("extensions", queryset=Extension.objects.order_by("created_at", "id")),
        )
    )


def case_deadlines(case: Case) -> list[dl.Deadline]:
    return deadlines_of(_prefetched([case])[0])


def deadlines_of(case: Case) -> list[dl.Deadline]:
    """Every time limit of a prefetched case (see :func:`_prefetched`), met or running."""
    grants: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for ext in case.extensions.all():
        grants[(ext.limit, ext.measure_id)].append(ext.amount)
    changes = list(case.stage_changes.all())
    entered = {c.stage: c.at for c in changes}
    out: list[dl.Deadline] = []
    if case.kind == Case.Kind.CRIMINAL:
        code = dl.filing_review_code(case.category == Case.Category.ECONOMIC)
        decided = entered.get(stages.FILED) or entered.get(stages.NOT_FILED)
        out.append(dl.deadline(code, case.opened_at, granted=grants[(code, None)], met_at=decided))
        if stages.NOT_FILED in entered:
            out.append(
                dl.deadline("not_filed_notice", entered[stages.NOT_FILED], met_at=case.notice_served_at)
            )
    else:
        out.append(
            dl.deadline(
                "public_order",
                case.opened_at,
                granted=grants[("public_order", None)],
                met_at=entered.get(stages.DECIDED),
            )
        )
    measures = list(case.measures.all())
    for m in measures:
        out.extend(_measure_deadlines(case, m, measures, grants, entered))
    return out


def _measure_deadlines(
    case: Case,
    m: Measure,
    measures: list[Measure],
    grants: dict[tuple[str, int | None], list[int]],
    entered: dict[str, datetime],
) -> list[dl.Deadline]:
    k = m.kind

    def one(code: str, met_at: datetime | None) -> dl.Deadline:
        return dl.deadline(
            code,
            m.started_at,
            granted=grants[(code, m.pk)],
            met_at=met_at,
            subject=str(m.party),
            measure_id=m.pk,
        )

    if k == Measure.Kind.SUMMONS:
        code = dl.summons_code(case.kind == Case.Kind.CRIMINAL)
        return [one(code, m.ended_at)]
    if k == Measure.Kind.DETENTION:
        requested = [
            x.started_at
            for x in measures
            if x.party_id == m.party_id
            and x.kind == Measure.Kind.ARREST_REQUEST
            and x.started_at >= m.started_at
        ]
        ends = [t for t in (min(requested, default=None), m.ended_at) if t is not None]
        return [
            one("detention_custody", m.custody_at),
            one("detention_family", m.family_notified_at),
            one("detention_interrogation", m.interrogated_at),
            one("arrest_request", min(ends, default=None)),
        ]
    if k == Measure.Kind.ARREST_REQUEST:
        met = _day_end(m.decision_on) if m.decision_on else None
        return [one("procuratorate_decision", met)]
    if k == Measure.Kind.ARREST:
        done = [t for s, t in entered.items() if s in _AFTER_ARREST and t >= m.started_at]
        ends = [t for t in (min(done, default=None), m.ended_at) if t is not None]
        return [one("investigative_detention", min(ends, default=None))]
    if k in (Measure.Kind.BAIL, Measure.Kind.SURVEILLANCE):
        code = "bail" if k == Measure.Kind.BAIL else "surveillance"
        return [one(code, m.ended_at)]
    return []


@dataclass(frozen=True)
class BoardRow:
    case: Case
    deadline: dl.Deadline
    status: str


def board(
    user: User,
    *,
    mine: bool = False,
    soon: timedelta = DEFAULT_SOON,
    now: datetime | None = None,
    station_id: int | None = None,
) -> list[BoardRow]:
    """Running limits due within ``soon`` or overdue, soonest first, over the cases ``user`` may
    view (``mine``: only the cases they investigate)."""
    now = now or timezone.now()
    cases = Case.objects.restrict(user, "view").exclude(stage__in=list(stages.TERMINAL - {stages.NOT_FILED}))
    if mine:
        cases = cases.filter(investigators=user)
    if station_id is not None:
        cases = cases.filter(station_id=station_id)
    rows = []
    for case in _prefetched(cases.select_related(None)):
        for d in deadlines_of(case):
            if not d.is_open:
                continue
            status = d.status(now, soon)
            if status in (dl.OVERDUE, dl.DUE_SOON):
                rows.append(BoardRow(case, d, status))
    rows.sort(key=lambda r: (r.deadline.due, r.case.number))
    return rows
