"""群防群治: alliances of private security, their member organisations, guards, teams and rosters.

Row scope (zhengyi/core/permissions.py): every table reaches its station through the
alliance (``station_path``); a member organisation's own staff — users linked to it in
``MemberOrganisation.staff`` — are given rules of scope ``own``, and each model's
``own_path`` leads from its rows to those users, so they see their own guards only.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.core import validators
from zhengyi.core.models import StationScoped
from zhengyi.core.pii import PersonalDataField
from zhengyi.core.querysets import RestrictedManager


class Alliance(StationScoped):
    """联盟: e.g. the CoCo Park bar alliance, the business-circle alliance."""

    class Kind(models.TextChoices):
        BAR_STREET = "bar_street", _("酒吧街联盟")
        BUSINESS_CIRCLE = "business_circle", _("商业圈联盟")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    zones = models.ManyToManyField(
        "precinct.Zone", blank=True, related_name="alliances", verbose_name=_("片区")
    )
    start_date = models.DateField(_("成立日期"))
    note = models.TextField(_("说明"), blank=True)

    own_path: ClassVar[str | None] = "members__staff"
    own_label: ClassVar[Any] = _("本单位所在的联盟")

    class Meta:
        verbose_name = _("联盟")
        verbose_name_plural = verbose_name
        ordering = ["station", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="uniq_alliance_name")]

    def __str__(self) -> str:
        return self.name


class MemberOrganisation(models.Model):
    """A member of an alliance: a property company, a bar, a merchant or a 保安服务公司."""

    class Kind(models.TextChoices):
        PROPERTY = "property", _("物业公司")
        BAR = "bar", _("酒吧")
        MERCHANT = "merchant", _("商户")
        SECURITY_COMPANY = "security_company", _("保安服务公司")

    alliance = models.ForeignKey(
        Alliance, on_delete=models.PROTECT, related_name="members", verbose_name=_("联盟")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    property_company = models.ForeignKey(
        "precinct.PropertyCompany",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("物业公司"),
    )
    building = models.ForeignKey(
        "precinct.Building",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("楼宇"),
    )
    contact_name = PersonalDataField(_("联系人"), kind="name", max_length=50, blank=True)
    contact_phone = PersonalDataField(
        _("联系电话"), kind="mobile", max_length=20, blank=True, validators=[validators.validate_mobile]
    )
    # The organisation's own accounts (物业/商户 staff, its 保安队长): what makes its guards theirs.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="alliance_organisations",
        verbose_name=_("本单位账户"),
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "alliance__station"
    own_path: ClassVar[str | None] = "staff"
    own_label: ClassVar[Any] = _("本单位")

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = verbose_name
        ordering = ["alliance", "name"]
        constraints = [models.UniqueConstraint(fields=["alliance", "name"], name="uniq_member_name")]

    def __str__(self) -> str:
        return self.name


class Guard(models.Model):
    """保安员: holds a 保安员证; works in the zones he is qualified for."""

    employer = models.ForeignKey(
        MemberOrganisation, on_delete=models.PROTECT, related_name="guards", verbose_name=_("所属单位")
    )
    certificate_number = models.CharField(
        _("保安员证编号"), max_length=30, unique=True, validators=[validators.validate_guard_certificate]
    )
    name = PersonalDataField(_("姓名"), kind="name", max_length=50)
    phone = PersonalDataField(
        _("手机号"), kind="mobile", max_length=20, blank=True, validators=[validators.validate_mobile]
    )
    zones = models.ManyToManyField(
        "precinct.Zone", blank=True, related_name="+", verbose_name=_("上岗资格片区")
    )
    certificate_valid_until = models.DateField(_("保安员证有效期至"), null=True, blank=True)
    training_valid_until = models.DateField(_("培训有效期至"), null=True, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    # The guard's own account, if any: for 我的排班 on a phone.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guard",
        verbose_name=_("账户"),
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "employer__alliance__station"
    own_path: ClassVar[str | None] = "employer__staff"
    own_label: ClassVar[Any] = _("本单位的保安")

    class Meta:
        verbose_name = _("保安员")
        verbose_name_plural = verbose_name
        ordering = ["employer", "id"]

    def __str__(self) -> str:
        return f"G{self.pk:05d}" if self.pk else "G-"

    @property
    def code(self) -> str:
        """The id the roster and its exports use: stable, and no personal data."""
        return str(self)


class GuardAbsence(models.Model):
    """Days a guard cannot work (inclusive): leave, sickness, a training cohort."""

    class Reason(models.TextChoices):
        LEAVE = "leave", _("休假")
        SICK = "sick", _("病假")
        TRAINING = "training", _("轮训")
        OTHER = "other", _("其他")

    guard = models.ForeignKey(
        Guard, on_delete=models.CASCADE, related_name="absences", verbose_name=_("保安员")
    )
    first = models.DateField(_("开始日期"))
    last = models.DateField(_("结束日期"))
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "guard__employer__alliance__station"
    own_path: ClassVar[str | None] = "guard__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安的请假与轮训")

    class Meta:
        verbose_name = _("保安员不可上岗日期")
        verbose_name_plural = verbose_name
        ordering = ["guard", "first"]

    def __str__(self) -> str:
        return f"{self.guard} {self.first}–{self.last} {self.reason}"


class Team(models.Model):
    """A team within an alliance, e.g. the 反扒队, with a lead."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.PROTECT, related_name="teams", verbose_name=_("联盟")
    )
    name = models.CharField(_("名称"), max_length=100)
    lead = models.ForeignKey(
        Guard,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        verbose_name=_("队长"),
    )
    members = models.ManyToManyField(Guard, blank=True, related_name="teams", verbose_name=_("队员"))

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "alliance__station"
    own_path: ClassVar[str | None] = "members__employer__staff"
    own_label: ClassVar[Any] = _("有本单位保安的队伍")

    class Meta:
        verbose_name = _("队伍")
        verbose_name_plural = verbose_name
        ordering = ["alliance", "name"]
        constraints = [models.UniqueConstraint(fields=["alliance", "name"], name="uniq_team_name")]

    def __str__(self) -> str:
        return self.name


