"""Changes to alliances, member organisations, teams and shift templates (the create/edit pages).

Creation lives in people.py and rosters.py; these are the edits that were missing. Each one
checks what the creator checks, writes one change record with before and after, and writes
nothing when nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhengyi.alliances.models import Alliance, CoverageNeed, Guard, MemberOrganisation, ShiftTemplate, Team
from zhengyi.alliances.services.people import _mobile, _zones_of
from zhengyi.core.models import User
from zhengyi.core.permissions import require
from zhengyi.core.services.audit import record_change, snapshot
from zhengyi.precinct.models import Zone


def _codes(zones: Iterable[Zone]) -> list[str]:
    return sorted(z.code for z in zones)


@transaction.atomic
def update_alliance(
    *,
    actor: User,
    alliance: Alliance,
    name: str,
    kind: str,
    start_date: date,
    zones: Iterable[Zone],
    note: str = "",
) -> Alliance:
    require(actor, "change", alliance)
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    zone_list = _zones_of(alliance.station, zones)
    old_codes, new_codes = _codes(alliance.zones.all()), _codes(zone_list)
    dropped = set(old_codes) - set(new_codes)
    if dropped:
        # A zone still worked by shifts or guards would leave the roster pointing outside it.
        in_use = ShiftTemplate.objects.filter(alliance=alliance, zone__code__in=dropped)
        if in_use.exists():
            raise ValidationError(
                {
                    "zones": _("片区 %(z)s 仍有班次，请先删除或改设班次。")
                    % {"z": "、".join(sorted({s.zone.name for s in in_use}))}
                }
            )
    before = snapshot(alliance)
    alliance.name, alliance.kind, alliance.start_date, alliance.note = name.strip(), kind, start_date, note
    alliance.full_clean()
    alliance.save()
    if old_codes != new_codes:
        alliance.zones.set(zone_list)
    if before != snapshot(alliance) or old_codes != new_codes:
        message = f"片区：{','.join(old_codes)} → {','.join(new_codes)}" if old_codes != new_codes else ""
        record_change(actor=actor, obj=alliance, action="update", before=before, message=message)
    return alliance


@transaction.atomic
def update_member(
    *,
    actor: User,
    member: MemberOrganisation,
    name: str,
    kind: str,
    building: Any = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
) -> MemberOrganisation:
    """``contact_name``/``contact_phone`` None keep the stored values (forms never pre-fill them)."""
    require(actor, "change", member)
    member = MemberOrganisation.objects.select_for_update().get(pk=member.pk)
    before = snapshot(member)
    member.name, member.kind, member.building = name.strip(), kind, building
    if building is not None and building.station_id != member.alliance.station_id:
        raise ValidationError({"building": _("楼宇不属于本所。")})
    if contact_name is not None:
        member.contact_name = contact_name.strip()
    if contact_phone is not None:
        member.contact_phone = _mobile(contact_phone, "contact_phone") if contact_phone.strip() else ""
    member.full_clean()
    member.save()
    if before != snapshot(member):
        record_change(actor=actor, obj=member, action="update", before=before, related=member.alliance)
    return member


@transaction.atomic
def update_team(*, actor: User, team: Team, name: str, lead: Guard | None, members: Iterable[Guard]) -> Team:
    require(actor, "change", team)
    team = Team.objects.select_for_update().get(pk=team.pk)
    member_list = list(members)
    if lead is not None and lead not in member_list:
        member_list.append(lead)
    strangers = [g for g in member_list if g.employer.alliance_id != team.alliance_id]
    if strangers:
        raise ValidationError(
            {"members": _("队员须是本联盟成员单位的保安：%(g)s") % {"g": "、".join(map(str, strangers))}}
        )
    before = snapshot(team)
    old_ids = sorted(team.members.values_list("pk", flat=True))
    team.name, team.lead = name.strip(), lead
    team.full_clean()
    team.save()
    new_ids = sorted(g.pk for g in member_list)
    if new_ids != old_ids:
        team.members.set(member_list)
    if before != snapshot(team) or new_ids != old_ids:
        joined, left = len(set(new_ids) - set(old_ids)), len(set(old_ids) - set(new_ids))
        record_change(
            actor=actor,
            obj=team,
            action="update",
            before=before,
            related=team.alliance,
            message=f"队员 +{joined} −{left}，共 {len(new_ids)} 名",
        )
    return team


@transaction.atomic
def update_shift(
    *,
    actor: User,
    shift: ShiftTemplate,
    zone: Zone,
    code: str,
    name: str,
    start: time,
    end: time,
    is_night: bool,
) -> ShiftTemplate:
    require(actor, "change", shift)
    shift = ShiftTemplate.objects.select_for_update().select_related("alliance").get(pk=shift.pk)
    if not shift.alliance.zones.filter(pk=zone.pk).exists():
        raise ValidationError({"zone": _("片区不在该联盟范围内。")})
    if start == end:
        raise ValidationError({"end": _("开始与结束时间相同：请填写结束时间（早于开始表示次日结束）。")})
    before = snapshot(shift)
    shift.zone, shift.code, shift.name = zone, code.strip(), name.strip()
    shift.start, shift.end, shift.is_night = start, end, is_night
    shift.full_clean()
    shift.save()
    if before != snapshot(shift):
        record_change(actor=actor, obj=shift, action="update", before=before, related=shift.alliance)
    return shift


@transaction.atomic
def remove_need(*, actor: User, need: CoverageNeed) -> None:
    require(actor, "delete", need)
    before = snapshot(need)
    record_change(actor=actor, obj=need, action="delete", before=before, related=need.shift)
    need.delete()
