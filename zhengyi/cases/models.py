"""案件: cases, their stage history, parties, measures, extensions and documents.

Row scope (zhengyi/core/permissions.py): a case belongs to its station; every other table
reaches the station through its case. A case's own users (rules of scope ``own``) are its
investigators (``own_path``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.cases import stages
from zhengyi.core import validators
from zhengyi.core.models import StationScoped
from zhengyi.core.pii import PersonalDataField
from zhengyi.core.querysets import RestrictedManager


class Case(StationScoped):
    """案件: a 刑事 or 行政 case, opened (受案) from one or more alerts or directly."""

    class Kind(models.TextChoices):
        CRIMINAL = stages.CRIMINAL, _("刑事")
        ADMINISTRATIVE = stages.ADMINISTRATIVE, _("行政")

    class Category(models.TextChoices):
        THEFT = "theft", _("盗窃")
        FRAUD = "fraud", _("诈骗")
        # 传销 and the like: their 立案 review runs 7/30/+30 days instead of 3/7/30.
        ECONOMIC = "economic", _("经济犯罪（传销等）")
        ASSAULT = "assault", _("伤害")
        ROBBERY = "robbery", _("抢劫、抢夺")
        DRUGS = "drugs", _("涉毒")
        PUBLIC_ORDER = "public_order", _("治安")
        OTHER = "other", _("其他")

    class Stage(models.TextChoices):
        RECEIVED = stages.RECEIVED, _("受案")
        FILED = stages.FILED, _("立案")
        NOT_FILED = stages.NOT_FILED, _("不予立案")
        INVESTIGATING = stages.INVESTIGATING, _("侦查")
        CONCLUDED = stages.CONCLUDED, _("侦查终结")
        PROSECUTION = stages.PROSECUTION, _("移送审查起诉")
        REVOKED = stages.REVOKED, _("撤销案件")
        INQUIRY = stages.INQUIRY, _("调查")
        DECIDED = stages.DECIDED, _("决定")

    number = models.CharField(_("案件编号"), max_length=40)
    kind = models.CharField(_("案件性质"), max_length=16, choices=Kind.choices)
    category = models.CharField(_("案件类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("案件名称"), max_length=200)
    summary = models.TextField(_("简要案情（内部）"), blank=True)
    stage = models.CharField(_("办理阶段"), max_length=16, choices=Stage.choices, default=Stage.RECEIVED)
    is_key = models.BooleanField(_("重点案件"), default=False)
    opened_at = models.DateTimeField(_("受案时间"), db_index=True)
    stage_at = models.DateTimeField(_("进入本阶段时间"))
    # The alert it was opened from; more alerts (the office thief's several thefts) are linked.
    source_alert = models.ForeignKey(
        "alerts.Alert",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("来源警情"),
    )
    alerts = models.ManyToManyField(
        "alerts.Alert", blank=True, related_name="cases", verbose_name=_("关联警情")
    )
    investigators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cases", verbose_name=_("办案民警")
    )
    # The 受案回执 lookup code: only its salted hash is kept ("sha256$<salt>$<digest>").
    lookup_hash = models.CharField(_("查询码摘要"), max_length=140, blank=True)
    lookup_issued_at = models.DateTimeField(_("查询码签发时间"), null=True, blank=True)
    # 不予立案通知书 served on the complainant (due within 3 days of the decision).
    notice_served_at = models.DateTimeField(_("不予立案通知送达时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    own_path: ClassVar[str | None] = "investigators"
    own_label: ClassVar[Any] = _("本人承办的案件")

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = verbose_name
        ordering = ["-opened_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["station", "number"], name="uniq_case_number")]
        indexes = [models.Index(fields=["number"], name="case_number_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.stage in stages.TERMINAL

    @property
    def kind_label(self) -> str:
        return str(_("刑事案件") if self.kind == self.Kind.CRIMINAL else _("行政案件"))


class CaseScoped(models.Model):
    """A row of a case: its station and its own users are the case's."""

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "case__station"
    own_path: ClassVar[str | None] = "case__investigators"
    own_label: ClassVar[Any] = _("本人承办案件的记录")

    class Meta:
        abstract = True


