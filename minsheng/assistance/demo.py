"""Demo data of assistance for ``minsheng demo``: plans (一户一策) for some 脱贫户 of the demo
county with the system's suggestions adopted, the demo village monitor as 帮扶责任人 of the
households of its village, and last month's follow-up visit for half of them — so this month's
due list has both visited and unvisited households. Written through the real services and
rules. Deterministic for a seed; idempotent (a county that has plans is left alone).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from minsheng.assistance import services
from minsheng.assistance.models import AssistancePlan, IncomeChange
from minsheng.core.errors import MinshengError
from minsheng.core.models import User
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import RegionAssignment
from minsheng.registry.choices import HouseholdCategory
from minsheng.registry.models import Household

SURNAMES = "张王李刘陈杨赵黄周吴"


@dataclass
class DemoAssistance:
    plans: int = 0
    measures: int = 0
    visits: int = 0


def demo_assistance_generate(*, county_code: str, seed: int, count: int = 24) -> DemoAssistance:
    made = DemoAssistance()
    lo, hi = subtree_bounds(county_code, 3)
    if AssistancePlan.objects.filter(region_id__gte=lo, region_id__lte=hi).exists():
        return made
    county = User.objects.filter(username="county_office", is_active=True).first()
    monitor = User.objects.filter(username="village_monitor", is_active=True).first()
    if county is None:
        return made
    monitor_village = (RegionAssignment.objects.filter(user=monitor)
                       .values_list("region_id", flat=True).first() if monitor else None)
    rng = random.Random(seed)
    base = Household.objects.filter(region_id__gte=lo, region_id__lte=hi, archived=False)
    chosen: list[Household] = []
    if monitor_village:
        chosen += list(base.filter(region_id=monitor_village).order_by("household_no")[:6])
    chosen += list(base.filter(category=HouseholdCategory.LIFTED)
                   .exclude(pk__in=[h.pk for h in chosen]).order_by("region_id",
                                                                     "household_no")[:count])
    today = timezone.localdate()
    last_month_day = today.replace(day=1) - dt.timedelta(days=1)
    visit_day = last_month_day.replace(day=min(15, last_month_day.day))
    for n, household in enumerate(chosen):
        mine = monitor is not None and household.region_id == monitor_village
        try:
            plan = services.plan_create(
                actor=county, household=household,
                responsible_name="" if mine else f"{rng.choice(SURNAMES)}干部",
                responsible_phone=f"139{rng.randrange(10**8):08d}",
                responsible_unit="邵阳县乡村振兴局" if not mine else "村委会",
                responsible_user=monitor if mine else None,
                goal="稳定收入，巩固三保障和饮水安全成果", adopt_suggestions=True,
                on=today)
        except MinshengError:
            continue
        made.plans += 1
        made.measures += plan.measures.count()
        if n % 2 == 0:
            services.visit_record(
                actor=county, household=household, month=f"{visit_day:%Y-%m}",
                visit_date=visit_day, income_change=rng.choice(IncomeChange.values),
                cadre_name=plan.responsible_name, education_ok=True, medical_ok=True,
                problems="", next_steps="继续落实帮扶措施，下月再访")
            made.visits += 1
    return made
