"""Writes of the screening module: screening runs (风险筛查) and policy simulations (政策模拟测算).

A screening is set-based from end to end: the rules compile to one SELECT
(``policy.rules.screening_sql``) that is materialised into a temporary table; the difference
with the open risk signals is then written with one ``UPDATE`` (signals that no longer hold →
已由数据消除), one ``UPDATE … FROM`` (open signals whose figures changed) and two
``INSERT … SELECT``: the new signals, and one determination (``ScreeningDetermination``: reasons,
facts, basis) per household with a new, changed or resolved signal. No Python loop runs per
household; Python only looks parameters up once per parameter group (the determinations'
basis snapshot).

A second screening with no data change finds nothing new, nothing changed and nothing resolved,
and writes nothing but its own run row and audit event.
"""

# SQL here is built from table names of model metadata and this module's constants; every value
# is a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.bulk import bulk_write_cache, db_value
from minsheng.core.errors import InvalidInput, MinshengError, NotFound, PermissionDenied
from minsheng.core.models import AuditEventType, User
from minsheng.monitoring.models import RiskSignal, RunKind, RunStatus, ScreeningRun, SignalStatus
from minsheng.policy.models import ParameterSnapshot, ScreeningDetermination
from minsheng.regions.models import Region
from minsheng.regions.scoping import holds_perm
from minsheng.regions.selectors import region_get, region_roots
from minsheng.registry.models import Member

logger = logging.getLogger(__name__)

HOUSEHOLDS = "ms_screen_households"
RESULT = "ms_screen_result"
NEW = "ms_screen_new"
CODES = "ms_screen_codes"
PARAMS = "ms_screen_params"
CHANGED = "ms_screen_changed"
DECIDED = "ms_screen_decided"
FACTS_TARGET = "ms_screen_facts"
# pg_advisory_xact_lock key: screenings write the same signal table, one at a time.
_LOCK_KEY = 0x6D6F6E69


def rules_module() -> Any:
    """The rules package (``minsheng.policy.rules``), imported when first needed."""
    from minsheng.policy import rules

    return rules


# --- Scope and input -------------------------------------------------------------------------

def _require(actor: User, perm: str) -> None:
    if not holds_perm(actor, perm):
        raise PermissionDenied()


def screening_scope(*, actor: User, region_code: str | None) -> Region:
    """The region to screen: the code given (which must lie in the actor's scope), or the
    actor's only assigned region when no code is given."""
    code = (region_code or "").strip()
    if code:
        try:
            return region_get(actor=actor, code=code)
        except NotFound:
            raise NotFound(f"区划「{code}」不存在或不在您的管辖范围内。") from None
    roots = region_roots(actor=actor)
    if len(roots) != 1:
        raise InvalidInput("您管辖多个区划，请指定要筛查的区划代码。" if roots
                           else "您没有分配管辖区划，不能筛查。")
    return roots[0]


def what_if_parse(items: Iterable[str] | Mapping[str, Any]) -> dict[str, Any]:
    """``["monitoring.range=9000", …]`` (or a mapping) → {parameter name: typed value}.

    A key must name a parameter the screening rules use; a value is read with the parameter's
    unit (``rules.coerce_value``). Anything else is refused with a Chinese message (nothing is evaluated)."""
    from minsheng.policy.selectors import active_parameters

    pairs: list[tuple[str, str]] = []
    if isinstance(items, Mapping):
        pairs = [(str(k).strip(), str(v)) for k, v in items.items()]
    else:
        for item in items:
            key, sep, value = str(item).partition("=")
            if not sep or not key.strip() or not value.strip():
                raise InvalidInput(f"模拟参数「{item}」格式有误，应为 参数名=取值，"
                                   "如 monitoring.range=9000。")
            pairs.append((key.strip(), value))
    if not pairs:
        raise InvalidInput("请至少给出一个模拟参数（参数名=取值）。")
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            raise InvalidInput(f"模拟参数「{key}」重复给出。")
        seen.add(key)
    parameters = active_parameters()
    used = {name for rule in rules_module().RULES for name in rule.parameter_names}
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key not in parameters:
            raise InvalidInput(f"未知的政策参数「{key}」。筛查规则使用的参数有："
                               f"{'、'.join(sorted(used))}。")
        parameter = parameters.get(key)
        if key not in used:
            raise InvalidInput(f"政策参数「{parameter.description}」（{key}）不被任何筛查规则使用，"
                               f"模拟它不会改变结果。筛查规则使用的参数有：{'、'.join(sorted(used))}。")
        out[key] = rules_module().coerce_value(parameter, value.strip())
    return out


