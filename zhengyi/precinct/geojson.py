"""GeoJSON codec for the precinct: one FeatureCollection holds every layer.

Pure (no Django). Each feature's ``properties.layer`` says what it is: ``zone``,
``building``, ``landmark``, ``area``, ``node``, ``edge`` or ``connector``. Parsing checks
everything first and reports every problem with the feature's index, so an import either
applies whole or not at all. The format is documented in docs/precinct.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import LineString, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from zhengyi.precinct.geometry import to_utm
from zhengyi.precinct.spec import (
    LEVELS,
    AreaSpec,
    BuildingSpec,
    ConnectorSpec,
    EdgeSpec,
    LandmarkSpec,
    NodeSpec,
    ZoneSpec,
)

LAYERS = ("zone", "building", "landmark", "area", "node", "edge", "connector")
# China lies well inside these; anything outside is a swapped lon/lat or a projected CRS.
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)
MAX_FEATURES = 200_000


@dataclass
class Problem:
    index: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.index + 1} 个要素" if self.index is not None else "文件"
        return f"{where}{f'（{self.code}）' if self.code else ''}：{self.message}"


class GeoJSONError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:5])
        more = f"（另有 {len(problems) - 5} 处问题）" if len(problems) > 5 else ""
        super().__init__(f"GeoJSON 有 {len(problems)} 处问题，未导入任何数据：{head}{more}")


@dataclass
class ParsedPrecinct:
    zones: list[ZoneSpec] = field(default_factory=list)
    buildings: list[BuildingSpec] = field(default_factory=list)
    landmarks: list[LandmarkSpec] = field(default_factory=list)
    areas: list[AreaSpec] = field(default_factory=list)
    nodes: list[NodeSpec] = field(default_factory=list)
    edges: list[EdgeSpec] = field(default_factory=list)
    connectors: list[ConnectorSpec] = field(default_factory=list)

    def count(self) -> dict[str, int]:
        return {
            k: len(getattr(self, k))
            for k in ("zones", "buildings", "landmarks", "areas", "nodes", "edges", "connectors")
        }


class _Fail(Exception):
    pass


class _Props:
    """Typed access to one feature's properties, failing with a message that names the key."""

    def __init__(self, props: Mapping[str, Any]) -> None:
        self.props = props

    def text(self, key: str, *, required: bool = True, max_len: int = 100) -> str:
        value = self.props.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise _Fail(f"缺少属性 “{key}” / missing property '{key}'")
            return ""
        if not isinstance(value, str | int):
            raise _Fail(f"属性 “{key}” 应为文本 / '{key}' must be text")
        text = str(value).strip()
        if len(text) > max_len:
            raise _Fail(f"属性 “{key}” 超过 {max_len} 个字符 / '{key}' longer than {max_len}")
        return text

    def choice(self, key: str, allowed: Iterable[str]) -> str:
        value = self.text(key)
        allowed = sorted(allowed)
        if value not in allowed:
            raise _Fail(f"属性 “{key}” 的值 “{value}” 无效，应为 {', '.join(allowed)}")
        return value

    def number(
        self, key: str, *, low: float, high: float, required: bool = True, integer: bool = False
    ) -> float:
        value = self.props.get(key)
        if value is None:
            if required:
                raise _Fail(f"缺少属性 “{key}” / missing property '{key}'")
            return math.nan
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Fail(f"属性 “{key}” 应为数字 / '{key}' must be a number")
        if not math.isfinite(value) or not low <= value <= high:
            raise _Fail(f"属性 “{key}” = {value} 超出范围 [{low}, {high}]")
        if integer and int(value) != value:
            raise _Fail(f"属性 “{key}” 应为整数 / '{key}' must be an integer")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.props.get(key, default)
        if not isinstance(value, bool):
            raise _Fail(f"属性 “{key}” 应为 true 或 false")
        return value


