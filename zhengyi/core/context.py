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
    from zhengyi.alerts.models import Alert, HandlingStandard, Unit
    from zhengyi.alliances.models import Alliance, Guard
    from zhengyi.cases.models import Case
    from zhengyi.core.models import AccessLog, ObjectChange
    from zhengyi.precinct.models import Building, Landmark, PropertyCompany, Zone
    from zhengyi.sunshine.models import Publication

    items = [(_("首页"), reverse("core:home"), True)]
    items += [
        (_("接警"), reverse("alerts:intake"), can(user, "add", Alert)),
        (_("指挥板"), reverse("board:page"), can(user, "view", Alert)),
        (_("警情"), reverse("alerts:list"), can(user, "view", Alert)),
        (_("出警单位"), reverse("alerts:units"), can(user, "view", Unit)),
    ]
    items += [
        (_("地图"), reverse("precinct:map"), can(user, "view", Building)),
        (_("楼宇"), reverse("precinct:building_list"), can(user, "view", Building)),
        (_("片区"), reverse("precinct:zone_list"), can(user, "view", Zone)),
        (_("地标"), reverse("precinct:landmark_list"), can(user, "view", Landmark)),
        (_("物业公司"), reverse("precinct:company_list"), can(user, "view", PropertyCompany)),
        (_("变更记录"), reverse("core:changes"), can(user, "view", ObjectChange)),
        (_("查看记录"), reverse("core:access_logs"), can(user, "view", AccessLog)),
        (_("处警标准"), reverse("standards:list"), can(user, "view", HandlingStandard)),
        (_("处警考核"), reverse("standards:compliance"), can(user, "view", HandlingStandard)),
        (_("联盟"), reverse("alliances:list"), can(user, "view", Alliance)),
        (_("保安员"), reverse("alliances:guard_list"), can(user, "view", Guard)),
        (_("我的排班"), reverse("alliances:my_week"), hasattr(user, "guard")),
        (_("阳光平台"), reverse("sunshine:index"), can(user, "view", Publication)),
        (_("案件"), reverse("cases:list"), can(user, "view", Case)),
    ]
    path = request.path
    shown = [(label, url) for label, url, ok in items if ok]
    # The longest matching prefix wins: /alerts/new/ is 接警, not also 警情 (/alerts/).
    matches = [url for _label, url in shown if url == path or (url != "/" and path.startswith(url))]
    current = max(matches, key=len) if matches else None
    return {"nav_items": [{"label": label, "url": url, "active": url == current} for label, url in shown]}
