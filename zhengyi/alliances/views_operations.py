"""值守、检查与贡献 pages: an alliance's operations, a lead's team units, contribution, inspections."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengyi.alerts.models import Assignment
from zhengyi.alliances.forms_operations import (
    CloseRectificationForm,
    InspectionForm,
    ItemFormSet,
    RectificationFormSet,
    RepresentativeSignForm,
)
from zhengyi.alliances.models import (
    Alliance,
    CoverageNeed,
    DutyUnit,
    Guard,
    Inspection,
    MemberOrganisation,
    Rectification,
    ShiftTemplate,
    Team,
)
from zhengyi.alliances.selectors_operations import category_labels, contribution
from zhengyi.alliances.services import inspections as svc
from zhengyi.alliances.services.duty import team_units
from zhengyi.alliances.views import alliance_or_404
from zhengyi.core.forms import add_service_errors
from zhengyi.core.models import User
from zhengyi.core.permissions import can, can_for_station, require
from zhengyi.core.selectors import request_user


@login_required
def ops_hub(request: HttpRequest, pk: int) -> HttpResponse:
    """An alliance's operations: teams and their units, shifts and needs, inspections."""
    user = request_user(request)
    alliance = alliance_or_404(user, pk)
    units = (
        DutyUnit.objects.restrict(user, "view")
        .filter(team__alliance=alliance)
        .select_related("unit", "zone", "team")
    )
    shifts = ShiftTemplate.objects.restrict(user, "view").filter(alliance=alliance).select_related("zone")
    needs: dict[int, list[CoverageNeed]] = {}
    for need in CoverageNeed.objects.restrict(user, "view").filter(shift__in=shifts):
        needs.setdefault(need.shift_id, []).append(need)
    station = alliance.station
    return render(
        request,
        "alliances/ops_hub.html",
        {
            "alliance": alliance,
            "units": units,
            "teams": Team.objects.restrict(user, "view").filter(alliance=alliance).select_related("lead"),
            "members": MemberOrganisation.objects.restrict(user, "view").filter(alliance=alliance),
            "shifts": [(s, needs.get(s.pk, [])) for s in shifts],
            "inspections": Inspection.objects.restrict(user, "view")
            .filter(organisation__alliance=alliance)
            .select_related("organisation")[:20],
            "can_edit": can(user, "change", alliance),
            "can_add_member": can_for_station(user, "add", MemberOrganisation, station),
            "can_add_team": can_for_station(user, "add", Team, station),
            "can_add_shift": can_for_station(user, "add", ShiftTemplate, station),
            "can_inspect": can_for_station(user, "add", Inspection, station),
            "can_contribution": can(user, "view", Assignment),
        },
    )


def _contribution_data(user: User, alliance: Alliance) -> dict[str, Any]:
    figures = contribution(user, alliance)
    cats = category_labels(figures)
    return {
        "months": [f.month.strftime("%Y-%m") for f in figures],
        "categories": [
            {"code": c, "label": label, "values": [f.by_category[c] for f in figures]} for c, label in cats
        ],
        "alerts": [f.alerts for f in figures],
        "on_time_share": [
            None if f.on_time_share is None else round(100 * f.on_time_share, 1) for f in figures
        ],
        "inspections": [f.inspections for f in figures],
        "open_rectifications": [f.open_rectifications for f in figures],
        "catches": [f.catches for f in figures],
    }


@login_required
def contribution_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    alliance = alliance_or_404(user, pk)
    require(user, "view", Assignment)
    figures = contribution(user, alliance)
    categories = category_labels(figures)
    return render(
        request,
        "alliances/ops_contribution.html",
        {
            "alliance": alliance,
            # Each month with its counts in the columns' order: a Counter cannot be looked into
            # from a template (``.items`` reads the key "items", which a Counter answers with 0).
            "figures": [(f, [f.by_category.get(code, 0) for code, _label in categories]) for f in figures],
            "categories": categories,
            "data": _contribution_data(user, alliance),
        },
    )


