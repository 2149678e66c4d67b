"""The suggestion rules, one test per rule, on facts built by hand (pure functions) and, for the
parameters, on real registry households with a parameter changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minsheng.assistance.rules import HouseholdFacts, MemberFact, SuggestionParams, suggest
from minsheng.assistance.selectors import household_suggestions
from minsheng.employment.rules import AgeBounds

ON = dt.date(2026, 6, 1)
TODAY = timezone.localdate()
PARAMS = SuggestionParams(labour_age=AgeBounds(16, 60), medical_threshold=Decimal("5000"),
                          housing_grades=("C", "D"), disability_grades=(1, 2, 3, 4),
                          education_stages=("primary", "junior", "senior", "vocational",
                                            "higher"))


def member(name: str = "甲", born: int = 1980, capacity: str = "ordinary", **extra) -> MemberFact:
    return MemberFact(name=name, birth_date=dt.date(born, 3, 1), labour_capacity=capacity,
                      **extra)


def codes(facts: HouseholdFacts, params: SuggestionParams = PARAMS) -> list[str]:
    return [s.code for s in suggest(facts, on=ON, params=params)]


def test_household_with_labour_gets_developmental_not_safety_net():
    found = codes(HouseholdFacts(members=(member(), member("乙", 2010, "none"))))
    assert found == ["employment", "industry", "microcredit"]
    assert not {"dibao", "tekun", "temporary_relief", "public_post"} & set(found)


def test_weak_labour_only_gets_public_post_first():
    found = codes(HouseholdFacts(members=(member(capacity="weak"),)))
    assert found[0] == "public_post"
    assert "dibao" not in found


def test_weak_and_ordinary_labour_gets_no_public_post():
    found = codes(HouseholdFacts(members=(member(capacity="weak"), member("乙", 1985))))
    assert "public_post" not in found and "employment" in found


def test_household_without_labour_gets_safety_net():
    found = codes(HouseholdFacts(members=(member(capacity="lost"), member("乙", 1950))))
    assert found == ["dibao", "temporary_relief"]


def test_age_decides_labour_with_the_parameter_bounds():
    old = HouseholdFacts(members=(member(born=1960),))  # 66 on ON
    assert "dibao" in codes(old)
    wider = SuggestionParams(**{**PARAMS.__dict__, "labour_age": AgeBounds(16, 70)})
    assert "employment" in codes(old, wider)


def test_single_person_without_labour_gets_tekun_unless_already():
    assert "tekun" in codes(HouseholdFacts(members=(member(capacity="none"),)))
    assert "tekun" not in codes(HouseholdFacts(members=(member(capacity="none", tekun=True),)))
    assert "dibao" not in codes(HouseholdFacts(members=(member(capacity="none", dibao=True),)))


def test_child_in_school_gets_education_and_vocational_mentions_yulu():
    facts = HouseholdFacts(members=(member(), member("小明", 2013, "none", school_stage="junior"),
                                    member("小红", 2009, "none", school_stage="vocational")))
    reason = next(s.reason for s in suggest(facts, on=ON, params=PARAMS) if s.code == "education")
    assert "小明、小红" in reason and "小红 可申请雨露计划" in reason
    plain = HouseholdFacts(members=(member(), member("小明", 2013, "none",
                                                     school_stage="junior")))
    reason = next(s.reason for s in suggest(plain, on=ON, params=PARAMS) if s.code == "education")
    assert "雨露计划" not in reason
    assert "education" not in codes(HouseholdFacts(members=(member(),)))


@pytest.mark.parametrize(("amount", "expected"), [(None, False), (Decimal("4999.99"), False),
                                                  (Decimal("5000"), True)])
def test_medical_out_of_pocket_threshold(amount, expected):
    facts = HouseholdFacts(members=(member(),), medical_out_of_pocket=amount)
    assert ("medical" in codes(facts)) is expected


@pytest.mark.parametrize(("grade", "expected"), [("", False), ("A", False), ("B", False),
                                                 ("C", True), ("D", True)])
def test_housing_grade(grade, expected):
    assert ("housing" in codes(HouseholdFacts(members=(member(),), housing_grade=grade))) \
        is expected


@pytest.mark.parametrize(("water", "expected"), [(None, False), (True, False), (False, True)])
def test_water_failing(water, expected):
    assert ("water" in codes(HouseholdFacts(members=(member(),), water_ok=water))) is expected


def test_disability_grades_from_parameter():
    facts = HouseholdFacts(members=(member(disability_grade=3),))
    assert "disability" in codes(facts)
    severe_only = SuggestionParams(**{**PARAMS.__dict__, "disability_grades": (1, 2)})
    assert "disability" not in codes(facts, severe_only)
    assert "disability" not in codes(HouseholdFacts(members=(member(),)))


def test_registry_household_suggestions(households):
    rows = household_suggestions(household=households["labour"], on=TODAY)
    found = [r.code for r in rows]
    assert found[:3] == ["employment", "industry", "microcredit"]
    assert {"education", "medical", "housing"} <= set(found)
    assert "dibao" not in found
    weak = [r.code for r in household_suggestions(household=households["weak"], on=TODAY)]
    assert weak[0] == "public_post"
    lonely = [r.code for r in household_suggestions(household=households["none"],
                                                    on=TODAY)]
    assert lonely[:3] == ["dibao", "tekun", "temporary_relief"] and "disability" in lonely


def test_changing_the_medical_parameter_changes_the_suggestion(households, override_parameter):
    labour = households["labour"]
    assert "medical" in [r.code for r in household_suggestions(household=labour,
                                                              on=TODAY)]
    override_parameter("assistance.suggestion.medical_out_of_pocket", 9000)
    assert "medical" not in [r.code for r in household_suggestions(household=labour,
                                                                  on=TODAY)]


def test_changing_housing_grades_parameter(households, override_parameter):
    override_parameter("assistance.suggestion.housing_grades", ["grade_d"])
    assert "housing" not in [r.code for r in household_suggestions(
        household=households["labour"], on=TODAY)]
