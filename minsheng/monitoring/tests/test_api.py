"""/api/v1/screenings and /api/v1/households/{id}/risks."""

import json

from minsheng.monitoring.models import RiskSignal, ScreeningRun


def post(client, body):
    return client.post("/api/v1/screenings", json.dumps(body), content_type="application/json")


class ScreeningApiTests:
    def test_runs_a_screening_and_returns_counts(self, families, api_client_for):
        response = post(api_client_for("county_office"), {"region": "430523", "on": "2026-06-30"})
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["kind"], body["status"], body["evaluated"], body["new_count"]) == \
            ("screening", "done", 4, 2)
        assert RiskSignal.objects.count() == 2

    def test_dry_run_writes_nothing(self, families, api_client_for):
        body = post(api_client_for("county_office"),
                    {"region": "430523", "on": "2026-06-30", "dry_run": True}).json()
        assert (body["dry_run"], body["new_count"]) == (True, 2)
        assert not RiskSignal.objects.exists()

    def test_what_if_returns_changes_by_township(self, families, api_client_for):
        response = post(api_client_for("county_office"), {
            "region": "430523", "on": "2026-06-30", "what_if": {"monitoring.range": "13000"}})
        body = response.json()
        assert body["kind"] == "simulation" and body["new_count"] == 1
        reasons = [r for r in body["reasons"] if r["entering_households"]]
        assert reasons == [{
            "township": "430523100", "township_name": "塘渡口镇",
            "reason_code": "income_below_range", "baseline_households": 1,
            "baseline_people": 2, "what_if_households": 2, "what_if_people": 5,
            "entering_households": 1, "entering_people": 3, "leaving_households": 0,
            "leaving_people": 0}]
        assert not RiskSignal.objects.exists()

    def test_bad_what_if_value_is_400_in_chinese(self, families, api_client_for):
        response = post(api_client_for("county_office"),
                        {"on": "2026-06-30", "what_if": {"monitoring.range": "abc"}})
        assert response.status_code == 400
        assert "abc" in response.json()["detail"]

    def test_region_outside_scope_is_404(self, families, api_client_for):
        response = post(api_client_for("county_office"), {"region": "430524"})
        assert response.status_code == 404
        assert response.json()["detail"] == "区划「430524」不存在或不在您的管辖范围内。"

    def test_role_that_only_views_gets_403_and_others_404(self, families, api_client_for):
        assert post(api_client_for("village_monitor"), {}).status_code == 403
        assert post(api_client_for("liaison"), {}).status_code == 404

    def test_anonymous_is_401(self, families, client):
        assert post(client, {}).status_code == 401

    def test_get_run_in_scope_and_404_outside(self, families, api_client_for):
        run_id = post(api_client_for("county_office"),
                      {"region": "430523", "on": "2026-06-30"}).json()["id"]
        body = api_client_for("township_station").get(f"/api/v1/screenings/{run_id}")
        # A county run lies above the township's scope: 404.
        assert body.status_code == 404
        ok = api_client_for("city_office").get(f"/api/v1/screenings/{run_id}")
        assert ok.status_code == 200 and ok.json()["new_count"] == 2
        assert api_client_for("outsider").get(f"/api/v1/screenings/{run_id}").status_code == 404
        assert ScreeningRun.objects.count() == 1


class HouseholdRisksApiTests:
    def test_lists_signals_with_explanations(self, families, api_client_for):
        post(api_client_for("county_office"), {"region": "430523", "on": "2026-06-30"})
        poor = families["poor"].pk
        response = api_client_for("village_monitor").get(f"/api/v1/households/{poor}/risks")
        assert response.status_code == 200
        [risk] = response.json()
        assert risk["reason_code"] == "income_below_range"
        assert risk["reason"] == "人均纯收入低于监测范围"
        assert risk["status"] == "open" and risk["status_display"] == "待核实"
        assert risk["explanation"].startswith("家庭人均纯收入 5,000 元，低于")
        assert "2026 年监测范围 8,500 元" in risk["explanation"]

    def test_out_of_scope_household_is_404(self, families, api_client_for):
        poor = families["poor"].pk
        assert api_client_for("outsider").get(f"/api/v1/households/{poor}/risks").status_code \
            == 404
        assert api_client_for("liaison").get(f"/api/v1/households/{poor}/risks").status_code \
            == 404

    def test_registry_household_routes_still_work(self, families, api_client_for):
        poor = families["poor"].pk
        response = api_client_for("village_monitor").get(f"/api/v1/households/{poor}")
        assert response.status_code == 200
        assert response.json()["household_no"] == "S-POOR"
