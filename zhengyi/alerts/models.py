"""接处警: alerts, their timeline, the versioned handling standard, units and assignments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengyi.alerts import taxonomy
from zhengyi.alerts.choices import (
    CATEGORY_CHOICES,
    KIND_CHOICES,
    PRIORITY_CHOICES,
    SOURCE_CHOICES,
    Status,
    Step,
)
from zhengyi.core import validators
from zhengyi.core.models import StationScoped
from zhengyi.core.pii import PersonalDataField
from zhengyi.core.querysets import RestrictedManager, RestrictedQuerySet
from zhengyi.precinct.choices import Level

if TYPE_CHECKING:
    from zhengyi.core.models import User


class Subcategory(models.Model):
    """A subcategory of one of the ten categories (e.g. 刑事 › 盗窃), with pinyin initials."""

    category = models.CharField(_("类别"), max_length=20, choices=CATEGORY_CHOICES)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    # Typed by dispatchers: "dq" finds 盗窃 (daoqie).
    pinyin = models.CharField(_("拼音首字母"), max_length=20)
    active = models.BooleanField(_("启用"), default=True)

    objects = RestrictedQuerySet.as_manager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("警情细类")
        verbose_name_plural = verbose_name
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class HandlingStandard(StationScoped):
    """处警标准: one version of the rules; an alert is held to the version in force when received."""

    version = models.PositiveIntegerField(_("版本"))
    effective_from = models.DateTimeField(_("生效时间"))
    note = models.CharField(_("修订说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("处警标准")
        verbose_name_plural = verbose_name
        ordering = ["station", "-version"]
        constraints = [models.UniqueConstraint(fields=["station", "version"], name="uniq_standard_version")]

    def __str__(self) -> str:
        return f"处警标准 v{self.version}"


class HandlingRule(models.Model):
    """The rule for one category (and zone type, where it differs) within a standard version."""

    standard = models.ForeignKey(HandlingStandard, on_delete=models.CASCADE, related_name="rules")
    category = models.CharField(_("类别"), max_length=20, choices=CATEGORY_CHOICES)
    # Blank: every zone type; a rule for a specific zone kind takes precedence.
    zone_kind = models.CharField(_("片区类型"), max_length=20, blank=True)
    priority = models.PositiveSmallIntegerField(_("默认等级"), choices=PRIORITY_CHOICES)
    arrival_minutes = models.PositiveSmallIntegerField(
        _("到场时限 (分钟)"), validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    feedback_minutes = models.PositiveSmallIntegerField(
        _("反馈时限 (分钟)"), validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    steps = models.JSONField(_("必经步骤"), default=list)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "standard__station"

    class Meta:
        verbose_name = _("处警规则")
        verbose_name_plural = verbose_name
        ordering = ["standard", "category", "zone_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "category", "zone_kind"], name="uniq_rule_category_zone"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.zone_kind or '*'}"


class Alert(StationScoped):
    """警情: one 110 call or report, held to the handling standard in force when received."""

    number = models.CharField(_("警情编号"), max_length=32)
    kind = models.CharField(_("性质"), max_length=16, choices=KIND_CHOICES)
    source = models.CharField(_("来源"), max_length=16, choices=SOURCE_CHOICES)
    # The original classification is kept beside the final one: downgrading a call must not
    # silently improve response statistics.
    category_initial = models.CharField(_("初始类别"), max_length=20, choices=CATEGORY_CHOICES)
    category = models.CharField(_("类别"), max_length=20, choices=CATEGORY_CHOICES)
    subcategory = models.ForeignKey(
        Subcategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority_initial = models.PositiveSmallIntegerField(_("初始等级"), choices=PRIORITY_CHOICES)
    priority = models.PositiveSmallIntegerField(_("等级"), choices=PRIORITY_CHOICES)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    caller_name = PersonalDataField(_("报警人"), kind="name", max_length=50, blank=True)
    caller_phone = PersonalDataField(
        _("联系电话"), kind="mobile", max_length=20, blank=True, validators=[validators.validate_mobile]
    )
    building = models.ForeignKey(
        "precinct.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼宇"),
    )
    landmark = models.ForeignKey(
        "precinct.Landmark",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("地标"),
    )
    zone = models.ForeignKey(
        "precinct.Zone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("片区"),
    )
    level = models.CharField(_("空间层"), max_length=16, choices=Level.choices, default=Level.STREET)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    location_text = models.CharField(_("地点描述"), max_length=200, blank=True)
    description = models.TextField(_("警情描述"), blank=True)
    standard = models.ForeignKey(HandlingStandard, on_delete=models.PROTECT, related_name="alerts")
    arrival_target_minutes = models.PositiveSmallIntegerField(_("到场时限 (分钟)"))
    feedback_target_minutes = models.PositiveSmallIntegerField(_("反馈时限 (分钟)"))
    required_steps = models.JSONField(_("必经步骤"), default=list)
    done_steps = models.JSONField(_("已完成步骤"), default=list)
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("指令时间"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("出警时间"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("处置完毕时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True)
    request_fingerprint = models.CharField(_("请求摘要"), max_length=64, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True)
    disposition = models.CharField(_("处置结果"), max_length=200, blank=True)

    # An officer's own alerts: those sent (now or before) to a unit they crew.
    own_path: ClassVar[str | None] = "assignments__unit__crew"
    own_label: ClassVar[Any] = _("本人所在出警单位受指派的警情")

    class Meta:
        verbose_name = _("警情")
        verbose_name_plural = verbose_name
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "number"], name="uniq_alert_number"),
            models.UniqueConstraint(
                fields=["station", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_alert_idempotency",
            ),
            models.UniqueConstraint(
                fields=["station", "external_id"], condition=~Q(external_id=""), name="uniq_alert_external"
            ),
        ]
        indexes = [models.Index(fields=["station", "status"], name="alert_status")]

    def __str__(self) -> str:
        # Every intake's change record names its alert; get_category_display() rebuilds the
        # choices' mapping on each call.
        return f"{self.number} {taxonomy.CATEGORIES.get(self.category, self.category)}"


class AlertEvent(models.Model):
    """One step on an alert's timeline, with its time and operator."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices)
    time = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    unit = models.ForeignKey(
        "alerts.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "alert__station"
    own_path: ClassVar[str | None] = "alert__assignments__unit__crew"
    own_label: ClassVar[Any] = _("本人所在出警单位受指派警情的时间线")

    class Meta:
        verbose_name = _("警情时间线")
        verbose_name_plural = verbose_name
        ordering = ["alert", "time", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.time:%H:%M:%S}"


class Unit(StationScoped):
    """出警单位: a patrol car, a foot patrol or another team that can be sent to an alert."""

    class Kind(models.TextChoices):
        PATROL_CAR = "patrol_car", _("巡逻车")
        FOOT_PATROL = "foot_patrol", _("步巡")
        MOTORCYCLE = "motorcycle", _("摩托巡逻")
        TEAM = "team", _("专业队")
        # A team of an alliance's guards on duty (zhengyi.alliances keeps the team ↔ unit link).
        GUARD_TEAM = "guard_team", _("保安队")

    class UnitStatus(models.TextChoices):
        AVAILABLE = "available", _("空闲")
        EN_ROUTE = "en_route", _("出警途中")
        ON_SCENE = "on_scene", _("在现场")
        BUSY = "busy", _("忙碌")
        OFF_DUTY = "off_duty", _("下班")

    code = models.CharField(_("编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.OFF_DUTY
    )
    level = models.CharField(_("空间层"), max_length=16, choices=Level.choices, default=Level.STREET)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    position_at = models.DateTimeField(_("位置更新时间"), null=True, blank=True)
    # When the unit's shift ends, for units whose duty follows a roster (guard teams): past it
    # the unit is not recommended or sent, and clearing its last alert takes it off duty.
    duty_until = models.DateTimeField(_("值守结束时间"), null=True, blank=True)
    # Who works the unit this shift; set by the dispatcher through ``set_unit_crew``.
    crew: models.ManyToManyField[User, UnitCrew] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="UnitCrew",
        related_name="crewed_units",
        blank=True,
        verbose_name=_("组员"),
    )

    own_path: ClassVar[str | None] = "crew"
    own_label: ClassVar[Any] = _("本人所在的出警单位")

    class Meta:
        verbose_name = _("出警单位")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="uniq_unit_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def travel_mode(self) -> str:
        """How it moves on the network: cars and motorcycles drive, everyone else walks."""
        return "drive" if self.kind in (self.Kind.PATROL_CAR, self.Kind.MOTORCYCLE) else "walk"


class UnitCrew(models.Model):
    """One person crewing one unit: what makes the unit's alerts theirs to work on."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="crew_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="unit_links",
        verbose_name=_("组员"),
    )
    since = models.DateTimeField(_("加入时间"))

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "unit__station"
    own_path: ClassVar[str | None] = "user"
    own_label: ClassVar[Any] = _("本人的组员记录")

    class Meta:
        verbose_name = _("出警单位组员")
        verbose_name_plural = verbose_name
        ordering = ["unit", "since", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="uniq_unit_crew")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class Assignment(models.Model):
    """指派: one unit sent to one alert. A unit has at most one active assignment."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    active = models.BooleanField(_("进行中"), default=True)
    eta_seconds = models.FloatField(_("预计到达 (秒)"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("指令时间"))
    en_route_at = models.DateTimeField(_("出警时间"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("处置完毕时间"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "alert__station"
    # The unit's own assignments only: advancing one sets that unit's status.
    own_path: ClassVar[str | None] = "unit__crew"
    own_label: ClassVar[Any] = _("本人所在出警单位的指派")

    class Meta:
        verbose_name = _("指派")
        verbose_name_plural = verbose_name
        ordering = ["alert", "dispatched_at"]
        constraints = [
            # The database, not the application, decides the race between two dispatchers.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(active=True), name="one_active_assignment_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.alert}"


class BoardEvent(models.Model):
    """A change the command boards must show, appended in the same transaction as the change.

    Boards in any app process follow this table (newest id first seen wins), so a change made
    through one process reaches boards served by every other — nothing lives in one
    process's memory.
    """

    station = models.ForeignKey("core.Station", on_delete=models.CASCADE, related_name="+")
    time = models.DateTimeField(_("时间"), auto_now_add=True)
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    summary = models.CharField(_("摘要"), max_length=200)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "station"

    class Meta:
        verbose_name = _("指挥板事件")
        verbose_name_plural = verbose_name
        ordering = ["id"]
        indexes = [models.Index(fields=["station", "id"], name="boardevent_station_id")]

    def __str__(self) -> str:
        return self.summary
