"""Parameters pages (政策参数) and local value proposals in the web UI: scope, permissions,
four-eyes, and what the pages show."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.core.roles import Role
from minsheng.policy import proposals
from minsheng.policy.models import ParameterProposal, ProposalStatus
from minsheng.regions.services import AccountData, account_create
from minsheng.testing import COUNTY_A, PASSWORD

RANGE = "monitoring.range"
FORM = {
    "region_code": "430523", "effective": "2026-01-01", "until": "2026-12-31", "value": "8800",
    "ref_document": "邵阳县 2026 年度防止返贫监测范围的通知（测试）", "ref_issuer": "邵阳县乡村振兴局",
    "ref_date": "2026-02-01", "ref_url": "", "note": "",
}


def text(response) -> str:
    return response.content.decode()


def propose(actor, **overrides):
    data = {"name": RANGE, "region_code": "430523", "effective": dt.date(2026, 1, 1),
            "until": dt.date(2026, 12, 31), "value": "8800", "ref_document": "通知",
            "ref_issuer": "邵阳县乡村振兴局", "ref_date": dt.date(2026, 2, 1)}
    data.update(overrides)
    return proposals.parameter_propose(actor=actor, **data)


@pytest.fixture
def second_county(personas):
    account_create(actor=None, data=AccountData(
        username="county_office_2", display_name="县级二", role=Role.COUNTY_OFFICE,
        region_codes=[COUNTY_A]), password=PASSWORD)
    client = Client()
    assert client.post("/login/", {"username": "county_office_2",
                                   "password": PASSWORD}).status_code == 302
    return client


class ParameterPagesTests:
    def test_anonymous_is_sent_to_login(self, personas):
        response = Client().get("/policy/parameters/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    @pytest.mark.parametrize("persona", ["enterprise", "sys_admin", "audit_admin"])
    def test_roles_without_the_page_get_404(self, client_for, persona):
        assert client_for(persona).get("/policy/parameters/").status_code == 404
        assert client_for(persona).get(f"/policy/parameters/{RANGE}/").status_code == 404

    def test_list_shows_every_parameter_with_todays_value(self, client_for):
        response = client_for("village_monitor").get("/policy/parameters/")
        assert response.status_code == 200
        page = text(response)
        assert "防止返贫监测范围（家庭年人均纯收入标准）" in page
        assert "识别程序：村级评议公示期（不少于）" in page
        assert "政策参数" in page  # the navigation entry

    def test_detail_shows_values_with_references_and_verification(self, client_for):
        page = text(client_for("county_office").get(f"/policy/parameters/{RANGE}/"))
        assert "【演示值】邵阳县 2025 年度防止返贫监测范围（虚构，须按正式文件替换）" in page
        assert "演示数据，非政府发文" in page
        assert "未核实" in page
        assert "申报地方取值" in page  # county office may propose

    def test_detail_hides_propose_button_from_readers(self, client_for):
        page = text(client_for("village_monitor").get(f"/policy/parameters/{RANGE}/"))
        assert "申报地方取值" not in page

    def test_unknown_parameter_is_404(self, client_for):
        assert client_for("county_office").get("/policy/parameters/nothing.here/").status_code \
            == 404

    def test_detail_shows_value_in_force_today_for_own_region(self, client_for, monkeypatch):
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: dt.date(2025, 6, 1))
        page = text(client_for("county_office").get(f"/policy/parameters/{RANGE}/"))
        table = page.split('data-testid="in-force-table"')[1].split("</table>")[0]
        assert "邵阳县" in table
        assert "8200 元/人/年" in table

    def test_detail_says_when_nothing_is_in_force(self, client_for, monkeypatch):
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: dt.date(2030, 6, 1))
        page = text(client_for("county_office").get(f"/policy/parameters/{RANGE}/"))
        assert "无适用取值" in page
        assert "没有适用于区划 430523000000 的取值" in page


class ProposeViewTests:
    def test_reader_cannot_open_the_form(self, client_for):
        assert client_for("township_station").get(
            f"/policy/parameters/{RANGE}/propose/").status_code == 404

    def test_county_office_proposes_and_is_redirected(self, client_for):
        response = client_for("county_office").post(f"/policy/parameters/{RANGE}/propose/", FORM)
        proposal = ParameterProposal.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/policy/proposals/{proposal.pk}/"
        assert proposal.status == ProposalStatus.PENDING
        assert proposal.region_code == COUNTY_A

    def test_value_error_is_shown_on_the_form(self, client_for):
        response = client_for("county_office").post(f"/policy/parameters/{RANGE}/propose/",
                                                     {**FORM, "value": "60000"})
        assert response.status_code == 200
        assert "取值 60000 大于上限 max（50000）。" in text(response)
        assert not ParameterProposal.objects.exists()

    def test_out_of_scope_region_is_a_field_error(self, client_for):
        response = client_for("county_office").post(f"/policy/parameters/{RANGE}/propose/",
                                                     {**FORM, "region_code": "430524"})
        assert "所选区划不存在或不在您的管辖范围内。" in text(response)
        assert not ParameterProposal.objects.exists()

    def test_list_parameter_uses_checkboxes(self, client_for):
        name = "monitoring.net_income.counted_income"
        client = client_for("county_office")
        page = text(client.get(f"/policy/parameters/{name}/propose/"))
        assert 'type="checkbox"' in page
        assert "工资性收入" in page
        response = client.post(f"/policy/parameters/{name}/propose/",
                               {**FORM, "until": "", "value": ["wage_income", "property_income"]})
        assert response.status_code == 302
        assert ParameterProposal.objects.get().value == ["wage_income", "property_income"]

    def test_boolean_parameter_uses_a_yes_no_choice(self, client_for):
        name = "procedure.identification.green_channel"
        response = client_for("county_office").post(
            f"/policy/parameters/{name}/propose/", {**FORM, "until": "", "value": "false"})
        assert response.status_code == 302
        assert ParameterProposal.objects.get().value is False


class DecisionViewTests:
    def test_outsider_gets_404_for_proposal(self, personas, client_for):
        proposal = propose(personas["county_office"])
        assert client_for("outsider").get(f"/policy/proposals/{proposal.pk}/").status_code == 404

    def test_proposer_sees_withdraw_not_approve(self, personas, client_for):
        proposal = propose(personas["county_office"])
        page = text(client_for("county_office").get(f"/policy/proposals/{proposal.pk}/"))
        assert 'data-testid="withdraw-form"' in page
        assert 'data-testid="approve-form"' not in page

    def test_proposer_posting_approve_is_refused(self, personas, client_for):
        proposal = propose(personas["county_office"])
        response = client_for("county_office").post(
            f"/policy/proposals/{proposal.pk}/approve/", {"version": 1})
        assert response.status_code == 403
        assert "不能审批自己提出的申报（四眼原则）" in text(response)
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PENDING

    def test_colleague_approves_and_value_shows_as_local(self, personas, second_county,
                                                         monkeypatch):
        proposal = propose(personas["county_office"])
        page = text(second_county.get(f"/policy/proposals/{proposal.pk}/"))
        assert 'data-testid="approve-form"' in page
        response = second_county.post(f"/policy/proposals/{proposal.pk}/approve/",
                                      {"version": 1, "note": "已核对"})
        assert response.status_code == 302
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.APPROVED
        assert AuditEvent.objects.filter(event_type=AuditEventType.PARAMETER_APPROVED).count() == 1
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: dt.date(2026, 6, 1))
        detail = text(second_county.get(f"/policy/parameters/{RANGE}/"))
        table = detail.split('data-testid="in-force-table"')[1].split("</table>")[0]
        assert "8800 元/人/年" in table
        assert "地方审批" in table
        assert f"申报 #{proposal.pk}" in detail

    def test_stale_approval_shows_conflict(self, personas, second_county, client_for):
        proposal = propose(personas["county_office"])
        client_for("city_office").post(f"/policy/proposals/{proposal.pk}/reject/",
                                       {"version": 1, "reason": "文号有误"})
        response = second_county.post(f"/policy/proposals/{proposal.pk}/approve/",
                                      {"version": 1})
        assert response.status_code == 400
        assert "该申报已被他人处理（当前版本 2，您看到的是版本 1）" in text(response)

    def test_reject_without_reason_is_refused(self, personas, second_county):
        proposal = propose(personas["county_office"])
        response = second_county.post(f"/policy/proposals/{proposal.pk}/reject/",
                                      {"version": 1, "reason": ""})
        assert response.status_code == 400
        assert "退回须填写理由。" in text(response)
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PENDING

    def test_proposer_withdraws(self, personas, client_for):
        proposal = propose(personas["county_office"])
        response = client_for("county_office").post(
            f"/policy/proposals/{proposal.pk}/withdraw/", {"version": 1})
        assert response.status_code == 302
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.WITHDRAWN

    def test_approve_needs_post(self, personas, second_county):
        proposal = propose(personas["county_office"])
        assert second_county.get(f"/policy/proposals/{proposal.pk}/approve/").status_code == 405

    def test_list_shows_pending_in_scope_only(self, personas, client_for):
        mine = propose(personas["county_office"])
        other = propose(personas["city_office"], region_code="430524")
        page = text(client_for("county_office").get("/policy/proposals/"))
        assert f'/policy/proposals/{mine.pk}/"' in page
        assert f'/policy/proposals/{other.pk}/"' not in page
        city = text(client_for("city_office").get("/policy/proposals/"))
        assert len(re.findall(r'href="/policy/proposals/\d+/"', city)) == 2
