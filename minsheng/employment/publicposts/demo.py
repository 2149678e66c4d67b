"""Demo data of training and 公益性岗位 for ``minsheng demo``: the 点餐 demand of some villages,
three courses of the county (two finished with certificates and 3-month checks, one running),
public-welfare posts in villages with 脱贫户, appointments of eligible members (checked with the
real rules and parameters) and the last two months' attendance with their subsidies.
Deterministic for a seed; idempotent (a county that has courses or posts is left alone).
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
from minsheng.employment.publicposts.models import Appointment, Attendance, Post, PostType
from minsheng.employment.publicposts.rules import add_months, pay_for
from minsheng.employment.publicposts.selectors import days_in_post, eligibility_check
from minsheng.employment.rules import month_end, month_of, previous_month
from minsheng.employment.selectors import labour_force_q
from minsheng.employment.training.models import (
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    OutcomeSource,
    TrainingDemand,
)
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory
from minsheng.registry.models import Household, Member

TRADES = ("电工", "家政服务", "电商直播", "中式烹调", "挖掘机操作")
COURSES = (("电工培训班", "邵阳县技工学校", "电工", 150, 1500),
           ("家政服务培训班", "邵阳县阳光职业培训学校", "家政服务", 120, 1000),
           ("电商直播培训班", "邵阳县阳光职业培训学校", "电商直播", 20, 800))
POSTS = ((PostType.CLEANING, "保洁员", 2), (PostType.ROAD, "护路员", 1))


@dataclass
class TrainingPostsDemoReport:
    demands: int = 0
    courses: int = 0
    enrolments: int = 0
    posts: int = 0
    appointments: int = 0
    attendance: int = 0


def _villages(county: Region) -> list[str]:
    lo, hi = subtree_bounds(county.code, county.level)
    return list(Household.objects.filter(region_id__gte=lo, region_id__lte=hi, archived=False,
                                         category=HouseholdCategory.LIFTED)
                .values_list("region_id", flat=True).distinct().order_by("region_id")[:10])


def _training(county: Region, villages: list[str], rng: random.Random, today: dt.date,
              report: TrainingPostsDemoReport) -> None:
    for village in villages[:6]:
        for trade in rng.sample(TRADES, 2):
            TrainingDemand.objects.create(region_id=village, year=today.year, trade=trade,
                                          headcount=rng.randrange(3, 15), note="入户摸底（演示）")
            report.demands += 1
    lo, hi = subtree_bounds(county.code, county.level)
    q = labour_force_q([(lo, hi)], today)
    members = list(Member.objects.filter(q).select_related("household").order_by("id")[:60]) \
        if q else []
    rng.shuffle(members)
    for i, (name, provider, trade, days_ago, subsidy) in enumerate(COURSES):
        start = today - dt.timedelta(days=days_ago)
        end = start + dt.timedelta(days=14)
        finished = end < today
        course = Course.objects.create(
            region=county, name=name, trade=trade, provider=provider, start_date=start,
            end_date=end, place=f"{county.name}职业技能培训中心", capacity=20,
            subsidy_per_trainee=Decimal(subsidy),
            status=CourseStatus.FINISHED if finished else CourseStatus.RUNNING)
        report.courses += 1
        for member in members[i * 12:(i + 1) * 12]:
            enrolment = Enrolment(course=course, member=member, household=member.household,
                                  region_id=member.household.region_id)
            if finished and rng.random() < 0.9:
                enrolment.status, enrolment.completed_on = EnrolmentStatus.COMPLETED, end
                enrolment.attendance_days = 14
                enrolment.certificate_type = "专项职业能力证书"
                enrolment.certificate_no = f"ZX{today.year}{course.pk:03d}{member.pk:06d}"
                for months in (3, 6):
                    if month_of(add_months(end, months)) <= month_of(today):
                        setattr(enrolment, f"employed_{months}m", rng.random() < 0.7)
                        setattr(enrolment, f"source_{months}m", OutcomeSource.MANUAL)
            enrolment.save()
            report.enrolments += 1


def _posts(villages: list[str], rng: random.Random, today: dt.date,
           report: TrainingPostsDemoReport) -> None:
    start = add_months(today.replace(day=1), -6)
    end = add_months(start, 12) - dt.timedelta(days=1)
    months = [previous_month(month_of(today))]
    months.insert(0, previous_month(months[0]))
    for village in villages[:8]:
        candidates = list(Member.objects.filter(
            household__region_id=village, household__archived=False, active=True,
            household__category=HouseholdCategory.LIFTED,
            labour_capacity__in=("weak", "ordinary", "skilled"))
            .select_related("household").order_by("id"))
        # 弱劳动力 first; the others apply as 无法外出务工 with a reason.
        candidates.sort(key=lambda m: (m.labour_capacity != "weak", m.pk))
        taken: set[int] = set()
        for post_type, label, quota in POSTS:
            post = Post.objects.create(region_id=village, post_type=post_type,
                                       name=f"{label}", quota=quota,
                                       duties=f"本村{label}工作（演示）")
            report.posts += 1
            for member in candidates:
                if post.appointments.count() >= quota:
                    break
                if member.household_id in taken:
                    continue
                declared = {} if member.labour_capacity == "weak" else {
                    "cannot_go_out": True, "cannot_go_out_reason": "照料家中老人（演示）"}
                decision = eligibility_check(member=member, region_code=village,
                                             start_date=start, end_date=end, declared=declared)
                if not decision.eligible:
                    continue
                appointment = Appointment.objects.create(
                    post=post, member=member, household=member.household, region_id=village,
                    start_date=start, end_date=end, eligibility=decision.as_dict(), **declared)
                taken.add(member.household_id)
                report.appointments += 1
                for month in months:
                    present = rng.randrange(16, 23)
                    in_post, month_days = days_in_post(appointment, month)
                    pay = pay_for(days_required=22, days_present=present,
                                  on=month_end(month).replace(day=1), region_code=village,
                                  days_in_post=in_post, days_in_month=month_days)
                    Attendance.objects.create(appointment=appointment, region_id=village,
                                              month=month, days_required=22,
                                              days_present=present, amount=pay.amount,
                                              calculation=pay.as_dict())
                    report.attendance += 1


def demo_training_posts_generate(*, county_code: str, seed: int) -> TrainingPostsDemoReport:
    report = TrainingPostsDemoReport()
    rng = random.Random(f"training-posts:{seed}")
    county = Region.objects.get(code=county_code)
    lo, hi = subtree_bounds(county.code, county.level)
    today = timezone.localdate()
    villages = _villages(county)
    with transaction.atomic():
        if not Course.objects.filter(region=county).exists():
            _training(county, villages, rng, today, report)
        if not Post.objects.filter(region_id__gte=lo, region_id__lte=hi).exists():
            _posts(villages, rng, today, report)
        record_event(actor=None, actor_username="命令行", event_type=AuditEventType.DEMO_LOADED,
                     note=f"培训与公益性岗位演示数据：培训班 {report.courses} 个、参训 "
                     f"{report.enrolments} 人次，岗位 {report.posts} 个、聘用 "
                     f"{report.appointments} 人、考勤 {report.attendance} 条",
                     extra={"seed": seed, **report.__dict__})
    return report
