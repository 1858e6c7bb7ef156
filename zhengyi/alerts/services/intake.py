"""受理: every way in (dispatcher's page, upstream 110 API, CAD import) ends in receive_alert()."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import Status, Step
from zhengyi.alerts.models import Alert, AlertEvent
from zhengyi.alerts.services.board import signal_board_many
from zhengyi.alerts.services.intake_writer import IntakeWriter, commit_batch
from zhengyi.alerts.services.numbering import format_number, last_sequences, local_day, lock_station_intake
from zhengyi.alerts.services.standards import ensure_standard
from zhengyi.alerts.services.station_data import (
    StationData,
    forget_station_data,
    missing_rule_message,
    outside_message,
    station_data,
)
from zhengyi.alerts.services.vocabulary import classification_problems
from zhengyi.core.fastsql import insert_rows, inserted, instance_row, new_row, select_one, slot
from zhengyi.core.helper_process import HelperProcess
from zhengyi.core.identifiers import IdentifierError, validate_mobile
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require_for_station
from zhengyi.core.services.audit import PendingChange, pending_change, record_pending
from zhengyi.precinct.choices import Level

_LEVELS = frozenset(Level.values)  # Level.values builds a list on each use

# A call can be logged a little after it was received, never in the future.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class AlertInput:
    category: str
    source: str
    kind: str | None = None
    subcategory: str | None = None
    priority: int | None = None
    caller_name: str = ""
    caller_phone: str = ""
    building_id: int | None = None
    landmark_id: int | None = None
    building_code: str | None = None  # the upstream system names places by code
    landmark_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    level: str | None = None
    location_text: str = ""
    description: str = ""
    received_at: datetime | None = None

    def fingerprint(self) -> str:
        """What a retry must repeat: the same key with a different call is a client error."""
        data = dict(self.__dict__)  # flat fields: no need for asdict's deep copy
        data["received_at"] = self.received_at.isoformat() if self.received_at else None
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different alert."""


@dataclass(frozen=True)
class Located:
    building_id: int | None
    landmark_id: int | None
    zone_id: int | None
    lon: float
    lat: float
    level: str


def _locate(ref: StationData, data: AlertInput, errors: dict[str, list[str]]) -> Located | None:
    station = ref.station
    if data.building_code:
        building = ref.buildings.get(data.building_code)
        if building is None:
            errors.setdefault("building_code", []).append(
                _("编号 %(code)r 在本所辖区不存在") % {"code": data.building_code}
            )
            return None
        data = replace(data, building_id=building.pk)
    if data.landmark_code:
        landmark = ref.landmarks.get(data.landmark_code)
        if landmark is None:
            errors.setdefault("landmark_code", []).append(
                _("编号 %(code)r 在本所辖区不存在") % {"code": data.landmark_code}
            )
            return None
        data = replace(data, landmark_id=landmark.pk)
    if data.building_id is not None:
        building = ref.buildings_by_pk.get(data.building_id)
        if building is None:
            errors.setdefault("building_id", []).append(_("楼宇不存在或不在本所辖区"))
            return None
        level = data.level or Level.STREET
        if level not in _LEVELS:
            errors.setdefault("level", []).append(f"空间层应为 {', '.join(Level.values)}")
            return None
        return Located(building.pk, None, building.zone_id, building.lon, building.lat, level)
    landmark_id = None
    if data.landmark_id is not None:
        landmark = ref.landmarks_by_pk.get(data.landmark_id)
        if landmark is None:
            errors.setdefault("landmark_id", []).append(_("地标不存在或不在本所辖区"))
            return None
        landmark_id, lon, lat, level = landmark.pk, landmark.lon, landmark.lat, landmark.level
    elif data.lon is not None and data.lat is not None:
        lon, lat, level = data.lon, data.lat, data.level or Level.STREET
    else:
        errors.setdefault("location", []).append(_("请指定地点：楼宇、地标或地图坐标"))
        return None
    if level not in _LEVELS:
        errors.setdefault("level", []).append(f"空间层应为 {', '.join(Level.values)}")
        return None
    if not ref.inside(lon, lat):
        errors.setdefault("location", []).append(outside_message(station, lon, lat))
        return None
    return Located(None, landmark_id, ref.zone_at(lon, lat), lon, lat, level)


@dataclass(frozen=True)
class _Cleaned:
    kind: str
    subcategory_id: int | None
    caller_phone: str
    received_at: datetime


