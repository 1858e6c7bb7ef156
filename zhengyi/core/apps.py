from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from zhengyi.core.services.roles import sync_roles

    sync_roles()


class CoreConfig(AppConfig):
    name = "zhengyi.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # Roles are defined in code and kept in the database; every migrate re-syncs them.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="zhengyi-sync-roles")
