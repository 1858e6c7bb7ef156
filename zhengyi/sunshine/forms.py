"""Forms of the portal and of the staff pages; writes go through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengyi.core.models import Station
from zhengyi.sunshine.models import Publication


class LookupForm(forms.Form):
    number = forms.CharField(label=_("案件编号"), max_length=64)
    code = forms.CharField(
        label=_("查询码"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class FeedbackForm(forms.Form):
    station = forms.ModelChoiceField(label=_("派出所"), queryset=Station.objects.none(), empty_label=None)
    subject = forms.CharField(label=_("主题"), max_length=100)
    message = forms.CharField(
        label=_("留言"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请不要在留言中写身份证号、电话等个人信息；公开时会被删除。"),
    )
    contact = forms.CharField(label=_("联系方式（选填，不公开）"), max_length=100, required=False)

    def __init__(self, *args: Any, stations: list[Station], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Station.objects.filter(pk__in=[s.pk for s in stations]).order_by("code")


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Publication.Kind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("正文（内部原稿）"), widget=forms.Textarea(attrs={"rows": 12}))
    party_names = forms.CharField(
        label=_("涉及人员姓名"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个全名（或用顿号分隔）：公开文本中改为“姓+某”。"),
    )


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), required=False, max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ProgressForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("进展"), max_length=300)


class ReplyForm(forms.Form):
    public_subject = forms.CharField(label=_("公开主题"), max_length=100)
    public_message = forms.CharField(label=_("公开留言"), widget=forms.Textarea(attrs={"rows": 4}))
    names = forms.CharField(
        label=_("需隐去的姓名"), required=False, help_text=_("用顿号分隔：公开文本中改为“姓+某”。")
    )
    reply = forms.CharField(label=_("官方答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))


class CaseDraftForm(forms.Form):
    case_id = forms.IntegerField(label=_("案件 ID"), min_value=1)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[(Publication.Kind.BRIEFING, _("案情")), (Publication.Kind.KEY_CASE, _("重点案件"))],
    )
