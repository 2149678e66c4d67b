"""``minsheng regions load FILE...``: output through call_command, exit codes through the real
console script in a child process (0 loaded, 1 rejected input, 2 usage error)."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minsheng.core.models import AuditEvent
from minsheng.regions.models import Region
from minsheng.testing import MINI_TREE

MINI_SUMMARY = "（省级 1 个，市级 1 个，县级 2 个，乡级 3 个，村级 4 个）"
MINSHENG = Path(sys.executable).with_name("minsheng")


def mini_files(folder: Path, *, gz: bool = False) -> list[str]:
    paths = []
    for name, text in MINI_TREE.items():
        path = folder / (name + (".gz" if gz else ""))
        data = text.encode("utf-8")
        path.write_bytes(gzip.compress(data) if gz else data)
        paths.append(str(path))
    return paths


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("regions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
class RegionsLoadCommandTests:
    def test_prints_the_chinese_summary_when_the_files_load(self, tmp_path):
        out, _ = run("load", *mini_files(tmp_path))
        assert out == f"新增 11 个，变更 0 个，未变 0 个{MINI_SUMMARY}\n"
        assert Region.objects.count() == 11

    def test_reads_gzip_files_when_given_csv_gz(self, tmp_path):
        out, _ = run("load", *mini_files(tmp_path, gz=True))
        assert out.startswith("新增 11 个，变更 0 个，未变 0 个")

    def test_prints_only_unchanged_when_run_twice(self, tmp_path):
        files = mini_files(tmp_path)
        run("load", *files)
        out, _ = run("load", *files)
        assert out == f"新增 0 个，变更 0 个，未变 11 个{MINI_SUMMARY}\n"

    def test_lists_each_rename_when_a_name_changed(self, tmp_path):
        files = mini_files(tmp_path)
        run("load", *files)
        village_file = Path(files[-1])
        village_file.write_text(MINI_TREE["villages.csv"].replace("石湾社区", "石湾村"),
                                encoding="utf-8")
        out, _ = run("load", *files)
        assert out == (f"新增 0 个，变更 1 个，未变 10 个{MINI_SUMMARY}\n"
                       "  变更 430523100002：石湾社区 → 石湾村\n")
        assert Region.objects.get(code="430523100002").name == "石湾村"

    def test_says_it_wrote_nothing_when_run_with_dry_run(self, tmp_path):
        out, _ = run("load", *mini_files(tmp_path), "--dry-run")
        assert out == f"（试运行，未写入）新增 11 个，变更 0 个，未变 0 个{MINI_SUMMARY}\n"
        assert not Region.objects.exists()
        assert not AuditEvent.objects.filter(event_type="REGIONS_LOADED").exists()

    def test_loads_only_that_province_when_run_with_province(self, tmp_path):
        files = mini_files(tmp_path)
        other = tmp_path / "guangdong.csv"
        other.write_text("code,name\n44,广东省\n", encoding="utf-8")
        out, _ = run("load", *files, str(other), "--province", "43")
        assert out.startswith("新增 11 个，")
        assert not Region.objects.filter(code="440000000000").exists()
        assert AuditEvent.objects.get(event_type="REGIONS_LOADED").extra["province"] == "43"

    def test_raises_a_command_error_with_exit_code_1_when_a_row_is_bad(self, tmp_path):
        bad = tmp_path / "provinces.csv"
        bad.write_text("code,name\n43,湖南省\n4X,坏省\n", encoding="utf-8")
        with pytest.raises(CommandError) as exc:
            run("load", str(bad))
        assert exc.value.returncode == 1
        assert str(exc.value) == "区划文件有 1 处错误，未导入任何数据：\nprovinces.csv:3：区划代码「4X」不是数字"
        assert not Region.objects.exists()

    @pytest.mark.parametrize("args,message", [
        (("load",), "Error: the following arguments are required: files"),
        (("load", "x.csv", "--province", "4"),
         "Error: argument --province: 省级代码应为 2 位数字，实为「4」"),
        (("load", "x.csv", "--province", "４３"),
         "Error: argument --province: 省级代码应为 2 位数字，实为「４３」"),
    ])
    def test_raises_a_usage_error_when_the_arguments_are_wrong(self, args, message):
        with pytest.raises(CommandError) as exc:
            run(*args)
        assert str(exc.value) == message
        assert not Region.objects.exists()


# --- The console script in a child process -------------------------------------------------


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory) -> Path:
    """A migrated SQLite file made by ``minsheng migrate``; each test works on a copy."""
    folder = tmp_path_factory.mktemp("cli-template")
    path = folder / "template.sqlite3"
    result = subprocess.run([str(MINSHENG), "migrate", "--noinput"], env=cli_env(path, folder),
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    return path


def cli_env(database: Path, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MINSHENG_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update({"MINSHENG_TESTING": "1", "MINSHENG_DATABASE_URL": f"sqlite:///{database}",
                "MINSHENG_VAR_DIR": str(var_dir)})
    return env


@pytest.fixture
def cli(migrated_db, tmp_path):
    """``cli("regions", "load", ...)`` runs ``.venv/bin/minsheng`` on a fresh copy of the
    migrated database; ``cli.regions()`` reads the region names back from that file."""
    database = tmp_path / "db.sqlite3"
    shutil.copyfile(migrated_db, database)

    class Cli:
        def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(MINSHENG), *args], env=cli_env(database, tmp_path),
                                  capture_output=True, text=True, check=False, timeout=300)

        def regions(self) -> dict[str, str]:
            with sqlite3.connect(database) as conn:
                return dict(conn.execute("SELECT code, name FROM regions_region"))

    return Cli()


class RegionsLoadExitCodeTests:
    def test_exits_0_and_prints_the_summary_when_the_files_load(self, cli, tmp_path):
        result = cli("regions", "load", *mini_files(tmp_path))
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"新增 11 个，变更 0 个，未变 0 个{MINI_SUMMARY}\n"
        assert len(cli.regions()) == 11

    def test_exits_1_and_writes_nothing_when_a_row_is_bad(self, cli, tmp_path):
        files = mini_files(tmp_path)
        Path(files[-1]).write_text(MINI_TREE["villages.csv"] + "4305231000X1,坏村\n",
                                   encoding="utf-8")
        result = cli("regions", "load", *files)
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr == ("CommandError: 区划文件有 1 处错误，未导入任何数据：\n"
                                 "villages.csv:6：区划代码「4305231000X1」不是数字\n")
        assert cli.regions() == {}

    def test_exits_1_when_a_file_does_not_exist(self, cli, tmp_path):
        missing = tmp_path / "provinces.csv"
        result = cli("regions", "load", str(missing))
        assert result.returncode == 1
        assert f"provinces.csv：文件不存在（{missing}）" in result.stderr

    @pytest.mark.parametrize("args,message", [
        (("regions",), "error: the following arguments are required: verb"),
        (("regions", "load"), "error: the following arguments are required: files"),
        (("regions", "unload", "x.csv"), "error: argument verb: invalid choice: 'unload'"),
        (("regions", "load", "x.csv", "--province", "430"),
         "error: argument --province: 省级代码应为 2 位数字，实为「430」"),
        (("regions", "load", "x.csv", "--wipe"), "error: unrecognized arguments: --wipe"),
    ])
    def test_exits_2_when_the_command_line_is_wrong(self, cli, args, message):
        result = cli(*args)
        assert result.returncode == 2, result.stderr
        assert "usage: minsheng regions" in result.stderr
        assert message in result.stderr
        assert cli.regions() == {}
