"""Registry web pages: list, search, detail, reveal, editing with stale-form refusal."""

import datetime as dt

import pytest

from minsheng.core.models import AuditEvent
from minsheng.registry.models import Household
from minsheng.registry.services import household_update
from minsheng.registry.testing import make_id
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A


class HouseholdListPageTests:
    def test_finds_a_household_by_either_reading_of_polyphonic_initials(self, households,
                                                                       client_for):
        client = client_for("township_station")
        for query in ("zxy", "cxy", "ZXY"):
            body = client.get("/households/", {"q": query}).content.decode()
            assert "H001" in body and "H002" not in body, query

    def test_filters_by_insurance_gap_and_category(self, households, client_for):
        client = client_for("township_station")
        body = client.get("/households/", {"insurance_gap": "on"}).content.decode()
        assert "H001" in body and "H002" not in body
        body = client.get("/households/", {"category": "ordinary"}).content.decode()
        assert "H002" in body and "H001" not in body

    def test_filters_by_income_range(self, households, client_for):
        client = client_for("township_station")
        body = client.get("/households/", {"income_max": "9000"}).content.decode()
        assert "H001" in body and "H002" not in body

    def test_village_monitor_sees_only_its_village(self, households, client_for):
        body = client_for("village_monitor").get("/households/").content.decode()
        assert "H001" in body and "H002" not in body

    def test_full_id_search_is_refused_for_roles_that_cannot_reveal(self, households,
                                                                   client_for):
        response = client_for("village_monitor").get("/households/",
                                                     {"q": make_id(dt.date(1980, 1, 1), 1)})
        assert "您的角色不能按完整身份证号查询，请按姓名或拼音首字母查询。" in response.content.decode()

    def test_full_id_search_works_for_township_station(self, households, client_for):
        response = client_for("township_station").get("/households/",
                                                      {"q": make_id(dt.date(1980, 1, 1), 1)})
        assert "H001" in response.content.decode()

    def test_list_query_count_does_not_grow_with_rows(self, households, client_for,
                                                      django_assert_max_num_queries):
        client = client_for("township_station")
        with django_assert_max_num_queries(12):
            client.get("/households/")


class HouseholdDetailPageTests:
    def test_masks_ids_and_phone_by_default(self, households, client_for):
        body = client_for("township_station").get(f"/households/{households[0].pk}/")
        text = body.content.decode()
        head_id = make_id(dt.date(1980, 1, 1), 1)
        assert head_id not in text
        assert f"{head_id[:6]}********{head_id[-4:]}" in text
        assert "138****5678" in text

    def test_reveal_shows_full_ids_and_is_audited(self, households, client_for):
        client = client_for("township_station")
        response = client.post(f"/households/{households[0].pk}/reveal/")
        assert make_id(dt.date(1980, 1, 1), 1) in response.content.decode()
        assert AuditEvent.objects.filter(event_type="SENSITIVE_REVEALED",
                                         subject_id=str(households[0].pk)).count() == 1

    def test_reveal_is_refused_for_village_monitor(self, households, client_for):
        response = client_for("village_monitor").post(f"/households/{households[0].pk}/reveal/")
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(event_type="SENSITIVE_REVEALED").exists()

    def test_shows_status_cards_and_timeline(self, households, client_for):
        text = client_for("township_station").get(
            f"/households/{households[0].pk}/").content.decode()
        assert "李芳 未参加基本医疗保险" in text
        assert "登记农户" in text and "新增 2025 年收支" in text

    def test_other_village_household_is_404(self, households, client_for):
        assert client_for("village_monitor").get(
            f"/households/{households[1].pk}/").status_code == 404
        assert client_for("outsider").get(f"/households/{households[0].pk}/").status_code == 404


