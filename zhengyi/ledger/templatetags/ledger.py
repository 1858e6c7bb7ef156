"""``{% ledger_entries obj %}``: on a page showing a logged object, its log index and a verify link."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

register = template.Library()


@register.inclusion_tag("ledger/_entries.html")
def ledger_entries(obj: models.Model) -> dict[str, Any]:
    from zhengyi.ledger.services import entries_for

    return {"ledger_entries": entries_for(obj)}