@login_required
def contribution_json(request: HttpRequest, pk: int) -> JsonResponse:
    user = request_user(request)
    alliance = alliance_or_404(user, pk)
    require(user, "view", Assignment)
    return JsonResponse(_contribution_data(user, alliance), json_dumps_params={"ensure_ascii": False})


@login_required
def my_team(request: HttpRequest) -> HttpResponse:
    """A team lead's units on a phone: on duty or not, and the alert they are on."""
    user = request_user(request)
    guard = Guard.objects.filter(user=user).first()
    teams = list(guard.led_teams.all()) if guard else []
    return render(
        request,
        "alliances/ops_my_team.html",
        {"guard": guard, "teams": teams, "units": team_units(user, teams), "now": timezone.now()},
    )


# ----------------------------------------------------------------------------- inspections


def _inspection(user: User, pk: int, action: str = "view") -> Inspection:
    found = (
        Inspection.objects.restrict(user, action)
        .select_related("organisation__alliance__station", "officer", "supersedes", "attested_by", "rep_user")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("检查不存在或无权查看"))
    return found


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Inspection)
    rows = Inspection.objects.restrict(user, "view").select_related("organisation__alliance", "officer")[:200]
    return render(request, "alliances/inspection_list.html", {"rows": rows})


def _formsets(request: HttpRequest, inspection: Inspection | None) -> tuple[Any, Any]:
    data = request.POST if request.method == "POST" else None
    if inspection is None:
        items = [{"code": code, "text": str(text)} for code, text in svc.CHECKLIST]
        rects: list[dict[str, Any]] = []
    else:
        items = [
            {"code": i.code, "text": i.text, "result": i.result, "finding": i.finding}
            for i in inspection.items.all()
        ]
        rects = [
            {"requirement": r.requirement, "deadline": r.deadline} for r in inspection.rectifications.all()
        ]
    return ItemFormSet(data, initial=items, prefix="items"), RectificationFormSet(
        data, initial=rects, prefix="rect"
    )


def _inputs(items: Any, rects: Any) -> tuple[list[svc.ItemInput], list[svc.RectificationInput]]:
    item_list = [
        svc.ItemInput(
            f.cleaned_data.get("code", ""),
            f.cleaned_data.get("text", ""),
            f.cleaned_data.get("result", ""),
            f.cleaned_data.get("finding", ""),
        )
        for f in items
        if f.cleaned_data.get("text", "").strip()
    ]
    rect_list = [
        svc.RectificationInput(f.cleaned_data["requirement"], f.cleaned_data["deadline"])
        for f in rects
        if f.cleaned_data.get("requirement", "").strip()
    ]
    return item_list, rect_list


def _inspection_form(
    request: HttpRequest,
    organisation: MemberOrganisation,
    inspection: Inspection | None,
    supersedes: Inspection | None,
) -> HttpResponse:
    user = request_user(request)
    source = inspection or supersedes
    initial: dict[str, Any] = {"date": timezone.localdate()}
    if source is not None:
        initial = {
            "date": source.date if inspection else timezone.localdate(),
            "place": source.place,
            "summary": source.summary,
        }
    form = InspectionForm(request.POST or None, initial=initial)
    items, rects = _formsets(request, source)
    if request.method == "POST" and form.is_valid() and items.is_valid() and rects.is_valid():
        item_list, rect_list = _inputs(items, rects)
        d = form.cleaned_data
        try:
            if inspection is None:
                saved = svc.create_inspection(
                    actor=user,
                    organisation=organisation,
                    inspection_date=d["date"],
                    items=item_list,
                    rectifications=rect_list,
                    place=d["place"],
                    summary=d["summary"],
                    supersedes=supersedes,
                )
            else:
                saved = svc.update_inspection(
                    actor=user,
                    inspection=inspection,
                    inspection_date=d["date"],
                    items=item_list,
                    rectifications=rect_list,
                    place=d["place"],
                    summary=d["summary"],
                )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("检查文书已保存，变更已记录。请双方签名。"))
            return redirect("alliances:inspection_detail", pk=saved.pk)
    invalid = bool(form.errors or items.total_error_count() or rects.total_error_count())
    return render(
        request,
        "alliances/inspection_form.html",
        {
            "form": form,
            "items": items,
            "rects": rects,
            "organisation": organisation,
            "inspection": inspection,
            "supersedes": supersedes,
        },
        status=400 if request.method == "POST" and invalid else 200,
    )


