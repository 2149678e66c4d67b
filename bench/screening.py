"""Benchmark: whole-registry risk screening (风险筛查) and policy simulation (政策模拟测算).

Loads the real 湖南 regions, generates the households with the demo generator spread over eight
counties of 邵阳市 (default 1,000,000), and with a county-office account assigned to 邵阳市 times,
on the same data in the same run:

1. pandas evaluating the same seven rules on the registry already in memory (DataFrames of
   households, active members and ledgers; parameters resolved per village, as the SQL does):
   the decisions, the per-capita figures and the member-name lists, one row per
   (household, reason). Its rows are checked against the database's, reason by reason.
2. DuckDB running the rules' own SELECT (``rules.screening_sql``, PostgreSQL dialect) on the
   same tables loaded into it: the floor for this query on this machine.
3. The rules' SELECT alone in the database (``SELECT COUNT(*) FROM (…)``).
4. ``monitoring.services.screening_run`` end to end: evaluate, write every signal and every
   determination, count, audit (the first run: everything is new).
5. The same screening again with no data change: must write nothing, and take no longer.
6. A what-if (``monitoring.range=9000``) against today's values, by township and reason.

Target: the first screening (4) ≤ 1.5 × pandas (1); the what-if < 5 s at 1,000,000 households.

    .venv/bin/pip install -e '.[bench]'          # pandas, duckdb
    .venv/bin/python bench/screening.py [--households 1000000]
    .venv/bin/python bench/screening.py --database-url postgres://postgres@127.0.0.1:5432/minsheng_bench_screening

The PostgreSQL database named in the URL is dropped and created, and dropped again at the end
(``--keep`` keeps it, and the SQLite file). ``--reuse`` keeps the database between runs and
generates the households only when it holds none (SQLite: ``var/bench/screening-N.sqlite3``;
PostgreSQL: the database in the URL, created if missing); the signals, runs and determinations
of an earlier run are deleted first (not timed), so the first screening writes everything again.
Prints Markdown. Not part of the test suite.
"""

# SQL here is built from constant column names; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, setup_django

CITY = "430500000000"  # 邵阳市
COUNTIES = ["430523000000", "430524000000", "430525000000", "430527000000", "430528000000",
            "430522000000", "430581000000", "430582000000"]
ON = dt.date(2026, 6, 30)  # demo ledgers run to 2025: the current year's ledger is 2025's
WHAT_IF = "monitoring.range=9000"
WATER = ("water_quantity_ok", "water_quality_ok", "water_convenience_ok", "water_assurance_ok")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "?")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is re-created)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database and reuse its households in later runs")
    parser.add_argument("--generate-only", action="store_true",
                        help="with --reuse: generate the households (if missing) and stop")
    args = parser.parse_args()
    if args.reuse:
        url, tmp = reused_database(args.database_url, args.households)
    else:
        url, tmp = fresh_database(args.database_url, "minsheng-screening-")
    try:
        run(args, url, tmp)
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            shutil.rmtree(tmp, ignore_errors=True)
            if url.startswith("postgres"):
                name = url.rsplit("/", 1)[1]
                subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-q", "-c",
                                f'DROP DATABASE IF EXISTS "{name}"'], check=False)


def reused_database(url: str | None, households: int) -> tuple[str, Path]:
    """The database kept between ``--reuse`` runs (created when missing) and its var folder."""
    tmp = Path(__file__).resolve().parents[1] / "var" / "bench"
    tmp.mkdir(parents=True, exist_ok=True)
    if not url:
        return f"sqlite:///{tmp}/screening-{households}.sqlite3", tmp
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        exists = subprocess.run(["psql", admin, "-Atc", "SELECT 1 FROM pg_database WHERE "
                                 f"datname = '{name}'"], check=True, capture_output=True,
                                text=True).stdout.strip()
        if not exists:
            subprocess.run(["psql", admin, "-q", "-c", f'CREATE DATABASE "{name}"'], check=True)
    return url, tmp


