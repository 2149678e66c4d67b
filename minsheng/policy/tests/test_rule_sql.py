"""Every YAML rule case loaded into the database (regions, household, members, ledgers through
the registry services) and screened with ``rules.screening_sql``: the SQL must yield exactly the
risk / unknown reasons, measured values, thresholds and sentences of the Python evaluation.
Runs on SQLite and on PostgreSQL (``MINSHENG_TEST_DATABASE_URL``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.policy import rules
from minsheng.policy.errors import ParameterMissing
from minsheng.policy.rules.sql import REGISTRY, SOURCES, SUMMARY, summary_serves
from minsheng.policy.tests.rule_cases import Case, load_case, load_cases
from minsheng.registry import summary

CASES = load_cases()


def screen(case: Case, region_code: str = "43", source: str = REGISTRY) -> list[tuple]:
    """The rows the rules' SELECT returns, without the birth window columns at the end (the
    screening's facts snapshot reads those; ``monitoring`` tests them)."""
    sql, params = rules.screening_sql(on=case.on, region_code=region_code,
                                      overrides=case.overrides, parameters=case.parameters(),
                                      source=source)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [tuple(row)[:9] for row in cursor.fetchall()]
    # The same query in the two steps a screening runs (``screening_parts``): the flagged
    # households into a table, then their (household, reason) rows from it.
    parts = rules.sql.screening_parts(on=case.on, region_code=region_code,
                                      parameters=case.parameters(), source=source) \
        if not case.overrides else None
    if parts is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE test_households AS {parts.households}",
                           parts.params)
            try:
                cursor.execute(parts.rows("test_households"))
                assert sorted(tuple(row)[:9] for row in cursor.fetchall()) == sorted(rows)
            finally:
                cursor.execute("DROP TABLE test_households")
    return rows


def use_source(case: Case, source: str) -> None:
    """The summary form reads the screening summary: refreshed from the triggers' records
    first, as the screening does. A case dated before one of its ledger years is one the
    summary does not serve (the screening uses the registry form there): checked, not run."""
    if source == SUMMARY:
        assert summary.refresh_dirty() >= 1  # the case's writes were recorded by the triggers
        if not summary_serves(on=case.on, region_code="43"):
            assert max(case.facts.ledgers) > case.on.year
            pytest.skip("案例日期早于其收支台账年度：筛查摘要不适用，使用台账表形式")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_sql_matches_python(case, source, personas):
    household = load_case(case, personas["province_office"])
    use_source(case, source)
    if case.raises:
        with pytest.raises(ParameterMissing):
            screen(case, source=source)
        return
    facts = rules.household_facts([household.pk])[household.pk]
    evaluate = dict(on=case.on, region_code=case.region, overrides=case.overrides,
                    parameters=case.parameters())
    from_db = rules.evaluate(facts, **evaluate)
    # The database holds the case's facts: the same outcome as evaluating the case directly.
    from_case = rules.evaluate(case.facts, **evaluate)
    assert [(o.status, o.reasons, o.missing) for o in from_db] == \
        [(o.status, o.reasons, o.missing) for o in from_case]
    expected = sorted(
        (household.pk, case.region, o.rule_id, o.rule_version, r.code, o.status,
         r.values.get("measured"), r.values.get("threshold"), facts.people)
        for o in from_db if o.status != rules.CLEAR for r in o.reasons)
    rows = sorted(screen(case, source=source))
    assert rows == expected
    texts = {r.code: r.text for o in from_db for r in o.reasons}
    for row in rows:
        assert rules.explain(row[4], measured=row[6], threshold=row[7], **evaluate) == \
            texts[row[4]]
    # The scope is a prefix: the household's own village and county find it, another not.
    assert sorted(screen(case, case.region, source)) == expected
    assert sorted(screen(case, case.region[:6], source)) == expected
    other = "430524001001" if case.region.startswith("430523") else "430523100001"
    assert screen(case, other, source) == []


