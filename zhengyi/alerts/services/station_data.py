"""What every way in checks a call against: a station's places, zones, boundary, vocabulary
and handling standards, loaded in one go.

The bulk import loads it once per call. Live intake (``receive_alert``) keeps one per station
in each process and reloads it when the reference data changed: every change to these tables
goes through a service that writes an ``ObjectChange`` in the same transaction, so the newest
change of those kinds (``core.selectors.change_stamp``, one indexed query) tells whether the
copy is current. The query is asked at most every :data:`STAMP_WITHIN` seconds, or at once
after this process recorded such a change (``core.selectors.recent_change_stamp``): an edit
is seen by this process's next call, and another process's within a quarter of a second.
Stamps are ids from a sequence, and on PostgreSQL a transaction can commit a lower id after
a higher one was read;
the copy is therefore also dropped after :data:`MAX_AGE` seconds, which bounds how long such a
change can go unseen (a minute: reference data changes by hand, a few times a day).
"""

from __future__ import annotations

import math
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep

from zhengyi.alerts import taxonomy
from zhengyi.alerts.models import HandlingRule, HandlingStandard, Subcategory
from zhengyi.core.models import Station
from zhengyi.core.selectors import forget_recent_stamps, recent_change_stamp
from zhengyi.precinct.models import Building, Landmark, Space, Zone

MAX_AGE = 60.0
STAMP_WITHIN = 0.25


@dataclass(frozen=True)
class PlaceRef:
    """A building or landmark as intake needs it; ``level`` is a landmark's space level."""

    pk: int
    code: str
    zone_id: int | None
    lon: float
    lat: float
    level: str = ""


class StationData:
    """One station's reference data; read-only once built."""

    def __init__(self, station: Station) -> None:
        self.station = station
        # A point on the boundary line counts as inside.
        self.boundary: PreparedGeometry | None = (
            prep(shape(station.boundary).buffer(1e-6)) if station.boundary else None
        )
        self.buildings: dict[str, PlaceRef] = {
            code: PlaceRef(pk, code, zone_id, lon, lat)
            for code, pk, zone_id, lon, lat in Building.objects.filter(station=station).values_list(
                "code", "pk", "zone_id", "lon", "lat"
            )
        }
        self.buildings_by_pk = {b.pk: b for b in self.buildings.values()}
        self.landmarks: dict[str, PlaceRef] = {
            code: PlaceRef(pk, code, None, lon, lat, level)
            for code, pk, lon, lat, level in Landmark.objects.filter(station=station).values_list(
                "code", "pk", "lon", "lat", "space__level"
            )
        }
        self.landmarks_by_pk = {m.pk: m for m in self.landmarks.values()}
        self.zones: dict[int, Zone] = {z.pk: z for z in Zone.objects.filter(station=station).order_by("code")}
        self.zone_ids = list(self.zones)
        self.zone_by_code = {z.code: z.pk for z in self.zones.values()}
        self.zone_tree = (
            shapely.STRtree([shape(z.geometry) for z in self.zones.values()]) if self.zones else None
        )
        self.subcategories: dict[str, tuple[int, str]] = {
            code: (pk, category)
            for code, pk, category in Subcategory.objects.filter(active=True).values_list(
                "code", "pk", "category"
            )
        }
        self.standards = list(
            HandlingStandard.objects.filter(station=station).order_by("effective_from", "version")
        )
        self.effective = [s.effective_from for s in self.standards]
        self.rules: dict[int, dict[tuple[str, str], HandlingRule]] = {s.pk: {} for s in self.standards}
        # The rules of the versions just read (a version published meanwhile is not in them).
        for rule in HandlingRule.objects.filter(standard__in=list(self.rules)):
            self.rules[rule.standard_id][(rule.category, rule.zone_kind)] = rule

    def inside(self, lon: float, lat: float) -> bool:
        """Within the station's boundary (true when it has none); finite coordinates only."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return False
        return self.boundary is None or self.boundary.contains(Point(lon, lat))

    def zone_at(self, lon: float, lat: float) -> int | None:
        """The zone a point lies in; where zones overlap, the first by code."""
        if self.zone_tree is None:
            return None
        hits = self.zone_tree.query(Point(lon, lat), predicate="within")
        return self.zone_ids[int(hits.min())] if len(hits) else None

    def zone_kind(self, zone_id: int | None) -> str:
        return self.zones[zone_id].kind if zone_id is not None and zone_id in self.zones else ""

    def standard_at(self, at: datetime) -> HandlingStandard | None:
        """The version in force at ``at``; before the first one, the first; None if none exists."""
        if not self.standards:
            return None
        return self.standards[max(bisect_right(self.effective, at) - 1, 0)]

    def rule(self, standard: HandlingStandard, category: str, zone_kind: str) -> HandlingRule | None:
        """The rule for a category in a kind of zone, else the category's general rule."""
        rules = self.rules.get(standard.pk, {})
        return rules.get((category, zone_kind)) or rules.get((category, ""))


def missing_rule_message(standard: HandlingStandard, category: str) -> str:
    name = _(taxonomy.CATEGORIES.get(category, category))
    return _("处警标准 v%(version)s 没有“%(category)s”的规则") % {
        "version": standard.version,
        "category": name,
    }


def outside_message(station: Station, lon: float, lat: float) -> str:
    return _("地点 (%(lon).5f, %(lat).5f) 不在%(station)s辖区内，请核实或转至属地派出所") % {
        "lon": lon,
        "lat": lat,
        "station": station.name,
    }


# --- the per-process copy for live intake ---------------------------------------------------

_REFERENCE_MODELS = (Station, Zone, Building, Landmark, Space, Subcategory, HandlingStandard, HandlingRule)
_lock = threading.Lock()
_cache: dict[int, tuple[tuple[int, ...], float, StationData]] = {}


def _stamp() -> tuple[int, ...]:
    return recent_change_stamp(*_REFERENCE_MODELS, within=STAMP_WITHIN)


def station_data(station: Station | int) -> StationData:
    """The station's current reference data (see the module's note on freshness).

    Its ``station`` is a current copy of the station's row, so callers holding only the id
    need not read it again.
    """
    station_id = station if isinstance(station, int) else station.pk
    stamp = _stamp()
    now = time.monotonic()
    cached = _cache.get(station_id)
    if cached is not None and cached[0] == stamp and now - cached[1] < MAX_AGE:
        return cached[2]
    data = StationData(Station.objects.get(pk=station_id))
    with _lock:
        _cache[station_id] = (stamp, now, data)
    return data


def forget_station_data() -> None:
    """Drop every cached copy (tests that rewrite reference data without services)."""
    with _lock:
        _cache.clear()
    forget_recent_stamps()
