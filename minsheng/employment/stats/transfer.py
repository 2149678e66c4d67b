"""Metric provider: transfer employment (转移就业) by destination, from the labour ledger.

Counted: the month's ``LabourStatus`` rows with status 务工, by work area (县内 / 省内县外 /
省外), and among them the members of 脱贫户 (``Household.category``, as the registry marks it
today). A status is counted in the village it was recorded in. The registry does not mark
监测对象 yet (issue 5); when it does, they join the 脱贫 count here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import models

from minsheng.employment.choices import WorkStatus
from minsheng.employment.models import LabourStatus
from minsheng.employment.stats.grouping import grouped
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory, WorkArea

METRICS: list[tuple[str, str, str]] = [
    ("transfer_employed", "务工人数", "人"),
    ("transfer_in_county", "县内务工", "人"),
    ("transfer_in_province", "省内县外务工", "人"),
    ("transfer_out_of_province", "省外务工", "人"),
    ("transfer_lifted", "其中脱贫人口", "人"),
]
AREAS = {"transfer_in_county": WorkArea.IN_COUNTY,
         "transfer_in_province": WorkArea.IN_PROVINCE,
         "transfer_out_of_province": WorkArea.OUT_OF_PROVINCE}
LIFTED = models.Q(household__category=HouseholdCategory.LIFTED)


def employed(month: str) -> models.QuerySet[LabourStatus]:
    return LabourStatus.objects.filter(month=month, status=WorkStatus.EMPLOYED)


def region_month_values(regions: Sequence[Region],
                        month: str) -> dict[str, dict[str, int | Decimal]]:
    rows = grouped(
        employed(month), "region_id", regions,
        transfer_employed=models.Count("id"),
        **{key: models.Count("id", filter=models.Q(work_area=area)) for key, area in AREAS.items()},
        transfer_lifted=models.Count("id", filter=LIFTED))
    empty = {key: 0 for key, _label, _unit in METRICS}
    return {r.code: {**empty, **rows.get(r.code, {})} for r in regions}
