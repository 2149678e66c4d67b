"""Metric provider: transfer employment (转移就业) by destination, from the labour ledger.

Counted: the month's ``LabourStatus`` rows with status 务工, by work area (县内 / 省内县外 /
省外); among them 脱贫人口（含监测对象）— the members of 脱贫户 (``Household.category``, as the
registry marks it today) or of 监测对象 households — and, of those, the 监测对象 alone. A household
counts as a 监测对象 in a month when at the month's end it had been 纳入 and not yet marked
eliminated (``monitoring.case_selectors.monitored_households(on=...)``, a subquery on the case
table, the selector employment's matching uses for today). A person is counted once even when
both apply. A status is counted in the village it was recorded in.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import models

from minsheng.employment.choices import WorkStatus
from minsheng.employment.models import LabourStatus
from minsheng.employment.rules import month_end
from minsheng.employment.stats.grouping import grouped
from minsheng.monitoring.case_selectors import monitored_households
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory, WorkArea

METRICS: list[tuple[str, str, str]] = [
    ("transfer_employed", "务工人数", "人"),
    ("transfer_in_county", "县内务工", "人"),
    ("transfer_in_province", "省内县外务工", "人"),
    ("transfer_out_of_province", "省外务工", "人"),
    ("transfer_lifted", "其中脱贫人口（含监测对象）", "人"),
    ("transfer_monitored", "其中监测对象", "人"),
]
AREAS = {"transfer_in_county": WorkArea.IN_COUNTY,
         "transfer_in_province": WorkArea.IN_PROVINCE,
         "transfer_out_of_province": WorkArea.OUT_OF_PROVINCE}


def monitored_q(month: str) -> models.Q:
    """Rows of the members of households that were 监测对象 at the end of ``month`` (one
    subquery on the monitoring cases)."""
    return models.Q(household_id__in=monitored_households(on=month_end(month)))


def lifted_q(month: str) -> models.Q:
    """Rows of 脱贫人口（含监测对象）: members of 脱贫户 or of the month's 监测对象 households."""
    return models.Q(household__category=HouseholdCategory.LIFTED) | monitored_q(month)


def employed(month: str) -> models.QuerySet[LabourStatus]:
    return LabourStatus.objects.filter(month=month, status=WorkStatus.EMPLOYED)


def region_month_values(regions: Sequence[Region],
                        month: str) -> dict[str, dict[str, int | Decimal]]:
    rows = grouped(
        employed(month), "region_id", regions,
        transfer_employed=models.Count("id"),
        **{key: models.Count("id", filter=models.Q(work_area=area)) for key, area in AREAS.items()},
        transfer_lifted=models.Count("id", filter=lifted_q(month)),
        transfer_monitored=models.Count("id", filter=monitored_q(month)))
    empty = {key: 0 for key, _label, _unit in METRICS}
    return {r.code: {**empty, **rows.get(r.code, {})} for r in regions}
