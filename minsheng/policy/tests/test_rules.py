"""The rules package beyond the YAML cases: missing parameters raise (Python and SQL), what-if
values are checked and marked, stored determinations replay, the case loader refuses malformed
files, and one screening over several villages matches the Python evaluation household by
household."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.policy import rules
from minsheng.policy.errors import ParameterMissing, UnknownParameter
from minsheng.policy.models import Determination
from minsheng.policy.parameters import ParameterSet, default_parameters
from minsheng.policy.rules.engine import UNKNOWN_REASONS
from minsheng.policy.rules.facts import LEDGER_FIELDS
from minsheng.policy.tests import rule_cases
from minsheng.policy.tests.rule_cases import CaseFileInvalid, load_case, load_cases, load_file
from minsheng.registry.models import IncomeLedger
from minsheng.registry.services import household_archive, household_update, ledger_save
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_B, VILLAGE_C

D = dt.date
ON = D(2025, 6, 30)


def facts(**extra):
    data = {"members": [{"name": "张三", "birth_date": "1980-01-01"},
                        {"name": "李四", "birth_date": "1982-01-01", "relation": "spouse"}],
            "ledgers": {2025: {"wage_income": 10000}}, **extra}
    return rules.HouseholdFacts.from_mapping(data, region_code=VILLAGE_A)


def without(name: str) -> ParameterSet:
    shipped = default_parameters()
    return ParameterSet({n: shipped.get(n) for n in shipped.names() if n != name})


def run(sql_params):
    """The screening rows without the birth window columns at the end."""
    sql, params = sql_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(tuple(row)[:9] for row in cursor.fetchall())


class RuleListTests:
    def test_rules_are_in_a_stable_order_with_unique_reason_codes(self):
        assert [rule.id for rule in rules.RULES] == [
            "income", "medical_burden", "income_drop", "education", "medical_insurance",
            "housing", "water"]
        assert len(rules.REASON_CODES) == len(set(rules.REASON_CODES)) == 17
        assert all(rule.version == 1 and rule.title for rule in rules.RULES)
        assert list(rules.REASON_LABELS) == list(rules.REASON_CODES)

    def test_unknown_reasons_are_exactly_the_ones_rules_report_as_unknown(self):
        # The SQL takes each reason's status from UNKNOWN_REASONS; the rules from their findings.
        seen = {}
        for case in load_cases():
            if case.raises:
                continue
            for outcome in rules.evaluate(case.facts, on=case.on, region_code=case.region,
                                          overrides=case.overrides,
                                          parameters=case.parameters()):
                for reason in outcome.reasons:
                    seen[reason.code] = outcome.status
        assert set(seen) == set(rules.REASON_CODES)
        assert {code for code, status in seen.items() if status == rules.UNKNOWN} == \
            UNKNOWN_REASONS

    def test_ledger_fields_are_the_registry_columns(self):
        assert LEDGER_FIELDS == IncomeLedger.AMOUNT_FIELDS

    def test_every_parameter_a_rule_names_is_shipped(self):
        for rule in rules.RULES:
            for name in rule.parameter_names:
                assert name in default_parameters()

    def test_explain_refuses_an_unknown_reason(self):
        with pytest.raises(KeyError):
            rules.explain("no_such_reason", measured=None, threshold=None, on=ON,
                          region_code=VILLAGE_A, parameters=default_parameters())


class MissingParameterTests:
    def test_python_raises_when_no_value_is_in_force(self):
        with pytest.raises(ParameterMissing, match="监测范围"):
            rules.evaluate(facts(), on=D(2027, 1, 1), region_code=VILLAGE_A,
                           parameters=default_parameters())

    def test_python_raises_for_a_region_without_any_value(self):
        other = rules.HouseholdFacts.from_mapping(facts().snapshot() | {"region_code":
                                                                          "440103001001"})
        with pytest.raises(ParameterMissing):
            rules.evaluate(other, on=ON, region_code="440103001001",
                           parameters=default_parameters())

    def test_python_raises_when_the_file_is_gone(self):
        with pytest.raises(UnknownParameter):
            rules.evaluate(facts(), on=ON, region_code=VILLAGE_A,
                           parameters=without("monitoring.income_drop.share"))

    def test_explain_and_snapshot_raise_too(self):
        with pytest.raises(ParameterMissing):
            rules.explain("income_below_range", measured="1.00", threshold="2.00",
                          on=D(2027, 1, 1), region_code=VILLAGE_A,
                          parameters=default_parameters())
        with pytest.raises(ParameterMissing):
            rules.parameter_snapshot(on=D(2027, 1, 1), region_code=VILLAGE_A,
                                     parameters=default_parameters())

    def test_sql_raises_when_a_household_in_scope_has_no_value(self, households):
        with pytest.raises(ParameterMissing):
            rules.screening_sql(on=D(2027, 1, 1), region_code="43",
                                parameters=default_parameters())
        with pytest.raises(UnknownParameter):
            rules.screening_sql(on=ON, region_code="43",
                                parameters=without("monitoring.compulsory_education.max_age"))

    def test_sql_does_not_raise_for_a_region_without_households(self, households):
        # 2023: no 合规自付支出 share in force in 湖南 yet, but no household in 隆回县 either.
        sql = rules.screening_sql(on=D(2023, 6, 30), region_code="430524",
                                  parameters=default_parameters())
        assert run(sql) == []
        with pytest.raises(ParameterMissing):
            rules.screening_sql(on=D(2023, 6, 30), region_code="430523",
                                parameters=default_parameters())

    def test_a_what_if_value_stands_in_for_a_missing_one(self):
        outcome = rules.evaluate(facts(ledgers={2027: {"wage_income": 10000}}), on=D(2027, 1, 1),
                                 region_code=VILLAGE_A, overrides={"monitoring.range": 9000},
                                 parameters=default_parameters())[0]
        assert outcome.status == rules.RISK
        assert outcome.parameters["monitoring.range"] == {
            "what_if": True, "name": "monitoring.range", "value": "9000", "unit": "元/人/年"}


class WhatIfTests:
    def test_unknown_parameter_is_refused(self):
        with pytest.raises(UnknownParameter, match=r"monitoring\.nothing"):
            rules.evaluate(facts(), on=ON, region_code=VILLAGE_A,
                           overrides={"monitoring.nothing": 1}, parameters=default_parameters())

    @pytest.mark.parametrize(("name", "raw", "message"), [
        ("monitoring.range", "九千", "模拟参数「防止返贫监测范围（家庭年人均纯收入标准）」（monitoring.range）"
                                     "的取值「九千」不是有效的数字。"),
        ("monitoring.range", 9000.5, "模拟参数「防止返贫监测范围（家庭年人均纯收入标准）」（monitoring.range）"
                                     "的取值「9000.5」不是有效的数字。"),
        ("monitoring.range", "60000", "模拟参数「防止返贫监测范围（家庭年人均纯收入标准）」（monitoring.range）"
                                      "的取值 60000 大于上限 50000。"),
        ("monitoring.range", "8000.001", "模拟参数「防止返贫监测范围（家庭年人均纯收入标准）」"
                                         "（monitoring.range）的金额最多两位小数，实为「8000.001」。"),
        ("monitoring.income_drop.share", "1.5", "模拟参数「收入大幅下降判定比例（比上年度下降的比例，"
                                                "达到即提示风险）」（monitoring.income_drop.share）"
                                                "的取值 1.5 大于上限 1。"),
        ("monitoring.compulsory_education.max_age", "15.5",
         "模拟参数「义务教育适龄人员最大年龄（周岁，含）」（monitoring.compulsory_education.max_age）"
         "的取值应为整数，实为「15.5」。"),
        ("monitoring.net_income.counted_income", "wage_income,salary",
         "模拟参数「计入家庭纯收入的收入项目」（monitoring.net_income.counted_income）"
         "中有不认识的代码：salary。"),
    ])
    def test_bad_values_are_refused_in_chinese(self, name, raw, message):
        with pytest.raises(InvalidInput) as caught:
            rules.evaluate(facts(), on=ON, region_code=VILLAGE_A, overrides={name: raw},
                           parameters=default_parameters())
        assert str(caught.value) == message

    def test_values_are_read_with_the_unit(self):
        assert rules.coerce_overrides({"monitoring.range": "9,000",
                                       "monitoring.net_income.counted_income": "wage_income",
                                       "monitoring.compulsory_education.max_age": "16"},
                                      default_parameters()) == {
            "monitoring.range": Decimal("9000"),
            "monitoring.net_income.counted_income": ("wage_income",),
            "monitoring.compulsory_education.max_age": 16}

    def test_snapshot_marks_the_simulated_value_and_keeps_the_others(self):
        snapshot = rules.parameter_snapshot(on=ON, region_code=VILLAGE_A,
                                            overrides={"monitoring.range": "9000"},
                                            parameters=default_parameters())
        assert snapshot["monitoring.range"]["what_if"] is True
        share = snapshot["monitoring.compliant_out_of_pocket.income_share"]
        assert share["value"] == "0.4" and share["source_region"] == "430000000000"
        assert share["ref"]["verified"] is False
        assert set(snapshot) == {name for rule in rules.RULES for name in rule.parameter_names}


@pytest.fixture
def households(personas):
    cases = {case.name: case for case in load_cases()}
    actor = personas["province_office"]
    return [load_case(cases[name], actor, number=number) for number, name in enumerate([
        "income_one_yuan_below_county_line_is_risk",
        "medical_both_reasons_at_once",
        "education_names_every_child_out_of_school_in_order",
        "water_failing_wins_over_unchecked",
        "income_no_ledger_and_no_member_names_both",
    ], start=1)]


class DetermineTests:
    def test_stores_one_determination_per_rule_with_parameters_and_facts(self, households):
        household = households[0]
        stored = rules.determine(household.pk, on=ON, source="测试")
        assert [d.rule_id for d in stored] == [rule.id for rule in rules.RULES]
        assert Determination.objects.filter(household=household).count() == 7
        income = Determination.objects.get(household=household, rule_id="income")
        assert income.status == "risk" and income.rule_version == 1
        assert income.region_code == VILLAGE_A and income.on == ON and income.source == "测试"
        assert income.reasons[0]["code"] == "income_below_range"
        assert income.reasons[0]["text"].startswith(
            "家庭人均纯收入 8,199 元，低于 2025 年监测范围 8,200 元（【演示值】邵阳县")
        assert income.parameters["monitoring.range"]["value"] == "8200"
        assert income.parameters["monitoring.range"]["source_region"] == "430523000000"
        assert set(income.parameters) == {"monitoring.range",
                                          "monitoring.net_income.counted_income",
                                          "monitoring.net_income.deducted_expenses"}
        assert income.facts["ledgers"]["2025"]["wage_income"] == "16398.00"
        assert [m["name"] for m in income.facts["members"]] == ["张大山", "李秀英"]

    def test_replay_gives_the_stored_outcome_even_after_the_registry_changes(
            self, households, personas):
        household = households[0]
        stored = rules.determine(household.pk, on=ON)
        ledger = IncomeLedger.objects.get(household=household, year=2025)
        ledger_save(actor=personas["province_office"], household=household, year=2025,
                    version=ledger.version, wage_income=50000)
        household.refresh_from_db()
        household_update(actor=personas["province_office"], household=household,
                         version=household.version, housing_grade="D")
        for row in Determination.objects.filter(household=household):
            again = rules.replay(rule_id=row.rule_id, rule_version=row.rule_version, on=row.on,
                                 facts=row.facts, parameters=row.parameters)
            assert again.status == row.status
            assert [r.as_json() for r in again.reasons] == row.reasons
            assert again.parameters == row.parameters
        # Today's facts give another answer: the replay used the stored ones.
        now = {d.rule_id: d for d in rules.determine(household.pk, on=ON)}
        assert now["income"].status == "clear" and now["housing"].status == "risk"
        assert {d.rule_id: d.status for d in stored}["income"] == "risk"

    def test_unknown_outcomes_store_what_is_missing(self, households):
        stored = {d.rule_id: d for d in rules.determine(households[4].pk, on=ON)}
        assert stored["income"].status == "unknown"
        assert [r["values"]["missing"] for r in stored["income"].reasons] == [
            "2025 年度或 2024 年度收支台账", "在户家庭成员"]

    def test_unknown_household_is_not_found(self, db):
        with pytest.raises(NotFound):
            rules.determine(999999, on=ON)


class ScreeningSqlTests:
    def test_several_villages_in_one_run_match_python(self, households):
        sql = rules.screening_sql(on=ON, region_code="43", parameters=default_parameters())
        rows = run(sql)
        expected = []
        found = rules.household_facts([h.pk for h in households])
        for household in households:
            f = found[household.pk]
            for outcome in rules.evaluate(f, on=ON, region_code=f.region_code,
                                          parameters=default_parameters()):
                if outcome.status != rules.CLEAR:
                    expected.extend(
                        (household.pk, f.region_code, outcome.rule_id, 1, r.code, outcome.status,
                         r.values.get("measured"), r.values.get("threshold"), f.people)
                        for r in outcome.reasons)
        assert rows == sorted(expected)
        assert {row[1] for row in rows} == {VILLAGE_A}

    def test_each_village_uses_its_own_values_in_one_run(self, personas):
        cases = {case.name: case for case in load_cases()}
        names = ["income_village_value_beats_county_and_province",
                 "income_neighbour_village_keeps_county_value",
                 "income_same_facts_in_other_county_use_province_value",
                 "income_county_counting_rule_beats_province",
                 "income_other_county_keeps_province_counting_rule"]
        for run_no, parameters in enumerate((cases[names[0]].parameters(),
                                             cases[names[3]].parameters())):
            loaded = [load_case(cases[name], personas["province_office"],
                                number=run_no * 10 + number)
                      for number, name in enumerate(names, start=1)]
            rows = run(rules.screening_sql(on=ON, region_code="43", parameters=parameters))
            found = rules.household_facts([h.pk for h in loaded])
            expected = sorted(
                (h.pk, found[h.pk].region_code, o.rule_id, 1, r.code, o.status,
                 r.values.get("measured"), r.values.get("threshold"), found[h.pk].people)
                for h in loaded
                for o in rules.evaluate(found[h.pk], on=ON, region_code=found[h.pk].region_code,
                                        parameters=parameters)
                if o.status != rules.CLEAR for r in o.reasons)
            assert rows == expected
            # The village's own 9,000 in the first run; the county's wages-only rule in the second.
            assert {row[1] for row in rows if row[4] == "income_below_range"} == \
                ({VILLAGE_B} if run_no == 0 else {VILLAGE_A})
            for household in loaded:
                household.refresh_from_db()
                household_archive(actor=personas["province_office"], household=household,
                                  version=household.version, reason="duplicate")

    def test_archived_households_are_left_out(self, households, personas):
        before = {row[0] for row in run(rules.screening_sql(
            on=ON, region_code="43", parameters=default_parameters()))}
        target = households[1]
        target.refresh_from_db()
        household_archive(actor=personas["province_office"], household=target,
                          version=target.version, reason="duplicate")
        after = {row[0] for row in run(rules.screening_sql(
            on=ON, region_code="43", parameters=default_parameters()))}
        assert target.pk in before and after == before - {target.pk}

    def test_empty_scope_yields_nothing(self, households):
        for code in (OUTSIDE_VILLAGE, VILLAGE_B, VILLAGE_C, "44"):
            assert run(rules.screening_sql(on=ON, region_code=code,
                                           parameters=default_parameters())) == []

    def test_uses_the_connection_vendor_and_refuses_others(self, db):
        sql, params = rules.screening_sql(on=ON, region_code="43",
                                          parameters=default_parameters())
        other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
        assert rules.screening_sql(on=ON, region_code="43", parameters=default_parameters(),
                                   vendor=connection.vendor) == (sql, params)
        assert rules.screening_sql(on=ON, region_code="43", parameters=default_parameters(),
                                   vendor=other)[0] != sql
        with pytest.raises(ValueError, match="mysql"):
            rules.screening_sql(on=ON, region_code="43", parameters=default_parameters(),
                                vendor="mysql")

    def test_bad_region_code_is_refused(self):
        with pytest.raises(InvalidInput):
            rules.screening_sql(on=ON, region_code="4305231", parameters=default_parameters())


class CaseFileTests:
    """A malformed case file fails loudly: the loader raises, it never skips a case."""

    GOOD = """cases:
  - name: ok
    on: 2025-06-30
    region: "430523100001"
    facts: {members: [{name: 张三, birth_date: 1980-01-01}]}
    expect:
      housing: {status: unknown}
