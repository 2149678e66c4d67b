"""The monitoring rules (监测预警规则) as pure functions of (facts, parameters, date).

Each rule reads ``HouseholdFacts`` and the parameters already looked up for the household's
region and date, and returns an ``Outcome``: ``risk`` with at least one reason, ``unknown``
with the missing facts named (never ``clear`` when a fact is missing), or ``clear``. Money is
computed in whole 分 (integers), so a boundary is exact: a per-capita income exactly at the
监测范围 is not below it. The set-based SQL (``rules.sql``) follows the same arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from minsheng.policy.rules.facts import WATER_FIELDS, WATER_LABELS, HouseholdFacts, LedgerFacts
from minsheng.policy.rules.params import Param, Resolved
from minsheng.policy.rules.text import (
    P_AGE_MAX,
    P_AGE_MIN,
    P_COUNTED,
    P_DEDUCTED,
    P_DROP,
    P_MED_LIFTED,
    P_MED_OTHERS,
    P_RANGE,
    P_SHARE,
    ledger_years,
    sentence,
)

RISK, CLEAR, UNKNOWN = "risk", "clear", "unknown"
UNSAFE_GRADES = ("C", "D")


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    values: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "values": dict(self.values)}


@dataclass(frozen=True)
class Outcome:
    rule_id: str
    rule_version: int
    status: str
    reasons: tuple[Reason, ...] = ()
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    title: str
    parameter_names: tuple[str, ...]
    reason_codes: tuple[str, ...]  # risk reasons first, then the "unknown" ones
    function: Callable[[HouseholdFacts, dt.date, Resolved], list[Finding]] = field(
        repr=False, compare=False)


@dataclass(frozen=True)
class Finding:
    """What a rule function found, before the sentence is written."""

    code: str
    status: str  # RISK or UNKNOWN
    measured: str | None = None
    threshold: str | None = None
    missing: str = ""  # the Chinese name of the missing fact (UNKNOWN only)
    extra: dict[str, str] = field(default_factory=dict)


# --- exact arithmetic shared with the SQL (rules.sql mirrors each step) ----------------------


def floor_div(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) rounded down, in integers. Rounding down keeps a shown
    figure on the side of the line it was compared on: a per-capita income of 7,999.996 below a
    line of 8,000 shows as 7,999.99, never as 8,000."""
    return numerator // denominator


def fixed(units: int, places: int) -> str:
    """An integer count of 10^-places as a decimal string: ``fixed(583250, 2)`` → ``5832.50``."""
    sign = "-" if units < 0 else ""
    scale = 10 ** places
    return f"{sign}{abs(units) // scale}.{abs(units) % scale:0{places}d}"


def ratio(value: Decimal) -> tuple[int, int]:
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator


def current_ledger(facts: HouseholdFacts, on: dt.date) -> LedgerFacts | None:
    """The ledger of ``on``'s year, else of the year before; None when neither exists."""
    return facts.ledgers.get(on.year) or facts.ledgers.get(on.year - 1)


def net_cents(ledger: LedgerFacts, params: Resolved) -> int:
    """家庭纯收入 in 分: counted income items minus deducted expenses (both from parameters)."""
    counted = sum(ledger.amount(name) for name in params[P_COUNTED].codes)
    deducted = sum(ledger.amount(name) for name in params[P_DEDUCTED].codes)
    return counted - deducted


def cents_of(param: Param) -> int:
    return int(param.decimal * 100)


# --- the rules --------------------------------------------------------------------------------


def income(facts: HouseholdFacts, on: dt.date, params: Resolved) -> list[Finding]:
    ledger = current_ledger(facts, on)
    found = []
    if ledger is None:
        found.append(Finding("income_ledger_missing", UNKNOWN, missing=ledger_years(on)))
    if facts.people == 0:
        found.append(Finding("income_members_missing", UNKNOWN, missing="在户家庭成员"))
    if found or ledger is None:
        return found
    net = net_cents(ledger, params)
    line = cents_of(params[P_RANGE])
    if net < line * facts.people:  # strictly below: exactly at the line is not at risk
        return [Finding("income_below_range", RISK,
                        measured=fixed(floor_div(net, facts.people), 2),
                        threshold=fixed(line, 2),
                        extra={"ledger_year": str(ledger.year), "net_income": fixed(net, 2),
                               "people": str(facts.people)})]
    return []


