"""Bureaus and stations."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from zhengyi.core.models import Bureau, Station, User
from zhengyi.core.services.audit import record_change, snapshot


@transaction.atomic
def upsert_bureau(
    *, actor: User, code: str, name: str, kind: str, name_en: str = "", parent: Bureau | None = None
) -> Bureau:
    bureau = Bureau.objects.filter(code=code).first()
    before = snapshot(bureau) if bureau else None
    bureau = bureau or Bureau(code=code)
    bureau.name, bureau.name_en, bureau.kind, bureau.parent = name, name_en, kind, parent
    bureau.save()
    if before != snapshot(bureau):
        record_change(actor=actor, obj=bureau, action="update" if before else "create", before=before)
    return bureau


@transaction.atomic
def upsert_station(
    *,
    actor: User,
    code: str,
    name: str,
    bureau: Bureau,
    name_en: str = "",
    boundary: dict[str, Any] | None = None,
    area_km2: float | None = None,
    address: str = "",
) -> Station:
    station = Station.objects.filter(code=code).first()
    before = snapshot(station) if station else None
    station = station or Station(code=code)
    station.name, station.name_en, station.bureau = name, name_en, bureau
    station.boundary, station.area_km2, station.address = boundary, area_km2, address
    station.save()
    if before != snapshot(station):
        record_change(actor=actor, obj=station, action="update" if before else "create", before=before)
    return station
