from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "zhengyi.alliances"
    label = "alliances"
    verbose_name = _("群防群治联盟")
    default_auto_field = "django.db.models.BigAutoField"
