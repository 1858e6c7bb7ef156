"""历史警情导入: CAD exports and synthetic history in bulk, held to receive_alert's rules.

The Seattle sample (``$SHARED_DATA_DIR/real``) goes through ``zhengyi alerts import`` into a
station without a boundary; small CSVs written in tmp_path cover rejections into 福田 (FT,
which has a boundary and a zone) and a second, UK-style layout.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError
from django.db.models import F

from zhengyi.alerts.cad import analyse, load_mapping
from zhengyi.alerts.models import Alert, AlertEvent
from zhengyi.alerts.services import history
from zhengyi.alerts.services.history import import_historical
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.services.standards import default_rules, ensure_standard, publish_standard
from zhengyi.core.models import Station

from .cad_support import SEATTLE_MAPPING
from .history_support import (
    SHANGHAI,
    STEP_OF,
    _alert_changes,
    _counts,
    _record,
    _run,
)

pytestmark = pytest.mark.django_db

# --- the Seattle sample through the command ------------------------------------------------


def test_seattle_sample_imports_whole_into_a_station_without_boundary(
    stations: dict[str, Any], seattle_csv: Path
) -> None:
    out, _ = _run("stations", "add", "SEA", "Seattle PD (sample)", "--bureau", "FTFJ")
    assert "SEA" in out and "无辖区范围" in out
    sea = Station.objects.get(code="SEA")
    assert sea.boundary is None

    out, err = _run(
        "alerts", "import", str(seattle_csv), "--mapping", str(SEATTLE_MAPPING), "--station", "SEA"
    )
    assert "已导入 imported: 222" in out and "拒绝 rejected: 0" in out
    assert "100% 222/222" in err  # the progress bar, on stderr

    alerts = Alert.objects.filter(station=sea)
    assert alerts.count() == 222
    plan = analyse(seattle_csv, load_mapping(SEATTLE_MAPPING))
    expected_events = sum(1 for r in plan.records for stage in STEP_OF if getattr(r, stage) is not None)
    assert AlertEvent.objects.filter(alert__station=sea).count() == expected_events
    record = next(r for r in plan.records if r.on_scene is not None)
    alert = alerts.get(external_id=record.external_id)
    events = list(alert.events.order_by("time", "id").values_list("step", "time", "actor_name"))
    assert events == [("received", record.received, "系统"), ("on_scene", record.on_scene, "系统")]
    assert alert.status == "archived" and alert.queued_at == record.queued
    assert alert.location_text == "EAST / CHARLIE / C3" and alert.lon == record.lon
    assert alert.number.startswith("SEA") and len(alert.number) == 3 + 8 + 5

    changes = _alert_changes(sea)
    assert changes.count() == 222
    assert set(changes.values_list("source", "action", "message")) == {("cli", "create", "历史警情导入")}
    assert changes.filter(related_object_id=str(sea.pk)).count() == 222

    # Importing the same file again changes nothing.
    before = _counts()
    out, _ = _run("alerts", "import", str(seattle_csv), "--mapping", str(SEATTLE_MAPPING), "--station", "SEA")
    assert "已导入 imported: 0" in out and "已存在 already present: 222" in out
    assert _counts() == before


def test_original_and_final_categories_are_both_kept(stations: dict[str, Any], seattle_csv: Path) -> None:
    _run("stations", "add", "SEA", "Seattle PD (sample)", "--bureau", "FTFJ")
    _run("alerts", "import", str(seattle_csv), "--mapping", str(SEATTLE_MAPPING), "--station", "SEA")
    # BURN - RECKLESS BURNING → --SUSPICIOUS CIRCUM. - SUSPICIOUS PERSON
    alert = Alert.objects.get(external_id="2023000319821")
    assert (alert.category_initial, alert.category) == ("fire", "public_order")
    assert "通知消防" in alert.required_steps  # held to the rule for the call as received
    assert "BURN - RECKLESS BURNING" in alert.description
    assert "SUSPICIOUS PERSON" in alert.description
    assert alert.disposition == "UNABLE TO LOCATE INCIDENT OR COMPLAINANT"
    changed = Alert.objects.exclude(category_initial=F("category")).count()
    assert changed == 52  # docs/cad-import.md: category changed initial → final: 52


def test_dry_run_writes_nothing(stations: dict[str, Any], seattle_csv: Path) -> None:
    _run("stations", "add", "SEA", "Seattle PD (sample)", "--bureau", "FTFJ")
    before = _counts()
    out, _ = _run(
        "alerts",
        "import",
        str(seattle_csv),
        "--mapping",
        str(SEATTLE_MAPPING),
        "--station",
        "SEA",
        "--dry-run",
    )
    assert "可导入 would import: 222" in out and "dry run" in out
    assert _counts() == before  # not even the default standard the station would get


def test_unusable_mapping_file_or_station_is_a_command_error(
    stations: dict[str, Any], seattle_csv: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'timezone = "Mars/Olympus"\ndefault_category = "other"\n[columns]\nid = "x"\nreceived = "y"\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="未知时区"):
        _run("alerts", "import", str(seattle_csv), "--mapping", str(bad), "--station", "FT")
    with pytest.raises(CommandError, match="无法读取文件"):
        _run(
            "alerts",
            "import",
            str(tmp_path / "none.csv"),
            "--mapping",
            str(SEATTLE_MAPPING),
            "--station",
            "FT",
        )
    with pytest.raises(CommandError, match=r"找不到派出所 “NOPE”；现有：FT（福田派出所）、LH"):
        _run("alerts", "import", str(seattle_csv), "--mapping", str(SEATTLE_MAPPING), "--station", "NOPE")
    assert Alert.objects.count() == 0


# --- rejections into 福田 (boundary and zone) -----------------------------------------------

SIMPLE_MAPPING = """
name = "Test CAD"
timezone = "Asia/Shanghai"

