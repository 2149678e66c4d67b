"""The registry API: scope, masking and audited reveal, filters, stale-version refusal."""

import datetime as dt

import pytest

from minsheng.core.models import AuditEvent
from minsheng.registry.models import Household
from minsheng.registry.testing import make_id
from minsheng.testing import VILLAGE_B

HEAD_ID = make_id(dt.date(1980, 1, 1), 1)


class HouseholdListApiTests:
    def test_lists_scoped_households_with_counts(self, households, api_client_for):
        data = api_client_for("village_monitor").get("/api/v1/households").json()
        assert data["count"] == 1
        item = data["items"][0]
        assert item["household_no"] == "H001"
        assert item["member_count"] == 2
        assert item["phone"] == "138****5678"

    @pytest.mark.parametrize("params,expected", [
        ({"q": "zxy"}, ["H001"]), ({"q": "cxy"}, ["H001"]), ({"q": "ww"}, ["H002"]),
        ({"insurance_gap": "true"}, ["H001"]), ({"category": "ordinary"}, ["H002"]),
        ({"income_min": "5000"}, ["H001"]), ({"region": VILLAGE_B}, ["H002"]),
    ])
    def test_filters(self, households, api_client_for, params, expected):
        data = api_client_for("township_station").get("/api/v1/households", params).json()
        assert [i["household_no"] for i in data["items"]] == expected

    def test_paginates(self, households, api_client_for):
        data = api_client_for("township_station").get("/api/v1/households",
                                                      {"limit": 1, "offset": 1}).json()
        assert data["count"] == 2
        assert [i["household_no"] for i in data["items"]] == ["H002"]

    def test_region_outside_scope_is_404(self, households, api_client_for):
        response = api_client_for("village_monitor").get("/api/v1/households",
                                                         {"region": VILLAGE_B})
        assert response.status_code == 404

    def test_query_count_does_not_grow_with_rows(self, households, api_client_for,
                                                 django_assert_max_num_queries):
        client = api_client_for("township_station")
        with django_assert_max_num_queries(8):
            client.get("/api/v1/households")

    def test_anonymous_is_401(self, households, client):
        assert client.get("/api/v1/households").status_code == 401


class HouseholdDetailApiTests:
    def test_masks_by_default(self, households, api_client_for):
        data = api_client_for("township_station").get(
            f"/api/v1/households/{households[0].pk}").json()
        head = next(m for m in data["members"] if m["relation"] == "head")
        assert head["id_number"] == f"{HEAD_ID[:6]}********{HEAD_ID[-4:]}"
        assert data["ledgers"][0]["year"] == 2025

    def test_reveal_is_audited_for_allowed_roles(self, households, api_client_for):
        data = api_client_for("township_station").get(
            f"/api/v1/households/{households[0].pk}", {"reveal": "true"}).json()
        assert HEAD_ID in [m["id_number"] for m in data["members"]]
        assert AuditEvent.objects.filter(event_type="SENSITIVE_REVEALED").count() == 1

    def test_reveal_is_403_for_village_monitor(self, households, api_client_for):
        response = api_client_for("village_monitor").get(
            f"/api/v1/households/{households[0].pk}", {"reveal": "true"})
        assert response.status_code == 403
        assert response.json() == {"detail": "您的角色不能查看完整的身份证号、电话和银行账号。"}

    def test_other_village_is_404(self, households, api_client_for):
        client = api_client_for("village_monitor")
        assert client.get(f"/api/v1/households/{households[1].pk}").status_code == 404
        assert client.get(f"/api/v1/households/{households[1].pk}/members").status_code == 404
        assert api_client_for("outsider").get(
            f"/api/v1/households/{households[0].pk}/ledgers").status_code == 404


class HouseholdWriteApiTests:
    def test_patch_with_current_version_updates(self, households, api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{households[0].pk}",
            {"version": 1, "housing_grade": "C"}, content_type="application/json")
        assert response.status_code == 200
        assert response.json()["version"] == 2

    def test_patch_with_stale_version_is_409_and_changes_nothing(self, households,
                                                                 api_client_for):
        client = api_client_for("village_monitor")
        url = f"/api/v1/households/{households[0].pk}"
        client.patch(url, {"version": 1, "housing_grade": "C"}, content_type="application/json")
        response = client.patch(url, {"version": 1, "housing_grade": "A"},
                                content_type="application/json")
        assert response.status_code == 409
        assert response.json()["detail"].startswith("该农户已被他人修改（当前版本 2，您编辑的是版本 1）")
        assert Household.objects.get(pk=households[0].pk).housing_grade == "C"

    def test_patch_without_version_is_400(self, households, api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{households[0].pk}", {"housing_grade": "C"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "缺少版本号：请先读取记录再修改。"}

    def test_auditor_cannot_patch(self, households, api_client_for):
        response = api_client_for("auditor").patch(
            f"/api/v1/households/{households[0].pk}", {"version": 1, "housing_grade": "C"},
            content_type="application/json")
        assert response.status_code == 404

    def test_member_create_reports_field_errors(self, households, api_client_for):
        response = api_client_for("village_monitor").post(
            f"/api/v1/households/{households[0].pk}/members",
            {"id_number": "123", "name": "丙", "relation": "son"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "id_number", "message": "身份证号应为 18 位，实为 3 位。"}]

    def test_member_create_and_patch(self, households, api_client_for):
        client = api_client_for("village_monitor")
        created = client.post(f"/api/v1/households/{households[0].pk}/members",
                              {"id_number": make_id(dt.date(2010, 5, 5), 30), "name": "曾小",
                               "relation": "son"}, content_type="application/json")
        assert created.status_code == 201
        member_id = created.json()["id"]
        patched = client.patch(f"/api/v1/members/{member_id}",
                               {"version": 1, "school_stage": "junior"},
                               content_type="application/json")
        assert patched.status_code == 200
        assert patched.json()["school_stage"] == "junior"
        stale = client.patch(f"/api/v1/members/{member_id}", {"version": 1, "name": "X"},
                             content_type="application/json")
        assert stale.status_code == 409

    def test_ledger_put_creates_then_needs_version(self, households, api_client_for):
        client = api_client_for("village_monitor")
        url = f"/api/v1/households/{households[0].pk}/ledgers/2024"
        assert client.put(url, {"wage_income": "9000.50"},
                          content_type="application/json").json()["version"] == 1
        assert client.put(url, {"wage_income": "1"},
                          content_type="application/json").status_code == 400
        assert client.put(url, {"version": 1, "wage_income": "1"},
                          content_type="application/json").status_code == 200


def test_openapi_lists_the_registry_paths(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/households", "/api/v1/households/{household_id}",
            "/api/v1/households/{household_id}/members", "/api/v1/members/{member_id}",
            "/api/v1/households/{household_id}/ledgers/{year}"} <= set(paths)
