"""Web pages: upload → preview → apply, leads list and detail, transitions, feedback export,
scope (404) and department separation."""

from __future__ import annotations

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.departments.models import DepartmentLead, DepartmentUpload, LeadStatus
from minsheng.departments.tests.conftest import (
    LIFTED_ID,
    ORDINARY_ID,
    import_file,
    write_file,
)


@pytest.fixture
def imported(personas, households, tmp_path):
    return import_file(personas["liaison"], write_file(tmp_path / "m.xlsx"))


@pytest.fixture
def education_lead(personas, households, education_liaison, tmp_path):
    rows = [{"name": "曾祥月", "id_number": LIFTED_ID, "dropout_date": "2025-09-01"}]
    made = import_file(education_liaison, write_file(tmp_path / "e.xlsx", "education", rows),
                       department="education")
    return made.leads.get()


class UploadPageTests:
    def test_liaison_uploads_previews_and_applies(self, personas, households, tmp_path,
                                                  client_for,
                                                  django_capture_on_commit_callbacks):
        client = client_for("liaison")
        page = client.get("/departments/")
        assert page.status_code == 200
        body = page.content.decode()
        assert '<option value="medical_insurance"' in body
        assert '<option value="education"' not in body
        path = write_file(tmp_path / "m.xlsx")
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as f:
            response = client.post("/departments/", {"department": "medical_insurance",
                                                      "period": "2025-10", "auto_assign": "on",
                                                      "file": f})
        upload = DepartmentUpload.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/departments/uploads/{upload.pk}/"
        preview = client.get(response["Location"]).content.decode()
        assert "校验通过，待导入" in preview
        assert "姓名与台账不一致（身份证号已匹配，线索保留，请乡镇核实）。" in preview
        assert 'data-testid="apply-button"' in preview
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/departments/uploads/{upload.pk}/apply/")
        done = client.get(f"/departments/uploads/{upload.pk}/").content.decode()
        assert "已导入" in done
        assert DepartmentLead.objects.count() == 3
        unmatched = client.get(f"/departments/uploads/{upload.pk}/unmatched.xlsx")
        assert unmatched.status_code == 200
        assert unmatched["Content-Disposition"].startswith("attachment")

    def test_liaison_may_not_upload_for_another_department(self, personas, client_for,
                                                           tmp_path):
        client = client_for("liaison")
        with write_file(tmp_path / "m.xlsx").open("rb") as f:
            response = client.post("/departments/", {"department": "education",
                                                      "period": "2025-10", "file": f})
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert not DepartmentUpload.objects.exists()

    def test_bad_period_is_shown_on_the_form(self, personas, client_for, tmp_path):
        client = client_for("county_office")
        with write_file(tmp_path / "m.xlsx").open("rb") as f:
            response = client.post("/departments/", {"department": "medical_insurance",
                                                      "period": "十月", "file": f})
        assert "数据期间「十月」格式不正确，应为年-月，如 2025-10。" in response.content.decode()

    def test_other_departments_uploads_are_404_for_a_liaison(self, personas, client_for,
                                                             education_lead):
        upload = education_lead.upload
        client = client_for("liaison")
        assert client.get(f"/departments/uploads/{upload.pk}/").status_code == 404
        assert client.get(f"/departments/uploads/{upload.pk}/errors.xlsx").status_code == 404
        assert "教育" not in client.get("/departments/").content.decode().split(
            "最近上传的部门数据")[1]
        assert client_for("county_office").get(
            f"/departments/uploads/{upload.pk}/").status_code == 200

    @pytest.mark.parametrize("name", ["village_monitor", "enterprise", "sys_admin", "outsider"])
    def test_roles_without_department_data_get_404(self, name, client_for, imported):
        client = client_for(name)
        assert client.get("/departments/").status_code == 404
        assert client.get("/departments/leads/").status_code == 404
        assert client.get(f"/departments/uploads/{imported.pk}/").status_code == 404

    def test_anonymous_is_sent_to_login(self, db):
        response = Client().get("/departments/leads/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_templates_download_per_department(self, client_for, personas):
        response = client_for("liaison").get("/departments/template/medical_insurance.xlsx")
        assert response.status_code == 200
        assert client_for("liaison").get(
            "/departments/template/education.xlsx").status_code == 404


class LeadPageTests:
    def test_county_lists_and_filters_leads(self, client_for, imported):
        client = client_for("county_office")
        body = client.get("/departments/leads/").content.decode()
        assert 'data-testid="lead-count">3<' in body
        body = client.get("/departments/leads/?township=430523101000").content.decode()
        assert 'data-testid="lead-count">1<' in body and "王小五" in body
        body = client.get("/departments/leads/?threshold_reached=1&status=assigned").content.decode()
        assert 'data-testid="lead-count">2<' in body
        assert LIFTED_ID not in body  # masked
        assert LIFTED_ID[:6] + "********" + LIFTED_ID[-4:] in body

    def test_township_station_sees_only_its_townships_leads(self, client_for, imported):
        body = client_for("township_station").get("/departments/leads/").content.decode()
        assert 'data-testid="lead-count">2<' in body
        other = DepartmentLead.objects.get(id_number=ORDINARY_ID)
        assert client_for("township_station").get(
            f"/departments/leads/{other.pk}/").status_code == 404

    def test_liaison_sees_only_its_department(self, client_for, imported, education_lead):
        client = client_for("liaison")
        body = client.get("/departments/leads/").content.decode()
        assert 'data-testid="lead-count">3<' in body
        assert client.get(f"/departments/leads/{education_lead.pk}/").status_code == 404
        assert client.get("/departments/leads/?department=education").status_code == 404
        assert client_for("edu_liaison").get(
            f"/departments/leads/{education_lead.pk}/").status_code == 200

    def test_detail_shows_threshold_and_reference(self, client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        body = client_for("county_office").get(f"/departments/leads/{lead.pk}/").content.decode()
        assert "推送阈值：达到" in body
        assert "医保部门推送阈值：脱贫人口本年度住院累计个人自付（≥）" in body
        assert "5000 元/年" in body
        assert "出处待核实" in body
        assert "按农户所在乡镇自动分派" in body

    def test_liaison_does_not_see_the_registry_name(self, client_for, imported):
        lead = DepartmentLead.objects.get(id_number=ORDINARY_ID)
        liaison = client_for("liaison").get(f"/departments/leads/{lead.pk}/").content.decode()
        assert "姓名不一致：部门数据为「王小五」，请核实。" in liaison
        assert 'data-testid="transitions"' not in liaison
        county = client_for("county_office").get(f"/departments/leads/{lead.pk}/").content.decode()
        assert "姓名不一致：部门数据为「王小五」，台账为「王五」，请核实。" in county

    def test_township_verifies_and_county_decides(self, client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        station = client_for("township_station")
        page = station.get(f"/departments/leads/{lead.pk}/").content.decode()
        assert 'data-testid="step-verified"' in page
        assert 'data-testid="step-included"' not in page
        response = station.post(f"/departments/leads/{lead.pk}/transition/", {
            "to": "verified", "version": lead.version, "reason": "入户核实属实"})
        assert response.status_code == 302
        lead.refresh_from_db()
        assert lead.status == LeadStatus.VERIFIED
        county = client_for("county_office")
        county.post(f"/departments/leads/{lead.pk}/transition/", {
            "to": "not_included", "version": lead.version, "reason": ""})
        lead.refresh_from_db()
        assert lead.status == LeadStatus.VERIFIED
        page = county.get(f"/departments/leads/{lead.pk}/").content.decode()
        assert "请填写不纳入原因。" in page
        county.post(f"/departments/leads/{lead.pk}/transition/", {
            "to": "included", "version": lead.version})
        lead.refresh_from_db()
        assert lead.status == LeadStatus.INCLUDED
        history = county.get(f"/departments/leads/{lead.pk}/").content.decode()
        assert "已核实 → 已纳入监测" in history

    def test_stale_form_is_refused_with_a_message(self, client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        county = client_for("county_office")
        county.post(f"/departments/leads/{lead.pk}/transition/", {
            "to": "pushed", "version": lead.version, "reason": "重新分派"})
        county.post(f"/departments/leads/{lead.pk}/transition/", {
            "to": "pushed", "version": lead.version, "reason": "重新分派"})
        page = county.get(f"/departments/leads/{lead.pk}/").content.decode()
        assert "该线索已被他人处理（当前版本 2，您看到的是版本 1），本次操作未生效。请刷新后重试。" in page

    def test_outsider_gets_404_on_the_detail(self, client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        assert client_for("outsider").get(f"/departments/leads/{lead.pk}/").status_code == 404


class FeedbackExportTests:
    def test_liaison_exports_its_feedback_masked_and_audited(self, client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        client_for("township_station").post(f"/departments/leads/{lead.pk}/transition/", {
            "to": "verified", "version": lead.version, "reason": "住院属实"})
        response = client_for("liaison").get(
            "/departments/feedback.xlsx?department=medical_insurance&period=2025-10")
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        from io import BytesIO

        rows = CalamineWorkbook.from_filelike(BytesIO(data)).get_sheet_by_index(0).to_python()
        assert rows[0][:7] == ["序号", "原行号", "姓名", "身份证号", "乡镇", "村", "状态"]
        by_name = {r[2]: r for r in rows[1:]}
        assert set(by_name) == {"曾祥月", "李 芳", "王小五"}
        assert by_name["曾祥月"][3] == LIFTED_ID[:6] + "********" + LIFTED_ID[-4:]
        assert by_name["曾祥月"][6] == "已核实" and by_name["曾祥月"][9] == "住院属实"
        assert by_name["王小五"][7] == "否"
        event = AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).latest("id")
        assert event.note == "导出医保 2025-10 反馈表 3 行（脱敏）"
        assert event.actor.username == "liaison"

    def test_liaison_asking_for_another_department_gets_404(self, client_for, imported):
        response = client_for("liaison").get(
            "/departments/feedback.xlsx?department=education&period=2025-10")
        assert response.status_code == 404

    def test_township_station_cannot_export(self, client_for, imported):
        response = client_for("township_station").get(
            "/departments/feedback.xlsx?department=medical_insurance&period=2025-10")
        assert response.status_code == 404


class QueryCountTests:
    def test_lead_list_query_count_does_not_grow_with_the_leads(
            self, personas, households, tmp_path, client_for, django_assert_max_num_queries):
        client = client_for("county_office")
        import_file(personas["liaison"], write_file(tmp_path / "a.xlsx"))
        with django_assert_max_num_queries(12) as one_period:
            client.get("/departments/leads/")
        for period in ("2025-11", "2025-12", "2026-01"):
            import_file(personas["liaison"], write_file(tmp_path / f"{period}.xlsx"),
                        period=period)
        with django_assert_max_num_queries(len(one_period.captured_queries)):
            body = client.get("/departments/leads/").content.decode()
        assert 'data-testid="lead-count">12<' in body
