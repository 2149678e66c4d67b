"""Department thresholds (部门推送阈值): whether a row reaches the policy parameter in force for
that person. The numbers live only in ``policy/parameters/departments/``; this module says
which parameter applies and keeps the lookup (value and reference) with the lead.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from minsheng.core.errors import InvalidInput
from minsheng.core.roles import Department
from minsheng.policy.errors import PolicyError
from minsheng.policy.selectors import active_parameters
from minsheng.registry.choices import HouseholdCategory

_MEDICAL = "departments.medical_insurance"
LIFTED_GROUP = "脱贫人口"
OTHERS_GROUP = "其他农村人口"


class ThresholdUnavailable(InvalidInput):
    """No parameter in force for the row's date and region: the row cannot be judged."""


def _check(name: str, amount: Decimal, *, on: dt.date, region_code: str,
           group: str) -> dict[str, Any]:
    params = active_parameters()
    try:
        found = params.value(name, on=on, region_code=region_code)
    except PolicyError as exc:
        raise ThresholdUnavailable(exc.message) from exc
    limit = Decimal(str(found.value))
    snapshot = found.snapshot()
    return {**snapshot, "description": params.get(name).description, "group": group,
            "amount": str(amount), "reached": amount >= limit}


def evaluate(department: str, details: dict[str, Any], *, member: Any,
             on: dt.date) -> tuple[bool | None, list[dict[str, Any]]]:
    """(reached, checks) for one matched row; (None, []) for departments without thresholds.

    医保: the year's inpatient out-of-pocket total against the threshold for 脱贫人口 (a member
    of a household of category 脱贫户) or for other rural people, and, when given, the month's
    outpatient out-of-pocket against the monthly threshold. Reached when any check is reached.
    """
    if department != Department.MEDICAL_INSURANCE:
        return None, []
    lifted = member.household.category == HouseholdCategory.LIFTED
    group = LIFTED_GROUP if lifted else OTHERS_GROUP
    region = member.household.region_id
    checks = []
    inpatient = details.get("inpatient_out_of_pocket")
    if inpatient is not None:
        name = (f"{_MEDICAL}.inpatient_out_of_pocket_poverty_alleviated" if lifted
                else f"{_MEDICAL}.inpatient_out_of_pocket_others")
        checks.append(_check(name, Decimal(inpatient), on=on, region_code=region, group=group))
    outpatient = details.get("outpatient_out_of_pocket")
    if outpatient is not None:
        checks.append(_check(f"{_MEDICAL}.outpatient_out_of_pocket_monthly", Decimal(outpatient),
                             on=on, region_code=region, group=group))
    if not checks:
        return None, []
    return any(c["reached"] for c in checks), checks