class StageChange(CaseScoped):
    """One move of the case between stages: when, by whom, why."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("案件")
    )
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=Case.Stage.choices, blank=True)
    stage = models.CharField(_("阶段"), max_length=16, choices=Case.Stage.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    ledger_index = models.BigIntegerField(_("日志序号"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件阶段记录")
        verbose_name_plural = verbose_name
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_stage_display()}"


class Party(CaseScoped):
    """当事人: a suspect, victim, reporter or witness of a case."""

    class Role(models.TextChoices):
        SUSPECT = "suspect", _("犯罪嫌疑人/违法嫌疑人")
        VICTIM = "victim", _("被害人")
        REPORTER = "reporter", _("报案人")
        WITNESS = "witness", _("证人")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties", verbose_name=_("案件"))
    role = models.CharField(_("身份"), max_length=16, choices=Role.choices)
    name = PersonalDataField(_("姓名"), kind="name", max_length=50)
    id_number = PersonalDataField(
        _("身份证号"),
        kind="resident_id",
        max_length=18,
        blank=True,
        validators=[validators.validate_resident_id],
    )
    phone = PersonalDataField(
        _("手机号"), kind="mobile", max_length=20, blank=True, validators=[validators.validate_mobile]
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = verbose_name
        ordering = ["case", "role", "id"]

    def __str__(self) -> str:
        return f"P{self.pk:05d}" if self.pk else "P-"


class Measure(CaseScoped):
    """强制措施 (and 传唤, 提请批捕, 释放) taken on one party."""

    class Kind(models.TextChoices):
        SUMMONS = "summons", _("传唤")
        DETENTION = "detention", _("拘留")
        ARREST_REQUEST = "arrest_request", _("提请批捕")
        ARREST = "arrest", _("逮捕")
        BAIL = "bail", _("取保候审")
        SURVEILLANCE = "surveillance", _("监视居住")
        RELEASE = "release", _("释放")

    class Decision(models.TextChoices):
        PENDING = "", _("待检察院决定")
        APPROVED = "approved", _("批准逮捕")
        REFUSED = "refused", _("不批准逮捕")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures", verbose_name=_("案件"))
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="measures", verbose_name=_("当事人")
    )
    kind = models.CharField(_("措施"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # 提请批捕: the procuratorate's decision and its date.
    decision = models.CharField(_("检察院决定"), max_length=16, choices=Decision.choices, blank=True)
    decision_on = models.DateField(_("决定日期"), null=True, blank=True)
    # 拘留: the three 24-hour duties.
    custody_at = models.DateTimeField(_("送看守所时间"), null=True, blank=True)
    family_notified_at = models.DateTimeField(_("通知家属时间"), null=True, blank=True)
    interrogated_at = models.DateTimeField(_("首次讯问时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("强制措施")
        verbose_name_plural = verbose_name
        ordering = ["case", "party", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.party}"


class Extension(CaseScoped):
    """A time limit extended as the law allows: which limit, how long, on what basis, approved by whom."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("案件")
    )
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="extensions"
    )
    limit = models.CharField(_("期限"), max_length=40)
    amount = models.PositiveIntegerField(_("延长"))
    legal_basis = models.CharField(_("法律依据"), max_length=300)
    approved_by = models.CharField(_("批准人"), max_length=100)
    approved_on = models.DateField(_("批准日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("期限延长")
        verbose_name_plural = verbose_name
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.limit} +{self.amount}"


class Document(CaseScoped):
    """A file of the case file, kept under the data dir by its SHA-256; never served publicly."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("案件"))
    title = models.CharField(_("文书名称"), max_length=200)
    filename = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_name = models.CharField(_("上传人"), max_length=150)
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("案件文书")
        verbose_name_plural = verbose_name
        ordering = ["case", "-uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title
