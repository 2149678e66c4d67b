"""``minsheng policy check``: output through call_command, exit codes through the real console
script in a child process (0 clean, 1 problems, 2 usage). The shipped parameter files must pass:
this is the CI gate for them."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minsheng.policy.parameters import PARAMETERS_DIR, load_directory
from minsheng.policy.tests.helpers import entry, parameter_file, write

MINSHENG = Path(sys.executable).with_name("minsheng")
EMPTY_TABLE_NOTE = "注意：区划表为空（尚未导入区划），区划代码只检查了格式，未核对是否存在。"
NO_TABLE_NOTE = "注意：数据库中还没有区划表，区划代码只检查了格式，未核对是否存在。"
BROKEN = parameter_file(entry("2024-02-30"), entry("2025-01-01", ref=None))
BROKEN_REPORT = (
    "参数文件有 2 处问题：\n"
    "p.yaml 第 1 条取值（生效日期 2024-02-30）：生效日期（effective）「2024-02-30」不是真实的日期\n"
    "p.yaml 第 2 条取值（生效日期 2025-01-01）：缺少出处（ref）：每条取值都要写明文件、发文机关、"
    "日期和是否已核实"
)


def shipped_summary() -> str:
    result = load_directory(PARAMETERS_DIR)
    return (f"已检查 {result.files} 个参数文件，共 {result.entries} 条取值，未发现问题。"
            f"其中 {result.unverified} 条取值的出处尚未核实（verified: false），正式使用前请核对原文。"
            "工作日历（法定节假日和调休）已录入 2025、2026 年，其中 2 个年度的出处尚未核实；"
            "其他年度的工作日时限只跳过周末。")


def run(*args: str) -> str:
    out = StringIO()
    call_command("policy", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
class PolicyCheckCommandTests:
    def test_passes_the_shipped_files_with_a_note_when_no_regions_are_loaded(self):
        assert run("check") == f"{EMPTY_TABLE_NOTE}\n{shipped_summary()}\n"

    def test_passes_the_shipped_files_with_region_codes_checked_when_regions_are_loaded(
            self, regions):
        assert run("check") == f"{shipped_summary()}\n"

    def test_says_all_sources_are_verified_when_none_is_unverified(self, tmp_path, regions):
        write(tmp_path, {"p.yaml": parameter_file(entry(region='"430523"'))})
        assert run("check", "--dir", str(tmp_path)) == (
            "已检查 1 个参数文件，共 1 条取值，未发现问题。所有取值的出处均已核实。\n")

    def test_raises_exit_code_1_listing_each_problem_when_a_file_is_broken(self, tmp_path,
                                                                           regions):
        write(tmp_path, {"p.yaml": BROKEN})
        with pytest.raises(CommandError) as exc:
            run("check", "--dir", str(tmp_path))
        assert exc.value.returncode == 1
        assert str(exc.value) == BROKEN_REPORT

    def test_reports_unknown_region_codes_when_regions_are_loaded(self, tmp_path, regions):
        write(tmp_path, {"p.yaml": parameter_file(entry(region='"430599"'))})
        with pytest.raises(CommandError) as exc:
            run("check", "--dir", str(tmp_path))
        assert str(exc.value) == (
            "参数文件有 1 处问题：\np.yaml 第 1 条取值（生效日期 2024-01-01，区划 430599）："
            "区划代码 430599 在区划表中不存在")

    @pytest.mark.parametrize("args,message", [
        ((), "Error: the following arguments are required: verb"),
        (("verify",), "Error: argument verb: invalid choice: 'verify'"),
        (("check", "--dir", "/nonexistent/policy"),
         "Error: argument --dir: 参数目录不存在：/nonexistent/policy"),
        (("check", "extra"), "Error: unrecognized arguments: extra"),
    ])
    def test_raises_a_usage_error_when_the_arguments_are_wrong(self, args, message):
        with pytest.raises(CommandError) as exc:
            run(*args)
        # argparse's own wording (and its quoting of choices) varies between Python versions.
        assert str(exc.value).startswith(message)


# --- The console script in a child process -------------------------------------------------


@pytest.fixture
def cli(tmp_path):
    """``cli("policy", "check")`` runs ``.venv/bin/minsheng`` against an empty SQLite file
    (never migrated: the check must work before ``minsheng migrate``, e.g. in a pre-commit hook)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MINSHENG_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MINSHENG_TESTING": "1", "MINSHENG_VAR_DIR": str(tmp_path),
                "MINSHENG_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(MINSHENG), *args], env=env, capture_output=True, text=True,
                              check=False, timeout=120)

    return call


class PolicyCheckExitCodeTests:
    def test_exits_0_on_the_shipped_files(self, cli):
        result = cli("policy", "check")
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"{NO_TABLE_NOTE}\n{shipped_summary()}\n"
        assert result.stderr == ""

    def test_exits_1_and_prints_each_problem_when_a_file_is_broken(self, cli, tmp_path):
        folder = write(tmp_path / "params", {"p.yaml": BROKEN})
        result = cli("policy", "check", "--dir", str(folder))
        assert result.returncode == 1
        assert result.stdout == f"{NO_TABLE_NOTE}\n"
        assert result.stderr == f"CommandError: {BROKEN_REPORT}\n"

    @pytest.mark.parametrize("args,message", [
        (("policy",), "error: the following arguments are required: verb"),
        (("policy", "lint"), "error: argument verb: invalid choice: 'lint'"),
        (("policy", "check", "--dir", "/nonexistent/policy"),
         "error: argument --dir: 参数目录不存在：/nonexistent/policy"),
        (("policy", "check", "--fix"), "error: unrecognized arguments: --fix"),
    ])
    def test_exits_2_when_the_command_line_is_wrong(self, cli, args, message):
        result = cli(*args)
        assert result.returncode == 2, result.stderr
        assert "usage: minsheng policy" in result.stderr
        assert message in result.stderr
