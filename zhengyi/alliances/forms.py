from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengyi.alliances.models import Guard, MemberOrganisation, RosterAssignment
from zhengyi.precinct.models import Zone


class GuardForm(forms.Form):
    """Add or edit a guard. Blank name/phone on edit mean "unchanged": they are never pre-filled
    in clear, so the form itself shows no personal data."""

    employer = forms.ModelChoiceField(label=_("所属单位"), queryset=MemberOrganisation.objects.none())
    certificate_number = forms.CharField(
        label=_("保安员证编号"),
        max_length=30,
        help_text=_("地区简称（可无）加 6–20 位字母数字，例如 粤深2019001234"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=30, required=False)
    zones = forms.ModelMultipleChoiceField(
        label=_("上岗资格片区"),
        queryset=Zone.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    certificate_valid_until = forms.DateField(
        label=_("保安员证有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    training_valid_until = forms.DateField(
        label=_("培训有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    active = forms.BooleanField(label=_("在岗"), required=False, initial=True)

    def __init__(self, *args: Any, employers: Any, zones: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers  # type: ignore[attr-defined]
        self.fields["zones"].queryset = zones  # type: ignore[attr-defined]
        self.editing = editing
        if editing:
            self.fields["name"].help_text = _("留空表示不修改")
            self.fields["phone"].help_text = _("留空表示不修改")
        else:
            self.fields["name"].required = True

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {
            k: d[k]
            for k in ("certificate_number", "certificate_valid_until", "training_valid_until", "active")
        }
        for k in ("name", "phone"):
            if d[k] or not self.editing:
                out[k] = d[k]
        return out


class GenerateForm(forms.Form):
    start = forms.DateField(label=_("开始日期（周一为宜）"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=62, initial=7)
    time_limit = forms.FloatField(label=_("求解时间上限（秒）"), min_value=1, max_value=60, initial=10)

    @staticmethod
    def next_monday() -> Any:
        today = timezone.localdate()
        return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


class SwapForm(forms.Form):
    assignment = forms.ModelChoiceField(label=_("班次"), queryset=RosterAssignment.objects.none())
    new_guard = forms.ModelChoiceField(label=_("改由"), queryset=Guard.objects.none())

    def __init__(self, *args: Any, assignments: Any, guards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments  # type: ignore[attr-defined]
        self.fields["new_guard"].queryset = guards  # type: ignore[attr-defined]
