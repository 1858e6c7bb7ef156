"""The actions on a case's page (POST only): each calls one service and returns to the case."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengyi.alerts.models import Alert
from zhengyi.cases.forms import (
    BulkMeasureForm,
    BulkPartiesForm,
    DecisionForm,
    DocumentForm,
    ExtensionForm,
    LinkAlertsForm,
    MoveStageForm,
    PartyForm,
    ReissueForm,
)
from zhengyi.cases.models import Case, Measure, Party
from zhengyi.cases.services import cases as case_services
from zhengyi.cases.services import parties as party_services
from zhengyi.cases.services import records
from zhengyi.cases.views import CODE_SESSION_KEY, get_case, validation_messages
from zhengyi.core.models import User
from zhengyi.core.selectors import request_user


def _action(form_class: Any) -> Callable[[Callable[..., str]], Callable[..., HttpResponse]]:
    """Wrap an action: load the case (may change?), validate the form, call, report, go back."""

    def wrap(fn: Callable[..., str]) -> Callable[..., HttpResponse]:
        @login_required
        @require_POST
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            user = request_user(request)
            case = get_case(user, pk, "change")
            form = form_class(request.POST, request.FILES) if form_class else None
            anchor = fn.__name__
            if form is not None and not form.is_valid():
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    for e in errors:
                        messages.error(request, f"{label}：{e}" if label else str(e))
                return redirect(reverse("cases:detail", args=[case.pk]) + f"#{anchor}")
            try:
                done = fn(request, user, case, form.cleaned_data if form is not None else {})
            except ValidationError as exc:
                for m in validation_messages(exc):
                    messages.error(request, m)
                return redirect(reverse("cases:detail", args=[case.pk]) + f"#{anchor}")
            if done.startswith("/"):
                return redirect(done)
            messages.success(request, done)
            return redirect(reverse("cases:detail", args=[case.pk]) + f"#{anchor}")

        view.__name__ = fn.__name__
        return view

    return wrap


@_action(MoveStageForm)
def move(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    case = case_services.move_stage(actor=user, case=case, stage=data["stage"], reason=data["reason"])
    return _("案件已转入“%(s)s”。") % {"s": case.get_stage_display()}


@_action(PartyForm)
def add_party(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    party_services.add_party(actor=user, case=case, **data)
    return _("已添加当事人。")


@_action(BulkPartiesForm)
def add_parties(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    added = party_services.add_parties_bulk(actor=user, case=case, role=data["role"], text=data["text"])
    return _("已批量添加当事人 %(n)d 人。") % {"n": len(added)}


def _selected(request: HttpRequest, model: Any, case: Case, name: str) -> list[Any]:
    ids = [int(v) for v in request.POST.getlist(name) if v.isdigit()]
    return list(model.objects.filter(case=case, pk__in=ids).order_by("id"))


@_action(BulkMeasureForm)
def measure(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    chosen = _selected(request, Party, case, "party")
    made = party_services.bulk_measure(
        actor=user, case=case, parties=chosen, kind=data["kind"], note=data["note"]
    )
    return _("已对 %(n)d 人采取“%(k)s”。") % {"n": len(made), "k": Measure.Kind(data["kind"]).label}


@_action(DecisionForm)
def decision(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    chosen = _selected(request, Measure, case, "measure")
    done = party_services.record_decision(
        actor=user, measures=chosen, decision=data["decision"], decided_on=data["decided_on"]
    )
    return _("已登记检察院决定 %(n)d 项。") % {"n": len(done)}


@_action(ExtensionForm)
def extend(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    measure_obj = (
        Measure.objects.filter(case=case, pk=data["measure"]).first() if data.get("measure") else None
    )
    records.add_extension(
        actor=user,
        case=case,
        limit=data["limit"],
        amount=data["amount"],
        legal_basis=data["legal_basis"],
        approved_by=data["approved_by"],
        approved_on=data["approved_on"],
        measure=measure_obj,
    )
    return _("期限已延长。")


@_action(DocumentForm)
def document(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    upload = data["file"]
    doc = records.attach_document(
        actor=user,
        case=case,
        title=data["title"],
        filename=upload.name,
        stream=upload,
        content_type=getattr(upload, "content_type", "") or "",
    )
    return _("已上传文书，SHA-256：%(h)s") % {"h": doc.sha256}


@_action(LinkAlertsForm)
def link(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    numbers = [n for n in re.split(r"[\s,，、;；]+", data["numbers"].strip()) if n]
    found = list(Alert.objects.restrict(user, "view").filter(station=case.station, number__in=numbers))
    missing = sorted(set(numbers) - {a.number for a in found})
    if missing:
        raise ValidationError(_("找不到本所警情：%(n)s") % {"n": "、".join(missing)})
    n = case_services.link_alerts(actor=user, case=case, alerts=found)
    return _("已关联警情 %(n)d 起。") % {"n": n}


@_action(ReissueForm)
def reissue(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    code = case_services.reissue_lookup_code(actor=user, case=case, reason=data["reason"])
    request.session[CODE_SESSION_KEY % case.pk] = code
    return reverse("cases:receipt", args=[case.pk])


@_action(None)
def notice(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    case_services.record_notice_served(actor=user, case=case)
    return _("已登记不予立案通知书送达。")


@_action(None)
def detention_step(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    chosen = _selected(request, Measure, case, "measure")
    if len(chosen) != 1:
        raise ValidationError(_("请选择一项拘留。"))
    party_services.record_detention_step(actor=user, measure=chosen[0], step=request.POST.get("step", ""))
    return _("已登记。")


@_action(None)
def end(request: HttpRequest, user: User, case: Case, data: dict[str, Any]) -> str:
    chosen = _selected(request, Measure, case, "measure")
    if len(chosen) != 1:
        raise ValidationError(_("请选择一项措施。"))
    party_services.end_measure(actor=user, measure=chosen[0])
    return _("措施已结束。")
