from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.core.querysets import RestrictedManager


class StationScoped(models.Model):
    """A row that belongs to one station: access is decided by that station."""

    station = models.ForeignKey(
        "core.Station", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出所")
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "station"

    class Meta:
        abstract = True
