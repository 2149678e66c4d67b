"""Field rules of the registry shared by the web forms, the API, the import and the services.

Each check returns ``(field, Chinese message)`` pairs instead of raising, so an import can
report every problem of a row at once; services raise :class:`RegistryInvalid` with the list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from minsheng.core.errors import InvalidInput
from minsheng.registry.choices import Gender, Health, Relation, WorkArea
from minsheng.registry.identity import check_id_number

FieldError = tuple[str, str]
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
_HOUSEHOLD_NO = re.compile(r"^[0-9A-Za-z\-]{1,32}$")
_BANK_ACCOUNT = re.compile(r"^\d{8,30}$")


class RegistryInvalid(InvalidInput):
    """One or more field errors; ``errors`` keeps them for forms, the API and imports."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("；".join(message for _field, message in errors))


def check_household_fields(data: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    number = str(data.get("household_no") or "")
    if not number:
        errors.append(("household_no", "户编号不能为空。"))
    elif not _HOUSEHOLD_NO.match(number):
        errors.append(("household_no", f"户编号「{number}」只能包含字母、数字和“-”，最长 32 位。"))
    phone = str(data.get("phone") or "")
    if phone and not _PHONE.match(phone):
        errors.append(("phone", f"联系电话「{phone}」应为 11 位手机号或带区号的固定电话。"))
    account = str(data.get("bank_account") or "")
    if account and not _BANK_ACCOUNT.match(account):
        errors.append(("bank_account", f"银行账号「{account}」应为 8 至 30 位数字。"))
    return errors


def check_member_fields(data: Mapping[str, Any], *, today: dt.date) -> tuple[
        list[FieldError], list[str], dict[str, Any]]:
    """Errors, warnings and the values derived from the ID number (birth date, gender)."""
    errors: list[FieldError] = []
    warnings: list[str] = []
    derived: dict[str, Any] = {}
    if not str(data.get("name") or "").strip():
        errors.append(("name", "姓名不能为空。"))
    raw_id = data.get("id_number_raw", data.get("id_number"))
    result = check_id_number(raw_id, today=today)
    if result.errors:
        errors.extend(("id_number", e) for e in result.errors)
    else:
        warnings.extend(result.warnings)
        derived["id_number"] = result.number
        derived["birth_date"] = result.birth_date
        derived["gender"] = result.gender
        given_birth = data.get("birth_date")
        if given_birth and given_birth != result.birth_date:
            errors.append(("birth_date", f"出生日期 {given_birth:%Y-%m-%d} 与身份证号中的 "
                           f"{result.birth_date:%Y-%m-%d} 不一致。"))
        given_gender = data.get("gender")
        if given_gender and given_gender != result.gender:
            errors.append(("gender", f"性别「{Gender(given_gender).label}」与身份证号"
                           f"（{Gender(result.gender).label}）不一致。"))
    if not data.get("relation"):
        errors.append(("relation", "与户主关系不能为空。"))
    elif data["relation"] not in Relation.values:
        errors.append(("relation", f"与户主关系「{data['relation']}」不是可选值。"))
    grade = data.get("disability_grade")
    if data.get("health") == Health.DISABLED and not grade:
        errors.append(("disability_grade", "健康状况为残疾时须填写残疾等级（1～4 级）。"))
    if grade and data.get("health") != Health.DISABLED:
        errors.append(("disability_grade", "只有健康状况为残疾时才填写残疾等级。"))
    if grade and not 1 <= int(grade) <= 4:
        errors.append(("disability_grade", f"残疾等级应为 1～4 级，实为「{grade}」。"))
    months = data.get("work_months") or 0
    if not 0 <= int(months) <= 12:
        errors.append(("work_months", f"务工时间应为 0～12 个月，实为「{months}」。"))
    area = data.get("work_area") or ""
    if months and not area:
        errors.append(("work_area", "填写了务工时间时须填写务工区域。"))
    if area and area not in WorkArea.values:
        errors.append(("work_area", f"务工区域「{area}」不是可选值。"))
    phone = str(data.get("phone") or "")
    if phone and not _PHONE.match(phone):
        errors.append(("phone", f"联系电话「{phone}」应为 11 位手机号或带区号的固定电话。"))
    return errors, warnings, derived