def _validate(ref: StationData, data: AlertInput, now: datetime) -> tuple[_Cleaned, Located]:
    errors: dict[str, list[str]] = {}
    kind = data.kind or taxonomy.default_kind(data.category)
    for field, message in classification_problems(
        categories=[("category", "类别", data.category)],
        kind=kind,
        source=data.source,
        priorities=[("priority", data.priority)],
        description=data.description,
    ):
        errors.setdefault(field, []).append(message)
    subcategory_id = None
    if data.subcategory:
        found = ref.subcategories.get(data.subcategory)
        if found is None or found[1] != data.category:
            errors["subcategory"] = [
                _("细类 %(subcategory)r 不存在或不属于该类别") % {"subcategory": data.subcategory}
            ]
        else:
            subcategory_id = found[0]
    phone = ""
    if data.caller_phone.strip():
        try:
            phone = validate_mobile(data.caller_phone)
        except IdentifierError as exc:
            errors["caller_phone"] = [str(exc)]
    received_at = data.received_at or now
    if timezone.is_naive(received_at):
        errors["received_at"] = [_("受理时间须带时区")]
    elif received_at > now + CLOCK_SKEW:
        errors["received_at"] = [_("受理时间晚于当前时间")]
    located = _locate(ref, data, errors)
    if errors or located is None:
        raise ValidationError(errors)
    return _Cleaned(kind, subcategory_id, phone, received_at), located


def receive_alert(
    *, actor: User, station: Station | int, data: AlertInput, idempotency_key: str = ""
) -> tuple[Alert, bool]:
    """Validate, classify, apply the standard in force, and record 受理.

    Returns ``(alert, created)``. With an idempotency key, a retry returns the alert the
    first call created and creates nothing; the same key with a different call raises
    :class:`IdempotencyConflict`.

    The hot path of the upstream 110 system (DESIGN §7: hundreds of calls a second): the
    station's reference data comes from :func:`station_data` and the rows are written with
    statements compiled once (:mod:`zhengyi.core.fastsql`) — the checks and the records are
    the ones every other way in applies. A repeated idempotency key is found by the unique
    index refusing the insert, so a first call — nearly every call — does not look it up.
    """
    ref = station_data(station)
    station = ref.station
    require_for_station(actor, "add", Alert, station)
    key = idempotency_key.strip()
    if len(key) > 100:
        raise ValidationError({"idempotency_key": [_("幂等键不超过 100 个字符")]})
    fingerprint = data.fingerprint() if key else ""  # only a keyed call can be retried
    try:
        cleaned, where = _validate(ref, data, timezone.now())
    except ValidationError:
        # A retry of a stored call gets its alert even if something it named changed since.
        if key and (existing := _existing(station, key, fingerprint)) is not None:
            return existing, False
        raise
    standard = ref.standard_at(cleaned.received_at)
    if standard is None:
        # A station's first call: the default standard becomes version 1, once however many
        # first calls arrive together (the station's row lock, or SQLite's write lock,
        # orders them; the later ones find it made).
        with transaction.atomic():
            lock_station_intake(station)
            ensure_standard(station=station, at=cleaned.received_at)
        forget_station_data()
        ref = station_data(station)
        standard = ref.standard_at(cleaned.received_at)
        assert standard is not None
    rule = ref.rule(standard, data.category, ref.zone_kind(where.zone_id))
    if rule is None:
        raise ValidationError(missing_rule_message(standard, data.category))
    priority = data.priority or rule.priority
    alert = Alert(
        station=station,
        kind=cleaned.kind,
        source=data.source,
        category_initial=data.category,
        category=data.category,
        subcategory_id=cleaned.subcategory_id,
        priority_initial=priority,
        priority=priority,
        status=Status.RECEIVED,
        caller_name=data.caller_name.strip()[:50],
        caller_phone=cleaned.caller_phone,
        building_id=where.building_id,
        landmark_id=where.landmark_id,
        zone=ref.zones.get(where.zone_id) if where.zone_id is not None else None,
        level=where.level,
        lon=round(where.lon, 7),
        lat=round(where.lat, 7),
        location_text=data.location_text.strip()[:200],
        description=data.description.strip(),
        standard=standard,
        arrival_target_minutes=rule.arrival_minutes,
        feedback_target_minutes=rule.feedback_minutes,
        required_steps=list(rule.steps),
        received_at=cleaned.received_at,
        idempotency_key=key,
        request_fingerprint=fingerprint,
    )
    for _attempt in range(5):
        try:
            _store(actor, station, alert)
            return alert, True
        except IntegrityError:
            # Another request won the race for this key (or, on a backend without row locks,
            # for this number): look again.
            alert.pk = None
            alert._state.adding = True
            if key and (existing := _existing(station, key, fingerprint)) is not None:
                return existing, False
    raise RuntimeError(_("警情编号分配冲突，请重试"))


def _existing(station: Station, key: str, fingerprint: str) -> Alert | None:
    # The literal '' repeats the partial unique index's condition so SQLite uses the index.
    row = select_one(
        f"SELECT id, number, request_fingerprint FROM {Alert._meta.db_table} "
        "WHERE station_id = %s AND idempotency_key = %s AND NOT (idempotency_key = '')",
        [station.pk, key],
        model=Alert,
    )
    if row is None:
        return None
    if row[2] != fingerprint:
        raise IdempotencyConflict(
            _("幂等键 %(key)r 已用于另一条警情 %(number)s") % {"key": key, "number": row[1]}
        )
    return Alert.objects.select_related("standard", "zone").get(pk=row[0])


