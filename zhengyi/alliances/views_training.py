"""Training pages (轮训): textbook, courses, the cohort planner, cohorts with attendance, exams
and certificates, and reminders. Lists go through ``restrict``; writes through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengyi.alliances import textbook
from zhengyi.alliances.forms_training import (
    ConfirmForm,
    CourseForm,
    ModuleForm,
    PlanForm,
    SessionForm,
    VersionForm,
)
from zhengyi.alliances.models import Alliance, Guard
from zhengyi.alliances.models_training import (
    Attendance,
    Certificate,
    TextbookModule,
    TextbookVersion,
    TrainingCohort,
    TrainingCourse,
    TrainingSession,
)
from zhengyi.alliances.services import training
from zhengyi.alliances.services.training_planning import propose_cohorts
from zhengyi.core.forms import add_service_errors
from zhengyi.core.models import Station, User
from zhengyi.core.permissions import can, can_for_station, require
from zhengyi.core.pii import masked_values
from zhengyi.core.selectors import request_user


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _station(user: User) -> Station:
    station = Station.objects.restrict(user, "view").filter(pk=user.station_id).first()
    if station is None:
        raise Http404(_("没有所属派出所"))
    return station


def _instructors(station: Station) -> QuerySet[User]:
    """Officers of the station who may teach: its police staff, not member organisations' accounts."""
    return (
        User.objects.filter(station=station, is_active=True)
        .exclude(roles__code__in=["property_staff", "guard_lead", "public"])
        .filter(roles__isnull=False)
        .distinct()
        .order_by("username")
    )


def _guard_row(g: Guard) -> dict[str, Any]:
    return {"guard": g, "name": masked_values(g).get("name", "")}


@login_required
def training_home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", TrainingCohort)
    cohorts = (
        TrainingCohort.objects.restrict(user, "view")
        .select_related("course", "alliance")
        .order_by("-first")[:50]
    )
    courses = TrainingCourse.objects.restrict(user, "view").select_related("alliance")
    can_add = can_for_station(user, "add", TrainingCohort, user.station) if user.station_id else False
    return render(
        request,
        "alliances/training_home.html",
        {
            "cohorts": [(c, c.trainees.count()) for c in cohorts],
            "courses": [
                (c, [cm.module for cm in c.course_modules.select_related("module")]) for c in courses
            ],
            "can_add": can_add,
        },
    )


# ----------------------------------------------------------------------------- textbook


