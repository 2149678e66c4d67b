"""Demo data of employment assistance (就业演示数据) for ``minsheng demo``: some enterprises with
valid 统一社会信用代码, 就业帮扶车间 in villages with registered households (workers linked to
脱贫户 members, subsidies, one 停产 → 复工), and one month of work statuses for the county's
labour force. Deterministic for a seed; idempotent (existing enterprises and statuses are kept).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from minsheng.core.audit import record_event
from minsheng.core.models import AuditEventType
from minsheng.employment.choices import (
    Sector,
    SubsidyKind,
    UnemployedReason,
    WorkerCategory,
    WorkshopStatus,
    WorkshopType,
    WorkStatus,
)
from minsheng.employment.models import (
    Enterprise,
    LabourStatus,
    Workshop,
    WorkshopStatusChange,
    WorkshopSubsidy,
    WorkshopWorker,
)
from minsheng.employment.rules import month_end, month_of, previous_month
from minsheng.employment.selectors import labour_force_q
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory, WorkArea
from minsheng.registry.models import Household, Member

ENTERPRISES = (
    ("邵阳县湘妹子制衣有限公司", Sector.MANUFACTURING, WorkshopType.FACTORY, "制衣"),
    ("邵阳县竹艺手工编织专业合作社", Sector.HANDICRAFT, WorkshopType.HOME, "竹编"),
    ("邵阳县油茶种植专业合作社", Sector.AGRICULTURE, WorkshopType.FARMING, "油茶"),
    ("邵阳县电子元件加工有限公司", Sector.MANUFACTURING, WorkshopType.FACTORY, "电子"),
    ("邵阳县山货电商有限公司", Sector.TRADE, WorkshopType.OTHER, "电商"),
)
EMPLOYERS = ("广东东莞电子厂", "浙江义乌小商品公司", "长沙建筑公司", "邵阳县制衣车间", "县城餐饮店",
             "深圳物流公司", "邵阳市家政公司")


@dataclass
class EmploymentDemoReport:
    enterprises: int = 0
    workshops: int = 0
    statuses: int = 0
    month: str = ""


def _uscc(county_code: str, index: int, seed: int) -> str:
    rng = random.Random(f"{seed}:{index}")
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "92" + county_code[:6] + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


def demo_employment_generate(*, county_code: str, seed: int,
                             month: str | None = None) -> EmploymentDemoReport:
    report = EmploymentDemoReport()
    rng = random.Random(seed)
    month = month or previous_month(month_of(timezone.localdate()))
    report.month = month
    county = Region.objects.get(code=county_code)
    lo, hi = subtree_bounds(county.code, county.level)
    villages = list(Household.objects.filter(region_id__gte=lo, region_id__lte=hi,
                                             archived=False, category=HouseholdCategory.LIFTED)
                    .values_list("region_id", flat=True).distinct().order_by("region_id")[:40])
    today = timezone.localdate()
    with transaction.atomic():
        for i, (name, sector, kind, trade) in enumerate(ENTERPRISES):
            number = _uscc(county.code, i, seed)
            if Enterprise.objects.filter(uscc=number).exists():
                continue
            enterprise = Enterprise.objects.create(
                uscc=number, name=name, region=county, sector=sector,
                address=f"{county.name}工业园区{i + 1}号", contact_name=f"联系人{i + 1}",
                contact_phone=f"139{rng.randrange(10**8):08d}",
                lng=Decimal("111.2") + Decimal(i) / 50, lat=Decimal("27.0") + Decimal(i) / 60)
            report.enterprises += 1
            if not villages:
                continue
            village = villages[(i * 7) % len(villages)]
            start = today - dt.timedelta(days=200 + 30 * i)
            workshop = Workshop.objects.create(
                enterprise=enterprise, region_id=village, name=f"{trade}就业帮扶车间",
                workshop_type=kind, headcount=12 + 3 * i, status=WorkshopStatus.PRODUCING,
                status_since=start)
            WorkshopStatusChange.objects.create(workshop=workshop, to_status="producing",
                                                on=start, reason="登记", actor_name="演示数据")
            report.workshops += 1
            lifted = list(Member.objects.filter(
                household__region_id=village, active=True, household__archived=False,
                household__category=HouseholdCategory.LIFTED,
                labour_capacity__in=("ordinary", "skilled", "weak"))[:8])
            for j, member in enumerate(lifted[:4 + i % 3]):
                WorkshopWorker.objects.create(
                    workshop=workshop, name=member.name, id_number=member.id_number,
                    member=member, category=WorkerCategory.LIFTED, contract_start=start,
                    contract_months=12 if j % 4 else 6)
            hired = len(lifted[:4 + i % 3])
            if hired:  # a subsidy per 脱贫 worker taken on; none in a village without them
                WorkshopSubsidy.objects.create(
                    workshop=workshop, kind=SubsidyKind.JOB_STABILITY,
                    amount=Decimal(2000 * hired), granted_on=start + dt.timedelta(days=60),
                    note="按吸纳脱贫人口人数发放（演示）")
            if i == 1:
                stop = start + dt.timedelta(days=90)
                for frm, to, day, why in (("producing", "stopped", stop, "订单不足（演示）"),
                                          ("stopped", "resumed", stop + dt.timedelta(days=30),
                                           "新订单到位（演示）")):
                    WorkshopStatusChange.objects.create(workshop=workshop, from_status=frm,
                                                        to_status=to, on=day, reason=why,
                                                        actor_name="演示数据")
                workshop.status, workshop.status_since = WorkshopStatus.RESUMED, stop + \
                    dt.timedelta(days=30)
                workshop.save()
        q = labour_force_q([(lo, hi)], month_end(month))
        members = list(Member.objects.filter(q).select_related("household")) if q else []
        done = set(LabourStatus.objects.filter(member__in=members, month=month)
                   .values_list("member_id", flat=True))
        rows = []
        reasons = [r for r in UnemployedReason.values]
        for m in members:
            if m.pk in done:
                continue
            working = m.work_area in (WorkArea.IN_COUNTY, WorkArea.IN_PROVINCE,
                                      WorkArea.OUT_OF_PROVINCE) or rng.random() < 0.2
            if working:
                area = m.work_area or WorkArea.IN_COUNTY
                rows.append(LabourStatus(
                    member=m, household=m.household, region_id=m.household.region_id,
                    month=month, status=WorkStatus.EMPLOYED, work_area=area,
                    employer_name=rng.choice(EMPLOYERS), work_months=max(1, m.work_months),
                    monthly_income=Decimal(rng.randrange(2000, 6500, 100))))
            else:
                rows.append(LabourStatus(
                    member=m, household=m.household, region_id=m.household.region_id,
                    month=month, status=WorkStatus.UNEMPLOYED,
                    unemployed_reason=rng.choice(reasons)))
        LabourStatus.objects.bulk_create(rows, batch_size=1000)
        report.statuses = len(rows)
        record_event(actor=None, actor_username="命令行", event_type=AuditEventType.DEMO_LOADED,
                     note=f"就业帮扶演示数据：企业 {report.enterprises} 家，车间 {report.workshops} 个，"
                     f"{month} 就业状态 {report.statuses} 条",
                     extra={"seed": seed, "month": month})
    return report
