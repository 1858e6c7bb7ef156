from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SunshineConfig(AppConfig):
    name = "zhengyi.sunshine"
    label = "sunshine"
    verbose_name = _("阳光平台")
    default_auto_field = "django.db.models.BigAutoField"
