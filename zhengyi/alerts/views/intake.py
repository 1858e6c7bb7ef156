"""受理: the dispatcher's intake page and the place look-up it types into."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zhengyi.alerts import selectors
from zhengyi.alerts.forms import CATEGORY_LABELS, PRIORITY_LABELS, IntakeForm
from zhengyi.alerts.models import Alert
from zhengyi.alerts.services.intake import AlertInput, IdempotencyConflict, receive_alert
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import require
from zhengyi.core.selectors import request_user
from zhengyi.precinct.choices import LEVEL_ORDER
from zhengyi.precinct.models import Building


def _intake_station(user: User) -> Station:
    require(user, "add", Alert)
    station = selectors.user_station(user)
    if station is None:
        raise PermissionDenied(_("接警须使用派出所账户"))
    return station


def _alert_input(form: IntakeForm, user: User, station: Station) -> tuple[AlertInput, bool]:
    """The service's input from the form; the flag says whether the category box was understood."""
    data = form.cleaned_data
    category, subcategory = data.get("category") or "", data.get("subcategory") or ""
    if not category:
        resolved = selectors.resolve_category(data.get("category_query") or "")
        if resolved:
            category, subcategory = resolved
    building_id, landmark_id = data.get("building_id"), data.get("landmark_id")
    lon, lat = data.get("lon"), data.get("lat")
    place = (data.get("place_query") or "").strip()
    location_text = (data.get("location_text") or "").strip()
    if building_id is None and landmark_id is None:
        found = None if lon is not None and lat is not None else selectors.resolve_place(user, station, place)
        if found is not None:
            building_id, landmark_id = (found[1], None) if found[0] == "building" else (None, found[1])
        elif place:
            # A street corner typed beside a map click: keep it as the place description.
            location_text = f"{place} {location_text}".strip()
    return (
        AlertInput(
            category=category,
            subcategory=subcategory or None,
            source=data.get("source") or "phone_110",
            kind=data.get("kind") or None,
            priority=data.get("priority"),
            caller_name=data.get("caller_name") or "",
            caller_phone=data.get("caller_phone") or "",
            building_id=building_id,
            landmark_id=landmark_id,
            lon=lon if building_id is None and landmark_id is None else None,
            lat=lat if building_id is None and landmark_id is None else None,
            level=data.get("level") or None,
            location_text=location_text[:200],
            description=(data.get("description") or "").strip(),
        ),
        bool(category),
    )


@login_required
@never_cache
def intake(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    station = _intake_station(user)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            data, understood = _alert_input(form, user, station)
            key = form.cleaned_data.get("idempotency_key") or ""
            try:
                alert, created = receive_alert(actor=user, station=station, data=data, idempotency_key=key)
            except ValidationError as exc:
                errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"": exc.messages}
                if not understood:
                    errors["category"] = [
                        _("请选择警情类别：输入名称、代码或拼音首字母，再从列表中选择")
                        if not (form.cleaned_data.get("category_query") or "").strip()
                        else _("未找到类别“%(text)s”，请从列表中选择")
                        % {"text": form.cleaned_data["category_query"].strip()}
                    ]
                form.add_service_errors(errors)
            except IdempotencyConflict:
                # The page was submitted before with other content (e.g. after going back):
                # give it a fresh key so the next submission is a new alert, on purpose.
                fresh = request.POST.copy()
                fresh["idempotency_key"] = uuid.uuid4().hex
                form = IntakeForm(fresh)
                form.is_valid()
                form.add_error(None, _("此表单已提交过一条不同的警情；请核对内容后再次提交。"))
            else:
                if created:
                    messages.success(
                        request, _("已受理警情 %(number)s，请指派出警单位。") % {"number": alert.number}
                    )
                else:
                    messages.info(
                        request, _("警情 %(number)s 已受理过，未重复创建。") % {"number": alert.number}
                    )
                return redirect("alerts:detail", pk=alert.pk)
    else:
        form = IntakeForm(initial={"idempotency_key": uuid.uuid4().hex, "source": "phone_110"})
    return _render(request, form, station)


def _render(request: HttpRequest, form: IntakeForm, station: Station) -> HttpResponse:
    version, defaults = selectors.category_defaults(station)
    options = selectors.category_options(defaults, {k: str(v) for k, v in CATEGORY_LABELS.items()})
    for option in options:
        option["prio_label"] = str(PRIORITY_LABELS[option["prio"]]) if option["prio"] else ""
    first_error = form.first_error_field() if form.is_bound else None
    if first_error:
        # Focus goes to the first field in error, not back to the category box.
        for name, field in form.fields.items():
            field.widget.attrs.pop("autofocus", None)
            if name == first_error:
                field.widget.attrs["autofocus"] = True
    bound = form.data if form.is_bound else {}
    return render(
        request,
        "alerts/intake.html",
        {
            "form": form,
            "station": station,
            "options": options,
            "standard_version": version,
            "levels": [{"code": lv.value, "label": lv.label} for lv in LEVEL_ORDER],
            "picked_category": bound.get("category", "") if bound else "",
            "picked_place": bool(bound.get("building_id") or bound.get("landmark_id")) if bound else False,
        },
    )


@login_required
@require_GET
def places_json(request: HttpRequest) -> JsonResponse:
    """Buildings and landmarks for the place box: ``?q=`` → at most 20, only what the user may view."""
    user = request_user(request)
    require(user, "view", Building)
    station = selectors.user_station(user)
    results: list[dict[str, Any]] = selectors.places(user, request.GET.get("q", "")[:100], station)
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
