"""API: scope (404), masking, versions (409), Chinese errors."""

from __future__ import annotations

import pytest

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment import services
from minsheng.employment.models import LabourStatus
from minsheng.employment.tests.conftest import MONTH, id_of
from minsheng.testing import VILLAGE_A

VALID_USCC = "91110000600037341L"
EMPLOYED = {"status": "employed", "work_area": "in_province", "employer_name": "长沙建筑公司",
            "work_months": 4, "monthly_income": "5000"}


@pytest.fixture
def enterprise(personas):
    return services.enterprise_create(actor=personas["county_office"], uscc=VALID_USCC,
                                      region_code="430523",
                                      data={"name": "湘妹子制衣", "contact_phone": "13912345678"})


class LabourApiTests:
    def test_anonymous_is_401(self, client, households):
        assert client.get("/api/v1/labour/members").status_code == 401

    def test_list_is_scoped_and_masked(self, api_client_for, households):
        body = api_client_for("village_monitor").get(
            f"/api/v1/labour/members?month={MONTH}").json()
        assert body["count"] == 3
        assert {i["name"] for i in body["items"]} == {"曾祥月", "李芳", "王二"}
        assert body["items"][0]["id_number"] == id_of("曾祥月")[:6] + "********" + \
            id_of("曾祥月")[-4:]

    def test_detail_out_of_scope_is_404(self, api_client_for, member):
        response = api_client_for("village_monitor").get(
            f"/api/v1/labour/members/{member('张三').pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该对象，或您无权查看。"}

    def test_put_then_stale_put_is_409(self, api_client_for, member):
        client = api_client_for("village_monitor")
        url = f"/api/v1/labour/members/{member('王二').pk}/statuses/{MONTH}"
        first = client.put(url, {**EMPLOYED, "version": 0}, content_type="application/json")
        assert first.status_code == 200, first.content
        assert first.json()["status"]["version"] == 1
        second = client.put(url, {"status": "unemployed", "unemployed_reason": "illness",
                                  "version": 1}, content_type="application/json")
        assert second.status_code == 200
        stale = client.put(url, {**EMPLOYED, "version": 1}, content_type="application/json")
        assert stale.status_code == 409
        assert stale.json()["detail"].startswith("该成员 2025-10 的就业状态已被他人修改（当前版本 2")
        assert LabourStatus.objects.get().status == "unemployed"

    def test_bad_input_is_400_in_chinese(self, api_client_for, member):
        response = api_client_for("village_monitor").put(
            f"/api/v1/labour/members/{member('王二').pk}/statuses/{MONTH}",
            {"status": "employed", "version": 0}, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "务工人员请选择务工区域（县内、省内县外或省外）。"}

    def test_auditor_cannot_write(self, api_client_for, member):
        response = api_client_for("auditor").put(
            f"/api/v1/labour/members/{member('王二').pk}/statuses/{MONTH}",
            {**EMPLOYED, "version": 0}, content_type="application/json")
        assert response.status_code == 404

    def test_unchanged_and_coverage(self, api_client_for, member):
        client = api_client_for("county_office")
        pk = member("张三").pk
        client.put(f"/api/v1/labour/members/{pk}/statuses/2025-09", {**EMPLOYED, "version": 0},
                   content_type="application/json")
        response = client.post(f"/api/v1/labour/members/{pk}/statuses/{MONTH}/unchanged",
                               {"version": 0}, content_type="application/json")
        assert response.status_code == 200 and response.json()["status"]["unchanged"] is True
        body = client.get(f"/api/v1/labour/coverage?month={MONTH}").json()
        assert [(r["region_name"], r["households"], r["covered"]) for r in body["rows"]] == [
            ("大岭社区", 2, 0), ("四峰社区", 1, 1)]
        assert body["total"]["share"] == "33.3"

    def test_profile_put_is_versioned(self, api_client_for, member):
        client = api_client_for("village_monitor")
        url = f"/api/v1/labour/members/{member('王二').pk}/profile"
        ok = client.put(url, {"skills": "电焊", "max_distance_km": 20, "version": 0},
                        content_type="application/json")
        assert ok.status_code == 200 and ok.json()["profile"]["skills"] == "电焊"
        assert client.put(url, {"skills": "木工", "version": 0},
                          content_type="application/json").status_code == 409


class EnterpriseApiTests:
    def test_list_masks_phones_and_is_scoped(self, api_client_for, enterprise):
        body = api_client_for("county_office").get("/api/v1/enterprises").json()
        assert body["count"] == 1 and body["items"][0]["contact_phone"] == "139****5678"
        assert api_client_for("township_station").get("/api/v1/enterprises").json()["count"] == 0
        assert api_client_for("outsider").get(
            f"/api/v1/enterprises/{enterprise.pk}").status_code == 404

    def test_create_validates_the_uscc(self, api_client_for, personas):
        response = api_client_for("county_office").post(
            "/api/v1/enterprises", {"uscc": "9111000060003734", "region": "430523",
                                    "name": "甲"}, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"] == "统一社会信用代码应为 18 位，「9111000060003734」为 16 位。"

    def test_update_with_stale_version_is_409(self, api_client_for, enterprise):
        client = api_client_for("county_office")
        url = f"/api/v1/enterprises/{enterprise.pk}"
        assert client.put(url, {"name": "新名", "version": 1},
                          content_type="application/json").status_code == 200
        stale = client.put(url, {"name": "又一名", "version": 1}, content_type="application/json")
        assert stale.status_code == 409
        assert client.get(url).json()["name"] == "新名"


class WorkshopApiTests:
    def test_lifecycle_through_the_api(self, api_client_for, enterprise, households):
        client = api_client_for("county_office")
        created = client.post("/api/v1/workshops", {
            "enterprise_id": enterprise.pk, "region": VILLAGE_A, "name": "制衣车间",
            "workshop_type": "factory", "headcount": 5}, content_type="application/json")
        assert created.status_code == 201, created.content
        w = created.json()
        url = f"/api/v1/workshops/{w['id']}"
        added = client.post(f"{url}/workers", {
            "name": "曾祥月", "id_number": id_of("曾祥月"), "category": "other",
            "contract_start": "2025-01-01", "contract_months": 12},
            content_type="application/json").json()
        assert added["workers"][0]["category"] == "lifted"
        assert added["workers"][0]["id_number"].count("*") == 8
        client.post(f"{url}/subsidies", {"kind": "social_insurance", "amount": "800.5",
                                         "granted_on": "2025-06-01"},
                    content_type="application/json")
        detail = client.get(url).json()
        assert detail["subsidy_total"] == "800.50"
        refused = client.post(f"{url}/recognition", {"version": detail["version"]},
                              content_type="application/json")
        assert refused.status_code == 400 and refused.json()["detail"].startswith("不符合认定条件")
        stale = client.post(f"{url}/status", {"to": "stopped", "on": "2025-03-01",
                                              "reason": "x", "version": 1},
                            content_type="application/json")
        assert stale.status_code == 409
        assert api_client_for("outsider").get(url).status_code == 404
        assert api_client_for("village_monitor").get(url).status_code == 200
        assert api_client_for("village_monitor").put(url, {
            "name": "x", "workshop_type": "home", "version": detail["version"]},
            content_type="application/json").status_code == 404
        assert AuditEvent.objects.filter(subject_type="employment.workshop",
                                         event_type=AuditEventType.EMPLOYMENT_UPDATED).exists()
