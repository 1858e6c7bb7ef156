"""Keep the roles and rules in the database equal to :mod:`zhengyi.core.roles`."""

from __future__ import annotations

from django.db import transaction

from zhengyi.core.models import Role, RoleRule, User
from zhengyi.core.roles import ROLES
from zhengyi.core.services.audit import record_change, snapshot

SYSTEM_USERNAME = "system"


def system_user() -> User:
    """The account recorded as actor of migrations, imports and jobs started by no person."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"display_name": "系统", "is_superuser": True, "is_staff": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def sync_roles(*, actor: User | None = None) -> int:
    """Create or update every role and its rules; returns the number of rows changed."""
    actor = actor or system_user()
    changed = 0
    for definition in ROLES:
        role, created = Role.objects.get_or_create(
            code=definition.code,
            defaults={"name": definition.name, "name_en": definition.name_en},
        )
        before = None if created else snapshot(role)
        role.name, role.name_en = definition.name, definition.name_en
        role.description = definition.description
        role.reads_across_stations = definition.reads_across_stations
        if created or before != snapshot(role):
            role.save()
            record_change(actor=actor, obj=role, action="create" if created else "update", before=before)
            changed += 1
        wanted = definition.grants()
        have = {(r.model, r.action): r for r in role.rules.all()}
        for model, action in sorted(set(wanted) - set(have)):
            rule = RoleRule.objects.create(
                role=role, model=model, action=action, scope=wanted[(model, action)]
            )
            record_change(actor=actor, obj=rule, action="create", related=role)
            changed += 1
        for key in sorted(set(wanted) & set(have)):
            rule = have[key]
            if rule.scope != wanted[key]:
                before_rule = snapshot(rule)
                rule.scope = wanted[key]
                rule.save(update_fields=["scope"])
                record_change(actor=actor, obj=rule, action="update", before=before_rule, related=role)
                changed += 1
        for key in sorted(set(have) - set(wanted)):
            rule = have[key]
            before_rule = snapshot(rule)
            record_change(actor=actor, obj=rule, action="delete", before=before_rule, related=role)
            rule.delete()
            changed += 1
    return changed
