"""minsheng import registry / minsheng export registry."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from minsheng.registry.models import Household
from minsheng.registry.tests.test_excel import good_rows, write_sheet


class ImportCommandTests:
    def test_applies_a_clean_file_and_prints_the_counts(self, personas, tmp_path, capsys):
        path = write_sheet(tmp_path / "a.xlsx", good_rows())
        call_command("import", "registry", str(path), "--user", "village_monitor")
        out = capsys.readouterr().out
        assert "导入完成：共 3 行；新增农户 1" in out
        assert Household.objects.filter(household_no="H100").exists()

    def test_dry_run_writes_nothing(self, personas, tmp_path, capsys):
        path = write_sheet(tmp_path / "a.xlsx", good_rows())
        call_command("import", "registry", str(path), "--user", "village_monitor", "--dry-run")
        assert "校验通过（试运行，未写入）" in capsys.readouterr().out
        assert not Household.objects.exists()

    def test_rejected_file_exits_1_and_writes_the_error_workbook(self, personas, tmp_path,
                                                                 capsys):
        rows = good_rows()
        rows[0][7] = "还行"
        path = write_sheet(tmp_path / "a.xlsx", rows)
        errors = tmp_path / "errors.xlsx"
        with pytest.raises(SystemExit) as exc:
            call_command("import", "registry", str(path), "--user", "village_monitor",
                         "--errors", str(errors))
        assert exc.value.code == 1
        assert "第 3 行 健康状况：「还行」不是可选值" in capsys.readouterr().err
        sheet = CalamineWorkbook.from_path(str(errors)).get_sheet_by_name("错误清单").to_python()
        assert sheet[1][:2] == [3, "健康状况"]
        assert not Household.objects.exists()

    def test_registry_rules_reject_the_file_and_write_nothing(self, personas, tmp_path,
                                                                capsys):
        """The CLI checks the registry once, inside the applying transaction: a member who is
        already in another household rejects the whole file, with the row and the workbook."""
        path = write_sheet(tmp_path / "a.xlsx", good_rows())
        call_command("import", "registry", str(path), "--user", "village_monitor")
        capsys.readouterr()
        rows = good_rows()
        for row in rows:
            row[0] = "H200"
        moved = write_sheet(tmp_path / "b.xlsx", rows)
        errors = tmp_path / "errors.xlsx"
        with pytest.raises(SystemExit) as exc:
            call_command("import", "registry", str(moved), "--user", "village_monitor",
                         "--errors", str(errors))
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert ("第 3 行 身份证号：该成员已是在册农户（户编号 H100）的成员，一人只能在一个在册农户中。"
                in err)
        assert "台账可能已被他人修改" not in err
        sheet = CalamineWorkbook.from_path(str(errors)).get_sheet_by_name("错误清单").to_python()
        assert [row[:2] for row in sheet[1:]] == [[3, "身份证号"], [4, "身份证号"], [5, "身份证号"]]
        assert not Household.objects.filter(household_no="H200").exists()

    def test_missing_user_is_a_usage_error(self, personas, tmp_path):
        path = write_sheet(tmp_path / "a.xlsx", good_rows())
        with pytest.raises(CommandError) as exc:
            call_command("import", "registry", str(path), "--user", "")
        assert exc.value.returncode == 2
        assert str(exc.value) == "请用 --user 指定以哪个账号的身份导入（决定管辖范围和审计记录）。"


class ExportCommandTests:
    def test_exports_the_scope_of_the_user(self, personas, tmp_path, capsys):
        call_command("import", "registry", str(write_sheet(tmp_path / "a.xlsx", good_rows())),
                     "--user", "village_monitor")
        out = tmp_path / "out.xlsx"
        call_command("export", "registry", str(out), "--user", "township_station")
        assert "已导出 3 行" in capsys.readouterr().out
        rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
        assert len(rows) == 4
        call_command("export", "registry", str(out), "--user", "outsider")
        assert len(CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()) == 1
