"""出警单位: creation, status (from a phone) and position."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from zhengyi.alerts.models import Unit
from zhengyi.alerts.services.board import signal_board
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.precinct.choices import Level

# Statuses a unit may set for itself; en route / on scene follow its assignment's steps.
SELF_SET = {Unit.UnitStatus.AVAILABLE, Unit.UnitStatus.BUSY, Unit.UnitStatus.OFF_DUTY}


@transaction.atomic
def create_unit(
    *, actor: User, station: Station, code: str, name: str, kind: str, status: str = Unit.UnitStatus.OFF_DUTY
) -> Unit:
    require_for_station(actor, "add", Unit, station)
    if kind not in Unit.Kind.values:
        raise ValidationError({"kind": [f"未知单位类型 {kind!r}，应为 {', '.join(Unit.Kind.values)}"]})
    if Unit.objects.filter(station=station, code=code).exists():
        raise ValidationError({"code": [f"编号 {code} 已存在"]})
    unit = Unit.objects.create(station=station, code=code, name=name, kind=kind, status=status)
    record_change(actor=actor, obj=unit, action="create", related=station)
    signal_board(station=station, unit=unit, summary=f"新增单位 {unit.name}")
    return unit


@transaction.atomic
def set_unit_status(*, actor: User, unit: Unit, status: str) -> Unit:
    require(actor, "change", unit)
    if status not in SELF_SET:
        raise ValidationError(
            {
                "status": [
                    "出警途中、在现场由指派的处警环节自动设置 / en route and on scene follow the assignment"
                ]
            }
        )
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.assignments.filter(active=True).exists() and status != Unit.UnitStatus.BUSY:
        raise ValidationError(
            {"status": ["该单位有进行中的指派，请先在警情中完成处置 / finish the assignment first"]}
        )
    before = snapshot(unit)
    unit.status = status
    unit.save(update_fields=["status"])
    record_change(actor=actor, obj=unit, action="update", before=before)
    signal_board(station=unit.station_id, unit=unit, summary=f"{unit.name} {unit.get_status_display()}")
    return unit


@transaction.atomic
def update_position(*, actor: User, unit: Unit, lon: float, lat: float, level: str = Level.STREET) -> Unit:
    require(actor, "change", unit)
    if level not in Level.values:
        raise ValidationError({"level": [f"空间层应为 {', '.join(Level.values)}"]})
    station = unit.station
    if station.boundary and not shape(station.boundary).buffer(0.003).contains(Point(lon, lat)):
        raise ValidationError(
            {"position": ["位置远离本所辖区，请检查定位 / position far outside the precinct"]}
        )
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit)
    unit.lon, unit.lat, unit.level, unit.position_at = round(lon, 7), round(lat, 7), level, timezone.now()
    unit.save(update_fields=["lon", "lat", "level", "position_at"])
    record_change(actor=actor, obj=unit, action="update", before=before, message="位置更新")
    signal_board(station=unit.station_id, unit=unit, summary=f"{unit.name} 位置更新")
    return unit
