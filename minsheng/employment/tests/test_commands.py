"""``minsheng employment import|coverage``: exit 0 on success, 1 on rejected input, 2 on usage."""

from __future__ import annotations

import pytest
from django.db import connections

from minsheng.employment.management.commands.employment import Command
from minsheng.employment.models import Enterprise, LabourStatus
from minsheng.employment.tests.conftest import LABOUR_HEADER_SHORT, MONTH, id_of, write_sheet


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """run_from_argv closes every connection at the end, which would end the test's own
    transaction on PostgreSQL."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args):
    try:
        Command().run_from_argv(["minsheng", "employment", *args])
    except SystemExit as exc:
        return exc.code
    return 0


class ImportCommandTests:
    def test_labour_import_applies(self, households, tmp_path, capsys):
        path = write_sheet(tmp_path / "m.xlsx", LABOUR_HEADER_SHORT, [
            [id_of("曾祥月"), MONTH, "务工", "县内"], [id_of("王二"), MONTH, "务工", "省外"]])
        assert run("import", "labour", str(path), "--user", "village_monitor") == 0
        assert capsys.readouterr().out.strip() == (
            "导入完成：数据行 2，新增状态 2，更新状态 0，其中务工 2")
        assert LabourStatus.objects.count() == 2

    def test_dry_run_writes_nothing(self, households, tmp_path, capsys):
        path = write_sheet(tmp_path / "m.xlsx", LABOUR_HEADER_SHORT, [
            [id_of("曾祥月"), MONTH, "务工", "县内"]])
        assert run("import", "labour", str(path), "--user", "village_monitor", "--dry-run") == 0
        assert capsys.readouterr().out.startswith("校验通过（试运行，未写入）")
        assert not LabourStatus.objects.exists()

    def test_rejected_file_exits_1_with_the_problems(self, households, tmp_path, capsys):
        path = write_sheet(tmp_path / "m.xlsx", LABOUR_HEADER_SHORT, [
            [id_of("曾祥月"), MONTH, "务工", "县内"], [id_of("张三"), MONTH, "务工", ""]])
        errors = tmp_path / "errors.xlsx"
        assert run("import", "labour", str(path), "--user", "village_monitor",
                   "--errors", str(errors)) == 1
        err = capsys.readouterr().err
        assert "第 3 行：务工人员请选择务工区域（县内、省内县外或省外）。" in err
        assert "文件有 1 处错误，未导入任何数据。" in err
        assert errors.read_bytes()[:2] == b"PK"
        assert not LabourStatus.objects.exists()

    def test_enterprise_import(self, personas, tmp_path, capsys):
        path = write_sheet(tmp_path / "e.xlsx", ["统一社会信用代码", "企业名称"],
                           [["91110000600037341L", "湘妹子制衣"]])
        assert run("import", "enterprises", str(path), "--user", "county_office") == 0
        assert "新增企业 1" in capsys.readouterr().out
        assert Enterprise.objects.get().region_id == "430523000000"

    @pytest.mark.parametrize("args", [
        ("import", "jobs", "x.xlsx", "--user", "county_office"),  # unknown kind
        ("import", "labour", "/nonexistent.xlsx", "--user", "county_office"),
        ("import", "labour", "x.xlsx", "--user", "nobody"),
        ("import", "labour", "x.xlsx"),
    ])
    def test_usage_errors_exit_2(self, personas, args, monkeypatch):
        monkeypatch.delenv("MINSHENG_CLI_USER", raising=False)
        assert run(*args) == 2


class CoverageCommandTests:
    def test_prints_coverage_by_village(self, personas, member, capsys):
        from minsheng.employment.services import labour_status_save

        labour_status_save(actor=personas["county_office"], member_id=member("曾祥月").pk,
                           month=MONTH, data={"status": "employed", "work_area": "in_county"},
                           version=0)
        assert run("coverage", "--month", MONTH, "--user", "county_office") == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == "2025-10 每户至少一人就业（村 / 有劳动力户数 / 至少一人务工户数 / 覆盖率）："
        assert lines[1].split() == ["430523100001", "大岭社区", "2", "1", "50.0%"]
        assert lines[-1].split() == ["合计", "3", "1", "33.3%"]

    def test_bad_month_exits_2_and_foreign_region_exits_1(self, personas, capsys):
        assert run("coverage", "--month", "2025-13", "--user", "county_office") == 2
        assert run("coverage", "--month", MONTH, "--region", "430524",
                   "--user", "county_office") == 1
        assert "所选区域不存在或不在您的管辖范围内。" in capsys.readouterr().err
