"""Accounts: creation, roles, and log-in failures with lockout."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhengyi.core.models import Bureau, Role, Station, User
from zhengyi.core.services.audit import record_change, snapshot


@transaction.atomic
def create_user(
    *,
    actor: User,
    username: str,
    password: str | None,
    display_name: str,
    roles: list[str],
    station: Station | None = None,
    bureau: Bureau | None = None,
    badge_number: str = "",
    mobile: str = "",
    is_demo: bool = False,
) -> User:
    if (station is None) == (bureau is None):
        raise ValueError(
            "用户须属于一个派出所或一个分局（二选一）/ a user belongs to exactly one station or bureau"
        )
    found = {r.code: r for r in Role.objects.filter(code__in=roles)}
    missing = sorted(set(roles) - set(found))
    if missing:
        raise ValueError(f"未知角色 / unknown roles: {', '.join(missing)}")
    if mobile:
        from zhengyi.core.identifiers import validate_mobile

        mobile = validate_mobile(mobile)
    user = User(
        username=username,
        display_name=display_name,
        station=station,
        bureau=bureau,
        badge_number=badge_number,
        mobile=mobile,
        is_demo=is_demo,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.roles.set(found.values())
    record_change(actor=actor, obj=user, action="create", message="角色: " + ",".join(sorted(found)))
    return user


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


@transaction.atomic
def record_login_failure(*, user: User) -> User:
    """Count a failed log-in; past the limit the account is locked for a while."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user)
    user.failed_logins += 1
    message = f"登录失败 {user.failed_logins} 次"
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        user.failed_logins = 0
        message = f"连续登录失败，锁定至 {timezone.localtime(user.locked_until):%H:%M}"
    user.save(update_fields=["failed_logins", "locked_until"])
    record_change(actor=user, obj=user, action="update", before=before, message=message)
    return user


@transaction.atomic
def record_login_success(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        before = snapshot(user)
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
        record_change(actor=user, obj=user, action="update", before=before, message="登录成功，失败计数清零")


@transaction.atomic
def unlock_user(*, actor: User, user: User) -> None:
    before = snapshot(user)
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["failed_logins", "locked_until"])
    record_change(actor=actor, obj=user, action="update", before=before, message="解除锁定")