def clear_results() -> None:
    """Delete what an earlier run wrote (signals, determinations and their parameter snapshots,
    runs), not timed."""
    from django.db import connection, transaction

    from minsheng.monitoring.models import RiskSignal, ScreeningRun
    from minsheng.policy.models import ParameterSnapshot, ScreeningDetermination

    tables = [m._meta.db_table for m in (RiskSignal, ScreeningDetermination, ParameterSnapshot,
                                         ScreeningRun)]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


# --- loading the registry into memory (not timed) --------------------------------------------

def load_frames() -> dict[str, object]:
    import pandas as pd
    from django.db import connection

    from minsheng.policy.rules.facts import LEDGER_FIELDS

    lo, hi = CITY[:4].ljust(12, "0"), CITY[:4].ljust(12, "9")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, region_id, category, housing_grade, " + ", ".join(WATER)
                       + " FROM registry_household WHERE archived = %s AND region_id >= %s "
                       "AND region_id <= %s", [False, lo, hi])
        households = pd.DataFrame(cursor.fetchall(),
                                  columns=["id", "region_id", "category", "housing_grade", *WATER])
        cursor.execute("SELECT m.id, m.household_id, m.name, m.birth_date, m.school_stage, "
                       "m.medical_insurance FROM registry_member m JOIN registry_household h "
                       "ON h.id = m.household_id WHERE m.active = %s AND h.archived = %s "
                       "AND h.region_id >= %s AND h.region_id <= %s", [True, False, lo, hi])
        members = pd.DataFrame(cursor.fetchall(), columns=["id", "household_id", "name",
                                                           "birth_date", "school_stage",
                                                           "medical_insurance"])
        cents = ", ".join(f"CAST(ROUND(l.{f} * 100) AS BIGINT)" for f in LEDGER_FIELDS)
        cursor.execute(f"SELECT l.id, l.household_id, l.year, {cents} FROM registry_incomeledger l "
                       "JOIN registry_household h ON h.id = l.household_id "
                       "WHERE h.archived = %s AND h.region_id >= %s AND h.region_id <= %s "
                       "AND l.year >= %s", [False, lo, hi, ON.year - 2])
        ledgers = pd.DataFrame(cursor.fetchall(),
                               columns=["id", "household_id", "year", *LEDGER_FIELDS])
    members["birth_date"] = pd.to_datetime(members["birth_date"])
    members["medical_insurance"] = members["medical_insurance"].astype(bool)
    for column in WATER:  # None / True / False
        households[column] = households[column].astype("boolean")
    return {"households": households, "members": members, "ledgers": ledgers}


def village_parameters(villages: list[str], overrides: dict[str, object] | None = None):
    """One row of parameter values per village (the lookup the SQL does per parameter group)."""
    import pandas as pd

    from minsheng.policy.rules.engine import PARAMETER_NAMES, cents_of, ratio
    from minsheng.policy.rules.facts import LEDGER_FIELDS
    from minsheng.policy.rules.params import active_set, coerce_overrides, resolve
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

    source = active_set(None)
    chosen = coerce_overrides(overrides, source)
    rows = []
    for code in villages:
        p = resolve(PARAMETER_NAMES, on=ON, region_code=code, overrides=chosen, parameters=source)
        share_num, share_den = ratio(p[P_SHARE].decimal)
        drop_num, drop_den = ratio(p[P_DROP].decimal)
        row = {"region_id": code, "range_c": cents_of(p[P_RANGE]), "share_num": share_num,
               "share_den": share_den, "lifted_c": cents_of(p[P_MED_LIFTED]),
               "others_c": cents_of(p[P_MED_OTHERS]), "drop_num": drop_num,
               "drop_den": drop_den, "age_lo": int(p[P_AGE_MIN].decimal),
               "age_hi": int(p[P_AGE_MAX].decimal)}
        for name in LEDGER_FIELDS:
            row[f"k_{name}"] = ((name in p[P_COUNTED].codes) - (name in p[P_DEDUCTED].codes))
        rows.append(row)
    return pd.DataFrame(rows).set_index("region_id")


# --- the rules in pandas (the comparison) ----------------------------------------------------

