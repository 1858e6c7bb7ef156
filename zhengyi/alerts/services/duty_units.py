"""Units whose duty follows another app's roster (an alliance's guard teams).

The alerts app owns ``Unit``; another app says *who is on duty, where, until when* and this
service makes the unit match — creating it on first use, moving it, putting it on or off
duty — with an audit row and a board signal for each change, and nothing written when the
unit already matches (the caller may run it every minute, from any process).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhengyi.alerts.models import Assignment, Unit
from zhengyi.alerts.services.board import signal_board
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.precinct.choices import Level


@dataclass(frozen=True)
class DutyState:
    """What the roster says about one unit now."""

    code: str
    name: str
    kind: str
    lon: float | None
    lat: float | None
    level: str
    on_duty: bool
    duty_until: datetime | None


@transaction.atomic
def sync_rostered_unit(
    *, actor: User, station: Station, state: DutyState, unit: Unit | None = None
) -> tuple[Unit, bool]:
    """Create or update the unit ``state`` describes; returns it and whether anything changed.

    A unit on an alert is never taken off duty here: it keeps working the alert, and
    ``advance_assignment`` takes it off duty when it clears past ``duty_until``.
    """
    if state.kind not in Unit.Kind.values:
        raise ValidationError({"kind": [_("未知单位类型 %(kind)r") % {"kind": state.kind}]})
    if state.level not in Level.values:
        raise ValidationError({"level": [_("空间层应为 %(levels)s") % {"levels": ", ".join(Level.values)}]})
    if unit is None:
        require_for_station(actor, "add", Unit, station)
        if Unit.objects.filter(station=station, code=state.code).exists():
            raise ValidationError({"code": [_("编号 %(code)s 已存在") % {"code": state.code}]})
        unit = Unit.objects.create(
            station=station,
            code=state.code,
            name=state.name,
            kind=state.kind,
            status=Unit.UnitStatus.AVAILABLE if state.on_duty else Unit.UnitStatus.OFF_DUTY,
            lon=state.lon,
            lat=state.lat,
            level=state.level,
            duty_until=state.duty_until if state.on_duty else None,
        )
        record_change(actor=actor, obj=unit, action="create", related=station, message="值守同步")
        signal_board(station=station, unit=unit, summary=f"新增单位 {unit.name}")
        return unit, True
    require(actor, "change", unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit)
    busy = Assignment.objects.filter(unit=unit, active=True).exists()
    wanted: dict[str, object] = {"name": state.name, "kind": state.kind}
    if state.lon is not None and state.lat is not None and not busy:
        # Only an idle unit is put back at its post; one on an alert is where the alert is.
        wanted.update(lon=state.lon, lat=state.lat, level=state.level)
    if state.on_duty:
        wanted["duty_until"] = state.duty_until
        if unit.status == Unit.UnitStatus.OFF_DUTY:
            wanted["status"] = Unit.UnitStatus.AVAILABLE
    elif not busy:
        wanted.update(duty_until=None, status=Unit.UnitStatus.OFF_DUTY)
    # Compared as values (an aware datetime equals itself in any zone), so a run with nothing
    # to do writes nothing.
    changes = {f: v for f, v in wanted.items() if getattr(unit, f) != v}
    for f, v in changes.items():
        setattr(unit, f, v)
    after = snapshot(unit)
    changed = bool(changes)
    if changed:
        unit.save(update_fields=list(changes))
        went = ""
        if before.get("status") != after.get("status"):
            went = "上岗" if state.on_duty else "下岗"
        record_change(
            actor=actor, obj=unit, action="update", before=before, message=f"值守同步 {went}".strip()
        )
        signal_board(station=unit.station_id, unit=unit, summary=f"{unit.name} {went or '值守更新'}")
    return unit, changed
