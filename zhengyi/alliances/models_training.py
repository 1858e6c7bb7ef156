"""Rotating training (轮训): the station's textbook, courses, cohorts, attendance, exams, certificates.

Imported at the bottom of ``models.py`` so Django finds these models in the alliances app.
Row scope: the textbook and courses belong to the station; a cohort trains one alliance's
guards. A member organisation's own staff (scope ``own``) see what concerns their guards:
the cohorts with their guards, those guards' attendance, results and certificates, and the
courses and textbook versions they were taught.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.core.models import StationScoped
from zhengyi.core.querysets import RestrictedManager


class TextbookModule(StationScoped):
    """One chapter of the station's own textbook, e.g. 法律法规; its text lives in versions."""

    code = models.CharField(_("代码"), max_length=20)
    title = models.CharField(_("标题"), max_length=100)

    own_path: ClassVar[str | None] = "versions__sessions__cohort__trainees__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安学过的教材")

    class Meta:
        verbose_name = _("教材单元")
        verbose_name_plural = verbose_name
        ordering = ["station", "code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="uniq_textbook_module")]

    def __str__(self) -> str:
        return self.title

    @property
    def current(self) -> TextbookVersion | None:
        return self.versions.order_by("-number").first()


class TextbookVersion(models.Model):
    """A version of a module's Markdown text. Editing makes a new version; none is overwritten."""

    module = models.ForeignKey(
        TextbookModule, on_delete=models.PROTECT, related_name="versions", verbose_name=_("教材单元")
    )
    number = models.PositiveIntegerField(_("版本号"))
    body = models.TextField(_("正文 (Markdown)"))
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("编写人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "module__station"
    own_path: ClassVar[str | None] = "sessions__cohort__trainees__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安学过的教材版本")

    class Meta:
        verbose_name = _("教材版本")
        verbose_name_plural = verbose_name
        ordering = ["module", "-number"]
        constraints = [models.UniqueConstraint(fields=["module", "number"], name="uniq_textbook_version")]

    def __str__(self) -> str:
        return f"{self.module.title} v{self.number}"


class TrainingCourse(StationScoped):
    """A course: the modules in order over ``days`` days; for one alliance or the whole station."""

    alliance = models.ForeignKey(
        "alliances.Alliance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("联盟（空：全所通用）"),
    )
    title = models.CharField(_("名称"), max_length=100)
    days = models.PositiveSmallIntegerField(
        _("天数"), default=14, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("每期人数上限"), default=30, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("及格分"), default=60, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    min_attendance = models.PositiveSmallIntegerField(
        _("最低出勤率 (%)"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    validity_days = models.PositiveSmallIntegerField(
        _("证书有效天数"), default=365, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    modules: models.ManyToManyField[TextbookModule, CourseModule] = models.ManyToManyField(
        TextbookModule, through="CourseModule", related_name="courses", verbose_name=_("教材单元")
    )

    own_path: ClassVar[str | None] = "cohorts__trainees__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安参加的课程")

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = verbose_name
        ordering = ["station", "title"]
        constraints = [models.UniqueConstraint(fields=["station", "title"], name="uniq_course_title")]

    def __str__(self) -> str:
        return self.title


class CourseModule(models.Model):
    """A module's place in a course, and how many sessions it takes."""

    course = models.ForeignKey(
        TrainingCourse, on_delete=models.CASCADE, related_name="course_modules", verbose_name=_("课程")
    )
    module = models.ForeignKey(
        TextbookModule, on_delete=models.PROTECT, related_name="+", verbose_name=_("教材单元")
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    sessions = models.PositiveSmallIntegerField(
        _("课次"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "course__station"
    own_path: ClassVar[str | None] = "course__cohorts__trainees__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安参加的课程")

    class Meta:
        verbose_name = _("课程单元")
        verbose_name_plural = verbose_name
        ordering = ["course", "order"]
        constraints = [models.UniqueConstraint(fields=["course", "module"], name="uniq_course_module")]

    def __str__(self) -> str:
        return f"{self.course} {self.order}. {self.module}"


class TrainingCohort(models.Model):
    """One run of a course (一期轮训) for guards of one alliance, officers as instructors."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已确认")
        CERTIFIED = "certified", _("已结业")

    course = models.ForeignKey(
        TrainingCourse, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("课程")
    )
    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("联盟")
    )
    first = models.DateField(_("开始日期"))
    last = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    trainees = models.ManyToManyField("alliances.Guard", related_name="cohorts", verbose_name=_("学员"))
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="taught_cohorts", verbose_name=_("教官")
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "alliance__station"
    own_path: ClassVar[str | None] = "trainees__employer__staff"
    own_label: ClassVar[Any] = _("有本单位保安参训的期次")

    class Meta:
        verbose_name = _("轮训期次")
        verbose_name_plural = verbose_name
        ordering = ["-first", "alliance"]

    def __str__(self) -> str:
        return f"{self.course.title} {self.first:%Y-%m-%d}"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


class TrainingSession(models.Model):
    """One lesson of a cohort: a module, on a day, by an instructor, from a textbook version."""

    cohort = models.ForeignKey(
        TrainingCohort, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("期次")
    )
    module = models.ForeignKey(
        TextbookModule, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("教材单元")
    )
    # The version taught: the module's latest when the cohort was confirmed.
    version = models.ForeignKey(
        TextbookVersion, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("教材版本")
    )
    date = models.DateField(_("日期"))
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("教官"),
    )

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "cohort__alliance__station"
    own_path: ClassVar[str | None] = "cohort__trainees__employer__staff"
    own_label: ClassVar[Any] = _("有本单位保安参训的课次")

    class Meta:
        verbose_name = _("课次")
        verbose_name_plural = verbose_name
        ordering = ["cohort", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date:%m-%d} {self.module.title}"


class Attendance(models.Model):
    """Whether a trainee was at a session."""

    class Status(models.TextChoices):
        PRESENT = "present", _("出勤")
        ABSENT = "absent", _("缺勤")
        EXCUSED = "excused", _("请假")

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("课次")
    )
    guard = models.ForeignKey(
        "alliances.Guard", on_delete=models.PROTECT, related_name="attendance", verbose_name=_("保安员")
    )
    status = models.CharField(_("出勤"), max_length=10, choices=Status.choices)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "session__cohort__alliance__station"
    own_path: ClassVar[str | None] = "guard__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安的出勤")

    class Meta:
        verbose_name = _("出勤记录")
        verbose_name_plural = verbose_name
        ordering = ["session", "guard"]
        constraints = [models.UniqueConstraint(fields=["session", "guard"], name="uniq_attendance")]

    def __str__(self) -> str:
        return f"{self.session} {self.guard} {self.status}"


class ExamResult(models.Model):
    """A trainee's exam score (0–100) at the end of a cohort."""

    cohort = models.ForeignKey(
        TrainingCohort, on_delete=models.CASCADE, related_name="results", verbose_name=_("期次")
    )
    guard = models.ForeignKey(
        "alliances.Guard", on_delete=models.PROTECT, related_name="exam_results", verbose_name=_("保安员")
    )
    score = models.PositiveSmallIntegerField(_("成绩"), validators=[MaxValueValidator(100)])

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "cohort__alliance__station"
    own_path: ClassVar[str | None] = "guard__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安的成绩")

    class Meta:
        verbose_name = _("考试成绩")
        verbose_name_plural = verbose_name
        ordering = ["cohort", "guard"]
        constraints = [models.UniqueConstraint(fields=["cohort", "guard"], name="uniq_exam_result")]

    def __str__(self) -> str:
        return f"{self.guard} {self.score}"


class Certificate(models.Model):
    """结业证书: issued to a trainee who attended enough and passed; valid until ``expires``."""

    cohort = models.ForeignKey(
        TrainingCohort, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("期次")
    )
    guard = models.ForeignKey(
        "alliances.Guard",
        on_delete=models.PROTECT,
        related_name="training_certificates",
        verbose_name=_("保安员"),
    )
    issued = models.DateField(_("发证日期"))
    expires = models.DateField(_("有效期至"))

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "cohort__alliance__station"
    own_path: ClassVar[str | None] = "guard__employer__staff"
    own_label: ClassVar[Any] = _("本单位保安的培训证书")

    class Meta:
        verbose_name = _("培训证书")
        verbose_name_plural = verbose_name
        ordering = ["-issued", "guard"]
        constraints = [models.UniqueConstraint(fields=["cohort", "guard"], name="uniq_certificate")]

    def __str__(self) -> str:
        return f"{self.guard} {self.issued}–{self.expires}"
