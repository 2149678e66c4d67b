"""The department import: parsing per department, matching, atomicity, thresholds."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from minsheng.core.batches import ImportStatus
from minsheng.core.imports import batch_apply, batch_validate, error_workbook
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.core.roles import Department
from minsheng.departments.excel import SPECS, parse_file, parse_period, period_end
from minsheng.departments.models import (
    DepartmentLead,
    LeadStatus,
    LeadStatusChange,
    UnmatchedRow,
)
from minsheng.departments.services import unmatched_export
from minsheng.departments.tests.conftest import (
    LIFTED_ID,
    ORDINARY_ID,
    OUTSIDE_ID,
    SPOUSE_ID,
    UNKNOWN_ID,
    import_file,
    medical_rows,
    upload,
    write_file,
)
from minsheng.registry.testing import make_id
from minsheng.testing import TOWNSHIP_A

TODAY = dt.date(2026, 1, 1)


def write_raw(path, rows, *, title_rows=1, header_rows=None):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    r = 0
    for _ in range(title_rows):
        sheet.write_string(r, 0, "某县某部门数据推送表")
        r += 1
    for header in header_rows or []:
        for c, value in enumerate(header):
            if value:
                sheet.write_string(r, c, value)
        r += 1
    for row in rows:
        for c, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
        r += 1
    book.close()
    return path


# One file per department, written with synonym headers in another order, under a title row.
DEPARTMENT_FILES = {
    Department.MEDICAL_INSURANCE: (["个人自付金额", "证件号码", "患者姓名", "诊断"],
                                   [7000, LIFTED_ID, "曾祥月", "肺炎"],
                                   {"inpatient_out_of_pocket": "7000.00", "diagnosis": "肺炎"}),
    Department.EDUCATION: (["学生姓名", "公民身份号码", "学校名称", "辍学时间", "原因"],
                           ["曾祥月", LIFTED_ID, "塘渡口镇中学", "2025.9.1", "厌学"],
                           {"school": "塘渡口镇中学", "dropout_date": "2025-09-01",
                            "dropout_reason": "厌学"}),
    Department.CIVIL_AFFAIRS: (["身份证号码", "姓名", "变动情况", "低保类别", "审批日期"],
                               [LIFTED_ID, "曾祥月", "停保", "二类", "2025年10月8日"],
                               {"change_type": "退出低保", "assistance_class": "二类",
                                "change_date": "2025-10-08"}),
    Department.HOUSING: (["姓名", "身份证号", "危房等级", "鉴定时间"],
                         ["曾祥月", LIFTED_ID, "整栋危房", "2025-10-10"],
                         {"appraisal_grade": "D级", "appraisal_date": "2025-10-10"}),
    Department.DISABLED_FEDERATION: (["残疾人姓名", "身份证号", "残疾类型", "残疾级别", "办证日期"],
                                     ["曾祥月", LIFTED_ID, "肢体", "2级", "2025-10-01"],
                                     {"disability_type": "肢体", "disability_grade": "二级",
                                      "certificate_date": "2025-10-01"}),
    Department.EMERGENCY: (["受灾人员姓名", "身份证号", "灾种", "经济损失", "灾情"],
                           ["曾祥月", LIFTED_ID, "洪涝", "12,000元", "房屋进水"],
                           {"disaster_type": "洪涝", "loss_amount": "12000.00",
                            "situation": "房屋进水"}),
    Department.HUMAN_RESOURCES: (["失业人员姓名", "身份证号", "失业日期", "领取失业金"],
                                 ["曾祥月", LIFTED_ID, "20251005", "否"],
                                 {"unemployment_date": "2025-10-05", "benefit": False}),
}


class ParsingTests:
    @pytest.mark.parametrize("department", list(DEPARTMENT_FILES))
    def test_reads_synonym_headers_in_any_order_under_a_title_row(self, department, tmp_path,
                                                                  db):
        header, row, expected = DEPARTMENT_FILES[department]
        path = write_raw(tmp_path / "d.xlsx", [row], header_rows=[header])
        parsed = parse_file(path, "d.xlsx", department=department, period="2025-10",
                            today=TODAY)
        assert parsed.result.errors == []
        assert [(r.name, r.id_number, r.details) for r in parsed.rows] == [
            ("曾祥月", LIFTED_ID, expected)]

    def test_reads_a_gbk_csv_with_a_title_row(self, tmp_path, db):
        path = tmp_path / "d.csv"
        path.write_bytes(("邵阳县残联2025年10月新办证人员\n身份证号,姓名,残疾等级\n"
                          f"{LIFTED_ID},曾祥月,三级\n").encode("gb18030"))
        parsed = parse_file(path, "d.csv", department=Department.DISABLED_FEDERATION,
                            period="2025-10", today=TODAY)
        assert parsed.result.errors == []
        assert parsed.rows[0].details == {"disability_grade": "三级"}

    def test_every_department_but_rural_revitalization_has_a_spec(self):
        assert set(SPECS) == set(Department.values) - {Department.RURAL_REVITALIZATION}

    def test_reads_a_two_row_header(self, tmp_path, db):
        path = write_raw(tmp_path / "d.xlsx", [["曾祥月", LIFTED_ID, 5200, 100]], header_rows=[
            ["人员信息", "人员信息", "费用情况", "费用情况"],
            ["姓名", "身份证号", "住院个人自付", "门诊自付"]])
        parsed = parse_file(path, "d.xlsx", department=Department.MEDICAL_INSURANCE,
                            period="2025-10", today=TODAY)
        assert parsed.result.errors == []
        assert parsed.rows[0].details == {"inpatient_out_of_pocket": "5200.00",
                                          "outpatient_out_of_pocket": "100.00"}

    def test_reports_ids_excel_stored_as_numbers_and_never_repairs_them(self, tmp_path, db):
        path = write_raw(tmp_path / "d.xlsx", [["曾祥月", 4.30523198001010e17, 6000]],
                         header_rows=[["姓名", "身份证号", "自付金额"]])
        parsed = parse_file(path, "d.xlsx", department=Department.MEDICAL_INSURANCE,
                            period="2025-10", today=TODAY)
        assert [(e.row, e.column, e.message) for e in parsed.result.errors] == [
            (3, "身份证号", "身份证号被 Excel 存成了数字，后几位已丢失，无法还原；"
                        "请把该列设为“文本”格式后重新录入。")]
        assert parsed.rows == []

    def test_refuses_missing_required_column_and_bad_cells(self, tmp_path, db):
        path = write_raw(tmp_path / "d.xlsx", [["曾祥月", LIFTED_ID]],
                         header_rows=[["姓名", "身份证号"]])
        parsed = parse_file(path, "d.xlsx", department=Department.MEDICAL_INSURANCE,
                            period="2025-10", today=TODAY)
        assert [e.message for e in parsed.result.errors] == ["缺少必填列「住院个人自付累计（元）」。"]
        path = write_raw(tmp_path / "e.xlsx", [["曾祥月", LIFTED_ID, "很多"],
                                               ["曾祥月", LIFTED_ID, ""]],
                         header_rows=[["姓名", "身份证号", "自付金额"]])
        parsed = parse_file(path, "e.xlsx", department=Department.MEDICAL_INSURANCE,
                            period="2025-10", today=TODAY)
        assert [(e.row, e.message) for e in parsed.result.errors] == [
            (3, "「很多」不是数字。"), (4, "「住院个人自付累计（元）」不能为空。"),
            (4, "身份证号与第 3 行重复。")]

    @pytest.mark.parametrize(("text", "period"), [("2025-10", "2025-10"), ("2025年1月", "2025-01"),
                                                  ("202512", "2025-12"), ("2025/3", "2025-03")])
    def test_reads_periods(self, text, period):
        assert parse_period(text) == period

    def test_refuses_bad_periods(self):
        from minsheng.core.errors import InvalidInput

        with pytest.raises(InvalidInput) as exc:
            parse_period("2025-13")
        assert exc.value.message == "数据期间「2025-13」格式不正确，应为年-月，如 2025-10。"
        assert period_end("2024-02") == dt.date(2024, 2, 29)


class ImportTests:
    def test_preview_then_apply_creates_leads_flags_names_and_lists_the_unmatched(
            self, personas, households, tmp_path):
        liaison = personas["liaison"]
        made = upload(liaison, write_file(tmp_path / "m.xlsx"))
        batch = batch_validate(batch=made.batch)
        assert batch.status == ImportStatus.VALIDATED
        assert batch.summary["rows"] == 5
        assert {k: batch.summary[k] for k in ("matched", "name_mismatch", "unmatched",
                                              "threshold_reached")} == {
            "matched": 3, "name_mismatch": 1, "unmatched": 2, "threshold_reached": 2}
        warnings = {(w["column"], w["message"]) for row in batch.rows.all()
                    for w in row.warnings}
        assert ("姓名", "姓名与台账不一致（身份证号已匹配，线索保留，请乡镇核实）。") in warnings
        assert not DepartmentLead.objects.exists()
        batch = batch_apply(actor=liaison, batch=batch)
        assert batch.status == ImportStatus.APPLIED
        leads = {lead.id_number: lead for lead in DepartmentLead.objects.all()}
        assert set(leads) == {LIFTED_ID, SPOUSE_ID, ORDINARY_ID}
        wang = leads[ORDINARY_ID]
        assert (wang.name, wang.registry_name, wang.name_mismatch) == ("王小五", "王五", True)
        assert leads[SPOUSE_ID].name_mismatch is False
        # Assigned to the household's township at once, with both steps in the history.
        assert leads[LIFTED_ID].status == LeadStatus.ASSIGNED
        assert leads[LIFTED_ID].township_id == TOWNSHIP_A
        assert wang.township_id == "430523101000"
        assert list(LeadStatusChange.objects.filter(lead=leads[LIFTED_ID]).values_list(
            "from_status", "to_status")) == [("", "pushed"), ("pushed", "assigned")]
        assert sorted(UnmatchedRow.objects.values_list("id_number", flat=True)) == sorted(
            [OUTSIDE_ID, UNKNOWN_ID])
        event = AuditEvent.objects.get(event_type=AuditEventType.DEPARTMENT_DATA_IMPORTED)
        assert event.extra["matched"] == 3 and event.extra["period"] == "2025-10"
        assert AuditEvent.objects.filter(
            event_type=AuditEventType.DEPARTMENT_LEAD_CHANGED).count() == 3

    def test_medical_threshold_depends_on_the_household_category(self, personas, households,
                                                                tmp_path):
        import_file(personas["liaison"], write_file(tmp_path / "m.xlsx"))
        leads = {lead.id_number: lead for lead in DepartmentLead.objects.all()}
        lifted, spouse, other = leads[LIFTED_ID], leads[SPOUSE_ID], leads[ORDINARY_ID]
        assert lifted.threshold_reached is True
        check = lifted.threshold[0]
        assert (check["name"], check["value"], check["group"], check["amount"], check["reached"]) \
            == ("departments.medical_insurance.inpatient_out_of_pocket_poverty_alleviated",
                "5000", "脱贫人口", "6000.00", True)
        assert check["ref"]["document"].startswith("某县防止返贫动态监测和帮扶工作实施办法")
        assert spouse.threshold_reached is False
        assert spouse.threshold[0]["amount"] == "4999.50"
        # 20000 for others: 12000 is below it, but the month's outpatient 800 reaches 500.
        assert [(c["name"].rsplit(".", 1)[1], c["value"], c["reached"]) for c in other.threshold] \
            == [("inpatient_out_of_pocket_others", "20000", False),
                ("outpatient_out_of_pocket_monthly", "500", True)]
        assert other.threshold_reached is True

    def test_without_auto_assign_leads_wait_as_pushed(self, personas, households, tmp_path):
        import_file(personas["county_office"], write_file(tmp_path / "m.xlsx"),
                    auto_assign=False)
        assert set(DepartmentLead.objects.values_list("status", flat=True)) == {"pushed"}
        assert not DepartmentLead.objects.exclude(township=None).exists()

    def test_one_bad_row_writes_nothing(self, personas, households, tmp_path):
        rows = medical_rows()
        rows[2]["id_number"] = ORDINARY_ID[:17] + ("0" if ORDINARY_ID[17] != "0" else "1")
        made = import_file(personas["liaison"], write_file(tmp_path / "m.xlsx", rows=rows))
        assert made.batch.status == ImportStatus.REJECTED
        assert made.batch.message == "文件有 1 处错误，未导入任何数据。"
        assert not DepartmentLead.objects.exists()
        assert not UnmatchedRow.objects.exists()
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.DEPARTMENT_DATA_IMPORTED).exists()
        with error_workbook(actor=personas["liaison"], batch=made.batch) as workbook:
            sheet = CalamineWorkbook.from_path(workbook.name).get_sheet_by_name(
                "错误清单").to_python()
        assert sheet[1][:2] == [5, "身份证号"]
        assert sheet[1][3] == "身份证号校验位不正确，请核对后重新录入。"

    def test_a_failure_while_writing_rolls_everything_back(self, personas, households, tmp_path,
                                                           monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        made = upload(personas["liaison"], write_file(tmp_path / "m.xlsx"))
        batch_validate(batch=made.batch)
        monkeypatch.setattr(UnmatchedRow.objects, "bulk_create", broken)
        with pytest.raises(RuntimeError):
            batch_apply(actor=personas["liaison"], batch=made.batch)
        made.batch.refresh_from_db()
        assert made.batch.status == ImportStatus.FAILED
        assert not DepartmentLead.objects.exists()
        assert not LeadStatusChange.objects.exists()
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.DEPARTMENT_LEAD_CHANGED).exists()

    def test_the_same_person_is_not_pushed_twice_for_one_period(self, personas, households,
                                                                tmp_path):
        import_file(personas["liaison"], write_file(tmp_path / "m.xlsx"))
        again = import_file(personas["liaison"], write_file(tmp_path / "n.xlsx"))
        assert again.batch.status == ImportStatus.REJECTED
        messages = [e["message"] for row in again.batch.rows.all() for e in row.errors]
        assert messages[0] == "此人已在医保 2025-10 的数据中推送过，不能重复导入。"
        assert DepartmentLead.objects.count() == 3
        other_period = import_file(personas["liaison"], write_file(tmp_path / "o.xlsx"),
                                   period="2025-11")
        assert other_period.batch.status == ImportStatus.APPLIED
        assert DepartmentLead.objects.count() == 6

    def test_county_of_a_wider_scope_matches_people_the_liaison_cannot(self, personas,
                                                                      households, tmp_path):
        import_file(personas["city_office"], write_file(tmp_path / "m.xlsx"))
        assert DepartmentLead.objects.filter(id_number=OUTSIDE_ID).exists()
        assert list(UnmatchedRow.objects.values_list("id_number", flat=True)) == [UNKNOWN_ID]

    def test_unmatched_list_is_masked_for_the_liaison_and_audited(self, personas, households,
                                                                  tmp_path):
        made = import_file(personas["liaison"], write_file(tmp_path / "m.xlsx"))
        handle, count = unmatched_export(actor=personas["liaison"], upload=made)
        with handle:
            rows = CalamineWorkbook.from_path(handle.name).get_sheet_by_index(0).to_python()
        assert count == 2
        assert rows[0] == ["原行号", "姓名", "身份证号", "未匹配原因"]
        assert [r[1] for r in rows[1:]] == ["赵六", "钱七"]
        assert rows[2][2] == UNKNOWN_ID[:6] + "********" + UNKNOWN_ID[-4:]
        event = AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).latest("id")
        assert event.note == "导出医保 2025-10 未匹配名单 2 行"

    def test_a_parameter_not_in_force_refuses_the_row(self, personas, households, tmp_path):
        made = import_file(personas["liaison"], write_file(tmp_path / "m.xlsx"),
                           period="2019-10")
        assert made.batch.status == ImportStatus.REJECTED
        message = made.batch.rows.first().errors[0]["message"]
        assert "在 2019-10-31 没有适用于区划" in message
        assert not DepartmentLead.objects.exists()

    def test_other_people_are_not_matched_by_a_made_up_number(self, personas, households,
                                                               tmp_path):
        stranger = make_id(dt.date(1980, 1, 1), 7)
        rows = [{"name": "曾祥月", "id_number": stranger, "inpatient_out_of_pocket": 9000}]
        made = import_file(personas["liaison"], write_file(tmp_path / "m.xlsx", rows=rows))
        assert made.batch.summary["applied"]["unmatched"] == 1
        assert not DepartmentLead.objects.exists()


class UploadTests:
    def test_refuses_a_period_in_the_future(self, personas, tmp_path):
        from minsheng.core.errors import InvalidInput

        with pytest.raises(InvalidInput) as exc:
            upload(personas["county_office"], write_file(tmp_path / "m.xlsx"), period="2099-01")
        assert exc.value.message == "数据期间「2099-01」还没有到，请检查。"

    def test_refuses_departments_without_a_spec_and_roles_without_upload(self, personas,
                                                                        tmp_path):
        from minsheng.core.errors import InvalidInput, PermissionDenied

        with pytest.raises(InvalidInput) as exc:
            upload(personas["county_office"], write_file(tmp_path / "m.xlsx"),
                   department="rural_revitalization")
        assert exc.value.message == "「乡村振兴」没有部门数据比对模板。"
        with pytest.raises(PermissionDenied) as denied:
            upload(personas["township_station"], write_file(tmp_path / "m.xlsx"))
        assert denied.value.message == "您没有上传部门数据的权限。"
