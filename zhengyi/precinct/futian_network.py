"""Street grid, concourse and skywalk layout of the Futian demo precinct, and the graph builder.

Pure: shapely/pyproj/numpy/stdlib only, no Django imports.

Everything is laid out in a local *design frame*: metres east/north of 新洲路 × 福强路, a linear
(equirectangular) scaling of lon/lat.  The CBD grid runs almost exactly north–south, so in this
frame every road, alley, concourse spine and skywalk deck is an axis-aligned segment; crossings
are then exact floating-point coincidences instead of fuzzy GEOS intersections, which keeps
node codes stable and the graph free of slivers.  The frame is only for layout: every length
and area the spec reports is measured in UTM 50N from the final lon/lat coordinates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from zhengyi.precinct.geometry import lonlat_to_utm
from zhengyi.precinct.spec import ConnectorSpec, EdgeSpec, Level, NodeSpec

# ---------------------------------------------------------------------------------------------
# Design frame
# ---------------------------------------------------------------------------------------------
LON0, LAT0 = 114.0445, 22.5250  # 新洲路 × 福强路 (south-west corner of the road frame)
KX, KY = 102_870.0, 110_740.0  # metres per degree of lon / lat at 22.54°N (WGS84 ellipsoid)


def X(lon: float) -> float:
    return (lon - LON0) * KX


def Y(lat: float) -> float:
    return (lat - LAT0) * KY


def design_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    def fn(c: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack([LON0 + c[:, 0] / KX, LAT0 + c[:, 1] / KY])

    return shapely.transform(geom, fn)


def wgs84_to_design(geom: BaseGeometry) -> BaseGeometry:
    def fn(c: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack([(c[:, 0] - LON0) * KX, (c[:, 1] - LAT0) * KY])

    return shapely.transform(geom, fn)


# ---------------------------------------------------------------------------------------------
# Roads. Positions approximate the real CBD grid (WGS84); (name, lon, lat_from, lat_to, main).
# ---------------------------------------------------------------------------------------------
LON = {
    "新洲路": 114.0445, "中心一路": 114.0472, "民田路": 114.0500, "中心二路": 114.0525,
    "益田路": 114.0550, "中心五路": 114.0578, "金田路": 114.0605, "海田路": 114.0635,
    "彩田路": 114.0665,
}  # fmt: skip
LAT = {
    "红荔路": 22.5510, "福中一路": 22.5490, "福中路": 22.5470, "深南大道": 22.5430,
    "福华一路": 22.5398, "福华路": 22.5370, "福华三路": 22.5342, "滨河大道": 22.5302,
    "福民路": 22.5276, "福强路": 22.5250,
}  # fmt: skip
PARK_TOP_LAT = 22.5527  # the road frame bulges north of 红荔路 to take in 莲花山's southern slope

NS_ROADS: tuple[tuple[str, str, str, bool], ...] = (  # name, from (E-W road), to, main road?
    ("新洲路", "滨河大道", "红荔路", True),
    ("中心一路", "滨河大道", "福中路", False),
    ("民田路", "福强路", "红荔路", True),
    ("中心二路", "滨河大道", "福中路", False),
    ("益田路", "福强路", "红荔路", True),
    ("中心五路", "福华三路", "深南大道", True),  # interrupted by 市民中心
    ("中心五路", "福中路", "红荔路", True),
    ("金田路", "福强路", "红荔路", True),
    ("海田路", "滨河大道", "福华路", False),  # interrupted by 岗厦村
    ("海田路", "深南大道", "红荔路", False),
    ("彩田路", "福强路", "红荔路", True),
)
EW_ROADS: tuple[tuple[str, str, str, bool], ...] = (  # name, from (N-S road), to, main road?
    ("红荔路", "新洲路", "彩田路", True),
    ("福中一路", "新洲路", "彩田路", False),
    ("福中路", "新洲路", "彩田路", True),
    ("深南大道", "新洲路", "彩田路", True),
    ("福华一路", "新洲路", "金田路", False),
    ("福华路", "新洲路", "彩田路", True),
    ("福华三路", "新洲路", "彩田路", True),
    ("滨河大道", "新洲路", "彩田路", True),
    ("福民路", "民田路", "金田路", False),
    ("福强路", "民田路", "彩田路", True),
)
MAIN_HALF_WIDTH, MINOR_HALF_WIDTH = 22.0, 14.0  # road corridor incl. pavement and setback


def road_frame() -> Polygon:
    """The polygon traced by the boundary roads (新洲路, 红荔路/莲花山, 彩田路, 福强路/滨河大道)."""
    w, e, m, j = X(LON["新洲路"]), X(LON["彩田路"]), X(LON["民田路"]), X(LON["金田路"])
    n, top, s, b = Y(LAT["红荔路"]), Y(PARK_TOP_LAT), Y(LAT["福强路"]), Y(LAT["滨河大道"])
    return Polygon([(w, b), (w, n), (m, n), (m, top), (j, top), (j, n), (e, n), (e, s), (m, s), (m, b)])


def road_corridors() -> BaseGeometry:
    parts = [
        LineString([(s.x0, s.y0), (s.x1, s.y1)]).buffer(s.half_width, cap_style="square", join_style="mitre")
        for s in road_segments()
    ]
    return shapely.union_all(parts)


# ---------------------------------------------------------------------------------------------
# Urban villages: a regular grid of 52 m cells (4 m alleys, 3×3 house lots of 16 m) inset 22 m
# from the surrounding roads.  (name, x0, y0, nx, ny, alley x-extent, alley y-extent)
# ---------------------------------------------------------------------------------------------
CELL = 52.0
INSET = 22.0


@dataclass(frozen=True)
class VillageGrid:
    name: str  # "岗厦" / "福田村" short name as used in BuildingSpec.urban_village
    x0: float
    y0: float
    nx: int
    ny: int
    alley_x: tuple[float, float]  # horizontal alleys run between these x (road to road)
    alley_y: tuple[float, float]  # vertical alleys run between these y

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x0 + self.nx * CELL, self.y0 + self.ny * CELL)


def village_grids() -> tuple[VillageGrid, VillageGrid]:
    gx_x0, gx_y0 = X(LON["金田路"]) + INSET, Y(LAT["福华路"]) + INSET
    gangxia = VillageGrid(
        "岗厦",
        gx_x0,
        gx_y0,
        11,
        9,
        (X(LON["金田路"]), X(LON["彩田路"])),
        (Y(LAT["福华路"]), gx_y0 + 9 * CELL),
    )
    ft_x0 = X(LON["彩田路"]) - INSET - 7 * CELL
    futian = VillageGrid(
        "福田村",
        ft_x0,
        Y(LAT["福强路"]) + INSET,
        7,
        10,
        (ft_x0, X(LON["彩田路"])),
        (Y(LAT["福强路"]), Y(LAT["滨河大道"])),
    )
    return gangxia, futian


# ---------------------------------------------------------------------------------------------
# Segments and the graph builder
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Seg:
    x0: float
    y0: float
    x1: float
    y1: float
    name: str
    walk: bool = True
    drive: bool = False
    half_width: float = 0.0  # road corridor half-width (0 for alleys, concourses and decks)
    spacing: float = 50.0  # longest edge; intermediate nodes are spread evenly

    @property
    def horizontal(self) -> bool:
        return self.y0 == self.y1


def road_segments() -> list[Seg]:
    segs = []
    for name, a, b, main in NS_ROADS:
        x = X(LON[name])
        segs.append(
            Seg(x, Y(LAT[a]), x, Y(LAT[b]), name, True, True, MAIN_HALF_WIDTH if main else MINOR_HALF_WIDTH)
        )
    for name, a, b, main in EW_ROADS:
        y = Y(LAT[name])
        segs.append(
            Seg(X(LON[a]), y, X(LON[b]), y, name, True, True, MAIN_HALF_WIDTH if main else MINOR_HALF_WIDTH)
        )
    return segs


def street_walk_segments() -> list[Seg]:
    """Walk-only lines: the village alley meshes and the paths of 莲花山公园 (south)."""
    segs: list[Seg] = []
    for v in village_grids():
        alley = f"{v.name}村巷道" if v.name == "岗厦" else f"{v.name}巷道"
        for i in range(v.nx + 1):
            x = v.x0 + i * CELL
            segs.append(Seg(x, v.alley_y[0], x, v.alley_y[1], alley, spacing=CELL / 2))
        for j in range(v.ny + 1):
            y = v.y0 + j * CELL
            segs.append(Seg(v.alley_x[0], y, v.alley_x[1], y, alley, spacing=CELL / 2))
    path = "莲花山公园步道"
    n, top = Y(LAT["红荔路"]), Y(PARK_TOP_LAT)
    segs.append(Seg(X(114.0510), n + 100.0, X(114.0597), n + 100.0, path, spacing=40.0))
    for lon in (114.0525, 114.0555, 114.0587):
        segs.append(Seg(X(lon), n, X(lon), top - 25.0, path, spacing=40.0))
    return segs


def underground_rects() -> list[tuple[str, str, tuple[float, float, float, float]]]:
    """(code suffix, name, design rect) of concourses and underground malls; they only touch."""
    fh, sn, f3 = Y(LAT["福华路"]), Y(LAT["深南大道"]), Y(LAT["福华三路"])
    mt, zw, jt = X(LON["民田路"]), X(LON["中心五路"]), X(LON["金田路"])
    ft, hz = X(114.0482), X(114.0559)  # 福田站, 会展中心站 columns
    return [
        ("01", "新洲路—购物公园地下商业街", (X(114.0448), fh - 75, mt, fh + 75)),
        ("02", "购物公园—会展中心地下商业街", (mt, fh - 110, zw, fh + 110)),
        ("03", "中心城地下商业", (zw, fh - 120, jt, fh + 120)),
        ("04", "岗厦牌坊地下街", (jt, fh - 100, X(114.0645), fh + 15)),
        ("05", "福田站综合交通枢纽", (X(114.0460), sn - 120, X(114.0505), sn + 120)),
        ("06", "深南大道地下连通道", (X(114.0505), sn - 15, X(114.0550), sn + 15)),
        ("07", "市民中心站地下空间", (X(114.0550), sn - 80, X(114.0590), sn + 130)),
        ("08", "购物公园—福田站地下连通道", (ft - 15, fh + 75, ft + 15, sn - 120)),
        ("09", "会展中心地下连通道", (hz - 15, f3 - 30, hz + 15, fh - 110)),
    ]


def underground_segments() -> list[Seg]:
    fh, sn, f3 = Y(LAT["福华路"]), Y(LAT["深南大道"]), Y(LAT["福华三路"])
    ft, hz = X(114.0482), X(114.0559)
    sp = 45.0
    segs = [
        Seg(X(114.0452), fh, X(114.0641), fh, "福华路地下街", spacing=sp),
        Seg(X(114.0464), sn, X(114.0586), sn, "深南大道地下通道", spacing=sp),
        Seg(ft, fh, ft, sn, "福田站连通道", spacing=sp),
        Seg(hz, f3 - 20, hz, fh, "会展中心连通道", spacing=sp),
    ]
    for suffix, name, (xa, ya, xb, yb) in underground_rects():
        if suffix not in ("01", "02", "03", "04", "05", "07"):
            continue
        n = math.ceil((xb - xa) / 120.0)
        for k in range(n):
            x = xa + (k + 0.5) * (xb - xa) / n
            lo, hi = ya + 12.0, yb - 12.0
            for spine in (fh, sn):  # a branch stopping just short of a spine would leave a stub edge
                lo, hi = (spine if 0 < spine - lo < 15.0 else lo), (spine if 0 < hi - spine < 15.0 else hi)
            if min(abs(x - ft), abs(x - hz)) > 15.0:  # never run parallel on top of a spine
                segs.append(Seg(x, lo, x, hi, name, spacing=sp))
    return segs


SKYWALK_AXIS_LON = 114.0587  # the CBD central axis (中轴线), 会展中心 → 市民中心 → 莲花山
SKYWALK_EAST_LAT = 22.5352


def skywalk_rects() -> list[tuple[str, str, tuple[float, float, float, float]]]:
    ax, y2 = X(SKYWALK_AXIS_LON), Y(SKYWALK_EAST_LAT)
    return [
        ("01", "中轴线空中连廊（会展中心—市民中心—莲花山）", (ax - 5, Y(22.5329), ax + 5, Y(22.5522))),
        ("02", "会展中心—皇庭广场空中连廊", (ax + 5, y2 - 5, X(114.0617), y2 + 5)),
    ]


def skywalk_segments() -> list[Seg]:
    ax, y2 = X(SKYWALK_AXIS_LON), Y(SKYWALK_EAST_LAT)
    return [
        Seg(ax, Y(22.5331), ax, Y(22.5520), "中轴线空中连廊", spacing=40.0),
        Seg(ax, y2, X(114.0615), y2, "会展中心—皇庭广场连廊", spacing=40.0),
    ]


@dataclass
class _Edge:
    a: int
    b: int
    walk: bool
    drive: bool
    name: str
    oneway: bool = False


@dataclass
class NetworkBuilder:
    """Accumulates nodes (design coordinates), edges and connectors; emits specs at the end."""

    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    edges: dict[tuple[int, int], _Edge] = field(default_factory=dict)
    connectors: list[tuple[int, int, str, str]] = field(default_factory=list)
    _keys: dict[tuple[str, float, float], int] = field(default_factory=dict)

    def node(self, level: Level, x: float, y: float, kind: str, label: str = "", merge: bool = True) -> int:
        key = (level, round(x, 2), round(y, 2))
        if merge and key in self._keys:
            return self._keys[key]
        self.xs.append(x)
        self.ys.append(y)
        self.levels.append(level)
        self.kinds.append(kind)
        self.labels.append(label)
        idx = len(self.xs) - 1
        if merge:
            self._keys[key] = idx
        return idx

    def edge(self, a: int, b: int, *, walk: bool, drive: bool, name: str = "") -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b))
        if key not in self.edges:
            self.edges[key] = _Edge(a, b, walk, drive, name)

    def connector(self, a: int, b: int, kind: str, label: str = "") -> None:
        assert self.levels[a] != self.levels[b], "connectors join different levels"
        self.connectors.append((a, b, kind, label))

    def add_lines(self, level: Level, segs: Sequence[Seg], kind: str) -> list[int]:
        """Add axis-aligned lines, split at every crossing (within `segs`) and every `Seg.spacing` m."""
        eps = 1e-6
        created: list[int] = []
        for s in segs:
            lo, hi = (
                (min(s.x0, s.x1), max(s.x0, s.x1)) if s.horizontal else (min(s.y0, s.y1), max(s.y0, s.y1))
            )
            fixed = s.y0 if s.horizontal else s.x0
            cuts = {lo, hi}
            for o in segs:
                if o.horizontal == s.horizontal:
                    continue
                o_fixed = o.y0 if o.horizontal else o.x0
                o_lo = min(o.x0, o.x1) if o.horizontal else min(o.y0, o.y1)
                o_hi = max(o.x0, o.x1) if o.horizontal else max(o.y0, o.y1)
                if lo - eps <= o_fixed <= hi + eps and o_lo - eps <= fixed <= o_hi + eps:
                    cuts.add(o_fixed)
            ts = sorted(cuts)
            prev: int | None = None
            for t0, t1 in itertools.pairwise(ts):
                pieces = max(1, math.ceil((t1 - t0) / s.spacing - 1e-9))
                for k in range(pieces + 1):
                    # end points exactly, so crossings land on the very same float as the other line
                    t = t0 if k == 0 else t1 if k == pieces else t0 + (t1 - t0) * k / pieces
                    x, y = (t, fixed) if s.horizontal else (fixed, t)
                    idx = self.node(level, x, y, kind)
                    created.append(idx)
                    if prev is not None and prev != idx:
                        self.edge(prev, idx, walk=s.walk, drive=s.drive, name=s.name)
                    prev = idx
        return sorted(set(created))

    def metro_station(
        self, name: str, sx: float, sy: float, road_nodes: list[int], concourse: list[int], used: set[int]
    ) -> list[tuple[str, float, float]]:
        """Station hall (underground) with 2–4 exits to the street; returns (letter, x, y) per exit.

        One exit per quadrant around the station (NE, NW, SW, SE), each at the nearest unused road
        node within 250 m; a station just outside the boundary still gets the two nearest ones.
        """
        hall = self.node("underground", sx, sy, "concourse", f"{name}站", merge=False)
        near = self.nearest(concourse, sx, sy)
        if math.hypot(self.xs[near] - sx, self.ys[near] - sy) < 150.0:
            self.edge(hall, near, walk=True, drive=False, name=f"{name}站连通道")
        rx, ry = np.asarray(self.xs)[road_nodes] - sx, np.asarray(self.ys)[road_nodes] - sy
        d = np.hypot(rx, ry)
        quadrant = np.floor((np.arctan2(ry, rx) % (2 * np.pi)) / (np.pi / 2))
        ok = (d >= 20.0) & np.array([r not in used for r in road_nodes])
        picks: list[int] = []
        for q in range(4):
            options = np.flatnonzero(ok & (d <= 250.0) & (quadrant == q))
            if options.size:
                picks.append(int(options[np.argmin(d[options])]))
        for k in np.argsort(d, kind="stable"):
            if len(picks) >= 2:
                break
            if ok[k] and int(k) not in picks:
                picks.append(int(k))
        exits = []
        for letter, k in zip("ABCD", picks, strict=False):
            road = road_nodes[k]
            used.add(road)
            step = 8.0 / float(d[k])  # the stair head sits on the pavement, 8 m towards the station
            ex, ey = self.xs[road] + (sx - self.xs[road]) * step, self.ys[road] + (sy - self.ys[road]) * step
            label = f"{name}站{letter}口"
            top = self.node("street", ex, ey, "metro_exit", label, merge=False)
            self.edge(top, road, walk=True, drive=False, name=label)
            bottom = self.node("underground", ex, ey, "metro_exit", label, merge=False)
            self.edge(hall, bottom, walk=True, drive=False, name=f"{label}通道")
            self.connector(top, bottom, "exit", label)
            exits.append((letter, ex, ey))
        return exits

    def nearest(self, candidates: Iterable[int], x: float, y: float, min_dist: float = 0.0) -> int:
        idx = np.fromiter(candidates, dtype=np.int64)
        d = np.hypot(np.asarray(self.xs)[idx] - x, np.asarray(self.ys)[idx] - y)
        d[d < min_dist] = np.inf
        return int(idx[int(np.argmin(d))])

    def build(
        self, seconds: dict[str, float]
    ) -> tuple[tuple[NodeSpec, ...], tuple[EdgeSpec, ...], tuple[ConnectorSpec, ...]]:
        lon = LON0 + np.asarray(self.xs) / KX
        lat = LAT0 + np.asarray(self.ys) / KY
        ux, uy = lonlat_to_utm(lon, lat)
        prefix = {"street": "S", "underground": "U", "skywalk": "K"}
        counters = dict.fromkeys(prefix, 0)
        codes: list[str] = []
        for level in self.levels:
            counters[level] += 1
            codes.append(f"{prefix[level]}-{counters[level]:05d}")
        nodes = tuple(
            NodeSpec(
                codes[i],
                self.levels[i],
                round(float(lon[i]), 7),
                round(float(lat[i]), 7),
                self.kinds[i],
                self.labels[i],
            )
            for i in range(len(codes))
        )
        edges = []
        for e in self.edges.values():
            length = float(math.hypot(ux[e.a] - ux[e.b], uy[e.a] - uy[e.b]))
            if length < 0.5:
                raise RuntimeError(f"degenerate edge {codes[e.a]}–{codes[e.b]}")
            edges.append(
                EdgeSpec(
                    codes[e.a],
                    codes[e.b],
                    self.levels[e.a],
                    round(length, 2),
                    e.walk,
                    e.drive,
                    e.name,
                    e.oneway,
                )
            )
        conns = tuple(
            ConnectorSpec(codes[a], codes[b], k, seconds[k], label) for a, b, k, label in self.connectors
        )
        return nodes, tuple(edges), conns

    def components(self, walk: bool = True) -> int:
        """Number of connected components (walk edges + connectors, or drive edges only)."""
        parent = list(range(len(self.xs)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        links = [(e.a, e.b) for e in self.edges.values() if (e.walk if walk else e.drive)]
        if walk:
            links += [(a, b) for a, b, _, _ in self.connectors]
        members = set(range(len(self.xs))) if walk else {i for link in links for i in link}
        for a, b in links:
            parent[find(a)] = find(b)
        return len({find(i) for i in members})
