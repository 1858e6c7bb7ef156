"""Shared pieces of the CAD importer tests: the shipped mapping's paths, a synthetic mapping and
CSV writer for failure modes, and a UTC helper."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from zhengyi.alerts.cad import (
    load_mapping,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ZHENGYI_SHARED_DATA") or ROOT.parent / "shared" / "data")
SEATTLE_CSV = SHARED / "real" / "seattle-calls-sample.csv"
SEATTLE_MAPPING = ROOT / "docs" / "cad-mappings" / "seattle.toml"
LA = ZoneInfo("America/Los_Angeles")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


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


def write(
    tmp_path: Path,
    rows: list[list[str]],
    header: list[str] = HEADER,
    name: str = "cad.csv",
    delimiter: str = ",",
) -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
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


# A second, unrelated layout: a UK force's STORM-style export (Europe/London, ';'-separated).
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