def medical_burden(facts: HouseholdFacts, on: dt.date, params: Resolved) -> list[Finding]:
    ledger = current_ledger(facts, on)
    if ledger is None:
        return [Finding("medical_ledger_missing", UNKNOWN, missing=ledger_years(on))]
    medical = ledger.amount("medical_out_of_pocket")
    net = net_cents(ledger, params)
    extra = {"ledger_year": str(ledger.year), "net_income": fixed(net, 2)}
    found = []
    share_num, share_den = ratio(params[P_SHARE].decimal)
    if medical > 0 and medical * share_den > share_num * net:
        found.append(Finding("medical_over_income_share", RISK, measured=fixed(medical, 2),
                             threshold=fixed(floor_div(share_num * net, share_den), 2),
                             extra=extra))
    limit = params[P_MED_LIFTED if facts.category == "lifted" else P_MED_OTHERS]
    if medical > 0 and medical >= cents_of(limit):
        found.append(Finding("medical_over_threshold", RISK, measured=fixed(medical, 2),
                             threshold=fixed(cents_of(limit), 2), extra=extra))
    return found


def income_drop(facts: HouseholdFacts, on: dt.date, params: Resolved) -> list[Finding]:
    ledger = current_ledger(facts, on)
    if ledger is None:
        return [Finding("income_drop_ledger_missing", UNKNOWN, missing=ledger_years(on))]
    previous = facts.ledgers.get(ledger.year - 1)
    if previous is None:
        return [Finding("income_drop_previous_missing", UNKNOWN, measured=str(ledger.year - 1),
                        missing=f"{ledger.year - 1} 年度收支台账")]
    now, before = net_cents(ledger, params), net_cents(previous, params)
    if before <= 0:
        return []  # nothing to fall from: a zero or negative income is the income rule's case
    num, den = ratio(params[P_DROP].decimal)
    if (before - now) * den >= num * before:
        return [Finding("income_dropped", RISK,
                        measured=fixed(floor_div((before - now) * 10000, before), 4),
                        threshold=str(params[P_DROP].decimal),
                        extra={"ledger_year": str(ledger.year), "net_income": fixed(now, 2),
                               "previous_net_income": fixed(before, 2)})]
    return []


def education(facts: HouseholdFacts, on: dt.date, params: Resolved) -> list[Finding]:
    if facts.people == 0:
        return [Finding("education_members_missing", UNKNOWN, missing="在户家庭成员")]
    low, high = params[P_AGE_MIN].value, params[P_AGE_MAX].value
    names = [m.name for m in sorted(facts.members, key=lambda m: m.id)
             if m.school_stage == "not_in_school" and low <= m.age_on(on) <= high]
    if names:
        return [Finding("child_out_of_school", RISK, measured="、".join(names))]
    return []


def medical_insurance(facts: HouseholdFacts, on: dt.date, params: Resolved) -> list[Finding]:
    if facts.people == 0:
        return [Finding("insurance_members_missing", UNKNOWN, missing="在户家庭成员")]
    names = [m.name for m in sorted(facts.members, key=lambda m: m.id) if not m.medical_insurance]
    if names:
        return [Finding("member_uninsured", RISK, measured="、".join(names))]
    return []


def housing(facts: HouseholdFacts, on: dt.date, params: Resolved) -> list[Finding]:
    if not facts.housing_grade:
        return [Finding("housing_grade_missing", UNKNOWN, missing="住房安全等级鉴定")]
    if facts.housing_grade in UNSAFE_GRADES:
        return [Finding("housing_unsafe", RISK, measured=facts.housing_grade)]
    return []


