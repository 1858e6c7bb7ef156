"""Single-row INSERTs and hot-path SELECTs without the ORM's per-call SQL compilation.

Model.save() compiles its INSERT on every call (~100 µs here against ~20 µs for executing
it); the alert intake writes four rows per call and must keep up with the upstream 110
system, so its rows go through :func:`insert`, which compiles each model's statement once and
still prepares every value through the model's own fields (time zones, JSON, defaults), as
the ORM would. Only for plain models: no save() overrides or signals are run, and there are
none on the models that use it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models import Field
from django.utils import timezone

from zhengyi.core.pii import PersonalDataField

# Field classes whose stored value *is* the Python value when it has exactly these types: their
# to_python / get_prep_value return such a value unchanged and neither backend adapts it. Exact
# classes only — a subclass may prepare values its own way (ours that do not are listed). A
# text field also takes any str instance as it is (a choices member: Django passes it through).
_AS_IS: dict[type[Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    PersonalDataField: (str,),
    models.BooleanField: (bool,),
    models.FloatField: (float,),
    **{
        cls: (int,)
        for cls in (
            models.IntegerField,
            models.SmallIntegerField,
            models.BigIntegerField,
            models.PositiveIntegerField,
            models.PositiveSmallIntegerField,
            models.PositiveBigIntegerField,
            models.AutoField,
            models.BigAutoField,
        )
    },
}


_PROBES: dict[type, Any] = {str: "x", int: 1, bool: True, float: 1.5}
_NONE = type(None)


def _as_is_types(field: Field, connection: Any) -> tuple[type, ...]:
    """The value types ``field`` stores unchanged on ``connection`` (none: prepare every value
    through the field); ``NoneType`` among them where the field stores None as NULL. Probed
    once per field and backend: PostgreSQL's driver, for one, wraps small integers in its own
    type."""
    target = field.target_field if type(field) is models.ForeignKey else field
    types = _AS_IS.get(type(target), ())
    for t in types:
        probe = _PROBES[t]
        prepared = field.get_db_prep_save(probe, connection)
        if type(prepared) is not t or prepared != probe:
            types = ()
            break
    # A field that sets its own value on save (auto_now) never takes one as it is.
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return ()
    if field.get_db_prep_save(None, connection) is None:
        types = (*types, _NONE)
    return types


def _takes_as_is(value: Any, as_is: tuple[type, ...]) -> bool:
    # type(), not isinstance(), for the rest: True is an int, stored as a boolean by PostgreSQL.
    return type(value) in as_is or (isinstance(value, str) and str in as_is)


@dataclass(frozen=True)
class _Insert:
    """A model's INSERT, compiled once: ``head`` + ``VALUES`` + n × ``row`` + ``returning``."""

    head: str
    row: str
    returning: str
    fields: list[Field]
    # Per field: its attname and the value types that go in as they are (see _AS_IS).
    columns: list[tuple[str, tuple[type, ...], Field]]

    @functools.cached_property
    def slots(self) -> dict[str, int]:
        return {attname: i for i, (attname, _as_is, _f) in enumerate(self.columns)}

    def sql(self, rows: int) -> str:
        return f"{self.head} VALUES {', '.join([self.row] * rows)}{self.returning}"


_INSERTS: dict[tuple[str, str], _Insert] = {}


def _statement(model: type[models.Model], alias: str) -> _Insert:
    key = (model._meta.label_lower, alias)
    found = _INSERTS.get(key)
    if found is None:
        quote = connections[alias].ops.quote_name
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        found = _INSERTS[key] = _Insert(
            head=f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})",
            row="(" + ", ".join(["%s"] * len(fields)) + ")",
            returning=f" RETURNING {quote(meta.pk.column)}",
            fields=fields,
            columns=[(f.attname, _as_is_types(f, connections[alias]), f) for f in fields],
        )
    return found


def insert(obj: models.Model) -> models.Model:
    """INSERT one new row (primary key assigned by the database) and set ``obj.pk``."""
    insert_many([obj])
    return obj


def insert_many(objs: Sequence[models.Model]) -> None:
    """INSERT new rows of one model, many to a statement, and set each ``obj.pk``.

    Django's bulk_create compiles every value of every row on each call, which costs more than
    the rows' writing; here the statement is compiled once per model and each value is still
    prepared through the model's own field. The keys come back through RETURNING in the rows'
    order, as bulk_create also relies on (SQLite ≥ 3.35, PostgreSQL).
    """
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    plan = _statement(model, alias)
    rows = []
    for obj in objs:
        if type(obj) is not model:
            raise TypeError(f"insert_many: {type(obj).__name__} among {model.__name__} rows")
        rows.append(row_values(plan, obj, connection))
    for obj, key in zip(objs, insert_rows(model, rows), strict=True):
        inserted(obj, key, alias)


