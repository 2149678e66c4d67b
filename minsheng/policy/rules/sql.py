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

Shape: ``hh`` (households in scope, with their group) → ``m`` (active members counted in one
pass: people, uninsured, compulsory-age children out of school) → ``b`` (one row per household
with its parameters, the ledger of the year, of the year before, and the net incomes;
materialized once) → ``f``
(a bit per reason that holds) → joined with the reason list ``rs``, so each household row is
read once however many reasons there are. Member names (for the two member reasons) are read by
a correlated subquery only for the rows that show them.

Timing (100,000 demo households, 2 busy CPUs): about 1.3 s on SQLite, 0.9 s on PostgreSQL with
``SET LOCAL jit = off``. With PostgreSQL's JIT on (its default), compiling the many expressions
adds about 2 s, more than running them: run the query with JIT off.
"""

# The SQL text is built from code and from numbers, dates and region codes that the parameter
# loader has validated (digits only); the only outside input, the scope bounds, is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

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
COLUMNS = {"household_id": "BIGINT", "region_code": "VARCHAR(12)", "rule_id": "VARCHAR(64)",
           "rule_version": "INTEGER", "reason_code": "VARCHAR(64)", "status": "VARCHAR(8)",
           "measured": "TEXT", "threshold": "TEXT", "people": "BIGINT"}
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
                  vendor: str | None = None) -> tuple[str, list[str]]:
    """One SELECT yielding a row per (household, reason) with status risk or unknown for every
    non-archived household in ``region_code``'s subtree. See the package docstring for the
    columns. Raises ParameterMissing when a household in scope has no value in force."""
    dialect = _Dialect(vendor or connection.vendor)
    source = active_set(parameters)
    overridden = coerce_overrides(overrides, source)
    prefix = significant_prefix(region_code)
    groups = _groups(prefix, on, source, overridden)
    if not groups:  # no household in scope can be evaluated: nothing to compute values for
        typed = ", ".join(f"CAST(NULL AS {kind}) AS {column}" for column, kind in COLUMNS.items())
        return f"SELECT {typed} WHERE 1 = 0", []
    values, coefficients = _param_exprs(groups, on, dialect, "hh.grp")
    group_case = " ".join(
        f"WHEN substr(h.region_id, 1, {len(key)}) = '{key}' THEN {number}"
        for number, key, _ in groups if key is not None)
    rest = next((number for number, key, _ in groups if key is None), 0)
    group_expr = f"CASE {group_case} ELSE {rest} END" if group_case else str(rest)
    year = on.year

    def net(alias: str) -> str:
        terms = []
        for name, coefficient in coefficients.items():
            cents = dialect.cents(f"{alias}.{name}")
            terms.append(cents if coefficient == "1" else f"- {cents}" if coefficient == "-1"
                         else f"{coefficient} * {cents}")
        return f"(0 + {' + '.join(terms)})".replace("+ - ", "- ") if terms else "0"

    medical = {alias: dialect.cents(f"{alias}.medical_out_of_pocket") for alias in ("l0", "l1")}
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
    reasons: dict[str, tuple[str, str, str]] = {
        "income_below_range": (
            "ly IS NOT NULL AND people > 0 AND cur_net < range_c * people",
            fixed2(floor_div("cur_net", "people"), 2), "range_t"),
        "income_ledger_missing": ("ly IS NULL", "NULL", "NULL"),
        "income_members_missing": ("people = 0", "NULL", "NULL"),
        "medical_over_income_share": (
            "ly IS NOT NULL AND medical > 0 AND medical * share_den > share_num * cur_net",
            fixed2("medical", 2), fixed2(floor_div("share_num * cur_net", "share_den"), 2)),
        "medical_over_threshold": (
            "ly IS NOT NULL AND medical > 0 AND medical >= "
            "CASE WHEN cat = 'lifted' THEN med_lifted_c ELSE med_others_c END",
            fixed2("medical", 2), "CASE WHEN cat = 'lifted' THEN med_lifted_t ELSE med_others_t END"),
        "medical_ledger_missing": ("ly IS NULL", "NULL", "NULL"),
        "income_dropped": (
            f"ly IS NOT NULL AND prev_net > 0 AND {drop} * drop_den >= drop_num * prev_net",
            fixed2(floor_div(f"{drop} * 10000", "prev_net"), 4), "drop_t"),
        "income_drop_ledger_missing": ("ly IS NULL", "NULL", "NULL"),
        "income_drop_previous_missing": ("ly IS NOT NULL AND prev_net IS NULL",
                                         "CAST(ly - 1 AS TEXT)", "NULL"),
        "child_out_of_school": (
            "people > 0 AND out_of_school > 0",
            dialect.names("x.school_stage = 'not_in_school' AND x.birth_date > f.birth_lo "
                          "AND x.birth_date <= f.birth_hi"), "NULL"),
        "education_members_missing": ("people = 0", "NULL", "NULL"),
        "member_uninsured": ("people > 0 AND uninsured > 0",
                             dialect.names("NOT x.medical_insurance"), "NULL"),
        "insurance_members_missing": ("people = 0", "NULL", "NULL"),
        "housing_unsafe": ("hg IN ('C', 'D')", "hg", "NULL"),
        "housing_grade_missing": ("hg = ''", "NULL", "NULL"),
        "water_failing": (f"({any_false})", failing, "NULL"),
        "water_unchecked": (f"({none_false}) AND ({any_null})", unchecked, "NULL"),
    }
    codes = [code for rule in RULES_BY_ID.values() for code in rule.reason_codes]
    if sorted(codes) != sorted(reasons):  # pragma: no cover - a rule gained a reason without SQL
        raise RuntimeError("every reason code needs its SQL condition in rules.sql")
    reason_rows = ", ".join(
        f"('{code}', '{rule.id}', {rule.version}, "
        f"'{'unknown' if code in UNKNOWN_REASONS else 'risk'}', {1 << bit})"
        for bit, (code, rule) in enumerate((code, rule) for rule in RULES_BY_ID.values()
                                           for code in rule.reason_codes))
    flags = " + ".join(f"(CASE WHEN {reasons[code][0]} THEN {1 << bit} ELSE 0 END)"
                       for bit, code in enumerate(codes))
    measured = " ".join(f"WHEN '{code}' THEN {reasons[code][1]}" for code in codes
                        if reasons[code][1] != "NULL")
    threshold = " ".join(f"WHEN '{code}' THEN {reasons[code][2]}" for code in codes
                         if reasons[code][2] != "NULL")
    has = {alias: f"{alias}.id IS NOT NULL" for alias in ("l0", "l1", "l2")}
    sql = f"""WITH rs(code, rule_id, rule_version, status, bit) AS (VALUES {reason_rows}),
