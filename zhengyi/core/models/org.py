from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.core.querysets import RestrictedManager


class Bureau(models.Model):
    """A 分局 (sub-bureau) or 市局 (city bureau); users of a bureau read across its stations."""

    class Kind(models.TextChoices):
        SUB_BUREAU = "sub_bureau", _("分局")
        CITY = "city", _("市局")

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "stations"
    station_path_many: ClassVar[bool] = True

    class Meta:
        verbose_name = _("公安局/分局")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Station(models.Model):
    """A 派出所 and its precinct (辖区)."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="stations", verbose_name=_("所属分局")
    )
    # GeoJSON geometry (WGS84) of the precinct; JSON rather than a spatial column so the
    # core schema runs unchanged on SQLite and PostgreSQL.
    boundary = models.JSONField(_("辖区范围"), null=True, blank=True)
    area_km2 = models.FloatField(_("辖区面积 (km²)"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "pk"

    class Meta:
        verbose_name = _("派出所")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
