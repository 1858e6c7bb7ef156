"""反扒队抓获: the list of an alliance's catches with their cases, and recording a catch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from zhengyi.alliances.models import Guard, Team
from zhengyi.alliances.models_catches import Catch
from zhengyi.alliances.services.catches import catches_by_month, record_catch
from zhengyi.cases.models import Party
from zhengyi.core.forms import add_service_errors
from zhengyi.core.permissions import can, require
from zhengyi.core.selectors import request_user
from zhengyi.precinct.models import Zone


class CatchForm(forms.Form):
    team = forms.ModelChoiceField(label=_lazy("队伍"), queryset=Team.objects.none())
    party = forms.ModelChoiceField(
        label=_lazy("嫌疑人（案件编号 · 当事人编号）"),
        queryset=Party.objects.none(),
        help_text=_lazy("先在案件中登记嫌疑人，再在此登记抓获；一名嫌疑人只计一次。"),
    )
    caught_at = forms.DateTimeField(
        label=_lazy("抓获时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    guards = forms.ModelMultipleChoiceField(
        label=_lazy("抓获队员"), queryset=Guard.objects.none(), required=False
    )
    zone = forms.ModelChoiceField(label=_lazy("片区"), queryset=Zone.objects.none(), required=False)
    place = forms.CharField(label=_lazy("地点"), max_length=200, required=False)
    note = forms.CharField(label=_lazy("备注"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.restrict(user, "view").select_related("alliance")
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].label_from_instance = lambda t: f"{t.alliance.name} · {t.name}"  # type: ignore[attr-defined]
        suspects = (
            Party.objects.restrict(user, "view")
            .filter(role=Party.Role.SUSPECT, alliance_catch__isnull=True)
            .select_related("case")
            .order_by("-case__opened_at", "pk")
        )
        self.fields["party"].queryset = suspects  # type: ignore[attr-defined]
        # The case number and the party's code, never a name: the list is long and seen by many.
        self.fields["party"].label_from_instance = lambda p: f"{p.case.number} · {p} · {p.case.title}"  # type: ignore[attr-defined]
        guards = Guard.objects.restrict(user, "view").filter(teams__in=teams).distinct()
        self.fields["guards"].queryset = guards  # type: ignore[attr-defined]
        self.fields["guards"].label_from_instance = lambda g: g.certificate_number  # type: ignore[attr-defined]
        self.fields["zone"].queryset = Zone.objects.restrict(user, "view").order_by("code")  # type: ignore[attr-defined]


@login_required
def catch_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "view", Catch)
    catches = (
        Catch.objects.restrict(user, "view")
        .select_related("team__alliance", "case", "zone")
        .prefetch_related("guards")
    )
    team = request.GET.get("team", "")
    if team.isdigit():
        catches = catches.filter(team_id=int(team))
    rows = list(catches[:500])
    months = catches_by_month(catches)  # the whole list, not only the rows shown
    return render(
        request,
        "alliances/catch_list.html",
        {
            "rows": rows,
            "total": catches.count(),
            "months": months,
            "most": max((n for _m, n in months), default=1),
            "teams": Team.objects.restrict(user, "view").select_related("alliance"),
            "team": team,
            "can_add": can(user, "add", Catch),
        },
    )


@login_required
def catch_add(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user, "add", Catch)
    form = CatchForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            catch = record_catch(
                actor=user,
                team=data["team"],
                party=data["party"],
                caught_at=data["caught_at"],
                guards=data["guards"],
                zone=data["zone"],
                place=data["place"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记抓获：%(case)s") % {"case": catch.case.number})
            return redirect("alliances:catch_list")
    return render(request, "alliances/catch_form.html", {"form": form})
