"""阳光平台: publications with their versions, withdrawals and progress steps; public feedback;
the lookup rate limiter.

What is public and what is internal is decided per field: a version's ``original_*`` and
``party_names`` are the internal draft (personal data, masked in the change log), ``title`` and
``text`` are the redacted public text, made only by :mod:`zhengyi.sunshine.redaction`. Nothing
published is edited or deleted: a correction is a new version, a withdrawal a row of its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengyi.core.models import StationScoped
from zhengyi.core.pii import PersonalDataField
from zhengyi.core.querysets import RestrictedManager

TEXT_MAX = 20_000


class Publication(StationScoped):
    """公开信息: one notice, briefing or key case, however many versions it goes through."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("警情通报")
        BRIEFING = "briefing", _("案情")
        KEY_CASE = "key_case", _("重点案件")
        PROGRESS = "progress", _("处置进程")
        DIFFICULT = "difficult", _("疑难警情")

    number = models.CharField(_("编号"), max_length=32)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    source_case_id = models.PositiveBigIntegerField(_("来源案件"), null=True, blank=True)
    source_alert = models.ForeignKey(
        "alerts.Alert",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("来源警情"),
    )
    # The version the portal shows; null until the first approval.
    current = models.ForeignKey(
        "PublicationVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("现行版本"),
    )
    first_published_at = models.DateTimeField(_("首次发布时间"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )

    class Meta:
        verbose_name = _("公开信息")
        verbose_name_plural = verbose_name
        ordering = ["-first_published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["station", "number"], name="uniq_publication_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def has_progress(self) -> bool:
        return self.kind in (self.Kind.KEY_CASE, self.Kind.DIFFICULT, self.Kind.PROGRESS)


class PublicationVersion(models.Model):
    """One version: the internal draft, its redacted public text, and its review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEW = "review", _("待审核")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被更正")
        RETURNED = "returned", _("已退回")

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="versions", verbose_name=_("公开信息")
    )
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    original_title = PersonalDataField(_("内部标题"), kind="other", max_length=200)
    original_text = PersonalDataField(_("内部正文"), kind="other", max_length=TEXT_MAX)
    # The parties' full names, one per line: what redaction replaces. Never shown publicly.
    party_names = PersonalDataField(_("当事人姓名"), kind="other", max_length=4000, blank=True)
    title = models.CharField(_("公开标题"), max_length=200)
    text = models.TextField(_("公开正文"))
    redactions = models.PositiveIntegerField(_("脱敏处数"), default=0)
    correction_note = models.CharField(_("更正说明"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("撰稿人")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    text_sha256 = models.CharField(_("正文摘要"), max_length=64, blank=True)
    ledger_index = models.PositiveBigIntegerField(_("日志序号"), null=True, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "publication__station"
    own_path: ClassVar[str | None] = "author"
    own_label: ClassVar[Any] = _("本人撰写的稿件")

    class Meta:
        verbose_name = _("公开信息版本")
        verbose_name_plural = verbose_name
        ordering = ["publication", "version"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "version"], name="uniq_publication_version"),
            # At most one version of a publication is being written or reviewed at a time.
            models.UniqueConstraint(
                fields=["publication"],
                condition=Q(status__in=["draft", "review", "returned"]),
                name="uniq_publication_open_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication.number} v{self.version}"

    def names(self) -> list[str]:
        return [n.strip() for n in (self.party_names or "").splitlines() if n.strip()]


class Withdrawal(models.Model):
    """撤回: the publication stays visible as withdrawn, with the reason."""

    publication = models.OneToOneField(
        Publication, on_delete=models.PROTECT, related_name="withdrawal", verbose_name=_("公开信息")
    )
    reason = models.CharField(_("撤回原因"), max_length=300)
    withdrawn_at = models.DateTimeField(_("撤回时间"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("撤回人")
    )
    ledger_index = models.PositiveBigIntegerField(_("日志序号"), null=True, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "publication__station"

    class Meta:
        verbose_name = _("撤回记录")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.publication.number} {self.reason}"


class ProgressEntry(models.Model):
    """处置进程: one public-safe step on a key case's or difficult alert's timeline."""

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="progress", verbose_name=_("公开信息")
    )
    seq = models.PositiveIntegerField(_("序号"))
    on = models.DateField(_("日期"))
    text = models.CharField(_("进展"), max_length=300)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    ledger_index = models.PositiveBigIntegerField(_("日志序号"), null=True, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "publication__station"

    class Meta:
        verbose_name = _("处置进程")
        verbose_name_plural = verbose_name
        ordering = ["publication", "on", "seq"]
        constraints = [models.UniqueConstraint(fields=["publication", "seq"], name="uniq_progress_seq")]

    def __str__(self) -> str:
        return f"{self.on} {self.text}"


class Feedback(StationScoped):
    """交流意见: a public message; published, redacted, only together with the official reply."""

    class Status(models.TextChoices):
        NEW = "new", _("待处理")
        PUBLISHED = "published", _("已答复公开")
        REJECTED = "rejected", _("不予公开")

    number = models.CharField(_("编号"), max_length=32)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    subject = PersonalDataField(_("主题"), kind="other", max_length=100)
    message = PersonalDataField(_("留言"), kind="other", max_length=2000)
    contact = PersonalDataField(_("联系方式"), kind="other", max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NEW)
    public_subject = models.CharField(_("公开主题"), max_length=100, blank=True)
    public_message = models.TextField(_("公开留言"), blank=True)
    reply = models.TextField(_("官方答复"), blank=True)
    reject_reason = models.CharField(_("不予公开原因"), max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    moderated_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    replied_by_name = models.CharField(_("答复单位"), max_length=100, blank=True)
    ledger_index = models.PositiveBigIntegerField(_("日志序号"), null=True, blank=True)
    # A message typed on the internet-side portal (a mirror) carries a random reference made
    # there, so carrying it to the police side twice files it once (services/relay.py).
    portal_ref = models.CharField(_("门户留言标识"), max_length=40, blank=True)
    # On the mirror: when a portal bundle confirmed the police side holds it (its contact is
    # then erased from the internet side).
    relayed_at = models.DateTimeField(_("转交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交流意见")
        verbose_name_plural = verbose_name
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "number"], name="uniq_feedback_number"),
            models.UniqueConstraint(
                fields=["portal_ref"], condition=~Q(portal_ref=""), name="uniq_feedback_portal_ref"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LookupThrottle(models.Model):
    """Attempts per client and time window, in the database so every process counts alike.

    ``client`` is a keyed hash of the client address (the address itself is personal data and is
    not kept); rows of past windows are purged as new ones are written.
    """

    scope = models.CharField(_("用途"), max_length=16)
    client = models.CharField(_("客户端摘要"), max_length=64)
    window_start = models.DateTimeField(_("时间窗口"), db_index=True)
    count = models.PositiveIntegerField(_("次数"), default=0)

    objects = RestrictedManager()
    # Not a station's data: counters for the public endpoints of the whole deployment.
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("查询限流")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["scope", "client", "window_start"], name="uniq_throttle_window")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.client[:8]} {self.window_start}"


class PublishedSummary(StationScoped):
    """On a mirror: one month's alert table exactly as the police side published it.

    Only the shown text travels (numbers, "<5", "*"): the internet side has no alerts and never
    receives a count below the threshold. The police side computes its tables live instead.
    """

    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    threshold = models.PositiveSmallIntegerField(_("最小公开数"))
    rows = models.JSONField(_("片区"))  # zone names, in table order
    columns = models.JSONField(_("类别"))  # alert category codes, in table order
    grid = models.JSONField(_("表格"))  # shown text: one line per zone, then the totals line
    exported_at = models.DateTimeField(_("导出时间"))

    class Meta:
        verbose_name = _("已公开的月度警情统计")
        verbose_name_plural = verbose_name
        ordering = ["station", "-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["station", "year", "month"], name="uniq_published_summary")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.year}-{self.month:02d}"


class PublishedLookup(models.Model):
    """On a mirror: what the progress lookup answers for one case — and nothing more.

    The case number, the lookup code's salted hash as the police side stores it, and codes for
    the kind, the stage and the stage steps (labels are rendered by ``cases.selectors`` so both
    languages work); no parties, titles or summaries.
    """

    number = models.CharField(_("案件编号"), max_length=64, unique=True)
    lookup_hash = models.CharField(_("查询码摘要"), max_length=140)
    kind = models.CharField(_("案件性质"), max_length=16)
    stage = models.CharField(_("办理阶段"), max_length=16)
    handling_unit = models.CharField(_("办理单位"), max_length=100)
    steps = models.JSONField(_("办理进程"))  # [[stage code, "YYYY-MM-DD"], ...]

    objects = RestrictedManager()
    # The deployment's public answers, not one station's working data.
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("案件查询（镜像）")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.number


class PublicGeneration(models.Model):
    """One row counting every change to what the stored public pages show.

    Bumped by database triggers (migration 0003) on each insert, update or delete of the tables
    those pages read — publications, their versions, withdrawals, progress steps, feedback and
    stations — in the writing transaction itself, whoever writes: a service, an import, the
    admin or a hand-made SQL statement. A stored page is served only while this count is the
    one it was rendered at (:mod:`zhengyi.sunshine.page_store`).
    """

    value = models.BigIntegerField(_("版本号"), default=0)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("公开页面版本号")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return str(self.value)


class StoredPage(models.Model):
    """A public page as it was last rendered, per path and language, with what it was rendered
    from: the public generation and the code's fingerprint (templates and translations)."""

    path = models.CharField(_("路径"), max_length=200)
    language = models.CharField(_("语言"), max_length=16)
    generation = models.BigIntegerField(_("数据版本号"))
    fingerprint = models.CharField(_("代码指纹"), max_length=64)
    content_type = models.CharField(_("内容类型"), max_length=100)
    body = models.BinaryField(_("内容"))
    rendered_at = models.DateTimeField(_("生成时间"))

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("已生成的公开页面")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["path", "language"], name="uniq_stored_page")]

    def __str__(self) -> str:
        return f"{self.path} [{self.language}]"
