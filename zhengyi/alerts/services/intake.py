"""受理: every way in (dispatcher's page, upstream 110 API, CAD import) ends in receive_alert()."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import Status, Step
from zhengyi.alerts.models import Alert, AlertEvent, Subcategory
from zhengyi.alerts.services.board import signal_board
from zhengyi.alerts.services.standards import ensure_standard, rule_for
from zhengyi.alerts.services.vocabulary import classification_problems
from zhengyi.core.identifiers import IdentifierError, validate_mobile
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require_for_station
from zhengyi.core.services.audit import record_change
from zhengyi.precinct.choices import Level
from zhengyi.precinct.models import Building, Landmark, Zone

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
    lon: float | None = None
    lat: float | None = None
    level: str | None = None
    location_text: str = ""
    description: str = ""
    received_at: datetime | None = None

    def fingerprint(self) -> str:
        """What a retry must repeat: the same key with a different call is a client error."""
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat() if self.received_at else None
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different alert."""


@dataclass(frozen=True)
class Located:
    building: Building | None
    landmark: Landmark | None
    zone: Zone | None
    lon: float
    lat: float
    level: str


def _locate(station: Station, data: AlertInput, errors: dict[str, list[str]]) -> Located | None:
    building = landmark = None
    if data.building_id is not None:
        building = (
            Building.objects.filter(station=station, pk=data.building_id).select_related("zone").first()
        )
        if building is None:
            errors.setdefault("building_id", []).append("楼宇不存在或不在本所辖区 / unknown building")
            return None
        return Located(building, None, building.zone, building.lon, building.lat, data.level or Level.STREET)
    if data.landmark_id is not None:
        landmark = (
            Landmark.objects.filter(station=station, pk=data.landmark_id).select_related("space").first()
        )
        if landmark is None:
            errors.setdefault("landmark_id", []).append("地标不存在或不在本所辖区 / unknown landmark")
            return None
        lon, lat, level = landmark.lon, landmark.lat, landmark.space.level
    elif data.lon is not None and data.lat is not None:
        lon, lat, level = data.lon, data.lat, data.level or Level.STREET
    else:
        errors.setdefault("location", []).append(
            "请指定地点：楼宇、地标或地图坐标 / give a building, landmark or point"
        )
        return None
    if level not in Level.values:
        errors.setdefault("level", []).append(f"空间层应为 {', '.join(Level.values)}")
        return None
    point = Point(lon, lat)
    if station.boundary and not shape(station.boundary).buffer(1e-6).contains(point):
        errors.setdefault("location", []).append(
            f"地点 ({lon:.5f}, {lat:.5f}) 不在{station.name}辖区内，请核实或转至属地派出所 / outside the precinct"
        )
        return None
    zone = next((z for z in Zone.objects.filter(station=station) if shape(z.geometry).contains(point)), None)
    return Located(None, landmark, zone, lon, lat, level)


@dataclass(frozen=True)
class _Cleaned:
    kind: str
    subcategory: Subcategory | None
    caller_phone: str
    received_at: datetime


def _validate(station: Station, data: AlertInput, now: datetime) -> tuple[_Cleaned, Located]:
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
    subcategory = None
    if data.subcategory:
        subcategory = Subcategory.objects.filter(code=data.subcategory, active=True).first()
        if subcategory is None or subcategory.category != data.category:
            errors["subcategory"] = [f"细类 {data.subcategory!r} 不存在或不属于该类别"]
    phone = ""
    if data.caller_phone.strip():
        try:
            phone = validate_mobile(data.caller_phone)
        except IdentifierError as exc:
            errors["caller_phone"] = [str(exc)]
    received_at = data.received_at or now
    if timezone.is_naive(received_at):
        errors["received_at"] = ["受理时间须带时区 / received_at needs a time zone"]
    elif received_at > now + CLOCK_SKEW:
        errors["received_at"] = ["受理时间晚于当前时间 / received_at is in the future"]
    located = _locate(station, data, errors)
    if errors or located is None:
        raise ValidationError(errors)
    return _Cleaned(kind, subcategory, phone, received_at), located


