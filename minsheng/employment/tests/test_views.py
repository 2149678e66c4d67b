"""Web pages: scope (404, never 403), the monthly update flow, coverage export, employers."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment import services
from minsheng.employment.models import LabourStatus
from minsheng.employment.tests.conftest import LABOUR_HEADER_SHORT, MONTH, id_of, write_sheet
from minsheng.testing import VILLAGE_A

VALID_USCC = "91110000600037341L"


@pytest.fixture
def september(personas, member):
    return services.labour_status_save(
        actor=personas["village_monitor"], member_id=member("曾祥月").pk, month="2025-09",
        data={"status": "employed", "work_area": "in_county", "employer_name": "县城餐饮店",
              "work_months": 5, "monthly_income": "3000"}, version=0)


@pytest.fixture
def enterprise(personas):
    return services.enterprise_create(
        actor=personas["county_office"], uscc=VALID_USCC, region_code="430523",
        data={"name": "湘妹子制衣", "contact_phone": "13912345678"})


@pytest.fixture
def workshop(personas, enterprise):
    return services.workshop_create(actor=personas["county_office"], enterprise_id=enterprise.pk,
                                    region_code=VILLAGE_A, data={
                                        "name": "制衣车间", "workshop_type": "factory",
                                        "headcount": 10}, on=dt.date(2025, 1, 1))


class LedgerPageTests:
    def test_anonymous_is_sent_to_login(self, client, households):
        response = client.get("/employment/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_village_monitor_sees_its_labour_force(self, client_for, households, september):
        response = client_for("village_monitor").get(f"/employment/?month={MONTH}")
        assert response.status_code == 200
        body = response.content.decode()
        assert [n for n in ("曾祥月", "李芳", "王二", "张三", "曾老汉") if n in body] == [
            "曾祥月", "李芳", "王二"]
        assert id_of("曾祥月") not in body  # masked
        assert 'data-testid="unchanged-' in body  # 曾祥月 has September: one-click no change

    @pytest.mark.parametrize("persona", ["liaison", "enterprise", "sys_admin"])
    def test_roles_without_the_ledger_get_404(self, client_for, households, persona):
        assert client_for(persona).get("/employment/").status_code == 404

    def test_member_of_another_village_is_404(self, client_for, member):
        client = client_for("village_monitor")
        assert client.get(f"/employment/labour/{member('张三').pk}/").status_code == 404
        assert client_for("outsider").get(
            f"/employment/labour/{member('曾祥月').pk}/").status_code == 404


class MonthlyUpdateTests:
    def test_member_page_prefills_last_month(self, client_for, september, member):
        response = client_for("village_monitor").get(
            f"/employment/labour/{member('曾祥月').pk}/?month={MONTH}")
        body = response.content.decode()
        assert response.status_code == 200
        assert 'name="viewport"' in body
        assert 'value="县城餐饮店"' in body and "与 2025-09 相同，无变化" in body

    def test_no_change_confirms_with_one_click(self, client_for, september, member):
        pk = member("曾祥月").pk
        response = client_for("village_monitor").post(
            f"/employment/labour/{pk}/", {"action": "unchanged", "month": MONTH, "version": "0"})
        assert response.status_code == 302
        status = LabourStatus.objects.get(member_id=pk, month=MONTH)
        assert (status.unchanged, status.employer_name, status.work_months) == (True, "县城餐饮店", 6)

    def test_no_change_from_the_list_with_htmx_swaps_the_row(self, client_for, september,
                                                            member):
        pk = member("曾祥月").pk
        response = client_for("village_monitor").post(
            f"/employment/labour/{pk}/unchanged/", {"month": MONTH, "version": "0"},
            headers={"HX-Request": "true"})
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith(f'<tr id="labour-{pk}"') and "无变化" in body
        assert LabourStatus.objects.filter(member_id=pk, month=MONTH, unchanged=True).exists()

    def test_changed_status_is_saved(self, client_for, september, member):
        pk = member("曾祥月").pk
        response = client_for("village_monitor").post(f"/employment/labour/{pk}/", {
            "action": "status", "month": MONTH, "version": "0", "status": "unemployed",
            "unemployed_reason": "illness", "work_months": "5"})
        assert response.status_code == 302
        status = LabourStatus.objects.get(member_id=pk, month=MONTH)
        assert (status.status, status.unemployed_reason, status.unchanged) == (
            "unemployed", "illness", False)

    def test_stale_save_is_refused_with_a_clear_message(self, client_for, september, member):
        pk = member("曾祥月").pk
        client = client_for("village_monitor")
        form = {"action": "status", "month": "2025-09", "version": "1", "status": "employed",
                "work_area": "out_of_province", "work_months": "5"}
        assert client.post(f"/employment/labour/{pk}/", form).status_code == 302
        response = client.post(f"/employment/labour/{pk}/", {**form, "work_area": "in_county"})
        assert response.status_code == 200
        assert ("该成员 2025-09 的就业状态已被他人修改（当前版本 2，您编辑的是版本 1）"
                in response.content.decode())
        assert LabourStatus.objects.get(member_id=pk, month="2025-09").work_area == \
            "out_of_province"

    def test_auditor_reads_but_cannot_write(self, client_for, september, member):
        pk = member("曾祥月").pk
        client = client_for("auditor")
        assert client.get(f"/employment/labour/{pk}/").status_code == 200
        response = client.post(f"/employment/labour/{pk}/unchanged/", {"month": MONTH,
                                                                        "version": "0"})
        assert response.status_code == 404
        assert not LabourStatus.objects.filter(month=MONTH).exists()


class CoveragePageTests:
    def test_page_and_audited_export(self, client_for, september):
        client = client_for("township_station")
        page = client.get("/employment/coverage/?month=2025-09")
        assert page.status_code == 200 and "大岭社区" in page.content.decode()
        response = client.get("/employment/coverage.xlsx?month=2025-09")
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:2] == b"PK"
        event = AuditEvent.objects.get(event_type=AuditEventType.EXPORTED)
        assert (event.actor_username, event.extra["month"]) == ("township_station", "2025-09")

    def test_village_monitor_cannot_export(self, client_for, households):
        assert client_for("village_monitor").get(
            "/employment/coverage.xlsx?month=2025-09").status_code == 404
        assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).exists()


class EmployerPageTests:
    def test_enterprise_phone_masked_then_revealed_and_audited(self, client_for, enterprise):
        client = client_for("county_office")
        listing = client.get("/employment/enterprises/").content.decode()
        assert "139****5678" in listing and "13912345678" not in listing
        detail = client.get(f"/employment/enterprises/{enterprise.pk}/").content.decode()
        assert "13912345678" not in detail
        revealed = client.post(f"/employment/enterprises/{enterprise.pk}/",
                               {"action": "reveal"}).content.decode()
        assert "13912345678" in revealed
        assert AuditEvent.objects.filter(event_type=AuditEventType.SENSITIVE_REVEALED,
                                         subject_id=str(enterprise.pk)).count() == 1

    def test_enterprise_scope_is_the_registering_county(self, client_for, enterprise):
        assert client_for("city_office").get(
            f"/employment/enterprises/{enterprise.pk}/").status_code == 200
        for persona in ("township_station", "outsider", "village_monitor"):
            assert client_for(persona).get(
                f"/employment/enterprises/{enterprise.pk}/").status_code == 404

    def test_create_enterprise_shows_the_uscc_error(self, client_for, personas):
        response = client_for("county_office").post("/employment/enterprises/new/", {
            "uscc": "91110000600037341A", "name": "甲", "region": "430523000000",
            "sector": "other"})
        assert response.status_code == 200
        assert "统一社会信用代码「91110000600037341A」的校验位不正确，请核对是否抄错。" in \
            response.content.decode()

    def test_workshop_pages_and_actions(self, client_for, workshop):
        assert client_for("village_monitor").get(
            f"/employment/workshops/{workshop.pk}/").status_code == 200
        assert client_for("outsider").get(
            f"/employment/workshops/{workshop.pk}/").status_code == 404
        assert client_for("village_monitor").post(
            f"/employment/workshops/{workshop.pk}/status/",
            {"to": "stopped", "on": "2025-03-01", "reason": "x",
             "version": workshop.version}).status_code == 404
        client = client_for("county_office")
        response = client.post(f"/employment/workshops/{workshop.pk}/status/", {
            "to": "stopped", "on": "2025-03-01", "reason": "订单不足", "version": workshop.version})
        assert response.status_code == 302
        workshop.refresh_from_db()
        assert workshop.status == "stopped"
        client.post(f"/employment/workshops/{workshop.pk}/subsidy/", {
            "kind": "job_stability", "amount": "2000", "granted_on": "2025-06-01"})
        page = client.get(f"/employment/workshops/{workshop.pk}/").content.decode()
        assert "合计 <strong>2000.00</strong> 元；稳岗补贴 2000.00 元" in page
        assert "停产" in page and "订单不足" in page


class ImportPageTests:
    def test_upload_validate_and_apply(self, client_for, households, tmp_path,
                                       django_capture_on_commit_callbacks):
        client = client_for("village_monitor")
        assert client.get("/employment/import/labour/").status_code == 200
        assert client.get("/employment/import/enterprises/").status_code == 404
        path = write_sheet(tmp_path / "月报.xlsx", LABOUR_HEADER_SHORT, [
            [id_of("曾祥月"), MONTH, "务工", "省外"]])
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
            response = client.post("/employment/import/labour/", {"file": handle})
        assert response.status_code == 302
        detail = response["Location"]
        assert 'data-status="validated"' in client.get(detail).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{detail}apply/")
        assert 'data-status="applied"' in client.get(detail).content.decode()
        assert LabourStatus.objects.get().work_area == "out_of_province"
        assert client_for("township_station").get(detail).status_code == 404


class QueryCountTests:
    def test_ledger_page_queries_do_not_grow_with_the_rows(self, client_for, personas,
                                                          september):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from minsheng.registry.services import household_register
        from minsheng.registry.testing import member_data

        client = client_for("county_office")
        with CaptureQueriesContext(connection) as few:
            assert client.get(f"/employment/?month={MONTH}").status_code == 200
        household_register(actor=personas["county_office"], household_no="H009",
                           region_code=VILLAGE_A, members=[
                               member_data("新甲", dt.date(1985, 1, 1), 200),
                               member_data("新乙", dt.date(1986, 1, 1), 201, relation="spouse",
                                           male=False),
                               member_data("新丙", dt.date(2000, 1, 1), 202, relation="son")])
        with CaptureQueriesContext(connection) as more:
            body = client.get(f"/employment/?month={MONTH}").content.decode()
        assert "新丙" in body
        assert len(more) == len(few)


class EveryPageRendersTests:
    def test_county_office_opens_every_page(self, client_for, workshop, enterprise, september,
                                            member):
        client = client_for("county_office")
        pk = member("曾祥月").pk
        for url in ("/employment/", f"/employment/labour/{pk}/?month=2025-09",
                    "/employment/coverage/", "/employment/import/labour/",
                    "/employment/import/enterprises/", "/employment/enterprises/?q=湘",
                    "/employment/enterprises/new/", f"/employment/enterprises/{enterprise.pk}/",
                    f"/employment/enterprises/{enterprise.pk}/edit/", "/employment/workshops/"
                    "?status=producing&recognized=0",
                    f"/employment/workshops/new/?enterprise={enterprise.pk}",
                    f"/employment/workshops/{workshop.pk}/",
                    f"/employment/workshops/{workshop.pk}/edit/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "就业帮扶" in response.content.decode(), url
        for kind in ("labour", "enterprises"):
            response = client.get(f"/employment/import/{kind}/template.xlsx")
            assert b"".join(response.streaming_content)[:2] == b"PK"

    def test_forms_save_through_the_services(self, client_for, enterprise, households):
        client = client_for("county_office")
        response = client.post(f"/employment/enterprises/{enterprise.pk}/edit/", {
            "name": "湘妹子制衣（新）", "sector": "manufacturing", "version": "1"})
        assert response.status_code == 302
        stale = client.post(f"/employment/enterprises/{enterprise.pk}/edit/", {
            "name": "旧页面", "sector": "manufacturing", "version": "1"})
        assert "该企业已被他人修改" in stale.content.decode()
        response = client.post(f"/employment/workshops/new/?enterprise={enterprise.pk}", {
            "name": "竹编车间", "workshop_type": "home", "region": VILLAGE_A, "headcount": "3"})
        assert response.status_code == 302
        detail = response["Location"]
        worker = client.post(f"{detail}worker/", {
            "name": "曾祥月", "id_number": id_of("曾祥月"), "category": "lifted",
            "contract_start": "2025-01-01", "contract_months": "12"})
        assert worker.status_code == 302
        page = client.get(detail).content.decode()
        assert "曾祥月" in page and "已关联" in page
