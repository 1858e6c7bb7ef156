"""Roster pages: generate, the zones × days calendar (printable), swaps, exports, 我的排班."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhengyi.alliances import rostering as core
from zhengyi.alliances.forms import GenerateForm, SwapForm
from zhengyi.alliances.models import Guard, Roster, RosterAssignment, ShiftTemplate
from zhengyi.alliances.services.rosters import (
    build_inputs,
    generate_roster,
    publish_roster,
    swap_assignment,
)
from zhengyi.alliances.views import alliance_or_404
from zhengyi.core.models import User
from zhengyi.core.permissions import can, require_for_station
from zhengyi.core.pii import mask
from zhengyi.core.selectors import request_user


def _roster(user: User, pk: int) -> Roster:
    roster = Roster.objects.restrict(user, "view").select_related("alliance__station").filter(pk=pk).first()
    if roster is None:
        raise Http404(_("轮值表不存在或无权查看"))
    return roster


@login_required
def roster_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """A synchronous solve: seconds under its time limit, then the result or the reasons."""
    user = request_user(request)
    alliance = alliance_or_404(user, pk)
    require_for_station(user, "add", Roster, alliance.station)
    form = GenerateForm(request.POST or None, initial={"start": GenerateForm.next_monday()})
    reasons: list[str] = []
    outcome = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            outcome = generate_roster(
                actor=user, alliance=alliance, start=d["start"], days=d["days"], time_limit=d["time_limit"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if outcome.roster is not None:
                messages.success(
                    request,
                    _("已生成轮值表：%(n)s 人次，求解状态 %(status)s，用时 %(t).1f 秒。")
                    % {
                        "n": outcome.roster.assignments.count(),
                        "status": outcome.result.status,
                        "t": outcome.result.wall_time_s,
                    },
                )
                return redirect("alliances:roster_detail", pk=outcome.roster.pk)
            reasons = outcome.reasons
    return render(
        request,
        "alliances/roster_generate.html",
        {"alliance": alliance, "form": form, "reasons": reasons, "outcome": outcome},
        status=400 if (form.errors or reasons) else 200,
    )


def _week_days(roster: Roster, week: int) -> list[date]:
    first = roster.period_start + timedelta(days=7 * week)
    return [first + timedelta(days=i) for i in range(7) if first + timedelta(days=i) <= roster.period_end]


@login_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    roster = _roster(user, pk)
    weeks = (roster.days + 6) // 7
    week = request.GET.get("week", "0")
    week_i = min(max(int(week), 0), weeks - 1) if week.isdigit() else 0
    days = _week_days(roster, week_i)
    visible = RosterAssignment.objects.restrict(user, "view").filter(roster=roster)
    cells: dict[tuple[int, date], list[tuple[RosterAssignment, str]]] = defaultdict(list)
    for a in visible.filter(date__in=days).select_related("guard").order_by("guard_id"):
        cells[(a.shift_id, a.date)].append((a, mask("name", a.guard.name)))
    need = build_inputs(roster.alliance, roster.period_start, roster.days, roster=roster).inputs
    rows = []
    for t in ShiftTemplate.objects.filter(alliance=roster.alliance).select_related("zone"):
        rows.append(
            {
                "shift": t,
                "cells": [
                    {"day": d, "guards": cells.get((t.pk, d), []), "need": need.need(t.zone.code, t.code, d)}
                    for d in days
                ],
            }
        )
    can_change = can(user, "change", roster)
    swap_form = None
    if can_change:
        swap_form = SwapForm(
            assignments=visible.filter(date__in=days).select_related("guard", "shift__zone"),
            guards=Guard.objects.restrict(user, "view").filter(
                employer__alliance=roster.alliance, active=True
            ),
        )
    return render(
        request,
        "alliances/roster_detail.html",
        {
            "roster": roster,
            "days": days,
            "rows": rows,
            "week": week_i,
            "weeks": range(weeks),
            "swap_form": swap_form,
            "can_change": can_change,
            "total": visible.count(),
        },
    )


@login_required
@require_POST
def roster_swap(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    roster = _roster(user, pk)
    form = SwapForm(
        request.POST,
        assignments=RosterAssignment.objects.restrict(user, "change").filter(roster=roster),
        guards=Guard.objects.restrict(user, "view").filter(employer__alliance=roster.alliance),
    )
    week = request.POST.get("week", "0")
    if not form.is_valid():
        messages.error(request, _("请选择要调整的班次和接替的保安。"))
    else:
        try:
            swap_assignment(
                actor=user,
                assignment=form.cleaned_data["assignment"],
                new_guard=form.cleaned_data["new_guard"],
            )
        except (ValidationError, PermissionDenied) as exc:
            for text in getattr(exc, "messages", [str(exc)]):
                messages.error(request, _("不能换班：%(why)s") % {"why": text})
        else:
            messages.success(request, _("已换班，变更已记录。"))
    target = reverse("alliances:roster_detail", args=[roster.pk])
    return redirect(f"{target}?week={week if week.isdigit() else 0}")


@login_required
@require_POST
def roster_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    roster = _roster(user, pk)
    try:
        publish_roster(actor=user, roster=roster)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("轮值表已发布。"))
    return redirect("alliances:roster_detail", pk=roster.pk)


def _export_rows(user: User, roster: Roster, lang: str) -> list[core.RosterRow]:
    built = build_inputs(roster.alliance, roster.period_start, roster.days, roster=roster)
    rows = (
        RosterAssignment.objects.restrict(user, "view")
        .filter(roster=roster)
        .select_related("guard", "shift__zone")
    )
    return core.roster_rows(
        [core.Assignment(r.guard.code, r.date, r.shift.zone.code, r.shift.code) for r in rows],
        built.inputs,
        lang,
    )


def _lang(request: HttpRequest) -> str:
    return "en" if (request.LANGUAGE_CODE or "").startswith("en") else "zh"


@login_required
@require_GET
def roster_csv(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    roster = _roster(user, pk)
    lang = _lang(request)
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens a UTF-8 CSV with Chinese text correctly only with a BOM
    writer = csv.writer(buf)
    writer.writerow(core.ROW_HEADERS_EN if lang == "en" else core.ROW_HEADERS)
    for row in _export_rows(user, roster, lang):
        writer.writerow(row.as_strings(lang))
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roster-{roster.pk}-{roster.period_start}.csv"'
    return response


@login_required
@require_GET
def roster_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from openpyxl import Workbook

    user = request_user(request)
    roster = _roster(user, pk)
    lang = _lang(request)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "roster" if lang == "en" else "轮值表"
    ws.append(list(core.ROW_HEADERS_EN if lang == "en" else core.ROW_HEADERS))
    for row in _export_rows(user, roster, lang):
        ws.append(list(row.as_strings(lang)))
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="roster-{roster.pk}-{roster.period_start}.xlsx"'
    return response


@login_required
def my_week(request: HttpRequest) -> HttpResponse:
    """我的排班: the guard's own shifts this week, and — for a team lead — the team's, on a phone."""
    user = request_user(request)
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    guard = Guard.objects.filter(user=user).first()
    week_rows = RosterAssignment.objects.filter(date__in=days).select_related(
        "shift__zone", "guard", "roster"
    )
    mine = list(week_rows.filter(guard=guard).order_by("date")) if guard else []
    team_rows: list[dict[str, Any]] = []
    teams = list(guard.led_teams.all()) if guard else []
    for team in teams:
        visible = RosterAssignment.objects.restrict(user, "view").filter(date__in=days, guard__teams=team)
        by_day: dict[date, list[tuple[RosterAssignment, str]]] = defaultdict(list)
        for a in visible.select_related("shift__zone", "guard").order_by("shift__start", "guard_id"):
            by_day[a.date].append((a, mask("name", a.guard.name)))
        team_rows.append({"team": team, "days": [(d, by_day.get(d, [])) for d in days]})
    return render(
        request,
        "alliances/my_week.html",
        {
            "guard": guard,
            "days": days,
            "mine": [(d, next((a for a in mine if a.date == d), None)) for d in days],
            "team_rows": team_rows,
            "prev": (monday - timedelta(days=7)).isoformat(),
            "next": (monday + timedelta(days=7)).isoformat(),
            "today": timezone.localdate(),
        },
    )
