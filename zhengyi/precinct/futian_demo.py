"""Deterministic demo precinct of 福田派出所 (Futian station, Shenzhen CBD).

Pure: shapely/pyproj/numpy/stdlib only, no Django imports.  ``generate(seed)`` returns a
:class:`PrecinctSpec` whose headline figures are the ones in the news story the project is built
around (DESIGN.md §1): ≈6.6 km²; 89 towers under 100 m, 23 over, 11 under construction; about
1,200 village houses in 岗厦 and 福田村; ~600,000 m² of underground space from 新洲路 to 岗厦牌坊;
a skywalk linking 会展中心, 皇庭广场 and 莲花山.  Real geography (the 福田区 polygon and the metro
stations) is read from the shared data folder; the rest is a plausible, seeded invention.

Same seed → identical spec (only ``random.Random(seed)`` is used, always in a fixed order).
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from zhengyi.precinct import futian_network as net
from zhengyi.precinct.futian_network import CELL, INSET, LAT, LON, NetworkBuilder, X, Y
from zhengyi.precinct.geometry import from_utm, metric_area_m2, metric_length_m, to_utm
from zhengyi.precinct.spec import (
    AreaSpec,
    BuildingSpec,
    ConnectorSpec,
    EdgeSpec,
    LandmarkSpec,
    Level,
    NodeSpec,
    PrecinctSpec,
    ZoneSpec,
)

ENV_VAR = "ZHENGYI_SHARED_DATA"
DISTRICT_FILE = Path("geo/futian-district.geojson")
METRO_FILE = Path("geo/futian-metro-stations.csv")

CONNECTOR_SECONDS = {"stairs": 30.0, "escalator": 20.0, "lift": 45.0, "exit": 25.0, "ramp": 15.0}
BOUNDARY_MARGIN_M = 20.0  # the jurisdiction takes in the full width of its boundary roads
METRO_REACH_M = 300.0  # stations this close to the boundary are part of the precinct's picture
VILLAGE_HOUSES = {"岗厦": 703, "福田村": 497}  # ≈1,200 (DESIGN.md §1)
TOWER_PITCH = 70.0  # tower sites are 70 m cells; 30–60 m footprints keep ≥ 8 m apart

PROPERTY_COMPANIES: tuple[str, ...] = (
    "招商物业", "万科物业", "卓越物业", "中航物业", "深业物业", "星河物业", "华润万象生活", "中海物业",
    "金地物业", "长城物业", "保利物业", "皇庭物业", "世邦魏理仕", "仲量联行", "戴德梁行", "第一太平戴维斯",
)  # fmt: skip

# The 23 towers of 100 m and more: (name, height, target lon/lat or None, property company or None).
TALL_TOWERS: tuple[tuple[str, float, tuple[float, float] | None, str | None], ...] = (
    ("平安金融中心", 599.0, (114.0560, 22.5356), "第一太平戴维斯"),
    ("卓越世纪中心1号楼", 280.0, (114.0645, 22.5352), "卓越物业"),
    ("卓越世纪中心3号楼", 205.0, (114.0650, 22.5325), "卓越物业"),
    ("新世界中心", 238.0, (114.0540, 22.5358), None),
    ("大中华国际交易广场", 219.0, (114.0458, 22.5405), None),
    ("招商银行大厦", 237.0, (114.0515, 22.5450), "招商物业"),
    ("中国凤凰大厦", 200.0, (114.0650, 22.5445), None),
    ("太平金融大厦", 228.0, None, None), ("中信证券大厦", 213.0, None, None),
    ("荣超经贸中心", 216.0, None, None), ("国际商会中心", 240.0, None, None),
    ("江苏大厦", 180.0, None, None), ("时代财富大厦", 178.0, None, None),
    ("嘉里建设广场", 182.0, None, None), ("中国人寿大厦", 185.0, None, None),
    ("新华保险大厦", 148.0, None, None), ("诺德金融中心", 155.0, None, None),
    ("大百汇广场", 156.0, None, None), ("星河发展中心", 168.0, None, "星河物业"),
    ("安联大厦", 162.0, None, None), ("广电金融中心", 172.0, None, None),
    ("免税商务大厦", 138.0, None, None), ("中洲大厦", 132.0, None, None),
)  # fmt: skip
UNDER_CONSTRUCTION = (
    "福华路超高层项目", "中心区22-03地块项目", "中心区23-05地块项目", "岗厦北商务中心（在建）",
    "益田路金融总部大厦（在建）", "深南大道创新中心（在建）", "金田路总部基地（在建）", "福中路文化综合体（在建）",
    "中心区B116-0008地块项目", "彩田路商务大厦（在建）", "福华三路酒店项目（在建）",
)  # fmt: skip
LOW_PREFIX = (
    "金田", "益田", "民田", "福华", "深南", "新洲", "岗厦", "中心", "荣超", "华融", "信和", "中银", "国信",
    "时代", "兴业", "东方", "南方", "海天", "联合", "天安", "金茂", "鹏程", "特区", "华安",
)  # fmt: skip
LOW_SUFFIX = ("大厦", "商务中心", "金融大厦", "广场", "中心", "科技大厦", "国际大厦")
N_LOW = 89

__all__ = [
    "CONNECTOR_SECONDS",
    "ENV_VAR",
    "AreaSpec",
    "BuildingSpec",
    "ConnectorSpec",
    "EdgeSpec",
    "LandmarkSpec",
    "Level",
    "NodeSpec",
    "PrecinctSpec",
    "ZoneSpec",
    "default_data_dir",
    "from_utm",
    "generate",
    "metric_area_m2",
    "metric_length_m",
    "to_utm",
]


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def default_data_dir() -> Path:
    """``$ZHENGYI_SHARED_DATA``, else ``<project root>/../shared/data`` (root holds pyproject.toml)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent.parent / "shared" / "data"
    return here.parents[2].parent / "shared" / "data"  # installed without a checkout: best guess


