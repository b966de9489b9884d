"""The few reads every lesson page and every autosave makes, as plain SQL written once.

`make profile` showed the ORM spending 0.3 to 0.5 ms of CPU building each of these queries,
every time, against a few hundredths of a millisecond for the database to answer them. Here
the statement is built once per model and condition; values go in through each field's own
`get_db_prep_value` and come out through the converters the ORM itself would apply, so the
objects returned are the ones the ORM returns (tests/test_plain_reads.py compares the two on
SQLite and PostgreSQL). Everything else, and every write but these, stays with the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from django.db import DatabaseError, connections, router
from django.db.models import Model
from django.db.transaction import TransactionManagementError


def fetch(
    model: type[Model],
    where: str,
    params: Sequence,
    *,
    order_by: str = "",
    for_update: bool = False,
    fields: tuple[str, ...] | None = None,
) -> list[Model]:
    """Instances of `model` matching `where`, a condition on column names with %s for each
    of `params` (already prepared, see `prep`), in `order_by` order. `fields` limits what is
    loaded, as `only()` does; `for_update` locks the rows where the database can, and like
    `select_for_update()` asks the database that takes writes and refuses to run outside a
    transaction (where the lock would end at once)."""
    alias = router.db_for_write(model) if for_update else router.db_for_read(model)
    connection = connections[alias]
    fields = None if fields is None else tuple(fields)  # a key of the statement cache
    names, sql, converters = _statement(connection, model, fields, where, order_by)
    if for_update and connection.features.has_select_for_update:
        if connection.get_autocommit() and connection.features.supports_transactions:
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for index, functions, column in converters:
            value = values[index]
            for convert in functions:
                value = convert(value, column, connection)
            values[index] = value
        found.append(model.from_db(alias, names, values))
    return found


def prep(model: type[Model], field_name: str, value, *, using: str | None = None):
    """`value` as the database holds it in `field_name` (a UUID as hex text on SQLite)."""
    # Any of the model's databases converts alike; the one taking writes is always there.
    connection = connections[using or router.db_for_write(model)]
    return model._meta.get_field(field_name).get_db_prep_value(value, connection, prepared=False)


def _loaded(model: type[Model], fields: tuple[str, ...] | None) -> tuple[str, ...]:
    """The attnames to load, in the model's order (`from_db` pairs values with fields in
    that order), from names or attnames as `only()` takes them."""
    concrete = model._meta.concrete_fields
    if fields is None:
        return tuple(field.attname for field in concrete)
    wanted = set(fields)
    names = tuple(f.attname for f in concrete if f.attname in wanted or f.name in wanted)
    known = {f.attname for f in concrete} | {f.name for f in concrete}
    if unknown := wanted - known:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    return names


def kept[T](connection, key: Hashable, build: Callable[[], T]) -> T:
    """`build()`, made once per connection and `key` and kept on the connection: statements
    and converters are the connection's own, and a cache keyed by connections would keep
    every closed one (runserver opens one a request) alive. `connection` must be the
    connection itself (`connections[alias]`), never `django.db.connection`, the one proxy
    every thread shares."""
    statements = connection.__dict__.setdefault("_plain_statements", {})
    found = statements.get(key)
    if found is None:
        found = statements[key] = build()
    return found


def _statement(
    connection, model: type[Model], fields: tuple[str, ...] | None, where: str, order_by: str
) -> tuple[tuple[str, ...], str, list]:
    """The attnames loaded, the SQL and the converters for one read, worked out once per
    connection. Keyed by `fields` as given: working out the names to load on every read
    was 2 to 3 µs of each."""

    def build() -> tuple[tuple[str, ...], str, list]:
        names = _loaded(model, fields)
        meta, quote = model._meta, connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in names)
        # Names from the model and conditions from our code, never a request's; values are
        # parameters.
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where}"  # noqa: S608
        if order_by:
            sql += f" ORDER BY {order_by}"
        converters = []
        for index, name in enumerate(names):
            column = meta.get_field(name).get_col(meta.db_table)
            functions = connection.ops.get_db_converters(column)
            functions += column.get_db_converters(connection)
            if functions:
                converters.append((index, functions, column))
        return names, sql, converters

    return kept(connection, (model, fields, where, order_by), build)


def update(instance: Model, fields: Sequence[str]) -> None:
    """Write `fields` of `instance` to its row, as `instance.save(update_fields=fields)` does
    for a model without signals or `pre_save` work, and failing as it does when the row is
    gone."""
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    chosen, sql = _update_statement(connection, model, tuple(fields))
    params = [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in chosen
    ]
    params.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def _update_statement(connection, model: type[Model], fields: tuple[str, ...]) -> tuple[list, str]:
    """The fields and the UPDATE for `update`, worked out once per connection as reads are:
    building it each time was 3.5 µs of the 31 µs an autosave's `update` took."""

    def build() -> tuple[list, str]:
        meta, quote = model._meta, connection.ops.quote_name
        chosen = [meta.get_field(name) for name in fields]
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in chosen)
        # Names from the model; values are parameters.
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
        return chosen, sql

    return kept(connection, ("update", model, fields), build)
