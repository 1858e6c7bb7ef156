from django.db import models


class Level(models.TextChoices):
    UNDERGROUND = "underground", "地下"
    STREET = "street", "地面"
    SKYWALK = "skywalk", "连廊"


LEVEL_ORDER = [Level.UNDERGROUND, Level.STREET, Level.SKYWALK]


class ZoneKind(models.TextChoices):
    BUSINESS = "business", "商圈"
    BAR_STREET = "bar_street", "酒吧街"
    URBAN_VILLAGE = "urban_village", "城中村"
    CONVENTION = "convention", "会展中心"
    OFFICE = "office", "写字楼区"
    PARK = "park", "公园"
    TRANSPORT = "transport", "交通枢纽"
    RESIDENTIAL = "residential", "住宅区"


class BuildingCategory(models.TextChoices):
    OFFICE_TOWER = "office_tower", "写字楼"
    RESIDENTIAL = "residential", "住宅"
    COMMERCIAL = "commercial", "商业"
    UNDER_CONSTRUCTION = "under_construction", "在建"
    PUBLIC = "public", "公共建筑"


class HeightClass(models.TextChoices):
    UNDER_100 = "under_100", "100米以下"
    OVER_100 = "over_100", "100米及以上"


HEIGHT_CLASS_THRESHOLD_M = 100.0


def height_class_for(height_m: float) -> str:
    return HeightClass.OVER_100 if height_m >= HEIGHT_CLASS_THRESHOLD_M else HeightClass.UNDER_100


class LandmarkKind(models.TextChoices):
    METRO_STATION = "metro_station", "地铁站"
    METRO_EXIT = "metro_exit", "地铁出入口"
    CONVENTION = "convention", "会展场馆"
    PLAZA = "plaza", "广场"
    PARK = "park", "公园"
    MALL = "mall", "商场"
    BAR_STREET = "bar_street", "酒吧街"
    POLICE_STATION = "police_station", "派出所"
    TRANSIT_HUB = "transit_hub", "交通枢纽"


class NodeKind(models.TextChoices):
    JUNCTION = "junction", "路口/节点"
    ENTRANCE = "entrance", "出入口"
    LOBBY = "lobby", "大堂"
    METRO_EXIT = "metro_exit", "地铁出口"
    CONCOURSE = "concourse", "地下通道"
    DECK = "deck", "连廊平台"


class ConnectorKind(models.TextChoices):
    STAIRS = "stairs", "楼梯"
    ESCALATOR = "escalator", "扶梯"
    LIFT = "lift", "电梯"
    EXIT = "exit", "出入口"
    RAMP = "ramp", "坡道"
