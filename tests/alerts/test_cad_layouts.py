"""The CAD importer core, continued: a second, unrelated CAD layout (another time zone, a GB18030
export), the mapping file's validation, and hypothesis properties of local times → UTC."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from zhengyi.alerts.cad import (
    CadRecord,
    MappingError,
    RawRow,
    analyse,
    intervals,
    load_mapping,
    normalise_type,
    parse_row,
    to_utc,
)

from .cad_support import (
    GENERIC,
    LONDON,
    LONDON_HEADER,
    SEATTLE_MAPPING,
    utc,
    write,
)

# --- a second, unrelated CAD layout ------------------------------------------------------


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
    path = write(tmp_path, rows, LONDON_HEADER, "storm.csv", delimiter=";")
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
