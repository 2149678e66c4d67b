"""The household page shows the household's monitoring cases and leads (监测帮扶), scoped, to
the roles that see cases; a role without the monitoring permissions does not get the panel."""

from __future__ import annotations

import pytest

from minsheng.core.roles import ROLE_PERMISSIONS, Role
from minsheng.monitoring import case_services
from minsheng.monitoring.models import CaseStatus
from minsheng.monitoring.tests.cases import TODAY, case_at, make_household

pytestmark = pytest.mark.usefixtures("clear_cache")


@pytest.fixture
def household(personas):
    return make_household(personas["county_office"])


def page(client, household) -> str:
    response = client.get(f"/households/{household.pk}/")
    assert response.status_code == 200
    return response.content.decode()


class HouseholdMonitoringPanelTests:
    def test_cases_and_leads_appear_with_links(self, personas, household, client_for):
        case = case_at(personas, household, CaseStatus.REVIEW)
        pending = case_services.visit_report(actor=personas["village_monitor"],
                                             household=household, description="房屋漏雨",
                                             today=TODAY)
        text = page(client_for("township_station"), household)
        assert 'data-testid="household-monitoring"' in text
        assert f'href="/monitoring/cases/{case.pk}/"' in text
        assert case.number in text and "民主评议" in text
        assert f'href="/monitoring/leads/{pending.pk}/"' in text
        assert "待研判" in text and "已转入监测案件" in text
        # The lead that opened the case is listed as handled, with its case.
        assert text.count('href="/monitoring/leads/') == 2

    def test_a_household_without_cases_says_so(self, household, client_for):
        text = page(client_for("village_monitor"), household)
        assert "该户没有监测案件。" in text and "该户没有监测线索。" in text

    def test_a_role_without_the_monitoring_permissions_does_not_see_the_panel(
            self, personas, household, client_for, monkeypatch):
        case_at(personas, household, CaseStatus.WARNING)
        without = frozenset(p for p in ROLE_PERMISSIONS[Role.VILLAGE_MONITOR]
                            if not p.startswith("monitoring."))
        monkeypatch.setitem(ROLE_PERMISSIONS, Role.VILLAGE_MONITOR, without)
        text = page(client_for("village_monitor"), household)
        assert 'data-testid="household-monitoring"' not in text
        assert "/monitoring/cases/" not in text

    def test_the_read_only_auditor_sees_the_panel(self, personas, household, client_for):
        case = case_at(personas, household, CaseStatus.WARNING)
        assert f'href="/monitoring/cases/{case.pk}/"' in page(client_for("auditor"), household)
