"""Risk-elimination criteria (风险消除条件) of one monitoring case on one date.

A case may be proposed for elimination (提出风险消除) and finally approved (县级审定) only when
every criterion is met:

* the policy rules for the household are clear for income (人均纯收入 not below the 监测范围 of
  the date's year), the 刚性支出 burden (合规自付医疗支出), education, basic medical insurance,
  housing and drinking water (三保障和饮水安全);
* no open risk signal of the household was found after the case's 纳入日期 (no new risk);
* the case has been under monitoring (监测中) for at least
  ``procedure.risk_elimination.income_stable_months`` months since its 纳入日期.

Each criterion is ``met`` True, False, or None when the data are missing ("unknown" is not
met), with a Chinese sentence naming the figures and the parameter used. The rule that a
household without labour capacity is never eliminated stays in ``case_services``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from minsheng.policy.errors import PolicyError
from minsheng.policy.rules import CLEAR, RISK, household_facts
from minsheng.policy.rules.engine import (
    PARAMETER_NAMES,
    RULES_BY_ID,
    cents_of,
    current_ledger,
    evaluate_rule,
    fixed,
    floor_div,
    net_cents,
    ratio,
)
from minsheng.policy.rules.facts import HouseholdFacts
from minsheng.policy.rules.params import Resolved, resolve
from minsheng.policy.rules.text import (
    P_AGE_MAX,
    P_AGE_MIN,
    P_MED_LIFTED,
    P_MED_OTHERS,
    P_RANGE,
    P_SHARE,
    cite,
    money,
    percent,
)
from minsheng.policy.selectors import active_parameters

STABLE_MONTHS_PARAMETER = "procedure.risk_elimination.income_stable_months"

# (criterion code, the rule it reads or "", its Chinese title), in display order.
CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("income", "income", "收入稳定超过监测范围"),
    ("medical_burden", "medical_burden", "刚性支出（医疗）负担已化解"),
    ("education", "education", "义务教育有保障"),
    ("medical_insurance", "medical_insurance", "基本医疗有保障（参加基本医保）"),
    ("housing", "housing", "住房安全有保障"),
    ("water", "water", "饮水安全有保障"),
    ("no_new_risk", "", "纳入后无新增风险"),
    ("months", "", "监测期满"),
)
TITLES = {code: title for code, _rule, title in CRITERIA}


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    met: bool | None  # None: the data are missing (not met)
    text: str

    @property
    def status(self) -> str:
        return "met" if self.met else ("unknown" if self.met is None else "unmet")

    @property
    def status_label(self) -> str:
        return {"met": "已满足", "unmet": "未满足", "unknown": "数据缺失"}[self.status]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _clear_text(code: str, facts: HouseholdFacts, on: dt.date, params: Resolved) -> str:
    """The sentence of a rule that found nothing, with the figures it compared."""
    ledger = current_ledger(facts, on)  # a clear income or medical rule had a ledger
    if code == "income" and ledger is not None:
        net = net_cents(ledger, params)
        line = params[P_RANGE]
        return (f"{ledger.year} 年度家庭纯收入 {money(fixed(net, 2))} 元、在户 {facts.people} 人，"
                f"人均纯收入 {money(fixed(floor_div(net, facts.people), 2))} 元，不低于 "
                f"{cite(line, '监测范围', f'{money(fixed(cents_of(line), 2))} 元')}。")
    if code == "medical_burden" and ledger is not None:
        medical = ledger.amount("medical_out_of_pocket")
        net = net_cents(ledger, params)
        share = params[P_SHARE]
        num, den = ratio(share.decimal)
        lifted = facts.category == "lifted"
        limit = params[P_MED_LIFTED if lifted else P_MED_OTHERS]
        label = "脱贫户医疗支出预警标准" if lifted else "一般农户医疗支出预警标准"
        return (f"{ledger.year} 年度合规自付医疗支出 {money(fixed(medical, 2))} 元，"
                f"未超过家庭纯收入的 {percent(share.decimal)}"
                f"（{money(fixed(floor_div(num * net, den), 2))} 元；"
                f"{cite(share, '合规自付支出预警比例', percent(share.decimal))}），"
                f"也低于 {cite(limit, label, f'{money(fixed(cents_of(limit), 2))} 元')}。")
    if code == "education":
        low, high = params[P_AGE_MIN], params[P_AGE_MAX]
        return (f"在户成员中没有义务教育适龄（{low.value}～{high.value} 周岁；"
                f"{cite(low, '义务教育适龄下限', f'{low.value} 周岁')}，"
                f"{cite(high, '义务教育适龄上限', f'{high.value} 周岁')}）儿童失学辍学。")
    if code == "medical_insurance":
        return f"在户 {facts.people} 人均已参加基本医疗保险。"
    if code == "housing":
        return f"住房安全等级鉴定为 {facts.housing_grade} 级，住房安全有保障。"
    return "饮水安全四项指标（水量、水质、用水方便程度、供水保障率）均已核查达标。"


def _rule_criteria(facts: HouseholdFacts | None, on: dt.date,
                   region_code: str) -> list[Criterion]:
    rule_codes = [(code, rule, title) for code, rule, title in CRITERIA if rule]
    if facts is None:
        return [Criterion(code, title, None, "未找到农户信息。") for code, _r, title in rule_codes]
    try:
        params = resolve(PARAMETER_NAMES, on=on, region_code=region_code, overrides={},
                         parameters=active_parameters())
    except PolicyError as exc:
        return [Criterion(code, title, None, f"无法判定：{exc.message}")
                for code, _r, title in rule_codes]
    result = []
    for code, rule_id, title in rule_codes:
        outcome = evaluate_rule(RULES_BY_ID[rule_id], facts, on=on, params=params)
        if outcome.status == CLEAR:
            result.append(Criterion(code, title, True, _clear_text(code, facts, on, params)))
        elif outcome.status == RISK:
            result.append(Criterion(code, title, False,
                                    "；".join(reason.text for reason in outcome.reasons) + "。"))
        else:
            result.append(Criterion(code, title, None,
                                    f"数据缺失，无法判定：缺少{'、'.join(outcome.missing)}。"))
    return result


def _no_new_risk(case, included_on: dt.date | None) -> Criterion:
    from minsheng.monitoring.models import RiskSignal, SignalStatus
    from minsheng.policy.rules import REASON_LABELS

    title = TITLES["no_new_risk"]
    if included_on is None:
        return Criterion("no_new_risk", title, None, "案件没有纳入日期，无法判定纳入后是否新增风险。")
    since = timezone.make_aware(dt.datetime.combine(included_on + dt.timedelta(days=1),
                                                    dt.time.min))
    signals = list(RiskSignal.objects.filter(household_id=case.household_id,
                                             status=SignalStatus.OPEN, created_at__gte=since)
                   .order_by("created_at", "id").values_list("reason_code", "created_at"))
    if signals:
        listed = "、".join(
            f"{REASON_LABELS.get(code, code)}（{timezone.localdate(at):%Y-%m-%d} 发现）"
            for code, at in signals)
        return Criterion("no_new_risk", title, False,
                         f"纳入监测（{included_on:%Y-%m-%d}）后新发现 {len(signals)} 条尚未核实消除的"
                         f"风险信号：{listed}。")
    return Criterion("no_new_risk", title, True,
                     f"纳入监测（{included_on:%Y-%m-%d}）后没有新发现且未消除的风险信号。")


def _months(included_on: dt.date | None, on: dt.date, region_code: str) -> Criterion:
    title = TITLES["months"]
    if included_on is None:
        return Criterion("months", title, None, "案件没有纳入日期，无法计算监测时长。")
    try:
        found = active_parameters().value(STABLE_MONTHS_PARAMETER, on=on,
                                          region_code=region_code)
    except PolicyError as exc:
        return Criterion("months", title, None, f"无法判定：{exc.message}")
    if found.unit != "个月":
        return Criterion("months", title, None,
                         f"参数 {STABLE_MONTHS_PARAMETER} 的单位为「{found.unit}」，应为「个月」。")
    months = int(found.value)
    due = add_months(included_on, months)
    cite = (f"（{found.entry.effective.year} 年参数 {STABLE_MONTHS_PARAMETER}，"
            f"依据《{found.ref.document}》）")
    if on >= due:
        return Criterion("months", title, True,
                         f"{included_on:%Y-%m-%d} 纳入监测，至 {on:%Y-%m-%d} 已满 {months} 个月"
                         f"{cite}。")
    return Criterion("months", title, False,
                     f"{included_on:%Y-%m-%d} 纳入监测，须持续监测满 {months} 个月{cite}，"
                     f"{due:%Y-%m-%d} 起方可提出风险消除。")


def elimination_criteria(case, *, on: dt.date) -> list[Criterion]:
    """Every criterion (in ``CRITERIA`` order) for ``case`` on ``on``."""
    facts = household_facts([case.household_id]).get(case.household_id)
    region_code = case.household.region_id if facts is None else facts.region_code
    return [*_rule_criteria(facts, on, region_code), _no_new_risk(case, case.included_on),
            _months(case.included_on, on, region_code)]


def unmet(criteria: list[Criterion]) -> list[Criterion]:
    return [c for c in criteria if not c.met]


def unmet_message(criteria: list[Criterion]) -> str:
    """The Chinese refusal listing the criteria not met ("" when all are met)."""
    missing = unmet(criteria)
    if not missing:
        return ""
    lines = "；".join(f"{n}. {c.title}（{c.status_label}）：{c.text.rstrip('。')}"
                     for n, c in enumerate(missing, 1))
    return f"尚未满足风险消除条件，不能标注风险消除：{lines}。"
