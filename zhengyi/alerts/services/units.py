"""出警单位: creation, status (from a phone), position, and who crews each unit."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from zhengyi.alerts.models import Unit, UnitCrew
from zhengyi.alerts.services.board import signal_board
from zhengyi.core.i18n import record_text
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import allowed_actions, require, require_for_station
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
        raise ValidationError(
            {
                "kind": [
                    _("未知单位类型 %(kind)r，应为 %(choices)s")
                    % {"kind": kind, "choices": ", ".join(Unit.Kind.values)}
                ]
            }
        )
    if Unit.objects.filter(station=station, code=code).exists():
        raise ValidationError({"code": [_("编号 %(code)s 已存在") % {"code": code}]})
    unit = Unit.objects.create(station=station, code=code, name=name, kind=kind, status=status)
    record_change(actor=actor, obj=unit, action="create", related=station)
    signal_board(station=station, unit=unit, summary=f"新增单位 {unit.name}")
    return unit


@transaction.atomic
def set_unit_status(*, actor: User, unit: Unit, status: str) -> Unit:
    require(actor, "change", unit)
    if status not in SELF_SET:
        raise ValidationError({"status": [_("出警途中、在现场由指派的处警环节自动设置")]})
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.assignments.filter(active=True).exists() and status != Unit.UnitStatus.BUSY:
        raise ValidationError({"status": [_("该单位有进行中的指派，请先在警情中完成处置")]})
    before = snapshot(unit)
    unit.status = status
    unit.save(update_fields=["status"])
    record_change(actor=actor, obj=unit, action="update", before=before)
    signal_board(
        station=unit.station_id, unit=unit, summary=f"{unit.name} {record_text(unit.get_status_display())}"
    )
    return unit


@transaction.atomic
def update_position(*, actor: User, unit: Unit, lon: float, lat: float, level: str = Level.STREET) -> Unit:
    require(actor, "change", unit)
    if level not in Level.values:
        raise ValidationError({"level": [_("空间层应为 %(levels)s") % {"levels": ", ".join(Level.values)}]})
    station = unit.station
    if station.boundary and not shape(station.boundary).buffer(0.003).contains(Point(lon, lat)):
        raise ValidationError({"position": [_("位置远离本所辖区，请检查定位")]})
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit)
    unit.lon, unit.lat, unit.level, unit.position_at = round(lon, 7), round(lat, 7), level, timezone.now()
    unit.save(update_fields=["lon", "lat", "level", "position_at"])
    record_change(actor=actor, obj=unit, action="update", before=before, message="位置更新")
    signal_board(station=unit.station_id, unit=unit, summary=f"{unit.name} 位置更新")
    return unit


def may_crew(user: User, station: Station | int) -> bool:
    """Whether ``user`` can work a unit of ``station``: active staff of that station whose role
    may change units. Crewing anyone else would hand them nothing they could act on."""
    station_id = station if isinstance(station, int) else station.pk
    return (
        user.is_active
        and not user.is_superuser
        and user.station_id == station_id
        and "change" in allowed_actions(user, Unit)
    )


def _name(user: User) -> str:
    return user.display_name or user.username


@transaction.atomic
def set_unit_crew(*, actor: User, unit: Unit, members: Iterable[User]) -> Unit:
    """Make ``members`` the unit's crew: who joins and who leaves is each recorded as a change.

    The crew decides whose alerts are whose: an officer changes the alerts their unit was sent
    to and their unit's status, nothing else.
    """
    require(actor, "change", unit)
    unit = Unit.objects.select_for_update().select_related("station").get(pk=unit.pk)
    wanted = {u.pk: u for u in members}
    current = {link.user_id: link for link in UnitCrew.objects.filter(unit=unit).select_related("user")}
    joining = [wanted[pk] for pk in wanted if pk not in current]
    leaving = [current[pk] for pk in current if pk not in wanted]
    if joining:
        require_for_station(actor, "add", UnitCrew, unit.station)
    if leaving:
        require_for_station(actor, "delete", UnitCrew, unit.station)
    refused = sorted(_name(u) for u in joining if not may_crew(u, unit.station_id))
    if refused:
        raise ValidationError(
            {
                "crew": [
                    _("%(names)s 不是本所可出警的人员，不能编入%(unit)s")
                    % {"names": _("、").join(refused), "unit": unit.name}
                ]
            }
        )
    now = timezone.now()
    for link in leaving:
        before = snapshot(link)
        record_change(
            actor=actor,
            obj=link,
            action="delete",
            before=before,
            related=unit,
            message=f"{_name(link.user)} 离开 {unit.name}",
        )
        link.delete()
    for user in joining:
        link = UnitCrew.objects.create(unit=unit, user=user, since=now)
        record_change(
            actor=actor, obj=link, action="create", related=unit, message=f"{_name(user)} 加入 {unit.name}"
        )
    if joining or leaving:
        signal_board(station=unit.station_id, unit=unit, summary=f"{unit.name} 组员更新")
    return unit
