"""Policy rules as code (监测预警规则): ``from minsheng.policy import rules``.

Seven versioned rules (``RULES``) read a household's facts and the parameters in force for its
village and the date, and give one ``Outcome`` each: ``risk`` with reasons, ``unknown`` with the
missing facts named, or ``clear``. Every reason carries a Chinese sentence naming the numbers,
the parameter's year and value, and its reference document (``（模拟值）`` for a what-if value).

Two evaluations that must agree (the YAML cases check both on SQLite and PostgreSQL):

* ``evaluate(facts, on=, region_code=)`` in Python, one household;
* ``screening_sql(on=, region_code=)``: one SELECT over every non-archived household of a
  region, one row per (household, reason) whose status is risk or unknown, with the columns
  ``household_id, region_code, rule_id, rule_version, reason_code, status, measured, threshold,
  people``. ``explain(reason_code, measured=, threshold=, on=, region_code=)`` turns a row into
  the same sentence ``Reason.text`` gives.
* ``what_if_sql(on=, region_code=, overrides=)``: the same rows for today's values and for
  hypothetical ones in one pass over the registry, with a last column ``side`` (0 today, 1 the
  what-if) and no figures (``measured`` / ``threshold`` NULL): the 政策模拟测算's input.

What ``measured`` / ``threshold`` hold, per reason code (text; NULL where not listed):

==============================  ==========================================  =====================
reason                          measured                                    threshold
==============================  ==========================================  =====================
income_below_range              人均纯收入, yuan (``5832.50``)               监测范围 (``8700.00``)
medical_over_income_share       合规自付医疗支出, yuan                        share × 家庭纯收入, yuan
medical_over_threshold          合规自付医疗支出, yuan                        the 预警标准, yuan
income_dropped                  drop share, 4 places (``0.3500``)           the share (``0.3``)
income_drop_previous_missing    the missing year (``2024``)
child_out_of_school             the members' names, ``、``-joined, by id
member_uninsured                the members' names, ``、``-joined, by id
housing_unsafe                  the grade (``C`` / ``D``)
water_failing                   failing indicators (``水量、水质``)
water_unchecked                 unchecked indicators
==============================  ==========================================  =====================

The other reasons (``*_ledger_missing``, ``*_members_missing``, ``housing_grade_missing``) have
neither. A missing parameter raises ``ParameterMissing`` (never 0). On PostgreSQL, run the
screening SELECT with ``SET LOCAL jit = off`` (JIT compiling costs more than the query;
``monitoring.services.screening_tune``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from minsheng.policy.parameters import ParameterSet
from minsheng.policy.rules.engine import (
    CLEAR,
    PARAMETER_NAMES,
    RISK,
    RULE_OF_REASON,
    RULES,
    RULES_BY_ID,
    UNKNOWN,
    Outcome,
    Reason,
    Rule,
    evaluate_resolved,
    evaluate_rule,
)
from minsheng.policy.rules.facts import HouseholdFacts, household_facts
from minsheng.policy.rules.params import (
    active_set,
    coerce_overrides,
    coerce_value,
    from_snapshots,
    resolve,
)
from minsheng.policy.rules.sql import screening_sql, what_if_sql
from minsheng.policy.rules.text import sentence

if TYPE_CHECKING:
    from minsheng.policy.models import Determination

__all__ = [
    "CLEAR", "REASON_CODES", "REASON_LABELS", "RISK", "RULES", "UNKNOWN", "HouseholdFacts",
    "Outcome", "Reason",
    "Rule", "coerce_overrides", "coerce_value", "determine", "evaluate", "explain",
    "household_facts", "parameter_snapshot", "replay", "rule_of_reason", "screening_sql",
    "what_if_sql",
]

REASON_CODES: tuple[str, ...] = tuple(code for rule in RULES for code in rule.reason_codes)

# Short Chinese names of the reason codes, for table headers and filters (the full sentence with
# the figures and references is ``Reason.text`` / ``explain``).
REASON_LABELS: dict[str, str] = {
    "income_below_range": "人均纯收入低于监测范围",
    "income_ledger_missing": "缺少收支台账（收入）",
    "income_members_missing": "无在户成员（收入）",
    "medical_over_income_share": "医疗支出超过收入比例",
    "medical_over_threshold": "医疗支出达到预警标准",
    "medical_ledger_missing": "缺少收支台账（医疗）",
    "income_dropped": "收入大幅下降",
    "income_drop_ledger_missing": "缺少收支台账（收入下降）",
    "income_drop_previous_missing": "缺少上年度收支台账",
    "child_out_of_school": "义务教育适龄儿童失学",
    "education_members_missing": "无在户成员（教育）",
    "member_uninsured": "成员未参加基本医保",
    "insurance_members_missing": "无在户成员（医保）",
    "housing_unsafe": "住房不安全",
    "housing_grade_missing": "住房未鉴定",
    "water_failing": "饮水不达标",
    "water_unchecked": "饮水未核查",
}


def rule_of_reason(reason_code: str) -> Rule:
    """The rule a reason code belongs to (codes are unique across rules)."""
    try:
        return RULE_OF_REASON[reason_code]
    except KeyError:
        raise KeyError(f"unknown reason code {reason_code!r}") from None


def _resolved(names: Iterable[str], *, on: dt.date, region_code: str,
              overrides: Mapping[str, object] | None, parameters: ParameterSet | None) -> dict:
    source = active_set(parameters)
    return resolve(names, on=on, region_code=region_code,
                   overrides=coerce_overrides(overrides, source), parameters=source)


def evaluate(facts: HouseholdFacts, *, on: dt.date, region_code: str,
             overrides: Mapping[str, object] | None = None,
             parameters: ParameterSet | None = None) -> list[Outcome]:
    """One ``Outcome`` per rule (in ``RULES`` order) for one household. Pure: no database
    access when ``parameters`` is given."""
    params = _resolved(PARAMETER_NAMES, on=on, region_code=region_code, overrides=overrides,
                       parameters=parameters)
    return evaluate_resolved(facts, on=on, params=params)


def explain(reason_code: str, *, measured: str | None, threshold: str | None, on: dt.date,
            region_code: str, overrides: Mapping[str, object] | None = None,
            parameters: ParameterSet | None = None) -> str:
    """The sentence ``Reason.text`` gives for that reason, from a screening row's values."""
    rule = rule_of_reason(reason_code)
    params = _resolved(rule.parameter_names, on=on, region_code=region_code,
                       overrides=overrides, parameters=parameters)
    return sentence(reason_code, measured=measured, threshold=threshold, on=on, params=params)


