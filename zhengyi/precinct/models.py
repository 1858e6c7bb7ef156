"""The precinct map: levels, zones, buildings, landmarks and the three-level network.

Geometry is stored as GeoJSON (WGS84) in JSON columns — the same schema on SQLite and
PostgreSQL — with derived metric figures (area, length) computed in UTM 50N on write.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhengyi.core import validators
from zhengyi.core.models import StationScoped
from zhengyi.core.pii import PersonalDataField
from zhengyi.precinct.choices import (
    BuildingCategory,
    ConnectorKind,
    HeightClass,
    LandmarkKind,
    Level,
    NodeKind,
    ZoneKind,
)


class Space(StationScoped):
    """One of the three "cities" of a precinct: underground, street, skywalk."""

    level = models.CharField(_("空间层"), max_length=16, choices=Level.choices)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("空间层")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["station", "level"], name="uniq_space_level")]

    def __str__(self) -> str:
        return self.name


class Zone(StationScoped):
    code = models.CharField(_("编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=ZoneKind.choices)
    geometry = models.JSONField(_("范围"))
    area_m2 = models.FloatField(_("面积 (m²)"))

    class Meta:
        verbose_name = pgettext_lazy("model", "片区")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="uniq_zone_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("precinct:zone_detail", args=[self.pk])


class PropertyCompany(StationScoped):
    """物业公司: runs towers, malls and skywalk sections; a partner of the station."""

    name = models.CharField(_("名称"), max_length=100)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validators.validate_credit_code]
    )
    contact_name = PersonalDataField(_("联系人"), kind="name", max_length=50, blank=True)
    contact_phone = PersonalDataField(
        _("联系电话"), kind="mobile", max_length=20, blank=True, validators=[validators.validate_mobile]
    )

    class Meta:
        verbose_name = pgettext_lazy("model", "物业公司")
        verbose_name_plural = verbose_name
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="uniq_property_company")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("precinct:company_detail", args=[self.pk])


class Building(StationScoped):
    code = models.CharField(_("编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=20, choices=BuildingCategory.choices)
    height_m = models.FloatField(_("高度 (m)"), validators=[MinValueValidator(1), MaxValueValidator(1000)])
    height_class = models.CharField(_("高度分级"), max_length=12, choices=HeightClass.choices)
    floors_above = models.PositiveSmallIntegerField(_("地上层数"))
    floors_below = models.PositiveSmallIntegerField(_("地下层数"), default=0)
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="buildings")
    urban_village = models.CharField(_("所属城中村"), max_length=20, blank=True)
    property_company = models.ForeignKey(
        PropertyCompany, null=True, blank=True, on_delete=models.SET_NULL, related_name="buildings"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    footprint = models.JSONField(_("轮廓"))
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))

    class Meta:
        verbose_name = pgettext_lazy("model", "楼宇")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="uniq_building_code")]
        indexes = [models.Index(fields=["station", "category", "height_class"], name="building_cat")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("precinct:building_detail", args=[self.pk])


class Landmark(StationScoped):
    code = models.CharField(_("编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=LandmarkKind.choices)
    space = models.ForeignKey(
        Space, on_delete=models.PROTECT, related_name="landmarks", verbose_name=_("空间层")
    )
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))

    class Meta:
        verbose_name = pgettext_lazy("model", "地标")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="uniq_landmark_code")]

    def __str__(self) -> str:
        return self.name


class SpaceArea(StationScoped):
    """The extent of an underground concourse or a skywalk deck."""

    code = models.CharField(_("编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="areas", verbose_name=_("空间层"))
    geometry = models.JSONField(_("范围"))
    area_m2 = models.FloatField(_("面积 (m²)"))

    class Meta:
        verbose_name = pgettext_lazy("model", "空间区域")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="uniq_spacearea_code")]

    def __str__(self) -> str:
        return self.name


class NetworkNode(StationScoped):
    code = models.CharField(_("编号"), max_length=32)
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="nodes", verbose_name=_("空间层"))
    kind = models.CharField(_("类型"), max_length=16, choices=NodeKind.choices)
    label = models.CharField(_("标注"), max_length=100, blank=True)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))

    class Meta:
        verbose_name = pgettext_lazy("model", "路网节点")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="uniq_node_code")]

    def __str__(self) -> str:
        return self.label or self.code


class NetworkEdge(StationScoped):
    """A walkable and/or drivable segment between two nodes of the same level."""

    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="edges", verbose_name=_("空间层"))
    source = models.ForeignKey(NetworkNode, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(NetworkNode, on_delete=models.CASCADE, related_name="+")
    length_m = models.FloatField(_("长度 (m)"))
    walk = models.BooleanField(_("可步行"), default=True)
    drive = models.BooleanField(_("可通车"), default=False)
    oneway = models.BooleanField(_("单行"), default=False)
    name = models.CharField(_("路名"), max_length=100, blank=True)

    station_path: ClassVar[str | None] = "station"

    class Meta:
        verbose_name = _("路网路段")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="uniq_edge")]

    def __str__(self) -> str:
        return f"{self.name or '路段'} ({self.source_id}→{self.target_id})"


class Connector(StationScoped):
    """A vertical link between levels: stairs, escalator, lift or exit."""

    source = models.ForeignKey(NetworkNode, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(NetworkNode, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=ConnectorKind.choices)
    seconds = models.FloatField(_("通行耗时 (秒)"))
    label = models.CharField(_("标注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("层间连接")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="uniq_connector")]

    def __str__(self) -> str:
        return self.label or f"{self.get_kind_display()} {self.source_id}↔{self.target_id}"
