"""API: the statistics (scoped, 404 outside) and the targets (CRUD, scoped, audited, read-only
roles 403 on writes, stale versions 409)."""

from __future__ import annotations

import pytest

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment.stats.models import EmploymentTarget
from minsheng.testing import COUNTY_A, TOWNSHIP_A, VILLAGE_A, VILLAGE_B

from .conftest import MONTH, OUTSIDE_COUNTY

STATS = "/api/v1/employment-stats"
TARGETS = "/api/v1/employment-targets"


class StatsApiTests:
    def test_county_region_with_values(self, api_client_for, ledger, targets, workshops):
        response = api_client_for("county_office").get(STATS, {"region": "430523",
                                                               "month": MONTH})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["region_code"] == COUNTY_A
        assert [r["region_code"] for r in body["rows"]] == [TOWNSHIP_A, "430523101000"]
        total = body["total"]["values"]
        # as hand-computed in test_providers: 6 at work, 4 脱贫 of target 8 → 50.0 %; 2 workshops
        assert total["transfer_employed"] == 6
        assert total["scale_target"] == 8
        assert float(total["scale_rate"]) == 50.0
        assert total["workshops_total"] == 2
        keys = [m["key"] for m in body["metrics"]]
        assert set(total) == set(keys)
        assert {"key": "transfer_lifted", "label": "其中脱贫人口（含监测对象）",
                "unit": "人"} in body["metrics"]
        assert {"key": "transfer_monitored", "label": "其中监测对象",
                "unit": "人"} in body["metrics"]

    def test_township_defaults_to_its_own_and_404_outside(self, api_client_for, ledger):
        client = api_client_for("township_station")
        own = client.get(STATS, {"month": MONTH}).json()
        assert [r["region_code"] for r in own["rows"]] == [VILLAGE_A, VILLAGE_B]
        assert own["total"]["values"]["transfer_employed"] == 5
        response = client.get(STATS, {"region": COUNTY_A, "month": MONTH})
        assert response.status_code == 404
        assert "detail" in response.json()

    def test_bad_month_and_no_right(self, api_client_for, ledger):
        bad = api_client_for("county_office").get(STATS, {"month": "十月"})
        assert bad.status_code == 400
        assert "月份" in bad.json()["detail"]
        assert api_client_for("liaison").get(STATS).status_code == 404


class TargetApiTests:
    def test_create_read_update_delete_audited(self, api_client_for, personas):
        client = api_client_for("county_office")
        created = client.post(TARGETS, {"region": "430523", "year": 2025, "month": 10,
                                        "target": 8, "reference": "邵人社发〔2025〕1号"},
                              content_type="application/json")
        assert created.status_code == 201, created.content
        item = created.json()
        assert (item["region_code"], item["month_label"], item["version"]) == (
            COUNTY_A, "10 月", 1)
        assert client.get(f"{TARGETS}/{item['id']}").json()["target"] == 8
        assert client.get(TARGETS, {"year": 2025}).json()["count"] == 1
        stale = client.put(f"{TARGETS}/{item['id']}", {"target": 9, "version": 0},
                           content_type="application/json")
        assert stale.status_code == 409
        assert "已被他人修改" in stale.json()["detail"]
        updated = client.put(f"{TARGETS}/{item['id']}", {"target": 9, "version": 1},
                             content_type="application/json")
        assert updated.status_code == 200
        assert (updated.json()["target"], updated.json()["version"]) == (9, 2)
        deleted = client.delete(f"{TARGETS}/{item['id']}", {"version": 2},
                                content_type="application/json")
        assert deleted.status_code == 204
        assert not EmploymentTarget.objects.exists()
        notes = list(AuditEvent.objects.filter(
            event_type=AuditEventType.EMPLOYMENT_UPDATED,
            subject_type="employment_stats.employmenttarget").order_by("id")
            .values_list("note", flat=True))
        assert [n.split("：")[0] for n in notes] == ["录入务工规模目标", "修改务工规模目标",
                                                    "删除务工规模目标"]

    def test_scope_level_and_duplicates(self, api_client_for, personas):
        county = api_client_for("county_office")
        outside = county.post(TARGETS, {"region": "430524", "year": 2025, "target": 4},
                              content_type="application/json")
        assert outside.status_code == 404
        township = county.post(TARGETS, {"region": TOWNSHIP_A, "year": 2025, "target": 4},
                               content_type="application/json")
        assert township.status_code == 400
        assert "只分解到县" in township.json()["detail"]
        bad_month = county.post(TARGETS, {"region": "430523", "year": 2025, "month": 13,
                                          "target": 4}, content_type="application/json")
        assert bad_month.status_code == 400
        city = api_client_for("city_office")
        assert city.post(TARGETS, {"region": "430524", "year": 2025, "target": 4},
                         content_type="application/json").status_code == 201
        again = city.post(TARGETS, {"region": "430524", "year": 2025, "target": 5},
                          content_type="application/json")
        assert again.status_code == 400
        assert "已经录入" in again.json()["detail"]
        # the county office does not see 隆回县's target
        assert county.get(TARGETS).json()["count"] == 0

    # the auditor (city scope) reads the county's target; a township's scope is below the
    # county, so the target is not found for it; both are refused every write
    @pytest.mark.parametrize(("persona", "read"), [("auditor", 200), ("township_station", 404)])
    def test_read_only_roles_get_403_on_writes(self, api_client_for, targets, persona, read):
        client = api_client_for(persona)
        mine = EmploymentTarget.objects.get(region_id=COUNTY_A, month=0)
        assert client.get(f"{TARGETS}/{mine.pk}").status_code == read
        assert client.post(TARGETS, {"region": "430523", "year": 2026, "target": 1},
                           content_type="application/json").status_code == 403
        assert client.put(f"{TARGETS}/{mine.pk}", {"target": 1, "version": 1},
                          content_type="application/json").status_code == 403
        assert client.delete(f"{TARGETS}/{mine.pk}", {"version": 1},
                             content_type="application/json").status_code == 403
        assert EmploymentTarget.objects.get(pk=mine.pk).target == 10

    def test_out_of_scope_target_is_404(self, api_client_for, targets):
        other = EmploymentTarget.objects.get(region_id=OUTSIDE_COUNTY)
        client = api_client_for("county_office")
        assert client.get(f"{TARGETS}/{other.pk}").status_code == 404
        assert client.put(f"{TARGETS}/{other.pk}", {"target": 1, "version": 1},
                          content_type="application/json").status_code == 404