[columns]
id = "id"
received = "received"
on_scene = "arrived"
closed = "closed"
final_type = "type"
lon = "lon"
lat = "lat"
location = "place"

[[categories]]
match = "theft"
category = "criminal"

[[categories]]
match = "noise"
category = "public_order"
"""


def test_bad_rows_are_rejected_with_reasons_and_good_rows_saved(
    stations: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        ["id", "received", "arrived", "closed", "type", "lon", "lat", "place"],
        ["G1", "2024-05-01 08:00:00", "2024-05-01 08:04:00", "2024-05-01 09:00:00", "theft", "114.0545", "22.5345", "测试大厦"],
        ["G2", "2024-05-01 09:00:00", "", "", "noise", "114.0600", "22.5400", "福华路"],
        ["ORDER", "2024-05-01 10:00:00", "2024-05-01 09:00:00", "", "theft", "114.0545", "22.5345", ""],
        ["UFO", "2024-05-01 11:00:00", "", "", "ufo sighting", "114.0545", "22.5345", ""],
        ["OUT", "2024-05-01 12:00:00", "", "", "theft", "113.9000", "22.5000", "南山"],
    ]  # fmt: skip
    path, mapping_path, report = tmp_path / "calls.csv", tmp_path / "test.toml", tmp_path / "rejects.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    mapping_path.write_text(SIMPLE_MAPPING, encoding="utf-8")

    out, _ = _run(
        "alerts",
        "import",
        str(path),
        "--mapping",
        str(mapping_path),
        "--station",
        "FT",
        "--report",
        str(report),
    )
    assert "已导入 imported: 2" in out and "拒绝 rejected: 3" in out
    for code in ("time_order", "unmapped_type", "outside"):
        assert f"{code}: 1" in out

    ft = stations["FT"]
    assert set(Alert.objects.filter(station=ft).values_list("external_id", flat=True)) == {"G1", "G2"}
    assert not AlertEvent.objects.filter(alert__external_id__in=["ORDER", "UFO", "OUT"]).exists()
    assert _alert_changes(ft).count() == 2
    g1 = Alert.objects.get(external_id="G1")
    assert g1.zone is not None and g1.zone.code == "Z1"
    assert g1.status == "closed" and g1.done_steps == g1.required_steps and g1.feedback_at == g1.closed_at
    assert g1.received_at == datetime(2024, 5, 1, 8, tzinfo=SHANGHAI)
    assert g1.source == "import" and g1.priority == g1.priority_initial == 1  # the standard's default
    assert list(g1.events.values_list("step", flat=True)) == ["received", "on_scene", "feedback"]
    g2 = Alert.objects.get(external_id="G2")
    assert g2.zone is None and g2.status == "archived"

    with report.open(encoding="utf-8-sig", newline="") as f:
        rejected = {r["external_id"]: r for r in csv.DictReader(f)}
    assert set(rejected) == {"ORDER", "UFO", "OUT"}
    assert (rejected["ORDER"]["line"], rejected["ORDER"]["codes"]) == ("4", "time_order")
    assert "时间顺序错误" in rejected["ORDER"]["reasons"]
    assert (rejected["UFO"]["line"], rejected["UFO"]["stage"]) == ("5", "parse")
    assert "'ufo sighting'" in rejected["UFO"]["reasons"]
    assert (rejected["OUT"]["line"], rejected["OUT"]["stage"]) == ("6", "import")
    assert "不在福田派出所辖区内" in rejected["OUT"]["reasons"]

    # Without --report the rejected rows go to stderr; nothing more is imported.
    out, err = _run("alerts", "import", str(path), "--mapping", str(mapping_path), "--station", "FT")
    assert "已存在 already present: 2" in out
    assert "第 6 行 line 6 [OUT]" in err and "不在福田派出所辖区内" in err


def test_the_service_refuses_what_receive_alert_would(system: Any, stations: dict[str, Any]) -> None:
    ft = stations["FT"]
    t = datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)
    records = [
        _record("OK", t),
        _record("ORDER", t, on_scene_at=t - timedelta(minutes=5)),
        _record("ALIEN", t, category="alien"),
        _record("OUT", t, lon=113.9, lat=22.5),
        _record("NAIVE", t.replace(tzinfo=None)),
        _record("NOWHERE", t, lon=None, lat=None),
        _record("BUILDING", t, building_code="NO-SUCH"),
        _record("SUB", t, subcategory="no-such-subcategory"),
        _record("PRIO", t, priority=9),
        _record(
            "FUTURE",
            datetime.now(UTC) + timedelta(days=1),
            dispatched_at=None,
            on_scene_at=None,
            closed_at=None,
        ),
        _record("OK", t),  # repeated within the import
    ]
    before = _counts()
    result = import_historical(actor=system, station=ft, records=records)
    assert (result.created, result.skipped_existing) == (1, 0)
    codes = dict(zip([eid for eid, _ in result.rejected], result.rejected_codes, strict=True))
    assert codes == {
        "ORDER": ["time_order"],
        "ALIEN": ["category"],
        "OUT": ["outside"],
        "NAIVE": ["time_zone"] * 4,  # received, dispatched, on scene, closed: each named
        "NOWHERE": ["location"],
        "BUILDING": ["building"],
        "SUB": ["subcategory"],
        "PRIO": ["priority"],
        "FUTURE": ["future"],
        "OK": ["duplicate_id"],
    }
    reasons = dict(result.rejected)
    assert reasons["NAIVE"][0] == "受理时间须带时区"
    assert "未知类别 'alien'" in reasons["ALIEN"][0]
    assert "到场 2024-03-01 09:55:00 早于指令 2024-03-01 10:01:00" in reasons["ORDER"][0]
    assert Alert.objects.get().external_id == "OK"
    alerts, events, changes, standards = _counts()
    assert (alerts, events, changes - before[2]) == (1, 4, 1 + (standards - before[3]))

    # Outside the boundary is fine when the caller says so (require_inside=False).
    result = import_historical(
        actor=system, station=ft, records=[_record("OUT", t, lon=113.9, lat=22.5)], require_inside=False
    )
    assert result.created == 1 and Alert.objects.get(external_id="OUT").zone is None


def test_a_building_code_places_the_alert(system: Any, stations: dict[str, Any]) -> None:
    t = datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)
    result = import_historical(
        actor=system,
        station=stations["FT"],
        records=[
            _record("AT-B1", t, building_code="B1", lon=None, lat=None, level="skywalk"),
            _record("DOOR", t, building_code="B1", lon=114.05401, lat=22.53402),
            _record("FAR", t, building_code="B1", lon=113.9, lat=22.5),
        ],
    )
    assert result.created == 2 and result.rejected_codes == [["outside"]]
    alert = Alert.objects.get(external_id="AT-B1")
    assert alert.building is not None and alert.building.code == "B1"
    assert alert.zone is not None and alert.zone.code == "Z1" and alert.level == "skywalk"
    assert (alert.lon, alert.lat) == (alert.building.lon, alert.building.lat)
    door = Alert.objects.get(external_id="DOOR")
    assert door.building == alert.building and (door.lon, door.lat) == (114.05401, 22.53402)


def test_only_those_who_take_calls_at_that_station_may_import(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    t = datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)
    with pytest.raises(PermissionDenied):
        import_historical(actor=personas["officer"], station=stations["FT"], records=[_record("X", t)])
    with pytest.raises(PermissionDenied):  # a Futian dispatcher, into Lianhua
        import_historical(actor=personas["dispatcher"], station=stations["LH"], records=[_record("X", t)])
    result = import_historical(
        actor=personas["dispatcher"], station=stations["FT"], records=[_record("X", t)]
    )
    assert result.created == 1
    assert AlertEvent.objects.get(step="received").actor_name == "李指挥"


# --- standards and numbers -----------------------------------------------------------------


def test_each_alert_is_held_to_the_standard_in_force_when_received(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    ft = stations["FT"]
    ensure_standard(station=ft, at=datetime(2023, 1, 1, tzinfo=SHANGHAI))
    publish_standard(
        actor=personas["head"],
        station=ft,
        rules=default_rules(arrival_minutes=8),
        effective_from=datetime(2024, 1, 1, tzinfo=SHANGHAI),
        note="2024 版",
    )
    result = import_historical(
        actor=personas["dispatcher"],
        station=ft,
        records=[
            _record("OLD", datetime(2023, 6, 1, 12, tzinfo=SHANGHAI)),
            _record("NEW", datetime(2024, 6, 1, 12, tzinfo=SHANGHAI)),
        ],
    )
    assert result.created == 2
    old, new = Alert.objects.get(external_id="OLD"), Alert.objects.get(external_id="NEW")
    assert (old.standard.version, old.arrival_target_minutes) == (1, 5)
    assert (new.standard.version, new.arrival_target_minutes) == (2, 8)


def test_numbers_continue_the_days_sequence(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    ft = stations["FT"]
    day = datetime(2024, 5, 1, 10, tzinfo=SHANGHAI)
    live, _ = receive_alert(
        actor=personas["dispatcher"],
        station=ft,
        data=AlertInput(category="dispute", source="walk_in", lon=114.0545, lat=22.5345, received_at=day),
    )
    assert live.number == "FT2024050100001"
    result = import_historical(
        actor=personas["dispatcher"],
        station=ft,
        records=[
            _record("LATE", day + timedelta(hours=5)),
            _record("EARLY", day - timedelta(hours=9, minutes=30)),  # 00:30 local, still 1 May
            _record("NEXT", day + timedelta(hours=14)),  # 2 May, local time
        ],
        batch_size=2,
    )
    assert result.created == 3
    numbers = dict(Alert.objects.filter(station=ft).values_list("external_id", "number"))
    assert numbers == {
        "": "FT2024050100001",
        "EARLY": "FT2024050100002",
        "LATE": "FT2024050100003",
        "NEXT": "FT2024050200001",
    }
    again, _ = receive_alert(
        actor=personas["dispatcher"],
        station=ft,
        data=AlertInput(category="dispute", source="walk_in", lon=114.0545, lat=22.5345, received_at=day),
    )
    assert again.number == "FT2024050100004"


def test_a_number_taken_meanwhile_is_retried_not_lost(
    personas: dict[str, Any], stations: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ft = stations["FT"]
    day = datetime(2024, 5, 1, 10, tzinfo=SHANGHAI)
    original = history._numbered
    calls = []

    def racing(ctx: Any, alerts: list[Alert]) -> dict[str, int]:
        if not calls:  # a live call takes the day's next number after the import looked
            receive_alert(
                actor=personas["dispatcher"],
                station=ft,
                data=AlertInput(
                    category="dispute", source="walk_in", lon=114.0545, lat=22.5345, received_at=day
                ),
            )
        calls.append(1)
        return original(ctx, alerts)

    monkeypatch.setattr(history, "_numbered", racing)
    result = import_historical(actor=personas["dispatcher"], station=ft, records=[_record("H", day)])
    assert result.created == 1 and len(calls) == 2
    assert Alert.objects.get(external_id="H").number == "FT2024050100002"


def test_a_failed_batch_leaves_nothing_half_written(
    system: Any, stations: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = history.record_created_bulk
    batches = []

    def flaky(**kwargs: Any) -> int:
        batches.append(1)
        if len(batches) == 2:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(history, "record_created_bulk", flaky)
    t = datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)
    records = [_record(f"R{i}", t + timedelta(minutes=i)) for i in range(4)]
    with pytest.raises(RuntimeError, match="disk full"):
        import_historical(actor=system, station=stations["FT"], records=records, batch_size=2)
    assert sorted(Alert.objects.values_list("external_id", flat=True)) == ["R0", "R1"]
    assert AlertEvent.objects.count() == 2 * 4
    assert _alert_changes(stations["FT"]).count() == 2
