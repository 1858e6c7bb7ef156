"""Which rows a user may act on, decided by role rules held in the database.

A rule grants an action on a model with a scope: ``station`` reaches every row of the user's
stations (their own, their bureau's, or the whole city); ``own`` only the rows the user is
responsible for, as the model's ``own_path`` says (a path from the model to the responsible
users, e.g. ``Alert.own_path = "assignments__unit__crew"``). ``restrict()`` applies both, so
queries, services, views, the API and the CLI all see the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

Scope = Literal["all"] | list[int] | None

STATION, OWN = "station", "own"

# The action as a verb inside a sentence ("无权修改…" / "not allowed to change …").
ACTION_VERBS: dict[str, Any] = {
    "view": pgettext_lazy("permission verb", "查看"),
    "add": pgettext_lazy("permission verb", "新增"),
    "change": pgettext_lazy("permission verb", "修改"),
    "delete": pgettext_lazy("permission verb", "删除"),
    "view_pii": pgettext_lazy("permission verb", "查看个人信息明文"),
}


def action_verb(action: str) -> str:
    return str(ACTION_VERBS.get(action, action))


def model_label(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def _grants(user: Any) -> dict[str, dict[str, str]]:
    """model label → action → scope, over all the user's roles (cached on the user object)."""
    cache: dict[str, dict[str, str]] | None = getattr(user, "_zhengyi_rules", None)
    if cache is None:
        cache = {}
        rows = _rules_of(user.pk)
        for label, action, scope in rows:
            actions = cache.setdefault(label, {})
            # Two roles granting one action: the broader scope wins.
            if actions.get(action) != STATION:
                actions[action] = scope
        user._zhengyi_rules = cache
    return cache


def _rules_of(user_id: int) -> list[tuple[Any, ...]]:
    # Asked by every page and API call: a hand-written join costs a tenth of the ORM's
    # (see zhengyi/core/fastsql.py).
    from zhengyi.core.fastsql import select_all
    from zhengyi.core.models import RoleRule, User

    through = User.roles.through._meta
    rule = RoleRule._meta
    sql = (
        f"SELECT r.model, r.action, r.scope FROM {rule.db_table} r "
        f"JOIN {through.db_table} m ON m.{through.get_field('role').column} = r.{rule.get_field('role').column} "
        f"WHERE m.{through.get_field('user').column} = %s"
    )
    return select_all(sql, [user_id], model=RoleRule)


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def allowed_actions(user: Any, model: type[models.Model] | models.Model) -> set[str]:
    if not _active(user):
        return set()
    return set(_grants(user).get(model_label(model), {}))


def action_scope(user: Any, model: type[models.Model] | models.Model, action: str) -> str | None:
    """``station``, ``own`` or None (not granted) for one action on one model."""
    if not _active(user):
        return None
    if user.is_superuser:
        return STATION
    return _grants(user).get(model_label(model), {}).get(action)


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


@dataclass(frozen=True)
class Reach:
    """Where an action reaches: these stations' rows, and — when ``own_only`` — only the user's own."""

    stations: Literal["all"] | list[int]
    own_only: bool


def reach(user: Any, model: type[models.Model], action: str) -> Reach | None:
    scope = action_scope(user, model, action)
    if scope is None:
        return None
    stations = reachable_station_ids(user)
    if stations is None:
        return None
    return Reach(stations, scope == OWN)


def station_scope(user: Any, model: type[models.Model], action: str) -> Scope:
    """The stations whose rows the action reaches (an ``own`` rule narrows it further, by row)."""
    found = reach(user, model, action)
    return None if found is None else found.stations


def can(user: Any, action: str, obj: models.Model | type[models.Model]) -> bool:
    """May ``user`` perform ``action`` on ``obj``? An instance is checked row by row; a model
    asks whether the action reaches any row of it (an ``own`` rule counts)."""
    if isinstance(obj, type):
        return station_scope(user, obj, action) is not None
    model = type(obj)
    return model._default_manager.restrict(user, action).filter(pk=obj.pk).exists()  # type: ignore[attr-defined]


def _refusal(user: Any, action: str, model: type[models.Model]) -> str:
    verb = action_verb(action)
    if action_scope(user, model, action) == OWN:
        own = getattr(model, "own_label", None)
        if own is not None:
            # Say what the role may touch, so the officer knows why and whom to ask.
            return _("您只能%(action)s%(own)s。") % {"action": verb, "own": own}
    return _("无权%(action)s该记录。") % {"action": verb}


def require(user: Any, action: str, obj: models.Model | type[models.Model]) -> None:
    if not can(user, action, obj):
        model = obj if isinstance(obj, type) else type(obj)
        raise PermissionDenied(_refusal(user, action, model))


def can_for_station(user: Any, action: str, model: type[models.Model], station: Any) -> bool:
    """For a row not yet created: is ``station`` within the action's reach?

    An ``own`` rule does not count — a row that does not exist yet is nobody's.
    """
    found = reach(user, model, action)
    return not (
        found is None or found.own_only or (found.stations != "all" and station.pk not in found.stations)
    )


def require_for_station(user: Any, action: str, model: type[models.Model], station: Any) -> None:
    """Like :func:`require` for a row not yet created (see :func:`can_for_station`)."""
    if not can_for_station(user, action, model, station):
        raise PermissionDenied(
            _("无权在%(station)s%(action)s“%(model)s”。")
            % {"station": station, "action": action_verb(action), "model": model._meta.verbose_name}
        )
