"""值守、检查: guard teams on duty as the station's units, and inspections of member organisations.

``DutyUnit`` links a team working a zone to the ``alerts.Unit`` that represents it on the
command board; the alerts app owns the unit and alliances changes it only through
``alerts.services.duty_units``. ``Inspection`` is a police inspection (保安服务管理条例) written
up and signed by both sides; see docs/alliances.md "值守、检查与贡献".
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.core.pii import PersonalDataField
from zhengyi.core.querysets import RestrictedManager


class DutyUnit(models.Model):
    """One team in one zone ↔ the dispatchable unit standing for it (kind 保安队)."""

    team = models.ForeignKey(
        "alliances.Team", on_delete=models.CASCADE, related_name="duty_units", verbose_name=_("队伍")
    )
    zone = models.ForeignKey(
        "precinct.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("片区")
    )
    unit = models.OneToOneField(
        "alerts.Unit", on_delete=models.PROTECT, related_name="duty_team", verbose_name=_("出警单位")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "team__alliance__station"
    own_path: ClassVar[str | None] = "team__members__employer__staff"
    own_label: ClassVar[Any] = _("有本单位保安的队伍的值守单位")

    class Meta:
        verbose_name = _("值守单位")
        verbose_name_plural = verbose_name
        ordering = ["team", "zone"]
        constraints = [models.UniqueConstraint(fields=["team", "zone"], name="uniq_duty_unit_team_zone")]

    def __str__(self) -> str:
        return f"{self.team} · {self.zone}"


class Inspection(models.Model):
    """检查: one inspection of a member organisation, written up, then signed by both sides."""

    class RepMethod(models.TextChoices):
        OWN_ACCOUNT = "own_account", _("本人账户签名")
        ATTESTED = "attested", _("民警设备上签名（民警见证）")

    organisation = models.ForeignKey(
        "alliances.MemberOrganisation",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("被检查单位"),
    )
    date = models.DateField(_("检查日期"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查民警")
    )
    place = models.CharField(_("检查地点"), max_length=200, blank=True)
    summary = models.TextField(_("检查情况"), blank=True)
    # A signed write-up is never changed: a correction is a new inspection pointing here.
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("更正的检查"),
    )
    officer_signed_at = models.DateTimeField(_("民警签名时间"), null=True, blank=True)
    officer_sha256 = models.CharField(_("民警签名时的文书摘要"), max_length=64, blank=True)
    rep_signed_at = models.DateTimeField(_("单位代表签名时间"), null=True, blank=True)
    rep_sha256 = models.CharField(_("单位代表签名时的文书摘要"), max_length=64, blank=True)
    rep_name = PersonalDataField(_("单位代表"), kind="name", max_length=50, blank=True)
    rep_method = models.CharField(_("代表签名方式"), max_length=16, choices=RepMethod.choices, blank=True)
    rep_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代表账户"),
    )
    # The officer who watched the representative sign on the officer's device.
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("见证民警"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "organisation__alliance__station"
    own_path: ClassVar[str | None] = "organisation__staff"
    own_label: ClassVar[Any] = _("本单位接受的检查")

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = verbose_name
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"JC{self.pk:05d}" if self.pk else "JC-"

    @property
    def frozen(self) -> bool:
        """Signed by both sides: the write-up may no longer change."""
        return bool(self.officer_sha256 and self.rep_sha256)


class InspectionItem(models.Model):
    """One checklist item with its finding."""

    class Result(models.TextChoices):
        PASS = "pass", _("符合")
        FAIL = "fail", _("不符合")
        NA = "na", _("不适用")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="items", verbose_name=_("检查")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("代码"), max_length=32)
    text = models.CharField(_("检查项目"), max_length=200)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices)
    finding = models.CharField(_("发现"), max_length=500, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "inspection__organisation__alliance__station"
    own_path: ClassVar[str | None] = "inspection__organisation__staff"
    own_label: ClassVar[Any] = _("本单位接受的检查")

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = verbose_name
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "position"], name="uniq_inspection_item_pos")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class Rectification(models.Model):
    """整改: what the organisation must put right, by when. Its completion is recorded beside the
    signed write-up (``done_on``), not in it, so a signed write-up stays as it was signed."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="rectifications", verbose_name=_("检查")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    requirement = models.CharField(_("整改要求"), max_length=500)
    deadline = models.DateField(_("整改期限"))
    done_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    done_note = models.CharField(_("复查说明"), max_length=300, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "inspection__organisation__alliance__station"
    own_path: ClassVar[str | None] = "inspection__organisation__staff"
    own_label: ClassVar[Any] = _("本单位接受的检查")

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = verbose_name
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "position"], name="uniq_rectification_pos")
        ]

    def __str__(self) -> str:
        return f"{self.inspection} #{self.position}"
