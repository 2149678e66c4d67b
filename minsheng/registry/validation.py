"""Field rules of the registry shared by the web forms, the API, the import and the services.

Each check returns ``(field, Chinese message)`` pairs instead of raising, so an import can
report every problem of a row at once; services raise :class:`RegistryInvalid` with the list.

Text lengths and choice values come from the model fields (``max_length``, ``choices``,
``verbose_name``), so a rule never drifts from the column it protects: a value the database
would refuse (PostgreSQL's "value too long") is a field error here, on every path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.db import models

from minsheng.core.errors import InvalidInput
from minsheng.registry.choices import Gender, Health
from minsheng.registry.identity import check_id_number
from minsheng.registry.models import Household, IncomeLedger, Member

FieldError = tuple[str, str]
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
_HOUSEHOLD_NO = re.compile(r"^[0-9A-Za-z\-]+$")
_BANK_ACCOUNT = re.compile(r"^\d{8,30}$")
# Checked by registry.identity from the raw value (spaces, Excel numbers): no length rule here.
_OWN_RULES = frozenset({"id_number"})
# Taken from the ID number; a value is only compared with it, so blank means "not given".
_DERIVED = frozenset({"gender"})
_CHINESE_DIGITS = "零一两三四五六七八九"
_DISABILITY_GRADES = range(1, 5)
_WORK_MONTHS = range(0, 13)
_LEDGER_YEARS = range(2000, 2101)


class RegistryInvalid(InvalidInput):
    """One or more field errors; ``errors`` keeps them for forms, the API and imports."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("；".join(message for _field, message in errors))


# --- Rules derived from the model fields ----------------------------------------------------

@cache
def _text_fields(model: type[models.Model]) -> dict[str, models.CharField[Any, Any]]:
    """The model's CharFields by name, in declaration order."""
    return {f.name: f for f in model._meta.concrete_fields if isinstance(f, models.CharField)}


def _label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


@cache
def _text_rules(model: type[models.Model]) -> dict[str, tuple[str, frozenset[str] | None, int, bool]]:
    """Per CharField: label, allowed choice values (None: free text), max_length, blank.
    Worked out once: an import checks every member of a province with these."""
    return {name: (str(field.verbose_name),
                   frozenset(str(key) for key, _text in field.flatchoices) if field.choices
                   else None, field.max_length or 0, field.blank)
            for name, field in _text_fields(model).items()}


def _text_errors(model: type[models.Model], data: Mapping[str, Any]) -> list[FieldError]:
    """Unknown choice values and over-long text of the model's CharFields in ``data``.

    ``None`` (not given) is left to :func:`check_not_null`; ``""`` is refused only for a
    choice field that may not be blank.
    """
    errors: list[FieldError] = []
    rules = _text_rules(model)
    for name, value in data.items():
        rule = rules.get(name)
        if rule is None or value is None or name in _OWN_RULES:
            continue
        label, allowed, max_length, blank = rule
        if allowed is not None:
            if value == "":
                if not blank and name not in _DERIVED:
                    errors.append((name, f"{label}不能为空。"))
            elif (value if isinstance(value, str) else str(value)) not in allowed:
                errors.append((name, f"{label}「{value}」不是可选值。"))
        elif isinstance(value, str) and max_length and len(value) > max_length:
            errors.append((name, f"「{label}」最长 {max_length} 个字，实为 {len(value)} 个。"))
    return errors


def check_lengths(model: type[models.Model], data: Mapping[str, Any]) -> list[FieldError]:
    """Choice values and text lengths alone, for writes outside the household and member
    rules (an archive note, say)."""
    return _text_errors(model, data)


def check_not_null(model: type[models.Model], data: Mapping[str, Any]) -> list[FieldError]:
    """Fields set to ``None`` whose column may not be null (an API client sending null).

    Kept apart from the field checks: there ``None`` means "not given" (a blank import cell).
    """
    return [(name, f"{_label(model, name)}不能为空值（null）。")
            for name, value in data.items()
            if value is None and not model._meta.get_field(name).null]


def merge_errors(first: list[FieldError], then: Iterable[FieldError]) -> list[FieldError]:
    """``first``, then the errors of ``then`` on fields ``first`` does not mention."""
    named = {field for field, _message in first}
    return [*first, *(e for e in then if e[0] not in named)]


@cache
def _field_order(model: type[models.Model]) -> dict[str, int]:
    return {f.name: i for i, f in enumerate(model._meta.get_fields())}


def _in_model_order(model: type[models.Model], errors: list[FieldError]) -> list[FieldError]:
    if len(errors) < 2:
        return errors
    order = _field_order(model)
    return sorted(errors, key=lambda e: order.get(e[0], len(order)))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Households and members -----------------------------------------------------------------

def check_household_fields(data: Mapping[str, Any]) -> list[FieldError]:
    errors = _text_errors(Household, data)
    flagged = {field for field, _message in errors}
    number = str(data.get("household_no") or "")
    if not number:
        errors.append(("household_no", "户编号不能为空。"))
    elif "household_no" not in flagged and not _HOUSEHOLD_NO.match(number):
        longest = Household._meta.get_field("household_no").max_length
        errors.append(("household_no",
                       f"户编号「{number}」只能包含字母、数字和“-”，最长 {longest} 位。"))
    phone = str(data.get("phone") or "")
    if phone and "phone" not in flagged and not _PHONE.match(phone):
        errors.append(("phone", f"联系电话「{phone}」应为 11 位手机号或带区号的固定电话。"))
    account = str(data.get("bank_account") or "")
    if account and "bank_account" not in flagged and not _BANK_ACCOUNT.match(account):
        errors.append(("bank_account", f"银行账号「{account}」应为 8 至 30 位数字。"))
    return _in_model_order(Household, errors)


