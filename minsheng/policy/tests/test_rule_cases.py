"""Every YAML rule case (``cases/*.yaml``), evaluated in Python: one test per case."""

from __future__ import annotations

import pytest

from minsheng.policy import rules
from minsheng.policy.errors import ParameterMissing
from minsheng.policy.tests.rule_cases import check_outcomes, load_cases

# Loaded at collection: a malformed case file raises here and fails the run (never skipped).
CASES = load_cases()


def test_there_are_at_least_sixty_cases_covering_every_rule():
    assert len(CASES) >= 60
    covered = {rule_id for case in CASES for rule_id in case.expect}
    assert covered == {rule.id for rule in rules.RULES}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case):
    evaluate = dict(on=case.on, region_code=case.region, overrides=case.overrides,
                    parameters=case.parameters())
    if case.raises:
        with pytest.raises(ParameterMissing):
            rules.evaluate(case.facts, **evaluate)
        return
    outcomes = rules.evaluate(case.facts, **evaluate)
    assert [o.rule_id for o in outcomes] == [rule.id for rule in rules.RULES]
    assert check_outcomes(case, outcomes) == []
    for outcome in outcomes:
        # explain() rebuilds each sentence from the values a screening row carries.
        for reason in outcome.reasons:
            assert rules.explain(reason.code, measured=reason.values.get("measured"),
                                 threshold=reason.values.get("threshold"), **evaluate) \
                == reason.text
        # Unknown names what is missing and has only "unknown" reasons; clear has none.
        if outcome.status == rules.CLEAR:
            assert outcome.reasons == () and outcome.missing == ()
        if outcome.status == rules.UNKNOWN:
            assert len(outcome.missing) == len(outcome.reasons) > 0
