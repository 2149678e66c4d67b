"""The Chinese sentence for each reason code (理由说明).

Every sentence is built from the reason code, its ``measured`` and ``threshold`` texts (the same
values the set-based SQL yields), the date and the parameters in force, so the Python
evaluation (``Reason.text``) and ``explain()`` for a screening row give the same words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from minsheng.policy.rules.params import Param, Resolved

GRADE_LABELS = {"C": "C 级（局部危房）", "D": "D 级（整栋危房）"}

P_RANGE = "monitoring.range"
P_COUNTED = "monitoring.net_income.counted_income"
P_DEDUCTED = "monitoring.net_income.deducted_expenses"
P_SHARE = "monitoring.compliant_out_of_pocket.income_share"
P_MED_LIFTED = "monitoring.compliant_out_of_pocket.medical_threshold_lifted"
P_MED_OTHERS = "monitoring.compliant_out_of_pocket.medical_threshold_others"
P_DROP = "monitoring.income_drop.share"
P_AGE_MIN = "monitoring.compulsory_education.min_age"
P_AGE_MAX = "monitoring.compulsory_education.max_age"


# --- numbers ----------------------------------------------------------------------------------


def money(text: str | Decimal | int) -> str:
    """``5832.00`` → ``5,832``; ``5832.5`` → ``5,832.50``; thousands separated."""
    amount = Decimal(str(text))
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}"


def percent(text: str | Decimal) -> str:
    """``0.4`` → ``40%``; ``0.3333`` → ``33.33%``."""
    value = (Decimal(str(text)) * 100).quantize(Decimal("0.01"))
    shown = f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
    return f"{shown}%"


def cite(param: Param, label: str, shown: str) -> str:
    """``2025 年监测范围 8,700 元（湘……〔2025〕X号）``, or ``监测范围 9,000 元（模拟值）``."""
    if param.what_if:
        return f"{label} {shown}（模拟值）"
    return f"{param.year} 年{label} {shown}（{param.document}）"


def ledger_years(on: dt.date) -> str:
    return f"{on.year} 年度或 {on.year - 1} 年度收支台账"


def medical_threshold_param(threshold: str, params: Resolved) -> Param:
    """The threshold parameter a ``medical_over_threshold`` reason used: the one whose value is
    the threshold (脱贫户's first when both are equal)."""
    amount = Decimal(threshold)
    for name in (P_MED_LIFTED, P_MED_OTHERS):
        if params[name].decimal == amount:
            return params[name]
    raise ValueError(f"no medical threshold equals {threshold}")


# --- sentences --------------------------------------------------------------------------------


def sentence(code: str, *, measured: str | None, threshold: str | None, on: dt.date,
             params: Resolved) -> str:
    """The explanation of one reason. ``params`` must hold the reason's rule's parameters."""
    m, t = measured, threshold
    if code == "income_below_range":
        return (f"家庭人均纯收入 {money(m)} 元，低于 "
                f"{cite(params[P_RANGE], '监测范围', f'{money(t)} 元')}")
    if code == "income_ledger_missing":
        return f"缺少 {ledger_years(on)}，无法计算家庭人均纯收入"
    if code == "income_members_missing":
        return "没有在户家庭成员，无法计算家庭人均纯收入"
    if code == "medical_over_income_share":
        share = params[P_SHARE]
        return (f"合规自付医疗支出 {money(m)} 元，超过家庭纯收入的 {percent(share.decimal)}"
                f"（{money(t)} 元；"
                f"{cite(share, '合规自付支出预警比例', percent(share.decimal))}）")
    if code == "medical_over_threshold":
        used = medical_threshold_param(t, params)
        label = "脱贫户医疗支出预警标准" if used.name == P_MED_LIFTED else "一般农户医疗支出预警标准"
        return f"合规自付医疗支出 {money(m)} 元，达到 {cite(used, label, f'{money(t)} 元')}"
    if code == "medical_ledger_missing":
        return f"缺少 {ledger_years(on)}，无法判断医疗支出负担"
    if code == "income_dropped":
        drop = params[P_DROP]
        return (f"家庭人均纯收入比上一年度下降 {percent(m)}，达到 "
                f"{cite(drop, '收入大幅下降判定比例', percent(drop.decimal))}")
    if code == "income_drop_ledger_missing":
        return f"缺少 {ledger_years(on)}，无法判断收入是否大幅下降"
    if code == "income_drop_previous_missing":
        return f"缺少 {m} 年度收支台账（上一年度），无法判断收入是否大幅下降"
    if code == "child_out_of_school":
        low, high = params[P_AGE_MIN], params[P_AGE_MAX]
        return (f"家庭成员 {m} 处于义务教育适龄阶段（{low.value}～{high.value} 周岁；"
                f"{cite(low, '义务教育适龄下限', f'{low.value} 周岁')}，"
                f"{cite(high, '义务教育适龄上限', f'{high.value} 周岁')}），"
                "登记为非在校生，且未经批准缓学免学")
    if code == "education_members_missing":
        return "没有在户家庭成员，无法判断义务教育保障情况"
    if code == "member_uninsured":
        return f"家庭成员 {m} 未参加基本医疗保险"
    if code == "insurance_members_missing":
        return "没有在户家庭成员，无法判断基本医疗保险参保情况"
    if code == "housing_unsafe":
        return f"住房安全等级为 {GRADE_LABELS[m or '']}，住房不安全"
    if code == "housing_grade_missing":
        return "住房尚未做安全等级鉴定，无法判断住房安全"
    if code == "water_failing":
        return f"饮水安全未达标：{m}不达标"
    if code == "water_unchecked":
        return f"饮水安全指标 {m} 尚未核查，无法判断饮水安全"
    raise KeyError(f"unknown reason code {code!r}")
