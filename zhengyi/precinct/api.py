"""Precinct API: the same filters and restrictions as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from zhengyi.core.models import Station
from zhengyi.core.permissions import require
from zhengyi.core.selectors import visible_station
from zhengyi.precinct.choices import Level
from zhengyi.precinct.filters import BuildingFilter
from zhengyi.precinct.models import Building
from zhengyi.precinct.selectors import map_layer, precinct_summary

router = Router(tags=["辖区 precinct"])


class BuildingOut(Schema):
    id: int
    code: str
    name: str
    category: str
    height_m: float
    height_class: str
    floors_above: int
    floors_below: int
    zone: str | None
    urban_village: str
    property_company: str | None
    address: str
    lon: float
    lat: float
    station: str


class BuildingQuery(Schema):
    q: str = ""
    category: str = ""
    height_class: str = ""
    zone: str = ""
    urban_village: str = ""
    property_company: str = ""
    limit: int = 100
    offset: int = 0


class BuildingPage(Schema):
    count: int
    items: list[BuildingOut]


def _out(b: Building) -> dict[str, Any]:
    return {
        "id": b.pk,
        "code": b.code,
        "name": b.name,
        "category": b.category,
        "height_m": b.height_m,
        "height_class": b.height_class,
        "floors_above": b.floors_above,
        "floors_below": b.floors_below,
        "zone": b.zone.code if b.zone else None,
        "urban_village": b.urban_village,
        "property_company": b.property_company.name if b.property_company else None,
        "address": b.address,
        "lon": b.lon,
        "lat": b.lat,
        "station": b.station.code,
    }


def _station(request: HttpRequest, code: str | None) -> Station:
    station = visible_station(request.user, code)
    if station is None:
        raise HttpError(404, _("派出所不存在或无权查看"))
    return station


@router.get("/buildings", response=BuildingPage, summary="楼宇列表（可筛选）")
def list_buildings(request: HttpRequest, filters: Query[BuildingQuery]) -> dict[str, Any]:
    if not 1 <= filters.limit <= 1000 or filters.offset < 0:
        raise HttpError(422, _("limit 须在 1–1000 之间，offset 不能为负"))
    form = BuildingFilter(filters.dict(exclude={"limit", "offset"}))
    if not form.is_valid():
        raise HttpError(422, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
    qs = form.apply(
        Building.objects.restrict(request.user, "view").select_related("zone", "property_company", "station")
    )
    items = qs.order_by("code")[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [_out(b) for b in items]}


@router.get("/buildings/{building_id}", response=BuildingOut, summary="楼宇详情")
def get_building(request: HttpRequest, building_id: int) -> dict[str, Any]:
    b = (
        Building.objects.restrict(request.user, "view")
        .select_related("zone", "property_company", "station")
        .filter(pk=building_id)
        .first()
    )
    if b is None:
        raise HttpError(404, _("楼宇不存在或无权查看"))
    return _out(b)


@router.get("/summary", summary="辖区概况（面积、楼宇、地下空间、连廊、路网）")
def summary(request: HttpRequest, station: str | None = None) -> dict[str, Any]:
    require(request.user, "view", Building)
    return precinct_summary(_station(request, station))


@router.get("/levels/{level}", summary="某空间层的 GeoJSON（地图图层）")
def level_geojson(request: HttpRequest, level: str, station: str | None = None) -> dict[str, Any]:
    if level not in Level.values:
        raise HttpError(
            422, _("未知空间层 %(level)r：应为 underground、street 或 skywalk") % {"level": level}
        )
    require(request.user, "view", Building)
    return map_layer(request.user, _station(request, station), level)  # type: ignore[arg-type]
