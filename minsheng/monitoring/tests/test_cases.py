"""Monitoring cases beyond the state machine: the lead inbox and its channels (public
self-declaration, 排查 report, screening signals, department leads), the village 公示 PDF, the
clocks, the export, the API and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from minsheng.core.errors import InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.monitoring import case_documents, case_selectors, case_services
from minsheng.monitoring.models import (
    CaseLead,
    CaseLeadStatus,
    CaseStatus,
    LeadSource,
    MonitoringCase,
    RiskSignal,
)
from minsheng.monitoring.services import screening_run
from minsheng.monitoring.tests.cases import (
    AFTER_NOTICE,
    TODAY,
    case_at,
    make_household,
    open_case,
    take,
)
from minsheng.registry.testing import make_id
from minsheng.testing import COUNTY_A, VILLAGE_A, VILLAGE_C

S = CaseStatus
HEAD_ID = make_id(dt.date(1975, 1, 1), 11)


pytestmark = pytest.mark.usefixtures("clear_cache")


def make_department_lead(county, household):
    from minsheng.core.models import ImportBatch
    from minsheng.departments.models import DepartmentLead, DepartmentUpload

    batch = ImportBatch.objects.create(kind="departments", created_by=county,
                                       original_name="x.xlsx")
    upload = DepartmentUpload.objects.create(batch=batch, department="medical_insurance",
                                             period="2026-05", region_id=COUNTY_A)
    member = household.members.get(relation="head")
    return DepartmentLead.objects.create(
        upload=upload, department="medical_insurance", period="2026-05", row_number=2,
        name=member.name, id_number=member.id_number, member=member, household=household,
        registry_name=member.name, region_id=household.region_id)


def declare(**overrides):
    data = {"name": "户主C001", "id_number": HEAD_ID, "village_code": VILLAGE_A,
            "phone": "13812345678", "description": "丈夫骑车摔伤住院，花费较大",
            "client_ip": "10.0.0.1", "today": TODAY}
    data.update(overrides)
    return case_services.declaration_submit(**data)


class DeclarationTests:
    def test_a_declaration_matches_the_household_and_gets_a_tracking_code(self, personas,
                                                                         household):
        lead = declare()
        assert lead.source == LeadSource.DECLARATION and lead.household == household
        assert re.fullmatch(r"SB[A-Z2-9]{10}", lead.tracking_code)
        assert lead.township_id == "430523100000"
        assert lead.response_deadline == TODAY + dt.timedelta(days=2)
        assert AuditEvent.objects.filter(event_type=AuditEventType.DECLARATION_SUBMITTED,
                                         subject_id=str(lead.pk)).exists()

    def test_an_invalid_id_number_is_refused_and_nothing_is_written(self, regions):
        with pytest.raises(InvalidInput) as exc:
            declare(id_number=HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1"))
        assert exc.value.message == "身份证号校验位不正确，请核对后重新录入。"
        assert not CaseLead.objects.exists()

    def test_a_township_code_is_not_a_village(self, regions):
        with pytest.raises(InvalidInput) as exc:
            declare(village_code="430523100000")
        assert exc.value.message == "请选择所在的村（社区）。"

    def test_too_many_declarations_from_one_address_are_refused(self, regions):
        for _ in range(case_services.DECLARATION_LIMIT):
            declare()
        with pytest.raises(PermissionDenied) as exc:
            declare()
        assert exc.value.message.startswith("提交过于频繁")
        declare(client_ip="10.0.0.2")  # another address is not affected
        assert CaseLead.objects.count() == case_services.DECLARATION_LIMIT + 1

    def test_the_status_shows_only_that_declaration(self, personas, household):
        lead = declare()
        status = case_services.declaration_status(lead.tracking_code.lower())
        assert status["state"] == "已受理，等待村（社区）和乡镇研判"
        assert set(status) == {"code", "submitted", "village", "state", "note"}
        assert "户主C001" not in str(status) and HEAD_ID not in str(status)
        # A well-formed code that was never issued finds nothing.
        assert case_services.declaration_status("SB23456789AB") is None
        case_services.lead_dismiss(actor=personas["village_monitor"], lead=lead,
                                   version=lead.version, reason="经核实家庭收入稳定")
        status = case_services.declaration_status(lead.tracking_code)
        assert status["state"] == "经研判暂不纳入监测"
        assert status["note"] == "经核实家庭收入稳定"

    def test_the_public_pages_work_without_login(self, personas, household):
        client = Client()
        page = client.get("/monitoring/apply/?county=430523000000&township=430523100000")
        assert page.status_code == 200
        assert "大岭社区" in page.content.decode()
        towns = client.get("/monitoring/apply/?level=township&county=430523000000",
                           headers={"HX-Request": "true"}).content.decode()
        assert "塘渡口镇" in towns and "白仓镇" in towns and "<form" not in towns
        villages = client.get("/monitoring/apply/?level=village&township=430523101000",
                              headers={"HX-Request": "true"}).content.decode()
        assert "四峰社区" in villages and "大岭社区" not in villages
        done = client.post("/monitoring/apply/", {
            "name": "户主C001", "id_number": HEAD_ID, "township": "430523100000",
            "village": VILLAGE_A, "phone": "13812345678", "description": "家中房屋被洪水冲毁"})
        assert done.status_code == 200
        code = re.search(r'data-testid="tracking-code">(SB\w+)<', done.content.decode()).group(1)
        status = client.get(f"/monitoring/apply/status/?code={code}").content.decode()
        assert "已受理" in status and HEAD_ID not in status and "13812345678" not in status
        missing = client.get("/monitoring/apply/status/?code=SB2222222222").content.decode()
        assert "未找到" in missing

    def test_the_public_api_takes_a_declaration_and_answers_its_status(self, personas,
                                                                      household):
        client = Client()
        response = client.post("/api/v1/declarations", {
            "name": "户主C001", "id_number": HEAD_ID, "village": VILLAGE_A,
            "phone": "13812345678", "description": "务工受伤，无法继续工作"},
            content_type="application/json")
        assert response.status_code == 200, response.content
        code = response.json()["code"]
        assert client.get(f"/api/v1/declarations/{code}").json()["state"].startswith("已受理")
        assert client.get("/api/v1/declarations/SB2222222222").status_code == 404


class InboxTests:
    def test_leads_of_one_household_merge_into_one_open_case(self, personas, household):
        first = declare()
        case = case_services.lead_merge(actor=personas["township_station"], lead=first,
                                        version=first.version, today=TODAY)
        report = case_services.visit_report(actor=personas["village_monitor"],
                                            household=household, description="排查发现住院",
                                            changes={"phone": "13900000000"},
                                            risk_types=["illness"], today=TODAY)
        assert report.details == {"phone": "13900000000"}
        again = case_services.lead_merge(actor=personas["village_monitor"], lead=report,
                                         version=report.version, today=TODAY)
        assert again.pk == case.pk
        assert MonitoringCase.objects.filter(household=household).count() == 1
        assert set(case.leads.values_list("source", flat=True)) == {"declaration", "visit"}
        again.refresh_from_db()
        assert again.risk_types == ["illness"]

    def test_a_declaration_without_a_registered_household_needs_one_chosen(self, personas,
                                                                          household):
        lead = declare(id_number=make_id(dt.date(1990, 5, 5), 77), name="外来户")
        assert lead.household is None
        with pytest.raises(InvalidInput) as exc:
            case_services.lead_merge(actor=personas["township_station"], lead=lead,
                                     version=lead.version)
        assert exc.value.message.startswith("该线索尚未对应到台账中的农户")
        case = case_services.lead_merge(actor=personas["township_station"], lead=lead,
                                        version=lead.version, household=household)
        assert case.household == household

    def test_screening_signals_become_leads_once_in_bulk(self, personas, families):
        county = personas["county_office"]
        screening_run(actor=county, region_code=COUNTY_A, on=dt.date(2026, 6, 30))
        signals = list(RiskSignal.objects.filter(status="open"))
        assert signals
        created = case_services.leads_from_signals(actor=county, signals=signals)
        assert len(created) == len(signals)
        assert case_services.leads_from_signals(actor=county, signals=signals) == []
        lead = created[0]
        assert lead.source == LeadSource.SIGNAL and lead.signal is not None
        assert lead.description.startswith("风险筛查信号：")

    def test_the_village_monitor_may_not_convert_outside_its_village(self, personas,
                                                                    families):
        screening_run(actor=personas["county_office"], region_code=COUNTY_A,
                      on=dt.date(2026, 6, 30))
        outside = RiskSignal.objects.filter(region_id=VILLAGE_C)
        assert outside.exists()
        assert case_services.leads_from_signals(actor=personas["village_monitor"],
                                                signals=list(outside)) == []

    def test_signal_list_bulk_action(self, personas, families, client_for):
        screening_run(actor=personas["county_office"], region_code=COUNTY_A,
                      on=dt.date(2026, 6, 30))
        ids = list(RiskSignal.objects.filter(status="open").values_list("pk", flat=True))
        client = client_for("county_office")
        page = client.get("/monitoring/signals/").content.decode()
        assert 'data-testid="signals-to-leads"' in page
        response = client.post("/monitoring/leads/from-signals/", {"signal": ids})
        assert response.status_code == 302
        assert CaseLead.objects.filter(source=LeadSource.SIGNAL).count() == len(ids)

    def test_a_department_lead_becomes_a_lead_and_keeps_the_case_id(self, personas,
                                                                   household):
        county = personas["county_office"]
        dep = make_department_lead(county, household)
        lead = case_services.lead_from_department(actor=county, department_lead=dep)
        with pytest.raises(InvalidInput):
            case_services.lead_from_department(actor=county, department_lead=dep)
        case = case_services.lead_merge(actor=county, lead=lead, version=lead.version)
        dep.refresh_from_db()
        assert dep.monitoring_case_id == case.pk

    def test_the_department_lead_page_offers_the_conversion_once(self, personas, household,
                                                                client_for):
        dep = make_department_lead(personas["county_office"], household)
        client = client_for("county_office")
        page = client.get(f"/departments/leads/{dep.pk}/").content.decode()
        assert 'data-testid="to-case-lead"' in page
        response = client.post(f"/monitoring/leads/from-department/{dep.pk}/")
        assert response.status_code == 302
        lead = CaseLead.objects.get(source=LeadSource.DEPARTMENT)
        assert response["Location"] == f"/monitoring/leads/{lead.pk}/"
        case_services.lead_merge(actor=personas["county_office"], lead=lead,
                                 version=lead.version)
        page = client.get(f"/departments/leads/{dep.pk}/").content.decode()
        assert 'data-testid="to-case-lead"' not in page  # linked to its case now

    def test_the_visit_report_page_is_prefilled_from_the_registry(self, personas, household,
                                                                  client_for):
        client = client_for("village_monitor")
        page = client.get(f"/monitoring/leads/report/{household.pk}/").content.decode()
        assert "户主C001" in page and "在户人数（台账：2）" in page
        response = client.post(f"/monitoring/leads/report/{household.pk}/",
                               {"new_members": "3", "description": "新增一名婴儿"})
        assert response.status_code == 302
        assert CaseLead.objects.get().details == {"members": "3"}
        assert client_for("outsider").get(
            f"/monitoring/leads/report/{household.pk}/").status_code == 404


class NoticePdfTests:
    def test_the_notice_lists_the_village_in_chinese_without_full_numbers(self, personas,
                                                                        household):
        household.phone = "13812345678"
        household.bank_account = "6217000012345678"
        household.save()
        case_at(personas, household, S.NOTICE)
        data = case_documents.notice_pdf(actor=personas["village_monitor"],
                                         village_code=VILLAGE_A, today=TODAY)
        reader = PdfReader(io.BytesIO(data))
        text = "".join(page.extract_text() for page in reader.pages)
        compact = re.sub(r"\s+", "", text)
        assert "大岭社区防止返贫监测对象公示" in compact
        assert "户主C001" in compact and "家庭人口：2人" in compact
        assert "430523" in compact and HEAD_ID not in compact
        assert "13812345678" not in compact and "6217000012345678" not in compact
        assert "2026年06月01日至2026年06月05日" in compact
        fonts = {}
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                descriptor = font.get("/FontDescriptor")
                fonts[str(font["/BaseFont"])] = (descriptor is not None
                                                 and "/FontFile2" in descriptor.get_object())
        assert any("WenQuanYi" in name and embedded for name, embedded in fonts.items()), fonts
        # reportlab's default Helvetica (a standard PDF font, no CJK glyphs) may be listed.
        assert all(embedded or name == "/Helvetica" for name, embedded in fonts.items()), fonts
        assert AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED,
                                         note__contains="村级公示").exists()

    def test_a_village_without_notice_is_refused_and_outside_is_not_found(self, personas,
                                                                        household):
        with pytest.raises(InvalidInput):
            case_documents.notice_pdf(actor=personas["village_monitor"],
                                      village_code=VILLAGE_A)
        with pytest.raises(NotFound):
            case_documents.notice_pdf(actor=personas["outsider"], village_code=VILLAGE_A)


class ClockTests:
    def test_overdue_steps_per_township_and_cadre_and_the_cli(self, personas, household,
                                                             capsys):
        case = open_case(personas, household)  # due TODAY + 3
        later = TODAY + dt.timedelta(days=10)
        summary = case_selectors.overdue_summary(actor=personas["county_office"], today=later)
        assert [(r.label, r.count) for r in summary["townships"]] == [("塘渡口镇", 1)]
        assert [(r.label, r.count) for r in summary["cadres"]] == [("township_station", 1)]
        # By display name where the account has one.
        type(personas["township_station"]).objects.filter(username="township_station").update(
            display_name="赵站长")
        summary = case_selectors.overdue_summary(actor=personas["county_office"], today=later)
        assert [(r.label, r.count) for r in summary["cadres"]] == [("赵站长", 1)]
        assert case_selectors.overdue_summary(actor=personas["county_office"],
                                              today=TODAY)["total"][0].count == 0
        call_command("cases", "overdue", "--user", "county_office", "--on",
                     later.isoformat())
        out = capsys.readouterr().out
        assert "逾期环节 1 件" in out and case.number in out and "逾期 7 天" in out
        call_command("cases", "overdue", "--user", "county_office", "--on",
                     later.isoformat(), "--region", "430523101")
        assert "逾期环节 0 件" in capsys.readouterr().out

    def test_undecided_leads_past_their_deadline_are_suspects(self, personas, household):
        lead = declare()
        assert case_selectors.suspects(actor=personas["county_office"],
                                       today=TODAY)["leads"] == []
        late = case_selectors.suspects(actor=personas["county_office"],
                                       today=TODAY + dt.timedelta(days=5))
        assert late["leads"] == [lead]

    def test_export_is_audited_and_masked(self, personas, household):
        take(personas, case_at(personas, household, S.COUNTY_APPROVAL), "include")
        handle, count = case_documents.cases_export(
            actor=personas["township_station"],
            filters=case_selectors.CaseFilter(category="edge"))
        assert count == 1
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(handle.name).get_sheet_by_index(0).to_python()
        assert rows[1][2] == "户主C001" and rows[1][3] != HEAD_ID and rows[1][3].endswith(
            HEAD_ID[-4:])
        assert AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED,
                                         note__contains="监测对象名单").exists()
        with pytest.raises(PermissionDenied):
            case_documents.cases_export(actor=personas["village_monitor"],
                                        filters=case_selectors.CaseFilter())


class ApiTests:
    def test_list_detail_and_a_transition(self, personas, household, api_client_for):
        case = open_case(personas, household)
        village = api_client_for("village_monitor")
        listed = village.get("/api/v1/cases").json()
        assert listed["count"] == 1 and listed["items"][0]["status"] == S.WARNING
        assert village.get("/api/v1/cases?risk_type=illness").json()["count"] == 1
        assert village.get("/api/v1/cases?risk_type=disaster").json()["count"] == 0
        assert village.get("/api/v1/cases?township=430523101000").json()["count"] == 0
        assert village.get("/api/v1/cases?risk_type=nope").status_code == 400
        detail = village.get(f"/api/v1/cases/{case.pk}").json()
        assert [s["action"] for s in detail["next_steps"]] == ["start_check"]
        moved = village.post(f"/api/v1/cases/{case.pk}/transitions",
                             {"action": "start_check", "version": case.version},
                             content_type="application/json")
        assert moved.status_code == 200 and moved.json()["status"] == S.HOUSEHOLD_CHECK
        stale = village.post(f"/api/v1/cases/{case.pk}/transitions",
                             {"action": "submit_check", "version": case.version},
                             content_type="application/json")
        assert stale.status_code == 409 and "已被他人办理" in stale.json()["detail"]
        visit = village.post(f"/api/v1/cases/{case.pk}/visits", {
            "visited_on": "2026-06-01", "visitors": ["张核查"], "income_12m": "9000"},
            content_type="application/json")
        assert visit.status_code == 200, visit.content
        assert len(village.get(f"/api/v1/cases/{case.pk}/visits").json()) == 1
        timeline = village.get(f"/api/v1/cases/{case.pk}/transitions").json()
        assert [t["to_status"] for t in timeline] == [S.WARNING, S.HOUSEHOLD_CHECK]

    def test_read_only_is_403_and_out_of_scope_is_404(self, personas, household,
                                                      api_client_for):
        case = open_case(personas, household)
        body = {"action": "start_check", "version": case.version}
        auditor = api_client_for("auditor")
        assert auditor.get(f"/api/v1/cases/{case.pk}").status_code == 200
        assert auditor.post(f"/api/v1/cases/{case.pk}/transitions", body,
                            content_type="application/json").status_code == 403
        outsider = api_client_for("outsider")
        assert outsider.get(f"/api/v1/cases/{case.pk}").status_code == 404
        assert outsider.post(f"/api/v1/cases/{case.pk}/transitions", body,
                             content_type="application/json").status_code == 404
        assert api_client_for("enterprise").get("/api/v1/cases").status_code == 404

    def test_case_leads_inbox_merge_and_dismiss(self, personas, household, api_client_for):
        lead = declare()
        other = declare(id_number=make_id(dt.date(1990, 5, 5), 77), name="外来户")
        client = api_client_for("township_station")
        listed = client.get("/api/v1/case-leads?status=pending").json()
        assert listed["count"] == 2
        assert all("*" in item["phone"] for item in listed["items"])
        merged = client.post(f"/api/v1/case-leads/{lead.pk}/merge", {"version": lead.version},
                             content_type="application/json")
        assert merged.status_code == 200 and merged.json()["status"] == S.WARNING
        dismissed = client.post(f"/api/v1/case-leads/{other.pk}/dismiss",
                                {"version": other.version, "reason": "非本村户籍"},
                                content_type="application/json")
        assert dismissed.json()["status"] == CaseLeadStatus.DISMISSED
        assert api_client_for("auditor").post(
            f"/api/v1/case-leads/{lead.pk}/dismiss", {"version": 2, "reason": "x"},
            content_type="application/json").status_code in (403, 409)
        assert api_client_for("outsider").get(f"/api/v1/case-leads/{lead.pk}").status_code == 404


class PageTests:
    def test_a_case_walks_through_the_web_pages_and_the_timeline_shows_each_step(
            self, personas, household, client_for):
        case = open_case(personas, household, risk_types=["disaster"])
        township = client_for("township_station")
        page = township.get(f"/monitoring/cases/{case.pk}/").content.decode()
        assert 'data-testid="green-form"' in page
        township.post(f"/monitoring/cases/{case.pk}/green-channel/",
                      {"version": case.version, "note": "洪灾"})
        village = client_for("village_monitor")
        case.refresh_from_db()
        village.post(f"/monitoring/cases/{case.pk}/transition/",
                     {"action": "start_check", "version": case.version})
        from django.core.files.uploadedfile import SimpleUploadedFile

        village.post(f"/monitoring/cases/{case.pk}/visit/", {
            "visited_on": TODAY.isoformat(), "visitors": "张核查，李干部",
            "members_present": ["户主C001"], "income_12m": "8000", "spending_12m": "20000",
            "food_clothing_ok": "on", "education_ok": "on",
            "authorization": SimpleUploadedFile("授权书.jpg", b"\xff\xd8jpeg",
                                                content_type="image/jpeg")})
        case.refresh_from_db()
        response = village.post(f"/monitoring/cases/{case.pk}/transition/",
                                {"action": "submit_check", "version": case.version})
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == S.DATA_COMPARISON
        visit = case.visits.get()
        assert visit.visitors == ["张核查", "李干部"] and not visit.medical_ok
        attachment = case.attachments.get()
        assert village.get(f"/monitoring/cases/attachments/{attachment.pk}/").status_code == 200
        assert client_for("outsider").get(
            f"/monitoring/cases/attachments/{attachment.pk}/").status_code == 404
        # The timeline names the people by their display names, not their login names.
        personas["village_monitor"].__class__.objects.filter(username="village_monitor").update(
            display_name="王监测员")
        page = village.get(f"/monitoring/cases/{case.pk}/").content.decode()
        timeline = page.split('data-testid="case-timeline"')[1]
        for label in ("风险预警", "启用绿色通道", "开始入户核查", "提交入户核查结果", "王监测员"):
            assert label in timeline
        assert "已启用绿色通道" in page

    def test_the_list_and_clock_pages_render_for_each_acting_role(self, personas, household,
                                                                 client_for):
        case = case_at(personas, household, S.NOTICE)
        for name in ("village_monitor", "township_station", "county_office", "auditor"):
            client = client_for(name)
            assert client.get("/monitoring/cases/").status_code == 200
            assert client.get("/monitoring/cases/clocks/").status_code == 200
            assert client.get(f"/monitoring/cases/{case.pk}/").status_code == 200
            assert client.get("/monitoring/leads/").status_code == 200
        pdf = client_for("village_monitor").get(f"/monitoring/cases/notice/{VILLAGE_A}.pdf")
        assert pdf["Content-Type"] == "application/pdf"
        assert client_for("enterprise").get("/monitoring/cases/").status_code == 404

    def test_notice_objection_flow_on_the_page(self, personas, household, client_for):
        case = case_at(personas, household, S.NOTICE)
        village = client_for("village_monitor")
        village.post(f"/monitoring/cases/{case.pk}/objection/", {"content": "收入不实"})
        objection = case.notices.get().objections.get()
        village.post(f"/monitoring/cases/objections/{objection.pk}/resolve/",
                     {"resolution": "经核查异议不成立"})
        objection.refresh_from_db()
        assert objection.resolved
        case.refresh_from_db()
        done = case_services.case_transition(actor=personas["village_monitor"], case=case,
                                             action="submit_notice", version=case.version,
                                             today=AFTER_NOTICE)
        assert done.status == S.TOWNSHIP_REVIEW


class DemoTests:
    def test_demo_cases_reach_their_steps_and_are_idempotent(self, personas):
        from minsheng.core.roles import Role
        from minsheng.monitoring.case_demo import PLAN, demo_cases_generate
        from minsheng.regions.services import AccountData, account_create
        from minsheng.testing import PASSWORD, TOWNSHIP_A

        account_create(actor=None, data=AccountData(
            username="town_station", display_name="镇监测站", role=Role.TOWNSHIP_STATION,
            region_codes=[TOWNSHIP_A]), password=PASSWORD)
        for n in range(len(PLAN) + 1):
            make_household(personas["county_office"], f"D{n:03d}", seq=100 + 2 * n)
        made = demo_cases_generate(county_code=COUNTY_A)
        assert (made.cases, made.leads) == (len(PLAN), 1)
        statuses = sorted(MonitoringCase.objects.values_list("status", flat=True))
        assert statuses == sorted(state for state, _risks, _days in PLAN)
        assert demo_cases_generate(county_code=COUNTY_A).cases == 0


class HomePanelTests:
    def test_acting_roles_see_their_waiting_cases_and_read_only_roles_see_no_panel(
            self, personas, household, client_for):
        open_case(personas, household)  # 风险预警: the village steps are waiting
        declare()
        panel = case_selectors.home_panel(actor=personas["village_monitor"], today=TODAY)
        assert (panel["waiting"], panel["leads"], panel["leads_overdue"]) == (1, 1, 0)
        assert case_selectors.home_panel(actor=personas["county_office"],
                                         today=TODAY)["waiting"] == 0
        assert case_selectors.home_panel(actor=personas["auditor"]) is None
        assert "/monitoring/cases/home-panel/" in client_for("village_monitor").get(
            "/").content.decode()
        panel_page = client_for("village_monitor").get("/monitoring/cases/home-panel/")
        assert 'data-testid="case-home-panel"' in panel_page.content.decode()
        assert client_for("auditor").get("/monitoring/cases/home-panel/").content == b""


class BulkAndFindTests:
    def test_the_api_converts_signals_in_bulk_once(self, personas, families, api_client_for):
        screening_run(actor=personas["county_office"], region_code=COUNTY_A,
                      on=dt.date(2026, 6, 30))
        ids = list(RiskSignal.objects.filter(status="open").values_list("pk", flat=True))
        client = api_client_for("county_office")
        response = client.post("/api/v1/case-leads/from-signals", {"ids": ids},
                               content_type="application/json")
        first = response.json()
        assert response.status_code == 200, first
        assert first["created"] == len(ids)
        again = client.post("/api/v1/case-leads/from-signals", {"ids": ids},
                            content_type="application/json").json()
        assert again["created"] == 0
        assert api_client_for("auditor").post(
            "/api/v1/case-leads/from-signals", {"ids": ids},
            content_type="application/json").status_code == 403

    def test_the_report_is_found_by_household_number_in_scope(self, personas, household,
                                                             client_for):
        village = client_for("village_monitor")
        found = village.get("/monitoring/leads/report/?no=C001")
        assert found["Location"] == f"/monitoring/leads/report/{household.pk}/"
        outsider = client_for("outsider").get("/monitoring/leads/report/?no=C001")
        assert outsider["Location"] == "/monitoring/leads/"

    def test_the_api_converts_department_leads_in_bulk_once(self, personas, household,
                                                           api_client_for):
        dep = make_department_lead(personas["county_office"], household)
        client = api_client_for("county_office")
        body = {"ids": [dep.pk]}
        first = client.post("/api/v1/case-leads/from-department-leads", body,
                            content_type="application/json").json()
        assert first["created"] == 1 and first["items"][0]["source"] == "department"
        assert client.post("/api/v1/case-leads/from-department-leads", body,
                           content_type="application/json").json()["created"] == 0
        assert api_client_for("auditor").post(
            "/api/v1/case-leads/from-department-leads", body,
            content_type="application/json").status_code == 403