def pandas_screen(frames: dict[str, object], overrides: dict[str, object] | None = None):
    """The seven rules over the whole registry in memory: one row per (household, reason)."""
    import numpy as np
    import pandas as pd

    from minsheng.policy.rules.facts import LEDGER_FIELDS

    hh = frames["households"]
    mem = frames["members"]
    led = frames["ledgers"]
    params = village_parameters(sorted(hh["region_id"].unique()), overrides)
    h = hh.join(params, on="region_id")
    ids = h["id"].to_numpy()
    people = h["id"].map(mem.groupby("household_id").size()).fillna(0).astype("int64").to_numpy()
    k = {f: h[f"k_{f}"].to_numpy() for f in LEDGER_FIELDS}

    def year(y: int):
        frame = led[led["year"] == y].set_index("household_id").reindex(ids)
        present = frame["year"].notna().to_numpy()
        values = {f: frame[f].fillna(0).to_numpy(dtype="int64") for f in LEDGER_FIELDS}
        return present, values

    this_p, this_v = year(ON.year)
    prev_p, prev_v = year(ON.year - 1)
    prev2_p, prev2_v = year(ON.year - 2)
    has_cur = this_p | prev_p
    cur = {f: np.where(this_p, this_v[f], prev_v[f]) for f in LEDGER_FIELDS}
    has_before = np.where(this_p, prev_p, prev2_p)
    before_v = {f: np.where(this_p, prev_v[f], prev2_v[f]) for f in LEDGER_FIELDS}
    net = sum(k[f] * cur[f] for f in LEDGER_FIELDS)
    before = sum(k[f] * before_v[f] for f in LEDGER_FIELDS)
    range_c = h["range_c"].to_numpy()
    out = []

    def emit(mask, code, measured=None):
        out.append(pd.DataFrame({"household_id": ids[mask], "reason_code": code,
                                 "measured": None if measured is None else measured[mask]}))

    # income
    emit(~has_cur, "income_ledger_missing")
    emit(people == 0, "income_members_missing")
    below = has_cur & (people > 0) & (net < range_c * people)
    per_capita = np.divide(net, np.maximum(people, 1)) / 100
    emit(below, "income_below_range", per_capita)
    # medical burden
    emit(~has_cur, "medical_ledger_missing")
    med = cur["medical_out_of_pocket"]
    share = has_cur & (med > 0) & (med * h["share_den"].to_numpy() > h["share_num"].to_numpy() * net)
    emit(share, "medical_over_income_share", med / 100)
    limit = np.where(h["category"].to_numpy() == "lifted", h["lifted_c"].to_numpy(),
                     h["others_c"].to_numpy())
    emit(has_cur & (med > 0) & (med >= limit), "medical_over_threshold", med / 100)
    # income drop
    emit(~has_cur, "income_drop_ledger_missing")
    emit(has_cur & ~has_before, "income_drop_previous_missing")
    dropped = (has_cur & has_before & (before > 0)
               & ((before - net) * h["drop_den"].to_numpy() >= h["drop_num"].to_numpy() * before))
    emit(dropped, "income_dropped", np.divide(before - net, np.where(before > 0, before, 1)))
    # members: education and insurance
    for code in ("education_members_missing", "insurance_members_missing"):
        emit(people == 0, code)
    m = mem.join(h.set_index("id")[["age_lo", "age_hi"]], on="household_id")
    born = m["birth_date"]
    age = ON.year - born.dt.year - ((born.dt.month > ON.month)
                                    | ((born.dt.month == ON.month) & (born.dt.day > ON.day)))
    for code, mask in (
        ("child_out_of_school", (m["school_stage"] == "not_in_school")
         & (age >= m["age_lo"]) & (age <= m["age_hi"])),
        ("member_uninsured", ~m["medical_insurance"]),
    ):
        names = m[mask].sort_values("id").groupby("household_id")["name"].agg("、".join)
        out.append(pd.DataFrame({"household_id": names.index.to_numpy(), "reason_code": code,
                                 "measured": names.to_numpy()}))
    # housing and water
    grade = h["housing_grade"].to_numpy()
    emit(grade == "", "housing_grade_missing")
    emit((grade == "C") | (grade == "D"), "housing_unsafe")
    checks = h[list(WATER)]
    failing = (checks == False).any(axis=1).to_numpy()  # noqa: E712 - nullable booleans
    emit(failing, "water_failing")
    emit(~failing & checks.isna().any(axis=1).to_numpy(), "water_unchecked")
    return pd.concat(out, ignore_index=True)


