"""The JSON API (django-ninja, OpenAPI 3 at /api/openapi.json, docs at /api/docs)."""

from __future__ import annotations

from ninja import NinjaAPI

from zhengyi.alerts.api import router as alerts_router
from zhengyi.core.auth import API_AUTH
from zhengyi.precinct.api import router as precinct_router

api = NinjaAPI(
    title="正义街1号 · Zhengyi API",
    version="1",
    description="派出所综合平台接口。所有查询按用户所属派出所与角色限定范围。",
    auth=API_AUTH,
    urls_namespace="api",
)
api.add_router("/precinct/", precinct_router)
api.add_router("/alerts", alerts_router)