def inserted(obj: models.Model, key: Any, alias: str) -> None:
    """Leave ``obj`` as the ORM leaves an instance it has just inserted as row ``key``."""
    obj.pk = key
    obj._state.adding = False
    obj._state.db = alias


def instance_row(obj: models.Model) -> list[Any]:
    """A new instance's prepared INSERT values, to insert later with :func:`insert_rows`."""
    alias = router.db_for_write(type(obj))
    return row_values(_statement(type(obj), alias), obj, connections[alias])


def row_values(plan: _Insert, obj: models.Model, connection: Any) -> list[Any]:
    """``obj``'s values as the ORM would prepare them for its INSERT, without the field calls
    for values that go in as they are (``_AS_IS``)."""
    values = obj.__dict__
    out: list[Any] = []
    for attname, as_is, f in plan.columns:
        if as_is and attname in values:
            value = values[attname]
            if _takes_as_is(value, as_is):
                out.append(value)
                continue
        out.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
    return out


def new_row(model: type[models.Model], values: Mapping[str, Any]) -> list[Any]:
    """The prepared INSERT values of a new row of ``model`` given by attname, without making a
    model instance (a group commit prepares its rows before it takes the write lock, and an
    instance costs more than its row). Fields not given take their default; ``auto_now`` /
    ``auto_now_add`` fields not given take the current time. :func:`slot` names the place of a
    value the caller fills in later (a key known only once another row is in)."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    plan = _statement(model, alias)
    out: list[Any] = []
    for attname, as_is, f in plan.columns:
        if attname in values:
            value = values[attname]
            if as_is and _takes_as_is(value, as_is):
                out.append(value)
                continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = timezone.now()
        else:
            value = f.get_default()
        out.append(f.get_db_prep_save(value, connection))
    return out


def slot(model: type[models.Model], attname: str) -> int:
    """Where ``attname``'s value sits in a row of :func:`new_row` / :func:`row_values`."""
    found = _statement(model, router.db_for_write(model)).slots.get(attname)
    if found is None:
        raise KeyError(f"{model.__name__} has no column {attname!r}")
    return found


def prepare(model: type[models.Model], attname: str, value: Any) -> Any:
    """One value as :func:`new_row` would prepare it, for a slot filled in later."""
    connection = connections[router.db_for_write(model)]
    return model._meta.get_field(attname).get_db_prep_save(value, connection)  # type: ignore[union-attr]


def insert_rows(model: type[models.Model], rows: Sequence[Sequence[Any]]) -> list[Any]:
    """INSERT prepared rows (:func:`new_row`, :func:`row_values`), many to a statement; their
    keys in the rows' order."""
    alias = router.db_for_write(model)
    plan = _statement(model, alias)
    per_statement = max(1, 30000 // max(1, len(plan.fields)))
    keys: list[Any] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params: list[Any] = []
        for row in chunk:
            if len(row) != len(plan.columns):
                raise ValueError(f"insert_rows: a {model.__name__} row of {len(row)} values")
            params += row
        with connections[alias].cursor() as cursor:
            cursor.execute(plan.sql(len(chunk)), params)
            got = cursor.fetchall()
        if len(got) != len(chunk):
            raise RuntimeError(f"insert_rows: {len(chunk)} rows inserted, {len(got)} keys returned")
        keys += [key for (key,) in got]
    return keys


def select_one(sql: str, params: Sequence[Any], *, model: type[models.Model]) -> tuple[Any, ...] | None:
    """One row of a hand-written SELECT on the database that holds ``model``."""
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def select_all(sql: str, params: Sequence[Any], *, model: type[models.Model]) -> list[tuple[Any, ...]]:
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_CONVERTERS: dict[tuple[str, tuple[str, ...], str], list[tuple[Any, list[Any]]]] = {}


def convert_row(model: type[models.Model], columns: Sequence[str], row: Sequence[Any]) -> list[Any]:
    """The Python values of a raw row of ``model``'s ``columns`` (attnames), as the ORM converts them."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    key = (model._meta.label_lower, tuple(columns), alias)
    plan = _CONVERTERS.get(key)
    if plan is None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        plan = []
        for attname in columns:
            col = by_attname[attname].get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            plan.append((col, converters))
        _CONVERTERS[key] = plan
    values = []
    for (col, converters), value in zip(plan, row, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        values.append(value)
    return values


def from_row(model: type[models.Model], columns: Sequence[str], row: Sequence[Any]) -> models.Model:
    """A model instance from a raw row of its ``columns`` (attnames), converted as the ORM would."""
    values = convert_row(model, columns, row)
    return model.from_db(router.db_for_read(model), list(columns), values)
