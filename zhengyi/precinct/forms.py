from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhengyi.precinct.models import Building, PropertyCompany, Zone


class BuildingForm(forms.ModelForm):
    reason = forms.CharField(label=_("修改说明"), max_length=200, required=False)

    class Meta:
        model = Building
        fields = [
            "name",
            "category",
            "height_m",
            "floors_above",
            "floors_below",
            "zone",
            "property_company",
            "address",
        ]
        # The foreign keys carry no verbose name on the model; label them here, with a
        # context because the bare words are also plural page titles in English.
        labels = {
            "zone": pgettext_lazy("building field", "片区"),
            "property_company": pgettext_lazy("building field", "物业公司"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        station = self.instance.station
        self.fields["zone"].queryset = Zone.objects.filter(station=station)  # type: ignore[attr-defined]
        self.fields["property_company"].queryset = PropertyCompany.objects.filter(station=station)  # type: ignore[attr-defined]
        self.fields["height_m"].min_value = 1  # type: ignore[attr-defined]


class GeoJSONUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON 文件"), help_text=_("FeatureCollection，WGS84 经纬度；格式见文档 docs/precinct.md")
    )


class PropertyCompanyForm(forms.Form):
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    clear_contact = forms.BooleanField(label=_("清除联系人信息"), required=False)

    def changes(self) -> dict[str, Any]:
        """Blank contact fields mean "unchanged": they are never pre-filled in clear."""
        d = self.cleaned_data
        if d["clear_contact"]:
            return {"credit_code": d["credit_code"], "contact_name": "", "contact_phone": ""}
        return {
            "credit_code": d["credit_code"],
            "contact_name": d["contact_name"] or None,
            "contact_phone": d["contact_phone"] or None,
        }
