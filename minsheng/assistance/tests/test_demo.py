"""Demo data: plans through the real services, idempotent."""

from __future__ import annotations

from minsheng.assistance.demo import demo_assistance_generate
from minsheng.assistance.models import AssistancePlan, FollowUpVisit
from minsheng.testing import COUNTY_A, VILLAGE_A


def test_demo_plans_visits_and_idempotent(personas, households):
    made = demo_assistance_generate(county_code=COUNTY_A, seed=7)
    # the three households of the demo village monitor's village (no 脱贫户 elsewhere)
    assert made.plans == 3 and made.visits == 2 and made.measures > 3
    plans = AssistancePlan.objects.all()
    assert {p.region_id for p in plans} == {VILLAGE_A}
    assert all(p.responsible_user == personas["village_monitor"] for p in plans)
    assert FollowUpVisit.objects.count() == 2
    again = demo_assistance_generate(county_code=COUNTY_A, seed=7)
    assert again.plans == 0 and AssistancePlan.objects.count() == 3
