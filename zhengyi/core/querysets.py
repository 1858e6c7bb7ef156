"""Row-level access: every queryset a view, API or export uses is ``.restrict(user, action)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from zhengyi.core.models import User


class RestrictedQuerySet(models.QuerySet[Any]):
    def restrict(self, user: User | Any, action: str = "view") -> Self:
        from zhengyi.core.permissions import station_scope

        scope = station_scope(user, self.model, action)
        if scope is None:
            return self.none()
        if scope == "all":
            return self
        path = getattr(self.model, "station_path", "station")
        if path is None:
            return self
        restricted = self.filter(**{f"{path}__in": scope})
        # A path through a reverse relation (a bureau via its stations) repeats rows.
        return restricted.distinct() if getattr(self.model, "station_path_many", False) else restricted


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)
