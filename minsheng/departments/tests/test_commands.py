"""minsheng departments import / sample."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from minsheng.departments.models import DepartmentLead
from minsheng.departments.tests.conftest import medical_rows, write_file


def run(*args):
    call_command("departments", *args)


class ImportCommandTests:
    def test_applies_a_clean_file_and_prints_the_counts(self, personas, households, tmp_path,
                                                       capsys):
        path = write_file(tmp_path / "m.xlsx")
        run("import", "--department", "medical_insurance", "--period", "2025-10", str(path),
            "--user", "liaison")
        assert capsys.readouterr().out.strip() == (
            "导入完成：医保 2025-10；数据行 5，匹配台账 3，姓名不一致 1，未匹配 2，达到推送阈值 2")
        assert DepartmentLead.objects.count() == 3

    def test_dry_run_writes_nothing(self, personas, households, tmp_path, capsys):
        path = write_file(tmp_path / "m.xlsx")
        run("import", "--department", "medical_insurance", "--period", "2025年10月", str(path),
            "--user", "liaison", "--dry-run")
        assert capsys.readouterr().out.startswith("校验通过（试运行，未写入）：医保 2025-10；数据行 5，匹配台账 3")
        assert not DepartmentLead.objects.exists()

    def test_rejected_file_exits_1_with_the_problems(self, personas, households, tmp_path,
                                                     capsys):
        rows = medical_rows()
        rows[0]["inpatient_out_of_pocket"] = "不详"
        errors = tmp_path / "errors.xlsx"
        with pytest.raises(SystemExit) as exc:
            run("import", "--department", "medical_insurance", "--period", "2025-10",
                str(write_file(tmp_path / "m.xlsx", rows=rows)), "--user", "liaison",
                "--errors", str(errors))
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert "第 3 行 住院个人自付累计（元）：「不详」不是数字。" in err
        assert "文件有 1 处错误，未导入任何数据。" in err
        sheet = CalamineWorkbook.from_path(str(errors)).get_sheet_by_name("错误清单").to_python()
        assert sheet[1][:2] == [3, "住院个人自付累计（元）"]
        assert not DepartmentLead.objects.exists()

    def test_liaison_cannot_import_another_departments_data(self, personas, households,
                                                            tmp_path):
        path = write_file(tmp_path / "m.xlsx")
        with pytest.raises(CommandError) as exc:
            run("import", "--department", "education", "--period", "2025-10", str(path),
                "--user", "liaison")
        assert exc.value.returncode == 1
        assert str(exc.value) == "您只能处理本部门（医保）的数据。"

    @pytest.mark.parametrize(("args", "message"), [
        (["--period", "2025-13", "--user", "liaison"],
         "数据期间「2025-13」格式不正确，应为年-月，如 2025-10。"),
        (["--period", "2025-10", "--user", ""],
         "请用 --user 指定以哪个账号的身份导入（决定管辖范围和审计记录）。"),
        (["--period", "2025-10", "--user", "nobody"], "账号「nobody」不存在或已停用。"),
    ])
    def test_usage_errors_exit_2(self, personas, tmp_path, args, message):
        path = write_file(tmp_path / "m.xlsx")
        with pytest.raises(CommandError) as exc:
            run("import", "--department", "medical_insurance", str(path), *args)
        assert exc.value.returncode == 2
        assert str(exc.value) == message

    def test_missing_file_exits_2(self, personas, tmp_path):
        with pytest.raises(CommandError) as exc:
            run("import", "--department", "medical_insurance", "--period", "2025-10",
                str(tmp_path / "none.xlsx"), "--user", "liaison")
        assert exc.value.returncode == 2


class SampleCommandTests:
    def test_writes_one_file_per_department_that_imports_cleanly(self, personas, tmp_path,
                                                                capsys):
        from minsheng.registry.demo_data import demo_households_generate
        from minsheng.testing import COUNTY_A

        demo_households_generate(county_code=COUNTY_A, count=30, seed=7)
        run("sample", "--out", str(tmp_path / "out"), "--county", COUNTY_A, "--seed", "7")
        files = sorted((tmp_path / "out").glob("*.xlsx"))
        assert [f.name for f in files] == sorted(
            f"{label}-2025-10.xlsx" for label in ("医保", "教育", "民政", "住建", "残联", "应急",
                                                  "人社"))
        capsys.readouterr()
        run("import", "--department", "housing", "--period", "2025-10",
            str(tmp_path / "out" / "住建-2025-10.xlsx"), "--user", "county_office")
        out = capsys.readouterr().out
        assert "导入完成：住建 2025-10；数据行 10，匹配台账 8，姓名不一致 1，未匹配 2" in out
        assert DepartmentLead.objects.filter(department="housing").count() == 8
