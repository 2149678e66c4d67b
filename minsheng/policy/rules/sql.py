"""The rules as one SELECT over a whole region (set-based screening, 批量筛查).

The parameters are looked up in Python once per *parameter group*: the regions inside the scope
that some parameter names (a county with its own 监测范围, say), plus one group for everything
else. A household's group is the most specific such region its village lies in, so its values
are exactly what the lookup gives for the village. Each parameter enters the SQL as a literal, or
as ``CASE group WHEN 1 THEN … END`` when the groups differ; per-region overrides therefore work
set-based, with no Python loop per household.

The arithmetic is the Python rules' (``rules.engine``): money in whole 分 as integers,
comparisons by cross-multiplication (``net < line × people``, ``medical × den > num × net``), and
rounding down in integers, so both give the same rows and the same text.

Shape: ``hh`` (households in scope, with their group) → the active members counted per
household (people, uninsured, compulsory-age children out of school: a hash aggregate ``m`` on
PostgreSQL, one correlated subquery per household through the ``household_id`` index on SQLite,
see ``_Dialect.members``) → ``b`` (one row per household with its parameters, the ledger of the
year, of the year before, and the net incomes; materialized once) → ``c`` (``b``'s row under
each side's parameters: one side for a screening, two for a what-if, ``what_if_sql``) → ``f``
(a bit per reason that holds) → joined with the reason list ``rs``, so each household row is
read once however many reasons there are. Member names (for the two member reasons) are read by
a correlated subquery only for the rows that show them.

Run it with the connection settings of ``monitoring.services.screening_connection`` /
``screening_tune`` (PostgreSQL: JIT off; SQLite: a large page cache, a memory map, temporary
storage in memory). Timings: ``docs/benchmarks.md``.
"""

# The SQL text is built from code and from numbers, dates and region codes that the parameter
# loader has validated (digits only); the only outside input, the scope bounds, is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

from minsheng.policy.errors import ParameterMissing
from minsheng.policy.parameters import ParameterSet, normalize_region_code
from minsheng.policy.rules.engine import (
    PARAMETER_NAMES,
    RULES_BY_ID,
    UNKNOWN_REASONS,
    cents_of,
    fixed,
    ratio,
)
from minsheng.policy.rules.facts import LEDGER_FIELDS
from minsheng.policy.rules.params import Param, Value, active_set, coerce_overrides, resolve
from minsheng.policy.rules.text import (
    P_AGE_MAX,
    P_AGE_MIN,
    P_COUNTED,
    P_DEDUCTED,
    P_DROP,
    P_MED_LIFTED,
    P_MED_OTHERS,
    P_RANGE,
    P_SHARE,
)

VENDORS = ("sqlite", "postgresql")
REGISTRY, SUMMARY = "registry", "summary"
_SUMMARY_TABLE = "registry_householdsummary"  # registry.models.HouseholdSummary
SOURCES = (REGISTRY, SUMMARY)
COLUMNS = {"household_id": "BIGINT", "region_code": "VARCHAR(12)", "rule_id": "VARCHAR(64)",
           "rule_version": "INTEGER", "reason_code": "VARCHAR(64)", "status": "VARCHAR(8)",
           "measured": "TEXT", "threshold": "TEXT", "people": "BIGINT"}
# A screening's rows also carry the compulsory-age birth window they were decided with (their
# parameter group's): the screening lists the members it covers in its facts snapshot.
SCREENING_COLUMNS = {**COLUMNS, "birth_lo": "TEXT", "birth_hi": "TEXT"}
_LENGTHS = (2, 4, 6, 9, 12)


def significant_prefix(code: str) -> str:
    """The shortest 2/4/6/9/12-digit prefix that pads back to the code: ``430523000000`` →
    ``430523``. Accepts 2–12 digit codes as the parameter files do."""
    padded = normalize_region_code(code)
    for length in _LENGTHS:
        if padded[length:] == "0" * (12 - length):
            return padded[:length]
    return padded  # pragma: no cover - the loop always returns at length 12


