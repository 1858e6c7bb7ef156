"""Create and edit pages (community officer): alliances, member organisations, teams, shift
templates, coverage needs and guard absences. Every write goes through a service; a refusal
comes back as a form error and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengyi.alliances.forms_operations import (
    AbsenceForm,
    AllianceForm,
    MemberForm,
    NeedForm,
    ShiftForm,
    TeamForm,
)
from zhengyi.alliances.models import Alliance, CoverageNeed, Guard, MemberOrganisation, ShiftTemplate, Team
from zhengyi.alliances.services import manage, people, rosters
from zhengyi.core.forms import add_service_errors
from zhengyi.core.models import User
from zhengyi.core.permissions import require, require_for_station
from zhengyi.core.pii import masked_values
from zhengyi.core.selectors import request_user
from zhengyi.precinct.models import Building, Zone


def _get(model: type[Model], user: User, pk: int, action: str) -> Any:
    obj = model._default_manager.restrict(user, action).filter(pk=pk).first()  # type: ignore[attr-defined]
    if obj is None:
        raise Http404(_("记录不存在或无权操作"))
    return obj


def _page(
    request: HttpRequest,
    form: Form,
    save: Callable[[dict[str, Any]], Any],
    *,
    title: str,
    back: str,
    done: Callable[[Any], str],
    note: str = "",
) -> HttpResponse:
    """Validate, call the service, and either go on with a message or show the errors (400)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存，变更已记录。"))
            return redirect(done(result))
    return render(
        request,
        "alliances/manage_form.html",
        {"form": form, "title": title, "back": back, "note": note},
        status=400 if form.errors else 200,
    )


def _alliance_zones(user: User) -> Any:
    return Zone.objects.restrict(user, "view").filter(station=user.station).order_by("code")


@login_required
def alliance_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    station = user.station
    if station is None:
        raise PermissionDenied(_("只有派出所账户可以新建联盟。"))
    require_for_station(user, "add", Alliance, station)
    form = AllianceForm(request.POST or None, zones=_alliance_zones(user))

    def save(d: dict[str, Any]) -> Alliance:
        return people.create_alliance(
            actor=user,
            station=station,
            name=d["name"],
            kind=d["kind"],
            start_date=d["start_date"],
            zones=d["zones"],
            note=d["note"],
        )

    return _page(
        request,
        form,
        save,
        title=_("新建联盟"),
        back=reverse("alliances:list"),
        done=lambda a: reverse("alliances:ops", args=[a.pk]),
    )


@login_required
def alliance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alliance = _get(Alliance, user, pk, "change")
    initial = {
        "name": alliance.name,
        "kind": alliance.kind,
        "start_date": alliance.start_date,
        "zones": list(alliance.zones.all()),
        "note": alliance.note,
    }
    zones = Zone.objects.filter(station=alliance.station).order_by("code")
    form = AllianceForm(request.POST or None, initial=initial, zones=zones)

    def save(d: dict[str, Any]) -> Alliance:
        return manage.update_alliance(
            actor=user,
            alliance=alliance,
            name=d["name"],
            kind=d["kind"],
            start_date=d["start_date"],
            zones=d["zones"],
            note=d["note"],
        )

    back = reverse("alliances:ops", args=[alliance.pk])
    return _page(
        request, form, save, title=_("编辑联盟 %(n)s") % {"n": alliance.name}, back=back, done=lambda a: back
    )


def _buildings(alliance: Alliance) -> Any:
    return Building.objects.filter(station=alliance.station, zone__in=alliance.zones.all()).order_by("name")


@login_required
def member_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alliance = _get(Alliance, user, pk, "view")
    require_for_station(user, "add", MemberOrganisation, alliance.station)
    form = MemberForm(request.POST or None, buildings=_buildings(alliance))

    def save(d: dict[str, Any]) -> MemberOrganisation:
        building = d["building"]
        return people.add_member(
            actor=user,
            alliance=alliance,
            name=d["name"],
            kind=d["kind"],
            building=building,
            property_company=building.property_company if building else None,
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
        )

    back = reverse("alliances:ops", args=[alliance.pk])
    return _page(request, form, save, title=_("新增成员单位"), back=back, done=lambda m: back)


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    member = _get(MemberOrganisation, user, pk, "change")
    initial = {"name": member.name, "kind": member.kind, "building": member.building}
    form = MemberForm(
        request.POST or None, initial=initial, buildings=_buildings(member.alliance), editing=True
    )

    def save(d: dict[str, Any]) -> MemberOrganisation:
        return manage.update_member(
            actor=user,
            member=member,
            name=d["name"],
            kind=d["kind"],
            building=d["building"],
            contact_name=d["contact_name"] or None,
            contact_phone=d["contact_phone"] or None,
        )

    masked = masked_values(member)
    note = _("当前联系人：%(n)s，%(p)s。留空即不修改。") % {
        "n": masked.get("contact_name") or "—",
        "p": masked.get("contact_phone") or "—",
    }
    back = reverse("alliances:ops", args=[member.alliance_id])
    return _page(
        request,
        form,
        save,
        title=_("编辑成员单位 %(n)s") % {"n": member.name},
        back=back,
        done=lambda m: back,
        note=note,
    )


