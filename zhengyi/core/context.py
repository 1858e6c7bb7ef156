"""Navigation: links only to pages that exist and that the user's role may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengyi.core.permissions import can


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from zhengyi.core.models import AccessLog, ObjectChange
    from zhengyi.precinct.models import Building, Landmark, PropertyCompany, Zone

    items = [(_("首页"), reverse("core:home"), True)]
    items += [
        (_("地图"), reverse("precinct:map"), can(user, "view", Building)),
        (_("楼宇"), reverse("precinct:building_list"), can(user, "view", Building)),
        (_("片区"), reverse("precinct:zone_list"), can(user, "view", Zone)),
        (_("地标"), reverse("precinct:landmark_list"), can(user, "view", Landmark)),
        (_("物业公司"), reverse("precinct:company_list"), can(user, "view", PropertyCompany)),
        (_("变更记录"), reverse("core:changes"), can(user, "view", ObjectChange)),
        (_("查看记录"), reverse("core:access_logs"), can(user, "view", AccessLog)),
    ]
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": url == path or (url != "/" and path.startswith(url))}
            for label, url, ok in items
            if ok
        ]
    }
