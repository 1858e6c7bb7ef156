"""Plain descriptions of precinct objects, shared by the GeoJSON codec and the demo generator.

Pure: no Django imports. Geometry is shapely, WGS84 lon/lat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

Level = Literal["underground", "street", "skywalk"]
LEVELS: tuple[Level, ...] = ("underground", "street", "skywalk")


@dataclass(frozen=True)
class ZoneSpec:
    code: str
    name: str
    name_en: str
    kind: str
    polygon: Polygon


@dataclass(frozen=True)
class BuildingSpec:
    code: str
    name: str
    category: str
    height_m: float
    floors_above: int
    floors_below: int
    zone_code: str | None
    urban_village: str | None
    property_company: str | None
    footprint: Polygon
    address: str


@dataclass(frozen=True)
class LandmarkSpec:
    code: str
    name: str
    name_en: str
    kind: str
    level: Level
    point: Point


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: Level
    polygon: Polygon


@dataclass(frozen=True)
class NodeSpec:
    code: str
    level: Level
    lon: float
    lat: float
    kind: str
    label: str = ""


@dataclass(frozen=True)
class EdgeSpec:
    a: str
    b: str
    level: Level
    length_m: float
    walk: bool
    drive: bool
    name: str = ""
    oneway: bool = False


@dataclass(frozen=True)
class ConnectorSpec:
    a: str
    b: str
    kind: str
    seconds: float
    label: str = ""


@dataclass(frozen=True)
class PrecinctSpec:
    station_code: str
    station_name: str
    station_name_en: str
    boundary: Polygon
    zones: tuple[ZoneSpec, ...]
    buildings: tuple[BuildingSpec, ...]
    landmarks: tuple[LandmarkSpec, ...]
    areas: tuple[AreaSpec, ...]
    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    connectors: tuple[ConnectorSpec, ...]
    property_companies: tuple[str, ...]


__all__ = [
    "LEVELS",
    "AreaSpec",
    "BaseGeometry",
    "BuildingSpec",
    "ConnectorSpec",
    "EdgeSpec",
    "LandmarkSpec",
    "Level",
    "LineString",
    "NodeSpec",
    "PrecinctSpec",
    "ZoneSpec",
]