# --- DuckDB: the rules' own SELECT on the same tables ----------------------------------------

def duckdb_connection(frames: dict[str, object]):
    import duckdb

    from minsheng.policy.rules.facts import LEDGER_FIELDS

    db = duckdb.connect()
    hh, mem, led = frames["households"], frames["members"], frames["ledgers"]
    db.register("hh_df", hh)
    db.register("mem_df", mem)
    db.register("led_df", led)
    db.execute("CREATE TABLE registry_household AS SELECT id, region_id, FALSE AS archived, "
               "category, housing_grade, " + ", ".join(WATER) + " FROM hh_df")
    db.execute("CREATE TABLE registry_member AS SELECT id, household_id, name, "
               "CAST(birth_date AS DATE) AS birth_date, school_stage, medical_insurance, "
               "TRUE AS active FROM mem_df")
    money = ", ".join(f"CAST({f} / 100.0 AS DECIMAL(12, 2)) AS {f}" for f in LEDGER_FIELDS)
    db.execute(f"CREATE TABLE registry_incomeledger AS SELECT id, household_id, year, {money} "
               "FROM led_df")
    return db


def duckdb_screen(db, sql: str, params: list[object]) -> int:
    query = sql.replace("%s", "?").replace("%%", "%")
    return db.execute(f"SELECT COUNT(*) FROM ({query}) AS s", params).fetchone()[0]


# --- the run ---------------------------------------------------------------------------------