def birth_cutoff(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone at least ``years`` 周岁 old on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a year that has none
        return on.replace(year=on.year - years, day=28)


def _mentioned(prefix: str, source: ParameterSet, overridden: Mapping[str, Value]) -> list[str]:
    """Regions inside the scope that some (not overridden) parameter gives a value of its own,
    most specific first."""
    found: set[str] = set()
    for name in PARAMETER_NAMES:
        if name in overridden:
            continue
        for entry in source.get(name).entries:
            if entry.region:
                key = significant_prefix(entry.region)
                if key.startswith(prefix) and key != prefix:
                    found.add(key)
    return sorted(found, key=lambda key: (-len(key), key))


def _has_households(prefix: str, excluded: list[str]) -> bool:
    from minsheng.registry.models import Household

    query = Household.objects.filter(archived=False, region_id__gte=prefix.ljust(12, "0"),
                                     region_id__lte=prefix.ljust(12, "9"))
    for key in excluded:
        query = query.exclude(region_id__gte=key.ljust(12, "0"), region_id__lte=key.ljust(12, "9"))
    return query.exists()


def _groups(prefix: str, on: dt.date, source: ParameterSet,
            overridden: Mapping[str, Value]) -> list[tuple[int, str | None, dict[str, Param]]]:
    """(group number, region prefix or None for the rest of the scope, parameters)."""
    keys = _mentioned(prefix, source, overridden)
    groups = []
    candidates: list[tuple[str | None, str]] = [*((key, key) for key in keys), (None, prefix)]
    for number, (key, lookup) in enumerate(candidates, start=1):
        try:
            params = resolve(PARAMETER_NAMES, on=on, region_code=lookup.ljust(12, "0"),
                             overrides=overridden, parameters=source)
        except ParameterMissing:
            # Only an error when a household would use these values.
            inner = [other for other in keys if other != key and other.startswith(lookup)]
            if _has_households(lookup, inner if key is not None else keys):
                raise
            continue
        groups.append((number, key, params))
    return groups


class _Dialect:
    def __init__(self, vendor: str) -> None:
        if vendor not in VENDORS:
            raise ValueError(f"screening_sql supports {VENDORS}, not {vendor!r}")
        self.pg = vendor == "postgresql"

    def cents(self, column: str) -> str:
        if self.pg:
            return f"CAST({column} * 100 AS BIGINT)"
        return f"CAST(ROUND({column} * 100) AS INTEGER)"

    def date(self, value: dt.date) -> str:
        return f"DATE '{value.isoformat()}'" if self.pg else f"'{value.isoformat()}'"

    def names(self, where: str) -> str:
        """The names (、-joined, by member id) of the household's active members matching
        ``where``: a correlated subquery, run only for the rows that show it."""
        members = (f"FROM registry_member x WHERE x.household_id = f.hid AND x.active "
                   f"AND {where}")
        if self.pg:
            return f"(SELECT string_agg(x.name, '、' ORDER BY x.id) {members})"
        # A window ordered by id accumulates in that order (a plain group_concat need not).
        return (f"(SELECT group_concat(x.name, '、') OVER (ORDER BY x.id ROWS BETWEEN "
                f"UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) {members} LIMIT 1)")

    def members(self, *, uninsured: str, out_of_school: list[str]) -> dict[str, str]:
        """The active-member counts of each household as SQL pieces of the query: a ``cte``
        before ``b``, the ``columns`` and the ``join`` of ``b``, and ``decoded``: the SQL, over
        ``b``'s columns, of ``people``, ``uninsured`` and each side's ``out_of_school`` (one
        per ``out_of_school`` condition; the age bounds are parameters a what-if may change).

        PostgreSQL aggregates the members in one pass (hash join, hash aggregate). SQLite has
        only nested loops: there a grouped CTE costs a sort of every member row and an
        automatic index on the result, so each household instead counts its own members
        through the ``household_id`` index in one correlated subquery, the counts packed into
        one integer of 15-bit fields (people, uninsured, then each out-of-school count; a
        household has fewer than 2^15 members) and unpacked in ``c``."""
        def count(condition: str) -> str:
            return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

        if self.pg:
            school = "".join(f",\n  {count(condition)} AS out_of_school_{k}"
                             for k, condition in enumerate(out_of_school))
            return {
                "cte": (f"m AS (SELECT mb.household_id AS hid, COUNT(*) AS people,\n"
                        f"  {count(uninsured)} AS uninsured{school}\n"
                        "  FROM hh JOIN registry_member mb ON mb.household_id = hh.hid\n"
                        "  WHERE mb.active GROUP BY mb.household_id),\n"),
                "columns": ", ".join(
                    [f"COALESCE(m.{c}, 0) AS {c}" for c in ("people", "uninsured")]
                    + [f"COALESCE(m.out_of_school_{k}, 0) AS out_of_school_{k}"
                       for k in range(len(out_of_school))]),
                "join": " LEFT JOIN m ON m.hid = hh.hid",
                "decoded": {"people": "people", "uninsured": "uninsured",
                            **{f"out_of_school_{k}": f"out_of_school_{k}"
                               for k in range(len(out_of_school))}},
            }
        counts = ["COUNT(*)", count(uninsured), *(count(c) for c in out_of_school)]
        names = ["people", "uninsured",
                 *(f"out_of_school_{k}" for k in range(len(out_of_school)))]
        if len(counts) > 4:  # pragma: no cover - two sides at most
            raise ValueError("at most four packed member counts")
        shifts = [15 * (len(counts) - 1 - i) for i in range(len(counts))]
        packed = " + ".join(f"COALESCE({c}, 0) * {1 << shift}"
                            for c, shift in zip(counts, shifts, strict=True))
        return {
            "cte": "",
            "columns": (f"(SELECT {packed} FROM registry_member mb "
                        "WHERE mb.household_id = hh.hid AND mb.active) AS packed"),
            "join": "",
            # Shifts and masks: no "%" in the text (a DB-API placeholder character).
            "decoded": {name: f"((packed >> {shift}) & {(1 << 15) - 1})"
                        for name, shift in zip(names, shifts, strict=True)},
        }

    def fixed(self, column: str, places: int) -> str:
        """An integer count of 10^-places as decimal text (``rules.engine.fixed``)."""
        scale = 10 ** places
        whole = f"(abs({column}) / {scale})"
        part = f"(abs({column}) - {whole} * {scale})"
        if self.pg:
            padded = f"lpad(CAST({part} AS TEXT), {places}, '0')"
        else:
            padded = f"substr('{'0' * places}' || {part}, -{places})"
        return (f"(CASE WHEN {column} < 0 THEN '-' ELSE '' END || CAST({whole} AS TEXT) || '.' "
                f"|| {padded})")


def floor_div(numerator: str, denominator: str) -> str:
    """SQL for ``rules.engine.floor_div`` (integers; denominator > 0). Both databases truncate
    an integer division toward zero, so negative numerators are rounded down by hand."""
    return (f"(CASE WHEN ({numerator}) >= 0 THEN ({numerator}) / ({denominator}) "
            f"ELSE -((-({numerator}) + ({denominator}) - 1) / ({denominator})) END)")


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _coefficients(params: Mapping[str, Param]) -> dict[str, int]:
    counted, deducted = set(params[P_COUNTED].codes), set(params[P_DEDUCTED].codes)
    return {name: (name in counted) - (name in deducted) for name in LEDGER_FIELDS}


def _param_exprs(groups: list[tuple[int, str | None, dict[str, Param]]], on: dt.date,
                 dialect: _Dialect, grp: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each parameter column as an SQL expression of the household's group ``grp``: a literal
    when every group has the same value, else ``CASE grp WHEN 1 THEN … END``. (Expressions
    rather than a joined VALUES list: the planner keeps its row estimates of the registry tables
    and joins them by hash on PostgreSQL.) Also the 纯收入 coefficient of each ledger column
    that counts anywhere (+1 counted, −1 deducted, 0 not counted)."""
    columns: dict[str, list[str]] = {}
    for _, _, params in groups:
        share_num, share_den = ratio(params[P_SHARE].decimal)
        drop_num, drop_den = ratio(params[P_DROP].decimal)
        low, high = int(params[P_AGE_MIN].decimal), int(params[P_AGE_MAX].decimal)
        values = {
            "range_c": str(cents_of(params[P_RANGE])),
            "range_t": _text(fixed(cents_of(params[P_RANGE]), 2)),
            "share_num": str(share_num), "share_den": str(share_den),
            "med_lifted_c": str(cents_of(params[P_MED_LIFTED])),
            "med_lifted_t": _text(fixed(cents_of(params[P_MED_LIFTED]), 2)),
            "med_others_c": str(cents_of(params[P_MED_OTHERS])),
            "med_others_t": _text(fixed(cents_of(params[P_MED_OTHERS]), 2)),
            "drop_num": str(drop_num), "drop_den": str(drop_den),
            "drop_t": _text(str(params[P_DROP].decimal)),
            "birth_lo": dialect.date(birth_cutoff(on, high + 1)),
            "birth_hi": dialect.date(birth_cutoff(on, low)),
            **{f"k_{name}": str(value) for name, value in _coefficients(params).items()},
        }
        for column, value in values.items():
            columns.setdefault(column, []).append(value)
    numbers = [number for number, _, _ in groups]

    def expression(values: list[str]) -> str:
        if len(set(values)) == 1:
            return values[0]
        whens = " ".join(f"WHEN {n} THEN {v}" for n, v in zip(numbers, values, strict=True))
        return f"(CASE {grp} {whens} END)"

    exprs = {column: expression(values) for column, values in columns.items()}
    coefficients = {name: exprs.pop(f"k_{name}") for name in LEDGER_FIELDS
                    if f"k_{name}" in exprs}
    return exprs, {name: value for name, value in coefficients.items() if value != "0"}


def screening_sql(*, on: dt.date, region_code: str,
                  overrides: Mapping[str, object] | None = None,
                  parameters: ParameterSet | None = None,
                  vendor: str | None = None, source: str = REGISTRY) -> tuple[str, list[str]]:
    """One SELECT yielding a row per (household, reason) with status risk or unknown for every
    non-archived household in ``region_code``'s subtree. See the package docstring for the
    columns. Raises ParameterMissing when a household in scope has no value in force.

    ``source``: ``"registry"`` reads the registry tables themselves; ``"summary"`` reads the
    screening summary (``registry.summary``), which the caller must have refreshed
    (``summary.refresh_dirty``) and which only serves a date whose year is not before any
    ledger year in scope (``summary_serves``). Both give the same rows."""
    return _build(on=on, region_code=region_code, sides=[overrides], parameters=parameters,
                  vendor=vendor, figures=True, source=source)


@dataclass(frozen=True)
class ScreeningParts:
    """``screening_sql`` in two steps, for a screening that keeps the flagged households in a
    table of its own: ``households`` selects one row per household with some reason (``hid``,
    ``rc``, ``people``, ``flags`` — bit ``reason_bits()[code]`` set where a reason holds —,
    ``birth_lo``/``birth_hi`` and the columns the figures are computed from), taking
    ``params``; ``rows(table)`` is then ``screening_sql``'s (household, reason) rows read from
    a table holding those rows. ``screening_sql`` is the two in one query."""

    households: str
    params: list[str]
    template: str

    def rows(self, table: str) -> str:
        return self.template.replace(_TABLE, table)


_TABLE = "__households__"


def screening_parts(*, on: dt.date, region_code: str,
                    parameters: ParameterSet | None = None, vendor: str | None = None,
                    source: str = REGISTRY) -> ScreeningParts:
    """``screening_sql`` as its two steps (``ScreeningParts``)."""
    return _build(on=on, region_code=region_code, sides=[None], parameters=parameters,
                  vendor=vendor, figures=True, source=source, parts=True)


def what_if_sql(*, on: dt.date, region_code: str, overrides: Mapping[str, object],
                parameters: ParameterSet | None = None,
                vendor: str | None = None, source: str = REGISTRY) -> tuple[str, list[str]]:
    """Today's values and the hypothetical ones (``overrides``) in one pass over the registry:
    the rows ``screening_sql`` gives for each, with a last column ``side`` (0 today, 1 the
    what-if). Each household is read, joined and counted once; only the decisions are made
    twice. ``measured`` and ``threshold`` are NULL (a comparison counts households and people;
    it does not show figures)."""
    return _build(on=on, region_code=region_code, sides=[None, overrides],
                  parameters=parameters, vendor=vendor, figures=False, source=source)


def what_if_flags_sql(*, on: dt.date, region_code: str, overrides: Mapping[str, object],
                      parameters: ParameterSet | None = None, vendor: str | None = None,
                      source: str = REGISTRY) -> tuple[str, list[str]]:
    """Today's values and the hypothetical ones, decided on one row per household:
    ``(household_id, region_code, people, flags0, flags1)`` for every household that has some
    reason on either side, where bit ``REASON_BITS[code]`` of ``flags0`` (today) or ``flags1``
    (what-if) says the reason holds. A comparison by township and reason is then one
    aggregate over these rows (``monitoring.services``), with no second pass to pair the
    sides. The same decisions as ``what_if_sql``."""
    return _build(on=on, region_code=region_code, sides=[None, overrides],
                  parameters=parameters, vendor=vendor, figures=False, source=source,
                  flags_only=True)


def _build(*, on: dt.date, region_code: str, sides: list[Mapping[str, object] | None],
           parameters: ParameterSet | None, vendor: str | None,
           figures: bool, source: str, flags_only: bool = False,
           parts: bool = False) -> Any:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    dialect = _Dialect(vendor or connection.vendor)
    parameter_set = active_set(parameters)
    prefix = significant_prefix(region_code)
    columns = dict(SCREENING_COLUMNS) if len(sides) == 1 else {**COLUMNS, "side": "INTEGER"}
    if flags_only:
        columns = {"household_id": "BIGINT", "region_code": "VARCHAR(12)", "people": "BIGINT",
                   "flags0": "BIGINT", "flags1": "BIGINT"}
    side_groups = [_groups(prefix, on, parameter_set,
                           coerce_overrides(overrides, parameter_set)) for overrides in sides]
    if not all(side_groups):  # no household in scope can be evaluated: no values to compute
        typed = ", ".join(f"CAST(NULL AS {kind}) AS {column}" for column, kind in columns.items())
        if parts:
            kinds = {"hid": "BIGINT", "household_id": "BIGINT", "rc": "VARCHAR(12)",
                     "people": "BIGINT", "flags": "BIGINT", "birth_lo": "TEXT",
                     "birth_hi": "TEXT"}
            return ScreeningParts(
                households="SELECT " + ", ".join(f"CAST(NULL AS {kind}) AS {column}"
                                                 for column, kind in kinds.items())
                + " WHERE 1 = 0", params=[], template=f"SELECT {typed} WHERE 1 = 0")
        return f"SELECT {typed} WHERE 1 = 0", []
    # Per side: its parameter group of each household, its parameter columns, its 纯收入.
    group_exprs, side_values, side_coefficients = [], [], []
    for k, groups in enumerate(side_groups):
        values, coefficients = _param_exprs(groups, on, dialect, f"hh.grp{k}")
        side_values.append(values)
        side_coefficients.append(coefficients)
        group_case = " ".join(
            f"WHEN substr(h.region_id, 1, {len(key)}) = '{key}' THEN {number}"
            for number, key, _ in groups if key is not None)
        rest = next((number for number, key, _ in groups if key is None), 0)
        group_exprs.append(f"CASE {group_case} ELSE {rest} END" if group_case else str(rest))
    year = on.year

    def net(alias: str, coefficients: dict[str, str]) -> str:
        terms = []
        for name, coefficient in coefficients.items():
            cents = dialect.cents(f"{alias}.{name}")
            terms.append(cents if coefficient == "1" else f"- {cents}" if coefficient == "-1"
                         else f"{coefficient} * {cents}")
        return f"(0 + {' + '.join(terms)})".replace("+ - ", "- ") if terms else "0"

    water = (("water_quantity_ok", "水量"), ("water_quality_ok", "水质"),
             ("water_convenience_ok", "用水方便程度"), ("water_assurance_ok", "供水保障率"))
    any_false = " OR ".join(f"{column} = FALSE" for column, _ in water)
    none_false = " AND ".join(f"COALESCE({column}, TRUE)" for column, _ in water)
    any_null = " OR ".join(f"{column} IS NULL" for column, _ in water)
    failing = "substr(" + " || ".join(f"CASE WHEN {column} = FALSE THEN '、{label}' ELSE '' END"
                                      for column, label in water) + ", 2)"
    unchecked = "substr(" + " || ".join(f"CASE WHEN {column} IS NULL THEN '、{label}' ELSE '' END"
                                        for column, label in water) + ", 2)"
    drop = "(prev_net - cur_net)"
    fixed2 = dialect.fixed
    # reason → (condition on a household row, measured, threshold); see the package docstring.
    # reason → (guard, rest of the condition, measured, threshold): the reason holds where
    # guard AND rest. The guards come in mutually exclusive alternatives (``switches``), so the
    # bit sum tests each guard once per household (``_bit_sum``).
    with_ledger, without_ledger = "ly IS NOT NULL", "ly IS NULL"
    with_members, without_members = "people > 0", "people = 0"
    unsafe, ungraded = "hg IN ('C', 'D')", "hg = ''"
    water_fails, water_unknown = f"({any_false})", f"({none_false}) AND ({any_null})"
    switches = [(without_ledger, with_ledger), (without_members, with_members),
                (unsafe, ungraded), (water_fails, water_unknown)]
    guarded: dict[str, tuple[str, str, str, str]] = {
        "income_below_range": (
            with_ledger, "people > 0 AND cur_net < range_c * people",
            fixed2(floor_div("cur_net", "people"), 2), "range_t"),
        "income_ledger_missing": (without_ledger, "", "NULL", "NULL"),
        "income_members_missing": (without_members, "", "NULL", "NULL"),
        "medical_over_income_share": (
            with_ledger, "medical > 0 AND medical * share_den > share_num * cur_net",
            fixed2("medical", 2), fixed2(floor_div("share_num * cur_net", "share_den"), 2)),
        "medical_over_threshold": (
            with_ledger, "medical > 0 AND medical >= "
            "CASE WHEN cat = 'lifted' THEN med_lifted_c ELSE med_others_c END",
            fixed2("medical", 2), "CASE WHEN cat = 'lifted' THEN med_lifted_t ELSE med_others_t END"),
        "medical_ledger_missing": (without_ledger, "", "NULL", "NULL"),
        "income_dropped": (
            with_ledger, f"prev_net > 0 AND {drop} * drop_den >= drop_num * prev_net",
            fixed2(floor_div(f"{drop} * 10000", "prev_net"), 4), "drop_t"),
        "income_drop_ledger_missing": (without_ledger, "", "NULL", "NULL"),
        "income_drop_previous_missing": (with_ledger, "prev_net IS NULL",
                                         "CAST(ly - 1 AS TEXT)", "NULL"),
        "child_out_of_school": (
            with_members, "out_of_school > 0",
            dialect.names("x.school_stage = 'not_in_school' AND x.birth_date > f.birth_lo "
                          "AND x.birth_date <= f.birth_hi"), "NULL"),
        "education_members_missing": (without_members, "", "NULL", "NULL"),
        "member_uninsured": (with_members, "uninsured > 0",
                             dialect.names("NOT x.medical_insurance"), "NULL"),
        "insurance_members_missing": (without_members, "", "NULL", "NULL"),
        "housing_unsafe": (unsafe, "", "hg", "NULL"),
        "housing_grade_missing": (ungraded, "", "NULL", "NULL"),
        "water_failing": (water_fails, "", failing, "NULL"),
        "water_unchecked": (water_unknown, "", unchecked, "NULL"),
    }
    reasons = {code: (f"{guard} AND {rest}" if rest else guard, measured, threshold)
               for code, (guard, rest, measured, threshold) in guarded.items()}
    codes = [code for rule in RULES_BY_ID.values() for code in rule.reason_codes]
    if sorted(codes) != sorted(reasons):  # pragma: no cover - a rule gained a reason without SQL
        raise RuntimeError("every reason code needs its SQL condition in rules.sql")
    reason_rows = ", ".join(
        f"('{code}', '{rule.id}', {rule.version}, "
        f"'{'unknown' if code in UNKNOWN_REASONS else 'risk'}', {1 << bit})"
        for bit, (code, rule) in enumerate((code, rule) for rule in RULES_BY_ID.values()
                                           for code in rule.reason_codes))
    bits = {code: 1 << bit for bit, code in enumerate(codes)}
    flags = _bit_sum([(bits[code], *guarded[code][:2]) for code in codes], switches)
    measured = " ".join(f"WHEN '{code}' THEN {reasons[code][1]}" for code in codes
                        if reasons[code][1] != "NULL")
    threshold = " ".join(f"WHEN '{code}' THEN {reasons[code][2]}" for code in codes
                         if reasons[code][2] != "NULL")
    birth_bounds = [(values["birth_lo"], values["birth_hi"]) for values in side_values]
    if source == SUMMARY:
        ctes = _summary_ctes(dialect, year=year, group_exprs=group_exprs,
                             side_values=side_values, side_coefficients=side_coefficients,
                             birth_bounds=birth_bounds,
                             materialize=not flags_only)
    else:
        ctes = _registry_ctes(dialect, year=year, group_exprs=group_exprs,
                              side_values=side_values, side_coefficients=side_coefficients,
                              birth_bounds=birth_bounds, net=net)
    common = ("hid, rc, cat, hg, water_quantity_ok, water_quality_ok, water_convenience_ok, "
              "water_assurance_ok, ly, medical")
    decoded = ctes["decoded"]
    if flags_only:
        conditions = [(bits[code], *guarded[code][:2]) for code in codes]
        return _flags_sql(ctes, common=common, side_values=side_values,
                          side_coefficients=side_coefficients, conditions=conditions,
                          switches=switches), \
            [prefix.ljust(12, "0"), prefix.ljust(12, "9")]
    # c: one row per household and side, with that side's columns under the plain names.
    c = "\n  UNION ALL\n  ".join(
        f"SELECT {common}, {decoded['people']} AS people, {decoded['uninsured']} AS uninsured, "
        f"{decoded[f'out_of_school_{k}']} AS out_of_school, "
        + ", ".join(f"{column}_{k} AS {column}" for column in [*values, "cur_net", "prev_net"])
        + f", {k} AS side FROM b"
        for k, values in enumerate(side_values))
    if not figures:
        measured = threshold = ""
    window = ", CAST(f.birth_lo AS TEXT) AS birth_lo, CAST(f.birth_hi AS TEXT) AS birth_hi"
    rs = f"rs(code, rule_id, rule_version, status, bit) AS (VALUES {reason_rows})"
    # The households with some reason, and their (household, reason) rows.
    flagged = (f"SELECT * FROM (SELECT c.*, {flags} AS flags, c.hid AS household_id FROM c) "
               "AS x WHERE flags <> 0")
    pick = f"""SELECT f.hid AS household_id, f.rc AS region_code, rs.rule_id, rs.rule_version,
  rs.code AS reason_code, rs.status,
  {f"CASE rs.code {measured} END" if measured else "CAST(NULL AS TEXT)"} AS measured,
  {f"CASE rs.code {threshold} END" if threshold else "CAST(NULL AS TEXT)"} AS threshold,
  f.people{window if len(sides) == 1 else ", f.side"}
FROM {_TABLE} f CROSS JOIN rs WHERE (f.flags & rs.bit) <> 0"""
    bounds = [prefix.ljust(12, "0"), prefix.ljust(12, "9")]
    if parts:
        return ScreeningParts(
            households=f"WITH {ctes['sql']},\nc AS NOT MATERIALIZED ({c})\n{flagged}",
            params=bounds, template=f"WITH {rs}\n{pick}")
    sql = f"""WITH {rs},
{ctes["sql"]},
c AS NOT MATERIALIZED ({c}),
f AS MATERIALIZED ({flagged})
{pick.replace(_TABLE, "f")}"""
    return sql, bounds


# The columns of a household row that differ by side (suffixed _k in ``b``), besides the
# parameter columns.
_SIDE_COLUMNS = ("cur_net", "prev_net", "out_of_school")


def _flags_sql(ctes: dict[str, Any], *, common: str, side_values: list[dict[str, str]],
               side_coefficients: list[dict[str, str]],
               conditions: list[tuple[int, str, str]],
               switches: list[tuple[str, ...]]) -> str:
    """``what_if_flags_sql``'s text: ``b`` decoded once (``c2``); today's reasons as a bit sum
    over side 0's columns (the plain names suffixed ``_0``). The what-if's bits are today's,
    except for the reasons whose condition reads a column the hypothetical values change:
    only those are decided again, over side 1's columns."""
    decoded = ctes["decoded"]
    per_side = [*side_values[0], "cur_net", "prev_net"]
    columns = [f"{decoded['people']} AS people", f"{decoded['uninsured']} AS uninsured"]
    for k in range(2):
        columns.append(f"{decoded[f'out_of_school_{k}']} AS out_of_school_{k}")
        columns += [f"{column}_{k}" for column in per_side]
    changed = {name for name, expr in side_values[0].items() if side_values[1][name] != expr}
    if side_coefficients[0] != side_coefficients[1]:
        changed |= {"cur_net", "prev_net"}
    if {side_values[0][n] for n in ("birth_lo", "birth_hi")} != \
            {side_values[1][n] for n in ("birth_lo", "birth_hi")}:
        changed.add("out_of_school")
    names = sorted({*side_values[0], *_SIDE_COLUMNS}, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")

    def on_side(condition: str, k: int) -> str:
        return pattern.sub(lambda match: f"{match.group(1)}_{k}", condition)

    def reads_changed(condition: str) -> bool:
        return any(match.group(1) in changed for match in pattern.finditer(condition))

    def bit_sum(items: list[tuple[int, str, str]], k: int) -> str:
        return on_side(_bit_sum(items, switches), k)

    redecided = [item for item in conditions if reads_changed(f"{item[1]} {item[2]}")]
    kept = sum(item[0] for item in conditions if item not in redecided)
    return f"""WITH {ctes["sql"]},
c2 AS NOT MATERIALIZED (SELECT {common}, {", ".join(columns)} FROM b),
f AS MATERIALIZED (SELECT hid, rc, people, {bit_sum(conditions, 0)} AS flags0,
  {bit_sum(redecided, 1)} AS redecided1 FROM c2),
g AS NOT MATERIALIZED (SELECT hid, rc, people, flags0,
  (flags0 & {kept}) + redecided1 AS flags1 FROM f)
SELECT hid AS household_id, rc AS region_code, people, flags0, flags1 FROM g
WHERE flags0 <> 0 OR flags1 <> 0"""


def _bit_sum(items: list[tuple[int, str, str]], switches: list[tuple[str, ...]]) -> str:
    """SQL of the sum of the bits whose reasons hold: items are (bit, guard, rest). Items are
    grouped by their guard's alternatives (``switches``: mutually exclusive guards), each group
    one ``CASE WHEN guard₁ THEN … WHEN guard₂ THEN … ELSE 0 END``, so a guard is tested once;
    within a guard the bits of the items whose rest is empty add up to a constant."""
    parts = []
    for alternatives in switches:
        whens = []
        for guard in alternatives:
            mine = [(bit, rest) for bit, g, rest in items if g == guard]
            if not mine:
                continue
            constant = sum(bit for bit, rest in mine if not rest)
            terms = ([str(constant)] if constant else []) + [
                f"(CASE WHEN {rest} THEN {bit} ELSE 0 END)" for bit, rest in mine if rest]
            whens.append(f"WHEN {guard} THEN {' + '.join(terms)}")
        if whens:
            parts.append(f"(CASE {' '.join(whens)} ELSE 0 END)")
    if sum(1 for _bit, guard, _rest in items
           if not any(guard in alternatives for alternatives in switches)):
        raise RuntimeError("every reason's guard must be one of the switches")  # pragma: no cover
    return " + ".join(parts) or "0"


def reason_bits() -> dict[str, int]:
    """Each reason code's bit in the screening SQL's ``flags`` (``what_if_flags_sql``)."""
    codes = [code for rule in RULES_BY_ID.values() for code in rule.reason_codes]
    return {code: 1 << bit for bit, code in enumerate(codes)}


def _group_columns(group_exprs: list[str]) -> str:
    return ", ".join(f"{expr} AS grp{k}" for k, expr in enumerate(group_exprs))


def _per_side(side_values: list[dict[str, str]], side_coefficients: list[dict[str, str]],
              cur_net: Callable[[dict[str, str]], str],
              prev_net: Callable[[dict[str, str]], str]) -> str:
    """b's columns that differ by side, suffixed _k: the parameters and the two net incomes."""
    columns = []
    for k, (values, coefficients) in enumerate(zip(side_values, side_coefficients, strict=True)):
        columns += [f"{expr} AS {column}_{k}" for column, expr in values.items()]
        columns += [f"{cur_net(coefficients)} AS cur_net_{k}",
                    f"{prev_net(coefficients)} AS prev_net_{k}"]
    return ",\n  ".join(columns)


def _registry_ctes(dialect: _Dialect, *, year: int, group_exprs: list[str],
                   side_values: list[dict[str, str]], side_coefficients: list[dict[str, str]],
                   birth_bounds: list[tuple[str, str]],
                   net: Callable[[str, dict[str, str]], str]) -> dict[str, Any]:
    """``hh`` and ``b`` from the registry tables: households, their members counted, and the
    ledgers of the year, the year before and the one before that."""
    has = {alias: f"{alias}.id IS NOT NULL" for alias in ("l0", "l1", "l2")}
    medical = {alias: dialect.cents(f"{alias}.medical_out_of_pocket") for alias in ("l0", "l1")}
    members = dialect.members(
        uninsured="NOT mb.medical_insurance",
        out_of_school=[f"mb.school_stage = 'not_in_school' AND mb.birth_date > {lo} "
                       f"AND mb.birth_date <= {hi}" for lo, hi in birth_bounds])
    side_columns = _per_side(
        side_values, side_coefficients,
        lambda k: (f"CASE WHEN {has['l0']} THEN {net('l0', k)} WHEN {has['l1']} THEN "
                   f"{net('l1', k)} END"),
        lambda k: (f"CASE WHEN {has['l0']} THEN (CASE WHEN {has['l1']} THEN {net('l1', k)} "
                   f"END) ELSE (CASE WHEN {has['l2']} THEN {net('l2', k)} END) END"))
    sql = f"""hh AS NOT MATERIALIZED (SELECT h.id AS hid, h.region_id AS rc,
  {_group_columns(group_exprs)}, h.category AS cat,
  h.housing_grade AS hg, h.water_quantity_ok, h.water_quality_ok, h.water_convenience_ok,
  h.water_assurance_ok
  FROM registry_household h WHERE NOT h.archived AND h.region_id >= %s AND h.region_id <= %s),
{members["cte"]}b AS MATERIALIZED (SELECT hh.hid, hh.rc, hh.cat, hh.hg, hh.water_quantity_ok,
  hh.water_quality_ok, hh.water_convenience_ok, hh.water_assurance_ok,
  {members["columns"]},
  CASE WHEN {has["l0"]} THEN {year} WHEN {has["l1"]} THEN {year - 1} END AS ly,
  CASE WHEN {has["l0"]} THEN {medical["l0"]} WHEN {has["l1"]} THEN {medical["l1"]} END
    AS medical,
  {side_columns}
  FROM hh{members["join"]}
  LEFT JOIN registry_incomeledger l0 ON l0.household_id = hh.hid AND l0.year = {year}
  LEFT JOIN registry_incomeledger l1 ON l1.household_id = hh.hid AND l1.year = {year - 1}
  LEFT JOIN registry_incomeledger l2 ON l2.household_id = hh.hid AND l2.year = {year - 2})"""
    return {"sql": sql, "decoded": members["decoded"]}


def _summary_ctes(dialect: _Dialect, *, year: int, group_exprs: list[str],
                  side_values: list[dict[str, str]], side_coefficients: list[dict[str, str]],
                  birth_bounds: list[tuple[str, str]], materialize: bool) -> dict[str, Any]:
    """``hh`` and ``b`` from the screening summary (``registry.summary``): one row per
    household with its members counted and its latest two ledgers in 分. A ledger year in
    (year − 1, year) is the current one, as the registry form's l0/l1; the year before it is
    the previous one. A compulsory-age child out of school is decided from the birth dates of
    the three youngest members not in school; only when all three are too young for the age
    window and there are more are the members themselves counted."""
    current = f"hh.ledger_year IN ({year}, {year - 1})"

    def net(prefix: str, coefficients: dict[str, str]) -> str:
        terms = [f"{'' if k == '1' else '- ' if k == '-1' else f'{k} * '}hh.{prefix}_{name}"
                 for name, k in coefficients.items()]
        if not terms:
            return "0"
        return ("(0 + " + " + ".join(terms) + ")").replace("+ - ", "- ")

    out_of_school = []
    for k, (lo, hi) in enumerate(birth_bounds):
        # Youngest first: the first of the three birth dates not too young for the window
        # decides (inside it: yes; older than it: so is everyone after it: no). Only when all
        # three are too young and there are more members not in school are they counted.
        whens = ["WHEN hh.out_of_school = 0 THEN 0"]
        for n, column in enumerate(("out_of_school_born_max", "out_of_school_born_2",
                                    "out_of_school_born_3"), start=1):
            whens.append(f"WHEN hh.out_of_school < {n} THEN 0")
            whens.append(f"WHEN hh.{column} <= {lo} THEN 0")
            whens.append(f"WHEN hh.{column} <= {hi} THEN 1")
        whens.append("WHEN hh.out_of_school = 3 THEN 0")
        out_of_school.append(
            f"CASE {' '.join(whens)} ELSE (SELECT COUNT(*) FROM registry_member x "
            f"WHERE x.household_id = hh.hid AND x.active AND x.school_stage = 'not_in_school' "
            f"AND x.birth_date > {lo} AND x.birth_date <= {hi}) END AS out_of_school_{k}")
    side_columns = _per_side(
        side_values, side_coefficients,
        lambda k: f"CASE WHEN {current} THEN {net('c', k)} END",
        lambda k: f"CASE WHEN {current} AND hh.has_previous THEN {net('p', k)} END")
    sql = f"""hh AS NOT MATERIALIZED (SELECT h.*, h.household_id AS hid,
  {_group_columns(group_exprs)}
  FROM {_SUMMARY_TABLE} h WHERE h.region_id >= %s AND h.region_id <= %s),
b AS {"" if materialize else "NOT "}MATERIALIZED (SELECT hh.hid, hh.region_id AS rc,
  hh.category AS cat, hh.housing_grade AS hg, hh.water_quantity_ok, hh.water_quality_ok,
  hh.water_convenience_ok, hh.water_assurance_ok, hh.people, hh.uninsured,
  {", ".join(out_of_school)},
  CASE WHEN {current} THEN hh.ledger_year END AS ly,
  CASE WHEN {current} THEN hh.c_medical_out_of_pocket END AS medical,
  {side_columns}
  FROM hh)"""
    decoded = {"people": "people", "uninsured": "uninsured",
               **{f"out_of_school_{k}": f"out_of_school_{k}" for k in range(len(birth_bounds))}}
    return {"sql": sql, "decoded": decoded}


def summary_serves(*, on: dt.date, region_code: str) -> bool:
    """Whether the screening summary can answer for ``on`` in the region: it keeps each
    household's two latest ledgers, so a date before a ledger year in scope (a screening of
    an earlier year) needs the registry form."""
    prefix = significant_prefix(region_code)
    with connection.cursor() as cursor:
        # The region as a prefix test (not a range) leaves the ledger_year index to the planner.
        cursor.execute(f"SELECT 1 FROM {_SUMMARY_TABLE} WHERE ledger_year > %s "
                       f"AND substr(region_id, 1, {len(prefix)}) = %s LIMIT 1",
                       [on.year, prefix])
        return cursor.fetchone() is None
