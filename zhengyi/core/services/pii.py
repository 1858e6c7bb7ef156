"""Revealing personal data: only for roles that need it, and always logged with a reason."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from zhengyi.core.models import User
from zhengyi.core.permissions import can
from zhengyi.core.pii import personal_fields
from zhengyi.core.services.audit import record_access


@transaction.atomic
def reveal_personal_data(*, user: User, obj: models.Model, reason: str) -> dict[str, str]:
    """Unmasked personal fields of ``obj`` for ``user``; writes the ``AccessLog`` row."""
    if not can(user, "view_pii", obj):
        raise PermissionDenied(
            "您的角色无权查看此记录的个人信息明文 / your role may not see this personal data"
        )
    fields = {f.name: str(getattr(obj, f.name) or "") for f in personal_fields(type(obj))}
    record_access(user=user, obj=obj, fields=list(fields), reason=reason)
    return fields
