"""Metric provider: 脱贫劳动力务工规模 against the target (务工规模目标完成情况).

Achieved (实际): 脱贫劳动力（含监测对象）— the members of 脱贫户 or of 监测对象 households whose
status of the month is 务工 (any work area), counted as ``transfer_lifted`` in ``transfer``. Target (目标): the month's target of the region if one was entered, else its
whole-year target (``month`` = 0); a city or province without a target of its own adds up the
targets of the counties under it. Townships and villages have no target (targets are handed
down to counties). Completion rate (完成率) = achieved ÷ target × 100, one decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import models

from minsheng.employment.stats.grouping import grouped, range_q
from minsheng.employment.stats.models import YEARLY, EmploymentTarget
from minsheng.employment.stats.transfer import employed, lifted_q
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.models import Region

METRICS: list[tuple[str, str, str]] = [
    ("scale_target", "务工规模目标", "人"),
    ("scale_achieved", "务工规模（脱贫劳动力务工，含监测对象）", "人"),
    ("scale_rate", "目标完成率", "%"),
]


def rate(achieved: int, target: int | None) -> Decimal | None:
    if not target:
        return None
    return (Decimal(achieved) * 100 / Decimal(target)).quantize(Decimal("0.1"))


def targets_for(regions: Sequence[Region], month: str) -> dict[str, int | None]:
    """The target in force for each region in ``month`` (None: no target). One query."""
    year, number = (int(x) for x in month.split("-"))
    upper = [r for r in regions if r.level <= RegionLevel.COUNTY]
    out: dict[str, int | None] = {r.code: None for r in regions}
    if not upper:
        return out
    rows = (EmploymentTarget.objects.filter(range_q("region_id", upper), year=year,
                                            month__in=(YEARLY, number))
            .values_list("region_id", "region__level", "month", "target"))
    own: dict[str, dict[int, int]] = {}
    levels: dict[str, int] = {}
    for code, level, month_number, target in rows:
        own.setdefault(code, {})[month_number] = target
        levels[code] = level

    def in_force(code: str) -> int | None:
        entry = own.get(code, {})
        return entry.get(number, entry.get(YEARLY))

    for region in upper:
        value = in_force(region.code)
        if value is None and region.level < RegionLevel.COUNTY:
            lo, hi = subtree_bounds(region.code, region.level)
            counties = [in_force(code) for code, level in levels.items()
                        if level == RegionLevel.COUNTY and lo <= code <= hi]
            counted = [v for v in counties if v is not None]
            value = sum(counted) if counted else None
        out[region.code] = value
    return out


def region_month_values(regions: Sequence[Region],
                        month: str) -> dict[str, dict[str, int | Decimal | None]]:
    achieved = grouped(employed(month).filter(lifted_q(month)), "region_id", regions,
                       n=models.Count("id"))
    targets = targets_for(regions, month)
    out: dict[str, dict[str, int | Decimal | None]] = {}
    for region in regions:
        done = achieved.get(region.code, {}).get("n", 0)
        target = targets[region.code]
        out[region.code] = {"scale_target": target, "scale_achieved": done,
                            "scale_rate": rate(done, target)}
    return out
