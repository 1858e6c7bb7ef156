"""Load a generated precinct through the same GeoJSON import a station would use."""

from __future__ import annotations

from zhengyi.core.models import Bureau, Station, User
from zhengyi.core.services.org import upsert_station
from zhengyi.precinct import geojson
from zhengyi.precinct.geometry import to_geojson_dict, to_utm
from zhengyi.precinct.services import Progress, import_geojson
from zhengyi.precinct.spec import PrecinctSpec


def load_futian(
    *, actor: User, bureau: Bureau, spec: PrecinctSpec, progress: Progress | None = None
) -> Station:
    station = upsert_station(
        actor=actor,
        code=spec.station_code,
        name=spec.station_name,
        name_en=spec.station_name_en,
        bureau=bureau,
        boundary=to_geojson_dict(spec.boundary),
        area_km2=round(to_utm(spec.boundary).area / 1e6, 3),
        address="深圳市福田区福华三路",
    )
    document = geojson.feature_collection(
        geojson.to_features(
            zones=spec.zones,
            buildings=spec.buildings,
            landmarks=spec.landmarks,
            areas=spec.areas,
            nodes=spec.nodes,
            edges=spec.edges,
            connectors=spec.connectors,
        )
    )
    import_geojson(actor=actor, station=station, document=document, progress=progress)
    return station
