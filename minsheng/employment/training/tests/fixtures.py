"""The hand-computed training year (2026) shared by the tests.

Courses of 邵阳县:
  A 电工培训班 (邵阳技师学院, 电工, 2026-05-01..05-20, 3 places, 1200 元/人): 甲, 丁 completed
    2026-05-20; 戊 dropped. 3-month check 2026-08: 甲 务工, 丁 未就业 (ledger).
  B 家政服务培训班 (阳光职业培训学校, 家政, 2026-06-01..06-10, 5 places, 800 元/人): 乙, 己
    completed 2026-06-10. Check 2026-09: 乙 务工 (ledger), 己 no ledger status → recorded by hand
    as employed.
  C 电工进阶班 (邵阳技师学院, 电工, 2026-06-01..06-05, 2 places, 1200 元/人): 丙 completed
    2026-06-05. Check 2026-09: 丙 务工 (ledger).
Shares: A 1/2 = 50.0 %, B 2/2 = 100.0 %, C 1/1 = 100.0 %; 邵阳技师学院 2/3 = 66.7 %;
阳光职业培训学校 2/2 = 100.0 %; total 4/5 = 80.0 %.
6-month check of A (2026-11): 甲 务工.
Demand 2026: 大岭社区 电工 5 (甲, 丁 named) and 家政 4; 石湾社区 电工 3; 四峰社区 家政 2 →
menu 电工 8 people / 2 villages / 2 courses / 5 places, 家政 6 / 2 / 1 / 5.
"""

from __future__ import annotations

import datetime as dt

from minsheng.employment.services import labour_status_save
from minsheng.employment.training import services
from minsheng.testing import COUNTY_A, VILLAGE_A, VILLAGE_B, VILLAGE_C

TODAY = dt.date(2026, 12, 7)
EMPLOYED = {"status": "employed", "work_area": "in_province", "employer_name": "长沙电气公司"}
UNEMPLOYED = {"status": "unemployed", "unemployed_reason": "no_suitable_job"}


def make_course(actor, name, provider, trade, start, end, capacity, subsidy):
    return services.course_create(actor=actor, region_code=COUNTY_A, data={
        "name": name, "provider": provider, "trade": trade, "start_date": start,
        "end_date": end, "capacity": capacity, "subsidy_per_trainee": subsidy,
        "status": "running"})


def complete(actor, enrolment, day):
    enrolment.refresh_from_db()
    return services.enrolment_complete(actor=actor, enrolment_id=enrolment.pk, completed_on=day,
                                       attendance_days=10, certificate_type="专项职业能力证书",
                                       certificate_no=f"ZX{enrolment.pk:06d}",
                                       version=enrolment.version, today=TODAY)


def status(actor, person, month, data):
    labour_status_save(actor=actor, member_id=person.pk, month=month, data=data, version=0)


def hand_computed_year(personas, member, *, refresh=True):
    county = personas["county_office"]
    a = make_course(county, "电工培训班", "邵阳技师学院", "电工", "2026-05-01", "2026-05-20", 3,
                    "1200")
    b = make_course(county, "家政服务培训班", "阳光职业培训学校", "家政", "2026-06-01",
                    "2026-06-10", 5, "800")
    c = make_course(county, "电工进阶班", "邵阳技师学院", "电工", "2026-06-01", "2026-06-05", 2,
                    "1200")
    clerk = personas["village_monitor"]  # 大岭社区
    e = {
        "甲": services.enrolment_add(actor=clerk, course_id=a.pk, member_id=member("甲").pk),
        "丁": services.enrolment_add(actor=clerk, course_id=a.pk, member_id=member("丁").pk),
        "戊": services.enrolment_add(actor=county, course_id=a.pk, member_id=member("戊").pk),
        "乙": services.enrolment_add(actor=clerk, course_id=b.pk, member_id=member("乙").pk),
        "己": services.enrolment_add(actor=county, course_id=b.pk, member_id=member("己").pk),
        "丙": services.enrolment_add(actor=clerk, course_id=c.pk, member_id=member("丙").pk),
    }
    for name in ("甲", "丁"):
        complete(county, e[name], "2026-05-20")
    e["戊"].refresh_from_db()
    services.enrolment_drop(actor=county, enrolment_id=e["戊"].pk, note="外出务工",
                            version=e["戊"].version)
    for name in ("乙", "己"):
        complete(county, e[name], "2026-06-10")
    complete(county, e["丙"], "2026-06-05")
    status(county, member("甲"), "2026-08", EMPLOYED)
    status(county, member("丁"), "2026-08", UNEMPLOYED)
    status(county, member("乙"), "2026-09", EMPLOYED)
    status(county, member("丙"), "2026-09", EMPLOYED)
    status(county, member("甲"), "2026-11", EMPLOYED)
    if refresh:
        services.outcomes_refresh(actor=county, today=TODAY)
        e["己"].refresh_from_db()
        services.enrolment_outcome_record(actor=county, enrolment_id=e["己"].pk, months=3,
                                          employed=True, version=e["己"].version, today=TODAY)
    for item in e.values():
        item.refresh_from_db()
    return {"courses": (a, b, c), "enrolments": e}


def demand_year(personas, member):
    clerk = personas["village_monitor"]
    county = personas["county_office"]
    services.demand_save(actor=clerk, region_code=VILLAGE_A, year=2026, trade="电工",
                         headcount=5, member_ids=[member("甲").pk, member("丁").pk], version=0)
    services.demand_save(actor=clerk, region_code=VILLAGE_A, year=2026, trade="家政",
                         headcount=4, version=0)
    services.demand_save(actor=county, region_code=VILLAGE_B, year=2026, trade="电工",
                         headcount=3, version=0)
    services.demand_save(actor=county, region_code=VILLAGE_C, year=2026, trade="家政",
                         headcount=2, version=0)
