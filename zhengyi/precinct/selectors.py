"""Reads of the precinct: the figures a station head quotes, and map layers."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.urls import reverse

from zhengyi.core.models import Station, User
from zhengyi.precinct import geojson
from zhengyi.precinct.choices import LEVEL_ORDER, BuildingCategory, HeightClass, Level
from zhengyi.precinct.models import Building, Connector, Landmark, NetworkEdge, NetworkNode, SpaceArea, Zone
from zhengyi.precinct.spec import AreaSpec, LandmarkSpec, ZoneSpec


def precinct_summary(station: Station) -> dict[str, Any]:
    """The station's figures, computed from what is stored (never typed in)."""
    buildings = Building.objects.filter(station=station)
    by_category = dict(buildings.values_list("category").annotate(n=Count("id")).order_by())
    towers = dict(
        buildings.filter(category=BuildingCategory.OFFICE_TOWER)
        .values_list("height_class")
        .annotate(n=Count("id"))
        .order_by()
    )
    villages = dict(
        buildings.filter(category=BuildingCategory.RESIDENTIAL)
        .exclude(urban_village="")
        .values_list("urban_village")
        .annotate(n=Count("id"))
        .order_by("urban_village")
    )
    areas = dict(
        SpaceArea.objects.filter(station=station)
        .values_list("space__level")
        .annotate(m2=Sum("area_m2"))
        .order_by()
    )
    nodes = dict(
        NetworkNode.objects.filter(station=station)
        .values_list("space__level")
        .annotate(n=Count("id"))
        .order_by()
    )
    edges = (
        NetworkEdge.objects.filter(station=station)
        .values("space__level")
        .annotate(n=Count("id"), m=Sum("length_m"))
    )
    edge_by_level = {e["space__level"]: e for e in edges}
    connectors = dict(
        Connector.objects.filter(station=station).values_list("kind").annotate(n=Count("id")).order_by()
    )
    landmarks = dict(
        Landmark.objects.filter(station=station).values_list("kind").annotate(n=Count("id")).order_by()
    )
    zones = dict(Zone.objects.filter(station=station).values_list("kind").annotate(n=Count("id")).order_by())
    return {
        "station": {"code": station.code, "name": station.name},
        "area_km2": round(station.area_km2 or 0.0, 2),
        "buildings": {
            "total": sum(by_category.values()),
            "by_category": {c: by_category.get(c, 0) for c in BuildingCategory.values},
            "office_towers_by_height": {h: towers.get(h, 0) for h in HeightClass.values},
            "under_construction": by_category.get(BuildingCategory.UNDER_CONSTRUCTION, 0),
            "residential_by_urban_village": villages,
        },
        "underground_area_m2": round(areas.get(Level.UNDERGROUND, 0.0) or 0.0),
        "skywalk_length_m": round((edge_by_level.get(Level.SKYWALK) or {}).get("m") or 0.0),
        "network": {
            level: {
                "nodes": nodes.get(level, 0),
                "edges": (edge_by_level.get(level) or {}).get("n", 0),
                "length_m": round((edge_by_level.get(level) or {}).get("m") or 0.0),
            }
            for level in [lv.value for lv in LEVEL_ORDER]
        },
        "connectors": connectors,
        "landmarks": landmarks,
        "zones": zones,
    }


def map_layer(user: User, station: Station, level: str) -> dict[str, Any]:
    """GeoJSON of one level for the map, restricted to what ``user`` may view."""
    from shapely.geometry import shape

    def scoped(model: Any) -> Any:
        return model.objects.restrict(user, "view").filter(station=station)

    feats: list[dict[str, Any]] = []
    if level == Level.STREET:
        # One reverse() for all buildings: the detail URL is the list URL plus the id.
        buildings_url = reverse("precinct:building_list")
        feats += geojson.to_features(
            zones=[ZoneSpec(z.code, z.name, z.name_en, z.kind, shape(z.geometry)) for z in scoped(Zone)],
        )
        feats += [
            {
                "type": "Feature",
                "geometry": b["footprint"],
                "properties": {
                    "layer": "building",
                    "id": b["id"],
                    "code": b["code"],
                    "name": b["name"],
                    "category": b["category"],
                    "height_m": b["height_m"],
                    "url": f"{buildings_url}{b['id']}/",
                },
            }
            for b in scoped(Building).values("id", "code", "name", "category", "height_m", "footprint")
        ]
    areas = scoped(SpaceArea).filter(space__level=level)
    feats += geojson.to_features(areas=[AreaSpec(a.code, a.name, level, shape(a.geometry)) for a in areas])  # type: ignore[arg-type]
    marks = scoped(Landmark).filter(space__level=level)
    from shapely.geometry import Point

    feats += geojson.to_features(
        landmarks=[LandmarkSpec(m.code, m.name, m.name_en, m.kind, level, Point(m.lon, m.lat)) for m in marks]  # type: ignore[arg-type]
    )
    feats += _network_lines(scoped(NetworkEdge).filter(space__level=level))
    return geojson.feature_collection(feats, level=level)


def _network_lines(edges: Any) -> list[dict[str, Any]]:
    """Edges merged into one MultiLineString per street name: a tenth of the bytes to draw."""
    by_name: dict[tuple[str, bool], list[list[list[float]]]] = {}
    for name, drive, a_lon, a_lat, b_lon, b_lat in edges.values_list(
        "name", "drive", "source__lon", "source__lat", "target__lon", "target__lat"
    ):
        by_name.setdefault((name, drive), []).append([[a_lon, a_lat], [b_lon, b_lat]])
    return [
        {
            "type": "Feature",
            "geometry": {"type": "MultiLineString", "coordinates": lines},
            "properties": {"layer": "network", "name": name, "drive": drive, "segments": len(lines)},
        }
        for (name, drive), lines in sorted(by_name.items())
    ]
