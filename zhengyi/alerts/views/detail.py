"""警情: the list with live clocks, one alert's page, and the actions taken from it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengyi.alerts import selectors, taxonomy
from zhengyi.alerts.choices import Status, Step
from zhengyi.alerts.forms import CATEGORY_CHOICES, PRIORITY_LABELS, FeedbackForm, ReclassifyForm
from zhengyi.alerts.models import Alert, Assignment, Unit
from zhengyi.alerts.services.dispatch import (
    Recommendation,
    UnitUnavailable,
    advance_assignment,
    complete_step,
    dispatch_unit,
    give_feedback,
    reclassify,
    recommend_units,
)
from zhengyi.alerts.services.standards import BASE_STEPS
from zhengyi.core.forms import RevealForm, add_service_errors
from zhengyi.core.permissions import OWN, action_scope, can, can_for_station, require
from zhengyi.core.pii import masked_values
from zhengyi.core.selectors import request_user
from zhengyi.core.services.pii import reveal_personal_data
from zhengyi.precinct.models import Building

PAGE_SIZE = 50
LOWEST_PRIORITY = taxonomy.PRIORITY_MAX
# The standard's steps that have a clock: reaching the scene, and telling the caller.
ARRIVAL_STEP, FEEDBACK_STEP = BASE_STEPS[1], BASE_STEPS[3]


def _messages_of(exc: ValidationError) -> str:
    return _("；").join(str(m) for m in exc.messages)


# ---------- list ----------


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Alert)
    status = request.GET.get("status", "open")
    if status not in ("open", "closed", "all"):
        status = "open"
    category = request.GET.get("category", "")
    if category not in taxonomy.CATEGORIES:
        category = ""
    priority_raw = request.GET.get("priority", "")
    priority = (
        int(priority_raw) if priority_raw.isdigit() and int(priority_raw) in taxonomy.PRIORITIES else None
    )
    qs = selectors.alert_list(user, status=status, category=category, priority=priority)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(a, selectors.clock(a, now)) for a in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/list.html",
        {
            "page": page,
            "rows": rows,
            "now": now,
            "status": status,
            "category": category,
            "priority": priority,
            "categories": CATEGORY_CHOICES,
            "priorities": list(PRIORITY_LABELS.items()),
            "query": query.urlencode(),
            "filtered": bool(request.GET.get("category") or request.GET.get("priority")) or status != "open",
            "can_intake": can(user, "add", Alert),
        },
    )


# ---------- detail ----------


def _alert(request: HttpRequest, pk: int) -> Alert:
    alert = selectors.alert_for(request_user(request), pk)
    if alert is None:
        raise Http404(_("警情不存在或无权查看"))
    return alert


def _detail_context(request: HttpRequest, alert: Alert, **extra: Any) -> dict[str, Any]:
    user = request_user(request)
    now = timezone.now()
    is_open = alert.status in selectors.OPEN
    can_change = is_open and can(user, "change", alert)
    # Sending units is the dispatcher's; an officer works the alerts of their own unit.
    can_dispatch = can_change and can_for_station(user, "add", Assignment, alert.station)
    recommendations: list[Recommendation] = []
    if can_dispatch:
        recommendations = recommend_units(user=user, alert=alert)
    rec_rows = [
        {
            "unit": r.unit,
            "eta_s": r.eta_s,
            "eta_min": r.eta_s / 60 if r.reachable else None,
            "mode": r.mode,
            "reachable": r.reachable,
        }
        for r in recommendations
    ]
    assignments = selectors.assignments_for(user, alert)
    # Row by row: an officer advances only their own unit's assignment.
    can_advance = (
        set(
            Assignment.objects.restrict(user, "change")
            .filter(pk__in=[a.pk for a in assignments])
            .values_list("pk", flat=True)
        )
        if is_open
        else set()
    )
    clock = selectors.clock(alert, now)
    steps = [
        {
            "name": step,
            "done": step in alert.done_steps,
            "flagged": step not in alert.done_steps
            and (
                (step == ARRIVAL_STEP and clock.arrival.flagged)
                or (step == FEEDBACK_STEP and clock.feedback.flagged)
            ),
        }
        for step in alert.required_steps
    ]
    map_units = [
        {"lon": r.unit.lon, "lat": r.unit.lat, "name": r.unit.name, "kind": "recommended"}
        for r in recommendations
        if r.unit.lon is not None
    ] + [
        {"lon": a.unit.lon, "lat": a.unit.lat, "name": a.unit.name, "kind": "assigned"}
        for a in assignments
        if a.active and a.unit.lon is not None
    ]
    context: dict[str, Any] = {
        "alert": alert,
        "clock": clock,
        "now": now,
        "is_open": is_open,
        "intervals": selectors.response_intervals(alert),
        "timeline": selectors.timeline(user, alert),
        "assignments": assignments,
        "recommendations": rec_rows,
        "steps": steps,
        "done_count": sum(1 for s in steps if s["done"]),
        "masked": masked_values(alert),
        "can_reveal": can(user, "view_pii", alert),
        "can_change": can_change,
        "can_dispatch": can_dispatch,
        "can_advance": can_advance,
        # A role that changes only its own alerts, looking at someone else's: say so.
        "view_only": is_open and not can_change and action_scope(user, Alert, "change") == OWN,
        "can_view_buildings": can(user, "view", Building),
        "can_intake": can(user, "add", Alert),
        # Cleared alerts close with feedback; so may a 一般 (4) call that needs nobody on scene
        # (咨询, 误拨 …), which the service allows while nothing was dispatched.
        "can_feedback": can_change
        and (
            alert.status == Status.CLEARED
            or (alert.status == Status.RECEIVED and alert.priority == LOWEST_PRIORITY and not assignments)
        ),
        "reveal_form": RevealForm(),
        "reclassify_form": ReclassifyForm(
            initial={"category": alert.category, "priority": alert.priority}, prefix="rc"
        ),
        "feedback_form": FeedbackForm(prefix="fb"),
        "map_data": {
            "alert": {"lon": alert.lon, "lat": alert.lat, "label": alert.number},
            "units": map_units,
        },
        "steps_left": [s["name"] for s in steps if not s["done"] and s["name"] != FEEDBACK_STEP],
    }
    context.update(extra)
    return context


def _render(request: HttpRequest, alert: Alert, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "alerts/detail.html", _detail_context(request, alert, **extra), status=status)


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _alert(request, pk))


def _back(alert: Alert, anchor: str = "") -> HttpResponse:
    return redirect(reverse("alerts:detail", args=[alert.pk]) + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alert = _alert(request, pk)
    unit = Unit.objects.restrict(user, "view").filter(pk=request.POST.get("unit") or 0).first()
    if unit is None:
        return _render(request, alert, status=400, dispatch_error=_("出警单位不存在或无权查看"))
    try:
        eta = float(request.POST.get("eta_s", ""))
    except ValueError:
        eta = None
    try:
        dispatch_unit(actor=user, alert=alert, unit=unit, eta_s=eta)
    except UnitUnavailable as exc:
        # Someone else got there first: say who, and show the list as it is now.
        return _render(request, selectors.alert_for(user, pk) or alert, status=409, dispatch_error=str(exc))
    except ValidationError as exc:
        return _render(request, alert, status=400, dispatch_error=_messages_of(exc))
    messages.success(request, _("已指派 %(unit)s。") % {"unit": unit.name})
    return _back(alert, "assignments")


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


@login_required
@require_POST
def advance(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    user = request_user(request)
    alert = _alert(request, pk)
    assignment = (
        Assignment.objects.restrict(user, "view")
        .filter(pk=assignment_pk, alert=alert)
        .select_related("unit")
        .first()
    )
    if assignment is None:
        raise Http404(_("指派不存在或无权查看"))
    step = request.POST.get("step", "")
    target = _safe_next(request)
    try:
        advance_assignment(actor=user, assignment=assignment, step=step)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(
            request,
            _("%(unit)s：已记录“%(step)s”。") % {"unit": assignment.unit.name, "step": Step(step).label},
        )
    return redirect(target) if target else _back(alert, "assignments")


@login_required
@require_POST
def step_done(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    step = request.POST.get("step", "")
    try:
        complete_step(actor=request_user(request), alert=alert, step=step)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("已完成步骤：%(step)s") % {"step": step})
    return _back(alert, "checklist")


@login_required
@require_POST
def reclassify_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    form = ReclassifyForm(request.POST, prefix="rc")
    if form.is_valid():
        try:
            reclassify(
                actor=request_user(request),
                alert=alert,
                category=form.cleaned_data["category"],
                priority=form.cleaned_data["priority"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已改类/改级，初始类别与等级保留。"))
            return _back(alert)
    return _render(request, alert, status=400, reclassify_form=form, open_reclassify=True)


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    form = FeedbackForm(request.POST, prefix="fb")
    if form.is_valid():
        try:
            give_feedback(
                actor=request_user(request),
                alert=alert,
                note=form.cleaned_data["note"],
                disposition=form.cleaned_data["disposition"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已反馈并结案。"))
            return _back(alert)
    return _render(request, alert, status=400, feedback_form=form)


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alert = _alert(request, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _render(request, alert, status=400, reveal_form=form)
    # Roles without view_pii get PermissionDenied (403); nothing is revealed or logged.
    revealed = reveal_personal_data(user=user, obj=alert, reason=form.cleaned_data["reason"])
    return _render(request, alert, revealed=revealed)
