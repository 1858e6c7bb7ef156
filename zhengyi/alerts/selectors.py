"""Reads for the 接处警 pages: restricted by the user, computed from the alert's own timestamps.

Nothing here writes. Every queryset starts from ``Model.objects.restrict(user, "view")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import OPEN_STATUSES, Status, Step
from zhengyi.alerts.models import (
    Alert,
    AlertEvent,
    Assignment,
    HandlingStandard,
    Subcategory,
    Unit,
    UnitCrew,
)
from zhengyi.alerts.services.standards import default_rules, standard_in_force
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require_for_station
from zhengyi.precinct.choices import Level
from zhengyi.precinct.models import Building, Landmark

OPEN = frozenset(str(s) for s in OPEN_STATUSES)
PLACES_LIMIT = 20


# ---------- alerts ----------


def alerts_for(user: User) -> QuerySet[Alert]:
    return Alert.objects.restrict(user, "view").select_related(
        "station", "building", "landmark", "zone", "subcategory", "standard"
    )


def alert_for(user: User, pk: int) -> Alert | None:
    return alerts_for(user).filter(pk=pk).first()


def alert_list(
    user: User, *, status: str = "open", category: str = "", priority: int | None = None
) -> QuerySet[Alert]:
    """Open alerts first (most urgent, then longest waiting), then the rest, newest first."""
    qs = alerts_for(user)
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status == "closed":
        qs = qs.exclude(status__in=OPEN)
    if category:
        qs = qs.filter(category=category)
    if priority is not None:
        qs = qs.filter(priority=priority)
    is_open = Q(status__in=OPEN)
    return qs.annotate(
        open_rank=Case(When(is_open, then=Value(0)), default=Value(1), output_field=IntegerField()),
        open_priority=Case(When(is_open, then=F("priority")), default=Value(0), output_field=IntegerField()),
        open_received=Case(
            When(is_open, then=F("received_at")), default=Value(None), output_field=DateTimeField()
        ),
        closed_received=Case(
            When(is_open, then=Value(None)), default=F("received_at"), output_field=DateTimeField()
        ),
    ).order_by("open_rank", "open_priority", "open_received", F("closed_received").desc(), "-id")


def mmss(seconds: float | None) -> str:
    """Minutes and seconds, ``m:ss`` (minutes keep counting past 60)."""
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def clock_text(seconds: float | None) -> str:
    """A running clock: ``m:ss`` under an hour, ``h:mm:ss`` from then on."""
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    if s < 3600:
        return mmss(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


@dataclass(frozen=True)
class Deadline:
    """One target (到场 or 反馈): when it falls due, when it was met, and how it stands now."""

    due: datetime
    done: datetime | None
    state: str  # "met", "late", "overdue", "pending" or "none" (closed without it)
    seconds: float  # to the deadline when pending, past it when overdue or late, before it when met

    @property
    def text(self) -> str:
        return clock_text(self.seconds)

    @property
    def flagged(self) -> bool:
        return self.state in ("late", "overdue")


def _deadline(due: datetime, done: datetime | None, still_open: bool, now: datetime) -> Deadline:
    if done is not None:
        late = (done - due).total_seconds()
        return Deadline(due, done, "late" if late > 0 else "met", abs(late))
    if not still_open:
        return Deadline(due, None, "none", 0.0)
    left = (due - now).total_seconds()
    return Deadline(due, None, "pending" if left >= 0 else "overdue", abs(left))


@dataclass(frozen=True)
class Clock:
    """Elapsed time and the two targets of an alert, as they stand at ``now``."""

    is_open: bool
    elapsed_s: float
    ended_at: datetime | None
    arrival: Deadline
    feedback: Deadline

    @property
    def elapsed_text(self) -> str:
        return clock_text(self.elapsed_s)

    @property
    def overdue(self) -> bool:
        return self.arrival.state == "overdue" or self.feedback.state == "overdue"


def clock(alert: Alert, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    is_open = alert.status in OPEN
    ended = None if is_open else (alert.closed_at or alert.cleared_at or alert.received_at)
    elapsed = ((ended or now) - alert.received_at).total_seconds()
    # Arrival is owed until someone is on scene; once the work is cleared it is no longer awaited.
    awaiting_arrival = is_open and alert.status != Status.CLEARED
    return Clock(
        is_open=is_open,
        elapsed_s=elapsed,
        ended_at=ended,
        arrival=_deadline(
            alert.received_at + timedelta(minutes=alert.arrival_target_minutes),
            alert.on_scene_at,
            awaiting_arrival,
            now,
        ),
        feedback=_deadline(
            alert.received_at + timedelta(minutes=alert.feedback_target_minutes),
            alert.feedback_at,
            is_open,
            now,
        ),
    )


@dataclass(frozen=True)
class Interval:
    """One response interval: from the previous recorded stage to this one, and from 受理."""

    key: str
    step: str
    at: datetime | None
    seconds: float | None  # since the previous recorded stage
    since_received: float | None

    @property
    def label(self) -> str:
        return str(Step(self.step).label)

    @property
    def text(self) -> str:
        return mmss(self.seconds)

    @property
    def total_text(self) -> str:
        return mmss(self.since_received)


# received → dispatched → en route → on scene → cleared → closed (DESIGN §4)
INTERVAL_STAGES: list[tuple[str, str]] = [
    ("dispatched_at", Step.DISPATCHED),
    ("en_route_at", Step.EN_ROUTE),
    ("on_scene_at", Step.ON_SCENE),
    ("cleared_at", Step.CLEARED),
    ("closed_at", Step.FEEDBACK),
]


def response_intervals(alert: Alert) -> list[Interval]:
    """The intervals from the alert's timestamps; a skipped stage is measured from the last one seen."""
    out: list[Interval] = []
    previous = alert.received_at
    for field, step in INTERVAL_STAGES:
        at: datetime | None = getattr(alert, field)
        if at is None:
            out.append(Interval(field, step, None, None, None))
            continue
        out.append(
            Interval(
                field,
                step,
                at,
                (at - previous).total_seconds(),
                (at - alert.received_at).total_seconds(),
            )
        )
        previous = at
    return out


