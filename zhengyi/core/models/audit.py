from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengyi.core.querysets import RestrictedManager


class ObjectChange(models.Model):
    """One write to one object, whoever made it and through whichever door."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied as text so the record survives the account's deletion or renaming.
    actor_name = models.CharField(_("操作人"), max_length=150)
    source = models.CharField(_("来源"), max_length=16)  # web, api, cli, job, system
    correlation_id = models.CharField(_("请求/任务编号"), max_length=64, db_index=True)
    station = models.ForeignKey(
        "core.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    action = models.CharField(_("操作"), max_length=8, choices=Action.choices)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    related_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    related_object_id = models.CharField(max_length=64, blank=True)
    message = models.CharField(_("说明"), max_length=200, blank=True)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "station"

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = verbose_name
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="objchange_object"),
            # The newest change of a kind (reference-data and network version stamps): without
            # it PostgreSQL walks the primary key back through every later change.
            models.Index(fields=["content_type", "id"], name="objchange_kind_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(label, before, after) for each field that differs; labels are the fields' names."""
        before, after = self.before or {}, self.after or {}
        model = self.content_type.model_class()
        labels: dict[str, str] = {}
        if model is not None:
            for f in model._meta.concrete_fields:
                labels[f.attname] = str(f.verbose_name)
        keys = sorted(set(before) | set(after))
        return [
            (labels.get(k, k), before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)
        ]


class AccessLog(models.Model):
    """A view of unmasked personal data: who, when, which record, and why."""

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    user_name = models.CharField(_("查看人"), max_length=150)
    station = models.ForeignKey(
        "core.Station", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("记录"), max_length=200)
    fields = models.JSONField(_("字段"), default=list)
    reason = models.CharField(_("查看事由"), max_length=300)
    correlation_id = models.CharField(_("请求编号"), max_length=64)

    objects = RestrictedManager()
    station_path: ClassVar[str | None] = "station"

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = verbose_name
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.user_name} → {self.object_repr}"
