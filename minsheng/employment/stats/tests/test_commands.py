"""``minsheng employment-stats``: the table printed, the export written and audited, errors."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.testing import COUNTY_A

from .conftest import MONTH


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("employment-stats", *args, stdout=out)
    return out.getvalue()


class StatsCommandTests:
    def test_prints_the_table_and_exports(self, ledger, targets, tmp_path):
        path = tmp_path / "stats.xlsx"
        text = run("--month", MONTH, "--region", "430523", "--user", "county_office",
                   "--out", str(path))
        lines = text.splitlines()
        assert lines[0] == f"{MONTH} 就业帮扶统计：邵阳县（{COUNTY_A}）"
        total = lines[-2].split("\t")
        assert total[:3] == [COUNTY_A, "邵阳县（合计）", "6"]
        assert "50.0" in total
        assert lines[-1] == f"已导出到 {path}"
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert sheet[-1][:3] == [COUNTY_A, "邵阳县（合计）", 6]
        assert AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED,
                                         region_code=COUNTY_A).count() == 1

    def test_out_of_scope_exits_1(self, ledger):
        with pytest.raises(CommandError) as info:
            run("--month", MONTH, "--region", "430524", "--user", "township_station")
        assert info.value.returncode == 1

    def test_bad_month_exits_2(self, personas):
        with pytest.raises(CommandError) as info:
            run("--month", "2025-13", "--user", "county_office")
        assert info.value.returncode == 2
        assert "月份" in str(info.value)


class TargetImportCommandTests:
    def test_dry_run_then_import(self, personas, tmp_path):
        from minsheng.employment.stats.models import EmploymentTarget

        from .test_import import months, sheet

        path = sheet(tmp_path / "t.xlsx", [["邵阳县", "430523", 2025, 120, *months(100), ""]])
        out = io.StringIO()
        call_command("employment-targets", "import", str(path), "--user", "county_office",
                     "--dry-run", stdout=out)
        assert out.getvalue().startswith("校验通过（试运行，未写入）")
        assert not EmploymentTarget.objects.exists()
        out = io.StringIO()
        call_command("employment-targets", "import", str(path), "--user", "county_office",
                     stdout=out)
        assert out.getvalue().strip() == "导入完成：数据行 1，新增目标 2，更正目标 0，无变化 0"
        assert EmploymentTarget.objects.count() == 2

    def test_rejected_exits_1_with_error_workbook(self, personas, tmp_path):
        from .test_import import months, sheet

        path = sheet(tmp_path / "t.xlsx", [["隆回县", "430524", 2025, 10, *months(), ""]])
        errors = tmp_path / "errors.xlsx"
        err = io.StringIO()
        with pytest.raises(SystemExit) as info:
            call_command("employment-targets", "import", str(path), "--user", "county_office",
                         "--errors", str(errors), stderr=err)
        assert info.value.code == 1
        assert "不在您的管辖范围" in err.getvalue()
        assert errors.is_file()
