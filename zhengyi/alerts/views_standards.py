"""处警标准 and 处警考核 pages: the versions of the handling standard, a new version, compliance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.compliance import ComplianceReport, category_label, compliance_report, priority_label
from zhengyi.alerts.forms_standards import (
    MAX_PERIOD_DAYS,
    ComplianceForm,
    PublishForm,
    RuleFormSet,
    rule_initial,
)
from zhengyi.alerts.models import Alert, HandlingRule, HandlingStandard
from zhengyi.alerts.services.standards import RuleInput, default_rules, publish_standard
from zhengyi.core.models import ObjectChange, Station, User
from zhengyi.core.permissions import can, require, station_scope
from zhengyi.core.selectors import request_user
from zhengyi.precinct.choices import ZoneKind

RULE_PREFIX = "rules"


def _station_name(station: Station) -> str:
    english = (translation.get_language() or "").startswith("en")
    return station.name_en if english and station.name_en else station.name


def _stations(user: User, action: str) -> list[Station]:
    """The stations whose handling standard ``user`` may ``action`` (view: read, add: publish)."""
    if action == "view":
        return list(Station.objects.restrict(user, "view").order_by("code"))
    scope = station_scope(user, HandlingStandard, action)
    if scope is None:
        return []
    stations = Station.objects.order_by("code")
    return list(stations if scope == "all" else stations.filter(pk__in=scope))


def _pick(request: HttpRequest, stations: list[Station]) -> Station:
    code = request.GET.get("station")
    chosen = next((s for s in stations if s.code == code), None) if code else None
    if chosen is None and stations:
        chosen = next((s for s in stations if s.pk == request_user(request).station_id), stations[0])
    if chosen is None:
        raise Http404(_("没有可查看的派出所"))
    return chosen


# --- rule rows -------------------------------------------------------------------------------


@dataclass
class RuleRow:
    """One rule as a readable table row; ``changed`` names the fields that differ from the last version."""

    key: tuple[str, str]
    category: str
    zone: str
    priority: int
    priority_label: str
    arrival_minutes: int
    feedback_minutes: int
    steps: list[str]
    is_new: bool = False
    changed: set[str] = field(default_factory=set)
    was: dict[str, str] = field(default_factory=dict)  # the previous version's value of each changed field
    steps_added: set[str] = field(default_factory=set)
    steps_removed: list[str] = field(default_factory=list)

    @property
    def feedback_display(self) -> str:
        return duration_text(self.feedback_minutes)


def duration_text(minutes: int) -> str:
    """60 → "1 小时", 1440 → "1 天", 90 → "90 分钟"."""
    if minutes >= 1440 and minutes % 1440 == 0:
        return _("%(n)d 天") % {"n": minutes // 1440}
    if minutes >= 60 and minutes % 60 == 0:
        return _("%(n)d 小时") % {"n": minutes // 60}
    return _("%(n)d 分钟") % {"n": minutes}


def _zone_label(kind: str) -> str:
    return str(ZoneKind(kind).label) if kind in ZoneKind.values else (kind or _("全部片区"))


def _rule_rows(rules: list[HandlingRule], previous: list[HandlingRule] | None = None) -> list[RuleRow]:
    order = {code: i for i, code in enumerate(taxonomy.CATEGORIES)}
    zone_order = {code: i for i, code in enumerate(ZoneKind.values)}
    before = {(r.category, r.zone_kind): r for r in previous or []}
    rows = []
    for r in sorted(rules, key=lambda r: (order.get(r.category, 99), zone_order.get(r.zone_kind, -1))):
        row = RuleRow(
            key=(r.category, r.zone_kind),
            category=category_label(r.category),
            zone=_zone_label(r.zone_kind),
            priority=r.priority,
            priority_label=priority_label(r.priority),
            arrival_minutes=r.arrival_minutes,
            feedback_minutes=r.feedback_minutes,
            steps=list(r.steps),
        )
        if previous is not None:
            old = before.get(row.key)
            if old is None:
                row.is_new = True
            else:
                row.changed = {
                    name
                    for name in ("priority", "arrival_minutes", "feedback_minutes", "steps")
                    if getattr(old, name) != getattr(r, name)
                }
                row.was = {
                    "priority": f"{old.priority} · {priority_label(old.priority)}",
                    "arrival_minutes": _("%(n)d 分钟") % {"n": old.arrival_minutes},
                    "feedback_minutes": duration_text(old.feedback_minutes),
                }
                if "steps" in row.changed:
                    row.steps_added = {step for step in r.steps if step not in old.steps}
                    row.steps_removed = [step for step in old.steps if step not in r.steps]
                    if not row.steps_added and not row.steps_removed:
                        row.was["steps"] = _("顺序调整")
                row.was = {k: v for k, v in row.was.items() if k in row.changed}
        rows.append(row)
    return rows


def _removed_rows(rules: list[HandlingRule], previous: list[HandlingRule]) -> list[RuleRow]:
    keys = {(r.category, r.zone_kind) for r in rules}
    return _rule_rows([r for r in previous if (r.category, r.zone_kind) not in keys])


def _state(standard: HandlingStandard, current: HandlingStandard | None, now: datetime) -> str:
    if current is not None and standard.pk == current.pk:
        return "current"
    return "pending" if standard.effective_from > now else "superseded"


# --- pages -----------------------------------------------------------------------------------


@login_required
def standard_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", HandlingStandard)
    stations = _stations(user, "view")
    station = _pick(request, stations)
    now = timezone.now()
    versions = list(
        HandlingStandard.objects.restrict(user, "view")
        .filter(station=station)
        .annotate(alert_count=Count("alerts"))
        .order_by("-version")
    )
    in_force = [v for v in versions if v.effective_from <= now]
    current = max(in_force, key=lambda v: (v.effective_from, v.version)) if in_force else None
    rows = _rule_rows(list(current.rules.all())) if current else []
    for v in versions:
        v.state = _state(v, current, now)
    return render(
        request,
        "standards/list.html",
        {
            "station": station,
            "station_name": _station_name(station),
            "stations": stations if len(stations) > 1 else [],
            "versions": versions,
            "current": current,
            "rows": rows,
            "can_edit": station in _stations(user, "add"),
        },
    )


@login_required
def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    standard = (
        HandlingStandard.objects.restrict(user, "view")
        .select_related("station")
        .annotate(alert_count=Count("alerts"))
        .filter(pk=pk)
        .first()
    )
    if standard is None:
        raise Http404(_("处警标准版本不存在或无权查看"))
    siblings = HandlingStandard.objects.filter(station=standard.station)
    previous = siblings.filter(version__lt=standard.version).order_by("-version").first()
    following = siblings.filter(version__gt=standard.version).order_by("version").first()
    now = timezone.now()
    current = siblings.filter(effective_from__lte=now).order_by("-effective_from", "-version").first()
    rules = list(standard.rules.all())
    previous_rules = list(previous.rules.all()) if previous else None
    published = None
    if can(user, "view", ObjectChange):
        published = (
            ObjectChange.objects.restrict(user, "view")
            .filter(
                content_type=ContentType.objects.get_for_model(HandlingStandard),
                object_id=str(standard.pk),
                action=ObjectChange.Action.CREATE,
            )
            .first()
        )
    return render(
        request,
        "standards/detail.html",
        {
            "standard": standard,
            "station_name": _station_name(standard.station),
            "state": _state(standard, current, now),
            "previous": previous,
            "following": following,
            "rows": _rule_rows(rules, previous_rules),
            "removed": _removed_rows(rules, previous_rules) if previous_rules else [],
            "published": published,
            "can_edit": standard.station in _stations(user, "add"),
        },
    )


def _base_rules(station: Station) -> tuple[HandlingStandard | None, list[RuleInput]]:
    """The latest version's rules (the form starts from them), or the defaults for a first version."""
    latest = HandlingStandard.objects.filter(station=station).order_by("-version").first()
    if latest is None:
        return None, default_rules()
    return latest, [
        RuleInput(r.category, r.priority, r.arrival_minutes, r.feedback_minutes, tuple(r.steps), r.zone_kind)
        for r in latest.rules.all()
    ]


