"""The demo hook: valid data, deterministic, idempotent."""

from __future__ import annotations

from stdnum.cn import uscc

from minsheng.employment.demo import demo_employment_generate
from minsheng.employment.models import Enterprise, LabourStatus, Workshop
from minsheng.testing import COUNTY_A


class DemoTests:
    def test_generates_valid_data_once(self, households):
        report = demo_employment_generate(county_code=COUNTY_A, seed=7, month="2025-10")
        assert (report.enterprises, report.workshops, report.statuses) == (5, 5, 5)
        assert all(uscc.is_valid(code) for code in Enterprise.objects.values_list("uscc",
                                                                                   flat=True))
        assert set(Workshop.objects.values_list("status", flat=True)) == {"producing", "resumed"}
        assert LabourStatus.objects.filter(month="2025-10").count() == 5
        again = demo_employment_generate(county_code=COUNTY_A, seed=7, month="2025-10")
        assert (again.enterprises, again.workshops, again.statuses) == (0, 0, 0)
