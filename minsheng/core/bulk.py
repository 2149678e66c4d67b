"""Fast appends for imports and demo data: one prepared statement, many rows.

Django's ``bulk_create`` builds SQL and prepares every value through the compiler for each batch,
which dominates a province-size import. Here the statement is built once per model; values that
need conversion (dates, times, decimals, JSON) go through the backend's adapter, memoised for
repeated values (the same timestamp on every row of an import). SQLite gets ``executemany`` of
one prepared INSERT; PostgreSQL gets ``COPY … FROM STDIN``, its bulk-load path. Rows are plain
tuples in the order of ``fields``; no primary keys come back — reserve them first with
:func:`reserve_ids` where later rows refer to them.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, models, transaction

# Values the driver takes as they are: Django adapts dates and decimals for both backends the
# way the drivers do themselves (sqlite3 adapters registered by Django's backend; psycopg).
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BigIntegerField,
          models.PositiveIntegerField, models.PositiveSmallIntegerField, models.BooleanField,
          models.ForeignKey, models.AutoField, models.BigAutoField, models.DecimalField)
_MEMO_LIMIT = 50_000


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, _PLAIN) or type(field) is models.DateField:
        return None
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            pass
        except TypeError:  # unhashable
            return field.get_db_prep_save(value, connection)
        prepared = field.get_db_prep_save(value, connection)
        if len(memo) < _MEMO_LIMIT:
            memo[value] = prepared
        return prepared

    return convert


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, for rows inserted with explicit ids.

    PostgreSQL draws them from the table's sequence. On SQLite the caller holds the write lock
    (transactions begin IMMEDIATE), so the ids after the highest one ever used are free.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)", [table, pk, count])
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {quoted}")  # noqa: S608 - identifiers from model metadata
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone():
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))


def db_value(model: type[models.Model], field_name: str, value: Any) -> Any:
    """``value`` as the database takes it for that field (a timestamp repeated on every row is
    converted once, then passed to :func:`insert_rows` as ``prepared``)."""
    field = model._meta.get_field(field_name)
    if isinstance(field, models.JSONField):
        return json.dumps(value, cls=field.encoder)  # what JSONField sends, as text
    return field.get_db_prep_save(value, connection)  # type: ignore[union-attr]


def _statement(model: type[models.Model], fields: Sequence[str],
               prepared: Collection[str]) -> tuple[str, str, list[Callable[[Any], Any] | None]]:
    """The quoted table, the quoted column list and each field's value converter."""
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in concrete)  # type: ignore[union-attr]
    converters = [None if name in prepared else _converter(f)  # type: ignore[arg-type]
                  for name, f in zip(fields, concrete, strict=True)]
    return table, columns, converters


def _converted(rows: Iterable[Sequence[Any]],
               converters: list[Callable[[Any], Any] | None]) -> Iterable[Sequence[Any]]:
    needs = [(i, c) for i, c in enumerate(converters) if c is not None]
    if not needs:
        yield from rows
        return
    for row in rows:
        row = list(row)
        for i, convert in needs:
            row[i] = convert(row[i])
        yield row


def _execute_batches(cursor: Any, sql: str, rows: Iterable[Sequence[Any]],
                     batch_size: int) -> int:
    count = 0
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    return count


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]],
                *, batch_size: int = 5000, prepared: Collection[str] = ()) -> int:
    """Insert ``rows`` (tuples of values for ``fields``, by attribute name) into ``model``.
    Fields named in ``prepared`` hold values already made with :func:`db_value`."""
    table, columns, converters = _statement(model, fields, prepared)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            count = 0
            raw = cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in _converted(rows, converters):
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(converters))
        # Identifiers come from model metadata (quoted); every value is a parameter.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        return _execute_batches(cursor, sql, _converted(rows, converters), batch_size)


# --- Two writers: half the rows made and written by a forked process ----------------------------

Inserter = Callable[..., int]  # the signature of insert_rows
_SPLIT: tuple[Callable[[Inserter], None], str] | None = None
_SCRATCH_PREFIX = "minsheng_scratch_"


def can_fork() -> bool:
    """Two cores and a single-threaded process (the CLI, the task worker): forking a process
    with other threads (a threaded development server) could copy a lock some thread holds."""
    return (hasattr(os, "fork") and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1)