hh AS NOT MATERIALIZED (SELECT h.id AS hid, h.region_id AS rc, {group_expr} AS grp, h.category AS cat,
  h.housing_grade AS hg, h.water_quantity_ok, h.water_quality_ok, h.water_convenience_ok,
  h.water_assurance_ok
  FROM registry_household h WHERE NOT h.archived AND h.region_id >= %s AND h.region_id <= %s),
m AS (SELECT mb.household_id AS hid, COUNT(*) AS people,
  SUM(CASE WHEN mb.medical_insurance THEN 0 ELSE 1 END) AS uninsured,
  SUM(CASE WHEN mb.school_stage = 'not_in_school' AND mb.birth_date > {values["birth_lo"]}
    AND mb.birth_date <= {values["birth_hi"]} THEN 1 ELSE 0 END) AS out_of_school
  FROM hh JOIN registry_member mb ON mb.household_id = hh.hid
  WHERE mb.active GROUP BY mb.household_id),
b AS MATERIALIZED (SELECT hh.hid, hh.rc, hh.cat, hh.hg, hh.water_quantity_ok,
  hh.water_quality_ok, hh.water_convenience_ok, hh.water_assurance_ok,
  COALESCE(m.people, 0) AS people, COALESCE(m.uninsured, 0) AS uninsured,
  COALESCE(m.out_of_school, 0) AS out_of_school,
  {", ".join(f"{expr} AS {column}" for column, expr in values.items())},
  CASE WHEN {has["l0"]} THEN {year} WHEN {has["l1"]} THEN {year - 1} END AS ly,
  CASE WHEN {has["l0"]} THEN {net("l0")} WHEN {has["l1"]} THEN {net("l1")} END AS cur_net,
  CASE WHEN {has["l0"]} THEN {medical["l0"]} WHEN {has["l1"]} THEN {medical["l1"]} END
    AS medical,
  CASE WHEN {has["l0"]} THEN (CASE WHEN {has["l1"]} THEN {net("l1")} END)
    ELSE (CASE WHEN {has["l2"]} THEN {net("l2")} END) END AS prev_net
  FROM hh LEFT JOIN m ON m.hid = hh.hid
  LEFT JOIN registry_incomeledger l0 ON l0.household_id = hh.hid AND l0.year = {year}
  LEFT JOIN registry_incomeledger l1 ON l1.household_id = hh.hid AND l1.year = {year - 1}
  LEFT JOIN registry_incomeledger l2 ON l2.household_id = hh.hid AND l2.year = {year - 2}),
f AS MATERIALIZED (SELECT * FROM (SELECT b.*, {flags} AS flags FROM b) AS x
  WHERE flags <> 0)
SELECT f.hid AS household_id, f.rc AS region_code, rs.rule_id, rs.rule_version,
  rs.code AS reason_code, rs.status,
  CASE rs.code {measured} END AS measured,
  CASE rs.code {threshold} END AS threshold,
  f.people
FROM f CROSS JOIN rs WHERE (f.flags & rs.bit) <> 0"""
    return sql, [prefix.ljust(12, "0"), prefix.ljust(12, "9")]
