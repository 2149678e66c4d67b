"""Fast appends for imports and demo data: one prepared INSERT, many rows (executemany).

Django's ``bulk_create`` builds SQL and prepares every value through the compiler for each batch,
which dominates a province-size import. Here the statement is built once per model and each value
goes through its field's ``get_db_prep_save`` only when the field needs conversion. Rows are
plain tuples in the order of ``fields``; no primary keys come back (use ``bulk_create`` where the
ids are needed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BigIntegerField,
          models.PositiveIntegerField, models.PositiveSmallIntegerField, models.BooleanField,
          models.ForeignKey)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]],
                *, batch_size: int = 5000) -> int:
    """Insert ``rows`` (tuples of values for ``fields``, by attribute name) into ``model``."""
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in concrete)
    placeholders = ", ".join(["%s"] * len(concrete))
    # Identifiers come from model metadata (quoted); every value is a parameter.
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    converters = [_converter(f) for f in concrete]
    needs = [i for i, c in enumerate(converters) if c is not None]
    count = 0
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            if needs:
                row = list(row)
                for i in needs:
                    row[i] = converters[i](row[i])  # type: ignore[misc]
            batch.append(row)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
