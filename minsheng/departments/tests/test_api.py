"""API: GET /api/v1/department-leads, GET /{id}, POST /{id}/transitions."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from minsheng.departments.models import DepartmentLead, LeadStatus
from minsheng.departments.tests.conftest import (
    LIFTED_ID,
    ORDINARY_ID,
    import_file,
    medical_rows,
    write_file,
)
from minsheng.testing import TOWNSHIP_A

URL = "/api/v1/department-leads"


@pytest.fixture
def imported(personas, households, tmp_path):
    return import_file(personas["liaison"], write_file(tmp_path / "m.xlsx"), auto_assign=False)


def post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


class LeadListApiTests:
    def test_anonymous_is_401(self, db):
        response = Client().get(URL)
        assert response.status_code == 401

    def test_lists_with_filters_and_masks_ids(self, api_client_for, imported):
        client = api_client_for("county_office")
        data = client.get(URL).json()
        assert data["count"] == 3
        ids = {item["name"]: item["id_number"] for item in data["items"]}
        assert ids["曾祥月"] == LIFTED_ID[:6] + "********" + LIFTED_ID[-4:]
        assert ids["王小五"] == ORDINARY_ID[:6] + "********" + ORDINARY_ID[-4:]
        assert not any(LIFTED_ID in value for value in ids.values())
        data = client.get(URL, {"name_mismatch": "true"}).json()
        assert [item["name"] for item in data["items"]] == ["王小五"]
        data = client.get(URL, {"department": "medical_insurance", "period": "2025-10",
                                "status": "pushed", "threshold_reached": "true"}).json()
        assert data["count"] == 2
        assert client.get(URL, {"period": "2025-11"}).json()["count"] == 0

    def test_bad_filters_are_400_in_chinese(self, api_client_for, imported):
        client = api_client_for("county_office")
        response = client.get(URL, {"status": "closed"})
        assert (response.status_code, response.json()["detail"]) == (400, "未知的线索状态「closed」。")
        response = client.get(URL, {"limit": 0})
        assert response.json()["detail"] == "每页条数 limit 应为 1～500，实为「0」。"

    @pytest.mark.parametrize("name", ["village_monitor", "outsider", "sys_admin"])
    def test_roles_without_leads_get_404(self, name, api_client_for, imported):
        assert api_client_for(name).get(URL).status_code == 404

    def test_outsider_county_sees_nothing_and_detail_is_404(self, api_client_for, imported,
                                                            personas):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        assert api_client_for("outsider").get(f"{URL}/{lead.pk}").status_code == 404
        assert api_client_for("township_station").get(f"{URL}/{lead.pk}").status_code == 404

    def test_liaison_asking_for_another_department_gets_404(self, api_client_for, imported):
        client = api_client_for("liaison")
        assert client.get(URL, {"department": "education"}).status_code == 404
        assert client.get(URL).json()["count"] == 3

    def test_detail_has_threshold_and_history(self, api_client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        data = api_client_for("liaison").get(f"{URL}/{lead.pk}").json()
        assert data["status"] == "pushed" and data["status_label"] == "已推送"
        assert data["threshold"][0]["group"] == "脱贫人口"
        assert [(h["from_status"], h["to_status"]) for h in data["history"]] == [("", "pushed")]


class LeadTransitionApiTests:
    def test_county_assigns_then_station_verifies(self, api_client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        status, data = post(api_client_for("county_office"), f"{URL}/{lead.pk}/transitions",
                            {"to": "assigned", "version": 1, "township": TOWNSHIP_A})
        assert status == 200
        assert (data["status"], data["township_code"], data["version"]) == (
            "assigned", TOWNSHIP_A, 2)
        status, data = post(api_client_for("township_station"), f"{URL}/{lead.pk}/transitions",
                            {"to": "verified", "version": 2, "reason": "核实属实"})
        assert (status, data["verification"]) == (200, "核实属实")
        assert [h["to_status"] for h in data["history"]] == ["pushed", "assigned", "verified"]

    def test_refusals_map_to_status_codes(self, api_client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        url = f"{URL}/{lead.pk}/transitions"
        status, data = post(api_client_for("liaison"), url,
                            {"to": "assigned", "version": 1, "township": TOWNSHIP_A})
        assert (status, data["detail"]) == (403, "您没有「分派乡镇」的权限。")
        status, data = post(api_client_for("county_office"), url, {"to": "verified",
                                                                   "version": 1})
        assert (status, data["detail"]) == (400, "线索不能从「已推送」变为「已核实」。")
        status, data = post(api_client_for("county_office"), url, {"to": "not_included",
                                                                   "version": 1})
        assert (status, data["detail"]) == (400, "请填写不纳入原因。")
        status, data = post(api_client_for("county_office"), url,
                            {"to": "assigned", "version": 7, "township": TOWNSHIP_A})
        assert status == 409
        assert post(api_client_for("outsider"), url, {"to": "assigned", "version": 1})[0] == 404
        lead.refresh_from_db()
        assert lead.status == LeadStatus.PUSHED

    def test_missing_version_is_422_in_chinese(self, api_client_for, imported):
        lead = DepartmentLead.objects.get(id_number=LIFTED_ID)
        status, data = post(api_client_for("county_office"), f"{URL}/{lead.pk}/transitions",
                            {"to": "assigned"})
        assert status == 422
        assert data["detail"] == "请求体「version」为必填项。"


class LeadListApiQueryTests:
    def test_query_count_does_not_grow_with_the_page(self, personas, households, tmp_path,
                                                      api_client_for,
                                                      django_assert_max_num_queries):
        client = api_client_for("county_office")
        import_file(personas["liaison"], write_file(tmp_path / "a.xlsx"))
        with django_assert_max_num_queries(10) as small:
            client.get(URL)
        for period in ("2025-11", "2025-12"):
            import_file(personas["liaison"], write_file(tmp_path / f"{period}.xlsx"),
                        period=period)
        with django_assert_max_num_queries(len(small.captured_queries)):
            data = client.get(URL).json()
        assert data["count"] == 9


UPLOADS = "/api/v1/department-uploads"


class UploadApiTests:
    """POST /api/v1/department-uploads: the same import as the web and the CLI."""

    def send(self, client, path, **fields):
        with path.open("rb") as handle:
            return client.post(UPLOADS, {"department": "medical_insurance", "period": "2025-10",
                                         "file": handle, **fields})

    def test_a_liaison_imports_its_file_and_reads_it_back(self, api_client_for, personas,
                                                         households, tmp_path):
        client = api_client_for("liaison")
        response = self.send(client, write_file(tmp_path / "m.xlsx"))
        assert response.status_code == 200, response.content
        data = response.json()
        assert (data["status"], data["department_label"], data["period"]) == (
            "applied", "医保", "2025-10")
        assert data["errors"] == []
        assert DepartmentLead.objects.filter(upload_id=data["id"]).count() == 3
        assert client.get(f"{UPLOADS}/{data['id']}").json()["status"] == "applied"

    def test_a_dry_run_writes_no_lead(self, api_client_for, households, tmp_path):
        response = self.send(api_client_for("liaison"), write_file(tmp_path / "m.xlsx"),
                             dry_run="true")
        assert response.json()["status"] == "validated"
        assert not DepartmentLead.objects.exists()

    def test_a_file_with_a_bad_row_is_rejected_whole_with_its_problems(
            self, api_client_for, households, tmp_path):
        rows = medical_rows()
        rows[0]["inpatient_out_of_pocket"] = "很多"
        response = self.send(api_client_for("liaison"),
                             write_file(tmp_path / "bad.xlsx", rows=rows))
        data = response.json()
        assert data["status"] == "rejected"
        assert data["errors"] and data["errors"][0]["row"] > 0
        assert not DepartmentLead.objects.exists()

    def test_another_departments_file_is_refused(self, api_client_for, households, tmp_path):
        response = self.send(api_client_for("liaison"), write_file(tmp_path / "m.xlsx"),
                             department="education")
        assert response.status_code == 403
        assert response.json()["detail"] == "您只能处理本部门（医保）的数据。"

    def test_another_liaisons_upload_is_404(self, api_client_for, households,
                                            education_liaison, tmp_path, client_for):
        data = self.send(api_client_for("liaison"), write_file(tmp_path / "m.xlsx")).json()
        assert api_client_for("village_monitor").get(f"{UPLOADS}/{data['id']}").status_code == 404