@login_required
def standard_edit(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "add", HandlingStandard)
    stations = _stations(user, "add")
    station = _pick(request, stations)
    latest, base = _base_rules(station)
    errors: list[str] = []
    if request.method == "POST":
        formset = RuleFormSet(request.POST, prefix=RULE_PREFIX)
        form = PublishForm(request.POST)
        if formset.is_valid() and form.is_valid():
            try:
                standard = publish_standard(
                    actor=user,
                    station=station,
                    rules=formset.rules(),
                    effective_from=form.cleaned_data["effective_from"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                when = timezone.localtime(standard.effective_from).strftime("%Y-%m-%d %H:%M")
                messages.success(
                    request,
                    _(
                        "已发布处警标准 v%(version)d，自 %(when)s 起受理的警情按此版本考核；"
                        "此前受理的警情仍按原版本。"
                    )
                    % {"version": standard.version, "when": when},
                )
                return redirect("standards:detail", pk=standard.pk)
    else:
        formset = RuleFormSet(initial=rule_initial(base), prefix=RULE_PREFIX)
        form = PublishForm()
    field_errors = sum(1 for f in formset.forms if f.errors) + (1 if form.errors else 0)
    return render(
        request,
        "standards/edit.html",
        {
            "station": station,
            "station_name": _station_name(station),
            "stations": stations if len(stations) > 1 else [],
            "latest": latest,
            "formset": formset,
            "form": form,
            "errors": errors,
            "field_errors": field_errors,
            "zone_kinds": ZoneKind.choices,
        },
    )


# --- compliance ------------------------------------------------------------------------------


def _chart_data(report: ComplianceReport) -> dict[str, Any]:
    levels = [priority_label(p) for p in taxonomy.PRIORITIES]
    durations = report.durations
    return {
        "byCategory": [s.as_json() for s in report.by_category],
        "byZone": [s.as_json() for s in report.by_zone],
        "byUnit": [s.as_json() for s in report.by_unit],
        "priority": {
            "levels": levels,
            "initial": [s.as_json() for s in report.by_priority_initial],
            "final": [s.as_json() for s in report.by_priority_final],
        },
        "matrix": {"levels": levels, "counts": report.matrix},
        "histogram": {
            "bin": durations.bin_minutes if durations else 1,
            "limit": durations.limit_minutes if durations else 30,
            "counts": durations.histogram if durations else [],
            "median": round(durations.median, 2) if durations and durations.median is not None else None,
            "p90": round(durations.p90, 2) if durations and durations.p90 is not None else None,
            # Rounded as the figures above the chart are, so the two always agree.
            "medianText": floatformat(durations.median, 1)
            if durations and durations.median is not None
            else "",
            "p90Text": floatformat(durations.p90, 1) if durations and durations.p90 is not None else "",
        },
        "labels": {
            # "{label}：{value}" / "{label}: {value}": punctuation is the translator's.
            "labelled": _("{label}：{value}"),
            "share": _("按时到场率"),
            "interval": _("95% 区间"),
            "onTime": _("按时"),
            "of": _("共"),
            "initial": _("按初始等级统计"),
            "final": _("按最终等级统计"),
            "initialAxis": _("初始等级"),
            "finalAxis": _("最终等级"),
            "alerts": _("警情数"),
            "minutes": _("分钟"),
            "median": _("中位数"),
            "p90": _("90百分位"),
            "below": _("明显低于其余"),
            "above": _("明显高于其余"),
            "noise": _("差异在随机波动内"),
            "overall": _("全所"),
            "more": _("以上"),
        },
        "overall": report.arrival.as_json(),
    }


def _quick_ranges(today: date, form: ComplianceForm) -> list[tuple[str, str]]:
    station = form.data.get("station", "") if "station" in form.fields else ""
    ranges = [
        (_("近 7 天"), 7),
        (_("近 30 天"), 30),
        (_("近 90 天"), 90),
        (_("近 1 年"), 365),
        (_("近 3 年"), MAX_PERIOD_DAYS),
    ]
    out = []
    for label, days in ranges:
        query = {"start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()}
        if station:
            query["station"] = station
        out.append((label, urlencode(query)))
    return out


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", HandlingStandard)
    require(user, "view", Alert)
    stations = _stations(user, "view")
    choices = [(s.code, _station_name(s)) for s in stations]
    today = timezone.localdate()
    if "start" in request.GET or "end" in request.GET:
        form = ComplianceForm(request.GET, stations=choices)
    else:
        form = ComplianceForm(ComplianceForm.default_period(today), stations=choices)
    report = None
    station_ids: list[int] | None = None
    if form.is_valid():
        code = form.cleaned_data.get("station")
        if code:
            station_ids = [s.pk for s in stations if s.code == code]
        elif len(stations) == 1:
            station_ids = [stations[0].pk]
        report = compliance_report(
            user, start=form.cleaned_data["start"], end=form.cleaned_data["end"], station_ids=station_ids
        )
    category_durations = []
    if report is not None:
        for code in taxonomy.CATEGORIES:
            if code in report.category_durations:
                n, median, p90 = report.category_durations[code]
                category_durations.append((category_label(code), n, median, p90))
    levels = [priority_label(p) for p in taxonomy.PRIORITIES]
    matrix_rows = list(zip(levels, report.matrix, strict=True)) if report else []
    priority_rows = (
        list(zip(report.by_priority_initial, report.by_priority_final, strict=True)) if report else []
    )
    return render(
        request,
        "standards/compliance.html",
        {
            "form": form,
            "report": report,
            "chart_data": _chart_data(report) if report else None,
            "levels": levels,
            "matrix_rows": matrix_rows,
            "priority_rows": priority_rows,
            "category_durations": category_durations,
            "scope_name": (
                _station_name(next(s for s in stations if s.pk == station_ids[0]))
                if station_ids and len(station_ids) == 1
                else _("所辖全部派出所")
            ),
            "standards_url": reverse("standards:list"),
            "quick": _quick_ranges(today, form),
        },
    )
