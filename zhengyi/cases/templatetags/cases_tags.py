"""The 受案 link on an alert's page, shown only to those who may open a case there."""

from __future__ import annotations

from typing import Any

from django import template

from zhengyi.cases.models import Case
from zhengyi.core.permissions import can_for_station

register = template.Library()


@register.inclusion_tag("cases/_alert_link.html", takes_context=True)
def case_link_for_alert(context: dict[str, Any], alert: Any) -> dict[str, Any]:
    user = context["request"].user
    return {
        "alert": alert,
        "cases": list(Case.objects.restrict(user, "view").filter(alerts=alert).only("pk", "number")),
        "can_open": can_for_station(user, "add", Case, alert.station),
    }
