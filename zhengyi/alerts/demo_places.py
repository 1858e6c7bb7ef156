"""Where the demo's alerts happen: zones and their buildings, the underground concourse near
the metro stations, the skywalk, and the main roads outside every zone.

Pure: numpy/shapely, no Django. Used by :mod:`zhengyi.alerts.demo_history`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from zhengyi.alerts import demo_history_profiles as prof
from zhengyi.precinct.spec import BuildingSpec, PrecinctSpec, ZoneSpec

STATION_NEAR_DEG = 0.002  # ≈ 200 m: underground thefts happen this close to a metro station
MAIN_ROADS = frozenset({"深南大道", "滨河大道", "红荔路", "新洲路", "彩田路", "益田路", "金田路", "福华路"})


class Region:
    """Uniform points in a (multi)polygon by vectorised rejection sampling in its bounding box."""

    def __init__(self, geom: BaseGeometry) -> None:
        self.geom = geom
        shapely.prepare(geom)
        x0, y0, x1, y1 = geom.bounds
        self.bounds = (x0, y0, x1, y1)
        self.fill = max(geom.area / max((x1 - x0) * (y1 - y0), 1e-18), 1e-3)

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        x0, y0, x1, y1 = self.bounds
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        got = 0
        while got < n:
            m = int((n - got) / self.fill * 1.25) + 8
            x, y = rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)
            ok = shapely.contains_xy(self.geom, x, y)
            xs.append(x[ok])
            ys.append(y[ok])
            got += int(ok.sum())
        return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def region(geom: BaseGeometry) -> Region | None:
    return Region(geom) if not geom.is_empty and geom.area > 1e-9 else None  # > ≈ 10 m²


@dataclass
class ZonePlaces:
    spec: ZoneSpec
    table: str  # key into prof.STREAMS
    area: Region
    buildings: list[BuildingSpec]
    bxy: np.ndarray  # (n, 2) representative points
    under: Region | None
    sky: Region | None


@dataclass
class Places:
    zones: list[ZonePlaces]
    areas: list[tuple[str, str, BaseGeometry]]  # (level, name, polygon) for labels
    stations: list[tuple[str, float, float]]  # metro stations: (name, lon, lat)
    roads: tuple[np.ndarray, list[str], np.ndarray] | None  # (n, 4) segments, names, cum weight


def places_of(spec: PrecinctSpec) -> Places:
    areas: list[tuple[str, str, BaseGeometry]] = [(a.level, a.name, a.polygon) for a in spec.areas]
    for _, _, g in areas:
        shapely.prepare(g)
    under_all = shapely.union_all([g for lvl, _, g in areas if lvl == "underground"] or [shapely.Polygon()])
    sky_all = shapely.union_all([g for lvl, _, g in areas if lvl == "skywalk"] or [shapely.Polygon()])
    stations = [(lm.name, lm.point.x, lm.point.y) for lm in spec.landmarks if lm.kind == "metro_station"]
    near = shapely.union_all(
        [shapely.Point(x, y).buffer(STATION_NEAR_DEG) for _, x, y in stations] or [shapely.Polygon()]
    )
    zones: list[ZonePlaces] = []
    for z in spec.zones:
        poly = z.polygon
        shapely.prepare(poly)
        bs = [b for b in spec.buildings if b.zone_code == z.code]
        pts = [b.footprint.representative_point() for b in bs]
        keep = [b for b, p in zip(bs, pts, strict=True) if poly.contains(p)]
        bxy = np.array([[p.x, p.y] for p in pts if poly.contains(p)], dtype=float).reshape(-1, 2)
        under = under_all.intersection(poly)
        if (
            not under.is_empty
            and not (close := under.intersection(near)).is_empty
            and close.area > 0.2 * under.area
        ):
            under = close
        table = z.kind if z.kind in prof.STREAMS else prof.GENERIC_KIND
        zones.append(
            ZonePlaces(z, table, Region(poly), keep, bxy, region(under), region(sky_all.intersection(poly)))
        )
    roads = None
    zone_union = shapely.union_all([z.polygon for z in spec.zones] or [shapely.Polygon()])
    shapely.prepare(zone_union)
    node = {n.code: n for n in spec.nodes}
    segs, names, weights = [], [], []
    for e in spec.edges:
        if not (e.drive and e.level == "street" and e.name and e.a in node and e.b in node):
            continue
        a, b = node[e.a], node[e.b]
        line = shapely.LineString([(a.lon, a.lat), (b.lon, b.lat)])
        if zone_union.intersects(line) or not spec.boundary.contains(line):
            continue
        segs.append((a.lon, a.lat, b.lon, b.lat))
        names.append(e.name)
        weights.append(e.length_m * (2.0 if e.name in MAIN_ROADS else 1.0))
    if segs:
        cum = np.cumsum(weights)
        roads = (np.array(segs), names, cum / cum[-1])
    return Places(zones, areas, stations, roads)


def label_at(places: Places, level: str, x: np.ndarray, y: np.ndarray) -> list[str]:
    names = np.full(len(x), "", dtype=object)
    for lvl, name, g in places.areas:
        if lvl == level:
            names = np.where((names == "") & shapely.contains_xy(g, x, y), name, names)
    if level != "underground" or not places.stations:
        return [str(n) for n in names]
    st = np.array([[sx, sy] for _, sx, sy in places.stations])
    d2 = (x[:, None] - st[None, :, 0]) ** 2 + (y[:, None] - st[None, :, 1]) ** 2
    k = d2.argmin(axis=1)
    near = d2[np.arange(len(x)), k] <= (1.5 * STATION_NEAR_DEG) ** 2
    return [
        f"{n or '地下通道'}（{places.stations[i][0]}站附近）" if ok else str(n or "地下通道")
        for n, i, ok in zip(names, k, near, strict=True)
    ]


def building_text(b: BuildingSpec, pick: int) -> str:
    if b.category == "office_tower":
        return f"{b.name}{pick % max(b.floors_above, 1) + 1}楼"
    suffixes = prof.BUILDING_SUFFIXES.get(b.category, ("",))
    return f"{b.name}{suffixes[pick % len(suffixes)]}"
