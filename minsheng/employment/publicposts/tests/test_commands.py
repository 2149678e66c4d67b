"""``minsheng posts payroll`` and ``minsheng posts list``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from minsheng.employment.publicposts.tests.fixtures import MONTH, hand_computed_month

pytestmark = pytest.mark.django_db


def test_payroll_writes_the_workbook(personas, member, tmp_path):
    hand_computed_month(personas, member)
    out = tmp_path / "pay.xlsx"
    stdout = io.StringIO()
    call_command("posts", "payroll", "--region", "430523100", "--month", MONTH, "--out",
                 str(out), "--user", "township_station", stdout=stdout)
    assert "3 人，合计 1281.82 元" in stdout.getvalue()
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[-1][-1] == "1281.82"


def test_payroll_refusals(personas, tmp_path):
    with pytest.raises(CommandError, match="月份「2026-13」格式不正确") as bad:
        call_command("posts", "payroll", "--region", "430523100", "--month", "2026-13",
                     "--out", str(tmp_path / "x.xlsx"), "--user", "township_station")
    assert bad.value.returncode == 2
    with pytest.raises(CommandError, match="您没有导出补贴发放表的权限") as denied:
        call_command("posts", "payroll", "--region", "430523100", "--month", MONTH,
                     "--out", str(tmp_path / "x.xlsx"), "--user", "village_monitor")
    assert denied.value.returncode == 1


def test_list(personas, member):
    hand_computed_month(personas, member)
    stdout = io.StringIO()
    call_command("posts", "list", "--user", "village_monitor", stdout=stdout)
    assert stdout.getvalue().count("\n") == 2
    assert "大岭护路员" in stdout.getvalue() and "在岗 1" in stdout.getvalue()
