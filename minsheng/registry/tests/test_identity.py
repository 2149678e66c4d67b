import datetime as dt

import pytest
from stdnum.cn import ric

from minsheng.registry.identity import Gender, check_id_number, normalize

TODAY = dt.date(2026, 11, 23)


def make_id(prefix: str = "430523", birth: str = "19800101", seq: str = "123") -> str:
    body = f"{prefix}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")


class IdNumberTests:
    def test_accepts_and_derives_birth_and_gender_when_number_is_valid(self):
        number = make_id(seq="123")  # 17th digit 3: odd → male
        result = check_id_number(number, today=TODAY)
        assert result.ok
        assert result.birth_date == dt.date(1980, 1, 1)
        assert result.gender == Gender.MALE
        assert check_id_number(make_id(seq="124"), today=TODAY).gender == Gender.FEMALE

    def test_rejects_wrong_length(self):
        assert check_id_number("43052319800101123", today=TODAY).errors == (
            "身份证号应为 18 位，实为 17 位。",)

    def test_rejects_letters_in_the_body(self):
        assert check_id_number("43052A198001011234", today=TODAY).errors == (
            "身份证号格式不正确：前 17 位应为数字，最后一位为数字或 X。",)

    def test_rejects_wrong_check_digit(self):
        good = make_id()
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        assert check_id_number(bad, today=TODAY).errors == ("身份证号校验位不正确，请核对后重新录入。",)

    def test_rejects_impossible_date(self):
        number = make_id(birth="19800230")
        assert check_id_number(number, today=TODAY).errors == (
            "身份证号中的出生日期 19800230 不是有效日期。",)

    @pytest.mark.parametrize("birth", ["18991231", "20261124"])
    def test_rejects_birth_outside_1900_to_today(self, birth):
        result = check_id_number(make_id(birth=birth), today=TODAY)
        assert not result.ok
        assert "不在 1900-01-01 至今天之间" in result.errors[0]

    def test_accepts_birth_on_the_check_date(self):
        assert check_id_number(make_id(birth="20261123"), today=TODAY).ok

    def test_warns_but_accepts_when_county_code_postdates_birth(self):
        # 430582 (邵东市) was created in 2019: stdnum's era check refuses a 1980 birth there.
        number = make_id(prefix="430582")
        result = check_id_number(number, today=TODAY)
        assert result.ok
        assert result.warnings and "430582" in result.warnings[0]

    def test_refuses_numbers_excel_stored_as_floats(self):
        result = check_id_number(4.30523198001011e17, today=TODAY)
        assert result.errors[0].startswith("身份证号被 Excel 存成了数字")

    def test_refuses_scientific_notation_text(self):
        result = check_id_number("4.30523E+17", today=TODAY)
        assert "科学计数法" in result.errors[0]

    def test_refuses_trailing_zeros_with_bad_checksum_as_excel_damage(self):
        number = "430523198001011000"  # its check digit would be X: Excel zeroed the tail
        result = check_id_number(number, today=TODAY)
        assert "很可能被 Excel 存成数字" in result.errors[0]

    def test_normalizes_full_width_digits_spaces_and_lower_x(self):
        assert normalize(" ４３０５２３ 1980 0101 12３x ") == "43052319800101123X"
