"""Staff pages of cases: list, open (directly or from an alert), detail, receipt, deadlines board."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengyi.alerts.models import Alert
from zhengyi.cases import deadlines as dl
from zhengyi.cases import stages
from zhengyi.cases.forms import (
    BulkMeasureForm,
    BulkPartiesForm,
    DecisionForm,
    DocumentForm,
    ExtensionForm,
    LinkAlertsForm,
    MoveStageForm,
    OpenCaseForm,
    PartyForm,
    ReissueForm,
)
from zhengyi.cases.models import Case, Document, Extension, Measure, Party
from zhengyi.cases.selectors import stage_label
from zhengyi.cases.services.cases import open_case
from zhengyi.cases.services.deadlines import DEFAULT_SOON, board, case_deadlines
from zhengyi.cases.services.records import document_path
from zhengyi.core.forms import RevealForm
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import can, can_for_station, require
from zhengyi.core.pii import masked_values
from zhengyi.core.selectors import request_user
from zhengyi.core.services.audit import history_for

CODE_SESSION_KEY = "cases-code-%d"  # the lookup code, kept until the receipt first shows it


def get_case(user: User, pk: int, action: str = "view") -> Case:
    case = Case.objects.restrict(user, "view").select_related("station", "source_alert").filter(pk=pk).first()
    if case is None:
        raise Http404(_("案件不存在或无权查看"))
    if action != "view":
        require(user, action, case)
    return case


def validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Case)
    cases = Case.objects.restrict(user, "view").select_related("station").annotate(n_parties=Count("parties"))
    q = (request.GET.get("q") or "").strip()
    stage = request.GET.get("stage") or ""
    kind = request.GET.get("kind") or ""
    category = request.GET.get("category") or ""
    if q:
        cases = cases.filter(Q(number__icontains=q) | Q(title__icontains=q))
    if stage in Case.Stage.values:
        cases = cases.filter(stage=stage)
    if kind in Case.Kind.values:
        cases = cases.filter(kind=kind)
    if category in Case.Category.values:
        cases = cases.filter(category=category)
    if request.GET.get("key"):
        cases = cases.filter(is_key=True)
    if request.GET.get("mine"):
        cases = cases.filter(investigators=user)
    if request.GET.get("open"):
        cases = cases.exclude(stage__in=list(stages.TERMINAL))
    page = Paginator(cases.order_by("-opened_at", "-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "filters": {"q": q, "stage": stage, "kind": kind, "category": category},
            "stage_choices": Case.Stage.choices,
            "kind_choices": Case.Kind.choices,
            "category_choices": Case.Category.choices,
            "can_add": can(user, "add", Case) and user.station_id is not None,
        },
    )


def _station_investigators(station: Station) -> Any:
    return User.objects.filter(station=station, is_active=True, roles__code="investigator").distinct()


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    """受案: directly, or from an alert (``?alert=<pk>``)."""
    user = request_user(request)
    alert = None
    alert_pk = request.GET.get("alert") or request.POST.get("alert")
    if alert_pk:
        alert = (
            Alert.objects.restrict(user, "view").filter(pk=alert_pk).first() if alert_pk.isdigit() else None
        )
        if alert is None:
            raise Http404(_("警情不存在或无权查看"))
    station = alert.station if alert is not None else user.station
    if station is None or not can_for_station(user, "add", Case, station):
        raise PermissionDenied(_("您的角色无权受理案件。"))
    initial: dict[str, Any] = {}
    if alert is not None:
        initial = {
            "title": f"{alert.location_text or ''} {alert.get_category_display()}".strip(),
            "summary": alert.description,
            "kind": Case.Kind.CRIMINAL if alert.category == "criminal" else Case.Kind.ADMINISTRATIVE,
            "category": Case.Category.OTHER if alert.category == "criminal" else Case.Category.PUBLIC_ORDER,
        }
    form = OpenCaseForm(request.POST or None, initial=initial, investigators=_station_investigators(station))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opened = open_case(
                actor=user,
                station=station,
                kind=data["kind"],
                category=data["category"],
                title=data["title"],
                summary=data["summary"],
                alert=alert,
                investigators=list(data["investigators"]),
                is_key=data["is_key"],
            )
        except ValidationError as exc:
            for m in validation_messages(exc):
                form.add_error(None, m)
        else:
            request.session[CODE_SESSION_KEY % opened.case.pk] = opened.code
            messages.success(
                request, _("已受案：%(n)s。请打印受案回执交报案人。") % {"n": opened.case.number}
            )
            return redirect("cases:receipt", pk=opened.case.pk)
    return render(request, "cases/create.html", {"form": form, "alert": alert, "station": station})


def _party_rows(
    user: User, case: Case, parties: list[Party], revealed: dict[int, dict[str, str]]
) -> list[Any]:
    measures_by_party: dict[int, list[Measure]] = {}
    for m in Measure.objects.filter(case=case).order_by("started_at", "id"):
        measures_by_party.setdefault(m.party_id, []).append(m)
    rows = []
    for p in parties:
        current = [m for m in measures_by_party.get(p.pk, []) if m.ended_at is None]
        rows.append({"party": p, "shown": revealed.get(p.pk) or masked_values(p), "current": current})
    return rows


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = get_case(user, pk)
    parties = list(Party.objects.restrict(user, "view").filter(case=case).order_by("role", "id"))
    revealed: dict[int, dict[str, str]] = {}
    reveal_form = RevealForm(request.POST or None)
    if request.method == "POST" and reveal_form.is_valid():
        from zhengyi.core.services.pii import reveal_personal_data

        try:
            for p in parties:
                revealed[p.pk] = reveal_personal_data(
                    user=user, obj=p, reason=reveal_form.cleaned_data["reason"]
                )
        except (PermissionDenied, ValueError) as exc:
            messages.error(request, str(exc))
            revealed = {}
    can_change = can(user, "change", case)
    now = timezone.now()
    deadlines = sorted(case_deadlines(case), key=lambda d: (not d.is_open, d.due))
    moves = stages.allowed_moves(case.kind, case.stage)
    context = {
        "case": case,
        "party_rows": _party_rows(user, case, parties, revealed),
        "revealed": bool(revealed),
        "can_reveal": bool(parties) and any(can(user, "view_pii", p) for p in parties[:1]),
        "reveal_form": reveal_form,
        "measures": Measure.objects.restrict(user, "view").filter(case=case).select_related("party"),
        "deadlines": [(d, d.status(now, DEFAULT_SOON)) for d in deadlines],
        "extensions": Extension.objects.restrict(user, "view")
        .filter(case=case)
        .select_related("measure__party"),
        "documents": Document.objects.restrict(user, "view").filter(case=case),
        "can_documents": can(user, "view", Document),
        "alerts": case.alerts.all().order_by("received_at"),
        "history": case.stage_changes.all().order_by("at", "id"),
        "changes": history_for(case)[:30],
        "investigators": case.investigators.all(),
        "moves": [(s, stage_label(s)) for s in moves],
        "can_change": can_change,
        "pending_requests": Measure.objects.filter(
            case=case, kind=Measure.Kind.ARREST_REQUEST, decision=Measure.Decision.PENDING
        ).select_related("party"),
        "forms": {
            "move": MoveStageForm(),
            "party": PartyForm(),
            "bulk": BulkPartiesForm(initial={"role": Party.Role.SUSPECT}),
            "measure": BulkMeasureForm(),
            "decision": DecisionForm(initial={"decided_on": timezone.localdate()}),
            "extension": ExtensionForm(),
            "document": DocumentForm(),
            "link": LinkAlertsForm(),
            "reissue": ReissueForm(),
        },
        "extendable": [
            (d, dl.allowed_text(d.limit, _granted(case, d))) for d in deadlines if d.is_open and d.limit.steps
        ],
    }
    return render(request, "cases/detail.html", context)


def _granted(case: Case, d: dl.Deadline) -> list[int]:
    rows = Extension.objects.filter(case=case, limit=d.limit.code).order_by("created_at", "id")
    return [e.amount for e in rows if e.measure_id == d.measure_id]


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """受案回执, printable. The lookup code shows on the first view after issue, then never again."""
    user = request_user(request)
    case = get_case(user, pk)
    code = request.session.pop(CODE_SESSION_KEY % case.pk, None)
    reporter = Party.objects.filter(case=case, role=Party.Role.REPORTER).order_by("id").first()
    return render(
        request,
        "cases/receipt.html",
        {
            "case": case,
            "code": code,
            "reporter": masked_values(reporter) if reporter else None,
            "lookup_path": "/public/lookup/",
            "can_change": can(user, "change", case),
        },
    )


@login_required
def deadlines_board(request: HttpRequest) -> HttpResponse:
    """What is due soon and what is overdue: mine (``?mine=1``) or the station's."""
    user = request_user(request)
    require(user, "view", Case)
    try:
        days = max(0, min(60, int(request.GET.get("days") or DEFAULT_SOON.days)))
    except ValueError:
        days = DEFAULT_SOON.days
    mine = bool(request.GET.get("mine"))
    rows = board(user, mine=mine, soon=timedelta(days=days))
    return render(
        request,
        "cases/board.html",
        {
            "rows": rows,
            "mine": mine,
            "days": days,
            "now": timezone.now(),
            "overdue": sum(1 for r in rows if r.status == dl.OVERDUE),
        },
    )


@login_required
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """A document of the case file, to staff who may view it (logged as an access)."""
    user = request_user(request)
    case = get_case(user, pk)
    doc = Document.objects.restrict(user, "view").filter(case=case, pk=doc_pk).first()
    if doc is None:
        raise Http404(_("文书不存在或无权查看"))
    path = document_path(doc.sha256)
    if not path.exists():
        raise Http404(_("文书文件缺失，请联系管理员。"))
    response = FileResponse(path.open("rb"), as_attachment=True, filename=doc.filename)
    response["Content-Type"] = "application/octet-stream"  # never rendered inline in the browser
    response["X-Content-Type-Options"] = "nosniff"
    return response
