"""Every YAML rule case loaded into the database (regions, household, members, ledgers through
the registry services) and screened with ``rules.screening_sql``: the SQL must yield exactly the
risk / unknown reasons, measured values, thresholds and sentences of the Python evaluation.
Runs on SQLite and on PostgreSQL (``MINSHENG_TEST_DATABASE_URL``)."""

from __future__ import annotations

import pytest
from django.db import connection

from minsheng.policy import rules
from minsheng.policy.errors import ParameterMissing
from minsheng.policy.tests.rule_cases import Case, load_case, load_cases

CASES = load_cases()


def screen(case: Case, region_code: str = "43") -> list[tuple]:
    sql, params = rules.screening_sql(on=case.on, region_code=region_code,
                                      overrides=case.overrides, parameters=case.parameters())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_sql_matches_python(case, personas):
    household = load_case(case, personas["province_office"])
    if case.raises:
        with pytest.raises(ParameterMissing):
            screen(case)
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
    rows = sorted(screen(case))
    assert rows == expected
    texts = {r.code: r.text for o in from_db for r in o.reasons}
    for row in rows:
        assert rules.explain(row[4], measured=row[6], threshold=row[7], **evaluate) == \
            texts[row[4]]
    # The scope is a prefix: the household's own village and county find it, another not.
    assert sorted(screen(case, case.region)) == expected
    assert sorted(screen(case, case.region[:6])) == expected
    other = "430524001001" if case.region.startswith("430523") else "430523100001"
    assert screen(case, other) == []