def timeline(user: User, alert: Alert) -> QuerySet[AlertEvent]:
    return (
        AlertEvent.objects.restrict(user, "view")
        .filter(alert=alert)
        .select_related("unit")
        .order_by("time", "id")
    )


def next_step(assignment: Assignment) -> str | None:
    """The unit's next step on this assignment: 出警 → 到场 → 处置, or None when finished."""
    if not assignment.active:
        return None
    if assignment.en_route_at is None:
        return Step.EN_ROUTE
    if assignment.on_scene_at is None:
        return Step.ON_SCENE
    if assignment.cleared_at is None:
        return Step.CLEARED
    return None


def assignments_for(user: User, alert: Alert) -> list[Assignment]:
    rows = list(
        Assignment.objects.restrict(user, "view")
        .filter(alert=alert)
        .select_related("unit")
        .order_by("-active", "dispatched_at")
    )
    for a in rows:
        a.next_step = next_step(a)
        finite = a.eta_seconds is not None and a.eta_seconds != float("inf")
        a.eta_minutes = a.eta_seconds / 60 if finite and a.eta_seconds is not None else None
    return rows


# ---------- units ----------


@dataclass(frozen=True)
class UnitCard:
    unit: Unit
    assignment: Assignment | None
    next_step: str | None
    position_age_s: float | None
    crew: list[User]
    mine: bool  # the user crews this unit

    @property
    def age_minutes(self) -> int:
        return int((self.position_age_s or 0) // 60)

    @property
    def age_hours(self) -> int:
        return int((self.position_age_s or 0) // 3600)


def unit_cards(user: User, station: Station | None, now: datetime | None = None) -> list[UnitCard]:
    """The station's units with their active assignment (at most one each) and crew; the
    user's own units first, so an officer's phone opens on theirs."""
    now = now or timezone.now()
    units = Unit.objects.restrict(user, "view").select_related("station")
    if station is not None:
        units = units.filter(station=station)
    unit_list = list(units.order_by("code"))
    crews: dict[int, list[User]] = {}
    for link in (
        UnitCrew.objects.restrict(user, "view")
        .filter(unit__in=unit_list)
        .select_related("user")
        .order_by("since", "id")
    ):
        crews.setdefault(link.unit_id, []).append(link.user)
    active = {
        a.unit_id: a
        for a in Assignment.objects.restrict(user, "view")
        .filter(unit__in=unit_list, active=True)
        .select_related("alert", "alert__building", "alert__landmark", "alert__zone")
    }
    cards = [
        UnitCard(
            unit=u,
            assignment=active.get(u.pk),
            next_step=next_step(active[u.pk]) if u.pk in active else None,
            position_age_s=(now - u.position_at).total_seconds() if u.position_at else None,
            crew=crews.get(u.pk, []),
            mine=any(m.pk == user.pk for m in crews.get(u.pk, [])),
        )
        for u in unit_list
    ]
    return sorted(cards, key=lambda c: not c.mine)


def crew_candidates(user: User, station: Station) -> list[User]:
    """The station's staff who may crew a unit (their role may change units), for the crew
    form. Offered only to those who may set crews; names and badge numbers, nothing personal."""
    require_for_station(user, "add", UnitCrew, station)
    return list(
        User.objects.filter(
            station=station,
            is_active=True,
            is_superuser=False,
            roles__rules__model=Unit._meta.label_lower,
            roles__rules__action="change",
        )
        .distinct()
        .order_by("badge_number", "username")
    )


def unit_for(user: User, pk: int, action: str = "view") -> Unit | None:
    return Unit.objects.restrict(user, action).select_related("station").filter(pk=pk).first()


# ---------- intake helpers ----------


def user_station(user: User) -> Station | None:
    """The station whose alerts the user takes: their own."""
    station_id = getattr(user, "station_id", None)
    if station_id is None:
        return None
    return Station.objects.restrict(user, "view").filter(pk=station_id).first()


def places(
    user: User, query: str, station: Station | None = None, limit: int = PLACES_LIMIT
) -> list[dict[str, Any]]:
    """Buildings and landmarks matching ``query`` (name, code or address), best matches first."""
    q = query.strip()
    if not q:
        return []
    buildings = Building.objects.restrict(user, "view").select_related("zone")
    landmarks = Landmark.objects.restrict(user, "view").select_related("space")
    if station is not None:
        buildings = buildings.filter(station=station)
        landmarks = landmarks.filter(station=station)
    building_rows = list(
        buildings.filter(Q(name__icontains=q) | Q(code__istartswith=q) | Q(address__icontains=q)).order_by(
            "name"
        )[: limit * 2]
    )
    landmark_rows = list(
        landmarks.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__istartswith=q)).order_by(
            "name"
        )[: limit * 2]
    )

    def rank(name: str, code: str) -> int:
        lowered = q.lower()
        if name.lower() == lowered or code.lower() == lowered:
            return 0
        if name.lower().startswith(lowered):
            return 1
        if lowered in name.lower():
            return 2
        return 3

    items: list[tuple[int, str, dict[str, Any]]] = []
    for b in building_rows:
        items.append(
            (
                rank(b.name, b.code),
                b.name,
                {
                    "type": "building",
                    "id": b.pk,
                    "name": b.name,
                    "code": b.code,
                    "hint": b.address,
                    "zone": b.zone.name if b.zone else "",
                    "level": Level.STREET,
                    "lon": b.lon,
                    "lat": b.lat,
                },
            )
        )
    for m in landmark_rows:
        items.append(
            (
                rank(m.name, m.code),
                m.name,
                {
                    "type": "landmark",
                    "id": m.pk,
                    "name": m.name,
                    "code": m.code,
                    "hint": m.get_kind_display(),
                    "zone": "",
                    "level": m.space.level,
                    "lon": m.lon,
                    "lat": m.lat,
                },
            )
        )
    items.sort(key=lambda t: (t[0], len(t[1]), t[1]))
    return [item for _rank, _name, item in items[:limit]]