def _next_number(station: Station, received_at: datetime) -> str:
    day = timezone.localtime(received_at).strftime("%Y%m%d")
    prefix = f"{station.code}{day}"
    last = (
        Alert.objects.filter(station=station, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def receive_alert(
    *, actor: User, station: Station, data: AlertInput, idempotency_key: str = ""
) -> tuple[Alert, bool]:
    """Validate, classify, apply the standard in force, and record 受理.

    Returns ``(alert, created)``. With an idempotency key, a retry returns the alert the
    first call created and creates nothing; the same key with a different call raises
    :class:`IdempotencyConflict`.
    """
    require_for_station(actor, "add", Alert, station)
    key = idempotency_key.strip()
    if len(key) > 100:
        raise ValidationError({"idempotency_key": ["幂等键不超过 100 个字符"]})
    fingerprint = data.fingerprint()
    for _attempt in range(5):
        try:
            return _receive(actor=actor, station=station, data=data, key=key, fingerprint=fingerprint)
        except IntegrityError:
            # Another request won the race for this key or this number; look again.
            if key and (existing := _existing(station, key, fingerprint)) is not None:
                return existing, False
    raise RuntimeError("警情编号分配冲突，请重试 / could not allocate an alert number")


def _existing(station: Station, key: str, fingerprint: str) -> Alert | None:
    # The exclude repeats the partial unique index's condition so SQLite can use the index.
    alert = Alert.objects.filter(station=station, idempotency_key=key).exclude(idempotency_key="").first()
    if alert is not None and alert.request_fingerprint != fingerprint:
        raise IdempotencyConflict(f"幂等键 {key!r} 已用于另一条警情 {alert.number}")
    return alert


@transaction.atomic
def _receive(
    *, actor: User, station: Station, data: AlertInput, key: str, fingerprint: str
) -> tuple[Alert, bool]:
    if key and (existing := _existing(station, key, fingerprint)) is not None:
        return existing, False
    now = timezone.now()
    cleaned, where = _validate(station, data, now)
    # Numbers are per station and day: serialise their allocation on the station row, so
    # concurrent intakes on PostgreSQL never pick the same one (SQLite serialises anyway).
    Station.objects.select_for_update().filter(pk=station.pk).first()
    received_at = cleaned.received_at
    standard = ensure_standard(station=station, at=received_at)
    rule = rule_for(standard, data.category, where.zone.kind if where.zone else None)
    priority = data.priority or rule.priority
    alert = Alert.objects.create(
        station=station,
        number=_next_number(station, received_at),
        kind=cleaned.kind,
        source=data.source,
        category_initial=data.category,
        category=data.category,
        subcategory=cleaned.subcategory,
        priority_initial=priority,
        priority=priority,
        status=Status.RECEIVED,
        caller_name=data.caller_name.strip()[:50],
        caller_phone=cleaned.caller_phone,
        building=where.building,
        landmark=where.landmark,
        zone=where.zone,
        level=where.level,
        lon=round(where.lon, 7),
        lat=round(where.lat, 7),
        location_text=data.location_text.strip()[:200],
        description=data.description.strip(),
        standard=standard,
        arrival_target_minutes=rule.arrival_minutes,
        feedback_target_minutes=rule.feedback_minutes,
        required_steps=list(rule.steps),
        received_at=received_at,
        idempotency_key=key,
        request_fingerprint=fingerprint if key else "",
    )
    AlertEvent.objects.create(
        alert=alert,
        step=Step.RECEIVED,
        time=received_at,
        actor=actor,
        actor_name=actor.display_name or actor.username,
    )
    record_change(actor=actor, obj=alert, action="create", related=station)
    signal_board(station=station, alert=alert, summary=f"受理 {alert.number}")
    return alert, True
