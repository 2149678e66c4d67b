"""Suggested measures (帮扶措施建议): pure functions of a household's facts. No ORM, no clock:
the date and the parameter values are arguments; the numbers come from
``policy/parameters/assistance/`` and the labour-force definition is employment's
(``employment.rules.in_labour_force``: a working-age member whose 劳动技能 is 普通、技能 or
弱劳动力).

The split: a household with labour gets 开发式 suggestions (就业/务工, 产业, 小额信贷; 公益性岗位
when its only labour is 弱劳动力或半劳动力); a household without labour gets 兜底保障 (低保, 特困供养
for a one-person household, 临时救助). Fact-driven suggestions come on top: a child in school →
教育资助/雨露计划, high 合规自付医疗 → 医疗救助, housing C/D → 危房改造, water failing → 饮水,
a certified disability → 残疾人两项补贴.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from minsheng.employment.rules import AgeBounds, in_labour_force

MEDICAL = "assistance.suggestion.medical_out_of_pocket"
HOUSING = "assistance.suggestion.housing_grades"
DISABILITY = "assistance.suggestion.disability_grades"
EDUCATION = "assistance.suggestion.education_stages"
INTERVAL = "assistance.follow_up.interval_months"

WEAK = "weak"
VOCATIONAL_STAGES = ("vocational", "higher")


@dataclass(frozen=True)
class MemberFact:
    name: str
    birth_date: dt.date
    labour_capacity: str
    school_stage: str = "not_in_school"
    disability_grade: int | None = None
    dibao: bool = False
    tekun: bool = False


@dataclass(frozen=True)
class HouseholdFacts:
    members: tuple[MemberFact, ...]
    housing_grade: str = ""
    water_ok: bool | None = None
    medical_out_of_pocket: Decimal | None = None  # the latest ledger's, yuan


@dataclass(frozen=True)
class SuggestionParams:
    labour_age: AgeBounds
    medical_threshold: Decimal
    housing_grades: tuple[str, ...]  # "C", "D"
    disability_grades: tuple[int, ...]
    education_stages: tuple[str, ...]
    refs: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Suggestion:
    code: str  # a MeasureType code
    reason: str


@dataclass
class Labour:
    """Who of the household is in the labour force, and how strong."""

    workers: list[MemberFact] = field(default_factory=list)

    @property
    def has_labour(self) -> bool:
        return bool(self.workers)

    @property
    def weak_only(self) -> bool:
        return self.has_labour and all(m.labour_capacity == WEAK for m in self.workers)


def labour_of(facts: HouseholdFacts, *, on: dt.date, bounds: AgeBounds) -> Labour:
    return Labour([m for m in facts.members
                   if in_labour_force(birth_date=m.birth_date, labour_capacity=m.labour_capacity,
                                      on=on, bounds=bounds)[0]])


def _names(members: list[MemberFact]) -> str:
    return "、".join(m.name for m in members)


def suggest(facts: HouseholdFacts, *, on: dt.date, params: SuggestionParams) -> list[Suggestion]:
    """The suggested measure types for a household, each with its Chinese reason, in catalogue
    order of the rules below (no duplicates)."""
    out: list[Suggestion] = []
    labour = labour_of(facts, on=on, bounds=params.labour_age)
    ages = f"{params.labour_age.minimum}～{params.labour_age.maximum} 周岁"
    if labour.has_labour:
        who = _names(labour.workers)
        if labour.weak_only:
            out.append(Suggestion("public_post", f"家中劳动力（{who}）均为弱劳动力或半劳动力，"
                                  "建议就近安排乡村公益性岗位。"))
        out.append(Suggestion("employment", f"家中有劳动力（{who}），建议开展就业帮扶，"
                              "稳定务工收入。"))
        out.append(Suggestion("industry", f"家中有劳动力（{who}），建议发展产业（种养殖等）"
                              "增加经营性收入。"))
        out.append(Suggestion("microcredit", f"家中有劳动力（{who}），可申请小额信贷用于"
                              "生产经营（户借、户用、户还）。"))
    else:
        if not any(m.dibao for m in facts.members):
            out.append(Suggestion("dibao", f"家中没有 {ages} 且具备劳动能力的成员，"
                                  "建议落实最低生活保障（兜底保障）。"))
        if len(facts.members) == 1 and not facts.members[0].tekun:
            out.append(Suggestion("tekun", f"{facts.members[0].name} 独自生活且无劳动能力，"
                                  "建议核查特困人员供养条件。"))
        out.append(Suggestion("temporary_relief", "家中无劳动力，遇突发困难时建议及时给予"
                              "临时救助。"))
    pupils = [m for m in facts.members if m.school_stage in params.education_stages]
    if pupils:
        vocational = [m for m in pupils if m.school_stage in VOCATIONAL_STAGES]
        extra = f"，其中 {_names(vocational)} 可申请雨露计划" if vocational else ""
        out.append(Suggestion("education", f"{_names(pupils)} 在校就读，建议落实教育资助"
                              f"{extra}。"))
    medical = facts.medical_out_of_pocket
    if medical is not None and medical >= params.medical_threshold:
        out.append(Suggestion("medical", f"最近一年合规自付医疗支出 {medical:.2f} 元，达到"
                              f"{params.medical_threshold:.0f} 元，建议落实医疗保障和医疗救助。"))
    if facts.housing_grade and facts.housing_grade in params.housing_grades:
        out.append(Suggestion("housing", f"住房安全等级为 {facts.housing_grade} 级（危房），"
                              "建议实施危房改造。"))
    if facts.water_ok is False:
        out.append(Suggestion("water", "饮水安全有指标不达标，建议落实饮水安全保障措施。"))
    disabled = [m for m in facts.members if m.disability_grade in params.disability_grades]
    if disabled:
        out.append(Suggestion("disability", f"{_names(disabled)} 持有残疾证，建议核查落实"
                              "困难残疾人生活补贴和重度残疾人护理补贴。"))
    return out