def _jsonable_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else list(v) if isinstance(v, tuple) else v)
            for k, v in overrides.items()}


# --- SQL helpers -----------------------------------------------------------------------------

def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _drop(cursor: Any, *tables: str) -> None:
    for table in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


# SQLite: the registry file is read through a memory map of at most this size (no copy into
# the page cache) and the query's own temporary tables are kept in memory.
MMAP_BYTES = 4 << 30


@contextlib.contextmanager
def screening_connection() -> Iterator[None]:
    """Connection settings while a screening or simulation runs, entered outside its
    transaction: on SQLite a larger page cache (as imports use), a memory map of the database
    file and temporary storage in memory, all restored afterwards. Nothing on PostgreSQL (see
    :func:`screening_tune`, inside the transaction)."""
    if connection.vendor != "sqlite":
        yield
        return
    with bulk_write_cache(), connection.cursor() as cursor:
        # SQLite changes temp_store only outside a transaction (not so in tests).
        temp_store = None
        if not connection.in_atomic_block:
            cursor.execute("PRAGMA temp_store")
            temp_store = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute("PRAGMA mmap_size")
        row = cursor.fetchone()  # no row for an in-memory database (tests)
        mmap = int(row[0]) if row else None
        if mmap is not None:
            cursor.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        try:
            yield
        finally:
            if mmap is not None:
                cursor.execute(f"PRAGMA mmap_size = {mmap}")
            if temp_store is not None:
                cursor.execute(f"PRAGMA temp_store = {temp_store}")


def screening_tune(cursor: Any) -> None:
    """Per-transaction settings for the screening query on PostgreSQL (``SET LOCAL``). JIT
    compiles a query this size for seconds (4 s of 5 at 100,000 households) to save
    milliseconds of execution: off. (A larger ``work_mem``, with or without parallel workers,
    made the query slower at 1,000,000 households: 12 s and 10.8 s against 9.1 s.)"""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")


def rules_source(*, on: dt.date, region: Region) -> str:
    """Which form of the rules' SELECT to run: the screening summary, brought up to date with
    the registry's latest writes first (``registry.summary``), or — for a date before some
    ledger year in scope, which the summary does not keep — the registry tables themselves."""
    from minsheng.policy.rules import sql
    from minsheng.registry import summary

    summary.refresh_dirty()
    return sql.SUMMARY if sql.summary_serves(on=on, region_code=region.code) else sql.REGISTRY


def _materialise(cursor: Any, *, on: dt.date, region: Region) -> Any:
    """Evaluate every rule over the region into the temporary table ``HOUSEHOLDS``: one row per
    household with some reason that holds or cannot be decided (``rules.screening_parts``).
    Returns the parts, whose ``rows(HOUSEHOLDS)`` are the (household, reason) rows."""
    parts = rules_module().sql.screening_parts(on=on, region_code=region.code,
                                               source=rules_source(on=on, region=region))
    _drop(cursor, HOUSEHOLDS)
    cursor.execute(f"CREATE TEMPORARY TABLE {HOUSEHOLDS} AS {parts.households}", parts.params)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {HOUSEHOLDS}")
    return parts


def _result(cursor: Any, parts: Any) -> None:
    """The (household, reason) rows into the temporary table ``RESULT``, indexed for the
    comparison with the open signals."""
    _drop(cursor, RESULT)
    cursor.execute(f"CREATE TEMPORARY TABLE {RESULT} AS {parts.rows(HOUSEHOLDS)}")
    cursor.execute(f"CREATE INDEX {RESULT}_hh ON {RESULT} (household_id, reason_code)")
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {RESULT}")


def _scalar(cursor: Any, sql: str, params: Iterable[Any] = ()) -> int:
    cursor.execute(sql, list(params))
    return int(cursor.fetchone()[0] or 0)


