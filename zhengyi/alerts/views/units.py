"""出警单位: the units page for phones — status, position, and the current assignment's next step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengyi.alerts import selectors
from zhengyi.alerts.forms import PositionForm, UnitStatusForm
from zhengyi.alerts.models import Assignment, Unit
from zhengyi.alerts.services.units import set_unit_status as set_status_service
from zhengyi.alerts.services.units import update_position
from zhengyi.core.permissions import can, require
from zhengyi.core.selectors import request_user
from zhengyi.precinct.choices import LEVEL_ORDER
from zhengyi.precinct.models import Building


def _errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Unit)
    station = selectors.user_station(user)
    now = timezone.now()
    cards = selectors.unit_cards(user, station, now)
    station_code = station.code if station else ""
    return render(
        request,
        "alerts/units.html",
        {
            "cards": cards,
            "now": now,
            "station": station,
            "can_change": {c.unit.pk for c in cards if can(user, "change", c.unit)},
            "can_advance": can(user, "change", Assignment),
            "statuses": UnitStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
            "levels": [{"code": lv.value, "label": lv.label} for lv in LEVEL_ORDER],
            "map_src": reverse("precinct:map_data", args=["street"])
            + (f"?station={station_code}" if station_code else ""),
            "can_map": can(user, "view", Building),
        },
    )


def _unit(request: HttpRequest, pk: int) -> Unit:
    unit = selectors.unit_for(request_user(request), pk)
    if unit is None:
        raise Http404(_("出警单位不存在或无权查看"))
    if not can(request_user(request), "change", unit):
        raise PermissionDenied(_("您的角色无权更改出警单位 / your role may not change units"))
    return unit


def _back(unit: Unit) -> HttpResponse:
    return redirect(reverse("alerts:units") + f"#unit-{unit.pk}")


@login_required
@require_POST
def unit_status(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = UnitStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择空闲、忙碌或下班。"))
        return _back(unit)
    try:
        unit = set_status_service(actor=request_user(request), unit=unit, status=form.cleaned_data["status"])
    except ValidationError as exc:
        messages.error(request, f"{unit.name}：{_errors(exc)}")
    else:
        messages.success(
            request,
            _("%(unit)s 状态已改为“%(status)s”。") % {"unit": unit.name, "status": unit.get_status_display()},
        )
    return _back(unit)


@login_required
@require_POST
def unit_position(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = PositionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("%(unit)s：未取得有效位置，请重试或在地图上点选。") % {"unit": unit.name})
        return _back(unit)
    try:
        unit = update_position(
            actor=request_user(request),
            unit=unit,
            lon=form.cleaned_data["lon"],
            lat=form.cleaned_data["lat"],
            level=form.cleaned_data["level"],
        )
    except ValidationError as exc:
        messages.error(request, f"{unit.name}：{_errors(exc)}")
    else:
        messages.success(request, _("%(unit)s 位置已更新。") % {"unit": unit.name})
    return _back(unit)
