"""Forms for the handling-standard pages: a new version (rules + when + why) and the compliance period."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.compliance import category_label
from zhengyi.alerts.services.standards import RuleInput
from zhengyi.precinct.choices import ZoneKind

MAX_STEPS = 20
MAX_STEP_LENGTH = 100
# A version may not take effect in the past (alerts already received keep theirs); a time
# a little in the past — the default "now" of a form opened a while ago — means "now".
BACKDATE_TOLERANCE = timedelta(hours=1)
# Compliance periods: up to three years (with a leap day).
MAX_PERIOD_DAYS = 3 * 365 + 1
DEFAULT_PERIOD_DAYS = 30

GENERAL, OVERRIDE = "general", "override"


def _priority_choices() -> list[tuple[Any, str]]:
    return [("", "—")] + [(p, f"{p} · {label}") for p, label in taxonomy.PRIORITIES.items()]


class RuleForm(forms.Form):
    """One rule: the general rule of a category (every zone type) or an override for one zone type."""

    scope = forms.ChoiceField(
        choices=[(GENERAL, GENERAL), (OVERRIDE, OVERRIDE)], initial=OVERRIDE, widget=forms.HiddenInput
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("— 选择类别 —")), *taxonomy.CATEGORY_CHOICES]
    )
    zone_kind = forms.ChoiceField(
        label=_("片区类型"), required=False, choices=[("", _("— 选择片区类型 —")), *ZoneKind.choices]
    )
    priority = forms.TypedChoiceField(label=_("默认等级"), choices=_priority_choices, coerce=int)
    arrival_minutes = forms.IntegerField(
        label=_("到场时限（分钟）"),
        min_value=1,
        max_value=240,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    feedback_minutes = forms.IntegerField(
        label=_("反馈时限（分钟）"),
        min_value=1,
        max_value=7 * 24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    steps = forms.CharField(
        label=_("必经步骤（每行一项）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("至少填写一个必经步骤。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Tall enough to show every step without scrolling.
        lines = len(str(self["steps"].value() or "").splitlines())
        self.fields["steps"].widget.attrs["rows"] = min(12, max(3, lines + 1))

    def clean_steps(self) -> list[str]:
        steps = [line.strip() for line in self.cleaned_data["steps"].splitlines() if line.strip()]
        if not steps:
            raise ValidationError(_("至少填写一个必经步骤。"))
        if len(steps) > MAX_STEPS:
            raise ValidationError(_("必经步骤不超过 %(n)d 项。") % {"n": MAX_STEPS})
        too_long = [s for s in steps if len(s) > MAX_STEP_LENGTH]
        if too_long:
            raise ValidationError(
                _("每个步骤不超过 %(n)d 个字：%(step)s")
                % {"n": MAX_STEP_LENGTH, "step": too_long[0][:20] + "…"}
            )
        duplicates = sorted({s for s in steps if steps.count(s) > 1})
        if duplicates:
            raise ValidationError(_("步骤重复：%(steps)s") % {"steps": "、".join(duplicates)})
        return steps

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == GENERAL and data.get("zone_kind"):
            self.add_error("zone_kind", _("通用规则适用于全部片区，不能指定片区类型。"))
        if data.get("scope") == OVERRIDE and "zone_kind" in data and not data["zone_kind"]:
            self.add_error("zone_kind", _("请选择该例外规则适用的片区类型。"))
        return data

    @property
    def is_general(self) -> bool:
        value = self["scope"].value()
        return value == GENERAL

    @property
    def title(self) -> str:
        """Category · zone type, as the row's heading."""
        code = self["category"].value() or ""
        zone = self["zone_kind"].value() or ""
        category = category_label(code) if code in taxonomy.CATEGORIES else ""
        zone_label = ZoneKind(zone).label if zone in ZoneKind.values else _("全部片区")
        return f"{category} · {zone_label}" if category else str(_("新的片区例外"))

    def rule(self) -> RuleInput:
        d = self.cleaned_data
        return RuleInput(
            category=d["category"],
            priority=d["priority"],
            arrival_minutes=d["arrival_minutes"],
            feedback_minutes=d["feedback_minutes"],
            steps=tuple(d["steps"]),
            zone_kind=d.get("zone_kind") or "",
        )


class BaseRuleFormSet(forms.BaseFormSet):
    def rules(self) -> list[RuleInput]:
        """The rules of the valid formset; blank extra rows and rows marked for removal are skipped."""
        return [
            form.rule() for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


RuleFormSet = cast(
    type[BaseRuleFormSet],
    forms.formset_factory(
        RuleForm,
        formset=BaseRuleFormSet,
        extra=1,
        can_delete=True,
        max_num=120,
        validate_max=True,
        absolute_max=200,
    ),
)


def rule_initial(rules: list[RuleInput]) -> list[dict[str, Any]]:
    """Formset rows for ``rules``: general rules in taxonomy order, then the zone-type overrides."""
    order = {code: i for i, code in enumerate(taxonomy.CATEGORIES)}
    zone_order = {code: i for i, code in enumerate(ZoneKind.values)}
    ordered = sorted(
        rules, key=lambda r: (bool(r.zone_kind), order.get(r.category, 99), zone_order.get(r.zone_kind, -1))
    )
    return [
        {
            "scope": OVERRIDE if r.zone_kind else GENERAL,
            "category": r.category,
            "zone_kind": r.zone_kind,
            "priority": r.priority,
            "arrival_minutes": r.arrival_minutes,
            "feedback_minutes": r.feedback_minutes,
            "steps": "\n".join(r.steps),
        }
        for r in ordered
    ]


class PublishForm(forms.Form):
    effective_from = forms.DateTimeField(
        label=_("生效时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("默认立即生效；可设为将来的时间。不能早于当前时间：已受理的警情不改按新版本考核。"),
    )
    note = forms.CharField(
        label=_("修订说明"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("例如：酒吧街治安警情到场时限缩短为 3 分钟")}),
        help_text=_("说明为什么修订，会显示在版本列表和变更记录中。"),
        error_messages={"required": _("请填写修订说明。")},
    )

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        if not self.is_bound:
            self.initial.setdefault(
                "effective_from", timezone.localtime(self.now).replace(second=0, microsecond=0)
            )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if not note:
            raise ValidationError(_("请填写修订说明。"))
        return note

    def clean_effective_from(self) -> datetime:
        value: datetime = self.cleaned_data["effective_from"]
        if value < self.now - BACKDATE_TOLERANCE:
            raise ValidationError(
                _("生效时间不能早于当前时间：新版本不能追溯适用于已受理的警情。请留空时间或选择将来的时间。")
            )
        # "Now" or a moment ago means now: the version applies from the moment it is published.
        return max(value, self.now)


class ComplianceForm(forms.Form):
    start = forms.DateField(
        label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    station = forms.ChoiceField(label=_("派出所"), required=False)

    def __init__(self, *args: Any, stations: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stations = stations or []
        cast(forms.ChoiceField, self.fields["station"]).choices = [("", _("全部所辖派出所")), *stations]
        if len(stations) < 2:
            del self.fields["station"]

    @staticmethod
    def default_period(today: date) -> dict[str, Any]:
        return {"start": today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), "end": today}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("截止日期不能早于起始日期。"))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("start", _("统计期间不能超过 3 年，请缩短期间。"))
        return data
