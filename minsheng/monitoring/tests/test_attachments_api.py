"""入户核查 through the API with its files (multipart), and a case's attachments listed and
downloaded through the API: scoped (404 out of scope), validated like the web, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.monitoring import case_services
from minsheng.monitoring.models import CaseAttachment, CaseStatus, CaseVisit
from minsheng.monitoring.tests.cases import TODAY, case_at, make_household, pdf_file

S = CaseStatus
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


pytestmark = pytest.mark.usefixtures("clear_cache")


@pytest.fixture
def case(personas):
    return case_at(personas, make_household(personas["county_office"]), S.HOUSEHOLD_CHECK)


def form(**overrides):
    data = {"visited_on": TODAY.isoformat(), "visitors": ["张核查", "李驻村"],
            "members_present": ["户主", "配偶"], "income_12m": "9000.50",
            "spending_12m": "30000", "medical_ok": "false", "note": "主要劳动力住院"}
    data.update(overrides)
    return data


def photo(name: str = "现场.jpg", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def upload(client, case, **files):
    return client.post(f"/api/v1/cases/{case.pk}/visits/upload", {**form(), **files})


class VisitUploadTests:
    def test_a_visit_with_its_authorization_and_photos(self, case, api_client_for, personas):
        client = api_client_for("village_monitor")
        response = upload(client, case, authorization=pdf_file(),
                          photos=[photo("门口.jpg"), photo("病历.png")])
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["visitors"] == ["张核查", "李驻村"]
        assert body["members_present"] == ["户主", "配偶"]
        assert body["income_12m"] == "9000.50" and body["medical_ok"] is False
        assert body["education_ok"] is True
        kinds = sorted((a["kind"], a["original_name"]) for a in body["attachments"])
        assert kinds == [("authorization", "承诺授权书.pdf"), ("photo", "病历.png"),
                         ("photo", "门口.jpg")]
        visit = CaseVisit.objects.get(pk=body["id"])
        assert visit.attachments.count() == 3
        # The uploaded authorization satisfies the step that needs it.
        case.refresh_from_db()
        done = case_services.case_transition(actor=personas["village_monitor"],
                                             case=case, action="submit_check",
                                             version=case.version, today=TODAY)
        assert done.status == S.DATA_COMPARISON

    def test_a_bad_file_leaves_nothing_written(self, case, api_client_for, settings):
        client = api_client_for("village_monitor")
        response = upload(client, case, authorization=pdf_file(),
                          photos=[photo("门口.jpg"), photo("脚本.exe", b"MZ")])
        assert response.status_code == 400
        assert response.json()["detail"] == ("文件「脚本.exe」的格式不支持，请上传照片（jpg、png）"
                                             "或 PDF。")
        version = case.version
        assert CaseVisit.objects.filter(case=case).count() == 0
        assert CaseAttachment.objects.filter(case=case).count() == 0
        case.refresh_from_db()
        assert case.version == version
        # Nor on disk: the files are checked before the first one is stored.
        assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []

    def test_a_file_over_10_mb_is_refused(self, case, api_client_for, monkeypatch):
        monkeypatch.setattr(case_services, "MAX_UPLOAD_BYTES", 10)
        response = upload(api_client_for("village_monitor"), case,
                          authorization=pdf_file())
        assert response.status_code == 400
        assert response.json()["detail"] == "文件「承诺授权书.pdf」超过 10 MB。"
        assert CaseVisit.objects.filter(case=case).count() == 0

    def test_the_form_is_validated_in_chinese(self, case, api_client_for):
        client = api_client_for("village_monitor")
        response = client.post(f"/api/v1/cases/{case.pk}/visits/upload",
                               form(visitors=[""]))
        assert response.status_code == 400
        assert response.json()["detail"] == "请填写核查人员。"

    def test_read_only_and_out_of_scope_actors(self, case, api_client_for):
        assert upload(api_client_for("auditor"), case,
                      authorization=pdf_file()).status_code == 403
        assert upload(api_client_for("outsider"), case,
                      authorization=pdf_file()).status_code == 404
        assert CaseAttachment.objects.count() == 0


class AttachmentApiTests:
    @pytest.fixture
    def visited(self, case, personas):
        case_services.visit_record(actor=personas["village_monitor"], case=case,
                                   visited_on=TODAY, visitors=["张核查"], members_present=["户主"],
                                   income_12m="9000",
                                   authorization=pdf_file(), photos=[photo()], today=TODAY)
        return case

    def test_list_and_download_audited(self, visited, api_client_for):
        client = api_client_for("township_station")
        listed = client.get(f"/api/v1/cases/{visited.pk}/attachments")
        assert listed.status_code == 200
        items = listed.json()
        assert [a["kind"] for a in items] == ["authorization", "photo"]
        assert items[0]["uploaded_by"] == "village_monitor" and items[0]["size"] > 0
        response = client.get(items[0]["download_url"])
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
        assert "attachment" in response["Content-Disposition"]
        event = AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).latest("id")
        assert event.actor.username == "township_station"
        assert event.note == "下载案件附件：承诺授权书（签字） 承诺授权书.pdf"
        assert event.extra["channel"] == "api" and event.extra["attachment"] == items[0]["id"]

    def test_out_of_scope_is_404_and_not_audited(self, visited, api_client_for, personas):
        attachment = visited.attachments.first()
        outsider = api_client_for("outsider")
        assert outsider.get(f"/api/v1/cases/{visited.pk}/attachments").status_code == 404
        assert outsider.get(f"/api/v1/cases/{visited.pk}/attachments/"
                            f"{attachment.pk}").status_code == 404
        assert api_client_for("enterprise").get(
            f"/api/v1/cases/{visited.pk}/attachments").status_code == 404
        assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).exists()

    def test_an_attachment_of_another_case_is_404(self, visited, personas, api_client_for):
        other = case_at(personas, make_household(personas["county_office"], "C002", seq=21),
                        S.WARNING)
        attachment = visited.attachments.first()
        response = api_client_for("county_office").get(
            f"/api/v1/cases/{other.pk}/attachments/{attachment.pk}")
        assert response.status_code == 404

    def test_the_web_download_is_audited_too(self, visited, client_for):
        attachment = visited.attachments.first()
        response = client_for("county_office").get(
            f"/monitoring/cases/attachments/{attachment.pk}/")
        assert response.status_code == 200
        event = AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).latest("id")
        assert event.extra["channel"] == "web" and event.actor.username == "county_office"


@pytest.mark.django_db
def test_the_openapi_document_describes_the_multipart_visit(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    body = paths["/api/v1/cases/{case_id}/visits/upload"]["post"]["requestBody"]
    schema_ref = body["content"]["multipart/form-data"]["schema"]
    assert schema_ref
    assert "/api/v1/cases/{case_id}/attachments/{attachment_id}" in paths
