"""One test per registry field rule, with the exact Chinese message."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import CharField

from minsheng.registry.models import Household, Member
from minsheng.registry.testing import make_id
from minsheng.registry.validation import (
    check_household_fields,
    check_ledger_fields,
    check_member_fields,
    check_not_null,
)

TODAY = dt.date(2026, 11, 23)
VALID_ID = make_id(dt.date(1980, 1, 1), 1)


def member(**overrides):
    return {"name": "甲", "id_number": VALID_ID, "relation": "head", **overrides}


@pytest.mark.parametrize("overrides,expected", [
    ({"name": ""}, ("name", "姓名不能为空。")),
    ({"relation": ""}, ("relation", "与户主关系不能为空。")),
    ({"relation": "uncle"}, ("relation", "与户主关系「uncle」不是可选值。")),
    ({"gender": "female"}, ("gender", "性别「女」与身份证号（男）不一致。")),
    ({"birth_date": dt.date(1980, 1, 2)},
     ("birth_date", "出生日期 1980-01-02 与身份证号中的 1980-01-01 不一致。")),
    ({"health": "disabled"}, ("disability_grade", "健康状况为残疾时须填写残疾等级（1～4 级）。")),
    ({"health": "healthy", "disability_grade": 2},
     ("disability_grade", "只有健康状况为残疾时才填写残疾等级。")),
    ({"health": "disabled", "disability_grade": 5},
     ("disability_grade", "残疾等级应为 1～4 级，实为「5」。")),
    ({"work_months": 13, "work_area": "in_county"},
     ("work_months", "务工时间应为 0～12 个月，实为「13」。")),
    ({"work_months": 6}, ("work_area", "填写了务工时间时须填写务工区域。")),
    ({"work_area": "abroad"}, ("work_area", "务工区域「abroad」不是可选值。")),
    ({"phone": "12345"}, ("phone", "联系电话「12345」应为 11 位手机号或带区号的固定电话。")),
    ({"id_number": ""}, ("id_number", "身份证号不能为空。")),
])
def test_member_rule(overrides, expected):
    errors, _warnings, _derived = check_member_fields(member(**overrides), today=TODAY)
    assert errors == [expected]


def test_member_without_problems_derives_birth_and_gender():
    number = make_id(dt.date(1995, 6, 7), 2, male=False)
    errors, warnings, derived = check_member_fields(
        member(id_number=number, phone="0739-1234567"), today=TODAY)
    assert (errors, warnings) == ([], [])
    assert derived == {"id_number": number, "birth_date": dt.date(1995, 6, 7),
                       "gender": "female"}


def test_birthplace_era_is_only_a_warning():
    # stdnum's table has 430523 (邵阳县) only from later years: a genuine 1980 number is kept.
    errors, warnings, _derived = check_member_fields(member(), today=TODAY)
    assert errors == []
    assert warnings == ["身份证号前 6 位 430523 在出生年份 1980 不是已知的县级区划代码，"
                        "请核对（外省或新设县的号码可能属实）。"]


@pytest.mark.parametrize("data,expected", [
    ({"household_no": ""}, ("household_no", "户编号不能为空。")),
    ({"household_no": "H 01"}, ("household_no", "户编号「H 01」只能包含字母、数字和“-”，最长 32 位。")),
    ({"household_no": "H1", "phone": "138"},
     ("phone", "联系电话「138」应为 11 位手机号或带区号的固定电话。")),
    ({"household_no": "H1", "bank_account": "62-17"},
     ("bank_account", "银行账号「62-17」应为 8 至 30 位数字。")),
])
def test_household_rule(data, expected):
    assert check_household_fields(data) == [expected]


# --- Choice values, the disability grade, text lengths (every path shares these) ------------

@pytest.mark.parametrize("overrides,expected", [
    ({"gender": "x"}, ("gender", "性别「x」不是可选值。")),
    ({"relation": "uncle"}, ("relation", "与户主关系「uncle」不是可选值。")),
    ({"education": "phd"}, ("education", "文化程度「phd」不是可选值。")),
    ({"school_stage": "college"}, ("school_stage", "在校生状况「college」不是可选值。")),
    ({"health": "fine"}, ("health", "健康状况「fine」不是可选值。")),
    ({"labour_capacity": "super"}, ("labour_capacity", "劳动技能「super」不是可选值。")),
    ({"work_area": "abroad"}, ("work_area", "务工区域「abroad」不是可选值。")),
    ({"school_stage": ""}, ("school_stage", "在校生状况不能为空。")),
    ({"health": ""}, ("health", "健康状况不能为空。")),
])
def test_member_choice_is_a_field_error_when_the_value_is_unknown(overrides, expected):
    errors, _warnings, _derived = check_member_fields(member(**overrides), today=TODAY)
    assert errors == [expected]


def test_member_blank_choices_are_accepted_when_the_field_may_be_blank():
    errors, _warnings, _derived = check_member_fields(
        member(education="", work_area="", gender=""), today=TODAY)
    assert errors == []


@pytest.mark.parametrize("overrides,expected", [
    ({"health": "disabled", "disability_grade": 0}, "残疾等级应为 1～4 级，实为「0」。"),
    ({"health": "healthy", "disability_grade": 0}, "残疾等级应为 1～4 级，实为「0」。"),
    ({"disability_grade": 0}, "残疾等级应为 1～4 级，实为「0」。"),
    ({"health": "disabled", "disability_grade": -1}, "残疾等级应为 1～4 级，实为「-1」。"),
    ({"health": "disabled", "disability_grade": "二"}, "残疾等级应为 1～4 级，实为「二」。"),
])
def test_disability_grade_is_a_field_error_when_it_is_outside_one_to_four(overrides, expected):
    errors, _warnings, _derived = check_member_fields(member(**overrides), today=TODAY)
    assert errors == [("disability_grade", expected)]


@pytest.mark.parametrize("grade", [1, 4])
def test_disability_grade_passes_when_it_is_one_to_four_and_the_member_is_disabled(grade):
    errors, _warnings, _derived = check_member_fields(
        member(health="disabled", disability_grade=grade), today=TODAY)
    assert errors == []


@pytest.mark.parametrize("field,value,expected", [
    ("name", "名" * 65, "「姓名」最长 64 个字，实为 65 个。"),
    ("ethnicity", "族" * 21, "「民族」最长 20 个字，实为 21 个。"),
    ("phone", "1" * 21, "「联系电话」最长 20 个字，实为 21 个。"),
])
def test_member_text_is_a_field_error_when_longer_than_its_column(field, value, expected):
    errors, _warnings, _derived = check_member_fields(member(**{field: value}), today=TODAY)
    assert errors == [(field, expected)]


@pytest.mark.parametrize("field,value,expected", [
    ("household_no", "H" * 33, "「户编号」最长 32 个字，实为 33 个。"),
    ("group_name", "组" * 51, "「村民小组」最长 50 个字，实为 51 个。"),
    ("address", "址" * 201, "「家庭住址」最长 200 个字，实为 201 个。"),
    ("head_name", "户" * 65, "「户主姓名」最长 64 个字，实为 65 个。"),
    ("phone", "1" * 21, "「联系电话」最长 20 个字，实为 21 个。"),
    ("bank_name", "行" * 101, "「开户银行」最长 100 个字，实为 101 个。"),
    ("bank_account", "6" * 41, "「银行账号」最长 40 个字，实为 41 个。"),
    ("archive_note", "注" * 201, "「归档说明」最长 200 个字，实为 201 个。"),
])
def test_household_text_is_a_field_error_when_longer_than_its_column(field, value, expected):
    assert check_household_fields({"household_no": "H1", **{field: value}}) == [
        (field, expected)]


@pytest.mark.parametrize("model,name", [
    *[(Household, f.name) for f in Household._meta.concrete_fields
      if isinstance(f, CharField) and not f.choices],
    *[(Member, f.name) for f in Member._meta.concrete_fields
      if isinstance(f, CharField) and not f.choices and f.name != "id_number"],
])
def test_every_text_column_is_limited_to_its_model_max_length(model, name):
    field = model._meta.get_field(name)
    fits, too_long = "1" * field.max_length, "1" * (field.max_length + 1)

    def messages(value):
        if model is Household:
            return check_household_fields({"household_no": "H1", name: value})
        errors, _warnings, _derived = check_member_fields(member(**{name: value}), today=TODAY)
        return errors

    expected = (name, f"「{field.verbose_name}」最长 {field.max_length} 个字，"
                      f"实为 {field.max_length + 1} 个。")
    assert expected not in messages(fits)
    assert expected in messages(too_long)


@pytest.mark.parametrize("data,expected", [
    ({"household_no": "H1", "category": "rich"}, ("category", "户类型「rich」不是可选值。")),
    ({"household_no": "H1", "housing_grade": "E"},
     ("housing_grade", "住房安全等级「E」不是可选值。")),
    ({"household_no": "H1", "category": ""}, ("category", "户类型不能为空。")),
])
def test_household_choice_is_a_field_error_when_the_value_is_unknown(data, expected):
    assert check_household_fields(data) == [expected]


def test_household_fields_left_none_are_not_given_when_an_import_cell_is_blank():
    assert check_household_fields({"household_no": "H1", "category": None, "relocated": None,
                                   "housing_grade": None, "group_name": ""}) == []


def test_null_is_a_field_error_only_when_the_column_may_not_be_null():
    assert check_not_null(Household, {"relocated": None, "water_quality_ok": None,
                                      "address": "x"}) == [
        ("relocated", "易地扶贫搬迁户不能为空值（null）。")]
    assert check_not_null(Member, {"disability_grade": None, "work_months": None}) == [
        ("work_months", "务工时间（月）不能为空值（null）。")]


@pytest.mark.parametrize("year,amounts,expected", [
    (2024, {"wage_income": "-1"}, [("wage_income", "工资性收入不能为负数。")]),
    (2024, {"wage_income": Decimal("1.005")},
     [("wage_income", "工资性收入最多两位小数，实为「1.005」。")]),
    (2024, {"education_expense": Decimal("10000000000")},
     [("education_expense", "教育支出「10000000000」超出范围，应小于 100 亿元。")]),
    (2024, {"transfer_other": "x"}, [("transfer_other", "转移性收入：其他「x」不是有效的金额。")]),
    (1999, {}, [("year", "年度「1999」不在 2000～2100 之间。")]),
    (2024, {"wage_income": Decimal("9999999999.99"), "transfer_pension": 1200.25}, []),
])
def test_ledger_rule(year, amounts, expected):
    assert check_ledger_fields(year, amounts) == expected