def water(facts: HouseholdFacts, on: dt.date, params: Resolved) -> list[Finding]:
    checks = facts.water()
    failing = [WATER_LABELS[name] for name in WATER_FIELDS if checks[name] is False]
    if failing:
        return [Finding("water_failing", RISK, measured="、".join(failing))]
    unchecked = [WATER_LABELS[name] for name in WATER_FIELDS if checks[name] is None]
    if unchecked:
        labels = "、".join(unchecked)
        return [Finding("water_unchecked", UNKNOWN, measured=labels,
                        missing=f"饮水安全核查结果（{labels}）")]
    return []


RULES: tuple[Rule, ...] = (
    Rule("income", 1, "家庭人均纯收入低于监测范围", (P_RANGE, P_COUNTED, P_DEDUCTED),
         ("income_below_range", "income_ledger_missing", "income_members_missing"), income),
    Rule("medical_burden", 1, "合规自付医疗支出负担过重",
         (P_COUNTED, P_DEDUCTED, P_SHARE, P_MED_LIFTED, P_MED_OTHERS),
         ("medical_over_income_share", "medical_over_threshold", "medical_ledger_missing"),
         medical_burden),
    Rule("income_drop", 1, "家庭人均纯收入大幅下降", (P_COUNTED, P_DEDUCTED, P_DROP),
         ("income_dropped", "income_drop_ledger_missing", "income_drop_previous_missing"),
         income_drop),
    Rule("education", 1, "义务教育适龄子女失学辍学", (P_AGE_MIN, P_AGE_MAX),
         ("child_out_of_school", "education_members_missing"), education),
    Rule("medical_insurance", 1, "家庭成员未参加基本医疗保险", (),
         ("member_uninsured", "insurance_members_missing"), medical_insurance),
    Rule("housing", 1, "住房不安全（C 级、D 级危房）", (),
         ("housing_unsafe", "housing_grade_missing"), housing),
    Rule("water", 1, "饮水安全不达标", (), ("water_failing", "water_unchecked"), water),
)
RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}
RULE_OF_REASON: Mapping[str, Rule] = {code: rule for rule in RULES for code in rule.reason_codes}
UNKNOWN_REASONS = frozenset({
    "income_ledger_missing", "income_members_missing", "medical_ledger_missing",
    "income_drop_ledger_missing", "income_drop_previous_missing", "education_members_missing",
    "insurance_members_missing", "housing_grade_missing", "water_unchecked"})
PARAMETER_NAMES: tuple[str, ...] = tuple(dict.fromkeys(
    name for rule in RULES for name in rule.parameter_names))


def evaluate_rule(rule: Rule, facts: HouseholdFacts, *, on: dt.date,
                  params: Resolved) -> Outcome:
    findings = rule.function(facts, on, params)
    used = {name: params[name] for name in rule.parameter_names}
    reasons = tuple(
        Reason(code=f.code,
               text=sentence(f.code, measured=f.measured, threshold=f.threshold, on=on,
                             params=used),
               values={**({"measured": f.measured} if f.measured is not None else {}),
                       **({"threshold": f.threshold} if f.threshold is not None else {}),
                       **({"missing": f.missing} if f.missing else {}), **f.extra})
        for f in findings)
    if any(f.status == RISK for f in findings):
        status = RISK
        reasons = tuple(r for r, f in zip(reasons, findings, strict=True) if f.status == RISK)
    elif findings:
        status = UNKNOWN
    else:
        status = CLEAR
    missing = tuple(f.missing for f in findings if f.status == UNKNOWN and status == UNKNOWN)
    return Outcome(rule_id=rule.id, rule_version=rule.version, status=status, reasons=reasons,
                   parameters={name: dict(p.snapshot) for name, p in used.items()},
                   missing=missing)


def evaluate_resolved(facts: HouseholdFacts, *, on: dt.date, params: Resolved) -> list[Outcome]:
    return [evaluate_rule(rule, facts, on=on, params=params) for rule in RULES]
