"""Reference data defined in code (subcategories), kept in the database like the roles."""

from __future__ import annotations

from django.db import transaction

from zhengyi.alerts.models import Subcategory
from zhengyi.alerts.subcategories import DEFAULT_SUBCATEGORIES
from zhengyi.core.models import User
from zhengyi.core.services.audit import record_created_bulk


@transaction.atomic
def sync_subcategories(*, actor: User | None = None) -> int:
    """Create the default subcategories that are missing; returns how many were created."""
    from zhengyi.core.services.roles import system_user

    existing = set(Subcategory.objects.values_list("code", flat=True))
    missing = [
        Subcategory(category=category, code=code, name=name, pinyin=pinyin)
        for category, code, name, pinyin in DEFAULT_SUBCATEGORIES
        if code not in existing
    ]
    if not missing:
        return 0
    Subcategory.objects.bulk_create(missing)
    created = list(Subcategory.objects.filter(code__in=[s.code for s in missing]))
    record_created_bulk(actor=actor or system_user(), objects=created, message="默认细类")
    return len(created)
