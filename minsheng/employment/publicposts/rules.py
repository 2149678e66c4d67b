"""Pure rules of 乡村公益性岗位: who may be appointed (安置条件) and what a month's attendance
earns (补贴). No ORM, no clock: facts, dates and parameter values are arguments; the numbers come
from ``policy/parameters/employment/public_post/``.

Each eligibility rule that fails gives one Chinese reason, so a refusal always says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from minsheng.core.errors import InvalidInput
from minsheng.employment.rules import age_on
from minsheng.policy.errors import PolicyError
from minsheng.policy.selectors import active_parameters

P = "employment.public_post."
MONTHLY_SUBSIDY = P + "monthly_subsidy"
AGE_MIN = P + "age_min"
AGE_MAX = P + "age_max"
ELIGIBLE_GROUPS = P + "eligible_groups"
ELIGIBLE_CAPACITIES = P + "eligible_capacities"
ONE_PER_HOUSEHOLD = P + "one_per_household"
EXCLUDE_CADRE_FAMILY = P + "exclude_cadre_family"
MAX_CONTRACT_MONTHS = P + "max_contract_months"
MIN_ATTENDANCE_RATE = P + "min_attendance_rate"
PRO_RATA = P + "pro_rata"

ELIGIBILITY_PARAMETERS = (AGE_MIN, AGE_MAX, ELIGIBLE_GROUPS, ELIGIBLE_CAPACITIES,
                          ONE_PER_HOUSEHOLD, EXCLUDE_CADRE_FAMILY, MAX_CONTRACT_MONTHS)
PAY_PARAMETERS = (MONTHLY_SUBSIDY, MIN_ATTENDANCE_RATE, PRO_RATA)

GROUP_LABELS = {"lifted": "脱贫人口", "monitored": "监测对象", "dibao": "农村低保对象"}
# Why an applicant is not in a group: what each fact is read from.
GROUP_MISSING = {"lifted": "所在农户不是脱贫户",
                 "monitored": "所在农户没有监测中（含风险消除程序中）的监测案件",
                 "dibao": "本人未享受农村低保"}
CAPACITY_LABELS = {"weak": "弱劳动力或半劳动力", "ordinary": "普通劳动力",
                   "skilled": "技能劳动力", "lost": "丧失劳动力", "none": "无劳动力"}
_WORKING_CAPACITIES = ("weak", "ordinary", "skilled")
_CENT = Decimal("0.01")


def lookup(names: tuple[str, ...], *, on: dt.date, region_code: str,
           parameters: Any = None) -> dict[str, Any]:
    """The parameter values in force for a region on a date (ParameterValue objects), or a
    Chinese InvalidInput naming the missing one (never a silent default)."""
    params = parameters or active_parameters()
    try:
        return {name: params.value(name, on=on, region_code=region_code) for name in names}
    except PolicyError as exc:
        raise InvalidInput(exc.message) from exc


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's last day: 31 Jan + 1 → 28/29 Feb)."""
    import calendar

    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Eligibility ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ApplicantFacts:
    """What the decision needs about one applicant on the appointment date."""

    birth_date: dt.date
    labour_capacity: str
    household_lifted: bool  # 脱贫户 in the registry
    monitored: bool  # 监测对象: the household's monitoring case is 监测中 or in 风险消除程序
    dibao: bool  # 享受低保, from the registry
    cannot_go_out: bool  # 无法外出务工, declared with a reason
    cannot_go_out_reason: str
    cadre_family: bool  # 村干部家庭成员, declared
    household_active_posts: int  # other active appointments in the household
    start_date: dt.date
    end_date: dt.date

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class EligibilityParams:
    age_min: int
    age_max: int
    groups: tuple[str, ...]
    capacities: tuple[str, ...]
    one_per_household: bool
    exclude_cadre_family: bool
    max_contract_months: int

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> EligibilityParams:
        return cls(int(values[AGE_MIN].value), int(values[AGE_MAX].value),
                   tuple(values[ELIGIBLE_GROUPS].value),
                   tuple(values[ELIGIBLE_CAPACITIES].value),
                   bool(values[ONE_PER_HOUSEHOLD].value),
                   bool(values[EXCLUDE_CADRE_FAMILY].value),
                   int(values[MAX_CONTRACT_MONTHS].value))


@dataclass
class Eligibility:
    eligible: bool
    failed: list[str] = field(default_factory=list)  # rule codes
    reasons: list[str] = field(default_factory=list)  # Chinese, one per failed rule
    parameters: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "failed": self.failed, "reasons": self.reasons,
                "parameters": self.parameters}