@dataclass
class _Prepared:
    """An accepted call's rows, prepared in its own request before it joins a group commit:
    under the write lock only the alert's number and the keys remain to be filled in."""

    station: Station
    alert: Alert
    day: str
    alert_row: list[Any]
    event_row: list[Any]
    change: PendingChange


def _prepare(actor: User, station: Station, alert: Alert) -> _Prepared:
    return _Prepared(
        station,
        alert,
        local_day(alert.received_at),
        instance_row(alert),
        new_row(
            AlertEvent,
            {
                "alert_id": None,
                "step": Step.RECEIVED.value,
                "time": alert.received_at,
                "actor_id": actor.pk,
                "actor_name": actor.display_name or actor.username,
                "unit_id": None,
                "note": "",
            },
        ),
        pending_change(actor=actor, obj=alert, related=station, late=("id", "number")),
    )


def _store(actor: User, station: Station, alert: Alert) -> None:
    prepared = _prepare(actor, station, alert)
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            _write_many([prepared])
    else:
        _writer.submit(prepared)


def _write_many(entries: Sequence[_Prepared]) -> None:
    """The rows of accepted calls, inside the caller's (or the group commit's) transaction.

    A group commit writes its calls together: one number lookup per station and day, and
    each table's rows in one statement — per call, the statements cost more than the rows.
    """
    by_station: dict[int, tuple[Station, list[_Prepared]]] = {}
    for entry in entries:
        by_station.setdefault(entry.station.pk, (entry.station, []))[1].append(entry)
    for station, items in by_station.values():
        lock_station_intake(station)
        last = last_sequences(station, {entry.day for entry in items})
        for entry in items:  # numbered in the order the calls arrived
            last[entry.day] += 1
            entry.alert.number = format_number(station.code, entry.day, last[entry.day])
            entry.alert_row[slot(Alert, "number")] = entry.alert.number
    alias = router.db_for_write(Alert)
    for entry, key in zip(entries, insert_rows(Alert, [e.alert_row for e in entries]), strict=True):
        inserted(entry.alert, key, alias)
        entry.event_row[slot(AlertEvent, "alert_id")] = key
    insert_rows(AlertEvent, [entry.event_row for entry in entries])
    record_pending([entry.change for entry in entries])
    for station, items in by_station.values():
        signal_board_many(station.pk, [entry.alert for entry in items], "受理")


# The group commit in a helper process (zhengyi.core.helper_process; docs/performance.md): what
# crosses to it is each call's prepared rows and the little its writing needs besides, not the
# model instances — pickling those would cost the request threads more than it saves them.
_Wired = tuple[int, str, str, str, list[Any], list[Any], list[Any], dict[str, Any], tuple[str, ...], int]
_Outcome = tuple[str, Any, Any]

_helper = HelperProcess("zhengyi.alerts.services.intake:commit_wired")


def _wire(entry: _Prepared) -> _Wired:
    change = entry.change
    return (
        entry.station.pk,
        entry.station.code,
        entry.day,
        entry.alert.category,
        entry.alert_row,
        entry.event_row,
        change.row,
        change.after,
        change.late,
        change.content_type_id,
    )


def _unwire(wired: _Wired) -> _Prepared:
    station_id, code, day, category, alert_row, event_row, change_row, after, late, content_type = wired
    alert = Alert(station_id=station_id, category=category)
    return _Prepared(
        Station(pk=station_id, code=code),
        alert,
        day,
        alert_row,
        event_row,
        PendingChange(alert, change_row, after, late, content_type),
    )


def commit_wired(batch: list[_Wired]) -> list[_Outcome]:
    """In the helper process: write a batch as the writer thread would, and say how each went."""
    entries = [_unwire(wired) for wired in batch]
    outcomes: list[_Outcome] = []
    for entry, error in zip(entries, commit_batch(_write_many, entries), strict=True):
        if error is None:
            outcomes.append(("ok", entry.alert.pk, entry.alert.number))
        elif isinstance(error, IntegrityError):
            outcomes.append(("integrity", str(error), None))
        else:
            outcomes.append(("error", str(error) or type(error).__name__, None))
    return outcomes


def _commit_in_helper(entries: Sequence[_Prepared]) -> list[BaseException | None] | None:
    """The writer thread's commit when settings.INTAKE_WRITER is "process" (None: write here)."""
    if settings.INTAKE_WRITER != "process":
        return None
    alias = router.db_for_write(Alert)
    out: list[BaseException | None] = []
    for entry, (status, first, second) in zip(
        entries, _helper.call([_wire(e) for e in entries]), strict=True
    ):
        if status == "ok":
            entry.alert.number = second
            inserted(entry.alert, first, alias)
            out.append(None)
        elif status == "integrity":
            out.append(IntegrityError(first))
        else:
            out.append(RuntimeError(first))
    return out


_writer: IntakeWriter[_Prepared] = IntakeWriter(_write_many, _commit_in_helper)