def _geometry(raw: Any, kinds: tuple[str, ...]) -> BaseGeometry:
    if not isinstance(raw, dict) or raw.get("type") not in kinds:
        got = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        raise _Fail(f"几何类型应为 {' / '.join(kinds)}，实际为 {got}")
    try:
        geom = shape(raw)
    except Exception as exc:
        raise _Fail(f"几何坐标无法解析：{exc}") from exc
    if geom.is_empty:
        raise _Fail("几何为空 / empty geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not (LON_RANGE[0] <= minx and maxx <= LON_RANGE[1] and LAT_RANGE[0] <= miny and maxy <= LAT_RANGE[1]):
        raise _Fail("坐标不在中国范围内：请使用 WGS84 经纬度（经度在前）/ coordinates must be WGS84 lon, lat")
    if not geom.is_valid:
        from shapely.validation import explain_validity

        raise _Fail(f"几何无效（{explain_validity(geom)}），请修正自相交或重复点")
    return geom


def parse(document: Any, vocab: Mapping[str, Iterable[str]]) -> ParsedPrecinct:
    """Validate a FeatureCollection; raise :class:`GeoJSONError` listing every problem.

    ``vocab`` gives the allowed values of ``zone_kind``, ``building_category``,
    ``landmark_kind``, ``node_kind`` and ``connector_kind``.
    """
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GeoJSONError(
            [Problem(None, "", "应为 GeoJSON FeatureCollection / expected a FeatureCollection")]
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise GeoJSONError([Problem(None, "", "缺少 features 数组 / missing 'features' array")])
    if len(features) > MAX_FEATURES:
        raise GeoJSONError([Problem(None, "", f"要素过多（{len(features)}），上限 {MAX_FEATURES}")])
    out = ParsedPrecinct()
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    node_level: dict[str, str] = {}
    pending_links: list[tuple[int, dict[str, Any]]] = []
    for index, feature in enumerate(features):
        code = ""
        try:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise _Fail("不是 GeoJSON Feature")
            props = _Props(feature.get("properties") or {})
            layer = props.choice("layer", LAYERS)
            if layer in ("edge", "connector"):
                pending_links.append((index, feature))
                continue
            code = props.text("code", max_len=32)
            if (layer, code) in seen:
                raise _Fail(f"编号重复，与第 {seen[(layer, code)] + 1} 个要素相同")
            seen[(layer, code)] = index
            _parse_object(layer, code, props, feature.get("geometry"), vocab, out, node_level)
        except _Fail as exc:
            problems.append(Problem(index, code, str(exc)))
    for index, feature in pending_links:
        try:
            _parse_link(
                _Props(feature.get("properties") or {}), feature.get("geometry"), vocab, out, node_level
            )
        except _Fail as exc:
            problems.append(Problem(index, "", str(exc)))
    zone_codes = {z.code for z in out.zones}
    for b in out.buildings:
        if b.zone_code and b.zone_code not in zone_codes and b.zone_code not in vocab.get("known_zones", ()):
            problems.append(Problem(seen[("building", b.code)], b.code, f"片区 “{b.zone_code}” 不存在"))
    if problems:
        raise GeoJSONError(problems)
    return out


def _parse_object(
    layer: str,
    code: str,
    props: _Props,
    raw_geometry: Any,
    vocab: Mapping[str, Iterable[str]],
    out: ParsedPrecinct,
    node_level: dict[str, str],
) -> None:
    if layer == "zone":
        geom = _geometry(raw_geometry, ("Polygon",))
        assert isinstance(geom, Polygon)
        out.zones.append(
            ZoneSpec(
                code,
                props.text("name"),
                props.text("name_en", required=False),
                props.choice("kind", vocab["zone_kind"]),
                geom,
            )
        )
    elif layer == "building":
        geom = _geometry(raw_geometry, ("Polygon",))
        assert isinstance(geom, Polygon)
        floors_above = int(props.number("floors_above", low=0, high=200, integer=True))
        floors_below = props.number("floors_below", low=0, high=20, integer=True, required=False)
        out.buildings.append(
            BuildingSpec(
                code=code,
                name=props.text("name"),
                category=props.choice("category", vocab["building_category"]),
                height_m=props.number("height_m", low=1, high=1000),
                floors_above=floors_above,
                floors_below=0 if math.isnan(floors_below) else int(floors_below),
                zone_code=props.text("zone", required=False, max_len=32) or None,
                urban_village=props.text("urban_village", required=False, max_len=20) or None,
                property_company=props.text("property_company", required=False) or None,
                footprint=geom,
                address=props.text("address", required=False, max_len=200),
            )
        )
    elif layer == "landmark":
        geom = _geometry(raw_geometry, ("Point",))
        assert isinstance(geom, Point)
        out.landmarks.append(
            LandmarkSpec(
                code,
                props.text("name"),
                props.text("name_en", required=False),
                props.choice("kind", vocab["landmark_kind"]),
                props.choice("level", LEVELS),  # type: ignore[arg-type]
                geom,
            )
        )
    elif layer == "area":
        geom = _geometry(raw_geometry, ("Polygon",))
        assert isinstance(geom, Polygon)
        out.areas.append(AreaSpec(code, props.text("name"), props.choice("level", LEVELS), geom))  # type: ignore[arg-type]
    elif layer == "node":
        geom = _geometry(raw_geometry, ("Point",))
        level = props.choice("level", LEVELS)
        node_level[code] = level
        out.nodes.append(
            NodeSpec(
                code,
                level,  # type: ignore[arg-type]
                round(float(geom.x), 7),
                round(float(geom.y), 7),
                props.choice("kind", vocab["node_kind"]),
                props.text("label", required=False),
            )
        )


def _parse_link(
    props: _Props,
    raw_geometry: Any,
    vocab: Mapping[str, Iterable[str]],
    out: ParsedPrecinct,
    node_level: dict[str, str],
) -> None:
    known = vocab.get("known_nodes", {})
    layer = props.choice("layer", ("edge", "connector"))
    a, b = props.text("source", max_len=32), props.text("target", max_len=32)
    levels = []
    for end in (a, b):
        level = node_level.get(end) or known.get(end)  # type: ignore[attr-defined]
        if level is None:
            raise _Fail(f"节点 “{end}” 不存在（须在同一文件或已导入）")
        levels.append(level)
    if a == b:
        raise _Fail("起点与终点相同 / source equals target")
    if layer == "edge":
        if levels[0] != levels[1]:
            raise _Fail("路段两端须在同一空间层；跨层请用 connector")
        length = props.number("length_m", low=0.01, high=50_000, required=False)
        if math.isnan(length):
            geom = _geometry(raw_geometry, ("LineString",))
            length = float(to_utm(geom).length)
            if length <= 0:
                raise _Fail("路段长度为 0")
        walk, drive = props.flag("walk", True), props.flag("drive", False)
        if not (walk or drive):
            raise _Fail("路段须至少可步行或可通车")
        out.edges.append(
            EdgeSpec(
                a,
                b,
                levels[0],  # type: ignore[arg-type]
                round(length, 2),
                walk,
                drive,
                props.text("name", required=False),
                props.flag("oneway", False),
            )
        )
    else:
        if levels[0] == levels[1]:
            raise _Fail("层间连接两端须在不同空间层；同层请用 edge")
        out.connectors.append(
            ConnectorSpec(
                a,
                b,
                props.choice("kind", vocab["connector_kind"]),
                props.number("seconds", low=0, high=3600),
                props.text("label", required=False),
            )
        )


def _feature(geometry: BaseGeometry | None, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": mapping(geometry) if geometry is not None else None,
        "properties": {k: v for k, v in properties.items() if v not in (None, "")},
    }


def to_features(
    *,
    zones: Iterable[ZoneSpec] = (),
    buildings: Iterable[BuildingSpec] = (),
    landmarks: Iterable[LandmarkSpec] = (),
    areas: Iterable[AreaSpec] = (),
    nodes: Iterable[NodeSpec] = (),
    edges: Iterable[EdgeSpec] = (),
    connectors: Iterable[ConnectorSpec] = (),
) -> list[dict[str, Any]]:
    """The inverse of :func:`parse`; edges and connectors carry their end points as a line."""
    feats: list[dict[str, Any]] = []
    feats += [
        _feature(z.polygon, layer="zone", code=z.code, name=z.name, name_en=z.name_en, kind=z.kind)
        for z in zones
    ]
    feats += [
        _feature(
            b.footprint,
            layer="building",
            code=b.code,
            name=b.name,
            category=b.category,
            height_m=b.height_m,
            floors_above=b.floors_above,
            floors_below=b.floors_below,
            zone=b.zone_code,
            urban_village=b.urban_village,
            property_company=b.property_company,
            address=b.address,
        )
        for b in buildings
    ]
    feats += [
        _feature(
            m.point, layer="landmark", code=m.code, name=m.name, name_en=m.name_en, kind=m.kind, level=m.level
        )
        for m in landmarks
    ]
    feats += [_feature(a.polygon, layer="area", code=a.code, name=a.name, level=a.level) for a in areas]
    node_list = list(nodes)
    where = {n.code: (n.lon, n.lat) for n in node_list}
    feats += [
        _feature(Point(n.lon, n.lat), layer="node", code=n.code, level=n.level, kind=n.kind, label=n.label)
        for n in node_list
    ]

    def line(a: str, b: str) -> LineString | None:
        return LineString([where[a], where[b]]) if a in where and b in where else None

    feats += [
        _feature(
            line(e.a, e.b),
            layer="edge",
            source=e.a,
            target=e.b,
            length_m=e.length_m,
            walk=e.walk,
            drive=e.drive,
            oneway=e.oneway,
            name=e.name,
        )
        for e in edges
    ]
    feats += [
        _feature(
            line(c.a, c.b),
            layer="connector",
            source=c.a,
            target=c.b,
            kind=c.kind,
            seconds=c.seconds,
            label=c.label,
        )
        for c in connectors
    ]
    return feats


def feature_collection(features: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **meta, "features": features}
