"""Demo households (演示农户): realistic, deterministic, fast enough for 1,000,000.

``demo_households_generate`` adds households to the villages of one county:

* plausible families — 单人户 elderly, elderly couples, couples with children, three
  generations (headed by the grandparent or by the middle generation), single adults — with
  ages consistent with the relations (mothers at least 20 at a child's birth, fathers 22);
* ID numbers with correct check digits from the county's code and the member's birth date, the
  sequence code odd for men and even for women, never two people with the same number;
* health, disability, labour capacity, work, insurance, 低保/特困 drawn with rates typical of a
  rural county, housing grade and the four water indicators;
* an income ledger (收支台账) for ``year - 1`` and ``year``, as components;
* some households clearly at risk: very low income, high medical costs, a member without basic
  medical insurance, a child of 6–14 not in school, C/D housing, a failing water indicator.

Deterministic: the same seed gives the same households, names and ID numbers in an empty
registry. Idempotent: household numbers come from the county, the seed and the index, and
numbers that exist are skipped. Rows are written with batch INSERTs (one transaction per batch),
one history entry "演示数据生成" per household and one audit event per run — the per-household
services would take hours for a million. The tests check the generated members against
``registry.validation`` so the generator cannot write what the services would refuse.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from stdnum.cn import ric

from minsheng.core.audit import record_event
from minsheng.core.bulk import insert_rows
from minsheng.core.models import AuditEventType
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry import summary
from minsheng.registry.choices import (
    Education,
    Health,
    HouseholdCategory,
    LabourCapacity,
    Relation,
    SchoolStage,
    WorkArea,
)
from minsheng.registry.models import Household, HouseholdChange, IncomeLedger, Member, SearchKey
from minsheng.registry.search import name_keys

REFERENCE_YEAR = 2025
CHANGE_ACTION = "演示数据生成"

# Common surnames, the most frequent (and those frequent in 湖南) first and drawn more often;
# 曾 and 单 have two readings, so the initials search is exercised.
SURNAMES = ("王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐曾彭邓肖蒋"
            "许韩冯曹田董袁潘蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟"
            "熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施洪翟安颜倪严牛"
            "温季俞章鲁葛伍申尤毕聂柴焦向柳单")
_SURNAME_WEIGHTS = [4 if i < 30 else 1 for i in range(len(SURNAMES))]
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志文祥德贵福海春生荣"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲桂英秀兰梅琴云莲珍红萍凤花洁婷雪琳慧颖倩琼月春美玉香菊"
ETHNICITIES = (("汉族", 94), ("苗族", 3), ("瑶族", 2), ("回族", 1))
BANKS = ("湖南邵阳县农村商业银行", "湖南邵阳县农村商业银行", "中国邮政储蓄银行")

# (risk, weight per 100 households). "dropout" is drawn separately: families with a child of
# 6–14 have one out of school 10 % of the time.
RISKS = (("none", 74), ("low_income", 8), ("medical", 6), ("uninsured", 4), ("housing", 5),
         ("water", 3))
RISK_KINDS = ("low_income", "medical", "uninsured", "dropout", "housing", "water")

_MONTHLY_WAGE = {WorkArea.IN_COUNTY: (2400, 3400), WorkArea.IN_PROVINCE: (3000, 4500),
                 WorkArea.OUT_OF_PROVINCE: (3800, 6000)}
_SCHOOL_COST = {SchoolStage.PRESCHOOL: 1500, SchoolStage.PRIMARY: 400, SchoolStage.JUNIOR: 800,
                SchoolStage.SENIOR: 3000, SchoolStage.VOCATIONAL: 2000,
                SchoolStage.HIGHER: 9000}
_SCHOOL_EDUCATION = {SchoolStage.PRIMARY: Education.PRIMARY, SchoolStage.JUNIOR: Education.JUNIOR,
                     SchoolStage.SENIOR: Education.SENIOR,
                     SchoolStage.VOCATIONAL: Education.VOCATIONAL,
                     SchoolStage.HIGHER: Education.COLLEGE}

MEMBER_COLUMNS = (
    "name", "id_number", "gender", "birth_date", "ethnicity", "relation", "education",
    "school_stage", "health", "disability_grade", "labour_capacity", "work_area", "work_months",
    "medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "tekun",
    "phone",
)
HOUSEHOLD_COLUMNS = (
    "household_no", "region", "group_name", "address", "head_name", "phone", "bank_name",
    "bank_account", "category", "relocated", "housing_grade", "water_quantity_ok",
    "water_quality_ok", "water_convenience_ok", "water_assurance_ok",
)
LEDGER_COLUMNS = IncomeLedger.AMOUNT_FIELDS


@dataclass
class DemoReport:
    households: int = 0
    members: int = 0
    skipped: int = 0


class _IdNumbers:
    """ID numbers unique within the run: a counter per (birth date, gender) picks the 3-digit
    sequence code, starting at a place that depends on the seed. 500 numbers per date and
    gender; past that the birth date moves a day earlier."""

    def __init__(self, prefix: str, seed: int) -> None:
        self.prefix = prefix
        self.start = random.Random(f"id-sequence:{seed}").randrange(500)
        self.used: dict[tuple[dt.date, bool], int] = {}

    def take(self, birth: dt.date, male: bool) -> tuple[dt.date, str]:
        while True:
            n = self.used.get((birth, male), 0)
            if n < 500:
                self.used[(birth, male)] = n + 1
                # Each date starts elsewhere, so the sequence codes vary as real ones do.
                first = self.start + birth.toordinal() * 193
                order = ((first + n) % 500) * 2 + (1 if male else 0)
                body = f"{self.prefix}{birth:%Y%m%d}{order:03d}"
                return birth, body + ric.calc_check_digit(body + "0")
            birth -= dt.timedelta(days=1)


class _Maker:
    """Draws one household at a time from ``rng``; everything random goes through it."""

    def __init__(self, rng: random.Random, ids: _IdNumbers, year: int) -> None:
        self.rng = rng
        self.ids = ids
        self.year = year

    # --- people ---------------------------------------------------------------------------

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, _SURNAME_WEIGHTS)[0]

    def name(self, surname: str, male: bool) -> str:
        pool = GIVEN_MALE if male else GIVEN_FEMALE
        return surname + "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2))))

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def member(self, *, surname: str, male: bool, age: int, relation: str,
               ethnicity: str) -> dict[str, Any]:
        """A member ``age`` years old at the end of ``year``."""
        rng = self.rng
        birth = dt.date(self.year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
        birth, id_number = self.ids.take(birth, male)
        if age < 16:
            weights = (95, 2, 1, 2)
        elif age < 60:
            weights = (84, 10, 3, 3)
        else:
            weights = (58, 30, 6, 6)
        health = rng.choices((Health.HEALTHY, Health.CHRONIC, Health.SERIOUS, Health.DISABLED),
                             weights)[0]
        school = self._school(age)
        education = self._education(age, school)
        labour = self._labour(age, school, health)
        working = (labour in (LabourCapacity.ORDINARY, LabourCapacity.SKILLED) and age <= 62
                   and rng.random() < (0.9 if age <= 50 else 0.65))
        area = rng.choices((WorkArea.IN_COUNTY, WorkArea.IN_PROVINCE, WorkArea.OUT_OF_PROVINCE),
                           (35, 30, 35))[0] if working else WorkArea.NONE
        insured = rng.random() > 0.005
        return {
            "name": self.name(surname, male), "id_number": id_number,
            "gender": "male" if male else "female", "birth_date": birth,
            "ethnicity": ethnicity, "relation": relation, "education": education,
            "school_stage": school, "health": health,
            "disability_grade": rng.randint(1, 4) if health == Health.DISABLED else None,
            "labour_capacity": labour, "work_area": str(area),
            "work_months": rng.choice((6, 8, 9, 10, 10, 11, 12, 12, 12)) if working else 0,
            "medical_insurance": insured, "serious_illness_insurance": insured,
            "pension_insurance": age >= 16 and school == SchoolStage.NOT_IN_SCHOOL
            and rng.random() < 0.86,
            "dibao": False, "tekun": False, "phone": "",
        }

    def _school(self, age: int) -> str:
        rng = self.rng
        if 3 <= age <= 5:
            return SchoolStage.PRESCHOOL if rng.random() < 0.85 else SchoolStage.NOT_IN_SCHOOL
        if 6 <= age <= 11:
            return SchoolStage.PRIMARY
        if 12 <= age <= 15:
            return SchoolStage.JUNIOR if age <= 14 or rng.random() < 0.7 else SchoolStage.SENIOR
        if 16 <= age <= 18:
            return rng.choices((SchoolStage.SENIOR, SchoolStage.VOCATIONAL,
                                SchoolStage.NOT_IN_SCHOOL), (55, 30, 15))[0]
        if 19 <= age <= 22:
            return SchoolStage.HIGHER if rng.random() < 0.4 else SchoolStage.NOT_IN_SCHOOL
        return SchoolStage.NOT_IN_SCHOOL

    def _education(self, age: int, school: str) -> str:
        if age < 6:
            return Education.PRESCHOOL
        if school in _SCHOOL_EDUCATION:
            return _SCHOOL_EDUCATION[school]
        born = self.year - age
        if age < 23:
            options, weights = (Education.JUNIOR, Education.SENIOR), (70, 30)
        elif born < 1960:
            options, weights = (Education.NONE, Education.PRIMARY, Education.JUNIOR), (25, 50, 25)
        elif born < 1980:
            options, weights = ((Education.PRIMARY, Education.JUNIOR, Education.SENIOR,
                                 Education.VOCATIONAL), (25, 55, 15, 5))
        else:
            options, weights = ((Education.JUNIOR, Education.SENIOR, Education.VOCATIONAL,
                                 Education.COLLEGE), (45, 25, 15, 15))
        return self.rng.choices(options, weights)[0]

    def _labour(self, age: int, school: str, health: str) -> str:
        rng = self.rng
        if age < 16 or age > 75 or school != SchoolStage.NOT_IN_SCHOOL:
            return LabourCapacity.NONE
        if health in (Health.SERIOUS, Health.DISABLED):
            return rng.choice((LabourCapacity.WEAK, LabourCapacity.LOST))
        if age >= 60:
            return rng.choices((LabourCapacity.ORDINARY, LabourCapacity.WEAK,
                                LabourCapacity.NONE), (35, 50, 15))[0]
        return rng.choices((LabourCapacity.ORDINARY, LabourCapacity.SKILLED,
                            LabourCapacity.WEAK), (70, 22, 8))[0]

    # --- families -------------------------------------------------------------------------

    def family(self) -> list[dict[str, Any]]:
        rng = self.rng
        surname = self.surname()
        ethnicity = rng.choices([e for e, _w in ETHNICITIES], [w for _e, w in ETHNICITIES])[0]

        def person(sur: str, male: bool, age: int, relation: str) -> dict[str, Any]:
            return self.member(surname=sur, male=male, age=age, relation=relation,
                               ethnicity=ethnicity)

        def children(father: int, mother: int, relation_male: str, relation_female: str,
                     n: int, oldest: int = 20) -> list[dict[str, Any]]:
            top = min(oldest, father - 22, mother - 20)
            out = []
            for _ in range(n if top >= 0 else 0):
                male = rng.random() < 0.52
                out.append(person(surname, male, rng.randint(0, top),
                                  relation_male if male else relation_female))
            return out

        kind = rng.choices(("single", "old_couple", "nuclear", "three_up", "three_down", "adult"),
                           (12, 18, 40, 13, 12, 5))[0]
        if kind == "single":  # 单人户: mostly widows and widowers
            return [person(surname, rng.random() < 0.4, rng.randint(62, 90), Relation.HEAD)]
        if kind == "adult":  # a single adult, often an unmarried man
            return [person(surname, rng.random() < 0.8, rng.randint(30, 61), Relation.HEAD)]
        if kind == "three_down":  # the middle generation heads, a widowed parent lives with them
            head = rng.randint(28, 55)
            wife = max(20, head + rng.randint(-5, 1))
            members = [person(surname, True, head, Relation.HEAD),
                       person(self.surname(), False, wife, Relation.SPOUSE)]
            members += children(head, wife, Relation.SON, Relation.DAUGHTER, rng.choice((1, 2, 2)))
            parent_male = rng.random() < 0.35
            members.append(person(surname if parent_male else self.surname(), parent_male,
                                  min(95, head + rng.randint(22, 38)),
                                  Relation.FATHER if parent_male else Relation.MOTHER))
            return members
        head = {"old_couple": rng.randint(56, 84), "nuclear": rng.randint(26, 52),
                "three_up": rng.randint(55, 82)}[kind]
        wife = max(20, head + rng.randint(-5, 1))
        members = [person(surname, True, head, Relation.HEAD)]
        if kind != "three_up" or rng.random() < 0.8:  # some grandfathers are widowers
            members.append(person(self.surname(), False, wife, Relation.SPOUSE))
        if kind == "nuclear":
            members += children(head, wife, Relation.SON, Relation.DAUGHTER,
                                rng.choice((1, 1, 2, 2, 2, 3)))
        elif kind == "three_up":  # the grandparents head; son, daughter-in-law, grandchildren
            son = rng.randint(24, max(24, min(head - 22, wife - 20, 50)))
            dil = max(20, son + rng.randint(-4, 1))
            members.append(person(surname, True, son, Relation.SON))
            members.append(person(self.surname(), False, dil, Relation.DAUGHTER_IN_LAW))
            members += children(son, dil, Relation.GRANDSON, Relation.GRANDDAUGHTER,
                                rng.choice((1, 1, 2, 2, 3)))
        return members

    def household(self, number: str, village: tuple[str, str]) -> dict[str, Any]:
        rng = self.rng
        members = self.family()
        group = rng.randint(1, 12)
        phone = self.phone()
        members[0]["phone"] = phone
        lifted = rng.random() < 0.3
        return {
            "household_no": number, "region": village[0], "group_name": f"{group}组",
            "address": f"{village[1]}{group}组{rng.randint(1, 120)}号",
            "head_name": members[0]["name"], "phone": phone,
            "bank_name": rng.choice(BANKS),
            "bank_account": f"6{rng.randrange(10**18):018d}",
            "category": HouseholdCategory.LIFTED if lifted else HouseholdCategory.ORDINARY,
            "relocated": lifted and rng.random() < 0.08,
            "housing_grade": rng.choices(("A", "B", ""), (68, 28, 4))[0],
            "water_quantity_ok": True, "water_quality_ok": True, "water_convenience_ok": True,
            "water_assurance_ok": True,
            "members": members,
        }

    # --- risks and money ------------------------------------------------------------------

    def risks(self, household: dict[str, Any]) -> set[str]:
        """Make some households clearly at risk; returns the risks drawn (for the tests)."""
        rng = self.rng
        members = household["members"]
        found: set[str] = set()
        risk = rng.choices([r for r, _w in RISKS], [w for _r, w in RISKS])[0]
        if risk == "uninsured":
            m = rng.choice(members)
            m["medical_insurance"] = m["serious_illness_insurance"] = False
        elif risk == "housing":
            household["housing_grade"] = rng.choice(("C", "C", "D"))
        elif risk == "water":
            household[rng.choice(("water_quantity_ok", "water_quality_ok",
                                  "water_convenience_ok", "water_assurance_ok"))] = False
        if risk != "none":
            found.add(risk)
        pupils = [m for m in members if 6 <= self.year - m["birth_date"].year <= 14]
        if pupils and rng.random() < 0.10:
            rng.choice(pupils)["school_stage"] = SchoolStage.NOT_IN_SCHOOL
            found.add("dropout")
        # Social assistance: 特困 for lone elderly without labour, 低保 more often where poor.
        if len(members) == 1 and members[0]["labour_capacity"] in (
                LabourCapacity.NONE, LabourCapacity.LOST) and rng.random() < 0.3:
            members[0]["tekun"] = True
        elif rng.random() < (0.3 if risk in ("low_income", "medical") else 0.025):
            for m in members:
                m["dibao"] = True
        return found

    def ledger(self, members: list[dict[str, Any]], risks: set[str], year: int,
               wages: list[float]) -> dict[str, Decimal]:
        rng = self.rng
        factor = 1.0 if year == self.year else rng.uniform(0.88, 1.02)
        low = "low_income" in risks
        wage = 0.0 if low else sum(wages) * factor
        business = 0.0
        farming = 0.2 if low else (0.55 if wages else 0.9)  # crops, livestock, a small shop
        if rng.random() < farming:
            business = rng.uniform(500, 2500) if low else rng.uniform(3000, 18000)
        expense = business * rng.uniform(0.25, 0.5)
        elderly = sum(1 for m in members if self.year - m["birth_date"].year >= 60)
        # 赡养费 from children living elsewhere, counted as other transfer income.
        support = 0.0 if low else sum(rng.uniform(2000, 6000) for _ in range(elderly)
                                      if rng.random() < 0.7)
        medical = 0.0
        for m in members:
            medical += {Health.HEALTHY: rng.uniform(0, 600), Health.CHRONIC: rng.uniform(800, 4000),
                        Health.SERIOUS: rng.uniform(4000, 15000),
                        Health.DISABLED: rng.uniform(500, 3000)}[m["health"]]
        if "medical" in risks:
            medical = rng.uniform(20000, 60000)
        return {
            "wage_income": _money(wage),
            "business_income": _money(business),
            "business_expense": _money(expense),
            "property_income": _money(0 if low or rng.random() < 0.6 else rng.uniform(200, 1500)),
            "transfer_family_planning": _money(1200 if rng.random() < 0.03 else 0),
            "transfer_dibao": _money(len(members) * rng.uniform(2400, 3600)
                                     if members[0]["dibao"] else 0),
            "transfer_tekun": _money(rng.uniform(6500, 7800) if members[0]["tekun"] else 0),
            "transfer_pension": _money(elderly * 12 * rng.uniform(150, 230)),
            "transfer_eco_compensation": _money(rng.uniform(80, 800) if rng.random() < 0.4 else 0),
            "transfer_other": _money(support + (rng.uniform(0, 500) if rng.random() < 0.3
                                                else 0)),
            "medical_out_of_pocket": _money(medical * factor),
            "education_expense": _money(sum(_SCHOOL_COST.get(m["school_stage"], 0)
                                            for m in members) * rng.uniform(0.8, 1.3)),
        }

    def draw(self, number: str, village: tuple[str, str]) -> dict[str, Any]:
        household = self.household(number, village)
        members = household["members"]
        risks = self.risks(household)
        wages = [m["work_months"] * self.rng.uniform(*_MONTHLY_WAGE[WorkArea(m["work_area"])])
                 for m in members if m["work_months"]]
        household["ledgers"] = {y: self.ledger(members, risks, y, wages)
                                for y in (self.year - 1, self.year)}
        household["risks"] = risks
        return household


def _money(value: float) -> Decimal:
    return Decimal(int(round(max(value, 0.0), -1)))


def household_number(county_code: str, seed: int, index: int) -> str:
    """The demo household number of ``index`` (0-based): YS + county + seed + sequence."""
    return f"YS{county_code[:6]}-{seed}-{index + 1:07d}"


def demo_households_generate(*, county_code: str, count: int, seed: int,
                             year: int = REFERENCE_YEAR, batch_size: int = 2000) -> DemoReport:
    """Add ``count`` demo households to the villages of ``county_code``; skips the numbers that
    exist, so running it again adds nothing. ``year`` is the last ledger year (a past year)."""
    if count < 0:
        raise ValueError("count must not be negative")
    if not 2001 <= year < timezone.localdate().year:
        raise ValueError("year must be a past year (the members' ages are counted to its end)")
    county = Region.objects.get(code=county_code)
    lo, hi = subtree_bounds(county.code, county.level)
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE, code__gte=lo, code__lte=hi)
                    .order_by("code").values_list("code", "name"))
    if not villages:
        raise ValueError(f"{county.name} 下没有村级区划")
    prefix = county.code[:6]
    maker = _Maker(random.Random(seed), _IdNumbers(prefix, seed), year)
    # Other data in the county (imports, another seed) may hold an ID number we would draw:
    # only then is each batch checked against the database.
    check_ids = Member.objects.filter(id_number__gte=prefix, id_number__lt=prefix + ":").exists()
    report = DemoReport()
    for start in range(0, count, batch_size):
        stop = min(count, start + batch_size)
        drawn = [maker.draw(household_number(county.code, seed, i), villages[i % len(villages)])
                 for i in range(start, stop)]
        existing = set(Household.objects.filter(
            household_no__gte=drawn[0]["household_no"], household_no__lte=drawn[-1]["household_no"],
        ).values_list("household_no", flat=True))
        new = [h for h in drawn if h["household_no"] not in existing]
        report.skipped += len(drawn) - len(new)
        if not new:
            continue
        if check_ids:
            _avoid_existing_ids(new, maker.ids)
        _write(new, lo_no=drawn[0]["household_no"], hi_no=drawn[-1]["household_no"])
        report.households += len(new)
        report.members += sum(len(h["members"]) for h in new)
    if report.households:
        record_event(actor=None, actor_username="命令行", event_type=AuditEventType.DEMO_LOADED,
                     region_code=county.code,
                     note=f"演示农户（{county.name}，seed={seed}）：新增 {report.households} 户"
                          f"（{report.members} 名成员）",
                     extra={"seed": seed, "county": county.code, "count": count, "year": year,
                            "households": report.households, "members": report.members,
                            "skipped": report.skipped})
    return report


def _chunks(items: Sequence[str], size: int = 900) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _avoid_existing_ids(households: list[dict[str, Any]], ids: _IdNumbers) -> None:
    """Give a new number to every member whose ID number is already registered."""
    pending = [m for h in households for m in h["members"]]
    while pending:
        numbers = [m["id_number"] for m in pending]
        taken = {n for chunk in _chunks(numbers)
                 for n in Member.objects.filter(id_number__in=chunk, active=True)
                 .values_list("id_number", flat=True)}
        pending = [m for m in pending if m["id_number"] in taken]
        for m in pending:
            m["birth_date"], m["id_number"] = ids.take(m["birth_date"], m["gender"] == "male")


def _insert(model: type[models.Model], fields: Sequence[str], rows: list[Sequence[Any]]) -> None:
    """Append ``rows`` through the import's bulk writer; the values are already in database
    form (str, int, bool, Decimal, date, None, and the timestamp and JSON prepared once)."""
    insert_rows(model, fields, rows, prepared=fields)


def _write(households: list[dict[str, Any]], *, lo_no: str, hi_no: str) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    no_changes = HouseholdChange._meta.get_field("changes").get_db_prep_save({}, connection)
    with transaction.atomic():
        _insert(Household, (*HOUSEHOLD_COLUMNS, "archived", "archive_reason", "archive_note",
                            "version", "created_at", "updated_at"),
                [(*(h[c] for c in HOUSEHOLD_COLUMNS), False, "", "", 1, now, now)
                 for h in households])
        pks = dict(Household.objects.filter(household_no__gte=lo_no, household_no__lte=hi_no)
                   .values_list("household_no", "pk"))
        _insert(Member, ("household", *MEMBER_COLUMNS, "active", "archive_reason", "version",
                         "created_at", "updated_at"),
                [(pks[h["household_no"]], *(m[c] for c in MEMBER_COLUMNS), True, "", 1, now, now)
                 for h in households for m in h["members"]])
        _insert(SearchKey, ("household", "region_code", "key"),
                [(pks[h["household_no"]], h["region"], key) for h in households
                 for key in sorted({k for m in h["members"] for k in name_keys(m["name"])})])
        _insert(IncomeLedger, ("household", "year", "version", "updated_at", *LEDGER_COLUMNS),
                [(pks[h["household_no"]], year, 1, now, *(amounts[c] for c in LEDGER_COLUMNS))
                 for h in households for year, amounts in h["ledgers"].items()])
        _insert(HouseholdChange, ("household", "at", "actor_name", "subject", "subject_id",
                                  "subject_label", "action", "changes", "note"),
                [(pks[h["household_no"]], now, "系统", HouseholdChange.Subject.HOUSEHOLD,
                  pks[h["household_no"]], h["head_name"][:100], CHANGE_ACTION, no_changes,
                  "演示数据，非真实农户") for h in households])
        summary.refresh_dirty()  # this batch's screening summaries, as an import builds them
