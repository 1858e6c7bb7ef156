"""Alliances, member organisations, guards, absences and teams: created and changed here only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhengyi.alliances.models import Alliance, Guard, GuardAbsence, MemberOrganisation, Team
from zhengyi.core.identifiers import IdentifierError, validate_guard_certificate, validate_mobile
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.core.validators import identifier_message
from zhengyi.precinct.models import Zone

GUARD_FIELDS = (
    "certificate_number",
    "name",
    "phone",
    "certificate_valid_until",
    "training_valid_until",
    "active",
    "user",  # the guard's own account (我的排班)
)


def _zones_of(station: Station, zones: Iterable[Zone]) -> list[Zone]:
    zones = list(zones)
    foreign = [z for z in zones if z.station_id != station.pk]
    if foreign:
        raise ValidationError(
            {"zones": _("片区不属于本所：%(z)s") % {"z": "、".join(z.name for z in foreign)}}
        )
    return zones


@transaction.atomic
def create_alliance(
    *,
    actor: User,
    station: Station,
    name: str,
    kind: str,
    start_date: date,
    zones: Iterable[Zone] = (),
    note: str = "",
) -> Alliance:
    require_for_station(actor, "add", Alliance, station)
    zone_list = _zones_of(station, zones)
    alliance = Alliance(station=station, name=name.strip(), kind=kind, start_date=start_date, note=note)
    alliance.full_clean()
    alliance.save()
    alliance.zones.set(zone_list)
    record_change(
        actor=actor,
        obj=alliance,
        action="create",
        related=station,
        message="片区：" + "、".join(z.code for z in zone_list),
    )
    return alliance


@transaction.atomic
def add_member(
    *,
    actor: User,
    alliance: Alliance,
    name: str,
    kind: str,
    property_company: Any = None,
    building: Any = None,
    contact_name: str = "",
    contact_phone: str = "",
) -> MemberOrganisation:
    require_for_station(actor, "add", MemberOrganisation, alliance.station)
    if contact_phone:
        contact_phone = _mobile(contact_phone, "contact_phone")
    member = MemberOrganisation(
        alliance=alliance,
        name=name.strip(),
        kind=kind,
        property_company=property_company,
        building=building,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
    )
    member.full_clean()
    member.save()
    record_change(actor=actor, obj=member, action="create", related=alliance)
    return member


@transaction.atomic
def link_staff(*, actor: User, organisation: MemberOrganisation, user: User) -> None:
    """Make ``user`` one of the organisation's own accounts (its guards become theirs to see)."""
    require(actor, "change", organisation)
    if user.station_id != organisation.alliance.station_id:
        raise ValidationError(_("账户不属于该联盟所在的派出所。"))
    before = snapshot(organisation)
    organisation.staff.add(user)
    record_change(
        actor=actor, obj=organisation, action="update", before=before, message=f"本单位账户 +{user.username}"
    )


def _mobile(value: str, field: str) -> str:
    try:
        return validate_mobile(value)
    except IdentifierError as exc:
        raise ValidationError({field: identifier_message(exc)}) from exc


