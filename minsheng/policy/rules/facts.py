"""The facts the rules read about one household (农户事实), as plain frozen data.

``HouseholdFacts`` holds what the registry knows: the household's village, category, housing
grade and 饮水 checks, its **active** members (在户成员) and its yearly income ledgers
(收支台账) by year. Rules never query the database; ``household_facts`` (the one reader) builds
these objects from the registry, ``HouseholdFacts.from_mapping`` builds them from a stored
snapshot or a YAML test case, and ``snapshot()`` turns them back into JSON for a stored
determination, so an evaluation can be replayed later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from minsheng.core.errors import InvalidInput

# The 收支台账 amount columns (registry.IncomeLedger.AMOUNT_FIELDS), repeated here so this module
# stays importable without the ORM; a test checks both lists are the same.
LEDGER_FIELDS = (
    "wage_income", "business_income", "business_expense", "property_income",
    "transfer_family_planning", "transfer_dibao", "transfer_tekun", "transfer_pension",
    "transfer_eco_compensation", "transfer_other", "medical_out_of_pocket",
    "education_expense",
)
WATER_FIELDS = ("water_quantity_ok", "water_quality_ok", "water_convenience_ok",
                "water_assurance_ok")
WATER_LABELS = {"water_quantity_ok": "水量", "water_quality_ok": "水质",
                "water_convenience_ok": "用水方便程度", "water_assurance_ok": "供水保障率"}
CATEGORIES = ("ordinary", "lifted")
HOUSING_GRADES = ("", "A", "B", "C", "D")
SCHOOL_STAGES = ("not_in_school", "preschool", "primary", "junior", "senior", "vocational",
                 "higher", "special", "exempt")

HOUSEHOLD_KEYS = ("household_id", "region_code", "category", "housing_grade", *WATER_FIELDS,
                  "members", "other_members", "ledgers")
MEMBER_KEYS = ("id", "name", "birth_date", "school_stage", "medical_insurance", "relation",
               "active")


def to_cents(amount: Decimal | int | str) -> int:
    """A yuan amount with at most two decimals as whole 分 (exact; refuses fractions of 分)."""
    value = Decimal(str(amount)) * 100
    if value != value.to_integral_value():
        raise InvalidInput(f"金额「{amount}」的小数超过两位。")
    return int(value)


@dataclass(frozen=True)
class MemberFacts:
    """One active member (在户成员)."""

    id: int
    name: str
    birth_date: dt.date
    school_stage: str = "not_in_school"
    medical_insurance: bool = True

    def age_on(self, on: dt.date) -> int:
        """Age in full years (周岁) on ``on``: a birthday counts from its day (29 Feb: 1 March
        in other years)."""
        before_birthday = (on.month, on.day) < (self.birth_date.month, self.birth_date.day)
        return on.year - self.birth_date.year - (1 if before_birthday else 0)


@dataclass(frozen=True)
class LedgerFacts:
    """One year's 收支台账: every amount column in 分 (integers, exact)."""

    year: int
    cents: Mapping[str, int]

    def amount(self, name: str) -> int:
        return self.cents[name]


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: int | None
    region_code: str  # the village, 12 digits
    category: str = "ordinary"
    housing_grade: str = ""
    water_quantity_ok: bool | None = None
    water_quality_ok: bool | None = None
    water_convenience_ok: bool | None = None
    water_assurance_ok: bool | None = None
    members: tuple[MemberFacts, ...] = ()
    ledgers: Mapping[int, LedgerFacts] = field(default_factory=dict)
    # Active members counted but not listed: a screening's facts snapshot lists only the members
    # a member rule could flag (uninsured, or not in school in the compulsory-age window) and
    # counts the others, who by construction are insured and in school or outside the window.
    other_members: int = 0

    @property
    def people(self) -> int:
        return len(self.members) + self.other_members

    def water(self) -> dict[str, bool | None]:
        return {name: getattr(self, name) for name in WATER_FIELDS}

    # -- JSON round trip (stored determinations, YAML cases) --

    def snapshot(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id, "region_code": self.region_code,
            "category": self.category, "housing_grade": self.housing_grade,
            **self.water(),
            "members": [{"id": m.id, "name": m.name, "birth_date": m.birth_date.isoformat(),
                         "school_stage": m.school_stage,
                         "medical_insurance": m.medical_insurance} for m in self.members],
            "ledgers": {str(year): {name: cents_text(ledger.cents[name])
                                    for name in LEDGER_FIELDS}
                        for year, ledger in sorted(self.ledgers.items())},
            **({"other_members": self.other_members} if self.other_members else {}),
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *,
                     region_code: str | None = None) -> HouseholdFacts:
        """Facts from a snapshot or a test case. Unknown keys, wrong types and missing required
        values raise ``InvalidInput`` (a malformed case must fail loudly). Members marked
        ``active: false`` are left out, as the registry reader leaves out 减员 members."""
        if not isinstance(data, Mapping):
            raise InvalidInput("农户事实应为键值对。")
        _no_unknown(data, HOUSEHOLD_KEYS, "农户事实")
        region = data.get("region_code", region_code)
        if not (isinstance(region, str) and len(region) == 12 and region.isascii()
                and region.isdigit()):
            raise InvalidInput(f"农户事实的区划代码「{region}」应为 12 位村级代码。")
        category = data.get("category", "ordinary")
        _one_of(category, CATEGORIES, "户类型（category）")
        grade = data.get("housing_grade", "")
        _one_of(grade, HOUSING_GRADES, "住房安全等级（housing_grade）")
        water = {name: _optional_bool(data.get(name), name) for name in WATER_FIELDS}
        raw_members = data.get("members", [])
        if not isinstance(raw_members, list):
            raise InvalidInput("成员（members）应为列表。")
        members = []
        for number, raw in enumerate(raw_members, start=1):
            member = _member(raw, number)
            if member is not None:
                members.append(member)
        raw_ledgers = data.get("ledgers", {})
        if not isinstance(raw_ledgers, Mapping):
            raise InvalidInput("收支台账（ledgers）应为「年度: 各项金额」的键值对。")
        ledgers = {}
        for year_key, amounts in raw_ledgers.items():
            year = _int(year_key, "台账年度")
            ledgers[year] = _ledger(year, amounts)
        other_members = _int(data.get("other_members", 0), "未列出的在户成员数（other_members）")
        if other_members < 0:
            raise InvalidInput("未列出的在户成员数（other_members）不能为负数。")
        household_id = data.get("household_id")
        if household_id is not None and (isinstance(household_id, bool)
                                         or not isinstance(household_id, int)):
            raise InvalidInput("household_id 应为整数。")
        return cls(household_id=household_id, region_code=region, category=category,
                   housing_grade=grade, members=tuple(members), ledgers=ledgers,
                   other_members=other_members, **water)