def can_split_writes() -> bool:
    """Whether :func:`insert_in_two_processes` would use a second process here."""
    # On PostgreSQL the server parses COPY on the same two cores: a second writer there made
    # the bulk write slower (8.0 s → 13.3 s for 100,000 households), so it stays serial.
    return connection.vendor == "sqlite" and can_fork()


def _scratch_child() -> list[tuple[str, str]]:
    """In the forked child: run the second writer into the scratch file with a connection of
    its own (the parent's connection is never touched here); the tables and columns written."""
    assert _SPLIT is not None  # noqa: S101 - set by the parent before forking
    work, path = _SPLIT
    written: list[tuple[str, str]] = []
    scratch = sqlite3.connect(path, isolation_level=None)
    try:
        scratch.execute("PRAGMA journal_mode = OFF")
        scratch.execute("PRAGMA synchronous = OFF")
        scratch.execute("BEGIN")

        def insert(model: type[models.Model], fields: Sequence[str],
                   rows: Iterable[Sequence[Any]], *, batch_size: int = 5000,
                   prepared: Collection[str] = ()) -> int:
            table, columns, converters = _statement(model, fields, prepared)
            if (table, columns) not in written:
                # Untyped columns keep each value exactly as bound; the main table's own
                # column types apply when the rows are copied in, as they would have here.
                scratch.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
                written.append((table, columns))
            placeholders = ", ".join(["?"] * len(converters))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            return _execute_batches(scratch, sql, _converted(rows, converters), batch_size)

        work(insert)
        scratch.execute("COMMIT")
    finally:
        scratch.close()
    return written


def _detach_stale() -> int:
    """Detach scratch databases that an import rolled back left attached (SQLite detaches a
    database only outside any transaction that holds it); how many are still attached."""
    left = 0
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        for _seq, name, _file in cursor.fetchall():
            if name.startswith(_SCRATCH_PREFIX):
                try:
                    cursor.execute(f"DETACH DATABASE {name}")
                except DatabaseError:  # held by the current transaction: at the next call
                    left += 1
    return left


# SQLite allows ten attached databases per connection; a long-lived worker whose imports were
# rolled back inside an enclosing transaction keeps theirs until that transaction ends.
_MAX_STALE_SCRATCH = 4


def insert_in_two_processes(first: Callable[[Inserter], None],
                            second: Callable[[Inserter], None]) -> None:
    """Run ``first(insert_rows)`` here and ``second`` on the other core, then add the rows
    ``second`` wrote, inside the caller's transaction.

    On SQLite with two cores and a single-threaded process, ``second`` runs in a forked child
    that sees the parent's data copy-on-write and writes into a scratch SQLite file with a
    connection of its own; the parent then copies those rows in with ``INSERT … SELECT`` (no
    Python per row). Making and binding the rows is most of a SQLite bulk write's time, so this
    halves it. Elsewhere (PostgreSQL, whose server parses COPY on the same cores; one core; a
    threaded server) both run here, one after the other.
    If the child fails, its exception is raised here and the caller's transaction rolls back.
    """
    global _SPLIT
    if not connection.in_atomic_block:
        raise RuntimeError("insert_in_two_processes needs a transaction")
    if not can_split_writes() or _detach_stale() >= _MAX_STALE_SCRATCH:
        first(insert_rows)
        second(insert_rows)
        return
    database = Path(str(connection.settings_dict["NAME"]))
    handle, path = tempfile.mkstemp(prefix="import-", suffix=".sqlite3",
                                    dir=database.parent if database.parent.is_dir() else None)
    os.close(handle)
    _SPLIT = (second, path)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            child = pool.apply_async(_scratch_child)
            first(insert_rows)
            written = child.get()
        alias = f"{_SCRATCH_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f"ATTACH DATABASE %s AS {alias}", [path])
            for table, columns in written:
                cursor.execute(f"INSERT INTO main.{table} ({columns}) "  # noqa: S608 - identifiers from model metadata
                               f"SELECT {columns} FROM {alias}.{table}")

        def detach() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"DETACH DATABASE {alias}")

        # SQLite detaches a database only after the transaction that read it has ended.
        transaction.on_commit(detach)
    finally:
        _SPLIT = None
        with contextlib.suppress(OSError):
            os.unlink(path)  # an attached file stays readable until it is detached


