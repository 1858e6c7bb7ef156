from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "zhengyi.cases"
    label = "cases"
    verbose_name = _("案件")
    default_auto_field = "django.db.models.BigAutoField"
