"""training.stats against the hand-computed year (see fixtures.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.employment.training.stats import METRICS, region_month_values
from minsheng.employment.training.tests.fixtures import hand_computed_year
from minsheng.regions.models import Region
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, VILLAGE_C

pytestmark = pytest.mark.django_db
CODES = (COUNTY_A, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, VILLAGE_C, OUTSIDE_VILLAGE)


def _regions():
    found = {r.code: r for r in Region.objects.filter(code__in=CODES)}
    return [found[c] for c in CODES]


def _values(month):
    return region_month_values(_regions(), month)


def test_metrics_are_declared():
    assert [m[0] for m in METRICS] == ["trained", "employed_after_training", "training_subsidy"]


def test_values_per_month_and_region(personas, member):
    hand_computed_year(personas, member)
    regions = _regions()
    with CaptureQueriesContext(connection) as queries:
        may = region_month_values(regions, "2026-05")
    assert len(queries.captured_queries) == 1
    # May: 甲 and 丁 (大岭社区) completed course A (1200 元/人); 戊 dropped.
    assert may[COUNTY_A] == {"trained": 2, "employed_after_training": 0,
                             "training_subsidy": Decimal("2400.00")}
    assert may[VILLAGE_B]["trained"] == 0
    # June: 乙 丙 (大岭社区, 800 + 1200) and 己 (四峰社区, 800).
    june = _values("2026-06")
    assert (june[COUNTY_A]["trained"], june[COUNTY_A]["training_subsidy"]) == (
        3, Decimal("2800.00"))
    assert (june[VILLAGE_A]["trained"], june[VILLAGE_C]["trained"]) == (2, 1)
    assert june[TOWNSHIP_A]["training_subsidy"] == Decimal("2000.00")
    # August: the 3-month check of May's completions — 甲 employed, 丁 not.
    august = _values("2026-08")
    assert august[COUNTY_A] == {"trained": 0, "employed_after_training": 1,
                                "training_subsidy": Decimal("0.00")}
    # September: June's completions — 乙, 丙 (ledger) and 己 (by hand), all employed.
    september = _values("2026-09")
    assert september[COUNTY_A]["employed_after_training"] == 3
    assert september[VILLAGE_A]["employed_after_training"] == 2
    assert september[OUTSIDE_VILLAGE] == {"trained": 0, "employed_after_training": 0,
                                          "training_subsidy": Decimal("0.00")}


def test_january_looks_back_to_october(personas, member):
    hand_computed_year(personas, member)
    assert _values("2027-01")[COUNTY_A]["employed_after_training"] == 0
    assert region_month_values([], "2026-05") == {}
