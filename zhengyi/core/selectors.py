"""Reads every app's views share: the acting user, and the station a page is about."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from zhengyi.core.models import Station, User


def request_user(request: HttpRequest) -> User:
    """The logged-in user (views guarded by login_required, so never anonymous)."""
    return request.user  # type: ignore[return-value]


def visible_station(user: Any, code: str | None) -> Station | None:
    """The station ``code`` if the user may view it; without a code, the first such station."""
    stations = Station.objects.restrict(user, "view")
    return stations.filter(code=code).first() if code else stations.order_by("code").first()
