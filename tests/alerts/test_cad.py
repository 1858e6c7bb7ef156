"""The CAD importer core (zhengyi.alerts.cad): pure Python, no Django, no database.

Real data: the Seattle Police calls sample in ``$ZHENGYI_SHARED_DATA/real`` with the
shipped mapping ``docs/cad-mappings/seattle.toml``. Synthetic CSVs (in tmp_path) cover the
failure modes, the DST policies and a second, unrelated CAD layout.
"""

from __future__ import annotations

import csv
import functools
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from zhengyi.alerts import taxonomy
from zhengyi.alerts.cad import (
    CadRecord,
    MappingError,
    RawRow,
    RowRejection,
    analyse,
    intervals,
    load_mapping,
    normalise_type,
    parse_row,
    read_rows,
    to_utc,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ZHENGYI_SHARED_DATA") or ROOT.parent / "shared" / "data")
SEATTLE_CSV = SHARED / "real" / "seattle-calls-sample.csv"
SEATTLE_MAPPING = ROOT / "docs" / "cad-mappings" / "seattle.toml"
LA = ZoneInfo("America/Los_Angeles")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- the real Seattle sample --------------------------------------------------------------


@pytest.fixture(scope="module")
def seattle_plan():
    if not SEATTLE_CSV.exists():
        pytest.skip(f"{SEATTLE_CSV} not found (set ZHENGYI_SHARED_DATA)")
    return analyse(SEATTLE_CSV, load_mapping(SEATTLE_MAPPING))


@pytest.fixture(scope="module")
def seattle(seattle_plan) -> dict[str, CadRecord]:
    return {r.external_id: r for r in seattle_plan.records}


def test_seattle_every_row_is_accounted_for(seattle_plan):
    with SEATTLE_CSV.open(encoding="utf-8-sig", newline="") as f:
        data_rows = sum(1 for _ in csv.reader(f)) - 1
    assert data_rows == 222
    assert seattle_plan.total_rows == data_rows
    assert len(seattle_plan.records) + len(seattle_plan.rejections) == data_rows
    # The sample is clean once its mess is handled: nothing to refuse.
    assert seattle_plan.rejections == []
    assert len({r.external_id for r in seattle_plan.records}) == data_rows


@pytest.mark.parametrize(
    ("event", "local", "expected_utc"),
    [
        # 2020: clocks went back on Sunday 1 November. Saturday night is still PDT (UTC-7) …
        ("2020000308635", "10/31/2020 11:19:56 PM", utc(2020, 11, 1, 6, 19, 56)),
        # … the Monday after is PST (UTC-8).
        ("2020000315031", "11/08/2020 3:24:06 PM", utc(2020, 11, 8, 23, 24, 6)),
        ("2020000309793", "11/02/2020 10:13:58 AM", utc(2020, 11, 2, 18, 13, 58)),
        # 2023: fall back on 5 November; the evening before is PDT and lands on the 5th in UTC.
        ("2023000319821", "11/04/2023 6:08:26 PM", utc(2023, 11, 5, 1, 8, 26)),
        # 2023: spring forward on Sunday 12 March; Saturday the 11th is still PST.
        ("2023000067233", "03/11/2023 10:54:38 AM", utc(2023, 3, 11, 18, 54, 38)),
        # 2020: sprang forward on 8 March; the 10th is PDT.
        ("2020000088332", "03/10/2020 7:13:59 PM", utc(2020, 3, 11, 2, 13, 59)),
    ],
)
def test_seattle_times_around_dst_changes(seattle, event, local, expected_utc):
    record = seattle[event]
    assert record.raw["Original Time Queued"] == local
    assert record.received == expected_utc
    assert record.received.tzinfo is UTC
    assert record.queued == record.received  # one column serves both


def test_seattle_offsets_differ_across_the_2020_fall_back(seattle):
    before = seattle["2020000308635"].received.astimezone(LA)
    after = seattle["2020000309793"].received.astimezone(LA)
    assert before.utcoffset() == timedelta(hours=-7)
    assert after.utcoffset() == timedelta(hours=-8)


def test_seattle_blank_arrival_is_none(seattle, seattle_plan):
    record = seattle["2023000282667"]
    assert record.raw["Arrived Time"] == ""
    assert record.on_scene is None
    assert intervals(record)["received_to_on_scene"] is None
    assert sum(1 for r in seattle_plan.records if r.on_scene is None) == 36


def test_seattle_keeps_initial_and_final_types(seattle, seattle_plan):
    record = seattle["2023000319821"]
    assert record.initial_type == "BURN - RECKLESS BURNING"
    assert record.final_type == "--SUSPICIOUS CIRCUM. - SUSPICIOUS PERSON"
    assert record.initial_category == "fire"
    assert record.final_category == "public_order"
    assert record.initial_priority == record.final_priority == 2
    # Reclassification is visible, not overwritten.
    changed = [r for r in seattle_plan.records if r.initial_category != r.final_category]
    assert len(changed) > 20


def test_seattle_row_fields(seattle):
    record = seattle["2023000154966"]  # ONVIEW, priority 7, a quoted type with a comma
    assert record.initial_type == "PREMISE CHECK, OFFICER INITIATED ONVIEW ONLY"
    assert record.source == "patrol" and record.source_value == "ONVIEW"
    assert record.initial_priority == 4
    assert record.final_category == "assistance" and record.kind == "assistance"
    assert record.location == "EAST / CHARLIE / C3"
    assert (record.lon, record.lat) == (-122.28112, 47.6176603)
    assert record.disposition == "ASSISTANCE RENDERED"
    assert intervals(record)["received_to_on_scene"] == 0.0
    first = seattle["2023000319821"]
    assert intervals(first)["received_to_on_scene"] == 42 * 60 + 40  # 6:08:26 → 6:51:06 PM
    assert first.dispatched is None and first.cleared is None and first.closed is None


def test_seattle_sources(seattle_plan):
    assert seattle_plan.source_counts() == {"phone_110": 173, "guard": 36, "patrol": 13}


@pytest.mark.parametrize(
    ("call_type", "category"),
    [
        ("ALARM - RESIDENTIAL - BURGLARY, SILENT/AUDIBLE", "criminal"),
        ("--ALARM-RESIDENTIAL BURG", "criminal"),
        ("SUSPICIOUS PERSON, VEHICLE, OR INCIDENT", "public_order"),
        ("--SUSPICIOUS CIRCUM. - SUSPICIOUS PERSON", "public_order"),
        ("PARKING VIOLATION (EXCEPT ABANDONED CAR)", "traffic"),
        ("--TRAFFIC - PARKING VIOL (EXCEPT ABANDONED CAR)", "traffic"),
        ("--TRAFFIC - MV COLLISION INVESTIGATION", "traffic"),
        ("TRU - MVC - HIT AND RUN", "traffic"),
        ("AUTO THEFT - VEH THEFT OR THEFT AND RECOVERY", "criminal"),
        ("--AUTOMOBILES - AUTO THEFT", "criminal"),
        ("--BURGLARY - RESIDENTIAL, UNOCCUPIED", "criminal"),
        ("BURG - OCCUPIED RESD", "criminal"),
        ("--THEFT - CAR PROWL", "criminal"),
        ("DISTURBANCE", "public_order"),
        ("--DISTURBANCE - OTHER", "public_order"),
        ("--DV - ARGUMENTS, DISTURBANCE (NO ARREST)", "dispute"),
        ("DISTURBANCE - DV CRITICAL", "criminal"),
        ("--ASSIST OTHER AGENCY - CITY AGENCY", "assistance"),
        ("--PREMISE CHECKS - CRIME PREVENTION", "assistance"),
        ("SERVICE - WELFARE CHECK", "assistance"),
        ("BURN - RECKLESS BURNING", "fire"),
        ("LEWD -  (EXPOSING, FLASHING)", "public_order"),
        ("PROPERTY - DAMAGE", "public_order"),
        ("FOLLOW UP", "other"),
    ],
)
def test_seattle_category_rules(call_type, category):
    mapping = load_mapping(SEATTLE_MAPPING)
    rule = mapping.categorise(call_type)
    assert rule is not None, call_type
    assert rule.category == category


def test_seattle_common_types_all_have_a_rule(seattle_plan):
    mapping = load_mapping(SEATTLE_MAPPING)
    from collections import Counter

    types = Counter(t for r in seattle_plan.records for t in (r.initial_type, r.final_type) if t)
    unruled = [t for t, n in types.items() if mapping.categorise(t) is None]
    assert unruled == []
    for code in seattle_plan.category_counts("initial") | seattle_plan.category_counts():
        assert code in taxonomy.CATEGORIES


def test_seattle_progress_and_summary(seattle_plan):
    calls: list[tuple[int, int]] = []
    plan = analyse(SEATTLE_CSV, load_mapping(SEATTLE_MAPPING), progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (222, 222)
    assert all(t == 222 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert 50 <= len(calls) <= 120
    assert "222" in plan.summary()


def test_seattle_timezone_override(seattle):
    plan = analyse(SEATTLE_CSV, load_mapping(SEATTLE_MAPPING), timezone="Asia/Shanghai")
    record = next(r for r in plan.records if r.external_id == "2023000319821")
    assert record.received == utc(2023, 11, 4, 10, 8, 26)
    with pytest.raises(MappingError, match="--timezone"):
        analyse(SEATTLE_CSV, load_mapping(SEATTLE_MAPPING), timezone="Mars/Olympus_Mons")


def test_seattle_layout_rejections_name_columns_once(tmp_path):
    """Bad rows in Seattle's own layout: one message per problem, even though one column
    serves as both received and queued."""
    lines = SEATTLE_CSV.read_text(encoding="utf-8-sig").splitlines()[:1]
    lines += [
        "1,X,911,2,DISTURBANCE,,11/04/2023 6:58:00 PM,11/04/2023 6:51:06 PM,EAST,CHARLIE,C3,-122.28,47.61",
        "2,X,911,P1,DISTURBANCE,,2023-11-04 18:58,,EAST,CHARLIE,C3,,47.61",
        "3,X,PIGEON,2,DISTURBANCE,,11/05/2023 1:30:00 AM,11/05/2023 1:45:00 AM,EAST,CHARLIE,C3,,",
    ]
    path = tmp_path / "seattle-bad.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    plan = analyse(path, load_mapping(SEATTLE_MAPPING))
    first, second = plan.rejections
    assert first.codes == ["time_order"]
    assert "on_scene 2023-11-04 18:51:06 is before received 18:58:00" in first.reasons[0]
    assert second.codes == ["time_format", "priority", "coordinates"]
    assert "「Original Time Queued」" in second.reasons[0] and "11/04/2023 06:08:26 PM" in second.reasons[0]
    (third,) = plan.records  # the repeated hour: ambiguous = earlier takes PDT
    assert third.received == utc(2023, 11, 5, 8, 30)
    assert intervals(third)["received_to_on_scene"] == 900.0
    assert third.source == "import" and third.source_value == "PIGEON"
    assert any("ambiguous" in note for note in third.notes)


# --- synthetic files ----------------------------------------------------------------------

GENERIC = """
name = "test CAD"
timezone = "America/Los_Angeles"
formats = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M"]
ambiguous = "{ambiguous}"
nonexistent = "{nonexistent}"

[columns]
id = "Event"
received = "Received"
dispatched = "Dispatched"
on_scene = "Arrived"
cleared = "Cleared"
initial_type = "Type"
final_type = "Final Type"
priority = "Pri"
lon = "Lon"
lat = "Lat"

[priorities]
"1" = 1
"2" = 2
"3" = 3
"4" = 4

[[categories]]
prefix = "--THEFT"
category = "criminal"

[[categories]]
match = "noise"
category = "public_order"

[[categories]]
regex = '^fire\\b'
category = "fire"
"""
HEADER = ["Event", "Received", "Dispatched", "Arrived", "Cleared", "Type", "Final Type", "Pri", "Lon", "Lat"]


def generic(ambiguous: str = "earlier", nonexistent: str = "shift_forward", extra: str = ""):
    return load_mapping(extra + GENERIC.format(ambiguous=ambiguous, nonexistent=nonexistent))


def write(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER, name: str = "cad.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(
    event="E1",
    received="11/04/2023 6:58:00 PM",
    dispatched="",
    arrived="",
    cleared="",
    type_="--THEFT - CAR PROWL",
    final="NOISE",
    pri="2",
    lon="-122.3",
    lat="47.6",
) -> list[str]:
    return [event, received, dispatched, arrived, cleared, type_, final, pri, lon, lat]


def test_synthetic_good_row_and_intervals(tmp_path):
    path = write(
        tmp_path,
        [
            row(
                dispatched="11/04/2023 7:00:30 PM",
                arrived="11/04/2023 7:05:00 PM",
                cleared="11/04/2023 20:00",
            )
        ],
    )
    plan = analyse(path, generic())
    assert plan.rejections == []
    (record,) = plan.records
    assert record.initial_category == "criminal" and record.final_category == "public_order"
    assert record.kind == "report" and record.source == "import"
    assert intervals(record) == {
        "received_to_dispatched": 150.0,
        "dispatched_to_en_route": None,
        "en_route_to_on_scene": None,
        "received_to_on_scene": 420.0,
        "on_scene_to_cleared": 3300.0,
        "cleared_to_closed": None,
    }


def test_out_of_order_times_are_rejected_with_the_reason(tmp_path):
    path = write(tmp_path, [row(received="11/04/2023 6:58:00 PM", arrived="11/04/2023 6:51:00 PM")])
    plan = analyse(path, generic())
    assert plan.records == []
    (rejection,) = plan.rejections
    assert rejection.line == 2 and rejection.external_id == "E1"
    assert rejection.codes == ["time_order"]
    assert "on_scene 2023-11-04 18:51:00 is before received 18:58:00" in rejection.reasons[0]
    assert "「Arrived」" in rejection.reasons[0] and "「Received」" in rejection.reasons[0]


def test_order_is_checked_against_the_latest_earlier_stage(tmp_path):
    path = write(
        tmp_path,
        [
            row(
                dispatched="11/04/2023 7:30:00 PM",
                arrived="11/04/2023 7:10:00 PM",
                cleared="11/04/2023 19:20",
            )
        ],
    )
    (rejection,) = analyse(path, generic()).rejections
    assert rejection.codes == ["time_order", "time_order"]
    assert "on_scene 2023-11-04 19:10:00 is before dispatched 19:30:00" in rejection.reasons[0]
    assert "cleared 2023-11-04 19:20:00 is before dispatched 19:30:00" in rejection.reasons[1]


def test_malformed_rows_are_rejected_with_line_numbers(tmp_path):
    path = tmp_path / "messy.csv"
    lines = [
        ",".join(HEADER),
        ",".join(row(event="E1")),
        "",  # blank line: skipped, but still counts for line numbers
        'E2,11/04/2023 7:00:00 PM,,,,"--THEFT - a type written\nover two lines",NOISE,2,-122.3,47.6',
        ",".join([*row(event="E3"), "extra"]),
        ",".join(row(event="E4", received="2023-11-04 19:00")),
        ",".join(row(event="E5")[:4]),
        "  E6 , 11/04/2023 7:00:00 PM ,,,,  --THEFT  ,  noise ,2, -122.3 , 47.6 ",
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    plan = analyse(path, generic())
    assert plan.total_rows == 6
    assert [r.external_id for r in plan.records] == ["E1", "E2", "E6"]
    assert [r.line for r in plan.records] == [2, 4, 9]  # E2 spans lines 4-5
    by_line = {r.line: r for r in plan.rejections}
    assert set(by_line) == {6, 7, 8}
    assert by_line[6].codes == ["malformed"]
    assert "line 6 has 11 fields, the header has 10" in by_line[6].reasons[0]
    assert by_line[7].codes == ["time_format"]
    reason = by_line[7].reasons[0]
    assert "「Received」" in reason and "'2023-11-04 19:00'" in reason and "%m/%d/%Y %I:%M:%S %p" in reason
    assert by_line[8].codes == ["malformed"] and "line 8 has 4 fields" in by_line[8].reasons[0]
    e6 = plan.records[2]
    assert e6.external_id == "E6" and e6.final_type == "noise" and e6.lon == -122.3


def test_every_problem_in_a_row_is_listed(tmp_path):
    path = write(
        tmp_path,
        [
            row(event="", received="yesterday", final="ROBBERY", pri="urgent", lon="200", lat="47"),
            row(event="E2", lon="", lat="47.6"),
        ],
    )
    plan = analyse(path, generic())
    first, second = plan.rejections
    assert first.external_id is None
    assert first.codes == ["missing_id", "time_format", "unmapped_type", "priority", "coordinates"]
    assert any("'ROBBERY'" in r and "default_category" in r for r in first.reasons)
    assert any("'urgent'" in r for r in first.reasons)
    assert second.codes == ["coordinates"]


def test_default_category_and_priority_and_source(tmp_path):
    extra = '\ndefault_category = "other"\ndefault_priority = 4\ndefault_source = "phone_110"\n'
    path = write(tmp_path, [row(final="ROBBERY", pri="P9")])
    (record,) = analyse(path, generic(extra=extra)).records
    assert record.final_category == "other" and record.final_priority == 4
    assert record.source == "phone_110"
    assert any("P9" in n for n in record.notes)


def test_duplicate_ids_within_a_file(tmp_path):
    path = write(tmp_path, [row(event="E1"), row(event="E2"), row(event="E1")])
    plan = analyse(path, generic())
    assert [r.external_id for r in plan.records] == ["E1", "E2"]
    (dup,) = plan.rejections
    assert dup.line == 4 and dup.codes == ["duplicate_id"]
    assert "line 2" in dup.reasons[0]


def test_missing_mapped_column_names_it_and_lists_the_header(tmp_path):
    header = [h for h in HEADER if h != "Arrived"]
    path = write(tmp_path, [row()[:3] + row()[4:]], header=header)
    with pytest.raises(MappingError) as err:
        read_rows(path, generic())
    message = str(err.value)
    assert "'Arrived'" in message and "'Received'" in message and "'Final Type'" in message
    with pytest.raises(MappingError, match="'Arrived'"):
        analyse(path, generic())


def test_read_rows_handles_bom_padding_and_quoted_commas(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text(
        "\ufeff" + " Event ,Received,Dispatched,Arrived,Cleared,Type,Final Type,Pri,Lon,Lat\n"
        ' E1 , 11/04/2023 6:58:00 PM ,,,,"--THEFT, with a comma",  NOISE  ,2,,\n'
        ",,,,,,,,,\n",
        encoding="utf-8",
    )
    (raw,) = list(read_rows(path, generic()))
    assert raw.line == 2 and raw.error is None
    assert raw.values["Event"] == "E1" and raw.values["Type"] == "--THEFT, with a comma"
    record = parse_row(raw, generic())
    assert isinstance(record, CadRecord)
    assert (record.lon, record.lat) == (None, None)


def test_parse_row_single_row_api():
    raw = RawRow(5, dict(zip(HEADER, row(), strict=True)))
    result = parse_row(raw, generic(), timezone="Europe/London")
    assert isinstance(result, CadRecord)
    assert result.received == utc(2023, 11, 4, 18, 58)  # GMT in November
    seen: dict[str, int] = {}
    assert isinstance(parse_row(raw, generic(), seen_ids=seen), CadRecord)
    again = parse_row(RawRow(9, raw.values), generic(), seen_ids=seen)
    assert isinstance(again, RowRejection) and again.codes == ["duplicate_id"]


# --- DST policies -------------------------------------------------------------------------

FALL_BACK = "11/05/2023 1:30:00 AM"  # happens twice in Los Angeles: PDT, then PST
SPRING_FORWARD = "03/12/2023 2:30:00 AM"  # never happens in Los Angeles


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("earlier", utc(2023, 11, 5, 8, 30)), ("later", utc(2023, 11, 5, 9, 30)), ("reject", None)],
)
def test_ambiguous_fall_back_time(tmp_path, policy, expected):
    path = write(tmp_path, [row(received=FALL_BACK, arrived="11/05/2023 1:45:00 AM")])
    plan = analyse(path, generic(ambiguous=policy))
    if expected is None:
        (rejection,) = plan.rejections
        assert rejection.codes == ["dst_ambiguous", "dst_ambiguous"]
        assert FALL_BACK in rejection.reasons[0] and "ambiguous" in rejection.reasons[0]
    else:
        (record,) = plan.records
        assert record.received == expected
        assert record.on_scene == expected + timedelta(minutes=15)
        assert any("ambiguous" in n for n in record.notes)


def test_fall_back_pdt_then_pst_needs_later_on_the_second_stamp(tmp_path):
    # Received 1:50 PDT, arrived 1:10 PST (20 minutes later in reality). With one policy for
    # the whole row the arrival looks earlier than the call: the row is refused, not guessed.
    path = write(tmp_path, [row(received="11/05/2023 1:50:00 AM", arrived="11/05/2023 1:10:00 AM")])
    (rejection,) = analyse(path, generic(ambiguous="earlier")).rejections
    assert rejection.codes == ["time_order"]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("shift_forward", utc(2023, 3, 12, 10, 0)), ("reject", None)],
)
def test_nonexistent_spring_forward_time(tmp_path, policy, expected):
    path = write(tmp_path, [row(received=SPRING_FORWARD, arrived="03/12/2023 3:10:00 AM")])
    plan = analyse(path, generic(nonexistent=policy))
    if expected is None:
        (rejection,) = plan.rejections
        assert rejection.codes == ["dst_nonexistent"]
        assert SPRING_FORWARD in rejection.reasons[0]
    else:
        (record,) = plan.records
        assert record.received == expected  # 03:00:00 PDT, the first instant after the gap
        assert record.received.astimezone(LA).strftime("%H:%M %Z") == "03:00 PDT"
        assert intervals(record)["received_to_on_scene"] == 600.0
        assert any("03:00:00" in n for n in record.notes)


def test_to_utc_directly():
    assert to_utc(datetime(2023, 7, 1, 12), LA) == (utc(2023, 7, 1, 19), None)
    assert to_utc(datetime(2023, 11, 5, 1, 30), LA, ambiguous="later") == (
        utc(2023, 11, 5, 9, 30),
        "ambiguous",
    )
    assert to_utc(datetime(2023, 11, 5, 1, 30), LA, ambiguous="reject") == (None, "ambiguous")
    assert to_utc(datetime(2023, 3, 12, 2, 0), LA) == (utc(2023, 3, 12, 10), "nonexistent")
    assert to_utc(datetime(2023, 3, 12, 2, 59, 59, 999999), LA) == (utc(2023, 3, 12, 10), "nonexistent")
    assert to_utc(datetime(2023, 3, 12, 3, 0), LA) == (utc(2023, 3, 12, 10), None)
    # A 30-minute DST shift (Lord Howe Island): 02:00 → 02:30 on 2023-10-01.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    assert to_utc(datetime(2023, 10, 1, 2, 10), lord_howe) == (utc(2023, 9, 30, 15, 30), "nonexistent")


# --- a second, unrelated CAD layout ------------------------------------------------------

LONDON = """
name = "A UK force, STORM-style export"
timezone = "Europe/London"
formats = ["iso", "%d/%m/%Y %H:%M"]
delimiter = ";"
null_values = ["NULL", "n/a"]
default_source = "phone_110"
default_priority = 4
location_separator = ", "

[columns]
id = "Incident Ref"
received = "Created"
dispatched = "Resource Assigned"
en_route = "Mobile"
on_scene = "At Scene"
closed = "Closed"
initial_type = "Opening Code"
final_type = "Closing Code"
initial_priority = "Opening Grade"
final_priority = "Closing Grade"
source = "Channel"
location = ["Street", "Ward"]
disposition = "Result"

[sources]
"999" = "phone_110"
"Front Counter" = "walk_in"
"Online" = "online"
"CCTV" = "video"

[priorities]
"Immediate" = 1
"Priority" = 2
"Scheduled" = 3
"Resolution without deployment" = 4

[[categories]]
match = "ASB - Nuisance"
category = "public_order"

[[categories]]
regex = '^(rtc|road)'
category = "traffic"

[[categories]]
match = "Concern for Safety"
category = "assistance"
subcategory = "welfare"

[[categories]]
prefix = "Crime"
category = "criminal"

[[categories]]
match = "Complaint against police"
category = "complaint"
"""
LONDON_HEADER = [
    "Incident Ref",
    "Channel",
    "Created",
    "Resource Assigned",
    "Mobile",
    "At Scene",
    "Closed",
    "Opening Code",
    "Closing Code",
    "Opening Grade",
    "Closing Grade",
    "Street",
    "Ward",
    "Result",
]


def test_a_second_layout_in_another_timezone(tmp_path):
    rows = [
        # Summer (BST, UTC+1), ISO with a T, every stage.
        ["LDN-1", "999", "2024-07-01T22:15:00", "2024-07-01T22:16:30", "2024-07-01 22:17:00",
         "2024-07-01T22:25:00", "02/07/2024 01:00", "ASB - Nuisance", "Crime - Assault",
         "Priority", "Immediate", "High Street", "Camden", "Crime recorded"],
        # Winter (GMT), an aware timestamp (Z) taken as it is, NULLs for blanks.
        ["LDN-2", "Online", "2024-01-15T09:00:00Z", "NULL", "NULL", "NULL", "15/01/2024 09:30",
         "Concern for Safety", "n/a", "Resolution without deployment", "NULL", "Station Road", "",
         "Advice given"],
        # The night the UK springs forward: 01:30 on 31 March 2024 never happened.
        ["LDN-3", "CCTV", "2024-03-31T00:50:00", "2024-03-31T01:30:00", "", "2024-03-31T02:05:00", "",
         "RTC - damage only", "RTC - damage only", "Priority", "Priority", "A40", "Ealing", ""],
        # Complaint about police, by the front counter, unknown grade → default 4.
        ["LDN-4", "Front Counter", "2024-02-01T10:00:00", "", "", "", "", "Complaint against police",
         "Complaint against police", "Grade X", "", "", "", ""],
        # Out of order and an unknown opening code with no default category.
        ["LDN-5", "999", "2024-05-05T12:00:00", "2024-05-05T11:00:00", "", "", "", "Dog barking", "",
         "Scheduled", "", "", "", ""],
    ]  # fmt: skip
    path = tmp_path / "storm.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(LONDON_HEADER)
        writer.writerows(rows)
    plan = analyse(path, load_mapping(LONDON))
    records = {r.external_id: r for r in plan.records}
    assert set(records) == {"LDN-1", "LDN-2", "LDN-3", "LDN-4"}

    one = records["LDN-1"]
    assert one.received == utc(2024, 7, 1, 21, 15)
    assert one.en_route == utc(2024, 7, 1, 21, 17)
    assert one.closed == utc(2024, 7, 2, 0, 0)
    assert (one.initial_category, one.final_category) == ("public_order", "criminal")
    assert (one.initial_priority, one.final_priority) == (2, 1)
    assert one.location == "High Street, Camden" and one.disposition == "Crime recorded"
    assert intervals(one)["dispatched_to_en_route"] == 30.0

    two = records["LDN-2"]
    assert two.received == utc(2024, 1, 15, 9) and two.closed == utc(2024, 1, 15, 9, 30)
    assert two.dispatched is None and two.on_scene is None
    assert two.source == "online" and two.kind == "assistance" and two.final_category == "assistance"
    assert two.final_subcategory == "welfare"
    assert two.final_priority == 4 and two.location == "Station Road"

    three = records["LDN-3"]
    assert three.dispatched == utc(2024, 3, 31, 1, 0)  # shifted to 02:00 BST
    assert three.on_scene == utc(2024, 3, 31, 1, 5)
    assert three.source == "video" and three.final_category == "traffic"

    four = records["LDN-4"]
    assert four.kind == "complaint" and four.source == "walk_in" and four.initial_priority == 4

    (five,) = plan.rejections
    assert five.external_id == "LDN-5" and five.line == 6
    assert five.codes == ["time_order", "unmapped_type"]
    assert "'Dog barking'" in five.reasons[1]


def test_a_gb18030_export_from_a_chinese_cad(tmp_path):
    text = """
        timezone = "Asia/Shanghai"
        formats = ["%Y年%m月%d日 %H:%M:%S", "%Y-%m-%d %H:%M:%S"]
        encoding = "gb18030"
        default_category = "other"
        [columns]
        id = "警情编号"
        received = "报警时间"
        on_scene = "到达现场时间"
        final_type = "警情类别"
        [[categories]]
        match = "盗窃"
        category = "criminal"
        """
    mapping = load_mapping(text)
    path = tmp_path / "jq.csv"
    path.write_text(
        "警情编号,报警时间,到达现场时间,警情类别\nJQ001,2024年05月01日 08:00:00,2024-05-01 08:04:10,盗窃\n",
        encoding="gb18030",
    )
    (record,) = analyse(path, mapping).records
    assert record.received == utc(2024, 5, 1, 0, 0)
    assert intervals(record)["received_to_on_scene"] == 250.0
    assert record.final_category == record.initial_category == "criminal"
    # Read with the default utf-8-sig, the same bytes are refused with a pointer to `encoding`.
    with pytest.raises(MappingError, match="encoding"):
        analyse(path, load_mapping(text.replace('encoding = "gb18030"', "")))


# --- mapping validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('category = "criminal"', 'category = "crime"'), "categories[0].category"),
        (("regex = '^fire\\b'", "regex = '^fire('"), "categories[2].regex"),
        (('timezone = "America/Los_Angeles"', 'timezone = "Pacific/Seattle"'), "timezone"),
        (('received = "Received"', ""), "columns.received"),
        (('on_scene = "Arrived"', 'on_sceen = "Arrived"'), "columns.on_sceen"),
        (('ambiguous = "earlier"', 'ambiguous = "first"'), "ambiguous"),
        (('"4" = 4', '"4" = 5'), "priorities"),
        (('formats = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M"]', 'formats = ["%H:%M"]'), "formats[0]"),
        (('name = "test CAD"', 'name = "test CAD"\ntimezones = "UTC"'), "timezones"),
        (('priority = "Pri"', 'priority = "Pri"\ninitial_priority = "Pri"'), "columns.priority"),
        (('lat = "Lat"', ""), "columns.lon"),
    ],
)
def test_mapping_errors_name_the_key(change, key):
    old, new = change
    text = GENERIC.format(ambiguous="earlier", nonexistent="shift_forward")
    assert old in text
    with pytest.raises(MappingError) as err:
        load_mapping(text.replace(old, new, 1))
    assert key in str(err.value)