@contextmanager
def bulk_write_cache(megabytes: int = 256) -> Iterator[None]:
    """A larger SQLite page cache while a bulk write runs: the indexes of a province-size
    import then stay in memory instead of being re-read page by page (a quarter of the insert
    time at 100,000 households). Restored afterwards; PostgreSQL manages its own buffers."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(megabytes) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _droppable_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's secondary indexes that can be dropped and made
    again as they were: not the primary key, not an index that backs a constraint."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = %s AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = ("
            "    SELECT oid FROM pg_class WHERE relname = i.indexname "
            "    AND relnamespace = (SELECT oid FROM pg_namespace "
            "                        WHERE nspname = current_schema())))", [table])
        return list(cursor.fetchall())
    # SQLite: the automatic indexes of PRIMARY KEY / UNIQUE columns have no SQL and stay.
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                   "AND sql IS NOT NULL", [table])
    return list(cursor.fetchall())


def _drop_foreign_keys_among(cursor: Any, tables: list[str]) -> list[str]:
    """PostgreSQL: drop the foreign keys from one of ``tables`` to another (members → their
    household) and return the statements that add them again. Checked row by row, a first
    load's foreign keys cost a trigger event per row (6 s for 100,000 households); added back
    after the load, each is validated by one join. Keys to other tables (the acting user, the
    import batch) stay, so those tables are not locked for the import's duration."""
    if len(tables) < 2:
        return []
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.contype = 'f' "
        "AND c.conrelid::regclass::text = ANY(%s) AND c.confrelid::regclass::text = ANY(%s) "
        "AND c.conrelid <> c.confrelid", [tables, tables])
    statements = []
    for table, name, definition in cursor.fetchall():
        table_q, name_q = connection.ops.quote_name(table), connection.ops.quote_name(name)
        cursor.execute(f"ALTER TABLE {table_q} DROP CONSTRAINT {name_q}")
        statements.append(f"ALTER TABLE {table_q} ADD CONSTRAINT {name_q} {definition}")
    return statements


@contextmanager
def deferred_indexes(incoming: Mapping[type[models.Model], int]) -> Iterator[None]:
    """Drop the secondary indexes of each table that holds fewer rows than are about to be
    inserted into it (``incoming``) and build them again at the end, inside the caller's
    transaction.

    Building an index once over sorted keys is several times cheaper than updating it row by
    row, but only while the rows already there are fewer than the rows coming (a first load,
    a county's initial import). DDL is transactional on SQLite and PostgreSQL: if anything
    fails, the rollback restores the indexes with the data; a unique index that the new rows
    would violate fails when it is built, and the whole import is rolled back with it.
    On PostgreSQL the dropped indexes lock out readers of those tables until the commit, which
    is why this is kept to tables that are small compared with the import. There the foreign
    keys between the tables being loaded are dropped too and added again at the end, where
    each is validated by one join instead of a trigger event per row; a row that breaks one
    fails the import there.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("deferred_indexes needs a transaction")
    dropped: list[str] = []
    foreign_keys: list[str] = []
    with connection.cursor() as cursor:
        deferred = []
        for model, count in incoming.items():
            table = model._meta.db_table
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT 1 FROM {quoted} LIMIT 1 OFFSET %s", [count])  # noqa: S608 - identifier from model metadata
            if cursor.fetchone():
                continue  # already larger than what comes: keep its indexes
            deferred.append(table)
            for name, create in _droppable_indexes(cursor, table):
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                dropped.append(create)
        if connection.vendor == "postgresql" and len(deferred) > 1:
            # Rows written earlier in this transaction may still have checks pending, and
            # PostgreSQL alters no table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            foreign_keys = _drop_foreign_keys_among(cursor, deferred)
    yield
    if not dropped and not foreign_keys:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks are pending on the new rows; PostgreSQL builds no
            # index on a table with pending trigger events, so run the checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            # Sort in memory rather than in temporary files (until the transaction ends).
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for add in foreign_keys:
                cursor.execute(add)
        for create in dropped:
            cursor.execute(create)
