"""Training figures for the employment statistics page (helper of ``employment.stats``).

``region_month_values(regions, month)``: for each region (any level, its whole subtree), the
month's values. One query for all regions and metrics (conditional aggregates over the code
ranges of the enrolments' villages).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import models

from minsheng.employment.publicposts.rules import add_months
from minsheng.employment.publicposts.selectors import month_start
from minsheng.employment.rules import month_end
from minsheng.employment.training.models import Enrolment, EnrolmentStatus
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region

METRICS: list[tuple[str, str, str]] = [
    ("trained", "培训结业人数", "人"),
    ("employed_after_training", "培训后就业人数（结业满 3 个月回访）", "人"),
    ("training_subsidy", "培训补贴（按结业人数）", "元"),
]


def region_month_values(regions: Sequence[Region],
                        month: str) -> dict[str, dict[str, int | Decimal]]:
    """trained: completed in the month; employed_after_training: completed three months earlier
    and employed at the 3-month check; training_subsidy: the courses' per-trainee subsidy summed
    over the month's completions."""
    if not regions:
        return {}
    first, last = month_start(month), month_end(month)
    earlier_first = add_months(first, -3)
    earlier_last = month_end(f"{earlier_first:%Y-%m}")
    done = models.Q(status=EnrolmentStatus.COMPLETED)
    this_month = done & models.Q(completed_on__gte=first, completed_on__lte=last)
    checked = done & models.Q(completed_on__gte=earlier_first, completed_on__lte=earlier_last,
                              employed_3m=True)
    aggregates: dict[str, models.Aggregate] = {}
    for i, region in enumerate(regions):
        lo, hi = subtree_bounds(region.code, region.level)
        inside = models.Q(region_id__gte=lo, region_id__lte=hi)
        aggregates[f"t{i}"] = models.Count("id", filter=inside & this_month)
        aggregates[f"e{i}"] = models.Count("id", filter=inside & checked)
        aggregates[f"s{i}"] = models.Sum("course__subsidy_per_trainee",
                                         filter=inside & this_month)
    row = Enrolment.objects.filter(
        models.Q(completed_on__gte=earlier_first, completed_on__lte=last)).aggregate(
        **aggregates)
    return {region.code: {"trained": row[f"t{i}"], "employed_after_training": row[f"e{i}"],
                          "training_subsidy": (row[f"s{i}"] or Decimal("0")).quantize(
                              Decimal("0.01"))}
            for i, region in enumerate(regions)}
