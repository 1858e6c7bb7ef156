"""Row-level access: every queryset a view, API or export uses is ``.restrict(user, action)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from zhengyi.core.models import User


class RestrictedQuerySet(models.QuerySet[Any]):
    def restrict(self, user: User | Any, action: str = "view") -> Self:
        """The rows ``user`` may perform ``action`` on: within their stations' reach and, for a
        rule of scope ``own``, only those the model's ``own_path`` leads from to the user."""
        from zhengyi.core.permissions import reach

        found = reach(user, self.model, action)
        if found is None:
            return self.none()
        restricted = self
        path = getattr(self.model, "station_path", "station")
        if found.stations != "all" and path is not None:
            restricted = restricted.filter(**{f"{path}__in": found.stations})
            # A path through a reverse relation (a bureau via its stations) repeats rows.
            if getattr(self.model, "station_path_many", False):
                restricted = restricted.distinct()
        if found.own_only:
            own_path = getattr(self.model, "own_path", None)
            if own_path is None:
                # A model that names no one responsible for its rows has no "own" rows.
                return self.none()
            # A subquery rather than a join: own paths cross to-many relations (an alert's
            # assignments, a unit's crew) and a join would repeat rows.
            mine = self.model._base_manager.filter(**{own_path: user}).values("pk")
            restricted = restricted.filter(pk__in=mine)
        return restricted


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)
