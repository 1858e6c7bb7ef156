from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    UNDERGROUND = "underground", _("地下")
    STREET = "street", _("地面")
    SKYWALK = "skywalk", _("连廊")


LEVEL_ORDER = [Level.UNDERGROUND, Level.STREET, Level.SKYWALK]


class ZoneKind(models.TextChoices):
    BUSINESS = "business", _("商圈")
    BAR_STREET = "bar_street", _("酒吧街")
    URBAN_VILLAGE = "urban_village", _("城中村")
    CONVENTION = "convention", _("会展中心")
    OFFICE = "office", _("写字楼区")
    PARK = "park", _("公园")
    TRANSPORT = "transport", _("交通枢纽")
    RESIDENTIAL = "residential", _("住宅区")


class BuildingCategory(models.TextChoices):
    OFFICE_TOWER = "office_tower", _("写字楼")
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商业")
    UNDER_CONSTRUCTION = "under_construction", _("在建")
    PUBLIC = "public", _("公共建筑")


class HeightClass(models.TextChoices):
    UNDER_100 = "under_100", _("100米以下")
    OVER_100 = "over_100", _("100米及以上")


HEIGHT_CLASS_THRESHOLD_M = 100.0


def height_class_for(height_m: float) -> str:
    return HeightClass.OVER_100 if height_m >= HEIGHT_CLASS_THRESHOLD_M else HeightClass.UNDER_100


class LandmarkKind(models.TextChoices):
    METRO_STATION = "metro_station", _("地铁站")
    METRO_EXIT = "metro_exit", _("地铁出入口")
    CONVENTION = "convention", _("会展场馆")
    PLAZA = "plaza", _("广场")
    PARK = "park", _("公园")
    MALL = "mall", _("商场")
    BAR_STREET = "bar_street", _("酒吧街")
    POLICE_STATION = "police_station", _("派出所")
    TRANSIT_HUB = "transit_hub", _("交通枢纽")


class NodeKind(models.TextChoices):
    JUNCTION = "junction", _("路口/节点")
    ENTRANCE = "entrance", _("出入口")
    LOBBY = "lobby", _("大堂")
    METRO_EXIT = "metro_exit", _("地铁出口")
    CONCOURSE = "concourse", _("地下通道")
    DECK = "deck", _("连廊平台")


class ConnectorKind(models.TextChoices):
    STAIRS = "stairs", _("楼梯")
    ESCALATOR = "escalator", _("扶梯")
    LIFT = "lift", _("电梯")
    EXIT = "exit", _("出入口")
    RAMP = "ramp", _("坡道")
