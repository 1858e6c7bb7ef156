"""Forms of the create/edit pages and of inspections. They check shape; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengyi.alliances.models import Alliance, Guard, GuardAbsence, InspectionItem, MemberOrganisation
from zhengyi.precinct.models import Building, Zone

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class AllianceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Alliance.Kind.choices)
    start_date = forms.DateField(label=_("成立日期"), widget=DATE)
    zones = forms.ModelMultipleChoiceField(
        label=_("片区"), queryset=Zone.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, zones: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zones"].queryset = zones  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=MemberOrganisation.Kind.choices)
    building = forms.ModelChoiceField(label=_("楼宇"), queryset=Building.objects.none(), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args: Any, buildings: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]
        self.editing = editing
        if editing:
            # Personal data is never pre-filled in clear; blank keeps what is stored.
            for f in ("contact_name", "contact_phone"):
                self.fields[f].help_text = _("留空表示不修改")


class TeamForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    lead = forms.ModelChoiceField(label=_("队长"), queryset=Guard.objects.none(), required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("队员"), queryset=Guard.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, guards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = guards  # type: ignore[attr-defined]
        self.fields["members"].queryset = guards  # type: ignore[attr-defined]
        # Guards are named by code: the choice list shows no personal data.
        self.fields["lead"].label_from_instance = lambda g: f"{g.code} · {g.employer.name}"  # type: ignore[attr-defined]
        self.fields["members"].label_from_instance = lambda g: f"{g.code} · {g.employer.name}"  # type: ignore[attr-defined]


class ShiftForm(forms.Form):
    zone = forms.ModelChoiceField(label=_("片区"), queryset=Zone.objects.none())
    code = forms.CharField(label=_("代码"), max_length=8, help_text=_("如 D、E、N；同一片区内不重复"))
    name = forms.CharField(label=_("名称"), max_length=20)
    start = forms.TimeField(label=_("开始"), widget=TIME)
    end = forms.TimeField(label=_("结束"), widget=TIME, help_text=_("早于开始时间表示次日结束"))
    is_night = forms.BooleanField(label=_("夜班"), required=False)

    def __init__(self, *args: Any, zones: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = zones  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") is not None and data.get("start") == data.get("end"):
            self.add_error("end", _("开始与结束时间相同：请填写结束时间（早于开始表示次日结束）。"))
        return data


WEEKDAYS = [
    ("", _("每天")),
    ("0", _("周一")),
    ("1", _("周二")),
    ("2", _("周三")),
    ("3", _("周四")),
    ("4", _("周五")),
    ("5", _("周六")),
    ("6", _("周日")),
]


class NeedForm(forms.Form):
    min_guards = forms.IntegerField(label=_("最少人数"), min_value=0, max_value=500)
    weekday = forms.TypedChoiceField(
        label=_("星期"), choices=WEEKDAYS, required=False, coerce=int, empty_value=None
    )


class AbsenceForm(forms.Form):
    first = forms.DateField(label=_("开始日期"), widget=DATE)
    last = forms.DateField(label=_("结束日期"), widget=DATE)
    reason = forms.ChoiceField(label=_("原因"), choices=GuardAbsence.Reason.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("last") and data["last"] < data["first"]:
            self.add_error("last", _("结束日期不能早于开始日期。"))
        return data


class InspectionForm(forms.Form):
    date = forms.DateField(label=_("检查日期"), widget=DATE)
    place = forms.CharField(label=_("检查地点"), max_length=200, required=False)
    summary = forms.CharField(label=_("检查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ItemForm(forms.Form):
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("检查项目"), max_length=200, required=False)
    result = forms.ChoiceField(
        label=_("结果"), choices=[("", "—"), *InspectionItem.Result.choices], required=False
    )
    finding = forms.CharField(label=_("发现"), max_length=500, required=False)


class RectificationForm(forms.Form):
    requirement = forms.CharField(label=_("整改要求"), max_length=500, required=False)
    deadline = forms.DateField(label=_("整改期限"), widget=DATE, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("requirement", "").strip() and not data.get("deadline"):
            self.add_error("deadline", _("请填写整改期限。"))
        return data


ItemFormSet = forms.formset_factory(ItemForm, extra=2)
RectificationFormSet = forms.formset_factory(RectificationForm, extra=2)


class RepresentativeSignForm(forms.Form):
    """On the officer's device: the representative types their own name; the officer attests."""

    name = forms.CharField(label=_("单位代表姓名（由代表本人输入）"), max_length=50)
    attest = forms.BooleanField(label=_("本人确认：上述代表当面阅读文书并签名"), required=True)


class CloseRectificationForm(forms.Form):
    done_on = forms.DateField(label=_("整改完成日期"), widget=DATE)
    done_note = forms.CharField(label=_("复查说明"), max_length=300)
