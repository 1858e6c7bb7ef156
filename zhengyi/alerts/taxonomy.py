"""The alert (警情) vocabulary: codes and their 简体中文 labels.

Pure Python, no Django: the models build their ``choices`` from these, the CAD importer
(:mod:`zhengyi.alerts.cad`) validates mapping files against them, and the tests use them
without settings.

Codes are stable, lower-case ASCII and are what is stored; labels are for people.

Sources: 110接处警工作规则 (公安部, 2003) for the three kinds of contact (报警, 求助, 投诉)
and the ten categories (DESIGN §4).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Kind(StrEnum):
    """How the caller framed the contact."""

    REPORT = "report"  # 报警: something happened or is happening
    ASSISTANCE = "assistance"  # 求助: someone needs help (lost child, locked out, welfare check …)
    COMPLAINT = "complaint"  # 投诉: about police conduct or service


KINDS: dict[str, str] = {
    Kind.REPORT: "报警",
    Kind.ASSISTANCE: "求助",
    Kind.COMPLAINT: "投诉",
}


class Category(StrEnum):
    """What the alert is about (警情类别)."""

    CRIMINAL = "criminal"  # 刑事
    PUBLIC_ORDER = "public_order"  # 治安
    MASS_INCIDENT = "mass_incident"  # 群体性事件
    DISASTER = "disaster"  # 灾害事故
    TRAFFIC = "traffic"  # 交通
    FIRE = "fire"  # 火灾
    ASSISTANCE = "assistance"  # 求助
    DISPUTE = "dispute"  # 纠纷
    COMPLAINT = "complaint"  # 投诉
    OTHER = "other"  # 其他


CATEGORIES: dict[str, str] = {
    Category.CRIMINAL: "刑事",
    Category.PUBLIC_ORDER: "治安",
    Category.MASS_INCIDENT: "群体性事件",
    Category.DISASTER: "灾害事故",
    Category.TRAFFIC: "交通",
    Category.FIRE: "火灾",
    Category.ASSISTANCE: "求助",
    Category.DISPUTE: "纠纷",
    Category.COMPLAINT: "投诉",
    Category.OTHER: "其他",
}

CATEGORIES_EN: dict[str, str] = {
    Category.CRIMINAL: "criminal",
    Category.PUBLIC_ORDER: "public order",
    Category.MASS_INCIDENT: "mass incident",
    Category.DISASTER: "disaster or accident",
    Category.TRAFFIC: "traffic",
    Category.FIRE: "fire",
    Category.ASSISTANCE: "assistance",
    Category.DISPUTE: "dispute",
    Category.COMPLAINT: "complaint",
    Category.OTHER: "other",
}

# The kind an alert gets when nothing more specific says otherwise (e.g. a CAD mapping rule
# without ``kind``): 求助 and 投诉 categories imply their kind, everything else is 报警.
DEFAULT_KIND_FOR_CATEGORY: dict[str, str] = {
    Category.ASSISTANCE: Kind.ASSISTANCE,
    Category.COMPLAINT: Kind.COMPLAINT,
}


def default_kind(category: str) -> str:
    """The kind implied by a category code (报警 unless the category is 求助 or 投诉)."""
    return DEFAULT_KIND_FOR_CATEGORY.get(category, Kind.REPORT)


class Priority(IntEnum):
    """Handling priority; 1 is the most urgent. Stored as the integer."""

    URGENT = 1  # 紧急
    HIGH = 2  # 较急
    NORMAL = 3  # 普通
    LOW = 4  # 一般


PRIORITIES: dict[int, str] = {
    Priority.URGENT: "紧急",
    Priority.HIGH: "较急",
    Priority.NORMAL: "普通",
    Priority.LOW: "一般",
}

# What each level means for dispatch. The national rule only says urgent alerts are
# dispatched immediately; the minutes to reach the scene (城区 5 / 城郊 10 by default) live
# in the versioned HandlingStandard, per category and zone, not here.
PRIORITY_DESCRIPTIONS: dict[int, str] = {
    Priority.URGENT: "危及人身安全或正在发生的违法犯罪，立即派警，适用到场时限",
    Priority.HIGH: "需要尽快到场处置，但没有正在发生的危险",
    Priority.NORMAL: "需要到场，可按顺序处置",
    Priority.LOW: "无需立即到场：咨询、事后报告、可电话或预约处理",
}

PRIORITY_MIN: int = min(Priority)
PRIORITY_MAX: int = max(Priority)


class Source(StrEnum):
    """How the alert reached the station."""

    PHONE_110 = "phone_110"  # 110 报警电话（含其他电话转接）
    WALK_IN = "walk_in"  # 来所报警
    ONLINE = "online"  # 网上报警（微信、App、网站）
    PATROL = "patrol"  # 巡逻发现（民警主动发现）
    VIDEO = "video"  # 视频巡查发现
    GUARD = "guard"  # 保安、联网报警中心报告
    IMPORT = "import"  # 历史数据导入，来源不明


SOURCES: dict[str, str] = {
    Source.PHONE_110: "110电话",
    Source.WALK_IN: "来所报警",
    Source.ONLINE: "网上报警",
    Source.PATROL: "巡逻发现",
    Source.VIDEO: "视频发现",
    Source.GUARD: "保安报告",
    Source.IMPORT: "历史导入",
}


# ``(code, label)`` pairs in display order, for building Django choices.
KIND_CHOICES: tuple[tuple[str, str], ...] = tuple((str(k), v) for k, v in KINDS.items())
CATEGORY_CHOICES: tuple[tuple[str, str], ...] = tuple((str(k), v) for k, v in CATEGORIES.items())
PRIORITY_CHOICES: tuple[tuple[int, str], ...] = tuple((int(k), v) for k, v in PRIORITIES.items())
SOURCE_CHOICES: tuple[tuple[str, str], ...] = tuple((str(k), v) for k, v in SOURCES.items())
