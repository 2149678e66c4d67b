"""Imports through the staged pipeline: header synonyms, atomicity, checks against the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files import File
from django.utils import timezone

from minsheng.core.batches import ImportStatus
from minsheng.core.imports import batch_apply, batch_create, batch_import, batch_validate
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment.models import Enterprise, LabourStatus
from minsheng.employment.tests.conftest import MONTH, id_of, write_sheet
from minsheng.testing import COUNTY_A

# A sheet as a township sends it: a title row, synonyms, its own column order.
LABOUR_HEADER = ["序号", "成员姓名", "公民身份号码", "统计月份", "是否务工", "务工地域", "务工单位",
                 "务工时间（月）", "月均收入", "未务工原因"]


def labour_rows() -> list[list]:
    return [
        [1, "曾祥月", id_of("曾祥月"), "2025年10月", "务工", "省外", "东莞电子厂", 10, 4500, ""],
        [2, "李 方", id_of("李芳"), "2025-10", "未就业", "", "", 0, "", "照料家庭"],
        [3, "王二", id_of("王二"), "202510", "已就业", "县内务工", "县城餐饮店", 3, "3,200元", ""],
    ]


def run(actor, path: Path, kind: str = "employment_labour", dry_run: bool = False):
    with path.open("rb") as handle:
        batch = batch_create(actor=actor, kind=kind, uploaded=File(handle, name=path.name))
    batch = batch_import(actor=actor, batch=batch, dry_run=dry_run)
    batch.refresh_from_db()
    return batch


def problems(batch) -> list[tuple[int, str, str]]:
    return [(row.row_number, e["column"], e["message"]) for row in batch.rows.all()
            for e in row.errors]


class LabourImportTests:
    def test_tolerant_header_and_values(self, personas, households, tmp_path):
        path = write_sheet(tmp_path / "月报.xlsx", LABOUR_HEADER, labour_rows(),
                           title="大岭社区 2025年10月 劳动力就业情况月报表")
        dry = run(personas["village_monitor"], path, dry_run=True)
        assert dry.status == ImportStatus.VALIDATED and not LabourStatus.objects.exists()
        assert [(row.row_number, w["message"]) for row in dry.rows.all() for w in row.warnings
                ] == [(4, "姓名与台账（李芳）不一致，按身份证号导入。")]
        batch = run(personas["village_monitor"], path)
        assert batch.status == ImportStatus.APPLIED, problems(batch)
        assert batch.summary["applied"] == {"rows": 3, "statuses_new": 3, "statuses_changed": 0,
                                            "employed": 2}
        got = {s.member.name: (s.month, s.status, s.work_area, s.monthly_income,
                               s.unemployed_reason) for s in LabourStatus.objects.all()}
        assert got["曾祥月"][:3] == (MONTH, "employed", "out_of_province")
        assert str(got["王二"][3]) == "3200.00" and got["王二"][2] == "in_county"
        assert got["李芳"][4] == "family_care"
        assert AuditEvent.objects.filter(event_type=AuditEventType.IMPORT_APPLIED).count() == 1

    def test_existing_month_is_updated_with_a_new_version(self, personas, households, tmp_path):
        path = write_sheet(tmp_path / "a.xlsx", LABOUR_HEADER, labour_rows())
        run(personas["village_monitor"], path)
        rows = labour_rows()
        rows[1][4:] = ["务工", "省内县外", "长沙家政", 1, 3000, ""]
        again = run(personas["village_monitor"], write_sheet(tmp_path / "b.xlsx", LABOUR_HEADER,
                                                             rows))
        assert again.summary["applied"]["statuses_changed"] == 3
        status = LabourStatus.objects.get(member__name="李芳")
        assert (status.status, status.version) == ("employed", 2)

    def test_one_bad_row_writes_nothing(self, personas, households, tmp_path):
        rows = labour_rows()
        rows.append([4, "某某", id_of("曾祥月"), "2025-10", "务工", "", "", 1, 100, ""])
        rows.append([5, "曾祥月", id_of("曾祥月"), "2025年10月", "未就业", "", "", 0, "", "其他"])
        rows.append([6, "钱七", "430523199001011234", "2025-10", "未就业", "", "", 0, "", "其他"])
        future = f"{timezone.localdate().year + 1}-01"  # a month that has not come yet
        rows.append([7, "孙八", id_of("王二"), future, "未就业", "", "", 0, "", "外出"])
        batch = run(personas["village_monitor"], write_sheet(tmp_path / "bad.xlsx",
                                                             LABOUR_HEADER, rows))
        assert batch.status == ImportStatus.REJECTED
        assert problems(batch) == [
            (5, "", "务工人员请选择务工区域（县内、省内县外或省外）。"),
            (6, "身份证号", "与第 2 行是同一人同一月份，请只保留一行。"),
            (7, "身份证号", "身份证号校验位不正确，请核对后重新录入。"),
            (8, "月份", f"月份 {future} 还没有到，不能填报。"),
            (8, "未就业原因", "「外出」不是可选值，应为：照料家庭、疾病或残疾、在家务农、在校或参加培训、"
                         "找不到合适岗位、缺乏技能、年龄偏大、本人无就业意愿、其他。"),
        ]
        assert not LabourStatus.objects.exists()

    def test_rows_the_ledger_refuses_write_nothing(self, personas, households, tmp_path):
        rows = labour_rows()
        rows.append([4, "张三", id_of("张三"), "2025-10", "务工", "省外", "", 1, 100, ""])
        rows.append([5, "曾老汉", id_of("曾老汉"), "2025-10", "未就业", "", "", 0, "", "年龄偏大"])
        path = write_sheet(tmp_path / "bad.xlsx", LABOUR_HEADER, rows)
        expected = [
            (5, "身份证号", "台账中没有此身份证号的在册成员，或不在您的管辖范围内。"),
            (6, "身份证号", "曾老汉在 2025-10 不属于劳动力：劳动技能为丧失劳动力或无劳动力，不计入劳动力。"),
        ]
        dry = run(personas["village_monitor"], path, dry_run=True)
        assert (dry.status, problems(dry)) == (ImportStatus.REJECTED, expected)
        batch = run(personas["village_monitor"], path)  # checked inside the apply transaction
        assert (batch.status, problems(batch)) == (ImportStatus.REJECTED, expected)
        assert not LabourStatus.objects.exists()
        # The same file is fine for the county office except for 曾老汉.
        county = run(personas["county_office"], path, dry_run=True)
        assert problems(county) == expected[1:]

    def test_missing_required_column_is_a_file_error(self, personas, households, tmp_path):
        path = write_sheet(tmp_path / "x.xlsx", ["姓名", "身份证号", "就业状态"],
                           [["曾祥月", id_of("曾祥月"), "务工"]])
        batch = run(personas["village_monitor"], path)
        assert problems(batch) == [(0, "月份", "缺少必填列「月份」。")]

    def test_web_flow_revalidates_inside_the_applying_transaction(self, personas, households,
                                                                 tmp_path):
        from minsheng.registry.models import Member
        from minsheng.registry.services import member_archive

        actor = personas["village_monitor"]
        path = write_sheet(tmp_path / "a.xlsx", LABOUR_HEADER, labour_rows())
        with path.open("rb") as handle:
            batch = batch_create(actor=actor, kind="employment_labour",
                                 uploaded=File(handle, name=path.name))
        batch = batch_validate(batch=batch)
        assert batch.status == ImportStatus.VALIDATED
        wang = Member.objects.get(name="王二")
        member_archive(actor=personas["county_office"], member=wang, version=wang.version,
                       reason="moved_out")
        batch = batch_apply(actor=actor, batch=batch)
        assert batch.status == ImportStatus.REJECTED
        assert not LabourStatus.objects.exists()


ENTERPRISE_HEADER = ["单位名称", "社会信用代码", "所属行业", "企业地址", "经度", "纬度", "负责人",
                     "手机号码"]


class EnterpriseImportTests:
    def test_imports_with_synonyms_and_default_county(self, personas, tmp_path):
        rows = [["湘妹子制衣", "91110000600037341L", "制造业", "塘渡口镇", 111.25, 27.1, "刘经理",
                 "13912345678"],
                ["竹编合作社", "91430000ma4l0qxx1d", "手工加工", "", "", "", "", ""]]
        batch = run(personas["county_office"], write_sheet(tmp_path / "e.xlsx",
                                                           ENTERPRISE_HEADER, rows,
                                                           title="邵阳县用工企业名录"),
                    kind="employment_enterprises")
        assert batch.status == ImportStatus.APPLIED, problems(batch)
        assert batch.summary["applied"] == {"rows": 2, "enterprises_new": 2,
                                            "enterprises_changed": 0}
        assert set(Enterprise.objects.values_list("uscc", "region_id", "sector")) == {
            ("91110000600037341L", COUNTY_A, "manufacturing"),
            ("91430000MA4L0QXX1D", COUNTY_A, "handicraft")}

    def test_bad_uscc_rejects_the_whole_file(self, personas, tmp_path):
        rows = [["湘妹子制衣", "91110000600037341L", "制造业", "", "", "", "", ""],
                ["坏代码", "91110000600037341A", "制造业", "", "", "", "", ""],
                ["太短", "9111000060003734", "", "", "", "", "", ""],
                ["重复", "91110000600037341L", "", "", "", "", "", ""],
                ["坐标", "91430000MA4L0QXX1D", "", "", 200, 27, "", ""]]
        batch = run(personas["county_office"], write_sheet(tmp_path / "e.xlsx",
                                                           ENTERPRISE_HEADER, rows),
                    kind="employment_enterprises")
        assert batch.status == ImportStatus.REJECTED
        assert problems(batch) == [
            (3, "统一社会信用代码", "统一社会信用代码「91110000600037341A」的校验位不正确，请核对是否抄错。"),
            (4, "统一社会信用代码", "统一社会信用代码应为 18 位，「9111000060003734」为 16 位。"),
            (5, "统一社会信用代码", "统一社会信用代码与第 2 行重复。"),
            (6, "", "「经度」应在 73～136 之间（中国境内），实为「200」。"),
        ]
        assert not Enterprise.objects.exists()

    def test_city_account_must_name_the_county(self, personas, tmp_path):
        rows = [["湘妹子制衣", "91110000600037341L", "", "", "", "", "", ""]]
        batch = run(personas["city_office"], write_sheet(tmp_path / "e.xlsx", ENTERPRISE_HEADER,
                                                         rows), kind="employment_enterprises")
        assert problems(batch) == [
            (2, "注册地区划代码", "请填写注册地区划代码（县级）：您的账号不是只管辖一个县，无法默认。")]

    @pytest.mark.parametrize("persona", ["township_station", "village_monitor"])
    def test_without_permission_the_upload_is_refused(self, personas, tmp_path, persona):
        from minsheng.core.errors import PermissionDenied

        path = write_sheet(tmp_path / "e.xlsx", ENTERPRISE_HEADER, [])
        with pytest.raises(PermissionDenied), path.open("rb") as handle:
            batch_create(actor=personas[persona], kind="employment_enterprises",
                         uploaded=File(handle, name=path.name))