class HouseholdEditPageTests:
    def test_saving_a_stale_form_is_refused_and_overwrites_nothing(self, households,
                                                                   client_for, personas):
        household = households[0]
        client = client_for("village_monitor")
        form_version = household.version
        household_update(actor=personas["township_station"], household=household,
                         version=form_version, address="新地址")
        response = client.post(f"/households/{household.pk}/edit/",
                               {"version": form_version, "address": "旧表单的地址",
                                "category": "lifted", "housing_grade": ""})
        assert response.status_code == 200
        assert "该农户已被他人修改（当前版本 2，您编辑的是版本 1）" in response.content.decode()
        household.refresh_from_db()
        assert household.address == "新地址"

    @pytest.mark.parametrize("changes,message", [
        ({"health": "disabled", "disability_grade": "0"}, "残疾等级应为 1～4 级，实为「0」。"),
        ({"work_months": "13", "work_area": "in_county"}, "务工时间应为 0～12 个月，实为「13」。"),
    ])
    def test_member_edit_shows_the_registry_message_when_a_value_breaks_a_constraint(
            self, households, client_for, changes, message):
        head = households[0].members.get(relation="head")
        response = client_for("village_monitor").post(f"/households/members/{head.pk}/edit/", {
            "version": head.version, "name": head.name, "relation": "head",
            "ethnicity": "汉族", "school_stage": "not_in_school", "health": "healthy",
            "labour_capacity": "ordinary", "work_months": "0", "medical_insurance": "on",
            "serious_illness_insurance": "on", **changes})
        assert response.status_code == 200
        body = response.content.decode()
        assert message in body
        assert "约束" not in body
        head.refresh_from_db()
        assert (head.health, head.disability_grade, head.work_months, head.version) == (
            "healthy", None, 0, 1)

    def test_ledger_page_shows_the_registry_message_when_the_year_is_out_of_range(
            self, households, client_for):
        response = client_for("village_monitor").post(
            f"/households/{households[0].pk}/ledger/", {"year": "1999", "wage_income": "1"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "年度「1999」不在 2000～2100 之间。" in body
        assert "约束" not in body
        assert not households[0].ledgers.filter(year=1999).exists()

    def test_saves_when_version_is_current(self, households, client_for):
        household = households[0]
        response = client_for("village_monitor").post(
            f"/households/{household.pk}/edit/",
            {"version": household.version, "address": "新地址", "category": "lifted",
             "housing_grade": "C"})
        assert response.status_code == 302
        household.refresh_from_db()
        assert household.housing_grade == "C"

    def test_create_shows_the_chinese_id_error(self, personas, client_for):
        response = client_for("village_monitor").post("/households/new/", {
            "household_no": "H900", "region_code": VILLAGE_A, "head_name": "甲",
            "head_id_number": "43052319800101123", "category": "ordinary"})
        assert "身份证号应为 18 位，实为 17 位。" in response.content.decode()
        assert not Household.objects.filter(household_no="H900").exists()

    def test_create_registers_the_household_with_its_head(self, personas, client_for):
        response = client_for("village_monitor").post("/households/new/", {
            "household_no": "H901", "region_code": VILLAGE_A, "head_name": "甲",
            "head_id_number": make_id(dt.date(1990, 1, 1), 20), "category": "ordinary"})
        assert response.status_code == 302
        assert Household.objects.get(household_no="H901").members.get().relation == "head"

    def test_cannot_create_outside_scope(self, personas, client_for):
        response = client_for("village_monitor").post("/households/new/", {
            "household_no": "H902", "region_code": OUTSIDE_VILLAGE, "head_name": "甲",
            "head_id_number": make_id(dt.date(1990, 1, 1), 21), "category": "ordinary"})
        assert not Household.objects.filter(household_no="H902").exists()
        assert response.status_code == 200


class ImportPagesTests:
    def test_template_download_has_the_spec_headers(self, personas, client_for, tmp_path):
        from python_calamine import CalamineWorkbook

        response = client_for("village_monitor").get("/households/import/template.xlsx")
        path = tmp_path / "t.xlsx"
        path.write_bytes(b"".join(response.streaming_content))
        header = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[0]
        assert header[:3] == ["户编号", "乡镇（街道）", "行政村（社区）"]
        assert "身份证号" in header

    def test_upload_validates_then_apply_writes(self, personas, client_for, tmp_path,
                                                django_capture_on_commit_callbacks):
        from minsheng.registry.tests.test_excel import good_rows, write_sheet

        client = client_for("village_monitor")
        path = write_sheet(tmp_path / "a.xlsx", good_rows())
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as f:
            response = client.post("/households/import/", {"file": f})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "校验通过，待导入" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(response["Location"] + "apply/")
        assert Household.objects.filter(household_no="H100").exists()
        assert "已导入" in client.get(response["Location"]).content.decode()

    def test_upload_refuses_other_file_types(self, personas, client_for, tmp_path):
        path = tmp_path / "a.pdf"
        path.write_bytes(b"%PDF")
        with path.open("rb") as f:
            response = client_for("village_monitor").post("/households/import/", {"file": f})
        assert "不支持的文件类型「.pdf」，请上传 xlsx、xls 或 csv 文件。" in response.content.decode()

    def test_import_pages_are_404_for_roles_without_registry_write(self, personas, client_for):
        assert client_for("auditor").get("/households/import/").status_code == 404
        assert client_for("sys_admin").get("/households/import/").status_code == 404


class ArchiveAndMovePagesTests:
    def test_member_move_keeps_both_histories(self, households, client_for):
        from minsheng.registry.models import HouseholdChange, Member

        spouse = households[0].members.get(relation="spouse")
        response = client_for("township_station").post(
            f"/households/members/{spouse.pk}/move/",
            {"version": spouse.version, "to_household_no": "H002", "relation": "spouse",
             "reason": "merged"})
        assert response.status_code == 302
        moved = Member.objects.get(id_number=spouse.id_number, active=True)
        assert moved.household_id == households[1].pk
        assert HouseholdChange.objects.filter(household=households[0],
                                              action="迁出至 H002").exists()

    def test_member_move_to_an_unknown_household_shows_the_error(self, households, client_for):
        spouse = households[0].members.get(relation="spouse")
        response = client_for("village_monitor").post(
            f"/households/members/{spouse.pk}/move/",
            {"version": spouse.version, "to_household_no": "H002", "relation": "spouse",
             "reason": "merged"})
        assert "该户编号不存在或不在您的管辖范围内。" in response.content.decode()

    def test_member_archive_and_household_archive(self, households, client_for):
        client = client_for("township_station")
        spouse = households[0].members.get(relation="spouse")
        client.post(f"/households/members/{spouse.pk}/archive/",
                    {"version": spouse.version, "reason": "deceased"})
        spouse.refresh_from_db()
        assert spouse.active is False
        household = households[1]
        client.post(f"/households/{household.pk}/archive/",
                    {"version": household.version, "reason": "duplicate", "note": "重复登记"})
        household.refresh_from_db()
        assert household.archived is True
        link = f'href="/households/{household.pk}/"'
        assert link not in client.get("/households/").content.decode()
        assert link in client.get("/households/", {"include_archived": "on"}).content.decode()