def cents_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _no_unknown(data: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise InvalidInput(f"{what}中有未知的键：{'、'.join(unknown)}"
                           f"（可用：{'、'.join(allowed)}）")


def _one_of(value: Any, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise InvalidInput(f"{what}「{value}」不是可选值之一（{'、'.join(a or '空' for a in allowed)}）。")


def _optional_bool(value: Any, what: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InvalidInput(f"{what} 应为 true、false 或不填，实为「{value}」。")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{what}「{value}」应为整数。")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise InvalidInput(f"{what}「{value}」应为整数。")


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{what}「{value}」应为 YYYY-MM-DD 格式的日期。")


def _member(raw: Any, number: int) -> MemberFacts | None:
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"第 {number} 名成员应为键值对。")
    _no_unknown(raw, MEMBER_KEYS, f"第 {number} 名成员")
    active = raw.get("active", True)
    if not isinstance(active, bool):
        raise InvalidInput(f"第 {number} 名成员的 active 应为 true 或 false。")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"第 {number} 名成员缺少姓名（name）。")
    if "birth_date" not in raw:
        raise InvalidInput(f"第 {number} 名成员缺少出生日期（birth_date）。")
    birth = _date(raw["birth_date"], f"第 {number} 名成员的出生日期")
    stage = raw.get("school_stage", "not_in_school")
    _one_of(stage, SCHOOL_STAGES, f"第 {number} 名成员的在校生状况（school_stage）")
    insured = raw.get("medical_insurance", True)
    if not isinstance(insured, bool):
        raise InvalidInput(f"第 {number} 名成员的 medical_insurance 应为 true 或 false。")
    relation = raw.get("relation", "head" if number == 1 else "other")
    if not isinstance(relation, str):
        raise InvalidInput(f"第 {number} 名成员的与户主关系（relation）应为文字。")
    if not active:
        return None
    member_id = _int(raw.get("id", number), f"第 {number} 名成员的 id")
    return MemberFacts(id=member_id, name=name.strip(), birth_date=birth, school_stage=stage,
                       medical_insurance=insured)


def _ledger(year: int, amounts: Any) -> LedgerFacts:
    if amounts is None:
        amounts = {}
    if not isinstance(amounts, Mapping):
        raise InvalidInput(f"{year} 年度收支台账应为「项目: 金额」的键值对。")
    _no_unknown(amounts, LEDGER_FIELDS, f"{year} 年度收支台账")
    cents = {}
    for name in LEDGER_FIELDS:
        value = amounts.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
            raise InvalidInput(f"{year} 年度收支台账的 {name}「{value}」不是金额。")
        try:
            cents[name] = to_cents(value)
        except InvalidOperation:
            raise InvalidInput(f"{year} 年度收支台账的 {name}「{value}」不是金额。") from None
        if cents[name] < 0:
            raise InvalidInput(f"{year} 年度收支台账的 {name} 不能为负数。")
    return LedgerFacts(year=year, cents=cents)


def household_facts(household_ids: Iterable[int]) -> dict[int, HouseholdFacts]:
    """Facts of the given households read from the registry: active members only, every
    ledger by year. Households that do not exist are absent from the result."""
    from minsheng.registry.models import Household, IncomeLedger, Member

    ids = list(household_ids)
    members: dict[int, list[MemberFacts]] = {}
    for row in (Member.objects.filter(household_id__in=ids, active=True).order_by("id")
                .values("id", "household_id", "name", "birth_date", "school_stage",
                        "medical_insurance")):
        members.setdefault(row["household_id"], []).append(MemberFacts(
            id=row["id"], name=row["name"], birth_date=row["birth_date"],
            school_stage=row["school_stage"], medical_insurance=row["medical_insurance"]))
    ledgers: dict[int, dict[int, LedgerFacts]] = {}
    for row in IncomeLedger.objects.filter(household_id__in=ids).values(
            "household_id", "year", *LEDGER_FIELDS):
        ledgers.setdefault(row["household_id"], {})[row["year"]] = LedgerFacts(
            year=row["year"], cents={name: to_cents(row[name]) for name in LEDGER_FIELDS})
    result = {}
    for row in Household.objects.filter(pk__in=ids).values(
            "id", "region_id", "category", "housing_grade", *WATER_FIELDS):
        result[row["id"]] = HouseholdFacts(
            household_id=row["id"], region_code=row["region_id"], category=row["category"],
            housing_grade=row["housing_grade"],
            **{name: row[name] for name in WATER_FIELDS},
            members=tuple(members.get(row["id"], ())), ledgers=ledgers.get(row["id"], {}))
    return result
