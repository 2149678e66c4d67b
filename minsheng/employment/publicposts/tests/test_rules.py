"""The eligibility rules and the monthly subsidy, one test per rule with its boundaries, with the
parameters read from the real files (so a changed file shows here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from minsheng.core.errors import InvalidInput
from minsheng.employment.publicposts.rules import (
    ApplicantFacts,
    EligibilityParams,
    PayParams,
    add_months,
    eligibility_for,
    month_subsidy,
    pay_for,
    post_eligibility,
)
from minsheng.testing import VILLAGE_A

START = dt.date(2026, 1, 1)
BASE = ApplicantFacts(birth_date=dt.date(1970, 6, 1), labour_capacity="weak",
                      household_lifted=True, monitored=False, dibao=False, cannot_go_out=False,
                      cannot_go_out_reason="", cadre_family=False, household_active_posts=0,
                      start_date=START, end_date=dt.date(2026, 12, 31))
PARAMS = EligibilityParams(age_min=16, age_max=60, groups=("lifted", "monitored"),
                           capacities=("weak",), one_per_household=True,
                           exclude_cadre_family=True, max_contract_months=12)


def check(**changes):
    return post_eligibility(replace(BASE, **changes), PARAMS)


class EligibilityRuleTests:
    def test_eligible_when_every_rule_holds(self):
        result = check()
        assert result.eligible and result.failed == [] and result.reasons == []

    # capacity: 弱劳动力 directly; another working capacity only with 无法外出 and a reason
    def test_rejects_ordinary_capacity_when_not_declared_unable_to_go_out(self):
        result = check(labour_capacity="ordinary")
        assert result.failed == ["capacity"]
        assert result.reasons == ["劳动技能为「普通劳动力」，且未申报无法外出务工；公益性岗位安置弱劳动力或半劳动力"
                                  "或无法外出务工的劳动力。"]

    def test_accepts_ordinary_capacity_when_unable_to_go_out_with_reason(self):
        assert check(labour_capacity="skilled", cannot_go_out=True,
                     cannot_go_out_reason="照料瘫痪在床的母亲").eligible

    def test_rejects_unable_to_go_out_without_reason(self):
        result = check(labour_capacity="ordinary", cannot_go_out=True,
                       cannot_go_out_reason="  ")
        assert result.reasons == ["申报无法外出务工，但没有填写原因。"]

    @pytest.mark.parametrize("capacity,label", [("lost", "丧失劳动力"), ("none", "无劳动力")])
    def test_rejects_no_labour_capacity_even_when_unable_to_go_out(self, capacity, label):
        result = check(labour_capacity=capacity, cannot_go_out=True, cannot_go_out_reason="病")
        assert result.reasons == [f"劳动技能为「{label}」，不能安置公益性岗位。"]

    # group: 脱贫人口 or 监测对象 (parameter)
    def test_rejects_ordinary_household_when_not_monitored(self):
        result = check(household_lifted=False)
        assert result.failed == ["group"]
        assert result.reasons == ["不属于可安置的人员类别（脱贫人口、监测对象）：所在农户不是脱贫户；所在农户没有监"
                                  "测中（含风险消除程序中）的监测案件。"]

    def test_accepts_monitored_person_of_ordinary_household(self):
        assert check(household_lifted=False, monitored=True).eligible

    def test_dibao_counts_only_when_the_parameter_lists_it(self):
        assert not check(household_lifted=False, dibao=True).eligible
        with_dibao = replace(PARAMS, groups=("lifted", "monitored", "dibao"))
        assert post_eligibility(replace(BASE, household_lifted=False, dibao=True),
                                with_dibao).eligible
        refused = post_eligibility(replace(BASE, household_lifted=False), with_dibao)
        assert refused.reasons == ["不属于可安置的人员类别（脱贫人口、监测对象、农村低保对象）："
                                   "所在农户不是脱贫户；所在农户没有监测中（含风险消除程序中）"
                                   "的监测案件；本人未享受农村低保。"]

    # age: both bounds inclusive, age in full years on the start date
    def test_age_upper_bound_is_inclusive(self):
        sixty = dt.date(1965, 1, 2)  # 60 on 2026-01-01, 61 the next day
        assert check(birth_date=sixty).eligible
        older = check(birth_date=dt.date(1965, 1, 1))  # 61 on the start date
        assert older.reasons == ["聘用时 61 周岁，超过 60 周岁。"]

    def test_age_lower_bound_is_inclusive(self):
        assert check(birth_date=dt.date(2010, 1, 1)).eligible  # 16 that day
        younger = check(birth_date=dt.date(2010, 1, 2))  # 15 until tomorrow
        assert younger.reasons == ["聘用时 15 周岁，未满 16 周岁。"]

    # household: one post per household (parameter)
    def test_rejects_second_post_in_household(self):
        result = check(household_active_posts=1)
        assert result.reasons == ["同户已有人在公益性岗位上（每户限一人）。"]
        assert post_eligibility(replace(BASE, household_active_posts=1),
                                replace(PARAMS, one_per_household=False)).eligible

    # cadre family (parameter)
    def test_rejects_village_cadre_family(self):
        assert check(cadre_family=True).reasons == ["村干部家庭成员不得安置公益性岗位。"]
        assert post_eligibility(replace(BASE, cadre_family=True),
                                replace(PARAMS, exclude_cadre_family=False)).eligible

    # contract: at most 12 months
    def test_contract_of_twelve_months_is_the_longest(self):
        assert check(end_date=dt.date(2026, 12, 31)).eligible
        result = check(end_date=dt.date(2027, 1, 1))
        assert result.reasons == ["聘期超过 12 个月（期满可续聘，另行登记）。"]

    def test_contract_end_before_start(self):
        assert check(end_date=dt.date(2025, 12, 31)).reasons == ["聘期结束日期早于开始日期。"]

    def test_every_failed_rule_is_reported(self):
        result = check(labour_capacity="ordinary", household_lifted=False, cadre_family=True,
                       household_active_posts=1, birth_date=dt.date(1950, 1, 1))
        assert result.failed == ["capacity", "group", "age", "household", "cadre_family"]


@pytest.mark.django_db
class EligibilityParameterTests:
    def test_parameters_from_the_files_and_their_references(self):
        result = eligibility_for(BASE, region_code=VILLAGE_A)
        assert result.eligible
        names = {p["name"]: p["value"] for p in result.parameters}
        assert names["employment.public_post.age_max"] == 60
        assert names["employment.public_post.eligible_groups"] == ["lifted", "monitored"]
        assert all(p["ref"]["document"] for p in result.parameters)

    def test_changed_file_value_changes_the_decision(self, override_parameter):
        override_parameter("employment.public_post.age_max", 55)
        result = eligibility_for(BASE, region_code=VILLAGE_A)  # 55 on 2026-01-01
        assert result.eligible
        assert not eligibility_for(replace(BASE, birth_date=dt.date(1970, 1, 1)),
                                   region_code=VILLAGE_A).eligible

    def test_no_value_in_force_is_an_error_not_a_default(self):
        with pytest.raises(InvalidInput, match="没有适用于区划"):
            eligibility_for(replace(BASE, start_date=dt.date(2019, 1, 1),
                                    end_date=dt.date(2019, 6, 1)), region_code=VILLAGE_A)


PAY = PayParams(monthly=Decimal("600"), min_rate=Decimal("0.5"), pro_rata=True)


class SubsidyTests:
    """Hand-computed: 600 元/月, below 50% attendance nothing, otherwise pro rata to the 分."""

    @pytest.mark.parametrize("required,present,expected", [
        (22, 22, "600.00"),  # full
        (22, 21, "572.73"),  # 600 × 21 / 22 = 572.727… → 572.73
        (22, 11, "300.00"),  # exactly 50 %: paid
        (22, 10, "0.00"),  # 45 %: below the minimum rate
        (21, 20, "571.43"),  # 600 × 20 / 21 = 571.428… → 571.43
        (20, 0, "0.00"),
    ])
    def test_pro_rata(self, required, present, expected):
        assert month_subsidy(days_required=required, days_present=present,
                             params=PAY).amount == Decimal(expected)

    def test_full_amount_when_not_pro_rata_and_above_minimum(self):
        params = replace(PAY, pro_rata=False)
        assert month_subsidy(days_required=22, days_present=12, params=params).amount == \
            Decimal("600.00")
        assert month_subsidy(days_required=22, days_present=10, params=params).amount == \
            Decimal("0.00")

    def test_month_partly_in_post_is_reduced_first(self):
        # Started on the 16th of a 30-day month: 600 × 15 / 30 = 300; then 10/11 days → 272.73
        pay = month_subsidy(days_required=11, days_present=10, params=PAY, days_in_post=15,
                            days_in_month=30)
        assert pay.amount == Decimal("272.73")
        assert "本月在岗 15/30 天，折算为 300.00 元" in pay.explanation

    def test_rejects_more_days_present_than_required(self):
        with pytest.raises(InvalidInput, match="实际出勤天数应为 0～20，实为 21"):
            month_subsidy(days_required=20, days_present=21, params=PAY)

    @pytest.mark.django_db
    def test_pay_for_reads_the_parameters(self, override_parameter):
        assert pay_for(days_required=22, days_present=22, on=START,
                       region_code=VILLAGE_A).amount == Decimal("600.00")
        override_parameter("employment.public_post.monthly_subsidy", 800)
        assert pay_for(days_required=22, days_present=11, on=START,
                       region_code=VILLAGE_A).amount == Decimal("400.00")


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2026, 2, 10), -3) == dt.date(2025, 11, 10)
