"""抓获: suspects the anti-pickpocket team (反扒队) caught, each linked to its case.

A catch is the alliance's side of an arrest: which team (and which of its guards) caught which
suspect, where and when. The suspect, the case and what the law did next live in the cases
app; the catch only points at them, so the contribution the alliance claims is the one the case
files show.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.core.querysets import RestrictedManager


class Catch(models.Model):
    team = models.ForeignKey(
        "alliances.Team", on_delete=models.PROTECT, related_name="catches", verbose_name=_("队伍")
    )
    guards = models.ManyToManyField(
        "alliances.Guard", blank=True, related_name="catches", verbose_name=_("抓获队员")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="alliance_catches", verbose_name=_("案件")
    )
    # One catch per suspect: the same person caught twice is two parties of two cases.
    party = models.OneToOneField(
        "cases.Party", on_delete=models.PROTECT, related_name="alliance_catch", verbose_name=_("嫌疑人")
    )
    caught_at = models.DateTimeField(_("抓获时间"))
    zone = models.ForeignKey(
        "precinct.Zone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alliance_catches",
        verbose_name=_("片区"),
    )
    place = models.CharField(_("地点"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "team__alliance__station"
    own_path: ClassVar[str | None] = "team__members__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安所在队伍的抓获")

    class Meta:
        verbose_name = _("抓获")
        verbose_name_plural = verbose_name
        ordering = ["-caught_at", "-id"]

    def __str__(self) -> str:
        return f"{self.team} {self.caught_at:%Y-%m-%d}"
