"""A hand-made fixture for the statistics: households, October and September 2025 work
statuses, workshops with dated stops and restarts, workers, targets.

Work statuses (status 务工 unless said; 脱贫 = household category 脱贫户):
  大岭社区 (VILLAGE_A, 塘渡口镇)  H1 脱贫户: 甲 县内, 乙 省外, 丙 未就业; H2 一般户: 丁 省内县外, 戊 县内
  石湾社区 (VILLAGE_B, 塘渡口镇)  H3 脱贫户: 己 省内县外
  四峰社区 (VILLAGE_C, 白仓镇)    H4 脱贫户: 庚 省外, 辛 未就业 (in September: 辛 县内)
  荷叶塘社区 (隆回县, outside)     H5 脱贫户: 壬 县内
  September also: 甲 县内 (all others have no September status).
Monitoring cases (``monitored``, on top of ``ledger``): H2 监测中; H3 风险消除：村级公示 (still a
监测对象); H6 一般户 in 大岭 (癸 县内) with two closed cases (不纳入, 已标注风险消除); H7 一般户 in
石湾 (子 省外) with a case at 县级审定 (not yet a 监测对象).

Workshops (enterprise 湘妹子制衣 of 邵阳县, which has coordinates; 隆回县's has none):
  W1 大岭社区, registered 2025-03-01, headcount 10, 停产 2025-08-10, 复工 2025-10-05
  W2 四峰社区, registered 2025-05-01, headcount 6, 停产 2025-10-20
  W3 石湾社区, registered 2025-11-02 (after October), headcount 4
  W4 荷叶塘社区 (隆回县 enterprise, no coordinates), registered 2025-01-01, headcount 3
Workers: W1 a 脱贫 (from 03-01), b 监测 (from 09-01), c 其他 (from 03-01), d 脱贫 (from 03-01, left
10-15); W2 e 脱贫 (from 11-01), f 脱贫 (from 05-01).
Targets 2025: 邵阳县 全年 10, 10 月 8; 隆回县 全年 4.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from minsheng.employment import services as employment
from minsheng.employment.models import LabourStatus
from minsheng.employment.stats.models import EmploymentTarget
from minsheng.registry.models import Member
from minsheng.registry.services import household_register
from minsheng.registry.testing import make_id
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_B, VILLAGE_C

MONTH = "2025-10"
OUTSIDE_COUNTY = "430524000000"
USCC_A = "91110000600037341L"
USCC_B = "91350100M000100Y43"
BIRTH = dt.date(1985, 6, 1)
NAMES = "甲乙丙丁戊己庚辛壬癸子"


def _member(name: str, relation: str = "head", prefix: str = "430523") -> dict[str, Any]:
    return {"name": name, "id_number": make_id(BIRTH, 100 + NAMES.index(name), prefix=prefix),
            "relation": relation}


def _status(member: Member, month: str, area: str = "") -> None:
    """A work status as the ledger stores it (area "" = 未就业)."""
    LabourStatus.objects.create(
        member=member, household=member.household, region_id=member.household.region_id,
        month=month, status="employed" if area else "unemployed", work_area=area,
        unemployed_reason="" if area else "farming")


@pytest.fixture
def ledger(personas) -> dict[str, Member]:
    county, city = personas["county_office"], personas["city_office"]
    h1 = household_register(actor=county, household_no="S001", region_code=VILLAGE_A,
                            category="lifted", members=[_member("甲"), _member("乙", "spouse"),
                                                        _member("丙", "son")])
    h2 = household_register(actor=county, household_no="S002", region_code=VILLAGE_A,
                            members=[_member("丁"), _member("戊", "spouse")])
    h3 = household_register(actor=county, household_no="S003", region_code=VILLAGE_B,
                            category="lifted", members=[_member("己")])
    h4 = household_register(actor=county, household_no="S004", region_code=VILLAGE_C,
                            category="lifted", members=[_member("庚"), _member("辛", "spouse")])
    h5 = household_register(actor=city, household_no="S005", region_code=OUTSIDE_VILLAGE,
                            category="lifted", members=[_member("壬", prefix="430524")])
    people = {m.name: m for h in (h1, h2, h3, h4, h5) for m in h.members.all()}
    for name, area in (("甲", "in_county"), ("乙", "out_of_province"), ("丙", ""),
                       ("丁", "in_province"), ("戊", "in_county"), ("己", "in_province"),
                       ("庚", "out_of_province"), ("辛", ""), ("壬", "in_county")):
        _status(people[name], MONTH, area)
    _status(people["甲"], "2025-09", "in_county")
    _status(people["辛"], "2025-09", "in_county")
    return people


@pytest.fixture
def monitored(ledger, personas) -> dict[str, Any]:
    """Monitoring cases of the ledger's households, and two more households with work statuses
    (see the module docstring)."""
    from django.utils import timezone

    from minsheng.monitoring.models import MonitoringCase

    county = personas["county_office"]
    h6 = household_register(actor=county, household_no="S006", region_code=VILLAGE_A,
                            members=[_member("癸")])
    h7 = household_register(actor=county, household_no="S007", region_code=VILLAGE_B,
                            members=[_member("子")])
    _status(h6.members.get(), MONTH, "in_county")
    _status(h7.members.get(), MONTH, "out_of_province")
    households = {"H2": ledger["丁"].household, "H3": ledger["己"].household, "H6": h6, "H7": h7}
    # (household, status today, open, 纳入 on, marked eliminated on): the statistics of a month
    # count the households 纳入 by its end and not yet eliminated then.
    d = dt.date
    for key, status, is_open, included, eliminated in (
            ("H2", "monitoring", True, d(2025, 6, 1), None),
            ("H3", "elim_notice", True, d(2025, 3, 1), None),
            ("H6", "not_included", False, None, None),
            ("H6", "eliminated", False, d(2024, 5, 1), d(2025, 8, 31)),
            ("H7", "county_approval", True, None, None)):
        household = households[key]
        MonitoringCase.objects.create(household=household, region_id=household.region_id,
                                      status=status, is_open=is_open, included_on=included,
                                      eliminated_on=eliminated, step_started_at=timezone.now())
    return households


def _worker(actor: Any, workshop: Any, name: str, category: str, start: str, seq: int) -> Any:
    return employment.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data={
        "name": name, "id_number": make_id(dt.date(1990, 1, 1), seq, prefix="430523"),
        "category": category, "contract_start": start, "contract_months": 12})


def _move(actor: Any, workshop: Any, to: str, on: str, reason: str = "订单不足") -> None:
    workshop.refresh_from_db()
    employment.workshop_status_change(actor=actor, workshop_id=workshop.pk, to=to, on=on,
                                      reason=reason, version=workshop.version)


@pytest.fixture
def workshops(personas) -> dict[str, Any]:
    county, city = personas["county_office"], personas["city_office"]
    ent = employment.enterprise_create(actor=county, uscc=USCC_A, region_code="430523", data={
        "name": "湘妹子制衣", "lng": "111.25", "lat": "27.10"})
    other = employment.enterprise_create(actor=city, uscc=USCC_B, region_code="430524",
                                         data={"name": "隆回竹编"})

    def make(enterprise: Any, village: str, name: str, headcount: int, on: dt.date) -> Any:
        return employment.workshop_create(
            actor=city, enterprise_id=enterprise.pk, region_code=village,
            data={"name": name, "workshop_type": "factory", "headcount": headcount}, on=on)

    w1 = make(ent, VILLAGE_A, "大岭制衣车间", 10, dt.date(2025, 3, 1))
    w2 = make(ent, VILLAGE_C, "四峰制衣车间", 6, dt.date(2025, 5, 1))
    w3 = make(ent, VILLAGE_B, "石湾制衣车间", 4, dt.date(2025, 11, 2))
    w4 = make(other, OUTSIDE_VILLAGE, "荷叶塘竹编车间", 3, dt.date(2025, 1, 1))
    _worker(county, w1, "工人甲", "lifted", "2025-03-01", 1)
    _worker(county, w1, "工人乙", "monitored", "2025-09-01", 2)
    _worker(county, w1, "工人丙", "other", "2025-03-01", 3)
    d = _worker(county, w1, "工人丁", "lifted", "2025-03-01", 4)
    employment.workshop_worker_leave(actor=county, worker_id=d.pk, left_on="2025-10-15",
                                     version=d.version)
    _worker(county, w2, "工人戊", "lifted", "2025-11-01", 5)
    _worker(county, w2, "工人己", "lifted", "2025-05-01", 6)
    _move(county, w1, "stopped", "2025-08-10")
    _move(county, w1, "resumed", "2025-10-05", "复工")
    _move(county, w2, "stopped", "2025-10-20")
    return {"W1": w1, "W2": w2, "W3": w3, "W4": w4}


@pytest.fixture
def targets(personas) -> list[EmploymentTarget]:
    rows = [(COUNTY_A, 0, 10), (COUNTY_A, 10, 8), (OUTSIDE_COUNTY, 0, 4)]
    return [EmploymentTarget.objects.create(region_id=code, year=2025, month=month, target=n)
            for code, month, n in rows]