def _clean_guard_values(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    errors: dict[str, str] = {}
    if "certificate_number" in out:
        try:
            out["certificate_number"] = validate_guard_certificate(out["certificate_number"] or "")
        except IdentifierError as exc:
            errors["certificate_number"] = identifier_message(exc)
    if out.get("phone"):
        try:
            out["phone"] = validate_mobile(out["phone"])
        except IdentifierError as exc:
            errors["phone"] = identifier_message(exc)
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors["name"] = _("请填写姓名。")
    if errors:
        raise ValidationError(errors)
    return out


def _check_certificate_unique(number: str, exclude: int | None) -> None:
    clash = Guard.objects.filter(certificate_number=number).exclude(pk=exclude).exists()
    if clash:
        raise ValidationError({"certificate_number": _("该保安员证编号已登记在另一名保安名下。")})


def _guard_zones(employer: MemberOrganisation, zones: Iterable[Zone]) -> list[Zone]:
    zones = list(zones)
    allowed = set(employer.alliance.zones.values_list("pk", flat=True))
    outside = [z for z in zones if z.pk not in allowed]
    if outside:
        raise ValidationError(
            {"zones": _("不在联盟片区内：%(z)s") % {"z": "、".join(z.name for z in outside)}}
        )
    return zones


@transaction.atomic
def create_guard(
    *,
    actor: User,
    employer: MemberOrganisation,
    certificate_number: str,
    name: str,
    phone: str = "",
    zones: Iterable[Zone] = (),
    certificate_valid_until: date | None = None,
    training_valid_until: date | None = None,
    active: bool = True,
    user: User | None = None,
) -> Guard:
    require_for_station(actor, "add", Guard, employer.alliance.station)
    values = _clean_guard_values({"certificate_number": certificate_number, "name": name, "phone": phone})
    _check_certificate_unique(values["certificate_number"], None)
    zone_list = _guard_zones(employer, zones)
    guard = Guard(
        employer=employer,
        certificate_valid_until=certificate_valid_until,
        training_valid_until=training_valid_until,
        active=active,
        user=user,
        **values,
    )
    guard.full_clean()
    guard.save()
    guard.zones.set(zone_list)
    record_change(actor=actor, obj=guard, action="create", related=employer)
    return guard


@transaction.atomic
def update_guard(
    *, actor: User, guard: Guard, changes: dict[str, Any], zones: Iterable[Zone] | None = None
) -> Guard:
    require(actor, "change", guard)
    unknown = set(changes) - set(GUARD_FIELDS) - {"employer"}
    if unknown:
        raise ValueError(f"not guard fields: {sorted(unknown)}")
    values = _clean_guard_values(changes)
    guard = Guard.objects.select_for_update().get(pk=guard.pk)
    before = snapshot(guard)
    if "certificate_number" in values:
        _check_certificate_unique(values["certificate_number"], guard.pk)
    employer = values.pop("employer", guard.employer)
    if employer.alliance.station_id != guard.employer.alliance.station_id:
        raise ValidationError({"employer": _("所属单位不在同一派出所。")})
    guard.employer = employer
    for field, value in values.items():
        setattr(guard, field, value)
    guard.full_clean()
    zone_list = _guard_zones(employer, zones) if zones is not None else None
    old_zones = sorted(guard.zones.values_list("code", flat=True))
    guard.save()
    message = ""
    if zone_list is not None:
        guard.zones.set(zone_list)
        new_zones = sorted(z.code for z in zone_list)
        if new_zones != old_zones:
            message = f"资格片区：{','.join(old_zones)} → {','.join(new_zones)}"
    if before != snapshot(guard) or message:
        record_change(actor=actor, obj=guard, action="update", before=before, message=message)
    return guard


@transaction.atomic
def add_absence(*, actor: User, guard: Guard, first: date, last: date, reason: str) -> GuardAbsence:
    require(actor, "change", guard)
    if last < first:
        raise ValidationError({"last": _("结束日期不能早于开始日期。")})
    absence = GuardAbsence(guard=guard, first=first, last=last, reason=reason)
    absence.full_clean()
    absence.save()
    record_change(actor=actor, obj=absence, action="create", related=guard)
    return absence


@transaction.atomic
def create_team(
    *, actor: User, alliance: Alliance, name: str, lead: Guard | None = None, members: Iterable[Guard] = ()
) -> Team:
    require_for_station(actor, "add", Team, alliance.station)
    member_list = list(members)
    if lead is not None and lead not in member_list:
        member_list.append(lead)
    strangers = [g for g in member_list if g.employer.alliance_id != alliance.pk]
    if strangers:
        raise ValidationError(
            _("队员须是本联盟成员单位的保安：%(g)s") % {"g": "、".join(map(str, strangers))}
        )
    team = Team(alliance=alliance, name=name.strip(), lead=lead)
    team.full_clean()
    team.save()
    team.members.set(member_list)
    record_change(
        actor=actor, obj=team, action="create", related=alliance, message=f"队员 {len(member_list)} 名"
    )
    return team
