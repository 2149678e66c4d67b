"""Demo data of jobs and matching (岗位匹配演示数据) for ``minsheng demo``: made-up coordinates for
the demo county's villages (marked 演示坐标, not real positions), skills and wishes for part of
its labour force, postings of the demo enterprises and one 春风行动 job fair. Deterministic for a
seed; idempotent (existing profiles, postings and the fair are kept). Runs after
``demo_employment_generate`` (it needs the enterprises).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.models import AuditEventType
from minsheng.employment.choices import FairOutcome, PostingStatus
from minsheng.employment.matching import profile_keys_rebuild
from minsheng.employment.models import (
    Enterprise,
    JobFair,
    JobFairAttendee,
    JobFairEnterprise,
    JobPosting,
    LabourProfile,
    VillageLocation,
    Workshop,
)
from minsheng.employment.selectors import labour_force_q
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry.models import Member

TRADES = ("缝纫工", "电焊工", "竹编", "油茶采摘", "电子装配", "电商客服", "普工", "厨师", "保洁",
          "建筑小工", "叉车司机", "家政服务员")
POSTINGS = (("缝纫工", "车间缝纫工", 3200, 5200), ("普工", "包装普工", 2800, 3800),
            ("竹编", "竹编手工艺人（居家）", 2000, 3500), ("油茶采摘", "油茶采摘工（季节性）", 2400, 3000),
            ("电子装配", "电子元件装配工", 3500, 5000), ("电商客服", "电商客服", 3000, 4200),
            ("电焊工", "电焊工", 4500, 7000))
FAIR_NAME = "{year} 年春风行动专场招聘会（演示）"


@dataclass
class JobsDemoReport:
    locations: int = 0
    profiles: int = 0
    postings: int = 0
    fairs: int = 0


def demo_jobs_generate(*, county_code: str, seed: int) -> JobsDemoReport:
    report = JobsDemoReport()
    rng = random.Random(f"jobs:{seed}")
    county = Region.objects.get(code=county_code)
    lo, hi = subtree_bounds(county.code, county.level)
    today = timezone.localdate()
    with transaction.atomic():
        # Villages spread over about 40 × 40 km around the enterprises' made-up positions.
        villages = list(Region.objects.filter(level=RegionLevel.VILLAGE, code__gte=lo,
                                              code__lte=hi).order_by("code")
                        .values_list("code", flat=True))
        have = set(VillageLocation.objects.filter(region_id__in=villages)
                   .values_list("region_id", flat=True))
        new = []
        for code in villages:
            r = random.Random(f"{seed}:{code}")
            if code not in have:
                new.append(VillageLocation(
                    region_id=code, lng=Decimal("111.10") + Decimal(r.randrange(0, 40000)) / 100000,
                    lat=Decimal("26.90") + Decimal(r.randrange(0, 36000)) / 100000,
                    source="演示坐标（非真实位置）"))
        VillageLocation.objects.bulk_create(new, batch_size=1000)
        report.locations = len(new)
        q = labour_force_q([(lo, hi)], today)
        members = (list(Member.objects.filter(q).select_related("household")
                        .order_by("id").values_list("id", "household__region_id"))
                   if q is not None else [])
        profiled = set(LabourProfile.objects.filter(member_id__in=[m for m, _ in members])
                       .values_list("member_id", flat=True))
        profiles = []
        for i, (member_id, village) in enumerate(members):
            if member_id in profiled or i % 5 == 4:  # a fifth stated nothing
                continue
            trade = rng.choice(TRADES)
            skills = rng.choice(("", "", rng.choice(TRADES), f"会{rng.choice(TRADES)}"))
            profiles.append(LabourProfile(
                member_id=member_id, region_id=village, intended_trade=trade, skills=skills,
                intended_place=rng.choice(("", "县内", "本乡镇")),
                max_distance_km=rng.choice((None, 5, 10, 20, 50))))
        LabourProfile.objects.bulk_create(profiles, batch_size=1000)
        report.profiles = len(profiles)
        if profiles:
            profile_keys_rebuild(lo=lo, hi=hi)
        enterprises = list(Enterprise.objects.filter(region=county).order_by("id")[:10])
        for i, enterprise in enumerate(enterprises):
            if JobPosting.objects.filter(enterprise=enterprise).exists():
                continue
            workshop = Workshop.objects.filter(enterprise=enterprise).order_by("id").first()
            spot = (VillageLocation.objects.filter(region_id=workshop.region_id).first()
                    if workshop else None)
            for j in range(2):
                trade, title, low, high = POSTINGS[(2 * i + j) % len(POSTINGS)]
                JobPosting.objects.create(
                    enterprise=enterprise, workshop=workshop if j == 0 else None,
                    county=county, title=title, trade=trade,
                    place_region_id=workshop.region_id if workshop and j == 0 else None,
                    place=(f"{workshop.name}" if workshop and j == 0 else enterprise.address),
                    lng=spot.lng if spot and j == 0 else enterprise.lng,
                    lat=spot.lat if spot and j == 0 else enterprise.lat,
                    wage_min=Decimal(low), wage_max=Decimal(high), headcount=3 + 2 * j + i,
                    requirements="男女不限，年龄 18～55 岁；脱贫户、监测对象优先" if j == 0 else
                    "能吃苦耐劳，服从安排",
                    valid_from=today - dt.timedelta(days=30),
                    valid_to=today + dt.timedelta(days=150), status=PostingStatus.OPEN)
                report.postings += 1
        name = FAIR_NAME.format(year=today.year)
        if enterprises and not JobFair.objects.filter(name=name, region=county).exists():
            fair = JobFair.objects.create(
                name=name, held_on=dt.date(today.year, 2, 20), place=f"{county.name}人民广场",
                region=county, note="春风行动：为脱贫人口、监测对象等农村劳动力提供就业服务（演示）")
            for enterprise in enterprises[:4]:
                row = JobFairEnterprise.objects.create(fair=fair, enterprise=enterprise, posts=0)
                postings = list(JobPosting.objects.filter(enterprise=enterprise))
                row.postings.set(postings)
                row.posts = sum(p.headcount for p in postings)
                row.save()
            for k, (member_id, village) in enumerate(members[:40:3]):
                outcome = (FairOutcome.SIGNED if k % 5 == 0 else FairOutcome.INTENTION
                           if k % 3 == 0 else FairOutcome.ATTENDED)
                JobFairAttendee.objects.create(
                    fair=fair, member_id=member_id, region_id=village, outcome=outcome,
                    enterprise=None if outcome == FairOutcome.ATTENDED else
                    enterprises[k % min(4, len(enterprises))])
            report.fairs = 1
        record_event(actor=None, actor_username="命令行", event_type=AuditEventType.DEMO_LOADED,
                     note=f"岗位匹配演示数据：村位置 {report.locations} 个，技能与意愿 {report.profiles} 条，"
                     f"招聘岗位 {report.postings} 个，招聘会 {report.fairs} 场",
                     extra={"seed": seed})
    return report