def _evaluated(cursor: Any, region: Region) -> int:
    """Households evaluated: the non-archived ones in scope, one summary row each (the summary
    was brought up to date at the start of the run, ``rules_source``)."""
    lo, hi = region.bounds
    return _scalar(cursor, "SELECT COUNT(*) FROM registry_householdsummary "
                   "WHERE region_id >= %s AND region_id <= %s", [lo, hi])


def _json(expr_pairs: list[tuple[str, str]]) -> str:
    fn = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    args = ", ".join(f"'{k}', {v}" for k, v in expr_pairs)
    return f"{fn}({args})"


def _distinct(left: str, right: str) -> str:
    """Null-safe "differs" for both backends."""
    op = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return f"{left} {op} {right}"


# --- Screening -------------------------------------------------------------------------------

def screening_queue(*, actor: User, region_code: str | None, on: dt.date,
                    dry_run: bool = False) -> ScreeningRun:
    """Record a screening to run (排队); the web enqueues it as a background task."""
    _require(actor, "monitoring.run_screening")
    region = screening_scope(actor=actor, region_code=region_code)
    return ScreeningRun.objects.create(kind=RunKind.SCREENING, actor=actor, region=region, on=on,
                                       dry_run=dry_run, phase="等待后台任务")


def screening_run(*, actor: User, region_code: str | None, on: dt.date,
                  dry_run: bool = False) -> ScreeningRun:
    """Screen the region now (CLI, API): queue and execute in this process."""
    run = screening_queue(actor=actor, region_code=region_code, on=on, dry_run=dry_run)
    return screening_execute(run=run)


def _mark(run: ScreeningRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    ScreeningRun.objects.filter(pk=run.pk).update(**fields)


def _claim(run: ScreeningRun) -> None:
    """Queued → running, committed at once so the polling page sees it."""
    with transaction.atomic():
        claimed = ScreeningRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=timezone.now(), phase="正在按规则计算")
    if not claimed:
        raise InvalidInput(f"筛查批次 #{run.pk} 已在运行或已结束。")
    run.status, run.phase = RunStatus.RUNNING, "正在按规则计算"


def screening_execute(*, run: ScreeningRun) -> ScreeningRun:
    """Run a queued screening: evaluate, write the difference, audit. On failure nothing of the
    screening is written and the run is marked failed with the reason."""
    _claim(run)
    started = time.perf_counter()
    try:
        with screening_connection(), transaction.atomic():
            counts = _screen(run)
            duration = int((time.perf_counter() - started) * 1000)
            _mark(run, status=RunStatus.DONE, phase="", finished_at=timezone.now(),
                  duration_ms=duration, **counts)
            record_event(
                actor=run.actor, event_type=AuditEventType.SCREENING_RUN, subject=run,
                region_code=run.region_id,
                note=(f"{'试运行' if run.dry_run else ''}风险筛查 {run.region.name}（{run.on}）："
                      f"新增 {run.new_count}，仍存在 {run.still_open}，已由数据消除 {run.resolved}"),
                extra={"on": run.on, "dry_run": run.dry_run, **counts,
                       "duration_ms": duration})
    except MinshengError as exc:
        _mark(run, status=RunStatus.FAILED, phase="", finished_at=timezone.now(),
              message=exc.message)
        raise
    except Exception as exc:
        logger.exception("screening run %s failed", run.pk)
        _mark(run, status=RunStatus.FAILED, phase="", finished_at=timezone.now(),
              message=f"筛查时发生系统错误，未写入任何信号：{exc}")
        raise
    return run


