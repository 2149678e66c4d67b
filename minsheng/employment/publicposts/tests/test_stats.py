"""publicposts.stats against the hand-computed month (see fixtures.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.employment.publicposts import services
from minsheng.employment.publicposts.stats import METRICS, region_month_values
from minsheng.employment.publicposts.tests.fixtures import (
    COUNTY_TOTAL,
    MONTH,
    TOWNSHIP_TOTAL,
    hand_computed_month,
)
from minsheng.regions.models import Region
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, VILLAGE_C

pytestmark = pytest.mark.django_db


def _regions(*codes):
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes]


def test_metrics_are_declared():
    assert [m[0] for m in METRICS] == ["on_post", "post_subsidy", "post_paid_people"]
    assert all(label and unit for _key, label, unit in METRICS)


def test_values_per_region_subtree(personas, member):
    made = hand_computed_month(personas, member)
    regions = _regions(COUNTY_A, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, VILLAGE_C, OUTSIDE_VILLAGE)
    with CaptureQueriesContext(connection) as queries:
        values = region_month_values(regions, MONTH)
    assert len(queries.captured_queries) == 2
    assert values[COUNTY_A] == {"on_post": 4, "post_subsidy": COUNTY_TOTAL,
                                "post_paid_people": 4}
    assert values[TOWNSHIP_A] == {"on_post": 3, "post_subsidy": TOWNSHIP_TOTAL,
                                  "post_paid_people": 3}
    assert values[VILLAGE_A] == {"on_post": 2, "post_subsidy": Decimal("872.73"),
                                 "post_paid_people": 2}
    assert values[VILLAGE_B]["post_subsidy"] == Decimal("409.09")
    assert values[OUTSIDE_VILLAGE] == {"on_post": 0, "post_subsidy": Decimal("0.00"),
                                       "post_paid_people": 0}
    # 戊 leaves on 2026-11-20: still on a post in November, not in December.
    e = made["appointments"][2]
    services.appointment_exit(actor=personas["county_office"], appointment_id=e.pk,
                              exit_date="2026-11-20", reason="resigned", version=e.version)
    assert region_month_values(_regions(COUNTY_A), MONTH)[COUNTY_A]["on_post"] == 4
    assert region_month_values(_regions(COUNTY_A), "2026-12")[COUNTY_A] == {
        "on_post": 3, "post_subsidy": Decimal("0.00"), "post_paid_people": 0}
    # 丁 started on 11-16: not on a post in October.
    assert region_month_values(_regions(COUNTY_A), "2026-10")[COUNTY_A]["on_post"] == 0


def test_no_regions_no_query():
    assert region_month_values([], MONTH) == {}
