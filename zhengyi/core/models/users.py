from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhengyi.core.pii import PersonalDataField
from zhengyi.core.querysets import RestrictedQuerySet
from zhengyi.core.validators import validate_mobile


class Role(models.Model):
    """A duty (DESIGN §1). Rules say which models it may act on; code defines, DB holds."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=50)
    description = models.TextField(_("职责"), blank=True)
    # Staff of a station see that station; a bureau role reads across the bureau's stations.
    reads_across_stations = models.BooleanField(_("跨所只读"), default=False)

    objects = RestrictedQuerySet.as_manager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = pgettext_lazy("model", "角色")
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class RoleRule(models.Model):
    """Role may perform ``action`` on rows of ``model`` (``app_label.model``) within its reach.

    ``scope`` narrows the reach: ``station`` is every row of the user's stations, ``own`` only
    the rows the user is responsible for.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("查看")
        ADD = "add", _("新增")
        CHANGE = "change", _("修改")
        DELETE = "delete", _("删除")
        VIEW_PII = "view_pii", _("查看个人信息明文")

    class Scope(models.TextChoices):
        # Every row of the stations within the user's reach.
        STATION = "station", _("所辖全部")
        # Only the rows the user is responsible for, as the model's ``own_path`` says (e.g.
        # a patrol officer: the alerts of the unit they crew).
        OWN = "own", _("本人负责")

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="rules")
    model = models.CharField(_("数据表"), max_length=100)
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    scope = models.CharField(_("范围"), max_length=8, choices=Scope.choices, default=Scope.STATION)

    objects = RestrictedQuerySet.as_manager()
    station_path: ClassVar[str | None] = None

    class Meta:
        verbose_name = _("角色权限")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["role", "model", "action"], name="uniq_role_rule")]

    def __str__(self) -> str:
        own = " (own)" if self.scope == self.Scope.OWN else ""
        return f"{self.role.code}: {self.action} {self.model}{own}"


class RestrictedUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    badge_number = models.CharField(_("警号/工号"), max_length=20, blank=True)
    mobile = PersonalDataField(
        _("手机号"), kind="mobile", max_length=20, blank=True, validators=[validate_mobile]
    )
    station = models.ForeignKey(
        "core.Station",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("派出所"),
    )
    bureau = models.ForeignKey(
        "core.Bureau",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("分局"),
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("角色"))
    is_demo = models.BooleanField(_("演示账户"), default=False)
    failed_logins = models.PositiveIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    objects = RestrictedUserManager()  # type: ignore[misc]
    station_path: ClassVar[str | None] = "station"

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = verbose_name
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username
