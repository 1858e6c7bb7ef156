"""Forms of the 接处警 pages. They only shape input; every write goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.models import Unit
from zhengyi.alerts.services.units import SELF_SET
from zhengyi.precinct.choices import LEVEL_ORDER

# The taxonomy's labels, marked for translation here (taxonomy.py is pure Python, no gettext).
CATEGORY_LABELS: dict[str, Any] = {
    "criminal": _("刑事"),
    "public_order": _("治安"),
    "mass_incident": _("群体性事件"),
    "disaster": _("灾害事故"),
    "traffic": _("交通"),
    "fire": _("火灾"),
    "assistance": _("求助"),
    "dispute": _("纠纷"),
    "complaint": _("投诉"),
    "other": _("其他"),
}
KIND_LABELS: dict[str, Any] = {"report": _("报警"), "assistance": _("求助"), "complaint": _("投诉")}
PRIORITY_LABELS: dict[int, Any] = {1: _("紧急"), 2: _("较急"), 3: _("普通"), 4: _("一般")}
SOURCE_LABELS: dict[str, Any] = {
    "phone_110": _("110电话"),
    "walk_in": _("来所报警"),
    "online": _("网上报警"),
    "patrol": _("巡逻发现"),
    "video": _("视频发现"),
    "guard": _("保安报告"),
    "import": _("历史导入"),
}
assert set(CATEGORY_LABELS) == set(taxonomy.CATEGORIES)
assert set(KIND_LABELS) == set(taxonomy.KINDS)
assert set(PRIORITY_LABELS) == set(taxonomy.PRIORITIES)
assert set(SOURCE_LABELS) == set(taxonomy.SOURCES)

CATEGORY_CHOICES = [(code, CATEGORY_LABELS[code]) for code in taxonomy.CATEGORIES]
PRIORITY_CHOICES = [(p, format_lazy("{} · {}", p, PRIORITY_LABELS[p])) for p in taxonomy.PRIORITIES]
# 历史导入 is how old records arrive, never how a call is taken on this page.
INTAKE_SOURCES = [(code, SOURCE_LABELS[code]) for code in taxonomy.SOURCES if code != "import"]
LEVEL_CHOICES = [(lv.value, lv.label) for lv in LEVEL_ORDER]

# Service error keys → the field of the intake form that shows them.
INTAKE_ERROR_FIELDS = {
    "category": "category_query",
    "subcategory": "category_query",
    "kind": "kind",
    "source": "source",
    "priority": "priority",
    "caller_name": "caller_name",
    "caller_phone": "caller_phone",
    "building_id": "place_query",
    "landmark_id": "place_query",
    "location": "place_query",
    "lon": "place_query",
    "lat": "place_query",
    "level": "level",
    "location_text": "location_text",
    "description": "description",
}


class IntakeForm(forms.Form):
    """受理: what a dispatcher types while the caller talks. Field order is the Tab order."""

    category_query = forms.CharField(
        label=_("类别"),
        max_length=60,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "spellcheck": "false",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": "category-listbox",
                "placeholder": _("输入名称、代码或拼音首字母，如 dq"),
            }
        ),
    )
    category = forms.CharField(required=False, widget=forms.HiddenInput)
    subcategory = forms.CharField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("性质"),
        required=False,
        choices=[("", _("按类别自动")), *KIND_LABELS.items()],
    )
    priority = forms.TypedChoiceField(
        label=_("等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("按处警标准")), *PRIORITY_CHOICES],
    )
    source = forms.ChoiceField(label=_("来源"), choices=INTAKE_SOURCES, initial="phone_110")
    caller_name = forms.CharField(
        label=_("报警人"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    caller_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off", "placeholder": "138 0013 8000"}
        ),
    )
    place_query = forms.CharField(
        label=_("地点"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": "place-listbox",
                "placeholder": _("楼宇或地标名称；或在地图上点选"),
            }
        ),
    )
    building_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    landmark_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    level = forms.ChoiceField(label=_("空间层"), choices=LEVEL_CHOICES, initial="street")
    location_text = forms.CharField(
        label=_("具体位置"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("如：3楼东侧、B出口扶梯旁")}),
    )
    description = forms.CharField(
        label=_("警情描述"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    idempotency_key = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)

    def first_error_field(self) -> str | None:
        for name in self.fields:
            if name in self.errors:
                return INTAKE_ERROR_FIELDS.get(name, name)
        return None

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        for key, messages in message_dict.items():
            field = INTAKE_ERROR_FIELDS.get(key)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("最终类别"), choices=CATEGORY_CHOICES)
    priority = forms.TypedChoiceField(label=_("最终等级"), choices=PRIORITY_CHOICES, coerce=int)
    reason = forms.CharField(
        label=_("理由"),
        min_length=4,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：到场核实为邻里纠纷，无人受伤")}),
        help_text=_("初始类别与等级保留不变，改类/改级记入时间线。"),
    )


class FeedbackForm(forms.Form):
    note = forms.CharField(
        label=_("反馈内容"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：已电话告知报警人处理结果")}),
    )
    disposition = forms.CharField(label=_("处置结果"), max_length=200, required=False)


class UnitStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[(s.value, s.label) for s in Unit.UnitStatus if s in SELF_SET]
    )


class PositionForm(forms.Form):
    lon = forms.FloatField(label=_("经度"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90)
    level = forms.ChoiceField(label=_("空间层"), choices=LEVEL_CHOICES, initial="street")


class UnitCrewForm(forms.Form):
    """Who crews a unit: the station's field staff, ticked on a phone-sized list."""

    members = forms.TypedMultipleChoiceField(
        label=_("组员"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选人员不在本所可出警人员名单中，请刷新页面后重试。")},
    )

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [
            (u.pk, f"{u.display_name or u.username} {u.badge_number}".strip()) for u in candidates
        ]
