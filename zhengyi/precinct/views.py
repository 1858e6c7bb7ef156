from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from zhengyi.core.forms import RevealForm, add_service_errors
from zhengyi.core.models import Station
from zhengyi.core.permissions import can, require
from zhengyi.core.pii import masked_values
from zhengyi.core.selectors import request_user, visible_station
from zhengyi.core.services.pii import reveal_personal_data
from zhengyi.precinct.choices import LEVEL_ORDER, Level
from zhengyi.precinct.filters import BuildingFilter, ZoneFilter
from zhengyi.precinct.forms import BuildingForm, GeoJSONUploadForm, PropertyCompanyForm
from zhengyi.precinct.geojson import GeoJSONError
from zhengyi.precinct.models import Building, Landmark, PropertyCompany, Zone
from zhengyi.precinct.selectors import map_layer
from zhengyi.precinct.services import import_geojson, update_building, update_property_company


def _station(request: HttpRequest) -> Station:
    """The station whose precinct is shown: the user's own, or one chosen by a bureau user."""
    station = visible_station(request_user(request), request.GET.get("station"))
    if station is None:
        raise Http404(_("没有可查看的派出所"))
    return station


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    require(request_user(request), "view", Building)
    station = _station(request)
    levels = [{"code": lv.value, "label": lv.label} for lv in LEVEL_ORDER]
    return render(
        request,
        "precinct/map.html",
        {
            "station": station,
            "levels": levels,
            "initial": request.GET.get("level", Level.STREET),
            "can_import": can(request_user(request), "add", Building),
        },
    )


@login_required
@gzip_page
def map_data(request: HttpRequest, level: str) -> JsonResponse:
    if level not in Level.values:
        return JsonResponse(
            {"error": _("未知空间层：%(level)s，应为 underground、street 或 skywalk") % {"level": level}},
            status=400,
        )
    user = request_user(request)
    require(user, "view", Building)
    station = _station(request)
    data = map_layer(user, station, level)
    data["boundary"] = station.boundary
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


@login_required
def building_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Building)
    filters = BuildingFilter(request.GET or None)
    base = Building.objects.restrict(user, "view").select_related("zone", "property_company", "station")
    qs = filters.apply(base) if request.GET else base
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "precinct/building_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_import": can(user, "add", Building),
        },
    )


def _building(request: HttpRequest, pk: int, action: str = "view") -> Building:
    building = (
        Building.objects.restrict(request_user(request), action)
        .select_related("zone", "property_company", "station")
        .filter(pk=pk)
        .first()
    )
    if building is None:
        raise Http404(_("楼宇不存在或无权查看"))
    return building


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = _building(request, pk)
    return render(
        request,
        "precinct/building_detail.html",
        {
            "building": building,
            "footprint": json.dumps(building.footprint),
            "can_edit": can(request_user(request), "change", building),
        },
    )


@login_required
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    building = _building(request, pk, "change")
    form = BuildingForm(request.POST or None, instance=Building.objects.get(pk=building.pk))
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in BuildingForm.Meta.fields}
        try:
            update_building(
                actor=request_user(request),
                building=building,
                changes=changes,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存，变更已记录。"))
            return redirect("precinct:building_detail", pk=building.pk)
    return render(request, "precinct/building_edit.html", {"building": building, "form": form})


@login_required
def zone_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Zone)
    filters = ZoneFilter(request.GET or None)
    base = Zone.objects.restrict(user, "view").select_related("station")
    qs = filters.apply(base) if request.GET else base
    return render(request, "precinct/zone_list.html", {"filters": filters, "zones": qs})


@login_required
def zone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    zone = Zone.objects.restrict(user, "view").filter(pk=pk).first()
    if zone is None:
        raise Http404
    buildings = Building.objects.restrict(user, "view").filter(zone=zone)
    by_category: dict[str, int] = {}
    for b in buildings:
        by_category[b.get_category_display()] = by_category.get(b.get_category_display(), 0) + 1
    return render(
        request,
        "precinct/zone_detail.html",
        {
            "zone": zone,
            "geometry": json.dumps(zone.geometry),
            "by_category": sorted(by_category.items()),
            "count": len(buildings),
        },
    )


@login_required
def landmark_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Landmark)
    qs = Landmark.objects.restrict(user, "view").select_related("space", "station")
    level = request.GET.get("level", "")
    if level in Level.values:
        qs = qs.filter(space__level=level)
    return render(
        request, "precinct/landmark_list.html", {"landmarks": qs, "level": level, "levels": LEVEL_ORDER}
    )


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", PropertyCompany)
    companies = list(PropertyCompany.objects.restrict(user, "view").order_by("name"))
    rows = [(c, masked_values(c), c.buildings.count()) for c in companies]
    return render(request, "precinct/company_list.html", {"rows": rows})


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    company = PropertyCompany.objects.restrict(user, "view").filter(pk=pk).first()
    if company is None:
        raise Http404
    revealed: dict[str, Any] | None = None
    reveal_form = RevealForm(request.POST or None) if request.POST.get("form") == "reveal" else RevealForm()
    edit_form = PropertyCompanyForm(
        request.POST if request.POST.get("form") == "edit" else None,
        initial={"credit_code": company.credit_code},
    )
    if request.method == "POST" and request.POST.get("form") == "reveal" and reveal_form.is_valid():
        try:
            revealed = reveal_personal_data(user=user, obj=company, reason=reveal_form.cleaned_data["reason"])
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    elif request.method == "POST" and request.POST.get("form") == "edit" and edit_form.is_valid():
        try:
            update_property_company(actor=user, company=company, **edit_form.changes())
        except ValidationError as exc:
            add_service_errors(edit_form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已保存，变更已记录。"))
            return redirect("precinct:company_detail", pk=company.pk)
    return render(
        request,
        "precinct/company_detail.html",
        {
            "company": company,
            "masked": masked_values(company),
            "revealed": revealed,
            "can_reveal": can(user, "view_pii", company),
            "can_edit": can(user, "change", company),
            "reveal_form": reveal_form,
            "edit_form": edit_form,
            "buildings": company.buildings.all()[:200],
        },
    )


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "add", Building)
    station = _station(request)
    form = GeoJSONUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            form.add_error("file", _("不是 UTF-8 编码的有效 JSON：%(err)s") % {"err": exc})
        else:
            try:
                result = import_geojson(actor=user, station=station, document=document)
            except GeoJSONError as exc:
                problems = [str(p) for p in exc.problems[:200]]
                form.add_error("file", _("共 %(n)s 处问题，未导入任何数据。") % {"n": len(exc.problems)})
            else:
                messages.success(request, _("导入完成：%(summary)s") % {"summary": result.summary()})
                return redirect("precinct:map")
    return render(
        request,
        "precinct/import.html",
        {"form": form, "problems": problems, "station": station},
        status=400 if problems else 200,
    )


@login_required
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    from zhengyi.precinct.exports import export_station

    user = request_user(request)
    require(user, "view", Building)
    station = _station(request)
    response = HttpResponse(
        json.dumps(export_station(station), ensure_ascii=False),
        content_type="application/geo+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="precinct-{station.code}.geojson"'
    return response
