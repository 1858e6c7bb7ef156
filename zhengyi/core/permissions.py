"""Which stations' rows a user may act on, decided by role rules held in the database."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import models

Scope = Literal["all"] | list[int] | None


def model_label(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def allowed_actions(user: Any, model: type[models.Model] | models.Model) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cache: dict[str, set[str]] | None = getattr(user, "_zhengyi_rules", None)
    if cache is None:
        from zhengyi.core.models import RoleRule

        cache = {}
        for label, action in RoleRule.objects.filter(role__users=user).values_list("model", "action"):
            cache.setdefault(label, set()).add(action)
        user._zhengyi_rules = cache
    return cache.get(model_label(model), set())


def reachable_station_ids(user: Any) -> Scope:
    """The stations a user's duty covers: their own, their bureau's, or the whole city."""
    from zhengyi.core.models import Bureau, Station

    if user.is_superuser:
        return "all"
    if user.station_id is not None:
        return [user.station_id]
    if user.bureau_id is not None:
        bureau = Bureau.objects.get(pk=user.bureau_id)
        if bureau.kind == Bureau.Kind.CITY:
            return "all"
        return list(Station.objects.filter(bureau_id=bureau.pk).values_list("pk", flat=True))
    return None


def station_scope(user: Any, model: type[models.Model], action: str) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not user.is_superuser and action not in allowed_actions(user, model):
        return None
    return reachable_station_ids(user)


def can(user: Any, action: str, obj: models.Model | type[models.Model]) -> bool:
    """May ``user`` perform ``action`` on ``obj`` (an instance: checked row by row)?"""
    if isinstance(obj, type):
        return station_scope(user, obj, action) is not None
    model = type(obj)
    return model._default_manager.restrict(user, action).filter(pk=obj.pk).exists()  # type: ignore[attr-defined]


def require(user: Any, action: str, obj: models.Model | type[models.Model]) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(f"无权对该记录执行“{action}”操作 / not allowed to {action} this record")


def require_for_station(user: Any, action: str, model: type[models.Model], station: Any) -> None:
    """Like :func:`require` for a row not yet created: the station must be within reach."""
    scope = station_scope(user, model, action)
    if scope is None or (scope != "all" and station.pk not in scope):
        raise PermissionDenied(
            f"无权在{station}执行“{action}”操作 / not allowed to {action} {model._meta.verbose_name} here"
        )
