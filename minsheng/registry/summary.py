"""The screening summary (农户筛查摘要): one row per non-archived household with the facts the
screening rules read, kept up to date from the registry tables.

Why: a whole-registry screening that joins households, members (counted per household) and
three ledger years costs four index lookups per household on SQLite (no hash join) and a member
aggregate plus three hash joins on PostgreSQL — 10–16 s at a million households. Reading one
narrow table of integers is a sequential scan (``docs/benchmarks.md``).

How it stays right:

* **Triggers** on ``registry_household``, ``registry_member`` and ``registry_incomeledger``
  append the household id of every inserted, updated or deleted row to ``SummaryDirty`` — every
  write path, the services, the import, the admin, a test's ORM call, raw SQL. (PostgreSQL:
  statement-level triggers over the transition tables, one insert per statement.)
* :func:`refresh_dirty` rebuilds the rows of the households recorded there, set-based, and
  removes the records it consumed. The screening and the what-if call it first, in their own
  transaction, so they never read a stale row.
* A first load suspends the triggers while its rows go in (:func:`triggers_suspended`) and
  leaves one "rebuild everything" record; the import then queues :func:`refresh_dirty` as a
  background task after its commit (``registry.tasks``), so neither the import nor, once the
  worker has run, the first screening pays for the summaries. The demo generator refreshes
  after each batch.

Amounts are whole 分 with the rules' own conversion (``policy.rules.sql``): the latest ledger
year (``c_*``) and the year before it (``p_*``, when present). Members are counted (active
only): people, uninsured, not in school, and the birth dates of the three youngest not in school,
from which the rules decide the compulsory-age window without listing the members (only a
household with more than three members not in school who are too young for the window is
looked at member by member).
"""

# SQL here is built from model metadata and this module's constants; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from minsheng.registry.models import (
    Household,
    HouseholdSummary,
    IncomeLedger,
    Member,
    SummaryDirty,
)

LEDGER_FIELDS: tuple[str, ...] = IncomeLedger.AMOUNT_FIELDS
SUMMARY = HouseholdSummary._meta.db_table
DIRTY = SummaryDirty._meta.db_table
_TARGET = "ms_summary_target"
# pg_advisory_xact_lock key: one refresh at a time (two would insert the same rows).
_LOCK_KEY = 0x73756D6D
# A record with this household id means "every summary is stale" (left by a first load).
REBUILD_ALL = -1

# (table, its household-id column) whose writes make a summary stale.
_SOURCES = (
    (Household._meta.db_table, "id"),
    (Member._meta.db_table, "household_id"),
    (IncomeLedger._meta.db_table, "household_id"),
)

COLUMNS: tuple[str, ...] = (
    "household_id", "region_id", "category", "housing_grade", "water_quantity_ok",
    "water_quality_ok", "water_convenience_ok", "water_assurance_ok", "people", "uninsured",
    "out_of_school", "out_of_school_born_max", "out_of_school_born_2", "out_of_school_born_3",
    "ledger_year",
    "has_previous", *(f"c_{name}" for name in LEDGER_FIELDS),
    *(f"p_{name}" for name in LEDGER_FIELDS),
)


def cents(column: str, vendor: str | None = None) -> str:
    """SQL of an amount column in whole 分, as the rules convert it (``rules.sql``)."""
    if (vendor or connection.vendor) == "postgresql":
        return f"CAST({column} * 100 AS BIGINT)"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