def _screen(run: ScreeningRun) -> dict[str, int]:
    region = run.region
    lo, hi = region.bounds
    signals = _q(RiskSignal._meta.db_table)
    # The temporary tables live in the transaction: a failure rolls them back with the rest
    # (on PostgreSQL nothing more may run in a failed transaction), success drops them.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        screening_tune(cursor)
        parts = _materialise(cursor, on=run.on, region=region)
        evaluated = _evaluated(cursor, region)
        flagged = _scalar(cursor, f"SELECT COUNT(*) FROM {HOUSEHOLDS}")
        open_in_scope = (f"FROM {signals} s WHERE s.status = 'open' "
                         "AND s.region_id >= %s AND s.region_id <= %s")
        cursor.execute(f"SELECT 1 {open_in_scope} LIMIT 1", [lo, hi])
        if cursor.fetchone() is None:
            # No open signal in scope (a first screening): every row is new, none changes or
            # resolves, so the rows go straight from the households into the signals.
            rows = f"({parts.rows(HOUSEHOLDS)}) AS r"
            if run.dry_run:
                new_count = _scalar(cursor, f"SELECT COUNT(*) FROM {rows}")
            else:
                new_count = _insert_signals(cursor, run, rows)
                if new_count:
                    _write_determinations(cursor, run, None)
            still_open = resolved = 0
        else:
            _result(cursor, parts)
            unsignalled = (f"FROM {RESULT} r WHERE NOT EXISTS (SELECT 1 FROM {signals} s "
                           "WHERE s.status = 'open' AND s.household_id = r.household_id "
                           "AND s.reason_code = r.reason_code)")
            new_count = _scalar(cursor, f"SELECT COUNT(*) {unsignalled}")
            if new_count:
                _drop(cursor, NEW)
                cursor.execute(f"CREATE TEMPORARY TABLE {NEW} AS SELECT r.* {unsignalled}")
            absent = (f"NOT EXISTS (SELECT 1 FROM {RESULT} r WHERE r.household_id = "
                      "s.household_id AND r.reason_code = s.reason_code)")
            cursor.execute(f"SELECT COUNT(*), SUM(CASE WHEN {absent} THEN 1 ELSE 0 END) "
                           f"{open_in_scope}", [lo, hi])
            open_before, resolved = (int(v or 0) for v in cursor.fetchone())
            still_open = open_before - resolved
            if not run.dry_run:
                _write(cursor, run, lo=lo, hi=hi, new_count=new_count, resolved=resolved)
        _drop(cursor, HOUSEHOLDS, RESULT, NEW, PARAMS, CHANGED, DECIDED, FACTS_TARGET, CODES)
    return {"evaluated": evaluated, "flagged": flagged, "new_count": new_count,
            "still_open": still_open, "resolved": resolved}


def _now_and_on(run: ScreeningRun) -> tuple[Any, Any]:
    return db_value(RiskSignal, "updated_at", timezone.now()), db_value(RiskSignal, "on", run.on)


def _insert_signals(cursor: Any, run: ScreeningRun, rows: str) -> int:
    """Open a signal for each (household, reason) row of ``rows`` (a table or a subquery);
    returns how many."""
    now, on = _now_and_on(run)
    cursor.execute(
        f"INSERT INTO {_q(RiskSignal._meta.db_table)} (household_id, region_id, rule_id, "
        f"rule_version, reason_code, outcome, status, measured, threshold, people, {_q('on')}, "
        "first_run_id, last_run_id, created_at, updated_at) "
        "SELECT household_id, region_code, rule_id, rule_version, reason_code, status, "
        f"'open', measured, threshold, people, %s, %s, %s, %s, %s FROM {rows}",
        [on, run.pk, run.pk, now, now])
    return cursor.rowcount


