from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_subcategories(sender: AppConfig, **kwargs: Any) -> None:
    from zhengyi.alerts.services.reference import sync_subcategories

    # Present after every migrate (and after a test flush), like the roles.
    sync_subcategories()


class AlertsConfig(AppConfig):
    name = "zhengyi.alerts"
    label = "alerts"
    verbose_name = "接处警"

    def ready(self) -> None:
        post_migrate.connect(_sync_subcategories, sender=self, dispatch_uid="zhengyi-sync-subcategories")