def check_member_fields(data: Mapping[str, Any], *, today: dt.date) -> tuple[
        list[FieldError], list[str], dict[str, Any]]:
    """Errors, warnings and the values derived from the ID number (birth date, gender)."""
    errors = _text_errors(Member, data)
    flagged = {field for field, _message in errors}
    warnings: list[str] = []
    derived: dict[str, Any] = {}
    if "name" not in flagged and not str(data.get("name") or "").strip():
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
        if given_gender and "gender" not in flagged and given_gender != result.gender:
            errors.append(("gender", f"性别「{Gender(given_gender).label}」与身份证号"
                           f"（{Gender(result.gender).label}）不一致。"))
    if not data.get("relation") and "relation" not in flagged:
        errors.append(("relation", "与户主关系不能为空。"))
    errors.extend(_disability_errors(data, health_known="health" not in flagged))
    months = data.get("work_months") or 0
    if message := work_months_error(months):
        errors.append(("work_months", message))
    if months and not data.get("work_area") and "work_area" not in flagged:
        errors.append(("work_area", "填写了务工时间时须填写务工区域。"))
    phone = str(data.get("phone") or "")
    if phone and "phone" not in flagged and not _PHONE.match(phone):
        errors.append(("phone", f"联系电话「{phone}」应为 11 位手机号或带区号的固定电话。"))
    return _in_model_order(Member, errors), warnings, derived


# The rules the database also holds as check constraints. Used as well by the web forms, whose
# model validation would otherwise report the constraint by its name.

def work_months_error(months: Any) -> str | None:
    if _as_int(months or 0) in _WORK_MONTHS:
        return None
    return f"务工时间应为 0～12 个月，实为「{months}」。"


def ledger_year_error(year: Any) -> str | None:
    if _as_int(year) in _LEDGER_YEARS:
        return None
    return f"年度「{year}」不在 2000～2100 之间。"


def disability_grade_error(grade: Any) -> str | None:
    """The message when a given grade is not 1～4 (0 included: it is no grade); None when it
    is one or when no grade is given."""
    if grade is None or grade == "" or _as_int(grade) in _DISABILITY_GRADES:
        return None
    return f"残疾等级应为 1～4 级，实为「{grade}」。"


def _disability_errors(data: Mapping[str, Any], *, health_known: bool) -> list[FieldError]:
    grade = data.get("disability_grade")
    disabled = data.get("health") == Health.DISABLED
    if grade is None or grade == "":
        if disabled:
            return [("disability_grade", "健康状况为残疾时须填写残疾等级（1～4 级）。")]
        return []
    message = disability_grade_error(grade)
    if message:
        return [("disability_grade", message)]
    if not disabled and health_known:
        return [("disability_grade", "只有健康状况为残疾时才填写残疾等级。")]
    return []


# --- Income ledger --------------------------------------------------------------------------

@cache
def _amount_rules() -> dict[str, tuple[str, Decimal, str, int, Decimal]]:
    """Per ledger amount: label, the first amount the column cannot hold and how to say it
    (元 or 亿元), decimal places and their quantum. Worked out once."""
    rules = {}
    for name in IncomeLedger.AMOUNT_FIELDS:
        field = IncomeLedger._meta.get_field(name)
        limit = Decimal(10) ** (field.max_digits - field.decimal_places)  # type: ignore[union-attr]
        text = f"{limit / 10**8:f} 亿元" if limit >= 10**8 else f"{limit:f} 元"
        places = field.decimal_places  # type: ignore[union-attr]
        rules[name] = (str(field.verbose_name), limit, text, places, Decimal(1).scaleb(-places))
    return rules


def check_ledger_fields(year: Any, amounts: Mapping[str, Any]) -> list[FieldError]:
    """The year and the amounts of one 收支台账 row: numbers, not negative, within the column
    (``max_digits``) and with at most its ``decimal_places``."""
    errors: list[FieldError] = []
    if message := ledger_year_error(year):
        errors.append(("year", message))
    rules = _amount_rules()
    for name, value in amounts.items():
        if value is None:
            continue
        label, limit, limit_text, places, quantum = rules[name]
        if isinstance(value, Decimal):
            amount = value
        else:
            try:
                amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
            except (InvalidOperation, TypeError, ValueError):
                amount = Decimal("NaN")
        if not amount.is_finite():
            errors.append((name, f"{label}「{value}」不是有效的金额。"))
            continue
        if amount < 0:
            errors.append((name, f"{label}不能为负数。"))
        elif amount >= limit:
            errors.append((name, f"{label}「{value}」超出范围，应小于 {limit_text}。"))
        elif amount.as_tuple().exponent < -places and amount != amount.quantize(quantum):
            digits = _CHINESE_DIGITS[places] if places < 10 else str(places)
            errors.append((name, f"{label}最多{digits}位小数，实为「{value}」。"))
    return errors