def _write(cursor: Any, run: ScreeningRun, *, lo: str, hi: str, new_count: int,
           resolved: int) -> None:
    """Write the difference with the open signals: resolve what no longer holds, update changed
    figures, insert the new signals (the rows of the temporary table ``NEW``), and store a
    determination for every household whose signals changed in any of these ways."""
    signals = _q(RiskSignal._meta.db_table)
    now, on = _now_and_on(run)
    absent = (f"NOT EXISTS (SELECT 1 FROM {RESULT} r WHERE r.household_id = "
              f"{signals}.household_id AND r.reason_code = {signals}.reason_code)")
    in_scope = "status = 'open' AND region_id >= %s AND region_id <= %s"
    # Open signals whose figures changed keep their identity and get today's figures.
    changed = " OR ".join([_distinct("s.measured", "r.measured"),
                           _distinct("s.threshold", "r.threshold"),
                           "s.people <> r.people", "s.outcome <> r.status",
                           "s.rule_version <> r.rule_version"])
    _drop(cursor, CHANGED)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {CHANGED} AS SELECT r.* FROM {RESULT} r JOIN {signals} s "
        "ON s.status = 'open' AND s.household_id = r.household_id "
        "AND s.reason_code = r.reason_code "
        f"WHERE s.region_id >= %s AND s.region_id <= %s AND ({changed})", [lo, hi])
    changed_count = _scalar(cursor, f"SELECT COUNT(*) FROM {CHANGED}")
    # The households this run decides something new about: a new, changed or resolved signal.
    parts = [f"SELECT household_id, region_code FROM {table}"
             for table, count in ((NEW, new_count), (CHANGED, changed_count)) if count]
    if resolved:
        parts.append(f"SELECT household_id, region_id AS region_code FROM {signals} "
                     f"WHERE {in_scope} AND {absent}")
    if parts:
        _drop(cursor, DECIDED)
        cursor.execute(f"CREATE TEMPORARY TABLE {DECIDED} AS " + " UNION ".join(parts),
                       [lo, hi] if resolved else [])
    if resolved:
        cursor.execute(
            f"UPDATE {signals} SET status = %s, resolved_run_id = %s, resolved_on = %s, "
            f"last_run_id = %s, updated_at = %s WHERE {in_scope} AND {absent}",
            [SignalStatus.RESOLVED_BY_DATA, run.pk, on, run.pk, now, lo, hi])
    if changed_count:
        cursor.execute(
            f"UPDATE {signals} AS s SET measured = r.measured, threshold = r.threshold, "
            f"people = r.people, outcome = r.status, rule_version = r.rule_version, "
            f"{_q('on')} = %s, last_run_id = %s, updated_at = %s FROM {CHANGED} r "
            "WHERE s.status = 'open' AND s.household_id = r.household_id "
            "AND s.reason_code = r.reason_code", [on, run.pk, now])
    if new_count:
        _insert_signals(cursor, run, NEW)
    if parts:
        _write_determinations(cursor, run, DECIDED)


def _write_determinations(cursor: Any, run: ScreeningRun, decided: str | None) -> None:
    """One 筛查判定记录 (``ScreeningDetermination``) per household in ``decided`` (every
    household with some reason when None): the reasons that hold now and the conclusion (none:
    every signal resolved, 未发现风险), the basis of its village (rule versions and parameter
    values, ``ParameterSnapshot``, stored once per distinct content), and the facts the rules
    read — copied set-based from the screening summary, or, for a screening dated before a
    later ledger (the rules' registry form), built from the registry tables with the ledgers
    capped at the screening's year. Members are listed only where a member reason holds
    (uninsured, or not in school within the compulsory-age window); the others are counted: by
    construction they are insured and in school or outside the window, so both member rules
    replay exactly."""
    from minsheng.policy.rules import sql as rules_sql
    from minsheng.registry import summary

    pg = connection.vendor == "postgresql"
    now, on = _now_and_on(run)
    table = _q(ScreeningDetermination._meta.db_table)
    members = _q(Member._meta.db_table)
    target = HOUSEHOLDS
    if decided:
        target = FACTS_TARGET
        _drop(cursor, FACTS_TARGET)
        cursor.execute(
            f"CREATE TEMPORARY TABLE {FACTS_TARGET} AS SELECT household_id, rc, flags, birth_lo, "
            f"birth_hi FROM {HOUSEHOLDS} WHERE household_id IN (SELECT household_id FROM "
            f"{decided}) UNION ALL SELECT household_id, region_code, 0, NULL, NULL FROM {decided} "
            f"x WHERE NOT EXISTS (SELECT 1 FROM {HOUSEHOLDS} h WHERE h.household_id = "
            "x.household_id)")  # the second part: every signal resolved, nothing holds now
        if pg:
            cursor.execute(f"ANALYZE {FACTS_TARGET}")
    _codes_table(cursor, target)
    _basis_table(cursor, run, target)
    if rules_sql.summary_serves(on=run.on, region_code=run.region.code):
        source = f"{summary.SUMMARY} s JOIN {target} d ON d.household_id = s.household_id"
    else:
        source = (f"({summary._select(target, max_year=run.on.year)}) s "
                  f"JOIN {target} d ON d.household_id = s.household_id")
    lo, hi = ("CAST(d.birth_lo AS DATE)", "CAST(d.birth_hi AS DATE)") if pg else \
        ("d.birth_lo", "d.birth_hi")
    empty = "'[]'::jsonb" if pg else "'[]'"
    member = ("'id', x.id, 'name', x.name, 'birth_date', x.birth_date, "
              "'school_stage', x.school_stage, 'medical_insurance', x.medical_insurance")
    aggregate = (f"COALESCE(jsonb_agg(jsonb_build_object({member}) ORDER BY x.id), "
                 "'[]'::jsonb)" if pg else f"json_group_array(json_object({member}))")
    listed = (f"CASE WHEN k.listed = 1 THEN (SELECT {aggregate} FROM {members} x "
              "WHERE x.household_id = d.household_id AND x.active AND (NOT x.medical_insurance "
              f"OR (x.school_stage = 'not_in_school' AND x.birth_date > {lo} "
              f"AND x.birth_date <= {hi}))) ELSE {empty} END")
    reasons = "CAST(k.reasons AS JSONB)" if pg else "k.reasons"
    ledger = [f"{k}_{name}" for k in "cp" for name in summary.LEDGER_FIELDS]
    copied = ["category", "housing_grade", "water_quantity_ok", "water_quality_ok",
              "water_convenience_ok", "water_assurance_ok", "people", "ledger_year",
              "has_previous", *ledger]
    cursor.execute(
        f"INSERT INTO {table} (household_id, source, region_code, {_q('on')}, status, reasons, "
        f"basis_id, {', '.join(copied)}, members, created_at) "
        f"SELECT s.household_id, %s, s.region_id, %s, k.status, {reasons}, p.snapshot_id, "
        f"{', '.join(f's.{c}' for c in copied)}, {listed}, %s FROM {source} "
        f"JOIN {CODES} k ON k.flags = d.flags JOIN {PARAMS} p ON p.region_code = s.region_id",
        [f"screening:{run.pk}", on, now])


