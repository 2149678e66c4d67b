"""The demo targets: a whole-year target and twelve monthly ones, idempotent."""

from __future__ import annotations

from minsheng.employment.stats.demo import demo_targets_generate
from minsheng.employment.stats.models import EmploymentTarget
from minsheng.testing import COUNTY_A


class DemoTargetTests:
    def test_year_and_months_once(self, ledger):
        assert demo_targets_generate(county_code=COUNTY_A, year=2025) == 13
        assert demo_targets_generate(county_code=COUNTY_A, year=2025) == 0
        targets = dict(EmploymentTarget.objects.filter(region_id=COUNTY_A, year=2025)
                       .values_list("month", "target"))
        # six 脱贫 members aged 40 in the labour force → 6 × 4 // 5 = 4, at least 10 for the demo;
        # months rise to the yearly figure: January 10 × 81 // 92 = 8, December 10 × 92 // 92
        assert targets[0] == 10
        assert targets[1] == 8
        assert targets[12] == 10
        assert sorted(targets) == list(range(13))
