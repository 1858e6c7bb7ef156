"""The Futian demo precinct carries the news story's figures (DESIGN.md §1). No Django, no DB."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point, Polygon, box, shape
from shapely.strtree import STRtree

from zhengyi.precinct.futian_demo import (
    CONNECTOR_SECONDS,
    ENV_VAR,
    PrecinctSpec,
    default_data_dir,
    from_utm,
    generate,
    metric_area_m2,
    metric_length_m,
    to_utm,
)

README_STATIONS_FALLBACK = (
    "购物公园",
    "会展中心",
    "岗厦",
    "福田",
    "市民中心",
    "岗厦北",
    "少年宫",
    "福民",
    "皇岗村",
)


@pytest.fixture(scope="module")
def spec() -> PrecinctSpec:
    return generate()


@pytest.fixture(scope="module")
def data_dir() -> Path:
    return default_data_dir()


@pytest.fixture(scope="module")
def district(data_dir: Path) -> Polygon:
    doc = json.loads((data_dir / "geo/futian-district.geojson").read_text(encoding="utf-8"))
    geom = shape(doc["features"][0]["geometry"])
    assert isinstance(geom, Polygon)
    return geom


@pytest.fixture(scope="module")
def metro(data_dir: Path) -> dict[str, Point]:
    with (data_dir / "geo/futian-metro-stations.csv").open(encoding="utf-8", newline="") as fh:
        return {row["name_cn"]: Point(float(row["lng"]), float(row["lat"])) for row in csv.DictReader(fh)}


def _readme_stations(data_dir: Path) -> tuple[str, ...]:
    text = " ".join((data_dir / "README.md").read_text(encoding="utf-8").split())
    m = re.search(r"Stations inside or at its edge include ([^.]+)\.", text)
    return tuple(s.strip() for s in m.group(1).split(",")) if m else README_STATIONS_FALLBACK


def _utm_distance(a: Point, b: Point) -> float:
    return float(to_utm(a).distance(to_utm(b)))


def _components(node_codes: list[str], links: list[tuple[str, str]]) -> int:
    index = {c: i for i, c in enumerate(node_codes)}
    rows = np.array([index[a] for a, _ in links], dtype=np.int64)
    cols = np.array([index[b] for _, b in links], dtype=np.int64)
    matrix = coo_matrix((np.ones(len(links)), (rows, cols)), shape=(len(node_codes), len(node_codes)))
    n, _ = connected_components(matrix, directed=False)
    return int(n)


# --- determinism, speed, data location -------------------------------------------------------


def test_same_seed_same_output(spec: PrecinctSpec) -> None:
    assert generate(2017) == spec


def test_other_seed_moves_buildings_but_keeps_the_figures(spec: PrecinctSpec) -> None:
    other = generate(7)
    assert [b.footprint for b in other.buildings] != [b.footprint for b in spec.buildings]
    count = Counter((b.category, b.height_m >= 100, b.urban_village) for b in spec.buildings)
    assert Counter((b.category, b.height_m >= 100, b.urban_village) for b in other.buildings) == count
    assert other.boundary == spec.boundary and other.areas == spec.areas


def test_generate_is_fast() -> None:
    start = time.perf_counter()
    generate(99)
    assert time.perf_counter() - start < 10.0


def test_module_is_pure() -> None:
    code = "import sys, zhengyi.precinct.futian_demo; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_data_dir_env_override_and_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert default_data_dir() == tmp_path
    with pytest.raises(FileNotFoundError) as err:
        generate()
    assert str(tmp_path) in str(err.value) and ENV_VAR in str(err.value)
    monkeypatch.delenv(ENV_VAR)
    assert default_data_dir().parts[-2:] == ("shared", "data")


def test_metric_helpers() -> None:
    square = box(114.05, 22.53, 114.06, 22.54)
    assert 1.13e6 < metric_area_m2(square) < 1.15e6
    assert 4.2e3 < metric_length_m(square) < 4.3e3
    back = from_utm(to_utm(square))
    assert np.allclose(np.asarray(back.exterior.coords), np.asarray(square.exterior.coords), atol=1e-9)


# --- the station and its area ----------------------------------------------------------------


def test_station_and_boundary(spec: PrecinctSpec, district: Polygon) -> None:
    assert (spec.station_code, spec.station_name, spec.station_name_en) == (
        "FT",
        "福田派出所",
        "Futian Police Station",
    )
    assert spec.boundary.is_valid
    assert 6.4e6 <= metric_area_m2(spec.boundary) <= 6.8e6
    minx, miny, maxx, maxy = spec.boundary.bounds
    assert 114.040 < minx < maxx < 114.072 and 22.520 < miny < maxy < 22.556
    assert spec.boundary.difference(district).area <= 0.01 * spec.boundary.area


def test_zones(spec: PrecinctSpec) -> None:
    assert 6 <= len(spec.zones) <= 10
    kinds = Counter(z.kind for z in spec.zones)
    assert {"convention", "business", "bar_street", "office", "urban_village"} <= set(kinds)
    assert kinds["urban_village"] == 2
    names = {z.name for z in spec.zones}
    assert {"会展中心", "购物公园商圈", "购物公园酒吧街", "岗厦村", "福田村", "皇庭广场商圈"} <= names
    for z in spec.zones:
        assert z.polygon.is_valid and z.polygon.area > 0
        assert z.polygon.difference(spec.boundary).area <= 1e-6 * z.polygon.area, z.code


# --- buildings -------------------------------------------------------------------------------


def test_tower_counts(spec: PrecinctSpec) -> None:
    towers = [b for b in spec.buildings if b.category == "office_tower"]
    assert sum(b.height_m < 100 for b in towers) == 89
    assert sum(b.height_m >= 100 for b in towers) == 23
    assert sum(b.category == "under_construction" for b in spec.buildings) == 11
    by_name = {b.name: b for b in towers}
    assert by_name["平安金融中心"].height_m == 599.0
    assert sum(b.height_m >= 200 for b in towers) >= 3
    for b in towers:
        assert 2 <= b.floors_below <= 5
        assert abs(b.floors_above - b.height_m / 4) <= 1
        sides = sorted(_sides_m(b.footprint))
        assert sides[0] >= 29.5 and sides[1] <= 60.5, b.name


def _sides_m(footprint: Polygon) -> tuple[float, float]:
    rect = to_utm(footprint).minimum_rotated_rectangle
    c = np.asarray(rect.exterior.coords)
    return float(np.hypot(*(c[1] - c[0]))), float(np.hypot(*(c[2] - c[1])))


def test_village_houses(spec: PrecinctSpec) -> None:
    houses = [b for b in spec.buildings if b.category == "residential"]
    assert 1180 <= len(houses) <= 1220
    villages = Counter(b.urban_village for b in houses)
    assert set(villages) == {"岗厦", "福田村"}
    assert villages["岗厦"] > villages["福田村"] > 300
    zone_of = {z.code: z for z in spec.zones}
    for b in houses:
        assert 6 <= b.floors_above <= 12 and b.height_m == pytest.approx(3.0 * b.floors_above)
        assert b.floors_below in (0, 1)
        assert all(9.5 <= s <= 15.5 for s in _sides_m(b.footprint))
        assert b.zone_code is not None and zone_of[b.zone_code].kind == "urban_village"
        assert b.name.startswith(b.urban_village or "?")


def test_footprints_do_not_overlap_and_lie_inside(spec: PrecinctSpec) -> None:
    footprints = [b.footprint for b in spec.buildings]
    tree = STRtree(footprints)
    left, right = tree.query(footprints, predicate="intersects")
    pairs = [(int(i), int(j)) for i, j in zip(left, right, strict=True) if i < j]
    assert pairs == []
    shapely.prepare(spec.boundary)
    assert shapely.contains(spec.boundary, np.array(footprints, dtype=object)).all()


def test_property_companies(spec: PrecinctSpec) -> None:
    assert 10 <= len(spec.property_companies) <= 20
    assert len(set(spec.property_companies)) == len(spec.property_companies)
    for b in spec.buildings:
        if b.category in ("office_tower", "commercial", "under_construction"):
            assert b.property_company in spec.property_companies, b.name
        elif b.category == "residential":
            assert b.property_company is None
    used = {b.property_company for b in spec.buildings if b.property_company}
    assert len(used) >= 8  # "run by several property companies"


def test_special_buildings(spec: PrecinctSpec) -> None:
    names = {b.name: b for b in spec.buildings}
    assert names["福田派出所"].category == "public"
    assert names["深圳会展中心"].category == "public"
    assert {"星河COCO Park（购物公园）", "皇庭广场", "怡景中心城", "卓越INTOWN"} <= {
        b.name for b in spec.buildings if b.category == "commercial"
    }
    assert all(b.address for b in spec.buildings)


# --- landmarks, areas ------------------------------------------------------------------------


def test_named_landmarks(spec: PrecinctSpec) -> None:
    kinds = {(m.name, m.kind) for m in spec.landmarks}
    for item in [
        ("会展中心", "convention"),
        ("皇庭广场", "mall"),
        ("莲花山公园", "park"),
        ("购物公园", "mall"),
        ("购物公园酒吧街", "bar_street"),
        ("福田派出所", "police_station"),
    ]:
        assert item in kinds
    for m in spec.landmarks:
        if m.kind != "metro_station" and m.level == "street":
            assert spec.boundary.contains(m.point), m.name


def test_metro_stations_and_exits(spec: PrecinctSpec, data_dir: Path, metro: dict[str, Point]) -> None:
    stations = {m.name: m for m in spec.landmarks if m.kind == "metro_station"}
    assert all(m.level == "underground" for m in stations.values())
    assert len(stations) == len(set(stations))  # transfer stations deduplicated
    listed = _readme_stations(data_dir)
    assert len(listed) >= 5
    for name in listed:
        if spec.boundary.contains(metro[name]):
            assert name in stations, name
    boundary_utm = to_utm(spec.boundary)
    for name, point in metro.items():  # and nothing near the boundary is missed
        if to_utm(point).distance(boundary_utm) <= 250:
            assert name in stations, name
    exits = [m for m in spec.landmarks if m.kind == "metro_exit"]
    for name, station in stations.items():
        own = [m for m in exits if m.name.startswith(f"{name}站")]
        assert 2 <= len(own) <= 4, name
        assert all(m.level == "street" for m in own)
        assert all(_utm_distance(m.point, station.point) <= 320 for m in own)


def test_underground_space(spec: PrecinctSpec) -> None:
    under = [a.polygon for a in spec.areas if a.level == "underground"]
    total = sum(metric_area_m2(p) for p in under)
    assert 580_000 <= total <= 620_000
    assert metric_area_m2(shapely.union_all(under)) == pytest.approx(total, rel=1e-5)  # disjoint
    names = " ".join(a.name for a in spec.areas if a.level == "underground")
    for place in ("新洲路", "购物公园", "中心城", "岗厦牌坊"):
        assert place in names


def test_skywalk_links_convention_centre_huangting_and_lianhuashan(spec: PrecinctSpec) -> None:
    decks = [a for a in spec.areas if a.level == "skywalk"]
    assert decks
    for a in decks:
        assert 8.0 <= min(_sides_m(a.polygon)) <= 12.0
    sky = [Point(n.lon, n.lat) for n in spec.nodes if n.level == "skywalk"]
    nodes = {n.code: n for n in spec.nodes}
    sky_links = [c for c in spec.connectors if "skywalk" in (nodes[c.a].level, nodes[c.b].level)]
    landmark = {m.name: m.point for m in spec.landmarks if m.kind in ("convention", "mall", "park")}
    for name in ("会展中心", "皇庭广场", "莲花山公园"):
        assert min(_utm_distance(p, landmark[name]) for p in sky) <= 150, name
        near = [c for c in sky_links if any(_near(nodes[x], landmark[name], 200) for x in (c.a, c.b))]
        assert near, name
    walk = [(e.a, e.b) for e in spec.edges if e.level == "skywalk" and e.walk]
    deck_codes = [n.code for n in spec.nodes if n.level == "skywalk"]
    assert _components(deck_codes, walk) == 1


def _near(node: object, point: Point, metres: float) -> bool:
    return _utm_distance(Point(node.lon, node.lat), point) <= metres  # type: ignore[attr-defined]


# --- the network -----------------------------------------------------------------------------


def test_codes_unique(spec: PrecinctSpec) -> None:
    groups: list[tuple[Sequence[Any], str]] = [
        (spec.zones, r"Z-[A-Z]+"),
        (spec.buildings, r"B-\d{4}"),
        (spec.landmarks, r"L-\d{4}"),
        (spec.areas, r"A-[UK]\d{2}"),
        (spec.nodes, r"[SUK]-\d{5}"),
    ]
    for items, pattern in groups:
        codes = [x.code for x in items]
        assert len(codes) == len(set(codes))
        assert all(re.fullmatch(pattern, c) for c in codes)
    prefix = {"street": "S", "underground": "U", "skywalk": "K"}
    assert all(n.code[0] == prefix[n.level] for n in spec.nodes)


def test_node_counts_and_spacing(spec: PrecinctSpec) -> None:
    levels = Counter(n.level for n in spec.nodes)
    assert 1500 <= levels["street"] <= 4000
    assert levels["underground"] >= 150 and levels["skywalk"] >= 30
    nodes = {n.code: n for n in spec.nodes}
    for e in spec.edges:
        if e.drive:
            assert 20 <= e.length_m <= 80, e
        elif e.level == "underground" and nodes[e.a].label == nodes[e.b].label == "":
            assert e.length_m <= 60, e


def test_edges_are_clean(spec: PrecinctSpec) -> None:
    nodes = {n.code: n for n in spec.nodes}
    seen: set[frozenset[str]] = set()
    for e in spec.edges:
        assert e.a != e.b and e.length_m > 0.5
        assert nodes[e.a].level == nodes[e.b].level == e.level
        assert e.walk or e.drive
        assert not e.drive or e.level == "street"
        key = frozenset((e.a, e.b))
        assert key not in seen
        seen.add(key)
        straight = _utm_distance(Point(nodes[e.a].lon, nodes[e.a].lat), Point(nodes[e.b].lon, nodes[e.b].lat))
        assert e.length_m == pytest.approx(straight, abs=0.05)
    names = {e.name for e in spec.edges if e.drive}
    assert {"深南大道", "福华路", "福华三路", "福中路", "红荔路", "滨河大道"} <= names
    assert {"新洲路", "金田路", "益田路", "民田路", "中心五路", "彩田路"} <= names
    # walk-only alleys make a denser mesh inside both urban villages
    assert sum(1 for e in spec.edges if e.level == "street" and not e.drive and "巷" in e.name) > 300


def test_connectors(spec: PrecinctSpec) -> None:
    nodes = {n.code: n for n in spec.nodes}
    kinds = Counter(c.kind for c in spec.connectors)
    assert {"exit", "lift", "escalator", "stairs"} <= set(kinds)
    for c in spec.connectors:
        assert nodes[c.a].level != nodes[c.b].level
        assert c.seconds == CONNECTOR_SECONDS[c.kind]
    exits = {(round(m.point.x, 6), round(m.point.y, 6)) for m in spec.landmarks if m.kind == "metro_exit"}
    linked = set()
    for c in spec.connectors:
        if c.kind == "exit":
            top = nodes[c.a] if nodes[c.a].level == "street" else nodes[c.b]
            bottom = nodes[c.b] if top is nodes[c.a] else nodes[c.a]
            assert bottom.level == "underground"
            linked.add((round(top.lon, 6), round(top.lat, 6)))
    assert exits == linked
    lobby_lifts = [
        c
        for c in spec.connectors
        if c.kind == "lift"
        and {(nodes[c.a].level, nodes[c.a].kind), (nodes[c.b].level, nodes[c.b].kind)}
        == {("street", "lobby"), ("underground", "lobby")}
    ]
    assert len(lobby_lifts) >= 5  # towers standing over the concourse have a lift down to it


def test_lobbies(spec: PrecinctSpec) -> None:
    lobby_codes = Counter(
        n.label.split(" ")[0] for n in spec.nodes if n.level == "street" and n.kind == "lobby"
    )
    wanted = {b.code for b in spec.buildings if b.category in ("office_tower", "commercial")}
    assert set(lobby_codes) == wanted and set(lobby_codes.values()) == {1}


def test_one_connected_walking_network(spec: PrecinctSpec) -> None:
    codes = [n.code for n in spec.nodes]
    links = [(e.a, e.b) for e in spec.edges if e.walk] + [(c.a, c.b) for c in spec.connectors]
    assert _components(codes, links) == 1


def test_drive_network_connected(spec: PrecinctSpec) -> None:
    drive = [(e.a, e.b) for e in spec.edges if e.drive]
    assert all(e.level == "street" for e in spec.edges if e.drive)
    codes = sorted({c for link in drive for c in link})
    assert len(codes) > 500
    assert _components(codes, drive) == 1


def test_nodes_inside_boundary(spec: PrecinctSpec) -> None:
    lon = np.array([n.lon for n in spec.nodes if n.level != "underground"])
    lat = np.array([n.lat for n in spec.nodes if n.level != "underground"])
    assert shapely.contains_xy(spec.boundary, lon, lat).all()