WHAT_IF_CASES = [case for case in CASES if case.overrides and not case.raises]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", WHAT_IF_CASES, ids=[case.name for case in WHAT_IF_CASES])
def test_what_if_sql_gives_both_sides_in_one_pass(case, source, personas):
    """``what_if_sql``: side 0 is what ``screening_sql`` gives with today's values, side 1 what
    it gives with the case's hypothetical ones (figures left out); each form against itself,
    and the registry form's single screening is the reference for both."""
    household = load_case(case, personas["province_office"])
    use_source(case, source)
    sql, params = rules.what_if_sql(on=case.on, region_code="43", overrides=case.overrides,
                                    parameters=case.parameters(), source=source)
    # With the debug cursor (DEBUG, captured queries) too: no stray "%" in the SQL text.
    with CaptureQueriesContext(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [tuple(row) for row in cursor.fetchall()]
    assert {row[-1] for row in rows} <= {0, 1}
    assert all(row[6] is None and row[7] is None for row in rows)
    for side, overrides in ((0, None), (1, case.overrides)):
        single, single_params = rules.screening_sql(on=case.on, region_code="43",
                                                    overrides=overrides,
                                                    parameters=case.parameters())
        with connection.cursor() as cursor:
            cursor.execute(single, single_params)
            expected = sorted(row[:6] + row[8:9] for row in cursor.fetchall())
        assert sorted(row[:6] + row[8:9] for row in rows if row[-1] == side) == expected
        assert all(row[0] == household.pk for row in rows)
    # The flags form (the what-if service's): the same (household, reason) pairs per side,
    # as bits on one row per household.
    flags_sql, flags_params = rules.sql.what_if_flags_sql(
        on=case.on, region_code="43", overrides=case.overrides, parameters=case.parameters(),
        source=source)
    with connection.cursor() as cursor:
        cursor.execute(flags_sql, flags_params)
        flagged = cursor.fetchall()
    bits = rules.sql.reason_bits()
    for side in (0, 1):
        from_bits = sorted((hid, code) for hid, _rc, _people, *sides in flagged
                           for code, bit in bits.items() if sides[side] & bit)
        assert from_bits == sorted((row[0], row[4]) for row in rows if row[-1] == side)
    assert all(people == household.members.filter(active=True).count()
               for _hid, _rc, people, *_ in flagged)


# Members not in school of one household (birth dates), screened on 2026-06-30: compulsory age
# 6–15 means born after 2010-06-30 and on or before 2020-06-30. The summary keeps the three
# youngest; these households exercise each branch of its decision and the member count beyond.
ADULTS = ["1975-03-01", "1978-07-09"]
TODDLERS = ["2024-01-01", "2023-05-05", "2022-02-02", "2021-09-09"]
CHILD = "2015-04-04"
OUT_OF_SCHOOL_HOUSEHOLDS = {
    "child only": ([*ADULTS, CHILD], True),
    "toddler then child": ([*ADULTS, *TODDLERS[:1], CHILD], True),
    "two toddlers then child": ([*ADULTS, *TODDLERS[:2], CHILD], True),
    "three toddlers then child": ([*ADULTS, *TODDLERS[:3], CHILD], True),
    "four toddlers then child": ([*ADULTS, *TODDLERS, CHILD], True),
    "three toddlers, adults": ([*ADULTS, *TODDLERS[:3]], False),
    "four toddlers, adults": ([*ADULTS, *TODDLERS], False),
    "toddlers only": (TODDLERS[:2], False),
    "adults only": (ADULTS, False),
}


@pytest.mark.parametrize("name", list(OUT_OF_SCHOOL_HOUSEHOLDS))
def test_the_summary_decides_the_school_age_window_as_the_members_do(name, personas):
    import datetime as dt

    from minsheng.registry.services import household_register
    from minsheng.registry.testing import member_data
    from minsheng.testing import VILLAGE_A

    births, expected = OUT_OF_SCHOOL_HOUSEHOLDS[name]
    members = [member_data(f"成员{k}", dt.date.fromisoformat(day), k + 1,
                           relation="head" if k == 0 else "other", school_stage="not_in_school")
               for k, day in enumerate(births)]
    household_register(actor=personas["township_station"], household_no="H900",
                       region_code=VILLAGE_A, members=members, today=dt.date(2026, 6, 30))
    summary.refresh_dirty()
    found = {}
    for source in SOURCES:
        sql, params = rules.screening_sql(on=dt.date(2026, 6, 30), region_code="43",
                                          source=source)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found[source] = {row[4] for row in cursor.fetchall()}
    assert found[SUMMARY] == found[REGISTRY]
    assert ("child_out_of_school" in found[SUMMARY]) is expected


@pytest.mark.parametrize("source", SOURCES)
def test_a_scope_without_households_to_evaluate_gives_typed_empty_parts(source, personas):
    """No parameter in force and no household in scope: nothing to look up, so no error, and
    both steps of ``screening_parts`` run and give no row."""
    import datetime as dt

    parts = rules.sql.screening_parts(on=dt.date(1990, 1, 1), region_code="43", source=source)
    assert parts.params == []
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE test_households AS {parts.households}",
                       parts.params)
        try:
            cursor.execute("SELECT household_id, rc, flags FROM test_households")
            assert cursor.fetchall() == []
            cursor.execute(parts.rows("test_households"))
            assert cursor.fetchall() == []
        finally:
            cursor.execute("DROP TABLE test_households")
