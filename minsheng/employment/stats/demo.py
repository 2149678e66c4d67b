"""Demo 务工规模 targets (演示目标) for ``minsheng demo``: the demo county's whole-year target and
a month-by-month decomposition for the current year, sized on the county's 脱贫 labour force so
the completion rates look like real ones. Idempotent: targets already there are kept.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.models import AuditEventType
from minsheng.employment.rules import month_end
from minsheng.employment.selectors import labour_force_q
from minsheng.employment.stats.models import YEARLY, EmploymentTarget
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory
from minsheng.registry.models import Member

REFERENCE = "演示：县人社局《脱贫劳动力务工规模目标任务分解表》"


def demo_targets_generate(*, county_code: str, year: int | None = None) -> int:
    """Create the county's targets for ``year`` (default: this year); returns how many."""
    year = year or timezone.localdate().year
    county = Region.objects.get(code=county_code)
    lo, hi = subtree_bounds(county.code, county.level)
    q = labour_force_q([(lo, hi)], month_end(f"{year}-06"))
    lifted = (Member.objects.filter(q, household__category=HouseholdCategory.LIFTED).count()
              if q is not None else 0)
    # The demo's choice, not a policy number: four fifths of the 脱贫 labour force at work by
    # the year's end, rising through the year (the demo's statuses land near that).
    yearly = max(10, lifted * 4 // 5)
    made = 0
    with transaction.atomic():
        existing = set(EmploymentTarget.objects.filter(region=county, year=year)
                       .values_list("month", flat=True))
        rows = [(YEARLY, yearly)] + [(m, yearly * (80 + m) // 92) for m in range(1, 13)]
        for month, target in rows:
            if month in existing:
                continue
            EmploymentTarget.objects.create(region=county, year=year, month=month, target=target,
                                            reference=REFERENCE)
            made += 1
        if made:
            record_event(actor=None, actor_username="命令行",
                         event_type=AuditEventType.DEMO_LOADED,
                         note=f"务工规模目标演示数据：{county.name} {year} 年 {made} 条",
                         extra={"year": year, "county": county.code})
    return made
