from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_subcategories(sender: AppConfig, **kwargs: Any) -> None:
    from zhengyi.alerts.models import Subcategory
    from zhengyi.alerts.subcategories import DEFAULT_SUBCATEGORIES

    # Reference data defined in code: present after every migrate (and after a test flush).
    existing = set(Subcategory.objects.values_list("code", flat=True))
    Subcategory.objects.bulk_create(
        Subcategory(category=category, code=code, name=name, pinyin=pinyin)
        for category, code, name, pinyin in DEFAULT_SUBCATEGORIES
        if code not in existing
    )


class AlertsConfig(AppConfig):
    name = "zhengyi.alerts"
    label = "alerts"
    verbose_name = "接处警"

    def ready(self) -> None:
        post_migrate.connect(_sync_subcategories, sender=self, dispatch_uid="zhengyi-sync-subcategories")