def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def run(args: argparse.Namespace, url: str, tmp: Path) -> None:
    setup_django(url, tmp)
    from django.db import connection, transaction

    from minsheng.core.models import User
    from minsheng.demo import demo_regions_load
    from minsheng.monitoring.models import RiskSignal
    from minsheng.monitoring.services import (
        screening_connection,
        screening_run,
        screening_tune,
        simulation_run,
        what_if_parse,
    )
    from minsheng.policy import rules
    from minsheng.policy.models import ScreeningDetermination
    from minsheng.regions.services import AccountData, account_create
    from minsheng.registry.demo_data import demo_households_generate
    from minsheng.registry.models import Household, Member

    reused = Household.objects.exists()
    if reused:
        clear_results()
        generated = "reused"
    else:
        demo_regions_load()
        start = time.perf_counter()
        per_county, extra = divmod(args.households, len(COUNTIES))
        for i, county in enumerate(COUNTIES):
            demo_households_generate(county_code=county, count=per_county + (i < extra),
                                     seed=100 + i, batch_size=5000)
        generated = f"generated in {time.perf_counter() - start:.0f} s"
        if connection.vendor == "postgresql":  # as autovacuum leaves it; not during the timing
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    households, members = Household.objects.count(), Member.objects.count()
    if args.generate_only:
        print(f"{households:,} households, {members:,} members ({generated})")
        return
    actor = User.objects.filter(username="bench_city").first() or account_create(
        actor=None, data=AccountData(username="bench_city", display_name="市业务员",
                                     role="county_office", region_codes=[CITY]),
        password="Bench-pass-2026")

    frames, load_s = timed(load_frames)
    pandas_rows, pandas_s = timed(pandas_screen, frames)

    sql, params = rules.screening_sql(on=ON, region_code=CITY, vendor="postgresql")
    db = duckdb_connection(frames)
    duck_rows, duck_s = timed(duckdb_screen, db, sql, params)

    from minsheng.registry import summary

    # The screening reads the screening summary (registry.summary), kept by the registry's
    # writes; the registry form reads the registry tables themselves (dates before a ledger
    # year). Both are timed; the screening below uses the summary.
    _refreshed, refresh_s = timed(summary.refresh_dirty)
    forms = {source: rules.screening_sql(on=ON, region_code=CITY, source=source)
             for source in (rules.sql.SUMMARY, rules.sql.REGISTRY)}

    def select_only(source: str) -> int:
        """Every column computed (the text of measured / threshold too), nothing written; with
        the connection settings the screening runs it with (PostgreSQL: JIT off; SQLite: page
        cache, memory map, temporary storage in memory)."""
        sql, params = forms[source]
        with screening_connection(), transaction.atomic(), connection.cursor() as cursor:
            screening_tune(cursor)
            cursor.execute(f"SELECT COUNT(*), COUNT(measured), COUNT(threshold) "
                           f"FROM ({sql}) AS s", params)
            return cursor.fetchone()[0]

    select_rows, select_s = timed(select_only, rules.sql.SUMMARY)
    registry_rows, registry_s = timed(select_only, rules.sql.REGISTRY)
    assert registry_rows == select_rows, (registry_rows, select_rows)

    def sql_counts(source: str) -> dict[str, int]:
        sql, params = forms[source]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT reason_code, COUNT(*) FROM ({sql}) AS s GROUP BY reason_code",
                           params)
            return dict(cursor.fetchall())

    by_reason = sql_counts(rules.sql.SUMMARY)
    assert by_reason == sql_counts(rules.sql.REGISTRY)
    pandas_by_reason = pandas_rows.groupby("reason_code").size().to_dict()
    agree = by_reason == {k: int(v) for k, v in pandas_by_reason.items()}
    if not agree:
        print(f"WARNING: pandas and SQL disagree:\n  sql    {by_reason}\n  pandas "
              f"{pandas_by_reason}")

    first, first_s = timed(screening_run, actor=actor, region_code=CITY, on=ON)
    signals = RiskSignal.objects.count()
    determinations = ScreeningDetermination.objects.count()
    second, second_s = timed(screening_run, actor=actor, region_code=CITY, on=ON)
    assert (second.new_count, second.resolved) == (0, 0), (second.new_count, second.resolved)
    assert RiskSignal.objects.count() == signals
    assert ScreeningDetermination.objects.count() == determinations
    simulation, what_if_s = timed(simulation_run, actor=actor, region_code=CITY, on=ON,
                                  what_if=[WHAT_IF])
    _what_if_rows, pandas_wi_s = timed(pandas_screen, frames, what_if_parse([WHAT_IF]))
    totals = simulation.result["totals"]

    print(f"database: {connection.vendor}; {households:,} households, {members:,} members "
          f"({generated}); {machine()}; on {ON}, scope 邵阳市\n")
    print(f"rows (household × reason, risk or unknown): {select_rows:,}; signals written "
          f"{first.new_count:,}, determinations (one per household) {determinations:,}; pandas rows "
          f"{len(pandas_rows):,} ({'same counts per reason as the SQL' if agree else 'DIFFER'}); "
          f"DuckDB rows {duck_rows:,}\n")
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| pandas: the 7 rules on the registry in memory (load from the database {load_s:.1f} s, not counted) | {pandas_s:.2f} |")
    print(f"| DuckDB: the rules' SELECT on the same tables in memory (floor) | {duck_s:.2f} |")
    print(f"| the rules' SELECT alone in {connection.vendor}, from the screening summary | {select_s:.2f} |")
    print(f"| the rules' SELECT alone in {connection.vendor}, from the registry tables (same rows) | {registry_s:.2f} |")
    print(f"| summary refresh before the timings (rows left by the generator: {_refreshed:,}) | {refresh_s:.2f} |")
    print(f"| `screening_run` first run: evaluate + write {first.new_count:,} signals and determinations | {first_s:.2f} |")
    print(f"| `screening_run` again, no data change (new {second.new_count}, still open {second.still_open:,}, resolved {second.resolved}) | {second_s:.2f} |")
    print(f"| what-if `{WHAT_IF}` vs today's values (entering {totals['entering_households']:,} households / {totals['entering_people']:,} people, leaving {totals['leaving_households']:,}) | {what_if_s:.2f} |")
    print(f"| pandas: the same what-if evaluation only (no comparison) | {pandas_wi_s:.2f} |")
    print(f"\nfirst screening / pandas: {first_s / pandas_s:.2f}× (target ≤ 1.5×); second run / "
          f"first: {second_s / first_s:.2f}× (target ≤ 1×); what-if {what_if_s:.1f} s (target < 5 s "
          f"at 1,000,000)")


if __name__ == "__main__":
    main()
