"""居民身份证号码 (18-digit resident ID number) checks.

Hard errors: length, format, checksum, a real birth date between 1900-01-01 and the check date.
The birthplace-code era check of ``stdnum.cn.ric`` is only a warning: it rejects genuine numbers
whose county code was created after the birth year. A number that Excel stored as a number
(scientific notation, or 15 significant digits followed by zeros) is detected and refused with a
message that says so; it is never "repaired", because the lost digits cannot be known.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


class Gender:
    MALE = "male"
    FEMALE = "female"


@dataclass(slots=True)
class IdCheck:
    """The outcome of checking one ID number: ``errors`` empty means valid."""

    number: str
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    birth_date: dt.date | None = None
    gender: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


_SPACES = re.compile(r"[\s\u3000]+")


def normalize(value: object) -> str:
    """Strip spaces (also full-width ones), map full-width digits and x to ASCII, upper-case X."""
    if value is None:
        return ""
    text = str(value)
    if len(text) == 18 and text.isascii() and text[:17].isdigit():
        return text if text[17] != "x" else text[:17] + "X"  # the common case, fast
    text = text.translate(_FULL_WIDTH)
    return _SPACES.sub("", text).upper().replace("x", "X")


def excel_number_message(value: object) -> str | None:
    """The refusal for an ID that Excel turned into a number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "身份证号被 Excel 存成了数字，后几位已丢失，无法还原；请把该列设为“文本”格式后重新录入。"
    text = normalize(value)
    if _SCIENTIFIC.match(text):
        return (f"身份证号「{text}」是科学计数法，说明 Excel 把它存成了数字，后几位已丢失，"
                "无法还原；请把该列设为“文本”格式后重新录入。")
    return None


@lru_cache(maxsize=65536)
def _birthplace_known(prefix: str, year: int) -> bool:
    """stdnum's birthplace-era check for a (county code, birth year) pair, cached: a county's
    people share both, and the lookup is the slow part of checking an ID."""
    body = f"{prefix}{year:04d}0101001"
    try:
        ric.get_birth_place(body + ric.calc_check_digit(body + "0"))
    except stdnum_errors.ValidationError:
        return False
    return True


@lru_cache(maxsize=65536)
def _birth_date(digits: str) -> dt.date:
    """YYYYMMDD → date (the same reading as ``stdnum.cn.ric.get_birth_date``), cached: many
    people share a birthday."""
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def check_id_number(value: object, *, today: dt.date) -> IdCheck:
    """Check an ID number as of ``today`` (passed in, so checks are reproducible)."""
    excel = excel_number_message(value)
    if excel:
        return IdCheck(number=normalize(value), errors=(excel,))
    number = normalize(value)
    if not number:
        return IdCheck(number=number, errors=("身份证号不能为空。",))
    if len(number) != 18:
        return IdCheck(number=number, errors=(f"身份证号应为 18 位，实为 {len(number)} 位。",))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdCheck(number=number,
                       errors=("身份证号格式不正确：前 17 位应为数字，最后一位为数字或 X。",))
    if number[17] != ric.calc_check_digit(number):
        if number.endswith("000"):
            return IdCheck(number=number, errors=(
                f"身份证号「{number}」末尾为 000 且校验位不符，很可能被 Excel 存成数字后丢失了"
                "末几位，无法还原；请把该列设为“文本”格式后重新录入。",))
        return IdCheck(number=number, errors=("身份证号校验位不正确，请核对后重新录入。",))
    try:
        birth = _birth_date(number[6:14])
    except ValueError:
        return IdCheck(number=number,
                       errors=(f"身份证号中的出生日期 {number[6:14]} 不是有效日期。",))
    if birth < _EARLIEST_BIRTH or birth > today:
        return IdCheck(number=number, errors=(
            f"身份证号中的出生日期 {birth:%Y-%m-%d} 不在 1900-01-01 至今天之间。",))
    warnings: tuple[str, ...] = ()
    if not _birthplace_known(number[:6], birth.year):
        warnings = (f"身份证号前 6 位 {number[:6]} 在出生年份 {birth.year} 不是已知的县级区划代码，"
                    "请核对（外省或新设县的号码可能属实）。",)
    gender = Gender.MALE if int(number[16]) % 2 == 1 else Gender.FEMALE
    return IdCheck(number=number, warnings=warnings, birth_date=birth, gender=gender)
