"""公益性岗位 figures for the employment statistics page (helper of ``employment.stats``).

``region_month_values(regions, month)``: for each region (any level, its whole subtree), the
month's values. Two queries for all regions (conditional aggregates over code ranges).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import models

from minsheng.employment.publicposts.models import Appointment, Attendance
from minsheng.employment.publicposts.selectors import in_post_q
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region

METRICS: list[tuple[str, str, str]] = [
    ("on_post", "公益性岗位在岗人数", "人"),
    ("post_subsidy", "公益性岗位补贴应发金额", "元"),
    ("post_paid_people", "领取岗位补贴人数", "人"),
]


def region_month_values(regions: Sequence[Region],
                        month: str) -> dict[str, dict[str, int | Decimal]]:
    """on_post: appointments that held their post on at least one day of the month;
    post_subsidy: the month's attendance amounts (补贴); post_paid_people: attendance rows of
    the month with an amount above zero."""
    if not regions:
        return {}
    people: dict[str, models.Aggregate] = {}
    money: dict[str, models.Aggregate] = {}
    for i, region in enumerate(regions):
        lo, hi = subtree_bounds(region.code, region.level)
        inside = models.Q(region_id__gte=lo, region_id__lte=hi)
        people[f"p{i}"] = models.Count("id", filter=inside)
        money[f"m{i}"] = models.Sum("amount", filter=inside)
        money[f"n{i}"] = models.Count("id", filter=inside & models.Q(amount__gt=0))
    on_post = Appointment.objects.filter(in_post_q(month)).aggregate(**people)
    paid = Attendance.objects.filter(month=month).aggregate(**money)
    return {region.code: {"on_post": on_post[f"p{i}"],
                          "post_subsidy": (paid[f"m{i}"] or Decimal("0")).quantize(
                              Decimal("0.01")),
                          "post_paid_people": paid[f"n{i}"]}
            for i, region in enumerate(regions)}
