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
    # The path from a row to the users responsible for it, for rules of scope "own"; a model
    # without one has no "own" rows.
    own_path: ClassVar[str | None] = None

    class Meta:
        abstract = True
