"""GeoJSON import is all-or-nothing with clear messages; export round-trips; summary is computed."""

from __future__ import annotations

import copy
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import small_precinct_document
from zhengyi.core.models import ObjectChange
from zhengyi.precinct.exports import export_station
from zhengyi.precinct.geojson import GeoJSONError
from zhengyi.precinct.models import Building, Connector, NetworkEdge, NetworkNode
from zhengyi.precinct.selectors import precinct_summary
from zhengyi.precinct.services import import_geojson

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Building.objects.count(), NetworkNode.objects.count(), ObjectChange.objects.count()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["features"][1]["geometry"].update(
                coordinates=[[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
            ),
            "中国范围",
        ),
        (
            lambda d: d["features"][1]["geometry"].update(
                coordinates=[
                    [[114.05, 22.53], [114.06, 22.54], [114.06, 22.53], [114.05, 22.54], [114.05, 22.53]]
                ]
            ),
            "自相交",
        ),
        (lambda d: d["features"][1]["properties"].update(category="castle"), "category"),
        (lambda d: d["features"][1]["properties"].update(height_m=-3), "height_m"),
        (lambda d: d["features"][1]["properties"].pop("name"), "name"),
        (lambda d: d["features"][1]["properties"].update(zone="NOPE"), "NOPE"),
        (lambda d: d["features"][-1]["properties"].update(target="GHOST"), "GHOST"),
        (lambda d: d["features"][2]["properties"].update(code="N-B1"), "编号重复"),
        (lambda d: d.update(type="Feature"), "FeatureCollection"),
    ],
)
def test_bad_geojson_is_refused_and_nothing_saved(
    stations: dict[str, Any], system: Any, mutate: Any, message: str
) -> None:
    document = copy.deepcopy(small_precinct_document("N-"))
    # A good feature before the bad one must not be saved either.
    mutate(document)
    before = _counts()
    with pytest.raises(GeoJSONError) as info:
        import_geojson(actor=system, station=stations["FT"], document=document)
    assert message in str(info.value)
    assert _counts() == before


def test_import_reports_every_problem_with_its_feature(stations: dict[str, Any], system: Any) -> None:
    document = small_precinct_document("M-")
    document["features"][1]["properties"]["height_m"] = "tall"
    document["features"][2]["properties"]["floors_above"] = 2.5
    with pytest.raises(GeoJSONError) as info:
        import_geojson(actor=system, station=stations["FT"], document=document)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 2
    assert problems[0].startswith("第 2 个要素（M-B1）") and "height_m" in problems[0]
    assert problems[1].startswith("第 3 个要素（M-B2）") and "整数" in problems[1]


def test_edge_across_levels_must_be_a_connector(stations: dict[str, Any], system: Any) -> None:
    document = small_precinct_document("X-")
    edge = next(f for f in document["features"] if f["properties"]["layer"] == "edge")
    edge["properties"]["target"] = "X-U1"
    with pytest.raises(GeoJSONError, match="connector"):
        import_geojson(actor=system, station=stations["FT"], document=document)


def test_export_round_trips(stations: dict[str, Any], system: Any) -> None:
    exported = export_station(stations["FT"])
    changes = ObjectChange.objects.count()
    result = import_geojson(actor=system, station=stations["FT"], document=json.loads(json.dumps(exported)))
    assert sum(result.created.values()) == 0 and sum(result.updated.values()) == 0
    assert ObjectChange.objects.count() == changes


def test_reimport_updates_by_code(stations: dict[str, Any], system: Any) -> None:
    document = small_precinct_document()
    document["features"][1]["properties"]["height_m"] = 99.0
    result = import_geojson(actor=system, station=stations["FT"], document=document)
    assert result.updated["buildings"] == 1 and result.created["buildings"] == 0
    assert Building.objects.get(station=stations["FT"], code="B1").height_class == "under_100"


def test_summary_counts_what_is_stored(stations: dict[str, Any]) -> None:
    s = precinct_summary(stations["FT"])
    assert s["buildings"]["office_towers_by_height"] == {"under_100": 1, "over_100": 1}
    assert s["buildings"]["residential_by_urban_village"] == {"岗厦": 1}
    assert s["network"]["street"] == {"nodes": 3, "edges": 2, "length_m": 855}
    assert s["network"]["skywalk"]["nodes"] == 1
    assert s["connectors"] == {"exit": 1, "lift": 1}
    assert 400_000 < s["underground_area_m2"] < 450_000
    assert NetworkEdge.objects.filter(station=stations["FT"]).count() == 3
    assert Connector.objects.filter(station=stations["FT"]).count() == 2


def test_summary_command_json(stations: dict[str, Any]) -> None:
    out = StringIO()
    call_command("precinct", "summary", "--station", "FT", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["station"]["code"] == "FT" and data["buildings"]["total"] == 3


def test_summary_command_unknown_station(stations: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="找不到派出所"):
        call_command("precinct", "summary", "--station", "NOPE", stdout=StringIO())


def test_import_page_shows_problems(client_for: Any, stations: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = small_precinct_document("W-")
    document["features"][1]["properties"]["category"] = "castle"
    upload = SimpleUploadedFile(
        "bad.geojson", json.dumps(document).encode(), content_type="application/geo+json"
    )
    before = _counts()
    response = client_for("head").post("/precinct/import/", {"file": upload})
    assert response.status_code == 400
    assert "castle" in response.content.decode()
    assert _counts() == before
    assert client_for("dispatcher").get("/precinct/import/").status_code == 403


def test_api_filters_like_the_page(client_for: Any, stations: dict[str, Any]) -> None:
    client = client_for("head")
    data = client.get("/api/precinct/buildings?height_class=over_100").json()
    assert [b["code"] for b in data["items"]] == ["B1"] and data["count"] == 1
    page = client.get("/precinct/buildings/?height_class=over_100").content.decode()
    assert "测试大厦" in page and "低层写字楼" not in page
    assert client.get("/api/precinct/buildings?limit=0").status_code == 422
    assert client.get("/api/precinct/levels/basement").status_code == 422
    assert client.get("/api/openapi.json").status_code == 200


def test_map_layers_link_buildings_and_stay_on_their_level(client_for: Any, stations: dict[str, Any]) -> None:
    client = client_for("head")
    street = client.get("/precinct/map/street.geojson").json()
    buildings = [f for f in street["features"] if f["properties"]["layer"] == "building"]
    assert {b["properties"]["name"] for b in buildings} == {"测试大厦", "低层写字楼", "岗厦村1栋"}
    tower = next(b for b in buildings if b["properties"]["name"] == "测试大厦")
    assert "测试大厦" in client.get(tower["properties"]["url"]).content.decode()
    assert street["boundary"]["type"] == "Polygon"
    underground = client.get("/precinct/map/underground.geojson").json()
    layers = {f["properties"]["layer"] for f in underground["features"]}
    assert layers == {"area", "landmark", "network"}
    assert client.get("/precinct/map/basement.geojson").status_code == 400