def post_eligibility(facts: ApplicantFacts, params: EligibilityParams) -> Eligibility:
    """安置条件, every rule checked (so all reasons are given at once):

    - ``capacity``: 弱劳动力/半劳动力 (the parameter's capacities), or another working capacity
      with 无法外出务工 declared and a reason; 丧失劳动力 and 无劳动力 never qualify;
    - ``group``: one of the eligible groups (脱贫人口, 监测对象[, 低保]); the reason says, for
      each group, what the applicant lacks;
    - ``age``: age on the start date within the bounds (both inclusive);
    - ``household``: no other active post in the household (when one per household);
    - ``cadre_family``: not a village-cadre family member (when excluded);
    - ``contract``: the contract runs at most the maximum number of months.
    """
    result = Eligibility(True)

    def fail(code: str, reason: str) -> None:
        result.eligible = False
        result.failed.append(code)
        result.reasons.append(reason)

    capacity = facts.labour_capacity
    label = CAPACITY_LABELS.get(capacity, capacity)
    if capacity not in _WORKING_CAPACITIES:
        fail("capacity", f"劳动技能为「{label}」，不能安置公益性岗位。")
    elif capacity not in params.capacities:
        if not facts.cannot_go_out:
            allowed = "、".join(CAPACITY_LABELS[c] for c in params.capacities) or "（无）"
            fail("capacity", f"劳动技能为「{label}」，且未申报无法外出务工；公益性岗位安置{allowed}"
                             "或无法外出务工的劳动力。")
        elif not facts.cannot_go_out_reason.strip():
            fail("capacity", "申报无法外出务工，但没有填写原因。")

    groups = {"lifted": facts.household_lifted, "monitored": facts.monitored,
              "dibao": facts.dibao}
    if not any(groups.get(g, False) for g in params.groups):
        allowed = "、".join(GROUP_LABELS.get(g, g) for g in params.groups)
        missing = "；".join(GROUP_MISSING[g] for g in params.groups if g in GROUP_MISSING)
        fail("group", f"不属于可安置的人员类别（{allowed}）" + (f"：{missing}。" if missing
                                                                 else "。"))

    age = age_on(facts.birth_date, facts.start_date)
    if age < params.age_min:
        fail("age", f"聘用时 {age} 周岁，未满 {params.age_min} 周岁。")
    elif age > params.age_max:
        fail("age", f"聘用时 {age} 周岁，超过 {params.age_max} 周岁。")

    if params.one_per_household and facts.household_active_posts > 0:
        fail("household", "同户已有人在公益性岗位上（每户限一人）。")

    if params.exclude_cadre_family and facts.cadre_family:
        fail("cadre_family", "村干部家庭成员不得安置公益性岗位。")

    if facts.end_date < facts.start_date:
        fail("contract", "聘期结束日期早于开始日期。")
    elif facts.end_date >= add_months(facts.start_date, params.max_contract_months):
        fail("contract", f"聘期超过 {params.max_contract_months} 个月（期满可续聘，另行登记）。")
    return result


def eligibility_for(facts: ApplicantFacts, *, region_code: str,
                    parameters: Any = None) -> Eligibility:
    """The eligibility with the parameters in force for the village on the start date."""
    values = lookup(ELIGIBILITY_PARAMETERS, on=facts.start_date, region_code=region_code,
                    parameters=parameters)
    result = post_eligibility(facts, EligibilityParams.from_values(values))
    result.parameters = [v.snapshot() for v in values.values()]
    return result


# --- Monthly subsidy ------------------------------------------------------------------------

@dataclass(frozen=True)
class PayParams:
    monthly: Decimal
    min_rate: Decimal
    pro_rata: bool


@dataclass
class Pay:
    amount: Decimal
    explanation: str
    parameters: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "explanation": self.explanation,
                "parameters": self.parameters}


def month_subsidy(*, days_required: int, days_present: int, params: PayParams,
                  days_in_post: int | None = None, days_in_month: int | None = None) -> Pay:
    """A month's subsidy (补贴):

    - rate = 实际出勤天数 ÷ 应出勤天数; below the minimum rate → 0;
    - otherwise the full monthly amount, or (pro rata) monthly × rate, to the 分 (half up);
    - a month the person held the post only partly (聘期开始或退岗在月中) is first reduced to
      monthly × days in post ÷ days in the month.
    """
    if days_required <= 0:
        raise InvalidInput("应出勤天数应大于 0。")
    if not 0 <= days_present <= days_required:
        raise InvalidInput(f"实际出勤天数应为 0～{days_required}，实为 {days_present}。")
    base = params.monthly
    note = f"月补贴标准 {params.monthly} 元"
    if days_in_post is not None and days_in_month and days_in_post < days_in_month:
        base = (params.monthly * days_in_post / days_in_month).quantize(_CENT, ROUND_HALF_UP)
        note += f"，本月在岗 {days_in_post}/{days_in_month} 天，折算为 {base} 元"
    rate = Decimal(days_present) / Decimal(days_required)
    shown = f"出勤 {days_present}/{days_required} 天"
    if rate < params.min_rate:
        return Pay(Decimal("0.00"), f"{note}；{shown}，低于最低出勤率 "
                                    f"{(params.min_rate * 100).normalize()}%，本月不发。")
    if params.pro_rata and days_present < days_required:
        amount = (base * days_present / days_required).quantize(_CENT, ROUND_HALF_UP)
        return Pay(amount, f"{note}；{shown}，按出勤折算 {amount} 元。")
    return Pay(base.quantize(_CENT), f"{note}；{shown}，发放 {base.quantize(_CENT)} 元。")


def pay_for(*, days_required: int, days_present: int, on: dt.date, region_code: str,
            days_in_post: int | None = None, days_in_month: int | None = None,
            parameters: Any = None) -> Pay:
    values = lookup(PAY_PARAMETERS, on=on, region_code=region_code, parameters=parameters)
    params = PayParams(Decimal(values[MONTHLY_SUBSIDY].value),
                       Decimal(values[MIN_ATTENDANCE_RATE].value), bool(values[PRO_RATA].value))
    pay = month_subsidy(days_required=days_required, days_present=days_present, params=params,
                        days_in_post=days_in_post, days_in_month=days_in_month)
    pay.parameters = [v.snapshot() for v in values.values()]
    return pay
