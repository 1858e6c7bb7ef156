"""Pages of the alliances and their guards: the community officer's, and a member's own staff's."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhengyi.alliances.forms import GuardForm
from zhengyi.alliances.models import Alliance, Guard, MemberOrganisation, Roster, Team
from zhengyi.alliances.services.people import create_guard, update_guard
from zhengyi.core.forms import RevealForm, add_service_errors
from zhengyi.core.models import User
from zhengyi.core.permissions import can, can_for_station, require
from zhengyi.core.pii import masked_values
from zhengyi.core.selectors import request_user
from zhengyi.core.services.pii import reveal_personal_data
from zhengyi.precinct.models import Zone


def alliance_or_404(user: User, pk: int) -> Alliance:
    alliance = Alliance.objects.restrict(user, "view").select_related("station").filter(pk=pk).first()
    if alliance is None:
        raise Http404(_("联盟不存在或无权查看"))
    return alliance


@login_required
def alliance_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Alliance)
    alliances = Alliance.objects.restrict(user, "view").prefetch_related("zones").order_by("name")
    rows = [
        (a, Guard.objects.restrict(user, "view").filter(employer__alliance=a, active=True).count())
        for a in alliances
    ]
    return render(request, "alliances/alliance_list.html", {"rows": rows})


def _zones_geojson(zones: list[Zone]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": z.geometry, "properties": {"name": z.name}} for z in zones
            ],
        },
        ensure_ascii=False,
    )


@login_required
def alliance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alliance = alliance_or_404(user, pk)
    zones = list(alliance.zones.order_by("code"))
    guards = Guard.objects.restrict(user, "view").filter(employer__alliance=alliance)
    members = [
        (m, masked_values(m), guards.filter(employer=m).count())
        for m in MemberOrganisation.objects.restrict(user, "view").filter(alliance=alliance)
    ]
    teams = Team.objects.restrict(user, "view").filter(alliance=alliance).select_related("lead")
    rosters = Roster.objects.restrict(user, "view").filter(alliance=alliance)[:12]
    return render(
        request,
        "alliances/alliance_detail.html",
        {
            "alliance": alliance,
            "zones": zones,
            "geometry": _zones_geojson(zones),
            "members": members,
            "teams": [(t, t.members.count()) for t in teams],
            "rosters": rosters,
            "guard_count": guards.count(),
            "can_generate": can_for_station(user, "add", Roster, alliance.station),
        },
    )


@login_required
def guard_list(request: HttpRequest) -> HttpResponse:
    """All guards the user may see: a member's staff get their own organisation's only."""
    user = request_user(request)
    require(user, "view", Guard)
    qs = (
        Guard.objects.restrict(user, "view")
        .select_related("employer__alliance")
        .prefetch_related("zones")
        .order_by("employer__alliance__name", "employer__name", "pk")
    )
    employer = request.GET.get("employer", "")
    if employer.isdigit():
        qs = qs.filter(employer_id=int(employer))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(g, masked_values(g)) for g in page]
    own_only = not Guard.objects.restrict(user, "view").exclude(employer__staff=user).exists()
    organisations = MemberOrganisation.objects.restrict(user, "view").filter(staff=user)
    return render(
        request,
        "alliances/guard_list.html",
        {
            "page": page,
            "rows": rows,
            "employer": employer,
            "query": f"employer={employer}" if employer.isdigit() else "",
            "employers": MemberOrganisation.objects.restrict(user, "view").select_related("alliance"),
            "own_only": own_only and organisations.exists(),
            "organisations": organisations,
            "can_add": can(user, "add", Guard),
        },
    )


def _guard(user: User, pk: int, action: str = "view") -> Guard:
    guard = (
        Guard.objects.restrict(user, action)
        .select_related("employer__alliance__station")
        .filter(pk=pk)
        .first()
    )
    if guard is None:
        raise Http404(_("保安员不存在或无权查看"))
    return guard


@login_required
def guard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    guard = _guard(user, pk)
    revealed: dict[str, Any] | None = None
    form = RevealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revealed = reveal_personal_data(user=user, obj=guard, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "alliances/guard_detail.html",
        {
            "guard": guard,
            "masked": masked_values(guard),
            "revealed": revealed,
            "reveal_form": form,
            "can_reveal": can(user, "view_pii", guard),
            "can_edit": can(user, "change", guard),
            "zones": guard.zones.order_by("code"),
            "teams": guard.teams.all(),
        },
    )


@login_required
def guard_add(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "add", Guard)
    employers = MemberOrganisation.objects.restrict(user, "view").select_related("alliance")
    zones = Zone.objects.restrict(user, "view").filter(alliances__in=Alliance.objects.restrict(user, "view"))
    form = GuardForm(request.POST or None, employers=employers, zones=zones.distinct().order_by("code"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            guard = create_guard(actor=user, employer=d["employer"], zones=d["zones"], **form.values())
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc))
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记保安员 %(code)s，变更已记录。") % {"code": guard.code})
            return redirect("alliances:guard_detail", pk=guard.pk)
    return render(
        request,
        "alliances/guard_form.html",
        {"form": form, "guard": None},
        status=400 if form.errors else 200,
    )


@login_required
def guard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    guard = _guard(user, pk, "change")
    employers = MemberOrganisation.objects.restrict(user, "view").filter(
        alliance__station=guard.employer.alliance.station
    )
    zones = guard.employer.alliance.zones.order_by("code")
    initial = {
        "employer": guard.employer,
        "certificate_number": guard.certificate_number,
        "zones": list(guard.zones.all()),
        "certificate_valid_until": guard.certificate_valid_until,
        "training_valid_until": guard.training_valid_until,
        "active": guard.active,
    }
    form = GuardForm(request.POST or None, initial=initial, employers=employers, zones=zones, editing=True)
    if request.method == "POST" and form.is_valid():
        changes = form.values()
        changes["employer"] = form.cleaned_data["employer"]
        try:
            update_guard(actor=user, guard=guard, changes=changes, zones=form.cleaned_data["zones"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存，变更已记录。"))
            return redirect("alliances:guard_detail", pk=guard.pk)
    return render(
        request,
        "alliances/guard_form.html",
        {"form": form, "guard": guard, "masked": masked_values(guard)},
        status=400 if form.errors else 200,
    )