def _codes_table(cursor: Any, target: str) -> None:
    """The temporary table ``CODES``: for each set of reason bits in ``target`` (a few hundred
    distinct sets for a million households), the reason codes as a JSON array (sorted), the
    conclusion, and whether a member reason holds (its members are then listed)."""
    from minsheng.policy.rules import sql as rules_sql
    from minsheng.policy.rules.engine import UNKNOWN_REASONS

    rules = rules_module()
    member_rules = {"education", "medical_insurance"}
    bits = rules_sql.reason_bits()
    cursor.execute(f"SELECT DISTINCT flags FROM {target}")
    rows = []
    for (flags,) in cursor.fetchall():
        codes = sorted(code for code, bit in bits.items() if int(flags) & bit)
        status = ("risk" if any(code not in UNKNOWN_REASONS for code in codes)
                  else "unknown" if codes else "clear")
        listed = int(any(rules.rule_of_reason(code).id in member_rules for code in codes))
        rows.append((int(flags), json.dumps(codes), status, listed))
    _drop(cursor, CODES)
    cursor.execute(f"CREATE TEMPORARY TABLE {CODES} (flags BIGINT PRIMARY KEY, reasons TEXT, "
                   "status VARCHAR(8), listed INTEGER)")
    cursor.executemany(f"INSERT INTO {CODES} (flags, reasons, status, listed) "
                       "VALUES (%s, %s, %s, %s)", rows)


