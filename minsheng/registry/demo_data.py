"""Demo households (演示农户): realistic, deterministic, fast enough for 1,000,000.

Families are drawn with plausible structures and ages, members get ID numbers with correct check
digits for the county and their birth dates, and some households are clearly at risk (low
income, high medical costs, a member without medical insurance, a child out of school, unsafe
housing, failing water). Rows are written with bulk inserts; ``registry.validation`` checks a
sample in the tests so the generator cannot produce what the services would refuse.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from stdnum.cn import ric

from minsheng.core.audit import record_event
from minsheng.core.models import AuditEventType
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.models import Region
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

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺"
            "顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳"
            "单")
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文祥德贵福"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲桂英秀兰梅琴云莲珍红萍凤花洁婷雪琳慧颖倩琼月春秀美玉"
REFERENCE_YEAR = 2025


@dataclass
class DemoReport:
    households: int = 0
    members: int = 0
    skipped: int = 0


class _People:
    """Unique ID numbers: one sequence counter per (birth date) in the county."""

    def __init__(self, prefix: str, seed: int) -> None:
        self.prefix = prefix
        self.used: dict[dt.date, int] = {}
        self.offset = (seed % 4) * 120  # other seeds' people get other sequence numbers

    def id_for(self, birth: dt.date, male: bool) -> str:
        n = self.used.get(birth, 0) + self.offset
        self.used[birth] = n + 1 - self.offset
        order = (n * 2 + (1 if male else 0)) % 1000
        body = f"{self.prefix}{birth:%Y%m%d}{order:03d}"
        return body + ric.calc_check_digit(body + "0")


def _name(rng: random.Random, surname: str, male: bool) -> str:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    return surname + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))


def _birth(rng: random.Random, age: int) -> dt.date:
    return dt.date(REFERENCE_YEAR - age, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _member(rng: random.Random, people: _People, *, surname: str, male: bool, age: int,
            relation: str) -> dict[str, Any]:
    birth = _birth(rng, age)
    health = rng.choices([Health.HEALTHY, Health.CHRONIC, Health.SERIOUS, Health.DISABLED],
                         [80, 12, 4, 4])[0]
    school = SchoolStage.NOT_IN_SCHOOL
    if age < 6:
        school = SchoolStage.PRESCHOOL if age >= 3 else SchoolStage.NOT_IN_SCHOOL
    elif age <= 11:
        school = SchoolStage.PRIMARY
    elif age <= 15:
        school = SchoolStage.JUNIOR
    elif age <= 18:
        school = rng.choice([SchoolStage.SENIOR, SchoolStage.VOCATIONAL, SchoolStage.NOT_IN_SCHOOL])
    elif age <= 22:
        school = rng.choice([SchoolStage.HIGHER, SchoolStage.NOT_IN_SCHOOL])
    if age < 16 or age > 70:
        labour = LabourCapacity.NONE
    elif health in (Health.SERIOUS, Health.DISABLED):
        labour = rng.choice([LabourCapacity.WEAK, LabourCapacity.LOST])
    else:
        labour = rng.choices([LabourCapacity.ORDINARY, LabourCapacity.SKILLED,
                              LabourCapacity.WEAK], [70, 20, 10])[0]
    working = labour in (LabourCapacity.ORDINARY, LabourCapacity.SKILLED) and \
        school == SchoolStage.NOT_IN_SCHOOL and rng.random() < 0.7
    return {
        "name": _name(rng, surname, male), "id_number": people.id_for(birth, male),
        "gender": "male" if male else "female", "birth_date": birth, "relation": relation,
        "education": Education.PRESCHOOL if age < 6 else rng.choice(
            [Education.PRIMARY, Education.JUNIOR, Education.JUNIOR, Education.SENIOR]),
        "school_stage": school, "health": health,
        "disability_grade": rng.randint(1, 4) if health == Health.DISABLED else None,
        "labour_capacity": labour,
        "work_area": rng.choice([WorkArea.IN_COUNTY, WorkArea.IN_PROVINCE,
                                 WorkArea.OUT_OF_PROVINCE]) if working else "",
        "work_months": rng.randint(3, 12) if working else 0,
        "medical_insurance": rng.random() > 0.02, "serious_illness_insurance": True,
        "pension_insurance": age >= 16 and rng.random() < 0.8,
        "dibao": False, "tekun": False, "phone": "",
    }


def _family(rng: random.Random, people: _People) -> list[dict[str, Any]]:
    surname = rng.choice(SURNAMES)
    kind = rng.choices(["single", "couple", "young", "three"], [12, 20, 43, 25])[0]
    if kind == "single":
        return [_member(rng, people, surname=surname, male=rng.random() < 0.5,
                        age=rng.randint(62, 88), relation=Relation.HEAD)]
    head_age = rng.randint(52, 80) if kind in ("couple", "three") else rng.randint(28, 50)
    members = [_member(rng, people, surname=surname, male=True, age=head_age,
                       relation=Relation.HEAD),
               _member(rng, people, surname=rng.choice(SURNAMES), male=False,
                       age=max(20, head_age + rng.randint(-4, 2)), relation=Relation.SPOUSE)]
    if kind == "young":
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            male = rng.random() < 0.5
            members.append(_member(rng, people, surname=surname, male=male,
                                   age=rng.randint(0, min(20, head_age - 20)),
                                   relation=Relation.SON if male else Relation.DAUGHTER))
    elif kind == "three":
        son_age = rng.randint(24, max(24, head_age - 22))
        members.append(_member(rng, people, surname=surname, male=True, age=son_age,
                               relation=Relation.SON))
        members.append(_member(rng, people, surname=rng.choice(SURNAMES), male=False,
                               age=son_age + rng.randint(-3, 2),
                               relation=Relation.DAUGHTER_IN_LAW))
        for _ in range(rng.choice((1, 2))):
            male = rng.random() < 0.5
            members.append(_member(rng, people, surname=surname, male=male,
                                   age=rng.randint(0, max(0, son_age - 20)),
                                   relation=Relation.GRANDSON if male else Relation.GRANDDAUGHTER))
    return members


def _money(value: float) -> Decimal:
    return Decimal(str(round(max(value, 0), -1)))


def _risks(rng: random.Random, household: dict[str, Any], members: list[dict[str, Any]]) -> str:
    """Make some households clearly at risk; returns the risk drawn (for the tests)."""
    risk = rng.choices(["none", "low_income", "medical", "uninsured", "dropout", "housing",
                        "water"], [67, 8, 6, 4, 6, 5, 4])[0]
    if risk == "uninsured":
        members[-1]["medical_insurance"] = False
    elif risk == "dropout":
        for m in members:
            age = REFERENCE_YEAR - m["birth_date"].year
            if 6 <= age <= 15:
                m["school_stage"] = SchoolStage.NOT_IN_SCHOOL
                break
        else:
            risk = "none"
    elif risk == "housing":
        household["housing_grade"] = rng.choice(["C", "D"])
    elif risk == "water":
        household[rng.choice(["water_quantity_ok", "water_quality_ok", "water_convenience_ok",
                              "water_assurance_ok"])] = False
    return risk


def _ledger(rng: random.Random, members: list[dict[str, Any]], risk: str,
            year: int) -> dict[str, Decimal]:
    workers = [m for m in members if m["work_months"]]
    wage = sum(m["work_months"] * rng.uniform(2500, 5200) for m in workers)
    if risk == "low_income":
        wage = rng.uniform(0, 3000)
    per_year = 1 if year == REFERENCE_YEAR else rng.uniform(0.85, 1.15)
    return {
        "wage_income": _money(wage * per_year),
        "business_income": _money(rng.uniform(0, 12000)),
        "business_expense": _money(rng.uniform(0, 4000)),
        "property_income": _money(rng.uniform(0, 800)),
        "transfer_pension": _money(sum(1800 for m in members
                                       if REFERENCE_YEAR - m["birth_date"].year >= 60)),
        "transfer_eco_compensation": _money(rng.uniform(0, 600)),
        "transfer_other": _money(rng.uniform(0, 500)),
        "medical_out_of_pocket": _money(rng.uniform(15000, 60000) if risk == "medical"
                                        else rng.uniform(0, 3000)),
        "education_expense": _money(rng.uniform(0, 3000)),
    }


def demo_households_generate(*, county_code: str, count: int, seed: int,
                             year: int = REFERENCE_YEAR, batch_size: int = 2000) -> DemoReport:
    """Add ``count`` demo households to the villages of ``county_code`` (idempotent by number)."""
    county = Region.objects.get(code=county_code)
    lo, hi = subtree_bounds(county.code, county.level)
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE, code__gte=lo, code__lte=hi)
                    .order_by("code").values_list("code", flat=True))
    if not villages:
        raise ValueError(f"{county.name} 下没有村级区划")
    rng = random.Random(seed)
    people = _People(county.code[:6], seed)
    prefix = f"YS{seed % 100:02d}"
    report = DemoReport()
    existing = set(Household.objects.filter(household_no__startswith=prefix)
                   .values_list("household_no", flat=True))
    for start in range(0, count, batch_size):
        rows = []
        for index in range(start, min(count, start + batch_size)):
            number = f"{prefix}{index + 1:08d}"
            village = villages[index % len(villages)]
            members = _family(rng, people)
            household = {"household_no": number, "region_id": village,
                         "head_name": members[0]["name"],
                         "category": HouseholdCategory.LIFTED if rng.random() < 0.35
                         else HouseholdCategory.ORDINARY,
                         "relocated": rng.random() < 0.05,
                         "housing_grade": rng.choice(["A", "A", "B"]),
                         "water_quantity_ok": True, "water_quality_ok": True,
                         "water_convenience_ok": True, "water_assurance_ok": True,
                         "group_name": f"{rng.randint(1, 12)}组"}
            risk = _risks(rng, household, members)
            ledgers = {y: _ledger(rng, members, risk, y) for y in (year - 1, year)}
            if number in existing:  # still draw, so later households stay the same
                report.skipped += 1
                continue
            rows.append((household, members, ledgers))
        _write(rows)
        report.households += len(rows)
        report.members += sum(len(r[1]) for r in rows)
    if report.households:
        record_event(actor=None, actor_username="命令行", event_type=AuditEventType.DEMO_LOADED,
                     note=f"演示农户：新增 {report.households} 户（{report.members} 名成员）",
                     extra={"seed": seed, "county": county_code, "count": count})
    return report


def _write(rows: list[tuple[dict[str, Any], list[dict[str, Any]], dict[int, dict[str, Any]]]]) -> None:
    if not rows:
        return
    from django.utils import timezone

    from minsheng.core.bulk import insert_rows

    now = timezone.now()
    member_fields = ("household", "created_at", "updated_at", "active", "version", "ethnicity",
                     "archive_reason", *rows[0][1][0].keys())
    amount_fields = IncomeLedger.AMOUNT_FIELDS
    with transaction.atomic():
        households = Household.objects.bulk_create([Household(**h) for h, _m, _l in rows])
        pairs = list(zip(rows, households, strict=True))
        insert_rows(Member, member_fields,
                    ((h.pk, now, now, True, 1, "汉族", "", *m.values())
                     for (_h, members, _l), h in pairs for m in members))
        insert_rows(SearchKey, ("household", "region_code", "key"),
                    ((h.pk, h.region_id, key) for (_h, members, _l), h in pairs
                     for key in sorted({k for m in members for k in name_keys(m["name"])})))
        insert_rows(IncomeLedger, ("household", "year", "version", "updated_at", *amount_fields),
                    ((h.pk, year, 1, now, *(amounts.get(k, Decimal(0)) for k in amount_fields))
                     for (_h, _m, ledgers), h in pairs for year, amounts in ledgers.items()))
        insert_rows(HouseholdChange, ("household", "at", "actor_name", "subject", "subject_id",
                                      "subject_label", "action", "changes", "note"),
                    ((h.pk, now, "系统", "household", h.pk, h.head_name, "演示数据生成", {}, "")
                     for _row, h in pairs))