class ShiftTemplate(models.Model):
    """One shift of one zone in an alliance's roster; ``end <= start`` ends the next day."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("联盟")
    )
    zone = models.ForeignKey(
        "precinct.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("片区")
    )
    code = models.CharField(_("代码"), max_length=8)
    name = models.CharField(_("名称"), max_length=20)
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    is_night = models.BooleanField(_("夜班"), default=False)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "alliance__station"
    own_path: ClassVar[str | None] = "alliance__members__staff"
    own_label: ClassVar[Any] = _("本单位所在联盟的班次")

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = verbose_name
        ordering = ["alliance", "zone", "start"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "zone", "code"], name="uniq_shift_template")
        ]

    def __str__(self) -> str:
        return f"{self.zone.name} {self.name}"


class CoverageNeed(models.Model):
    """At least ``min_guards`` on a shift; on one weekday only when ``weekday`` is set."""

    shift = models.ForeignKey(
        ShiftTemplate, on_delete=models.CASCADE, related_name="needs", verbose_name=_("班次")
    )
    min_guards = models.PositiveSmallIntegerField(
        _("最少人数"), validators=[MinValueValidator(0), MaxValueValidator(500)]
    )
    # 0 = Monday … 6 = Sunday (date.weekday()); null: every day.
    weekday = models.PositiveSmallIntegerField(
        _("星期"), null=True, blank=True, validators=[MaxValueValidator(6)]
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "shift__alliance__station"
    own_path: ClassVar[str | None] = "shift__alliance__members__staff"
    own_label: ClassVar[Any] = _("本单位所在联盟的值守需求")

    class Meta:
        verbose_name = _("值守需求")
        verbose_name_plural = verbose_name
        ordering = ["shift", "weekday"]

    def __str__(self) -> str:
        return f"{self.shift} ≥{self.min_guards}"


class Roster(models.Model):
    """轮值表: one period of one alliance, with what the solver said about it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    alliance = models.ForeignKey(
        Alliance, on_delete=models.PROTECT, related_name="rosters", verbose_name=_("联盟")
    )
    period_start = models.DateField(_("开始日期"))
    days = models.PositiveSmallIntegerField(
        _("天数"), validators=[MinValueValidator(1), MaxValueValidator(62)]
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    solver_status = models.CharField(_("求解状态"), max_length=12)
    objective = models.FloatField(_("目标值"), null=True, blank=True)
    best_bound = models.FloatField(_("下界"), null=True, blank=True)
    gap = models.FloatField(_("相对差距"), null=True, blank=True)
    wall_time_s = models.FloatField(_("用时 (秒)"))
    first_solution_s = models.FloatField(_("首个可行解用时 (秒)"), null=True, blank=True)
    time_limit_s = models.FloatField(_("时间上限 (秒)"))
    terms = models.JSONField(_("目标分项"), default=dict)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "alliance__station"
    own_path: ClassVar[str | None] = "alliance__members__staff"
    own_label: ClassVar[Any] = _("本单位所在联盟的排班")

    class Meta:
        verbose_name = _("轮值表")
        verbose_name_plural = verbose_name
        ordering = ["alliance", "-period_start"]

    def __str__(self) -> str:
        return f"{self.alliance} {self.period_start}（{self.days}天）"

    @property
    def period_end(self) -> date:
        from datetime import timedelta

        return self.period_start + timedelta(days=self.days - 1)


class RosterAssignment(models.Model):
    """One guard on one shift on one day of a roster."""

    roster = models.ForeignKey(
        Roster, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("轮值表")
    )
    guard = models.ForeignKey(
        Guard, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("保安员")
    )
    date = models.DateField(_("日期"))
    shift = models.ForeignKey(
        ShiftTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("班次")
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "roster__alliance__station"
    own_path: ClassVar[str | None] = "guard__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安的排班")

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = verbose_name
        ordering = ["roster", "date", "shift", "guard"]
        constraints = [
            # One shift a calendar day is a hard rule; the database holds it too.
            models.UniqueConstraint(fields=["roster", "guard", "date"], name="uniq_assignment_guard_day")
        ]

    def __str__(self) -> str:
        return f"{self.guard} {self.date} {self.shift.code}"


from zhengyi.alliances import models_training as models_training  # noqa: E402  (rotating training, 轮训)
from zhengyi.alliances.models_catches import Catch  # noqa: E402,F401  (反扒队 catches, linked to cases)
from zhengyi.alliances.models_operations import DutyUnit, Inspection, InspectionItem, Rectification  # noqa: E402,F401
