"""Households whose risks are known: built through the registry services.

Every household has its housing graded A, all four 饮水 checks met, insured adult members and
the same ledger for 2024–2026, so the only reason that can differ between them is income
(家庭人均纯收入 against the 2026 监测范围 of 湖南, 8,500 元 per person).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from minsheng.registry.choices import Relation
from minsheng.registry.services import household_register, ledger_save
from minsheng.registry.testing import member_data
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_B, VILLAGE_C

ON = dt.date(2026, 6, 30)
YEARS = (2024, 2025, 2026)
# ID sequence codes (make_id takes 0..499); a test registers far fewer than 499 members, so
# cycling keeps IDs unique within each test however many tests one worker runs.
_seq = itertools.cycle(range(1, 500))


def register(actor, number: str, village: str, wage: int, people: int, *, prefix: str = "430523"):
    members = []
    for i in range(people):
        data = member_data(f"{number}成员{i}", dt.date(1970 + i, 1, 1), next(_seq),
                           relation=Relation.HEAD if i == 0 else Relation.SIBLING)
        if prefix != "430523":
            from minsheng.registry.testing import make_id
            data["id_number"] = make_id(dt.date(1970 + i, 1, 1), next(_seq), prefix=prefix)
        members.append(data)
    household = household_register(
        actor=actor, household_no=number, region_code=village, members=members,
        today=dt.date(2026, 1, 10), housing_grade="A", water_quantity_ok=True,
        water_quality_ok=True, water_convenience_ok=True, water_assurance_ok=True)
    for year in YEARS:
        ledger_save(actor=actor, household=household, year=year, wage_income=Decimal(wage))
    return household


@pytest.fixture
def families(personas):
    """poor: 5,000 元/人 (2 people); middle: 12,000 (3); rich: 50,000 (2), all in 塘渡口镇;
    poor_c: 4,000 (1) in 白仓镇; outside: 3,000 (1) in 隆回县 (another county)."""
    county = personas["county_office"]
    return {
        "poor": register(county, "S-POOR", VILLAGE_A, 10_000, 2),
        "middle": register(county, "S-MIDDLE", VILLAGE_B, 36_000, 3),
        "rich": register(county, "S-RICH", VILLAGE_A, 100_000, 2),
        "poor_c": register(county, "S-POOR-C", VILLAGE_C, 4_000, 1),
        "outside": register(personas["outsider"], "S-OUT", OUTSIDE_VILLAGE, 3_000, 1,
                            prefix="430524"),
    }


@pytest.fixture
def household(personas):
    """One household (``cases.make_household``) registered by the county office: what the
    case tests walk through the procedure."""
    from minsheng.monitoring.tests.cases import make_household

    return make_household(personas["county_office"])
