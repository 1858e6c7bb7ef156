"""One filter definition for the building list page and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhengyi.precinct.choices import BuildingCategory, HeightClass, ZoneKind


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("全部")), *choices]


class BuildingFilter(forms.Form):
    q = forms.CharField(label=_("名称/地址/编号"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("类别"), required=False, choices=_blank(BuildingCategory.choices))
    height_class = forms.ChoiceField(label=_("高度分级"), required=False, choices=_blank(HeightClass.choices))
    zone = forms.CharField(label=_("片区编号"), required=False, max_length=32)
    urban_village = forms.CharField(label=_("城中村"), required=False, max_length=20)
    property_company = forms.CharField(label=_("物业公司"), required=False, max_length=100)

    def apply(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not self.is_valid():
            return qs.none()
        d = self.cleaned_data
        if d["q"]:
            qs = qs.filter(Q(name__icontains=d["q"]) | Q(address__icontains=d["q"]) | Q(code__iexact=d["q"]))
        if d["category"]:
            qs = qs.filter(category=d["category"])
        if d["height_class"]:
            qs = qs.filter(height_class=d["height_class"])
        if d["zone"]:
            qs = qs.filter(zone__code=d["zone"])
        if d["urban_village"]:
            qs = qs.filter(urban_village=d["urban_village"])
        if d["property_company"]:
            qs = qs.filter(property_company__name__icontains=d["property_company"])
        return qs


class ZoneFilter(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=_blank(ZoneKind.choices))

    def apply(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not self.is_valid():
            return qs.none()
        return qs.filter(kind=self.cleaned_data["kind"]) if self.cleaned_data["kind"] else qs
