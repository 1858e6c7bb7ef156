"""历史警情导入, continued: a second CAD layout (London time), the bulk path's speed, and
`zhengyi stations add` with the archiving of old imports."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError
from shapely.geometry import box, mapping

from zhengyi.alerts.models import Alert, AlertEvent
from zhengyi.alerts.services.history import import_historical
from zhengyi.core.models import ObjectChange, Station
from zhengyi.core.services.org import upsert_station
from zhengyi.precinct.geometry import metric_area_m2

from .cad_support import LONDON as LONDON_CORE
from .cad_support import LONDON_HEADER, write
from .history_support import (
    SHANGHAI,
    _alert_changes,
    _record,
    _run,
)

pytestmark = pytest.mark.django_db

# --- a second layout ------------------------------------------------------------------------

# The CAD core's London layout (tests/alerts/cad_support.py), with the stage it leaves out.
LONDON = LONDON_CORE.replace('on_scene = "At Scene"\n', 'on_scene = "At Scene"\ncleared = "Resolved"\n')


def test_a_second_cad_layout_in_london_time(system: Any, stations: dict[str, Any], tmp_path: Path) -> None:
    upsert_station(actor=system, code="LDN", name="London (sample)", bureau=stations["bureau"])
    # The core's London columns with the two this import also reads.
    header = [*LONDON_HEADER[:6], "Resolved", *LONDON_HEADER[6:], "Easting"]
    rows = [
        # Summer (BST, UTC+1), every stage.
        ["LDN-1", "999", "2024-07-01T22:15:00", "2024-07-01T22:16:30", "2024-07-01 22:17:00",
         "2024-07-01T22:25:00", "2024-07-01T23:40:00", "02/07/2024 01:00", "ASB - Nuisance",
         "Crime - Assault", "Priority", "Immediate", "High Street", "Camden", "Crime recorded", "529000"],
        # Winter (GMT), closed without attendance.
        ["LDN-2", "Online", "2024-01-15T09:00:00", "NULL", "NULL", "NULL", "NULL", "15/01/2024 09:30",
         "Concern for Safety", "Concern for Safety", "Scheduled", "Scheduled", "Station Road", "",
         "Advice given", ""],
    ]  # fmt: skip
    path = write(tmp_path, rows, header, "storm.csv", delimiter=";")
    mapping_path = tmp_path / "storm.toml"
    mapping_path.write_text(LONDON, encoding="utf-8")

    out, _ = _run("alerts", "import", str(path), "--mapping", str(mapping_path), "--station", "LDN")
    assert "已导入 imported: 2" in out

    one = Alert.objects.get(external_id="LDN-1")
    assert one.received_at == datetime(2024, 7, 1, 21, 15, tzinfo=UTC)
    assert one.closed_at == datetime(2024, 7, 2, 0, 0, tzinfo=UTC)
    assert (one.category_initial, one.category) == ("public_order", "criminal")
    assert (one.priority_initial, one.priority) == (2, 1)
    assert one.status == "closed" and one.done_steps == one.required_steps
    assert one.location_text == "High Street, Camden" and one.disposition == "Crime recorded"
    assert one.lon is None and one.zone is None
    steps = list(one.events.order_by("time").values_list("step", flat=True))
    assert steps == ["received", "dispatched", "en_route", "on_scene", "cleared", "feedback"]
    # Numbered by the local (station) day: 22:15 BST on 1 July is 05:15 on 2 July in Shenzhen.
    assert one.number == "LDN2024070200001"

    two = Alert.objects.get(external_id="LDN-2")
    assert two.received_at == datetime(2024, 1, 15, 9, tzinfo=UTC)
    assert (two.kind, two.source, two.status) == ("assistance", "online", "closed")
    assert list(two.events.values_list("step", flat=True)) == ["received", "feedback"]


# --- the bulk path -------------------------------------------------------------------------


def test_three_thousand_records_import_quickly(system: Any, stations: dict[str, Any]) -> None:
    start = datetime(2023, 1, 1, tzinfo=SHANGHAI)
    records = [
        _record(
            f"S{i:05d}",
            start + timedelta(minutes=97 * i),
            category_initial=("criminal", "dispute", "traffic")[i % 3],
            category=("criminal", "dispute", "traffic")[(i // 3) % 3],
            lon=114.0505 + (i % 100) * 0.0001,
            lat=22.5305 + (i // 100) * 0.0003,
            cleared_at=start + timedelta(minutes=97 * i + 30),
        )
        for i in range(3000)
    ]
    seen: list[tuple[int, int]] = []
    began = time.perf_counter()
    result = import_historical(
        actor=system, station=stations["FT"], records=records, progress=lambda d, t: seen.append((d, t))
    )
    elapsed = time.perf_counter() - began
    assert result.created == 3000 and not result.rejected
    assert elapsed < 15, f"3,000 records took {elapsed:.1f} s"
    assert seen == [(2000, 3000), (3000, 3000)]
    assert AlertEvent.objects.count() == 3000 * 5
    assert _alert_changes(stations["FT"]).count() == 3000
    assert Alert.objects.filter(zone__code="Z1").exists() and Alert.objects.filter(zone=None).exists()


# --- stations ------------------------------------------------------------------------------


def test_stations_add_creates_a_station_with_its_change_record(
    stations: dict[str, Any], tmp_path: Path
) -> None:
    square = box(114.00, 22.50, 114.01, 22.51)
    boundary = tmp_path / "boundary.geojson"
    boundary.write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(square)}), encoding="utf-8"
    )
    out, _ = _run(
        "stations",
        "add",
        "XS",
        "新沙派出所",
        "--bureau",
        "FTFJ",
        "--name-en",
        "Xinsha",
        "--boundary",
        str(boundary),
    )
    assert "已新建派出所 XS" in out
    station = Station.objects.get(code="XS")
    assert (station.name, station.name_en, station.bureau.code) == ("新沙派出所", "Xinsha", "FTFJ")
    assert station.boundary is not None and station.boundary["type"] == "Polygon"
    assert station.area_km2 == pytest.approx(metric_area_m2(square) / 1e6, abs=1e-3)
    (change,) = ObjectChange.objects.filter(content_type__model="station", object_id=str(station.pk))
    assert (change.action, change.source, change.actor_name) == ("create", "cli", "系统")

    listing, _ = _run("stations", "list")
    assert "XS" in listing and "FT" in listing and "有辖区范围" in listing

    with pytest.raises(CommandError, match="已存在"):
        _run("stations", "add", "XS", "新沙派出所", "--bureau", "FTFJ")
    _run("stations", "add", "XS", "新沙派出所（新）", "--bureau", "FTFJ", "--update")
    station.refresh_from_db()
    assert station.name == "新沙派出所（新）" and station.boundary is not None  # boundary kept


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"type": "LineString", "coordinates": [[114, 22], [114.1, 22.1]]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "不是有效的多边形"),
        ({"type": "Polygon", "coordinates": [[[200, 0], [201, 0], [201, 1], [200, 0]]]}, "WGS84"),
        ({"type": "FeatureCollection", "features": []}, "只含一个"),
    ],
)
def test_stations_add_refuses_a_bad_boundary(
    stations: dict[str, Any], tmp_path: Path, document: dict[str, Any], message: str
) -> None:
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        _run("stations", "add", "XS", "新沙派出所", "--bureau", "FTFJ", "--boundary", str(path))
    assert not Station.objects.filter(code="XS").exists()


def test_stations_add_checks_code_and_bureau(stations: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="大写字母或数字"):
        _run("stations", "add", "x-1", "某派出所", "--bureau", "FTFJ")
    with pytest.raises(CommandError, match="找不到分局 “NOPE”；现有：FTFJ"):
        _run("stations", "add", "XS", "某派出所", "--bureau", "NOPE")


def test_recent_unclosed_imports_stay_open_and_old_ones_are_archived(
    stations: dict[str, Any], system: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from zhengyi.alerts.services.history import HistoricalAlert, import_historical

    now = timezone.now()
    records = [
        HistoricalAlert(
            external_id=ext,
            kind="report",
            category_initial="traffic",
            category="traffic",
            subcategory=None,
            priority_initial=2,
            priority=2,
            source="phone_110",
            received_at=when,
            building_code="B1",
        )
        for ext, when in (("OLD", now - timedelta(days=3)), ("NEW", now - timedelta(hours=1)))
    ]
    import_historical(actor=system, station=stations["FT"], records=records)
    assert Alert.objects.get(external_id="OLD").status == "archived"
    assert Alert.objects.get(external_id="NEW").status == "received"
