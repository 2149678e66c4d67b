"""One test per registry field rule, with the exact Chinese message."""

import datetime as dt

import pytest

from minsheng.registry.testing import make_id
from minsheng.registry.validation import check_household_fields, check_member_fields

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