@dataclass(frozen=True)
class _Station:
    name: str
    name_en: str
    lon: float
    lat: float


def _require(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(
            f"Futian demo data not found: {path} — point the {ENV_VAR} environment variable (or data_dir) "
            f"at the shared data folder that holds {DISTRICT_FILE} and {METRO_FILE}"
        )
    return path


def _load(data_dir: Path) -> tuple[Polygon, list[_Station]]:
    with _require(data_dir / DISTRICT_FILE).open(encoding="utf-8") as fh:
        doc = json.load(fh)
    if doc.get("type") == "FeatureCollection":
        doc = doc["features"][0]
    district = shape(doc["geometry"] if doc.get("type") == "Feature" else doc)
    if not isinstance(district, Polygon):  # a MultiPolygon district: keep the main body
        district = max(getattr(district, "geoms", []), key=lambda g: g.area)
    stations: dict[str, _Station] = {}  # a transfer station repeats once per line: first row wins
    with _require(data_dir / METRO_FILE).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["name_cn"].strip()
            if name not in stations:
                stations[name] = _Station(name, row["name_en"].strip(), float(row["lng"]), float(row["lat"]))
    return district, list(stations.values())


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _poly(geom: BaseGeometry) -> Polygon:
    """Design-frame polygon → WGS84 Polygon (raises if an operation produced a multi-part shape)."""
    out = net.design_to_wgs84(geom)
    if not isinstance(out, Polygon):
        raise RuntimeError(f"expected a Polygon, got {out.geom_type}")
    return out


def _pt(x: float, y: float) -> Point:
    # rounded like NodeSpec coordinates, so a metro exit and its street node share one position
    return Point(round(net.LON0 + x / net.KX, 7), round(net.LAT0 + y / net.KY, 7))


def _rect(cx: float, cy: float, w: float, h: float) -> Polygon:
    return box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


@dataclass
class _Bldg:  # mutable draft, design frame
    name: str
    category: str
    height: float
    floors_above: int
    floors_below: int
    geom: Polygon
    company: str | None = None
    village: str | None = None
    address: str = ""


def _zones() -> list[tuple[str, str, str, str, Polygon]]:
    o = INSET
    w, mt, z2, yt, jt, ct = (
        X(LON[k]) for k in ("新洲路", "民田路", "中心二路", "益田路", "金田路", "彩田路")
    )
    bh, f3, fh, sn, n = (Y(LAT[k]) for k in ("滨河大道", "福华三路", "福华路", "深南大道", "红荔路"))
    gangxia, futian = net.village_grids()
    coco = box(mt + o, f3 - o - 150, z2 - o, f3 - o)
    hub = box(w + o, sn - 120, mt - o, sn + 120)
    office_s = shapely.union(box(w + o, fh + o, jt - o, sn - o), box(yt + o, f3 + o, jt - o, fh + o))
    return [
        ("Z-CEC", "会展中心", "Convention & Exhibition Center", "convention", box(yt + o, bh + o, jt - o, f3 - o)),
        ("Z-SHP", "购物公园商圈", "Shopping Park Business District", "business", box(w + o, bh + o, yt - o, fh - o) - coco),
        ("Z-COCO", "购物公园酒吧街", "CoCo Park Bar Street", "bar_street", coco),
        ("Z-OFS", "中心区写字楼区（深南大道以南）", "CBD Office District South", "office", office_s - hub),
        ("Z-OFN", "中心区写字楼区（深南大道以北）", "CBD Office District North", "office", box(w + o, sn + o, ct - o, n - o) - hub),
        ("Z-TH", "福田综合交通枢纽", "Futian Transport Hub", "transport", hub),
        ("Z-GX", "岗厦村", "Gangxia Village", "urban_village", box(*gangxia.rect)),
        ("Z-HT", "皇庭广场商圈", "Huangting Plaza Business District", "business", box(jt + o, bh + o, ct - o, fh - o)),
        ("Z-FTC", "福田村", "Futian Village", "urban_village", box(*futian.rect)),
        ("Z-LHS", "莲花山公园（南区）", "Lianhuashan Park (South)", "park", box(mt + o, n + o, jt - o, Y(net.PARK_TOP_LAT))),
    ]  # fmt: skip


def _specials() -> list[_Bldg]:
    """Malls and public buildings at fixed places (they do not depend on the seed)."""
    mt, z2, yt, zw, jt = (X(LON[k]) for k in ("民田路", "中心二路", "益田路", "中心五路", "金田路"))
    bh, f3, fh, f1, sn, fz, fz1 = (
        Y(LAT[k]) for k in ("滨河大道", "福华三路", "福华路", "福华一路", "深南大道", "福中路", "福中一路")
    )
    gx_top = net.village_grids()[0].rect[3]
    table: list[tuple[str, str, float, int, int, Polygon, str | None]] = [
        ("星河COCO Park（购物公园）", "commercial", 28, 5, 3, _rect((mt + z2) / 2, (f3 + fh) / 2, 170, 150), "星河物业"),
        ("怡景中心城", "commercial", 32, 6, 3, _rect((zw + jt) / 2, (fh + f1) / 2, 200, 140), "华润万象生活"),
        ("皇庭广场", "commercial", 45, 9, 4, box(jt + 25, f3 + 25, jt + 165, f3 + 135), "皇庭物业"),
        ("卓越INTOWN", "commercial", 24, 5, 2, box(jt + 30, gx_top + 14, jt + 190, gx_top + 74), "卓越物业"),
        ("中心书城", "commercial", 20, 4, 2, _rect((yt + zw) / 2, (fz + fz1) / 2, 180, 80), "深业物业"),
        ("深圳会展中心", "public", 60, 6, 2, _rect((yt + jt) / 2, (bh + f3) / 2, 440, 280), "招商物业"),
        ("深圳市民中心", "public", 86, 11, 2, box(yt + 40, sn + 170, jt - 40, sn + 290), "深业物业"),
        ("深圳图书馆", "public", 42, 8, 2, _rect((zw + jt) / 2, (fz + fz1) / 2, 150, 90), None),
        ("福田派出所", "public", 24, 6, 1, box(jt + 30, bh - 75, jt + 70, bh - 45), None),
    ]  # fmt: skip
    out = [_Bldg(n, cat, float(h), up, down, geom, company) for n, cat, h, up, down, geom, company in table]
    for k, (dx, dy) in enumerate(((35, 40), (95, 40), (155, 40), (35, 110), (95, 110), (155, 110))):
        geom = box(mt + INSET + dx, f3 - INSET - dy, mt + INSET + dx + 45, f3 - INSET - dy + 20)
        out.append(_Bldg(f"购物公园酒吧街{k + 1}号楼", "commercial", 12.0, 3, 0, geom, "星河物业"))
    return out


def _tower_sites(developable: BaseGeometry) -> list[Polygon]:
    minx, miny, maxx, maxy = developable.bounds
    p = TOWER_PITCH
    nx, ny = int((maxx - minx) // p) + 1, int((maxy - miny) // p) + 1
    cells = [
        box(minx + i * p, miny + j * p, minx + (i + 1) * p, miny + (j + 1) * p)
        for j in range(ny)
        for i in range(nx)
    ]
    shapely.prepare(developable)
    ok = shapely.contains(developable, np.array(cells, dtype=object))
    return [c for c, good in zip(cells, ok, strict=True) if good]


def _in_site(rng: random.Random, site: Polygon, lo: float, hi: float) -> Polygon:
    x0, y0, x1, y1 = site.bounds
    w, h = round(rng.uniform(lo, hi), 1), round(rng.uniform(lo, hi), 1)
    ox, oy = rng.uniform(4.0, x1 - x0 - w - 4.0), rng.uniform(4.0, y1 - y0 - h - 4.0)
    return box(x0 + ox, y0 + oy, x0 + ox + w, y0 + oy + h)


def _towers(rng: random.Random, sites: list[Polygon], core: BaseGeometry) -> list[_Bldg]:
    """23 tall towers (named ones near their real place), 11 construction sites, 89 towers < 100 m."""
    free = list(range(len(sites)))
    centres = np.array([[s.centroid.x, s.centroid.y] for s in sites])
    shapely.prepare(core)
    companies = sorted(PROPERTY_COMPANIES)
    out: list[_Bldg] = []

    def add(
        name: str, category: str, height: float, site: int, size: tuple[float, float], company: str | None
    ) -> None:
        free.remove(site)
        geom = _in_site(rng, sites[site], *size)
        below = rng.randint(3, 5) if height >= 100 else rng.randint(2, 4)
        out.append(
            _Bldg(name, category, height, round(height / 4), below, geom, company or rng.choice(companies))
        )

    for name, height, target, company in TALL_TOWERS:
        if target is not None:
            tx, ty = X(target[0]), Y(target[1])
            site = min(free, key=lambda i: (math.hypot(centres[i][0] - tx, centres[i][1] - ty), i))
        else:
            site = rng.choice([i for i in free if core.contains(Point(centres[i]))])
        add(name, "office_tower", height, site, (45.0, 60.0), company)
    for name in UNDER_CONSTRUCTION:
        add(
            name, "under_construction", float(rng.randrange(90, 360, 5)), rng.choice(free), (35.0, 55.0), None
        )
    for name in rng.sample(sorted(p + s for p in LOW_PREFIX for s in LOW_SUFFIX), N_LOW):
        add(name, "office_tower", round(rng.uniform(42.0, 99.0), 1), rng.choice(free), (30.0, 55.0), None)
    return out


def _houses(rng: random.Random) -> list[_Bldg]:
    """Village houses (握手楼): 10–13 m footprints in 16 m lots, 3×3 lots per 52 m alley cell."""
    out: list[_Bldg] = []
    lot = (CELL - 4.0) / 3
    for v in net.village_grids():
        lots = [(i, j, a, b) for j in range(v.ny) for i in range(v.nx) for b in range(3) for a in range(3)]
        chosen = sorted(rng.sample(range(len(lots)), VILLAGE_HOUSES[v.name]))
        numbers: dict[str, int] = {}
        for k in chosen:
            i, j, a, b = lots[k]
            if v.name == "岗厦":
                fang = ("西坊", "南坊", "北坊", "东坊")[(i >= v.nx // 2) + 2 * (j >= v.ny // 2)]
                village, road = "岗厦村", "福华路"
            else:
                fang = ("一坊", "二坊", "三坊", "四坊", "五坊")[j * 5 // v.ny]
                village, road = "福田村", "福民路"
            numbers[fang] = numbers.get(fang, 0) + 1
            lx, ly = v.x0 + i * CELL + 2.0 + a * lot, v.y0 + j * CELL + 2.0 + b * lot
            w, h = round(rng.uniform(10.0, 13.0), 1), round(rng.uniform(10.0, 13.0), 1)
            ox, oy = rng.uniform(0.75, lot - w - 0.75), rng.uniform(0.75, lot - h - 0.75)
            floors = rng.randint(6, 12)
            geom = box(lx + ox, ly + oy, lx + ox + w, ly + oy + h)
            label = f"{village}{fang}{numbers[fang]}"
            house = _Bldg(
                f"{label}栋", "residential", floors * 3.0, floors, rng.choice((0, 0, 1)), geom, None, v.name
            )
            house.address = f"{road}{label}号"
            out.append(house)
    return out


def _address(geom: Polygon, roads: list[net.Seg]) -> str:
    c = geom.centroid
    best = min(roads, key=lambda s: (shapely.distance(c, LineString([(s.x0, s.y0), (s.x1, s.y1)])), s.name))
    along = (c.x - min(best.x0, best.x1)) if best.horizontal else (c.y - min(best.y0, best.y1))
    side = (c.y < best.y0) if best.horizontal else (c.x < best.x0)  # odd numbers on the south/west side
    number = max(1, int(along // 12) * 2 + (1 if side else 2))
    return f"{best.name}{number}号"


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------
def generate(seed: int = 2017, data_dir: Path | None = None) -> PrecinctSpec:
    rng = random.Random(seed)
    district, stations = _load(data_dir if data_dir is not None else default_data_dir())

    # Boundary: the road frame plus a margin, clipped to 福田区 (it lies well inside; the clip is a guard).
    frame = net.road_frame()
    boundary = net.design_to_wgs84(frame.buffer(BOUNDARY_MARGIN_M, join_style="mitre")).intersection(district)
    if not isinstance(boundary, Polygon):
        raise RuntimeError("Futian precinct boundary is not a single polygon")
    boundary_utm = to_utm(boundary)

    zones = _zones()
    zone_specs = tuple(ZoneSpec(c, n, en, k, _poly(g)) for c, n, en, k, g in zones)

    # Buildings: fixed specials, then seeded towers on a site grid, then village houses.
    specials = _specials()
    corridors = net.road_corridors()
    blocked = [
        z[4].buffer(6.0) for z in zones if z[3] in ("urban_village", "park", "convention", "bar_street")
    ]
    blocked += [b.geom.buffer(8.0) for b in specials]
    developable = frame.buffer(-BOUNDARY_MARGIN_M).difference(shapely.union_all([corridors, *blocked]))
    core = shapely.union_all([z[4] for z in zones if z[3] in ("office", "business", "transport")])
    drafts = specials + _towers(rng, _tower_sites(developable), core) + _houses(rng)
    roads = net.road_segments()
    buildings: list[BuildingSpec] = []
    for k, draft in enumerate(drafts, start=1):
        centre = draft.geom.centroid
        zone = next((z[0] for z in zones if z[4].contains(centre)), None)
        buildings.append(
            BuildingSpec(
                code=f"B-{k:04d}",
                name=draft.name,
                category=draft.category,
                height_m=draft.height,
                floors_above=draft.floors_above,
                floors_below=draft.floors_below,
                zone_code=zone,
                urban_village=draft.village,
                property_company=draft.company,
                footprint=_poly(draft.geom),
                address=draft.address or _address(draft.geom, roads),
            )
        )

    # Areas: underground concourses/malls and skywalk decks (fixed layout).
    under = [(f"A-U{s}", n, "underground", box(*r)) for s, n, r in net.underground_rects()]
    sky = [(f"A-K{s}", n, "skywalk", box(*r)) for s, n, r in net.skywalk_rects()]
    areas = tuple(AreaSpec(c, n, lvl, _poly(g)) for c, n, lvl, g in under + sky)  # type: ignore[arg-type]
    under_union = shapely.union_all([g for *_, g in under])
    shapely.prepare(under_union)

    # Network.
    g = NetworkBuilder()
    g.add_lines("street", roads + net.street_walk_segments(), "junction")
    road_nodes = sorted({i for e in g.edges.values() if e.drive for i in (e.a, e.b)})
    street_plain = sorted(i for i in range(len(g.xs)) if g.levels[i] == "street")
    concourse = g.add_lines("underground", net.underground_segments(), "concourse")
    deck = g.add_lines("skywalk", net.skywalk_segments(), "deck")

    lobby_of: dict[str, int] = {}
    for b, draft in zip(buildings, drafts, strict=True):
        if b.category in ("residential", "under_construction"):
            continue
        c = draft.geom.centroid
        kind = "entrance" if b.category == "public" else "lobby"
        lobby = g.node("street", c.x, c.y, kind, f"{b.code} {b.name}", merge=False)
        lobby_of[b.name] = lobby
        g.edge(lobby, g.nearest(road_nodes, c.x, c.y), walk=True, drive=False, name=f"{b.name}入口")
        if under_union.contains(c):  # a tower over the concourse has a lift (malls: escalators) down to it
            below = g.node("underground", c.x, c.y, "lobby", f"{b.code} {b.name}", merge=False)
            g.edge(below, g.nearest(concourse, c.x, c.y), walk=True, drive=False, name=f"{b.name}地下连通口")
            kind = "lift" if b.category == "office_tower" else "escalator"
            g.connector(lobby, below, kind, f"{b.name}{'电梯' if kind == 'lift' else '扶梯'}")

    # Landmarks (fixed), then metro stations with their exits.
    lm: list[tuple[str, str, str, Level, float, float]] = []
    centre_of = {d.name: d.geom.centroid for d in drafts}
    ax = X(net.SKYWALK_AXIS_LON)
    coco = next(z[4] for z in zones if z[0] == "Z-COCO").centroid
    hub = box(*net.underground_rects()[4][2]).centroid
    for name, en, kind, level, p in (
        ("福田派出所", "Futian Police Station", "police_station", "street", centre_of["福田派出所"]),
        ("会展中心", "Shenzhen Convention & Exhibition Center", "convention", "street", centre_of["深圳会展中心"]),
        ("皇庭广场", "Huangting Plaza", "mall", "street", centre_of["皇庭广场"]),
        ("莲花山公园", "Lianhuashan Park", "park", "street", Point(ax, Y(22.5517))),
        ("购物公园", "Shopping Park (CoCo Park)", "mall", "street", centre_of["星河COCO Park（购物公园）"]),
        ("购物公园酒吧街", "CoCo Park Bar Street", "bar_street", "street", coco),
        ("中心城", "Central Walk", "mall", "street", centre_of["怡景中心城"]),
        ("卓越INTOWN", "Excellence INTOWN", "mall", "street", centre_of["卓越INTOWN"]),
        ("市民广场", "Civic Square", "plaza", "street", Point(ax, Y(22.5480))),
        ("福田综合交通枢纽", "Futian Transport Hub", "transit_hub", "underground", hub),
    ):  # fmt: skip
        lm.append((name, en, kind, level, p.x, p.y))  # type: ignore[arg-type]

    used: set[int] = set()  # a street node carries at most one metro exit
    for st in stations:
        if shapely.distance(to_utm(Point(st.lon, st.lat)), boundary_utm) > METRO_REACH_M:
            continue
        sx, sy = X(st.lon), Y(st.lat)
        lm.append((st.name, st.name_en, "metro_station", "underground", sx, sy))
        for letter, ex, ey in g.metro_station(st.name, sx, sy, road_nodes, concourse, used):
            lm.append(
                (
                    f"{st.name}站{letter}口",
                    f"{st.name_en} Station Exit {letter}",
                    "metro_exit",
                    "street",
                    ex,
                    ey,
                )
            )

    # Skywalk ↔ street: the three anchors of the story, the buildings it passes, and road crossings.
    y2, fh, f1 = Y(net.SKYWALK_EAST_LAT), Y(LAT["福华路"]), Y(LAT["福华一路"])
    for px, py, street, kind, label in [
        (ax, Y(22.5331), lobby_of["深圳会展中心"], "escalator", "会展中心连廊扶梯"),
        (X(114.0615), y2, lobby_of["皇庭广场"], "escalator", "皇庭广场连廊扶梯"),
        (ax, Y(22.5520), None, "stairs", "莲花山连廊楼梯"),
        (ax, (fh + f1) / 2, lobby_of["怡景中心城"], "escalator", "中心城连廊扶梯"),
        (ax, Y(LAT["深南大道"]) + 230, lobby_of["深圳市民中心"], "lift", "市民中心连廊电梯"),
        (ax, Y(LAT["福华三路"]), None, "stairs", "福华三路连廊楼梯"),
        (ax, fh, None, "stairs", "福华路连廊楼梯"),
        (ax, Y(LAT["深南大道"]), None, "lift", "深南大道连廊电梯"),
        (ax, Y(LAT["红荔路"]), None, "escalator", "红荔路连廊扶梯"),
    ]:
        top = g.nearest(deck, px, py)
        g.connector(
            street if street is not None else g.nearest(street_plain, g.xs[top], g.ys[top]), top, kind, label
        )
    # Car-park ramps from the street down to the concourse.
    for lon, lat, label in (
        (114.0559, LAT["福华三路"], "会展中心地下车库坡道"),
        (114.0592, LAT["福华一路"], "中心城地下车库坡道"),
    ):
        street = g.nearest(road_nodes, X(lon), Y(lat))
        g.connector(street, g.nearest(concourse, g.xs[street], g.ys[street]), "ramp", label)

    if g.components(walk=True) != 1 or g.components(walk=False) != 1:
        raise RuntimeError("Futian demo network is not connected")
    nodes, edges, connectors = g.build(CONNECTOR_SECONDS)

    landmarks = tuple(
        LandmarkSpec(f"L-{k:04d}", name, en, kind, level, _pt(x, y))
        for k, (name, en, kind, level, x, y) in enumerate(lm, start=1)
    )
    return PrecinctSpec(
        station_code="FT",
        station_name="福田派出所",
        station_name_en="Futian Police Station",
        boundary=boundary,
        zones=zone_specs,
        buildings=tuple(buildings),
        landmarks=landmarks,
        areas=areas,
        nodes=nodes,
        edges=edges,
        connectors=connectors,
        property_companies=PROPERTY_COMPANIES,
    )