def _select(target: str | None, *, max_year: int | None = None) -> str:
    """The summary rows of the non-archived households, all of them or those whose id is in
    the temporary table ``target``; columns named as ``COLUMNS``. With ``max_year``, the
    ledgers are the latest up to that year (a screening dated before a later ledger: its facts
    snapshot, ``monitoring.services``), not the latest of all."""
    members = Member._meta.db_table
    ledgers = IncomeLedger._meta.db_table
    households = Household._meta.db_table
    only = f" AND {{alias}}.household_id IN (SELECT household_id FROM {target})" if target else ""
    not_in_school = "mb.school_stage = 'not_in_school'"
    ledger_columns = ([cents(f"l.{name}") for name in LEDGER_FIELDS]
                      + [cents(f"p.{name}") for name in LEDGER_FIELDS])
    join_target = f" JOIN {target} t ON t.household_id = h.id" if target else ""
    # The members not in school are numbered youngest first within their household (a window
    # over the household's members), and the first three birth dates kept.
    capped = f" AND x.year <= {int(max_year)}" if max_year is not None else ""
    values = ["h.id", "h.region_id", "h.category", "h.housing_grade", "h.water_quantity_ok",
              "h.water_quality_ok", "h.water_convenience_ok", "h.water_assurance_ok",
              "COALESCE(m.people, 0)", "COALESCE(m.uninsured, 0)", "COALESCE(m.out_of_school, 0)",
              "m.born_1", "m.born_2", "m.born_3", "y.year",
              "CASE WHEN p.id IS NULL THEN FALSE ELSE TRUE END", *ledger_columns]
    named = ",\n  ".join(f"{value} AS {column}"
                         for value, column in zip(values, COLUMNS, strict=True))
    youngest = ", ".join(f"MAX(CASE WHEN mm.nis = 1 AND mm.rn = {k} THEN mm.birth_date END) "
                         f"AS born_{k}" for k in (1, 2, 3))
    return f"""WITH mm AS (SELECT mb.household_id AS hid, mb.birth_date,
  CASE WHEN NOT mb.medical_insurance THEN 1 ELSE 0 END AS uninsured,
  CASE WHEN {not_in_school} THEN 1 ELSE 0 END AS nis,
  ROW_NUMBER() OVER (PARTITION BY mb.household_id, CASE WHEN {not_in_school} THEN 1 ELSE 0 END
                     ORDER BY mb.birth_date DESC, mb.id DESC) AS rn
  FROM {members} mb WHERE mb.active{only.format(alias="mb")}),
m AS (SELECT mm.hid, COUNT(*) AS people, SUM(mm.uninsured) AS uninsured,
  SUM(mm.nis) AS out_of_school, {youngest}
  FROM mm GROUP BY mm.hid),
y AS (SELECT x.household_id AS hid, MAX(x.year) AS year FROM {ledgers} x
  WHERE 1 = 1{only.format(alias="x")}{capped} GROUP BY x.household_id)
SELECT {named}
FROM {households} h{join_target}
LEFT JOIN m ON m.hid = h.id
LEFT JOIN y ON y.hid = h.id
LEFT JOIN {ledgers} l ON l.household_id = h.id AND l.year = y.year
LEFT JOIN {ledgers} p ON p.household_id = h.id AND p.year = y.year - 1
WHERE NOT h.archived"""


def _insert(cursor: Any, target: str | None) -> None:
    order = "" if target else " ORDER BY h.region_id, h.id"  # a first build: rows by village
    cursor.execute(f"INSERT INTO {SUMMARY} ({', '.join(COLUMNS)}) {_select(target)}{order}")


def _lock(cursor: Any) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def refresh_dirty() -> int:
    """Rebuild the summary rows of the households the triggers recorded as changed; returns
    how many households were refreshed. Atomic (a savepoint inside a caller's transaction).
    Records appended by transactions that commit later are left for the next call."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(f"SELECT MAX(id) FROM {DIRTY}")
        last = cursor.fetchone()[0]
        if last is None:
            return 0
        cursor.execute(f"SELECT 1 FROM {DIRTY} WHERE household_id = %s AND id <= %s LIMIT 1",
                       [REBUILD_ALL, last])
        if cursor.fetchone():
            return rebuild()
        cursor.execute(f"DROP TABLE IF EXISTS {_TARGET}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_TARGET} (household_id BIGINT PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {_TARGET} (household_id) SELECT DISTINCT household_id "
                       f"FROM {DIRTY} WHERE id <= %s", [last])
        cursor.execute(f"SELECT COUNT(*) FROM {_TARGET}")
        count = int(cursor.fetchone()[0])
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {_TARGET}")
        cursor.execute(f"DELETE FROM {SUMMARY} WHERE household_id IN "
                       f"(SELECT household_id FROM {_TARGET})")
        _insert(cursor, _TARGET)
        cursor.execute(f"DELETE FROM {DIRTY} WHERE id <= %s", [last])
        cursor.execute(f"DROP TABLE {_TARGET}")
    return count


def rebuild() -> int:
    """Rebuild every summary row from the registry (after a first load, or to repair); returns
    the number of rows. Atomic."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(f"SELECT MAX(id) FROM {DIRTY}")
        last = cursor.fetchone()[0]
        cursor.execute(f"DELETE FROM {SUMMARY}")
        _insert(cursor, None)
        if last is not None:
            cursor.execute(f"DELETE FROM {DIRTY} WHERE id <= %s", [last])
        cursor.execute(f"SELECT COUNT(*) FROM {SUMMARY}")
        return int(cursor.fetchone()[0])


