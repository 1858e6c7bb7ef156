"""Django choices built from the pure taxonomy, plus the alert's life-cycle states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.alerts import taxonomy

KIND_CHOICES = taxonomy.KIND_CHOICES
CATEGORY_CHOICES = taxonomy.CATEGORY_CHOICES
PRIORITY_CHOICES = taxonomy.PRIORITY_CHOICES
SOURCE_CHOICES = taxonomy.SOURCE_CHOICES


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已指令")
    EN_ROUTE = "en_route", _("出警途中")
    ON_SCENE = "on_scene", _("已到场")
    CLEARED = "cleared", _("处置完毕")
    CLOSED = "closed", _("已反馈结案")
    CANCELLED = "cancelled", _("已撤销")
    # Imported from a past system without a recorded closure: a record, not live work.
    ARCHIVED = "archived", _("历史未结")


OPEN_STATUSES = [Status.RECEIVED, Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.CLEARED]


class Step(models.TextChoices):
    """Timeline steps (受理 → 指令 → 出警 → 到场 → 处置 → 反馈) and the changes between them."""

    RECEIVED = "received", _("受理")
    DISPATCHED = "dispatched", _("指令")
    EN_ROUTE = "en_route", _("出警")
    ON_SCENE = "on_scene", _("到场")
    CLEARED = "cleared", _("处置")
    FEEDBACK = "feedback", _("反馈")
    RECLASSIFIED = "reclassified", _("改类/改级")
    NOTE = "note", _("备注")
    CANCELLED = "cancelled", _("撤销")


class ZoneSetting(models.TextChoices):
    """Which arrival target applies: the provincial standards' 城区 / 城郊."""

    URBAN = "urban", _("城区")
    SUBURBAN = "suburban", _("城郊")
