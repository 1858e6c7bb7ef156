"""警情编号: station code + local day + a five-digit sequence, e.g. ``FT2026112900042``.

One format and one way to find the last number used, for live intake (one call at a time,
under the station's write lock) and the bulk import (a batch of days at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.alerts.models import Alert
from zhengyi.core.fastsql import select_all, select_one
from zhengyi.core.models import Station

SEQUENCE_DIGITS = 5
NUMBER_LENGTH = Alert._meta.get_field("number").max_length or 32


def local_day(at: datetime) -> str:
    """The day a call belongs to, in the station's time zone: ``YYYYMMDD``."""
    return timezone.localtime(at).strftime("%Y%m%d")


def format_number(station_code: str, day: str, sequence: int) -> str:
    return f"{station_code}{day}{sequence:0{SEQUENCE_DIGITS}d}"


def check_station_code(station: Station) -> None:
    if len(station.code) + 8 + SEQUENCE_DIGITS > NUMBER_LENGTH:
        raise ValueError(
            _("派出所代码 %(code)r 过长，警情编号将超过 %(n)d 个字符")
            % {"code": station.code, "n": NUMBER_LENGTH}
        )


def last_sequences(station: Station, days: Iterable[str]) -> dict[str, int]:
    """The last sequence number used on each of ``days`` (0 where none), in one query.

    The numbers of a day share a prefix, so each day's maximum is a range of the
    (station, number) unique index, read from its end.
    """
    wanted = sorted(set(days))
    if not wanted:
        return {}
    table = Alert._meta.db_table
    code = station.code
    width = len(code) + 8
    # SUBSTR is portable (SQLite, PostgreSQL); the bounds keep it to the wanted days' range.
    sql = (
        f"SELECT SUBSTR(number, 1, {width}) AS day_prefix, MAX(number) FROM {table} "
        "WHERE station_id = %s AND number >= %s AND number <= %s GROUP BY day_prefix"
    )
    rows = select_all(sql, [station.pk, f"{code}{wanted[0]}", f"{code}{wanted[-1]}~"], model=Alert)
    found = {prefix[len(code) :]: last for prefix, last in rows}
    out = {}
    for day in wanted:
        suffix = (found.get(day) or "")[width:]
        out[day] = int(suffix) if suffix.isdigit() else 0
    return out


def next_number(station: Station, received_at: datetime) -> str:
    """The next free number for a call; the caller holds the station's write lock."""
    day = local_day(received_at)
    prefix = f"{station.code}{day}"
    # The day's last number is the end of its range of the (station, number) index: one seek,
    # however many calls the day has had.
    row = select_one(
        f"SELECT number FROM {Alert._meta.db_table} WHERE station_id = %s AND number >= %s "
        "AND number <= %s ORDER BY number DESC LIMIT 1",
        [station.pk, prefix, f"{prefix}~"],
        model=Alert,
    )
    suffix = row[0][len(prefix) :] if row else ""
    return format_number(station.code, day, (int(suffix) if suffix.isdigit() else 0) + 1)


def lock_station_intake(station: Station) -> None:
    """Serialise a station's intake writes (numbers, its first standard) for the transaction.

    SQLite already allows one writer at a time (transactions begin IMMEDIATE); PostgreSQL
    locks the station's row, so two intakes never read the same last number.
    """
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Station._meta.db_table} WHERE id = %s FOR UPDATE", [station.pk])
