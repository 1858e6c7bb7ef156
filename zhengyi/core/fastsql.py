"""Single-row INSERTs and hot-path SELECTs without the ORM's per-call SQL compilation.

Model.save() compiles its INSERT on every call (~100 µs here against ~20 µs for executing
it); the alert intake writes four rows per call and must keep up with the upstream 110
system, so its rows go through :func:`insert`, which compiles each model's statement once and
still prepares every value through the model's own fields (time zones, JSON, defaults), as
the ORM would. Only for plain models: no save() overrides or signals are run, and there are
none on the models that use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models import Field

_SQL: dict[tuple[str, str], tuple[str, list[Field]]] = {}


def _statement(model: type[models.Model], alias: str) -> tuple[str, list[Field]]:
    key = (model._meta.label_lower, alias)
    found = _SQL.get(key)
    if found is None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "
            f"RETURNING {quote(meta.pk.column)}"
        )
        found = _SQL[key] = (sql, fields)
    return found


def insert(obj: models.Model) -> models.Model:
    """INSERT one new row (primary key assigned by the database) and set ``obj.pk``."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields = _statement(model, alias)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = alias
    return obj


def insert_many(objs: Sequence[models.Model]) -> None:
    """INSERT new rows of one model in one statement and set each ``obj.pk``.

    What :func:`insert` does for one row, for a group commit's rows: Django's bulk_create
    compiles every value of every row on each call, which costs more than the rows' writing.
    The keys come back through RETURNING in the rows' order, as bulk_create also relies on
    (SQLite ≥ 3.35, PostgreSQL).
    """
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields = _statement(model, alias)
    head, row_marks = sql.split(" VALUES ")[0], "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    # SQLite takes at most 32,766 parameters a statement (PostgreSQL 65,535).
    per_statement = max(1, 30000 // max(1, len(fields)))
    for start in range(0, len(objs), per_statement):
        chunk = objs[start : start + per_statement]
        params: list[Any] = []
        for obj in chunk:
            if type(obj) is not model:
                raise TypeError(f"insert_many: {type(obj).__name__} among {model.__name__} rows")
            params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(f"{head} VALUES {', '.join([row_marks] * len(chunk))}{returning}", params)
            keys = cursor.fetchall()
        if len(keys) != len(chunk):
            raise RuntimeError(f"insert_many: {len(chunk)} rows inserted, {len(keys)} keys returned")
        for obj, (key,) in zip(chunk, keys, strict=True):
            obj.pk = key
            obj._state.adding = False
            obj._state.db = alias


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
