"""The whole precinct of a station as one GeoJSON FeatureCollection (round-trips with import)."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point, shape

from zhengyi.core.models import Station
from zhengyi.precinct import geojson
from zhengyi.precinct.models import Building, Connector, Landmark, NetworkEdge, NetworkNode, SpaceArea, Zone
from zhengyi.precinct.spec import (
    AreaSpec,
    BuildingSpec,
    ConnectorSpec,
    EdgeSpec,
    LandmarkSpec,
    NodeSpec,
    ZoneSpec,
)


def export_station(station: Station) -> dict[str, Any]:
    """Export everything of ``station``; callers pass a station the user may view."""
    nodes = list(NetworkNode.objects.filter(station=station).select_related("space"))
    code_of = {n.pk: n.code for n in nodes}
    features = geojson.to_features(
        zones=[
            ZoneSpec(z.code, z.name, z.name_en, z.kind, shape(z.geometry))
            for z in Zone.objects.filter(station=station)
        ],
        buildings=[
            BuildingSpec(
                b.code,
                b.name,
                b.category,
                b.height_m,
                b.floors_above,
                b.floors_below,
                b.zone.code if b.zone else None,
                b.urban_village or None,
                b.property_company.name if b.property_company else None,
                shape(b.footprint),
                b.address,
            )
            for b in Building.objects.filter(station=station).select_related("zone", "property_company")
        ],
        landmarks=[
            LandmarkSpec(m.code, m.name, m.name_en, m.kind, m.space.level, Point(m.lon, m.lat))
            for m in Landmark.objects.filter(station=station).select_related("space")
        ],
        areas=[
            AreaSpec(a.code, a.name, a.space.level, shape(a.geometry))
            for a in SpaceArea.objects.filter(station=station).select_related("space")
        ],
        nodes=[NodeSpec(n.code, n.space.level, n.lon, n.lat, n.kind, n.label) for n in nodes],
        edges=[
            EdgeSpec(
                code_of[e.source_id],
                code_of[e.target_id],
                e.space.level,
                e.length_m,
                e.walk,
                e.drive,
                e.name,
                e.oneway,
            )
            for e in NetworkEdge.objects.filter(station=station).select_related("space")
        ],
        connectors=[
            ConnectorSpec(code_of[c.source_id], code_of[c.target_id], c.kind, c.seconds, c.label)
            for c in Connector.objects.filter(station=station)
        ],
    )
    return geojson.feature_collection(features, station={"code": station.code, "name": station.name})