def _basis_table(cursor: Any, run: ScreeningRun, target: str) -> None:
    """The temporary table ``PARAMS``: the basis snapshot (rule versions and parameter values,
    ``ParameterSnapshot``) of each village in ``target``. Looked up once per parameter group
    — villages under the same most specific region that some value names find the same
    values, as the SQL's groups — stored once per distinct content (shared across groups and
    with earlier runs) and referenced by id: a few snapshots for a million determinations."""
    from minsheng.policy.rules.sql import significant_prefix
    from minsheng.policy.selectors import active_parameters

    rules = rules_module()
    parameters = active_parameters()
    versions = {rule.id: rule.version for rule in rules.RULES}
    named = sorted({significant_prefix(entry.region) for name in rules.PARAMETER_NAMES
                    for entry in parameters.get(name).entries if entry.region},
                   key=len, reverse=True)
    cursor.execute(f"SELECT DISTINCT rc FROM {target}")
    villages = [code for (code,) in cursor.fetchall()]
    ids: dict[str, int] = {}  # group → snapshot id
    rows = []
    for code in villages:
        group = next((key for key in named if code.startswith(key)), "")
        if group not in ids:
            found = rules.parameter_snapshot(on=run.on, region_code=code, parameters=parameters)
            # Shared by every village with the same values: without the village's own code,
            # which the determination holds (``ScreeningDetermination.used_parameters``).
            ids[group] = _snapshot_id(versions, {
                name: {k: v for k, v in value.items() if k != "region_code"}
                for name, value in found.items()})
        rows.append((code, ids[group]))
    _drop(cursor, PARAMS)
    cursor.execute(f"CREATE TEMPORARY TABLE {PARAMS} (region_code VARCHAR(12) PRIMARY KEY, "
                   "snapshot_id BIGINT NOT NULL)")
    insert = f"INSERT INTO {PARAMS} (region_code, snapshot_id) "
    if connection.vendor == "postgresql":  # thousands of villages: one statement
        cursor.execute(insert + "SELECT * FROM unnest(CAST(%s AS TEXT[]), CAST(%s AS BIGINT[]))",
                       [[c for c, _ in rows], [i for _, i in rows]])
    else:
        cursor.executemany(insert + "VALUES (%s, %s)", rows)


def _snapshot_id(rules: Mapping[str, int], parameters: Mapping[str, Any]) -> int:
    """The id of the basis snapshot with this content (by its digest), stored first when new."""
    text = json.dumps({"rules": rules, "parameters": parameters}, ensure_ascii=False,
                      sort_keys=True, default=str)
    content = json.loads(text)
    row, _ = ParameterSnapshot.objects.get_or_create(
        digest=hashlib.sha256(text.encode()).hexdigest(),
        defaults={"rules": content["rules"], "parameters": content["parameters"],
                  "created_at": timezone.now()})
    return row.pk


# --- Simulation (政策模拟测算) ------------------------------------------------------------------

def simulation_run(*, actor: User, region_code: str | None, on: dt.date,
                   what_if: Iterable[str] | Mapping[str, Any]) -> ScreeningRun:
    """Compare the rules with hypothetical parameter values against today's values over the
    region: by township and reason, how many households and people enter or leave. Nothing in
    the registry or the signals changes; the inputs and the result are stored on the run."""
    _require(actor, "monitoring.run_simulation")
    region = screening_scope(actor=actor, region_code=region_code)
    overrides = what_if_parse(what_if)
    run = ScreeningRun.objects.create(
        kind=RunKind.SIMULATION, actor=actor, region=region, on=on, dry_run=True,
        overrides=_jsonable_overrides(overrides), status=RunStatus.RUNNING,
        started_at=timezone.now(), phase="正在测算")
    started = time.perf_counter()
    try:
        with screening_connection(), transaction.atomic():
            result, counts = _simulate(run, overrides)
            duration = int((time.perf_counter() - started) * 1000)
            _mark(run, status=RunStatus.DONE, phase="", finished_at=timezone.now(),
                  duration_ms=duration, result=result, **counts)
            changes = "，".join(f"{k}={v}" for k, v in run.overrides.items())
            totals = result["totals"]
            record_event(
                actor=actor, event_type=AuditEventType.SIMULATION_RUN, subject=run,
                region_code=region.code,
                note=(f"政策模拟测算 {region.name}（{on}，{changes}）：新纳入 "
                      f"{totals['entering_households']} 户，退出 {totals['leaving_households']} 户"),
                extra={"on": on, "overrides": run.overrides, "totals": totals,
                       "duration_ms": duration})
    except MinshengError as exc:
        _mark(run, status=RunStatus.FAILED, phase="", finished_at=timezone.now(),
              message=exc.message)
        raise
    except Exception as exc:
        logger.exception("simulation run %s failed", run.pk)
        _mark(run, status=RunStatus.FAILED, phase="", finished_at=timezone.now(),
              message=f"测算时发生系统错误：{exc}")
        raise
    return run