def _alliance_guards(alliance: Alliance) -> Any:
    return (
        Guard.objects.filter(employer__alliance=alliance, active=True)
        .select_related("employer")
        .order_by("pk")
    )


@login_required
def team_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alliance = _get(Alliance, user, pk, "view")
    require_for_station(user, "add", Team, alliance.station)
    form = TeamForm(request.POST or None, guards=_alliance_guards(alliance))

    def save(d: dict[str, Any]) -> Team:
        return people.create_team(
            actor=user, alliance=alliance, name=d["name"], lead=d["lead"], members=d["members"]
        )

    back = reverse("alliances:ops", args=[alliance.pk])
    return _page(request, form, save, title=_("新建队伍"), back=back, done=lambda t: back)


@login_required
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    team = _get(Team, user, pk, "change")
    initial = {"name": team.name, "lead": team.lead, "members": list(team.members.all())}
    form = TeamForm(request.POST or None, initial=initial, guards=_alliance_guards(team.alliance))

    def save(d: dict[str, Any]) -> Team:
        return manage.update_team(actor=user, team=team, name=d["name"], lead=d["lead"], members=d["members"])

    back = reverse("alliances:ops", args=[team.alliance_id])
    return _page(
        request, form, save, title=_("编辑队伍 %(n)s") % {"n": team.name}, back=back, done=lambda t: back
    )


@login_required
def shift_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alliance = _get(Alliance, user, pk, "view")
    require_for_station(user, "add", ShiftTemplate, alliance.station)
    form = ShiftForm(request.POST or None, zones=alliance.zones.order_by("code"))

    def save(d: dict[str, Any]) -> ShiftTemplate:
        return rosters.create_shift(
            actor=user,
            alliance=alliance,
            zone=d["zone"],
            code=d["code"],
            name=d["name"],
            start=d["start"],
            end=d["end"],
            is_night=d["is_night"],
        )

    back = reverse("alliances:ops", args=[alliance.pk])
    return _page(request, form, save, title=_("新增班次"), back=back, done=lambda s: back)


@login_required
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    shift = _get(ShiftTemplate, user, pk, "change")
    initial = {f: getattr(shift, f) for f in ("zone", "code", "name", "start", "end", "is_night")}
    form = ShiftForm(request.POST or None, initial=initial, zones=shift.alliance.zones.order_by("code"))

    def save(d: dict[str, Any]) -> ShiftTemplate:
        return manage.update_shift(actor=user, shift=shift, **d)

    back = reverse("alliances:ops", args=[shift.alliance_id])
    return _page(
        request, form, save, title=_("编辑班次 %(n)s") % {"n": shift}, back=back, done=lambda s: back
    )


@login_required
def need_set(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    shift = _get(ShiftTemplate, user, pk, "view")
    require_for_station(user, "add", CoverageNeed, shift.alliance.station)
    form = NeedForm(request.POST or None)

    def save(d: dict[str, Any]) -> CoverageNeed:
        return rosters.set_need(actor=user, shift=shift, min_guards=d["min_guards"], weekday=d["weekday"])

    back = reverse("alliances:ops", args=[shift.alliance_id])
    note = _("同一班次、同一星期的需求只有一条：再次设置即覆盖。")
    return _page(
        request,
        form,
        save,
        title=_("设置值守需求：%(s)s") % {"s": shift},
        back=back,
        done=lambda n: back,
        note=note,
    )


@login_required
@require_POST
def need_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    need = _get(CoverageNeed, user, pk, "delete")
    alliance_id = need.shift.alliance_id
    manage.remove_need(actor=user, need=need)
    messages.success(request, _("已删除值守需求，变更已记录。"))
    return redirect("alliances:ops", pk=alliance_id)


@login_required
def absence_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    guard = _get(Guard, user, pk, "change")
    require(user, "change", guard)
    form = AbsenceForm(request.POST or None)

    def save(d: dict[str, Any]) -> Any:
        return people.add_absence(
            actor=user, guard=guard, first=d["first"], last=d["last"], reason=d["reason"]
        )

    back = reverse("alliances:guard_detail", args=[guard.pk])
    note = _("生成轮值表时，不可上岗的日期不排班；已发布的轮值表不自动改动，请用换班处理。")
    return _page(
        request,
        form,
        save,
        title=_("登记不可上岗日期：%(g)s") % {"g": guard.code},
        back=back,
        done=lambda a: back,
        note=note,
    )
