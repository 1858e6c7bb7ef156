"""Reads every app's views share: the acting user, and the station a page is about."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from zhengyi.core.models import ObjectChange, Station, User

_STAMP_SQL: dict[tuple[str, ...], str] = {}
# Change records this process wrote, by content type id (see recent_change_stamp).
_written: Counter[int] = Counter()
_written_lock = threading.Lock()
# kinds → (stamp, when it was read, this process's writes of those kinds then)
_recent: dict[tuple[str, ...], tuple[tuple[int, ...], float, tuple[int, ...]]] = {}


def request_user(request: HttpRequest) -> User:
    """The logged-in user (views guarded by login_required, so never anonymous)."""
    return request.user  # type: ignore[return-value]


def visible_station(user: Any, code: str | None) -> Station | None:
    """The station ``code`` if the user may view it; without a code, the first such station."""
    stations = Station.objects.restrict(user, "view")
    return stations.filter(code=code).first() if code else stations.order_by("code").first()


def change_stamp(*kinds: type[models.Model]) -> tuple[int, ...]:
    """A version stamp of some tables: the newest change record of each kind.

    Every change to a table goes through a service that writes an ``ObjectChange`` in the same
    transaction, so a per-process copy of reference data (intake's station data, the routing
    network) is current while this is unchanged. One indexed maximum per kind (the
    (content type, id) index), ~10 µs in all. Ids come from a sequence: on PostgreSQL a
    transaction can commit a lower id after a higher one was read, so a copy kept on this
    stamp must also age out (see alerts.services.station_data).
    """
    key = tuple(m._meta.label_lower for m in kinds)
    sql = _STAMP_SQL.get(key)
    if sql is None:
        table = ObjectChange._meta.db_table
        ct_column = ObjectChange._meta.get_field("content_type").column
        types = ContentType.objects.get_for_models(*kinds)
        sql = _STAMP_SQL[key] = "SELECT " + ", ".join(
            f"(SELECT MAX(id) FROM {table} WHERE {ct_column} = {int(types[m].pk)})" for m in kinds
        )
    from zhengyi.core.fastsql import select_one

    row = select_one(sql, [], model=ObjectChange)
    return tuple(v or 0 for v in row or ())


def note_changes(content_type_ids: Iterable[int]) -> None:
    """Called by the audit service for each change record it writes, as it writes it: a stamp
    read between the write and its commit is the old one, and is then trusted for at most its
    window (:func:`recent_change_stamp`)."""
    with _written_lock:
        _written.update(content_type_ids)


def recent_change_stamp(*kinds: type[models.Model], within: float) -> tuple[int, ...]:
    """:func:`change_stamp`, read from the database at most once per ``within`` seconds —
    unless this process has written a change record of one of ``kinds`` since: such a change is
    seen by the next read after its commit (or, if a read fell between its write and its
    commit, within ``within`` seconds), another process's within ``within`` seconds. Live
    intake asks this on every call, where the query cost a tenth of the call."""
    key = tuple(m._meta.label_lower for m in kinds)
    types = ContentType.objects.get_for_models(*kinds)
    mine = tuple(_written[types[m].pk] for m in kinds)
    now = time.monotonic()
    known = _recent.get(key)
    if known is not None and now - known[1] < within and known[2] == mine:
        return known[0]
    stamp = change_stamp(*kinds)
    _recent[key] = (stamp, now, mine)
    return stamp


def forget_recent_stamps() -> None:
    _recent.clear()