def _simulate(run: ScreeningRun, overrides: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                         dict[str, int]]:
    region = run.region
    with connection.cursor() as cursor:  # temporary tables: see _screen
        screening_tune(cursor)
        # Today's values and the what-if's decided in one pass over the households: a row per
        # household with some reason on either side and both sides' reasons as bits.
        sql, params = rules_module().sql.what_if_flags_sql(
            on=run.on, region_code=region.code, overrides=overrides,
            source=rules_source(on=run.on, region=region))
        evaluated = _evaluated(cursor, region)
        rows, townships, flagged = _compare(cursor, sql, params)
    names = dict(Region.objects.filter(
        code__in={r["township"].ljust(12, "0") for r in rows + townships})
        .values_list("code", "name"))
    for row in rows + townships:
        row["township_name"] = names.get(row["township"].ljust(12, "0"), row["township"])
    keys = ("baseline_households", "baseline_people", "what_if_households", "what_if_people",
            "entering_households", "entering_people", "leaving_households", "leaving_people")
    totals = {k: sum(t[k] for t in townships) for k in keys}
    result = {"rows": rows, "townships": townships, "totals": totals}
    return result, {"evaluated": evaluated, "flagged": flagged,
                    "new_count": totals["entering_households"],
                    "resolved": totals["leaving_households"], "still_open": 0}


def _compare(cursor: Any, sql: str, params: list[Any]
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Households and people per township and reason, and per township: in the baseline, in
    the what-if, and entering (only in the what-if) or leaving (only in the baseline); and
    the households at risk or undecided under the what-if.

    The database groups the what-if's rows (the flags query ``sql``: one per household with
    people, today's reason bits ``flags0``, the what-if's ``flags1``) by township and the pair
    of bit sets as it computes them — a few thousand groups for a million households, nothing
    stored — and the groups are spread over the reasons here: by township a household counts
    where any bit is set; by reason, where that reason's bit is."""
    cursor.execute(f"SELECT SUBSTR(region_code, 1, 9), flags0, flags1, COUNT(*), SUM(people) "
                   f"FROM ({sql}) AS w GROUP BY SUBSTR(region_code, 1, 9), flags0, flags1",
                   params)
    bits = rules_module().sql.reason_bits()
    by_reason: dict[tuple[str, str], list[int]] = {}
    by_township: dict[str, list[int]] = {}

    def add(counts: list[int], base: bool, what_if: bool, households: int, people: int) -> None:
        for k, holds in enumerate((base, what_if, what_if and not base, base and not what_if)):
            if holds:
                counts[2 * k] += households
                counts[2 * k + 1] += people

    flagged = 0
    for township, flags0, flags1, households, people in cursor.fetchall():
        households, people = int(households), int(people or 0)
        flagged += households if flags1 else 0
        add(by_township.setdefault(township, [0] * 8), flags0 != 0, flags1 != 0, households,
            people)
        for code, bit in bits.items():
            if (flags0 | flags1) & bit:
                add(by_reason.setdefault((township, code), [0] * 8), bool(flags0 & bit),
                    bool(flags1 & bit), households, people)
    rows = [{"township": township, "reason_code": code, **dict(zip(_COUNT_KEYS, counts,
                                                                   strict=True))}
            for (township, code), counts in sorted(by_reason.items())]
    townships = [{"township": township, **dict(zip(_COUNT_KEYS, counts, strict=True))}
                 for township, counts in sorted(by_township.items())]
    return rows, townships, flagged


_COUNT_KEYS = ("baseline_households", "baseline_people", "what_if_households", "what_if_people",
               "entering_households", "entering_people", "leaving_households", "leaving_people")


# --- Export ----------------------------------------------------------------------------------

def signal_export(*, actor: User, rows: Iterable[tuple[Any, ...]], headers: list[str],
                  filters: Mapping[str, Any]) -> tuple[Any, int]:
    """Write the (already scoped and masked) signal rows to an xlsx file; audited (导出)."""
    from minsheng.core.excel import write_workbook

    _require(actor, "monitoring.view_risksignal")
    handle, count = write_workbook(title="风险信号", headers=headers, rows=rows,
                                   widths=[18, 10, 20, 12, 12, 60, 10, 10, 12, 12])
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="monitoring.risksignal",
                 note=f"导出风险信号 {count} 行（脱敏）",
                 extra={"filters": dict(filters), "rows": count})
    return handle, count
