"""What other apps' changes put in the log: one function per kind, called in their transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from zhengyi.core.models import User
from zhengyi.ledger import entries
from zhengyi.ledger.services.log import append


class RuleLike(Protocol):
    """A handling rule as ``publish_standard`` takes it (read-only attributes)."""

    @property
    def category(self) -> str: ...
    @property
    def zone_kind(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def arrival_minutes(self) -> int: ...
    @property
    def feedback_minutes(self) -> int: ...
    @property
    def steps(self) -> Sequence[str]: ...


def standard_rules(rules: Sequence[RuleLike]) -> list[dict[str, Any]]:
    return [
        {
            "category": r.category,
            "zone_kind": r.zone_kind or "",
            "priority": int(r.priority),
            "arrival_minutes": int(r.arrival_minutes),
            "feedback_minutes": int(r.feedback_minutes),
            "steps": [str(s) for s in r.steps],
        }
        for r in rules
    ]


def log_handling_standard(*, standard: Any, rules: Sequence[RuleLike], actor: User) -> int:
    """A published version of a station's handling standard (kind ``handling_standard``).

    Public: the station's code, the version, when it takes effect, how many rules and their
    digest (``entries.rules_digest``). Committed, not shown: the revision note (free text, which
    may name people) and who published it.
    """
    fields = {
        "station": standard.station.code,
        "version": int(standard.version),
        "effective_from": entries.timestamp(standard.effective_from),
        "rules": len(rules),
        "rules_sha256": entries.rules_digest(standard_rules(rules)),
    }
    private = {"published_by": actor.username, "note": standard.note or ""}
    return append("handling_standard", fields, obj=standard, private=private)
