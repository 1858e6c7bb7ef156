"""值守: the guard teams on duty now, as dispatchable units on the command board.

A team is on duty in a zone while one of its members works a shift of that zone in a
*published* roster of the team's alliance. :func:`sync_duty_units` makes the board's units
match that — creating a unit (kind 保安队) the first time a team works a zone, putting it on
duty, and off duty when the shift ends — through ``alerts.services.duty_units`` (the alerts
app owns ``Unit``). It writes nothing when the units already match, so it can run every
minute from any process: the state is the database's, and a lock on the station row keeps
two runs from racing. Pages only read; status follows time because the job runs, never
because somebody looked.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from zhengyi.alerts.models import Unit
from zhengyi.alerts.services.duty_units import DutyState, sync_rostered_unit
from zhengyi.alliances.duty_window import Shift, days_to_look_at, duty_end, nearest
from zhengyi.alliances.models import DutyUnit, Roster, RosterAssignment, Team
from zhengyi.core.current import acting_as
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require_for_station
from zhengyi.core.services.audit import record_change
from zhengyi.precinct.choices import Level
from zhengyi.precinct.models import NetworkNode, Zone

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    on_duty: list[str] = field(default_factory=list)  # unit codes on duty after the run
    went_on: list[str] = field(default_factory=list)
    went_off: list[str] = field(default_factory=list)
    kept_on_alert: list[str] = field(default_factory=list)  # shift over, still on an alert
    created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.went_on or self.went_off or self.created)


def unit_code(team: Team, zone: Zone) -> str:
    return f"BA{team.pk:03d}-{zone.code}"[:32]


def unit_name(team: Team, zone: Zone) -> str:
    return f"{team.name}（{zone.name}）"[:100]


def _post(station: Station, zone: Zone, nodes: list[tuple[int, float, float]]) -> tuple[float, float] | None:
    """Where the team stands: the street-level network node nearest the zone's centroid."""
    centroid = shape(zone.geometry).centroid
    found = nearest(nodes, centroid.x, centroid.y)
    if found is None:
        return (round(centroid.x, 7), round(centroid.y, 7))
    by_id = {pk: (lon, lat) for pk, lon, lat in nodes}
    return by_id[found]  # type: ignore[index]


def teams_on_duty(station: Station, at: datetime) -> dict[tuple[int, int], datetime]:
    """(team id, zone id) → when the last covering shift ends, for the teams on duty at ``at``."""
    local = timezone.localtime(at).replace(tzinfo=None)
    members: dict[int, set[tuple[int, int]]] = defaultdict(set)  # guard → {(team, alliance)}
    for team_id, alliance_id, guard_id in Team.objects.filter(alliance__station=station).values_list(
        "pk", "alliance_id", "members"
    ):
        if guard_id is not None:
            members[guard_id].add((team_id, alliance_id))
    if not members:
        return {}
    rows = RosterAssignment.objects.filter(
        roster__alliance__station=station,
        roster__status=Roster.Status.PUBLISHED,
        date__in=days_to_look_at(local),
        guard_id__in=list(members),
    ).values_list("guard_id", "roster__alliance_id", "date", "shift__zone_id", "shift__start", "shift__end")
    shifts: dict[tuple[int, int], list[Shift]] = defaultdict(list)
    for guard_id, alliance_id, day, zone_id, start, end in rows:
        for team_id, team_alliance in members[guard_id]:
            if team_alliance == alliance_id:
                shifts[(team_id, zone_id)].append(Shift(day, start, end))
    out: dict[tuple[int, int], datetime] = {}
    tz = timezone.get_current_timezone()
    for key, found in shifts.items():
        end = duty_end(found, local)
        if end is not None:
            out[key] = timezone.make_aware(end, tz)
    return out


@transaction.atomic
def sync_duty_units(*, station: Station, at: datetime | None = None, actor: User | None = None) -> SyncResult:
    """Put the station's guard-team units on or off duty as the published rosters say at ``at``."""
    from zhengyi.core.services.roles import system_user

    actor = actor or system_user()
    at = at or timezone.now()
    # One run per station at a time, in every process: the second waits, then finds nothing to do.
    station = Station.objects.select_for_update().get(pk=station.pk)
    result = SyncResult()
    on_duty = teams_on_duty(station, at)
    links = {
        (d.team_id, d.zone_id): d
        for d in DutyUnit.objects.filter(team__alliance__station=station).select_related(
            "unit", "team", "zone"
        )
    }
    wanted = set(on_duty) | set(links)
    if not wanted:
        return result
    teams = {t.pk: t for t in Team.objects.filter(pk__in={k[0] for k in wanted})}
    zones = {z.pk: z for z in Zone.objects.filter(pk__in={k[1] for k in wanted})}
    nodes = list(
        NetworkNode.objects.filter(station=station, space__level=Level.STREET).values_list("pk", "lon", "lat")
    )
    for key in sorted(wanted):
        team, zone = teams[key[0]], zones[key[1]]
        link = links.get(key)
        until = on_duty.get(key)
        post = _post(station, zone, nodes) if until is not None or link is None else None
        state = DutyState(
            code=link.unit.code if link else unit_code(team, zone),
            name=unit_name(team, zone),
            kind=Unit.Kind.GUARD_TEAM,
            lon=post[0] if post else None,
            lat=post[1] if post else None,
            level=Level.STREET,
            on_duty=until is not None,
            duty_until=until,
        )
        before = link.unit.status if link else None
        unit, changed = sync_rostered_unit(
            actor=actor, station=station, state=state, unit=link.unit if link else None
        )
        if link is None:
            require_for_station(actor, "add", DutyUnit, station)
            link = DutyUnit.objects.create(team=team, zone=zone, unit=unit)
            record_change(actor=actor, obj=link, action="create", related=team, message=unit.code)
            result.created.append(unit.code)
        if until is not None:
            result.on_duty.append(unit.code)
            if before == Unit.UnitStatus.OFF_DUTY and changed:
                result.went_on.append(unit.code)
        elif unit.status == Unit.UnitStatus.OFF_DUTY:
            if before not in (None, Unit.UnitStatus.OFF_DUTY):
                result.went_off.append(unit.code)
        else:
            result.kept_on_alert.append(unit.code)
    return result


def sync_all_stations(at: datetime | None = None) -> dict[str, SyncResult]:
    """Every station with guard teams; what the periodic job runs."""
    out: dict[str, SyncResult] = {}
    station_ids = set(Team.objects.values_list("alliance__station_id", flat=True))
    for station in Station.objects.filter(pk__in=station_ids).order_by("code"):
        out[station.code] = sync_duty_units(station=station, at=at)
    return out


def sync_after_commit(station_id: int) -> None:
    """Re-sync once the roster change that calls this has committed (publish, swap)."""

    def run() -> None:
        try:
            with acting_as("job"):
                sync_duty_units(station=Station.objects.get(pk=station_id))
        except Exception:  # the roster change stands; the periodic job will catch up
            log.exception("duty sync after a roster change failed")

    transaction.on_commit(run)


def team_units(user: User, teams: Any) -> list[DutyUnit]:
    """The duty units of ``teams`` that ``user`` may see, with their current alert, if any."""
    rows = list(
        DutyUnit.objects.restrict(user, "view")
        .filter(team__in=teams)
        .select_related("unit", "zone", "team")
        .order_by("team__name", "zone__code")
    )
    for row in rows:
        active = row.unit.assignments.filter(active=True).select_related("alert").first()
        row.current_alert = active.alert if active else None
    return rows