def resolve_place(user: User, station: Station | None, name: str) -> tuple[str, int] | None:
    """A typed name that is exactly one building or landmark: ``("building", id)``; else None."""
    name = name.strip()
    if not name:
        return None
    buildings = Building.objects.restrict(user, "view").filter(Q(name=name) | Q(code=name))
    landmarks = Landmark.objects.restrict(user, "view").filter(Q(name=name) | Q(code=name))
    if station is not None:
        buildings, landmarks = buildings.filter(station=station), landmarks.filter(station=station)
    found = [("building", pk) for pk in buildings.values_list("pk", flat=True)[:2]]
    found += [("landmark", pk) for pk in landmarks.values_list("pk", flat=True)[:2]]
    return found[0] if len(found) == 1 else None


def category_defaults(
    station: Station | None, at: datetime | None = None
) -> tuple[int | None, dict[str, Any]]:
    """The handling standard's default priority and targets per category (zone-independent rules).

    Returns ``(version, {category: {"priority", "arrival", "feedback"}})``; the version is None
    when the station has no standard yet (the built-in defaults, which the first alert adopts).
    """
    standard: HandlingStandard | None = None
    if station is not None:
        standard = standard_in_force(station, at or timezone.now())
    if standard is not None:
        rules = [
            (r.category, r.zone_kind, r.priority, r.arrival_minutes, r.feedback_minutes)
            for r in standard.rules.all()
        ]
        version: int | None = standard.version
    else:
        rules = [
            (r.category, r.zone_kind, r.priority, r.arrival_minutes, r.feedback_minutes)
            for r in default_rules()
        ]
        version = None
    return version, {
        cat: {"priority": prio, "arrival": arrival, "feedback": feedback}
        for cat, zone_kind, prio, arrival, feedback in rules
        if not zone_kind
    }


