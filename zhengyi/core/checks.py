"""Refuse a production start while demo accounts (with their published password) exist."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import OperationalError, ProgrammingError


def demo_accounts_guard(*, allow: bool | None = None) -> None:
    from zhengyi.core.models import User

    allowed = settings.ALLOW_DEMO_ACCOUNTS if allow is None else allow
    if allowed:
        return
    try:
        names = list(
            User.objects.filter(is_demo=True, is_active=True).values_list("username", flat=True)[:20]
        )
    except (OperationalError, ProgrammingError) as exc:
        raise ImproperlyConfigured(
            f"数据库尚未初始化（{exc}）：请先运行 zhengyi migrate / the database is not migrated"
        ) from exc
    if names:
        raise ImproperlyConfigured(
            "拒绝启动：存在使用公开密码的演示账户（"
            + ", ".join(names)
            + "）。生产环境请先停用这些账户；如确为演示，请设置 ZHENGYI_ALLOW_DEMO_ACCOUNTS=1 "
            "或使用 zhengyi serve --allow-demo-accounts / refusing to start while demo accounts exist"
        )