@login_required
def textbook_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", TextbookModule)
    modules = TextbookModule.objects.restrict(user, "view").order_by("code")
    form = None
    can_add = bool(user.station_id) and can_for_station(user, "add", TextbookModule, user.station)
    if can_add:
        form = ModuleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                module = training.create_module(actor=user, station=_station(user), **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已新建教材单元「%(t)s」。") % {"t": module.title})
                return redirect("alliances:training_module", pk=module.pk)
    rows = [(m, m.current) for m in modules]
    return render(request, "alliances/training_textbook.html", {"rows": rows, "form": form})


def _module(user: User, pk: int) -> TextbookModule:
    module = TextbookModule.objects.restrict(user, "view").filter(pk=pk).first()
    if module is None:
        raise Http404(_("教材单元不存在或无权查看"))
    return module


@login_required
def textbook_module(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    module = _module(user, pk)
    versions = list(TextbookVersion.objects.restrict(user, "view").filter(module=module).order_by("-number"))
    if not versions:
        raise Http404(_("无权查看该单元的任何版本"))
    wanted = request.GET.get("v")
    shown = next((v for v in versions if str(v.number) == wanted), versions[0])
    previous = next((v for v in versions if v.number < shown.number), None)
    diff = textbook.diff(previous.body, shown.body) if previous and request.GET.get("diff") else None
    return render(
        request,
        "alliances/training_module.html",
        {
            "module": module,
            "versions": versions,
            "shown": shown,
            "html": textbook.render(shown.body),
            "previous": previous,
            "diff": diff,
            "can_edit": can(user, "add", TextbookVersion) and can(user, "change", module),
        },
    )


@login_required
def textbook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    module = _module(user, pk)
    require(user, "change", module)
    current = module.current
    form = VersionForm(request.POST or None, initial={"body": current.body if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            version = training.add_version(actor=user, module=module, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存为新版本 v%(n)s，旧版本保留。") % {"n": version.number})
            return redirect("alliances:training_module", pk=module.pk)
    return render(
        request, "alliances/training_module_edit.html", {"module": module, "form": form, "current": current}
    )


# ----------------------------------------------------------------------------- courses


@login_required
def course_add(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    station = _station(user)
    if not can_for_station(user, "add", TrainingCourse, station):
        require(user, "add", TrainingCourse)
    form = CourseForm(
        request.POST or None,
        alliances=Alliance.objects.restrict(user, "view").filter(station=station),
        modules=TextbookModule.objects.restrict(user, "view").filter(station=station).order_by("code"),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        modules = [(m, data.pop("sessions")) for m in data.pop("modules").order_by("code")]
        try:
            course = training.create_course(actor=user, station=station, modules=modules, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新建课程「%(t)s」。") % {"t": course.title})
            return redirect("alliances:training_home")
    return render(request, "alliances/training_course_form.html", {"form": form})


# ----------------------------------------------------------------------------- planner


@login_required
def planner(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    station = _station(user)
    if not can_for_station(user, "add", TrainingCohort, station):
        require(user, "add", TrainingCohort)
    alliances = Alliance.objects.restrict(user, "view").filter(station=station)
    courses = TrainingCourse.objects.restrict(user, "view").filter(station=station)
    form = PlanForm(request.GET or None, alliances=alliances, courses=courses)
    proposal = None
    confirm_forms: list[tuple[Any, ConfirmForm]] = []
    errors: list[str] = []
    if request.GET and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = propose_cohorts(
                actor=user,
                alliance=d["alliance"],
                course=d["course"],
                start=d["start"],
                cycle_days=7 * d["weeks"],
                due_by=d["due_by"],
                max_parallel=d["max_parallel"],
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            for c in proposal.cohorts:
                initial = {
                    "alliance": d["alliance"].pk,
                    "course": d["course"].pk,
                    "first": c.first,
                    "trainees": ",".join(str(g.pk) for g in c.guards),
                    "instructors": [user.pk] if _instructors(station).filter(pk=user.pk).exists() else [],
                }
                cf = ConfirmForm(
                    initial=initial, instructors=_instructors(station), prefix=f"c{c.first:%Y%m%d}"
                )
                confirm_forms.append(({"cohort": c, "rows": [_guard_row(g) for g in c.guards]}, cf))
    return render(
        request,
        "alliances/training_plan.html",
        {"form": form, "proposal": proposal, "confirm_forms": confirm_forms, "errors": errors},
    )


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    station = _station(user)
    prefix = request.POST.get("prefix", "")
    form = ConfirmForm(request.POST, instructors=_instructors(station), prefix=prefix or None)
    if not form.is_valid():
        for e in form.errors.values():
            messages.error(request, "；".join(str(m) for m in e))
        return redirect("alliances:training_plan")
    d = form.cleaned_data
    alliance = Alliance.objects.restrict(user, "view").filter(pk=d["alliance"]).first()
    course = TrainingCourse.objects.restrict(user, "view").filter(pk=d["course"]).first()
    if alliance is None or course is None:
        raise Http404(_("联盟或课程不存在或无权查看"))
    guards = Guard.objects.restrict(user, "view").filter(pk__in=d["trainees"], employer__alliance=alliance)
    try:
        cohort = training.confirm_cohort(
            actor=user,
            course=course,
            alliance=alliance,
            first=d["first"],
            trainees=list(guards),
            instructors=d["instructors"],
        )
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return redirect("alliances:training_plan")
    messages.success(
        request,
        _("已确认本期轮训：%(n)s 名学员的轮训日期已登记，排班时不会安排他们。")
        % {"n": cohort.trainees.count()},
    )
    return redirect("alliances:training_cohort", pk=cohort.pk)


# ----------------------------------------------------------------------------- cohorts


def _cohort(user: User, pk: int) -> TrainingCohort:
    cohort = (
        TrainingCohort.objects.restrict(user, "view")
        .select_related("course", "alliance")
        .filter(pk=pk)
        .first()
    )
    if cohort is None:
        raise Http404(_("期次不存在或无权查看"))
    return cohort


@login_required
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    cohort = _cohort(user, pk)
    visible = set(Guard.objects.restrict(user, "view").filter(cohorts=cohort).values_list("pk", flat=True))
    may_change = can(user, "change", cohort)
    rows = []
    for s in training.standings(cohort):
        if s.guard.pk in visible:
            rows.append({**_guard_row(s.guard), "s": s})
    sessions = cohort.sessions.select_related("module", "version", "instructor").order_by("date", "id")
    return render(
        request,
        "alliances/training_cohort.html",
        {
            "cohort": cohort,
            "rows": rows,
            "sessions": sessions,
            "may_change": may_change,
            "exam_open": cohort.last <= timezone.localdate(),
            "instructors": cohort.instructors.all(),
        },
    )


@login_required
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """One session's sheet, made for an instructor's phone: one row per trainee, three buttons."""
    user = request_user(request)
    session = (
        TrainingSession.objects.restrict(user, "view")
        .select_related("cohort__course", "module", "version", "instructor")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404(_("课次不存在或无权查看"))
    cohort = session.cohort
    may_change = can(user, "change", session)
    errors: list[str] = []
    trainees = list(Guard.objects.restrict(user, "view").filter(cohorts=cohort).order_by("pk"))
    if request.method == "POST":
        require(user, "change", session)
        statuses = {}
        for g in trainees:
            value = request.POST.get(f"g{g.pk}")
            if value:
                statuses[g.pk] = value
        missing = [g.code for g in trainees if g.pk not in statuses]
        if missing:
            errors.append(_("还有学员未登记：%(g)s") % {"g": "、".join(missing)})
        else:
            try:
                training.record_attendance(actor=user, session=session, statuses=statuses)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(
                    request, _("已保存 %(d)s %(m)s 的出勤。") % {"d": session.date, "m": session.module.title}
                )
                return redirect("alliances:training_cohort", pk=cohort.pk)
    marked = dict(Attendance.objects.filter(session=session).values_list("guard_id", "status"))
    rows = [
        {**_guard_row(g), "status": request.POST.get(f"g{g.pk}") or marked.get(g.pk, "")} for g in trainees
    ]
    form = SessionForm(
        initial={"date": session.date, "instructor": session.instructor},
        instructors=_instructors(cohort.alliance.station),
    )
    return render(
        request,
        "alliances/training_attendance.html",
        {
            "session": session,
            "cohort": cohort,
            "rows": rows,
            "choices": Attendance.Status.choices,
            "errors": errors,
            "may_change": may_change,
            "future": session.date > timezone.localdate(),
            "session_form": form if may_change else None,
        },
    )


@login_required
@require_POST
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    session = (
        TrainingSession.objects.restrict(user, "change")
        .select_related("cohort__alliance__station")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404(_("课次不存在或无权修改"))
    form = SessionForm(request.POST, instructors=_instructors(session.cohort.alliance.station))
    if form.is_valid():
        try:
            training.update_session(
                actor=user,
                session=session,
                day=form.cleaned_data["date"],
                instructor=form.cleaned_data["instructor"],
            )
            messages.success(request, _("已修改课次。"))
        except ValidationError as exc:
            for m in _errors(exc):
                messages.error(request, m)
    else:
        messages.error(request, _("日期或教官无效。"))
    return redirect("alliances:training_attendance", pk=session.pk)


@login_required
@require_POST
def exam_entry(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    cohort = _cohort(user, pk)
    require(user, "change", cohort)
    scores: dict[int, int] = {}
    bad: list[str] = []
    for g in cohort.trainees.all():
        raw = (request.POST.get(f"score{g.pk}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) > 100:
            bad.append(g.code)
        else:
            scores[g.pk] = int(raw)
    if bad:
        messages.error(request, _("成绩须是 0 到 100 的整数，未保存任何成绩：%(g)s") % {"g": "、".join(bad)})
    elif not scores:
        messages.error(request, _("没有填写任何成绩。"))
    else:
        try:
            n = training.record_results(actor=user, cohort=cohort, scores=scores)
            messages.success(request, _("已保存 %(n)s 条成绩。") % {"n": n})
        except ValidationError as exc:
            for m in _errors(exc):
                messages.error(request, m)
    return redirect("alliances:training_cohort", pk=cohort.pk)


@login_required
@require_POST
def certify(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    cohort = _cohort(user, pk)
    require(user, "change", cohort)
    try:
        outcome = training.certify(actor=user, cohort=cohort)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
        return redirect("alliances:training_cohort", pk=cohort.pk)
    messages.success(request, _("已发证 %(n)s 份。") % {"n": len(outcome.issued)})
    for code, reasons in outcome.refused.items():
        messages.warning(request, _("%(g)s 未发证：%(r)s") % {"g": code, "r": "；".join(reasons)})
    return redirect("alliances:training_cohort", pk=cohort.pk)


# ----------------------------------------------------------------------------- lists


@login_required
def certificates(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Certificate)
    rows = (
        Certificate.objects.restrict(user, "view")
        .select_related("guard", "cohort__course")
        .order_by("-issued")
    )
    q = (request.GET.get("q") or "").strip()
    if q:
        rows = rows.filter(Q(guard__certificate_number__icontains=q) | Q(cohort__course__title__icontains=q))
    today = timezone.localdate()
    return render(
        request,
        "alliances/training_certificates.html",
        {"rows": [(c, masked_values(c.guard).get("name", "")) for c in rows[:500]], "today": today, "q": q},
    )


@login_required
def due(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Guard)
    try:
        days = max(0, min(365, int(request.GET.get("days") or 30)))
    except ValueError:
        days = 30
    rows = training.training_due(user, days=days)
    return render(
        request,
        "alliances/training_due.html",
        {
            "rows": [{**_guard_row(r.guard), "r": r} for r in rows],
            "days": days,
            "horizon": timezone.localdate() + timedelta(days=days),
        },
    )
