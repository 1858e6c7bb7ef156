"""Forms of the training pages (轮训). They only parse input; the services decide and explain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengyi.alliances.models import Alliance
from zhengyi.alliances.models_training import TextbookModule, TrainingCourse
from zhengyi.core.models import User

DATE = forms.DateInput(attrs={"type": "date"})


class ModuleForm(forms.Form):
    code = forms.CharField(label=_("代码"), max_length=20, help_text=_("例如 FG（法律法规）"))
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文 (Markdown)"), widget=forms.Textarea(attrs={"rows": 16}))


class VersionForm(forms.Form):
    body = forms.CharField(label=_("正文 (Markdown)"), widget=forms.Textarea(attrs={"rows": 22}))
    note = forms.CharField(label=_("修订说明"), max_length=200, required=False)


class CourseForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    alliance = forms.ModelChoiceField(
        label=_("联盟"), queryset=Alliance.objects.none(), required=False, empty_label=_("全所通用")
    )
    modules = forms.ModelMultipleChoiceField(
        label=_("教材单元（按代码顺序授课）"),
        queryset=TextbookModule.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    sessions = forms.IntegerField(label=_("每单元课次"), min_value=1, max_value=20, initial=2)
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=60, initial=14)
    capacity = forms.IntegerField(label=_("每期人数上限"), min_value=1, max_value=200, initial=30)
    pass_mark = forms.IntegerField(label=_("及格分"), min_value=0, max_value=100, initial=60)
    min_attendance = forms.IntegerField(label=_("最低出勤率 (%)"), min_value=0, max_value=100, initial=80)
    validity_days = forms.IntegerField(label=_("证书有效天数"), min_value=1, max_value=3650, initial=365)

    def __init__(self, *args: Any, alliances: Any, modules: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances  # type: ignore[attr-defined]
        self.fields["modules"].queryset = modules  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    alliance = forms.ModelChoiceField(label=_("联盟"), queryset=Alliance.objects.none())
    course = forms.ModelChoiceField(label=_("课程"), queryset=TrainingCourse.objects.none())
    start = forms.DateField(label=_("周期开始"), widget=DATE)
    weeks = forms.IntegerField(label=_("周期（周）"), min_value=1, max_value=52, initial=12)
    due_by = forms.DateField(
        label=_("培训有效期截至此日前的保安须参训"),
        required=False,
        widget=DATE,
        help_text=_("留空：周期最后一天"),
    )
    max_parallel = forms.IntegerField(label=_("同时开班数"), min_value=1, max_value=5, initial=1)

    def __init__(self, *args: Any, alliances: Any, courses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances  # type: ignore[attr-defined]
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        today = timezone.localdate()
        self.fields["start"].initial = today + timedelta(days=7 - today.weekday())


class ConfirmForm(forms.Form):
    """One proposed cohort, posted back from the planner page."""

    alliance = forms.IntegerField(widget=forms.HiddenInput)
    course = forms.IntegerField(widget=forms.HiddenInput)
    first = forms.DateField(widget=forms.HiddenInput)
    trainees = forms.CharField(widget=forms.HiddenInput)
    instructors = forms.ModelMultipleChoiceField(
        label=_("教官"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, instructors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instructors"].queryset = instructors  # type: ignore[attr-defined]

    def clean_trainees(self) -> list[int]:
        raw = self.cleaned_data["trainees"]
        try:
            return [int(x) for x in raw.split(",") if x.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("学员列表无效，请重新生成方案。")) from exc


class SessionForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    instructor = forms.ModelChoiceField(label=_("教官"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, instructors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instructor"].queryset = instructors  # type: ignore[attr-defined]