def test_mapping_error_suggests_the_key_meant():
    text = GENERIC.format(ambiguous="earlier", nonexistent="shift_forward").replace("on_scene", "on_sceen")
    with pytest.raises(MappingError, match="'on_scene'"):
        load_mapping(text)


def test_mapping_file_errors(tmp_path):
    with pytest.raises(MappingError, match="TOML"):
        load_mapping("timezone = \n[columns")
    with pytest.raises(MappingError, match=r"nope\.toml"):
        load_mapping(tmp_path / "nope.toml")
    seattle = load_mapping(SEATTLE_MAPPING)
    assert seattle == load_mapping(str(SEATTLE_MAPPING))
    assert seattle.column("queued") == seattle.column("received") == "Original Time Queued"
    assert seattle.column("initial_priority") == seattle.column("final_priority") == "Priority"


def test_normalise_type():
    assert normalise_type("  --THEFT -  CAR PROWL ") == "theft - car prowl"
    assert normalise_type("- -Noise") == "noise"


# --- properties ---------------------------------------------------------------------------

ZONES = [
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Shanghai",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
]
FORMATS = ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "iso"]
STAGE_COLUMNS = ["T0", "T1", "T2", "T3", "T4", "T5", "T6"]
STAGE_KEYS = ["received", "queued", "dispatched", "en_route", "on_scene", "cleared", "closed"]


