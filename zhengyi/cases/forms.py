"""Forms of the case pages; the services do the checking that matters, these shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengyi.cases import deadlines as dl
from zhengyi.cases.models import Case, Measure, Party
from zhengyi.core.models import User


class OpenCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("案件性质"), choices=Case.Kind.choices)
    category = forms.ChoiceField(label=_("案件类别"), choices=Case.Category.choices)
    title = forms.CharField(label=_("案件名称"), max_length=200)
    summary = forms.CharField(
        label=_("简要案情（内部）"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    investigators = forms.ModelMultipleChoiceField(
        label=_("办案民警"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_key = forms.BooleanField(label=_("重点案件"), required=False)

    def __init__(self, *args: Any, investigators: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if investigators is not None:
            self.fields["investigators"].queryset = investigators  # type: ignore[attr-defined]


class MoveStageForm(forms.Form):
    stage = forms.ChoiceField(label=_("转入阶段"), choices=Case.Stage.choices)
    reason = forms.CharField(label=_("理由"), max_length=500)


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("身份"), choices=Party.Role.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class BulkPartiesForm(forms.Form):
    role = forms.ChoiceField(label=_("身份"), choices=Party.Role.choices)
    text = forms.CharField(
        label=_("当事人（每行一人）"),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("姓名,身份证号,手机号,备注")}),
        help_text=_(
            "每行：姓名,身份证号,手机号,备注（后三项可空）；可直接从表格粘贴。任何一行有误则全部不导入。"
        ),
    )


class BulkMeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施"), choices=Measure.Kind.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("检察院决定"),
        choices=[
            (Measure.Decision.APPROVED.value, _("批准逮捕")),
            (Measure.Decision.REFUSED.value, _("不批准逮捕")),
        ],
    )
    decided_on = forms.DateField(label=_("决定日期"), widget=forms.DateInput(attrs={"type": "date"}))


def _limit_choices() -> list[tuple[str, str]]:
    return [(code, lim.label) for code, lim in dl.LIMITS.items() if lim.steps]


class ExtensionForm(forms.Form):
    limit = forms.ChoiceField(label=_("期限"), choices=_limit_choices)
    measure = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amount = forms.IntegerField(label=_("延长（按该期限的单位：小时/日/月）"), min_value=1)
    legal_basis = forms.CharField(label=_("法律依据"), max_length=300)
    approved_by = forms.CharField(label=_("批准人"), max_length=100)
    approved_on = forms.DateField(
        label=_("批准日期"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("文书名称"), max_length=200, required=False)
    file = forms.FileField(label=_("文件"))


class LinkAlertsForm(forms.Form):
    numbers = forms.CharField(
        label=_("警情编号"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("可填多个，以空格、逗号或换行分隔。"),
    )


class ReissueForm(forms.Form):
    reason = forms.CharField(label=_("补发原因"), max_length=200)