def category_options(defaults: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """What the category box offers: the ten categories, then their active subcategories."""
    options: list[dict[str, Any]] = []
    for code in taxonomy.CATEGORIES:
        d = defaults.get(code, {})
        options.append(
            {
                "c": code,
                "s": "",
                "label": labels.get(code, taxonomy.CATEGORIES[code]),
                "parent": "",
                "py": "",
                "kind": taxonomy.default_kind(code),
                "prio": d.get("priority"),
                "arrival": d.get("arrival"),
            }
        )
    for sub in Subcategory.objects.filter(active=True).order_by("category", "code"):
        d = defaults.get(sub.category, {})
        options.append(
            {
                "c": sub.category,
                "s": sub.code,
                "label": sub.name,
                "parent": labels.get(sub.category, taxonomy.CATEGORIES.get(sub.category, sub.category)),
                "py": sub.pinyin,
                "kind": taxonomy.default_kind(sub.category),
                "prio": d.get("priority"),
                "arrival": d.get("arrival"),
            }
        )
    return options


def resolve_category(text: str) -> tuple[str, str] | None:
    """A typed category that names exactly one choice: ``(category, subcategory or "")``."""
    t = text.strip()
    if not t:
        return None
    # The box shows a picked subcategory as "刑事 › 盗窃"; accept that form back.
    if "›" in t:
        t = t.rsplit("›", 1)[1].strip()
    lowered = t.lower()
    for code, label in taxonomy.CATEGORIES.items():
        if lowered in (code, label, taxonomy.CATEGORIES_EN.get(code, "")):
            return code, ""
    subs = list(
        Subcategory.objects.filter(active=True).filter(Q(name=t) | Q(code__iexact=t) | Q(pinyin__iexact=t))[
            :2
        ]
    )
    if len(subs) == 1:
        return subs[0].category, subs[0].code
    return None