@login_required
def inspection_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    organisation = MemberOrganisation.objects.restrict(user, "view").filter(pk=pk).first()
    if organisation is None:
        raise Http404(_("成员单位不存在或无权查看"))
    if not can_for_station(user, "add", Inspection, organisation.alliance.station):
        raise PermissionDenied(_("只有社区民警可以填写检查文书。"))
    supersedes = None
    if request.GET.get("supersedes", "").isdigit():
        supersedes = _inspection(user, int(request.GET["supersedes"]))
    return _inspection_form(request, organisation, None, supersedes)


@login_required
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inspection = _inspection(user, pk, "change")
    if inspection.frozen:
        messages.error(request, _("双方均已签名，检查文书不能再修改；如需更正，请新建一份检查并引用本检查。"))
        return redirect("alliances:inspection_detail", pk=pk)
    return _inspection_form(request, inspection.organisation, inspection, None)


def _detail_context(user: User, inspection: Inspection) -> dict[str, Any]:
    own_rep = inspection.organisation.staff.filter(pk=user.pk).exists()
    return {
        "inspection": inspection,
        "items": inspection.items.all(),
        "rects": inspection.rectifications.all(),
        "digest": svc.write_up_sha256(inspection),
        "holds": svc.signatures_hold(inspection),
        "can_edit": can(user, "change", inspection) and not inspection.frozen,
        "can_sign_officer": inspection.officer_id == user.pk and not inspection.officer_sha256,
        "can_sign_own": own_rep and not inspection.rep_sha256,
        "can_attest": can(user, "change", inspection) and not own_rep and not inspection.rep_sha256,
        "can_close": can(user, "change", Rectification) and inspection.frozen,
        "can_correct": inspection.frozen
        and can_for_station(user, "add", Inspection, inspection.organisation.alliance.station),
        "corrections": inspection.superseded_by.all(),
        "today": timezone.localdate(),
    }


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inspection = _inspection(user, pk)
    context = _detail_context(user, inspection)
    context["sign_form"] = RepresentativeSignForm()
    context["close_form"] = CloseRectificationForm(initial={"done_on": timezone.localdate()})
    return render(request, "alliances/inspection_detail.html", context)


@login_required
def inspection_print(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inspection = _inspection(user, pk)
    return render(request, "alliances/inspection_print.html", _detail_context(user, inspection))


@login_required
@require_POST
def inspection_sign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    inspection = _inspection(user, pk)
    role = request.POST.get("as", "")
    try:
        if role == "officer":
            svc.sign_as_officer(actor=user, inspection=inspection)
        elif role == "own":
            svc.sign_as_representative(actor=user, inspection=inspection)
        elif role == "attested":
            form = RepresentativeSignForm(request.POST)
            if not form.is_valid():
                raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
            svc.sign_as_representative(
                actor=user, inspection=inspection, name=form.cleaned_data["name"], attest=True
            )
        else:
            raise ValidationError(_("未知签名方式。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已签名，签名时的文书摘要已记录。"))
    return redirect("alliances:inspection_detail", pk=pk)


@login_required
@require_POST
def rectification_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rect = Rectification.objects.restrict(user, "change").select_related("inspection").filter(pk=pk).first()
    if rect is None:
        raise Http404(_("整改事项不存在或无权修改"))
    form = CloseRectificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写整改完成日期和复查说明。"))
    else:
        try:
            svc.close_rectification(
                actor=user,
                rectification=rect,
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["done_note"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("整改事项已销号，变更已记录。"))
    return redirect("alliances:inspection_detail", pk=rect.inspection_id)
