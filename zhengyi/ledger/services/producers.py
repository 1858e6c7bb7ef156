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


# ---------------------------------------------------------------------------------------------
# 阳光平台 (zhengyi/sunshine): what the portal published, corrected, withdrew and answered. Public
# fields are digests of the public text (anyone holding the page can check it); who wrote and
# who approved are committed, not shown.


def log_publication(*, version: Any, corrects: int | None = None) -> int:
    """A published version of a publication; ``corrects`` names the version it replaces."""
    pub = version.publication
    fields: dict[str, Any] = {
        "station": pub.station.code,
        "number": pub.number,
        "category": pub.kind,
        "version": int(version.version),
        "title_sha256": entries.text_digest(version.title),
        "text_sha256": entries.text_digest(version.text),
    }
    if corrects is not None:
        fields["corrects"] = int(corrects)
    private = {"author": version.author.username, "reviewer": version.reviewer.username}
    return append("publication", fields, obj=version, private=private)


def log_progress_step(*, entry: Any, version: Any, actor: User) -> int:
    """One progress step on a publication's public timeline (kind ``publication`` with ``step``)."""
    pub = version.publication
    fields: dict[str, Any] = {
        "station": pub.station.code,
        "number": pub.number,
        "category": pub.kind,
        "version": int(version.version),
        "title_sha256": entries.text_digest(version.title),
        "text_sha256": entries.text_digest(entry.text),
        "step": int(entry.seq),
        "step_on": entry.on.isoformat(),
    }
    private = {"author": actor.username, "reviewer": actor.username}
    return append("publication", fields, obj=entry, private=private)


def log_publication_withdrawal(*, withdrawal: Any, version: Any, actor: User) -> int:
    pub = withdrawal.publication
    fields = {
        "station": pub.station.code,
        "number": pub.number,
        "version": int(version.version),
        "reason_sha256": entries.text_digest(withdrawal.reason),
    }
    return append("publication_withdrawal", fields, obj=withdrawal, private={"withdrawn_by": actor.username})


def log_feedback_reply(*, feedback: Any, actor: User) -> int:
    fields = {
        "station": feedback.station.code,
        "number": feedback.number,
        "message_sha256": entries.text_digest(feedback.public_subject + "\n" + feedback.public_message),
        "reply_sha256": entries.text_digest(feedback.reply),
    }
    return append("feedback_reply", fields, obj=feedback, private={"replied_by": actor.username})


def log_case_stage(*, case: Any, stage: str, actor: User) -> int:
    """A case enters a stage (kind ``case_stage``), 受案 included.

    Public: the station's code, the case's kind (``criminal``/``administrative``) and the stage
    code. Committed, not shown: the case number (a party holding it and the salt can check when
    their case moved) and who moved it.
    """
    fields = {"station": case.station.code, "case_kind": case.kind, "stage": stage}
    private = {"case_number": case.number, "actor": actor.username}
    return append("case_stage", fields, obj=case, private=private)
