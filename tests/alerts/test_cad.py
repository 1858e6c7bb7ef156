"""The CAD importer core (zhengyi.alerts.cad): pure Python, no Django, no database.

Real data: the Seattle Police calls sample in ``$ZHENGYI_SHARED_DATA/real`` with the
shipped mapping ``docs/cad-mappings/seattle.toml``. Synthetic CSVs (in tmp_path) cover the
failure modes, the DST policies and a second, unrelated CAD layout.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zhengyi.alerts import taxonomy
from zhengyi.alerts.cad import (
    CadRecord,
    MappingError,
    RawRow,
    RowRejection,
    analyse,
    intervals,
    load_mapping,
    parse_row,
    read_rows,
    to_utc,
)

from .cad_support import (
    HEADER,
    LA,
    SEATTLE_CSV,
    SEATTLE_MAPPING,
    generic,
    row,
    utc,
    write,
)

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