"""

    def write(self, tmp_path: Path, text: str) -> Path:
        path = tmp_path / "cases.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def test_a_good_file_loads(self, tmp_path):
        assert [case.name for case in load_file(self.write(tmp_path, self.GOOD))] == ["ok"]

    @pytest.mark.parametrize(("change", "message"), [
        (("housing: {status: unknown}", "housing: {status: maybe}"), "status「maybe」"),
        (("housing: {status: unknown}", "houses: {status: unknown}"), "规则「houses」不存在"),
        (("housing: {status: unknown}", "housing: {status: risk, text: 8,200 元}"),
         "未知的键"),
        (("housing: {status: unknown}", "housing: {status: risk, reasons: [water_failing]}"),
         "没有理由代码 water_failing"),
        (("on: 2025-06-30", "on: 2025-13-01"), "日期（on）"),
        (('region: "430523100001"', "region: 430523"), "12 位村级代码"),
        (("birth_date: 1980-01-01", "birth: 1980-01-01"), "未知的键：birth"),
        (("    expect:\n      housing: {status: unknown}\n", "    note: 没写期望\n"),
         "须写 expect"),
        (("    expect:", "    parameters_dir: nowhere\n    expect:"), "参数目录「nowhere」"),
        (("    expect:", "    colour: red\n    expect:"), "未知的键：colour"),
        (("facts: {", "facts: {wages: 1, "), "未知的键：wages"),
        (("name: ok", "name: ok\n    name: again"), "不是有效的 YAML"),
    ])
    def test_malformed_case_raises(self, tmp_path, change, message):
        old, new = change
        assert old in self.GOOD
        with pytest.raises(CaseFileInvalid, match=message):
            load_file(self.write(tmp_path, self.GOOD.replace(old, new)))

    def test_empty_file_and_duplicate_names_raise(self, tmp_path):
        with pytest.raises(CaseFileInvalid, match="只有一个键 cases"):
            load_file(self.write(tmp_path, "cases: []\n"))
        (tmp_path / "a.yaml").write_text(self.GOOD, encoding="utf-8")
        (tmp_path / "b.yaml").write_text(self.GOOD, encoding="utf-8")
        with pytest.raises(CaseFileInvalid, match="用例名称「ok」重复"):
            load_cases(tmp_path)

    def test_bad_inline_parameter_file_raises(self, tmp_path):
        text = self.GOOD.replace("    expect:", "    parameters:\n      monitoring/range.yaml: |\n"
                                 "        unit: 元\n    expect:")
        case = load_file(self.write(tmp_path, text))[0]
        with pytest.raises(CaseFileInvalid, match="内联参数文件有误"):
            case.parameters()

    def test_shipped_cases_all_load(self):
        assert len(rule_cases.load_cases()) >= 60


class FactsTests:
    def test_snapshot_round_trips(self):
        original = facts(category="lifted", housing_grade="C", water_quality_ok=False,
                         ledgers={2024: {"wage_income": "1.5"}, 2025: {"transfer_other": 7}})
        again = rules.HouseholdFacts.from_mapping(original.snapshot())
        assert again == original
        assert original.snapshot()["ledgers"]["2024"]["wage_income"] == "1.50"

    def test_inactive_members_are_left_out(self):
        found = facts(members=[{"name": "甲", "birth_date": "1980-01-01"},
                               {"name": "乙", "birth_date": "1981-01-01", "active": False}])
        assert [m.name for m in found.members] == ["甲"] and found.people == 1

    @pytest.mark.parametrize(("data", "message"), [
        ({"category": "rich"}, "户类型（category）「rich」不是可选值之一（ordinary、lifted）。"),
        ({"housing_grade": "E"}, "住房安全等级（housing_grade）「E」不是可选值之一（空、A、B、C、D）。"),
        ({"water_quality_ok": "yes"}, "water_quality_ok 应为 true、false 或不填，实为「yes」。"),
        ({"members": {"name": "甲"}}, "成员（members）应为列表。"),
        ({"members": ["甲"]}, "第 1 名成员应为键值对。"),
        ({"members": [{"name": "甲"}]}, "第 1 名成员缺少出生日期（birth_date）。"),
        ({"members": [{"birth_date": "1980-01-01"}]}, "第 1 名成员缺少姓名（name）。"),
        ({"members": [{"name": "甲", "birth_date": "1980-02-30"}]},
         "第 1 名成员的出生日期「1980-02-30」应为 YYYY-MM-DD 格式的日期。"),
        ({"members": [{"name": "甲", "birth_date": "1980-01-01", "school_stage": "college"}]},
         "第 1 名成员的在校生状况（school_stage）「college」不是可选值之一（not_in_school、"
         "preschool、primary、junior、senior、vocational、higher、special、exempt）。"),
        ({"members": [{"name": "甲", "birth_date": "1980-01-01", "medical_insurance": "否"}]},
         "第 1 名成员的 medical_insurance 应为 true 或 false。"),
        ({"members": [{"name": "甲", "birth_date": "1980-01-01", "active": "no"}]},
         "第 1 名成员的 active 应为 true 或 false。"),
        ({"ledgers": [2025]}, "收支台账（ledgers）应为「年度: 各项金额」的键值对。"),
        ({"ledgers": {"二〇二五": {}}}, "台账年度「二〇二五」应为整数。"),
        ({"ledgers": {2025: {"salary": 1}}}, "2025 年度收支台账中有未知的键：salary"),
        ({"ledgers": {2025: {"wage_income": -1}}}, "2025 年度收支台账的 wage_income 不能为负数。"),
        ({"ledgers": {2025: {"wage_income": "1.234"}}}, "金额「1.234」的小数超过两位。"),
        ({"ledgers": {2025: {"wage_income": "很多"}}}, "2025 年度收支台账的 wage_income「很多」不是金额。"),
        ({"ledgers": {2025: {"wage_income": 1.5}}}, "2025 年度收支台账的 wage_income「1.5」不是金额。"),
        ({"household_id": "7"}, "household_id 应为整数。"),
        ({"colour": "red"}, "农户事实中有未知的键：colour"),
    ])
    def test_malformed_facts_are_refused_in_chinese(self, data, message):
        with pytest.raises(InvalidInput) as caught:
            rules.HouseholdFacts.from_mapping(data, region_code=VILLAGE_A)
        assert str(caught.value).startswith(message)

    def test_region_must_be_a_village_code(self):
        with pytest.raises(InvalidInput, match="12 位村级代码"):
            rules.HouseholdFacts.from_mapping({}, region_code="430523")


class CoerceValueTests:
    def test_boolean_and_integer_parameters(self):
        shipped = default_parameters()
        green = shipped.get("procedure.identification.green_channel")
        assert rules.coerce_value(green, "false") is False
        assert rules.coerce_value(green, True) is True
        with pytest.raises(InvalidInput, match="应为 true 或 false"):
            rules.coerce_value(green, "是")
        days = shipped.get("procedure.identification.notice_days")
        assert rules.coerce_value(days, "7") == 7
        with pytest.raises(InvalidInput, match="小于下限 0"):
            rules.coerce_value(days, "-1")

    def test_list_needs_codes(self):
        counted = default_parameters().get("monitoring.net_income.counted_income")
        assert rules.coerce_value(counted, ["wage_income", "transfer_dibao"]) == (
            "wage_income", "transfer_dibao")
        with pytest.raises(InvalidInput, match="应为若干代码"):
            rules.coerce_value(counted, 5)