def _is_ambiguous(naive: datetime, tz: ZoneInfo) -> bool:
    return naive.replace(tzinfo=tz, fold=0).utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset()


@functools.cache
def _transitions(zone: str) -> tuple[datetime, ...]:
    """Every UTC-offset change of ``zone`` in 1990–2035, to the second."""
    tz = ZoneInfo(zone)
    day = 86400
    t, end = (
        int(datetime(1990, 1, 1, tzinfo=UTC).timestamp()),
        int(datetime(2036, 1, 1, tzinfo=UTC).timestamp()),
    )
    out = []

    def offset(ts: int) -> timedelta | None:
        return datetime.fromtimestamp(ts, UTC).astimezone(tz).utcoffset()

    while t < end:
        if offset(t) != offset(t + day):
            lo, hi = t, t + day
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            out.append(datetime.fromtimestamp(hi, UTC))
        t += day
    return tuple(out)


@st.composite
def instants(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a UTC instant: anywhere, or (half the time) within 4 hours of a DST change."""
    zone = draw(st.sampled_from(ZONES))
    changes = _transitions(zone)
    near_a_change = draw(st.booleans())
    if changes and near_a_change:
        near = draw(st.sampled_from(changes))
        return zone, near + timedelta(seconds=draw(st.integers(-4 * 3600, 4 * 3600)))
    anywhere = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2035, 12, 31)))
    return zone, anywhere.replace(microsecond=0, tzinfo=UTC)


def test_transitions_helper_finds_the_us_changes():
    assert utc(2023, 3, 12, 10) in _transitions("America/Los_Angeles")
    assert utc(2023, 11, 5, 9) in _transitions("America/Los_Angeles")


@settings(max_examples=300, deadline=None)
@given(
    where=instants(),
    fmt=st.sampled_from(FORMATS),
    back=st.integers(min_value=0, max_value=6 * 3600),
    gaps=st.lists(st.one_of(st.integers(0, 3600), st.integers(0, 2 * 86400)), min_size=6, max_size=6),
)
def test_local_timeline_round_trips_to_utc(where, fmt, back, gaps):
    zone, instant = where
    tz = ZoneInfo(zone)
    instants_ = [instant - timedelta(seconds=back)]
    for gap in gaps:
        instants_.append(instants_[-1] + timedelta(seconds=gap))
    walls = [i.astimezone(tz).replace(tzinfo=None) for i in instants_]
    assume(not any(_is_ambiguous(w, tz) for w in walls))  # away from the repeated hour
    text = [w.isoformat() if fmt == "iso" else w.strftime(fmt) for w in walls]
    mapping = load_mapping(
        f'timezone = "{zone}"\nformats = ["{fmt}"]\ndefault_category = "other"\n[columns]\nid = "Id"\n'
        + "".join(f'{key} = "{col}"\n' for key, col in zip(STAGE_KEYS, STAGE_COLUMNS, strict=True))
    )
    raw = RawRow(2, {"Id": "X", **dict(zip(STAGE_COLUMNS, text, strict=True))})
    record = parse_row(raw, mapping)
    assert isinstance(record, CadRecord), record
    parsed = [getattr(record, key) for key in STAGE_KEYS]
    assert parsed == instants_
    assert parsed == sorted(parsed)
    assert record.notes == ()
    assert all(v is not None and v >= 0 for v in intervals(record).values())


@settings(max_examples=300, deadline=None)
@given(where=instants(), shift=st.integers(-3 * 3600, 3 * 3600))
def test_to_utc_policies(where, shift):
    zone, instant = where
    tz = ZoneInfo(zone)
    # A wall time near the change, which may fall in the gap or the repeated hour.
    naive = instant.astimezone(tz).replace(tzinfo=None) + timedelta(seconds=shift)
    earlier, problem = to_utc(naive, tz, ambiguous="earlier")
    later, _ = to_utc(naive, tz, ambiguous="later")
    event(problem or "ordinary")
    assert earlier is not None and later is not None
    if problem is None:
        assert earlier == later
        assert earlier.astimezone(tz).replace(tzinfo=None) == naive
    elif problem == "ambiguous":
        assert earlier < later
        for candidate in (earlier, later):
            assert candidate.astimezone(tz).replace(tzinfo=None) == naive
        assert to_utc(naive, tz, ambiguous="reject") == (None, "ambiguous")
    else:
        assert problem == "nonexistent"
        # The first instant after the gap: its wall time is later than asked, and one second
        # before it the wall time is earlier than asked (still the old offset).
        assert earlier == later
        assert earlier in _transitions(zone)
        assert earlier.astimezone(tz).replace(tzinfo=None) > naive
        assert (earlier - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) < naive
        assert to_utc(naive, tz, nonexistent="reject") == (None, "nonexistent")
