"""minsheng screen: exit 0 on success, 1 on rejected input (Chinese report), 2 on usage."""

import pytest
from django.db import connections

from minsheng.monitoring.management.commands.screen import Command
from minsheng.monitoring.models import RiskSignal, RunKind, ScreeningRun


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """run_from_argv closes every connection at the end, which would end the test's own
    transaction on PostgreSQL."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args):
    """Run the verb as the console script does (argv parsing, exit codes)."""
    try:
        Command().run_from_argv(["minsheng", "screen", *args])
    except SystemExit as exc:
        return exc.code
    return 0


class ScreenCommandTests:
    def test_screens_and_prints_the_counts(self, families, capsys):
        assert run("--user", "county_office", "--region", "430523", "--on", "2026-06-30") == 0
        out = capsys.readouterr().out
        assert "风险筛查完成：批次 #" in out
        assert "参与筛查 4 户，存在风险或无法判定 2 户" in out
        assert "新增信号 2 条，仍存在 0 条，已由数据消除 0 条" in out
        assert RiskSignal.objects.count() == 2

    def test_defaults_to_the_only_assigned_region(self, families, capsys):
        assert run("--user", "township_station", "--on", "2026-06-30") == 0
        assert "塘渡口镇（430523100000）" in capsys.readouterr().out

    def test_dry_run_writes_nothing(self, families, capsys):
        assert run("--user", "county_office", "--on", "2026-06-30", "--dry-run") == 0
        assert "试运行（未写入）" in capsys.readouterr().out
        assert not RiskSignal.objects.exists()

    def test_what_if_reports_entering_households(self, families, capsys):
        assert run("--user", "county_office", "--on", "2026-06-30",
                   "--what-if", "monitoring.range=13000") == 0
        out = capsys.readouterr().out
        assert "新纳入 1 户 3 人，退出 0 户 0 人" in out
        assert "塘渡口镇 · 人均纯收入低于监测范围：新纳入 1 户 3 人" in out
        assert ScreeningRun.objects.get().kind == RunKind.SIMULATION
        assert not RiskSignal.objects.exists()

    def test_region_out_of_scope_exits_1(self, families, capsys):
        assert run("--user", "county_office", "--region", "430524", "--on", "2026-06-30") == 1
        assert "区划「430524」不存在或不在您的管辖范围内。" in capsys.readouterr().err

    def test_unknown_what_if_parameter_exits_1(self, families, capsys):
        assert run("--user", "county_office", "--what-if", "monitoring.nope=1") == 1
        assert "未知的政策参数「monitoring.nope」" in capsys.readouterr().err
        assert not ScreeningRun.objects.exists()

    def test_role_without_permission_exits_1(self, families, capsys):
        assert run("--user", "village_monitor", "--on", "2026-06-30") == 1
        assert "您没有执行此操作的权限。" in capsys.readouterr().err

    @pytest.mark.parametrize("args", [
        ["--on", "2026-06-30"],  # no --user
        ["--user", "nobody"],
        ["--user", "county_office", "--on", "30.06.2026"],
        ["--user", "county_office", "--dry-run", "--what-if", "monitoring.range=1"],
        ["--user", "county_office", "--bogus"],
    ])
    def test_usage_errors_exit_2(self, families, args, capsys):
        assert run(*args) == 2
        assert not ScreeningRun.objects.exists()
