"""出警单位: the units page for phones — status, position, crew, and the current assignment's next step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengyi.alerts import selectors
from zhengyi.alerts.forms import PositionForm, UnitCrewForm, UnitStatusForm
from zhengyi.alerts.models import Assignment, Unit, UnitCrew
from zhengyi.alerts.services.units import set_unit_crew, update_position
from zhengyi.alerts.services.units import set_unit_status as set_status_service
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import OWN, action_scope, can, can_for_station, require
from zhengyi.core.selectors import request_user
from zhengyi.precinct.choices import LEVEL_ORDER
from zhengyi.precinct.models import Building


def _errors(exc: ValidationError) -> str:
    return _("；").join(str(m) for m in exc.messages)


def _may_set_crew(user: User, station: Station) -> bool:
    return all(can_for_station(user, action, UnitCrew, station) for action in ("add", "delete"))


def _crew_options(candidates: list[User], crew: list[User]) -> list[dict[str, object]]:
    """Checkboxes for one unit: the candidates, plus any current member no longer among them
    (a transfer, a changed role) — shown ticked, so the form never drops anyone unseen."""
    on = {u.pk for u in crew}
    people = candidates + [u for u in crew if u.pk not in {c.pk for c in candidates}]
    return [
        {"pk": u.pk, "name": u.display_name or u.username, "badge": u.badge_number, "checked": u.pk in on}
        for u in people
    ]


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Unit)
    station = selectors.user_station(user)
    now = timezone.now()
    cards = selectors.unit_cards(user, station, now)
    station_code = station.code if station else ""
    unit_ids = [c.unit.pk for c in cards]
    assignment_ids = [c.assignment.pk for c in cards if c.assignment]
    may_set_crew = station is not None and _may_set_crew(user, station)
    candidates = selectors.crew_candidates(user, station) if station is not None and may_set_crew else []
    return render(
        request,
        "alerts/units.html",
        {
            "cards": cards,
            "rows": [(c, _crew_options(candidates, c.crew) if may_set_crew else []) for c in cards],
            "now": now,
            "station": station,
            # Row by row: an officer changes only the units they crew and their assignments.
            "can_change": set(
                Unit.objects.restrict(user, "change").filter(pk__in=unit_ids).values_list("pk", flat=True)
            ),
            "can_advance": set(
                Assignment.objects.restrict(user, "change")
                .filter(pk__in=assignment_ids)
                .values_list("pk", flat=True)
            ),
            "own_only": action_scope(user, Unit, "change") == OWN,
            "crews_none": not any(c.mine for c in cards),
            "can_crew": may_set_crew,
            "statuses": UnitStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
            "levels": [{"code": lv.value, "label": lv.label} for lv in LEVEL_ORDER],
            "map_src": reverse("precinct:map_data", args=["street"])
            + (f"?station={station_code}" if station_code else ""),
            "can_map": can(user, "view", Building),
        },
    )


def _unit(request: HttpRequest, pk: int) -> Unit:
    user = request_user(request)
    unit = selectors.unit_for(user, pk)
    if unit is None:
        raise Http404(_("出警单位不存在或无权查看"))
    # Refused with the reason (e.g. "only the units you crew"), before anything is read from the form.
    require(user, "change", unit)
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
        messages.error(request, _("%(unit)s：%(errors)s") % {"unit": unit.name, "errors": _errors(exc)})
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
        messages.error(request, _("%(unit)s：%(errors)s") % {"unit": unit.name, "errors": _errors(exc)})
    else:
        messages.success(request, _("%(unit)s 位置已更新。") % {"unit": unit.name})
    return _back(unit)


@login_required
@require_POST
def unit_crew(request: HttpRequest, pk: int) -> HttpResponse:
    """组员: the dispatcher ticks who works the unit this shift."""
    user = request_user(request)
    unit = _unit(request, pk)
    # The candidates selector refuses (403, with the reason) those who may not set crews.
    candidates = selectors.crew_candidates(user, unit.station)
    current = [link.user for link in UnitCrew.objects.filter(unit=unit).select_related("user")]
    candidates += [u for u in current if u.pk not in {c.pk for c in candidates}]
    form = UnitCrewForm(request.POST, candidates=candidates)
    if not form.is_valid():
        messages.error(
            request,
            _("%(unit)s：%(errors)s")
            % {"unit": unit.name, "errors": _("；").join(str(e) for e in form.errors.get("members", []))},
        )
        return _back(unit)
    chosen = set(form.cleaned_data["members"])
    try:
        set_unit_crew(actor=user, unit=unit, members=[u for u in candidates if u.pk in chosen])
    except ValidationError as exc:
        messages.error(request, _("%(unit)s：%(errors)s") % {"unit": unit.name, "errors": _errors(exc)})
    else:
        names = [u.display_name or u.username for u in candidates if u.pk in chosen]
        if names:
            messages.success(
                request,
                _("%(unit)s 组员：%(names)s。") % {"unit": unit.name, "names": _("、").join(names)},
            )
        else:
            messages.success(request, _("%(unit)s 已无组员。") % {"unit": unit.name})
    return _back(unit)