def parameter_snapshot(*, on: dt.date, region_code: str,
                       overrides: Mapping[str, object] | None = None,
                       parameters: ParameterSet | None = None) -> dict[str, dict[str, Any]]:
    """Every parameter the rules use, as stored in a determination (name → snapshot)."""
    params = _resolved(PARAMETER_NAMES, on=on, region_code=region_code, overrides=overrides,
                       parameters=parameters)
    return {name: dict(param.snapshot) for name, param in params.items()}


def replay(*, rule_id: str, rule_version: int, on: dt.date, facts: Mapping[str, Any],
           parameters: Mapping[str, Mapping[str, Any]]) -> Outcome:
    """Re-evaluate a stored determination from its own facts and parameter snapshots (not from
    today's registry or files): ``replay(rule_id=d.rule_id, rule_version=d.rule_version,
    on=d.on, facts=d.facts, parameters=d.used_parameters)`` for a stored ``Determination``
    ``d``."""
    rule = RULES_BY_ID[rule_id]
    if rule.version != rule_version:
        raise ValueError(f"rule {rule_id} v{rule_version} is not available")
    return evaluate_rule(rule, HouseholdFacts.from_mapping(facts), on=on,
                         params=from_snapshots(parameters))


def determine(household_id: int, *, on: dt.date, source: str = "") -> list[Determination]:
    """Evaluate one household with today's parameters and store one ``Determination`` per
    rule, in one transaction (``policy.services.determination_record``)."""
    from minsheng.policy.services import determination_record

    return determination_record(household_id=household_id, on=on, source=source)
