"""Demo alerts and units: two years of history through the history service, and live units."""

from __future__ import annotations

import dataclasses
import random
from datetime import date

from zhengyi.alerts.demo_history import default_period, generate_history
from zhengyi.alerts.models import Unit
from zhengyi.alerts.services.history import HistoricalAlert, HistoryImportResult, import_historical
from zhengyi.alerts.services.units import create_unit, set_unit_crew, update_position
from zhengyi.core.models import Station, User
from zhengyi.demo.accounts import DEMO_ACCOUNTS
from zhengyi.precinct.services import Progress
from zhengyi.precinct.spec import PrecinctSpec

_HISTORY_FIELDS = {f.name for f in dataclasses.fields(HistoricalAlert)}

# (code, name, kind, status) — a station's evening shift.
DEMO_UNITS = [
    ("C01", "巡逻车01", Unit.Kind.PATROL_CAR, Unit.UnitStatus.AVAILABLE),
    ("C02", "巡逻车02", Unit.Kind.PATROL_CAR, Unit.UnitStatus.AVAILABLE),
    ("C03", "巡逻车03", Unit.Kind.PATROL_CAR, Unit.UnitStatus.AVAILABLE),
    ("C04", "巡逻车04", Unit.Kind.PATROL_CAR, Unit.UnitStatus.OFF_DUTY),
    ("M01", "摩托巡逻01", Unit.Kind.MOTORCYCLE, Unit.UnitStatus.AVAILABLE),
    ("M02", "摩托巡逻02", Unit.Kind.MOTORCYCLE, Unit.UnitStatus.AVAILABLE),
    ("F01", "步巡01（购物公园）", Unit.Kind.FOOT_PATROL, Unit.UnitStatus.AVAILABLE),
    ("F02", "步巡02（会展中心）", Unit.Kind.FOOT_PATROL, Unit.UnitStatus.AVAILABLE),
    ("F03", "步巡03（岗厦）", Unit.Kind.FOOT_PATROL, Unit.UnitStatus.AVAILABLE),
    ("F04", "步巡04（地下商业街）", Unit.Kind.FOOT_PATROL, Unit.UnitStatus.AVAILABLE),
    ("F05", "步巡05（福田村）", Unit.Kind.FOOT_PATROL, Unit.UnitStatus.BUSY),
    ("T01", "便衣反扒组", Unit.Kind.TEAM, Unit.UnitStatus.AVAILABLE),
]


def load_history(
    *,
    actor: User,
    station: Station,
    spec: PrecinctSpec,
    today: date,
    seed: int,
    progress: Progress | None = None,
) -> HistoryImportResult:
    start, end, story = default_period(today)
    demo = generate_history(spec, start=start, end=end, seed=seed, story=story)
    records = [
        HistoricalAlert(**{k: v for k, v in dataclasses.asdict(d).items() if k in _HISTORY_FIELDS})
        for d in demo
    ]

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress("alerts", done, total)

    return import_historical(
        actor=actor, station=station, records=records, progress=report, total=len(records)
    )


def ensure_units(*, actor: User, station: Station, spec: PrecinctSpec, seed: int) -> int:
    """Place the demo units at plausible points of the street and concourse network."""
    existing = set(Unit.objects.filter(station=station).values_list("code", flat=True))
    rng = random.Random(seed)
    street = [n for n in spec.nodes if n.level == "street" and n.kind == "junction"]
    underground = [n for n in spec.nodes if n.level == "underground"]
    created = 0
    for code, name, kind, status in DEMO_UNITS:
        if code in existing:
            continue
        unit = create_unit(actor=actor, station=station, code=code, name=name, kind=kind, status=status)
        node = rng.choice(underground if code == "F04" else street)
        update_position(actor=actor, unit=unit, lon=node.lon, lat=node.lat, level=node.level)
        created += 1
    ensure_crews(actor=actor, station=station)
    return created


def ensure_crews(*, actor: User, station: Station) -> int:
    """Crew the demo units as the demo accounts say (the officer works 巡逻车01: signed in as
    `officer` one changes that car's alerts and status, and only views the others). A unit
    whose crew is already set — by hand, say — keeps it."""
    crews: dict[str, list[str]] = {}
    for account in DEMO_ACCOUNTS:
        if account.unit:
            crews.setdefault(account.unit, []).append(account.username)
    crewed = 0
    for code, usernames in crews.items():
        unit = Unit.objects.filter(station=station, code=code).first()
        members = list(User.objects.filter(username__in=usernames, station=station))
        if unit is None or not members or unit.crew.exists():
            continue
        set_unit_crew(actor=actor, unit=unit, members=members)
        crewed += 1
    return crewed
