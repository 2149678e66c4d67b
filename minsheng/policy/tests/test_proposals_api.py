"""API: /api/v1/parameters and /api/v1/parameter-proposals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.core.roles import Role
from minsheng.core.services import token_create
from minsheng.policy.models import ParameterProposal, ProposalStatus
from minsheng.regions.services import AccountData, account_create
from minsheng.testing import COUNTY_A, PASSWORD, VILLAGE_A

RANGE = "monitoring.range"
BODY = {
    "name": RANGE, "region_code": "430523", "effective": "2026-01-01", "until": "2026-12-31",
    "value": 8800, "ref_document": "邵阳县 2026 年度防止返贫监测范围的通知（测试）",
    "ref_issuer": "邵阳县乡村振兴局", "ref_date": "2026-02-01",
}


def post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def colleague(personas):
    user = account_create(actor=None, data=AccountData(
        username="county_office_2", display_name="县级二", role=Role.COUNTY_OFFICE,
        region_codes=[COUNTY_A]), password=PASSWORD)
    _, key = token_create(actor=None, user=user)
    return Client(headers={"Authorization": f"Bearer {key}"})


class ParametersApiTests:
    def test_anonymous_gets_401(self, personas):
        assert Client().get("/api/v1/parameters").status_code == 401

    def test_role_without_the_page_gets_404(self, api_client_for):
        assert api_client_for("enterprise").get("/api/v1/parameters").status_code == 404

    def test_list_has_every_parameter_with_todays_values(self, api_client_for):
        response = api_client_for("village_monitor").get("/api/v1/parameters")
        assert response.status_code == 200
        items = {item["name"]: item for item in response.json()}
        assert items[RANGE]["description"] == "防止返贫监测范围（家庭年人均纯收入标准）"
        assert items[RANGE]["unit"] == "元/人/年"
        assert items[RANGE]["min"] == "1000"
        assert items[RANGE]["in_force"][0]["region_code"] == VILLAGE_A
        counted = items["monitoring.net_income.counted_income"]
        assert counted["choices"]["wage_income"] == "工资性收入"

    def test_detail_lists_entries_with_references(self, api_client_for):
        response = api_client_for("county_office").get(f"/api/v1/parameters/{RANGE}")
        assert response.status_code == 200
        entries = response.json()["entries"]
        county = [e for e in entries if e["region_code"] == COUNTY_A]
        assert county == [{
            "region_code": COUNTY_A, "region_name": "邵阳县", "effective": "2025-01-01",
            "until": "2025-12-31", "value": "8200", "note": "演示值，用来演示县级标准覆盖省级标准。",
            "ref": {"document": "【演示值】邵阳县 2025 年度防止返贫监测范围（虚构，须按正式文件替换）",
                    "issuer": "演示数据，非政府发文", "date": "2025-01-01", "url": "",
                    "verified": False, "local": False, "proposal_id": None, "approved_by": ""},
        }]
        assert {e["region_name"] for e in entries} >= {"全国", "湖南省", "邵阳县"}

    def test_unknown_parameter_is_404(self, api_client_for):
        response = api_client_for("county_office").get("/api/v1/parameters/no.such")
        assert response.status_code == 404
        assert response.json() == {"detail": "未定义该政策参数。"}


class ProposalsApiTests:
    def test_propose_approve_and_lookup(self, api_client_for, colleague, monkeypatch):
        status, created = post(api_client_for("county_office"), "/api/v1/parameter-proposals",
                               BODY)
        assert status == 201
        assert created["status"] == "pending"
        assert created["value"] == "8800"
        assert created["proposed_by"] == "county_office"
        status, approved = post(colleague,
                                f"/api/v1/parameter-proposals/{created['id']}/approve",
                                {"version": created["version"], "note": "已核对原文"})
        assert status == 200
        assert approved["status"] == "approved"
        assert approved["decided_by"] == "county_office_2"
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: dt.date(2026, 6, 1))
        detail = colleague.get(f"/api/v1/parameters/{RANGE}").json()
        assert detail["in_force"] == [{
            "region_code": COUNTY_A, "region_name": "邵阳县", "value": "8800",
            "source_region": COUNTY_A, "effective": "2026-01-01", "until": "2026-12-31",
            "local": True, "missing": ""}]
        local = [e for e in detail["entries"] if e["ref"]["local"]]
        assert local[0]["ref"]["proposal_id"] == created["id"]
        assert local[0]["ref"]["approved_by"] == "county_office_2"

    def test_invalid_value_is_400_with_chinese_message(self, api_client_for):
        status, body = post(api_client_for("county_office"), "/api/v1/parameter-proposals",
                            {**BODY, "value": 60000})
        assert status == 400
        assert body == {"detail": "取值 60000 大于上限 max（50000）。"}

    def test_fraction_for_integer_unit_is_400(self, api_client_for):
        status, body = post(api_client_for("county_office"), "/api/v1/parameter-proposals",
                            {**BODY, "name": "procedure.identification.notice_days",
                             "value": 5.5, "until": None})
        assert status == 400
        assert body == {"detail": "取值应为整数（单位：天），实为「5.5」。"}

    def test_out_of_scope_region_is_404(self, api_client_for):
        status, body = post(api_client_for("county_office"), "/api/v1/parameter-proposals",
                            {**BODY, "region_code": "430524"})
        assert status == 404
        assert body == {"detail": "所选区划不存在或不在您的管辖范围内。"}

    def test_reader_role_gets_403(self, api_client_for):
        status, _ = post(api_client_for("township_station"), "/api/v1/parameter-proposals", BODY)
        assert status == 403
        assert not ParameterProposal.objects.exists()

    def test_unknown_field_is_refused(self, api_client_for):
        status, body = post(api_client_for("county_office"), "/api/v1/parameter-proposals",
                            {**BODY, "status": "approved"})
        assert status == 400
        assert body == {"detail": "不支持的字段：status"}

    def test_self_approval_is_403(self, api_client_for):
        client = api_client_for("county_office")
        _, created = post(client, "/api/v1/parameter-proposals", BODY)
        status, body = post(client, f"/api/v1/parameter-proposals/{created['id']}/approve",
                            {"version": 1})
        assert status == 403
        assert body["detail"].startswith("不能审批自己提出的申报（四眼原则）")
        assert not AuditEvent.objects.filter(event_type=AuditEventType.PARAMETER_APPROVED).exists()

    def test_stale_version_is_409(self, api_client_for, colleague):
        _, created = post(api_client_for("county_office"), "/api/v1/parameter-proposals", BODY)
        url = f"/api/v1/parameter-proposals/{created['id']}"
        assert post(colleague, f"{url}/reject", {"version": 1, "reason": "文号有误"})[0] == 200
        status, body = post(api_client_for("city_office"), f"{url}/approve", {"version": 1})
        assert status == 409
        assert body["detail"].startswith("该申报已被他人处理")

    def test_reject_needs_reason(self, api_client_for, colleague):
        _, created = post(api_client_for("county_office"), "/api/v1/parameter-proposals", BODY)
        status, body = post(colleague, f"/api/v1/parameter-proposals/{created['id']}/reject",
                            {"version": 1, "reason": " "})
        assert status == 400
        assert body == {"detail": "退回须填写理由。"}

    def test_withdraw_by_proposer(self, api_client_for):
        client = api_client_for("county_office")
        _, created = post(client, "/api/v1/parameter-proposals", BODY)
        status, body = post(client, f"/api/v1/parameter-proposals/{created['id']}/withdraw",
                            {"version": 1})
        assert status == 200
        assert body["status"] == ProposalStatus.WITHDRAWN
        assert AuditEvent.objects.filter(
            event_type=AuditEventType.PARAMETER_WITHDRAWN).count() == 1

    def test_outsider_gets_404_for_proposal_and_its_actions(self, api_client_for):
        _, created = post(api_client_for("county_office"), "/api/v1/parameter-proposals", BODY)
        other = api_client_for("outsider")
        assert other.get(f"/api/v1/parameter-proposals/{created['id']}").status_code == 404
        longhui = account_create(actor=None, data=AccountData(
            username="longhui_office", display_name="隆回县", role=Role.COUNTY_OFFICE,
            region_codes=["430524000000"]), password=PASSWORD)
        _, key = token_create(actor=None, user=longhui)
        client = Client(headers={"Authorization": f"Bearer {key}"})
        status, _ = post(client, f"/api/v1/parameter-proposals/{created['id']}/approve",
                         {"version": 1})
        assert status == 404

    def test_list_filters_by_status_within_scope(self, api_client_for, colleague):
        client = api_client_for("county_office")
        _, created = post(client, "/api/v1/parameter-proposals", BODY)
        assert [p["id"] for p in client.get(
            "/api/v1/parameter-proposals?status=pending").json()] == [created["id"]]
        assert client.get("/api/v1/parameter-proposals?status=approved").json() == []
        response = client.get("/api/v1/parameter-proposals?status=done")
        assert response.status_code == 400
        assert api_client_for("outsider").get("/api/v1/parameter-proposals").json() == []


class QueryCountTests:
    def test_parameter_list_is_four_queries_whatever_the_approved_values(
            self, personas, api_client_for, colleague, django_assert_num_queries):
        client = api_client_for("county_office")
        client.get("/api/v1/parameters")  # warm the per-process parameter cache
        # authentication, scope and the approved-values fingerprint
        with django_assert_num_queries(4):
            assert client.get("/api/v1/parameters").status_code == 200
        for region in ("430523", "430523100", "430523100001"):
            _, created = post(client, "/api/v1/parameter-proposals",
                              {**BODY, "region_code": region})
            post(colleague, f"/api/v1/parameter-proposals/{created['id']}/approve",
                 {"version": 1})
        client.get("/api/v1/parameters")  # the merge, once
        with django_assert_num_queries(4):
            assert client.get("/api/v1/parameters").status_code == 200


class EntryScopeTests:
    def test_values_of_another_county_are_not_listed(self, api_client_for, colleague):
        client = api_client_for("county_office")
        _, created = post(client, "/api/v1/parameter-proposals", {**BODY, "region_code": VILLAGE_A})
        post(colleague, f"/api/v1/parameter-proposals/{created['id']}/approve", {"version": 1})
        outsider = api_client_for("outsider").get(f"/api/v1/parameters/{RANGE}").json()
        regions = {e["region_code"] for e in outsider["entries"]}
        assert regions == {"", "430000000000"}  # national and 湖南省; not 邵阳县 or its village
        inside = api_client_for("village_monitor").get(f"/api/v1/parameters/{RANGE}").json()
        assert {e["region_code"] for e in inside["entries"]} == {
            "", "430000000000", COUNTY_A, VILLAGE_A}


def test_openapi_document_lists_the_policy_endpoints(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/parameters", "/api/v1/parameters/{name}", "/api/v1/parameter-proposals",
            "/api/v1/parameter-proposals/{proposal_id}",
            "/api/v1/parameter-proposals/{proposal_id}/approve",
            "/api/v1/parameter-proposals/{proposal_id}/reject",
            "/api/v1/parameter-proposals/{proposal_id}/withdraw"} <= set(paths)