# --- Triggers ---------------------------------------------------------------------------------

def _trigger_names(table: str) -> list[str]:
    return [f"{table}_summary_{event}" for event in ("ins", "upd", "del")]


def trigger_statements(vendor: str | None = None) -> list[str]:
    """The DDL creating the triggers that record changed households (see the module doc)."""
    vendor = vendor or connection.vendor
    statements = []
    for table, column in _SOURCES:
        ins, upd, dele = _trigger_names(table)
        if vendor == "postgresql":
            for name, event, refs, body in (
                (ins, "INSERT", "NEW TABLE AS new_rows",
                 f"SELECT DISTINCT {column} FROM new_rows"),
                (upd, "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                 f"SELECT {column} FROM new_rows UNION SELECT {column} FROM old_rows"),
                (dele, "DELETE", "OLD TABLE AS old_rows",
                 f"SELECT DISTINCT {column} FROM old_rows"),
            ):
                statements.append(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN INSERT INTO {DIRTY} (household_id) {body}; RETURN NULL; END $$")
                statements.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                                  f"REFERENCING {refs} FOR EACH STATEMENT "
                                  f"EXECUTE FUNCTION {name}()")
        else:
            insert = f"INSERT INTO {DIRTY} (household_id)"
            statements += [
                f"CREATE TRIGGER {ins} AFTER INSERT ON {table} BEGIN "
                f"{insert} VALUES (NEW.{column}); END",
                f"CREATE TRIGGER {upd} AFTER UPDATE ON {table} BEGIN "
                f"{insert} VALUES (NEW.{column}); "
                f"{insert} SELECT OLD.{column} WHERE OLD.{column} <> NEW.{column}; END",
                f"CREATE TRIGGER {dele} AFTER DELETE ON {table} BEGIN "
                f"{insert} VALUES (OLD.{column}); END",
            ]
    return statements


def drop_statements(vendor: str | None = None) -> list[str]:
    vendor = vendor or connection.vendor
    statements = []
    for table, _column in _SOURCES:
        for name in _trigger_names(table):
            if vendor == "postgresql":
                statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                statements.append(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                statements.append(f"DROP TRIGGER IF EXISTS {name}")
    return statements


def mark_all_stale() -> None:
    """Record that every summary must be rebuilt (the next :func:`refresh_dirty` does it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {DIRTY} (household_id) VALUES (%s)", [REBUILD_ALL])


@contextmanager
def triggers_suspended() -> Iterator[None]:
    """Inside the caller's transaction: drop the triggers while a first load writes its rows
    (no record per row), create them again at the end and record that every summary is stale
    (:func:`mark_all_stale`): the rebuild runs later, in a background task after the commit
    (``registry.tasks``) or at the latest at the start of the next screening, not in the
    load's transaction. DDL is transactional on both databases: a failed load rolls the
    triggers back in place."""
    if not connection.in_atomic_block:
        raise RuntimeError("triggers_suspended needs a transaction")
    with connection.cursor() as cursor:
        for statement in drop_statements():
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in trigger_statements():
            cursor.execute(statement)
    mark_all_stale()


def triggers_installed() -> bool:
    """Whether all nine triggers exist (a check for tests and ``manage.py check``)."""
    names = {name for table, _ in _SOURCES for name in _trigger_names(table)}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return names <= {row[0] for row in cursor.fetchall()}
