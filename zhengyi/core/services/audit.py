"""The change log every service writes, in the same transaction as the change itself."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from zhengyi.core.current import current_origin
from zhengyi.core.fastsql import insert, insert_many, insert_rows, new_row, prepare, slot
from zhengyi.core.models import AccessLog, ObjectChange, User
from zhengyi.core.pii import PersonalDataField, mask
from zhengyi.core.selectors import note_changes

# Geometry is large and its change is recorded by its summary, not repeated in full.
_BULKY_SUFFIXES = ("geometry", "footprint", "boundary")


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _json_value(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _digest(value: Any) -> dict[str, Any]:
    """Stand-in for a large JSON value: its type and a hash that changes when it does."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    kind = value.get("type") if isinstance(value, dict) else type(value).__name__
    return {"type": kind, "sha256": hashlib.sha256(canonical.encode()).hexdigest()[:16]}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """A JSON picture of an object's own fields; personal data is stored masked."""
    data: dict[str, Any] = {}
    for attname, pii_kind, bulky in _snapshot_plan(type(obj)):
        value = getattr(obj, attname)
        if pii_kind:
            value = mask(pii_kind, value)
        elif bulky and value is not None:
            value = _digest(value)
        data[attname] = _json_value(value)
    return data


@functools.cache
def _snapshot_plan(model: type[models.Model]) -> tuple[tuple[str, str, bool], ...]:
    # Per field: its attname, its personal-data kind ("" if none), whether it is bulky.
    return tuple(
        (
            f.attname,
            f.pii_kind if isinstance(f, PersonalDataField) else "",
            f.name.endswith(_BULKY_SUFFIXES),
        )
        for f in model._meta.concrete_fields
    )


def _station_id(obj: models.Model) -> int | None:
    """The station a change belongs to, so the station's own change log shows it."""
    if type(obj)._meta.label_lower == "core.station":
        return obj.pk
    if hasattr(obj, "station_id"):
        return obj.station_id
    # Rows without a station column (an assignment, a unit's crew) belong to the station
    # their ``station_path`` leads to; a to-many path (a bureau) names no single station.
    path = getattr(type(obj), "station_path", None)
    if not path or "__" not in path or getattr(type(obj), "station_path_many", False):
        return None
    *hops, last = path.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def _change_values(
    actor: User,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    related: models.Model | None,
    message: str,
) -> dict[str, Any]:
    """A change record's fields by attname: for an instance (:func:`new_change`) or a prepared
    row (:func:`pending_change`)."""
    origin = current_origin()
    return {
        "actor_id": actor.pk,
        "actor_name": str(actor.display_name or actor.username),
        "source": origin.source,
        "correlation_id": origin.correlation_id,
        "station_id": _station_id(obj),
        "content_type_id": ContentType.objects.get_for_model(obj, for_concrete_model=True).pk,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "action": action,
        "before": before,
        "after": after,
        "related_content_type_id": ContentType.objects.get_for_model(related).pk
        if related is not None
        else None,
        "related_object_id": str(related.pk) if related is not None else "",
        "message": message[:200],
    }


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit records must be written inside the service's transaction")


def record_change(
    *,
    actor: User,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    related: models.Model | None = None,
    message: str = "",
) -> ObjectChange:
    """Record one change; call it inside the service's ``transaction.atomic`` block."""
    _require_atomic()
    change = new_change(actor=actor, obj=obj, action=action, before=before, related=related, message=message)
    insert(change)  # every service writes one; see zhengyi/core/fastsql.py for why not save()
    note_changes([change.content_type_id])
    return change


def new_change(
    *,
    actor: User,
    obj: models.Model,
    action: str,
    related: models.Model | None = None,
    message: str = "",
    before: dict[str, Any] | None = None,
) -> ObjectChange:
    """The unsaved record of one change, for a writer that inserts the records of many changes
    at once (:func:`record_changes`); taken in the context of the request that made the change,
    whose correlation id it keeps."""
    after = None if action == ObjectChange.Action.DELETE else snapshot(obj)
    return ObjectChange(**_change_values(actor, obj, action, before, after, related, message))


def record_changes(changes: Sequence[ObjectChange]) -> None:
    """Insert records made by :func:`new_change`, inside the service's transaction."""
    _require_atomic()
    insert_many(changes)
    note_changes({c.content_type_id for c in changes})


@dataclass
class PendingChange:
    """The record of a change to an object not yet written (a group commit's alert): made in
    the request that made the change — its actor, origin and snapshot —
    and finished by :func:`record_pending` once the object has its key. ``late`` names the
    fields the writer sets after the snapshot (the key, a number drawn under the write lock)."""

    obj: models.Model
    row: list[Any]  # the record's prepared INSERT values (fastsql.new_row)
    after: dict[str, Any]
    late: tuple[str, ...]
    content_type_id: int


def pending_change(
    *,
    actor: User,
    obj: models.Model,
    related: models.Model | None = None,
    message: str = "",
    late: tuple[str, ...] = ("id",),
) -> PendingChange:
    """A create record for ``obj`` (:class:`PendingChange`), inserted by :func:`record_pending`:
    the fields of :func:`new_change`'s record, as a prepared row (the after-snapshot is
    serialised once it is finished)."""
    values = _change_values(actor, obj, "create", None, None, related, message)
    return PendingChange(obj, new_row(ObjectChange, values), snapshot(obj), late, values["content_type_id"])


def record_pending(changes: Sequence[PendingChange]) -> None:
    """Finish and insert records made by :func:`pending_change`, inside the service's transaction."""
    _require_atomic()
    # The time of the write, as a record saved there and then would have: ids and times of
    # the change log then run in the same order.
    now = prepare(ObjectChange, "time", timezone.now())
    rows = []
    for change in changes:
        obj, row = change.obj, change.row
        for attname in change.late:
            change.after[attname] = _json_value(getattr(obj, attname))
        row[slot(ObjectChange, "time")] = now
        row[slot(ObjectChange, "object_id")] = str(obj.pk)
        row[slot(ObjectChange, "object_repr")] = str(obj)[:200]
        row[slot(ObjectChange, "after")] = prepare(ObjectChange, "after", change.after)
        rows.append(row)
    if rows:
        insert_rows(ObjectChange, rows)
        note_changes({c.content_type_id for c in changes})


def record_created_bulk(
    *, actor: User, objects: Sequence[models.Model], related: models.Model | None = None, message: str = ""
) -> int:
    """One create record per object, inserted many to a statement (imports of thousands of rows)."""
    record_changes(
        [new_change(actor=actor, obj=o, action="create", related=related, message=message) for o in objects]
    )
    return len(objects)


def record_access(*, user: User, obj: models.Model, fields: Iterable[str], reason: str) -> AccessLog:
    """Log a view of unmasked personal data. The reason is required and kept verbatim."""
    reason = reason.strip()
    if len(reason) < 4:
        raise ValueError(
            "请填写查看个人信息的事由（至少4个字）/ state why you need to see this personal data"
        )
    return AccessLog.objects.create(
        user=user,
        user_name=str(user.display_name or user.username),
        station_id=_station_id(obj),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        fields=sorted(fields),
        reason=reason[:300],
        correlation_id=current_origin().correlation_id,
    )


def history_for(obj: models.Model) -> models.QuerySet[ObjectChange]:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return ObjectChange.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
