"""Writes to the precinct: GeoJSON import (the demo loads through it too) and edits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from zhengyi.core.identifiers import IdentifierError, validate_credit_code, validate_mobile
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, record_created_bulk, snapshot
from zhengyi.core.validators import identifier_message
from zhengyi.precinct import geojson
from zhengyi.precinct.choices import (
    BuildingCategory,
    ConnectorKind,
    LandmarkKind,
    Level,
    NodeKind,
    ZoneKind,
    height_class_for,
)
from zhengyi.precinct.geometry import to_geojson_dict, to_utm
from zhengyi.precinct.models import (
    Building,
    Connector,
    Landmark,
    NetworkEdge,
    NetworkNode,
    PropertyCompany,
    Space,
    SpaceArea,
    Zone,
)

SPACE_NAMES = {Level.UNDERGROUND: "地下空间", Level.STREET: "地面", Level.SKYWALK: "空中连廊"}
Progress = Callable[[str, int, int], None]


def vocabulary(station: Station | None = None) -> dict[str, Any]:
    vocab: dict[str, Any] = {
        "zone_kind": ZoneKind.values,
        "building_category": BuildingCategory.values,
        "landmark_kind": LandmarkKind.values,
        "node_kind": NodeKind.values,
        "connector_kind": ConnectorKind.values,
    }
    if station is not None:
        vocab["known_zones"] = set(Zone.objects.filter(station=station).values_list("code", flat=True))
        vocab["known_nodes"] = dict(
            NetworkNode.objects.filter(station=station).values_list("code", "space__level")
        )
    return vocab


@dataclass
class ImportResult:
    created: dict[str, int]
    updated: dict[str, int]

    def summary(self) -> str:
        parts = [f"{k} +{self.created.get(k, 0)}/~{self.updated.get(k, 0)}" for k in sorted(self.created)]
        return "; ".join(parts)


@transaction.atomic
def ensure_spaces(*, actor: User, station: Station) -> dict[str, Space]:
    spaces = {s.level: s for s in Space.objects.filter(station=station)}
    for level in Level:
        if level.value not in spaces:
            space = Space.objects.create(station=station, level=level.value, name=SPACE_NAMES[level])
            record_change(actor=actor, obj=space, action="create", related=station)
            spaces[level.value] = space
    return spaces


def _by_code(obj: Any) -> Any:
    return obj.code


def _by_ends(obj: Any) -> Any:
    return (obj.source_id, obj.target_id)


def _upsert(
    *,
    actor: User,
    station: Station,
    model: type[models.Model],
    key: Callable[[Any], Any],
    rows: list[models.Model],
    fields: list[str],
) -> tuple[int, int]:
    """Insert new rows in bulk, update changed ones; one ObjectChange per row either way."""
    existing = {key(o): o for o in model._default_manager.filter(station=station)}
    new, changed = [], []
    for row in rows:
        old = existing.get(key(row))
        if old is None:
            new.append(row)
            continue
        before = snapshot(old)
        for f in fields:
            setattr(old, f, getattr(row, f))
        if snapshot(old) != before:
            changed.append((old, before))
    model._default_manager.bulk_create(new, batch_size=1000)
    if not new or new[0].pk is None:
        # SQLite before 3.35 and some backends return no keys; fetch them back by natural key.
        refetched = {key(o): o for o in model._default_manager.filter(station=station)}
        new = [refetched[key(r)] for r in new]
    record_created_bulk(actor=actor, objects=new, related=station, message="GeoJSON 导入")
    if changed:
        model._default_manager.bulk_update([o for o, _ in changed], fields, batch_size=500)
        for obj, before in changed:
            record_change(
                actor=actor, obj=obj, action="update", before=before, related=station, message="GeoJSON 导入"
            )
    return len(new), len(changed)


@transaction.atomic
def import_geojson(
    *, actor: User, station: Station, document: Any, progress: Progress | None = None
) -> ImportResult:
    """Validate a whole FeatureCollection, then upsert it by code; all or nothing."""
    require_for_station(actor, "add", Building, station)
    parsed = geojson.parse(document, vocabulary(station))
    report = progress or (lambda stage, done, total: None)
    spaces = ensure_spaces(actor=actor, station=station)
    created: dict[str, int] = {}
    updated: dict[str, int] = {}
    steps = 8

    def run(name: str, **kwargs: Any) -> None:
        report(name, len(created) + 1, steps)
        created[name], updated[name] = _upsert(actor=actor, station=station, **kwargs)

    zones = [
        Zone(
            station=station,
            code=z.code,
            name=z.name,
            name_en=z.name_en,
            kind=z.kind,
            geometry=to_geojson_dict(z.polygon),
            area_m2=round(to_utm(z.polygon).area, 1),
        )
        for z in parsed.zones
    ]
    run(
        "zones",
        model=Zone,
        key=_by_code,
        rows=zones,
        fields=["name", "name_en", "kind", "geometry", "area_m2"],
    )

    companies = sorted({b.property_company for b in parsed.buildings if b.property_company})
    run(
        "property_companies",
        model=PropertyCompany,
        key=lambda o: o.name,
        rows=[PropertyCompany(station=station, name=n) for n in companies],
        fields=["name"],
    )

    zone_by_code = {z.code: z for z in Zone.objects.filter(station=station)}
    company_by_name = {c.name: c for c in PropertyCompany.objects.filter(station=station)}
    buildings = []
    for b in parsed.buildings:
        centroid = b.footprint.representative_point()
        buildings.append(
            Building(
                station=station,
                code=b.code,
                name=b.name,
                category=b.category,
                height_m=b.height_m,
                height_class=height_class_for(b.height_m),
                floors_above=b.floors_above,
                floors_below=b.floors_below,
                zone=zone_by_code.get(b.zone_code) if b.zone_code else None,
                urban_village=b.urban_village or "",
                property_company=company_by_name.get(b.property_company) if b.property_company else None,
                address=b.address,
                footprint=to_geojson_dict(b.footprint),
                lon=round(centroid.x, 7),
                lat=round(centroid.y, 7),
            )
        )
    building_fields = [
        "name",
        "category",
        "height_m",
        "height_class",
        "floors_above",
        "floors_below",
        "zone",
        "urban_village",
        "property_company",
        "address",
        "footprint",
        "lon",
        "lat",
    ]
    run(
        "buildings",
        model=Building,
        key=_by_code,
        rows=buildings,
        fields=building_fields,
    )

    landmarks = [
        Landmark(
            station=station,
            code=m.code,
            name=m.name,
            name_en=m.name_en,
            kind=m.kind,
            space=spaces[m.level],
            lon=round(m.point.x, 7),
            lat=round(m.point.y, 7),
        )
        for m in parsed.landmarks
    ]
    run(
        "landmarks",
        model=Landmark,
        key=_by_code,
        rows=landmarks,
        fields=["name", "name_en", "kind", "space", "lon", "lat"],
    )

    areas = [
        SpaceArea(
            station=station,
            code=a.code,
            name=a.name,
            space=spaces[a.level],
            geometry=to_geojson_dict(a.polygon),
            area_m2=round(to_utm(a.polygon).area, 1),
        )
        for a in parsed.areas
    ]
    run(
        "areas",
        model=SpaceArea,
        key=_by_code,
        rows=areas,
        fields=["name", "space", "geometry", "area_m2"],
    )

    nodes = [
        NetworkNode(
            station=station,
            code=n.code,
            space=spaces[n.level],
            kind=n.kind,
            label=n.label,
            lon=n.lon,
            lat=n.lat,
        )
        for n in parsed.nodes
    ]
    run(
        "nodes",
        model=NetworkNode,
        key=_by_code,
        rows=nodes,
        fields=["space", "kind", "label", "lon", "lat"],
    )

    node_by_code = {n.code: n for n in NetworkNode.objects.filter(station=station)}
    edges = [
        NetworkEdge(
            station=station,
            space=spaces[e.level],
            source=node_by_code[e.a],
            target=node_by_code[e.b],
            length_m=e.length_m,
            walk=e.walk,
            drive=e.drive,
            oneway=e.oneway,
            name=e.name,
        )
        for e in parsed.edges
    ]
    run(
        "edges",
        model=NetworkEdge,
        key=_by_ends,
        rows=edges,
        fields=["space", "length_m", "walk", "drive", "oneway", "name"],
    )

    connectors = [
        Connector(
            station=station,
            source=node_by_code[c.a],
            target=node_by_code[c.b],
            kind=c.kind,
            seconds=c.seconds,
            label=c.label,
        )
        for c in parsed.connectors
    ]
    run(
        "connectors",
        model=Connector,
        key=_by_ends,
        rows=connectors,
        fields=["kind", "seconds", "label"],
    )
    report("done", steps, steps)
    return ImportResult(created, updated)


BUILDING_EDITABLE = [
    "name",
    "category",
    "height_m",
    "floors_above",
    "floors_below",
    "zone",
    "property_company",
    "address",
]


@transaction.atomic
def update_building(
    *, actor: User, building: Building, changes: dict[str, Any], reason: str = ""
) -> Building:
    """Edit a building's attributes; derived figures (height class) follow."""
    require(actor, "change", building)
    building = Building.objects.select_for_update().get(pk=building.pk)
    unknown = sorted(set(changes) - set(BUILDING_EDITABLE))
    if unknown:
        raise ValidationError(_("不可修改的字段：%(fields)s") % {"fields": ", ".join(unknown)})
    before = snapshot(building)
    for name, value in changes.items():
        setattr(building, name, value)
    if building.zone is not None and building.zone.station_id != building.station_id:
        raise ValidationError(_("片区不属于本所辖区"))
    if building.property_company is not None and building.property_company.station_id != building.station_id:
        raise ValidationError(_("物业公司不属于本所辖区"))
    building.height_class = height_class_for(building.height_m)
    building.full_clean()
    building.save()
    record_change(actor=actor, obj=building, action="update", before=before, message=reason)
    return building


@transaction.atomic
def update_property_company(
    *,
    actor: User,
    company: PropertyCompany,
    credit_code: str,
    contact_name: str | None = None,
    contact_phone: str | None = None,
) -> PropertyCompany:
    """Edit a property company's registration and contact; ``None`` leaves a field as it is."""
    require(actor, "change", company)
    errors: dict[str, str] = {}
    try:
        credit_code = validate_credit_code(credit_code) if credit_code.strip() else ""
    except IdentifierError as exc:
        errors["credit_code"] = identifier_message(exc)
    try:
        if contact_phone:
            contact_phone = validate_mobile(contact_phone)
    except IdentifierError as exc:
        errors["contact_phone"] = identifier_message(exc)
    if errors:
        raise ValidationError(errors)
    company = PropertyCompany.objects.select_for_update().get(pk=company.pk)
    before = snapshot(company)
    company.credit_code = credit_code
    if contact_name is not None:
        company.contact_name = contact_name.strip()
    if contact_phone is not None:
        company.contact_phone = contact_phone
    company.full_clean()
    company.save()
    record_change(actor=actor, obj=company, action="update", before=before)
    return company
