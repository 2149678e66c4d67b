"""Loading region lists (minsheng regions load) and the demo (minsheng demo)."""

import gzip
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from minsheng.core.models import AuditEvent, User
from minsheng.demo import DEMO_FILES, DEMO_REGION_DIR, demo_load, demo_personas
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region, RegionAssignment
from minsheng.regions.services import RegionFileRejected, regions_load


def write(tmp_path: Path, name: str, text: str, *, gz: bool = False) -> Path:
    path = tmp_path / (name + (".gz" if gz else ""))
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def mini(tmp_path: Path) -> list[Path]:
    return [
        write(tmp_path, "provinces.csv", "code,name\n43,湖南省\n"),
        write(tmp_path, "cities.csv", "code,name,provinceCode\n4305,邵阳市,43\n"),
        write(tmp_path, "areas.csv", "code,name,cityCode,provinceCode\n430523,邵阳县,4305,43\n"),
        write(tmp_path, "streets.csv", "\ufeffcode,name,areaCode,provinceCode,cityCode\n"
              "430523100,塘渡口镇,430523,43,4305\n", gz=True),
        write(tmp_path, "villages.csv", "code,name,streetCode,provinceCode,cityCode,areaCode\n"
              "430523100001,大岭社区,430523100,43,4305,430523\n"),
    ]


@pytest.mark.django_db
class RegionsLoadTests:
    def test_loads_every_level_with_padded_codes_and_parents(self, tmp_path):
        report = regions_load(actor=None, paths=mini(tmp_path))
        assert (report.added, report.changed, report.unchanged) == (5, 0, 0)
        village = Region.objects.get(code="430523100001")
        assert village.level == RegionLevel.VILLAGE
        assert village.parent_id == "430523100000"
        assert [r.name for r in village.ancestors()] == ["湖南省", "邵阳市", "邵阳县", "塘渡口镇"]

    def test_is_idempotent_and_reports_changes(self, tmp_path):
        paths = mini(tmp_path)
        regions_load(actor=None, paths=paths)
        again = regions_load(actor=None, paths=paths)
        assert (again.added, again.changed, again.unchanged) == (0, 0, 5)
        paths[4] = write(tmp_path, "villages.csv",
                         "code,name,streetCode,provinceCode,cityCode,areaCode\n"
                         "430523100001,大岭村,430523100,43,4305,430523\n")
        changed = regions_load(actor=None, paths=paths)
        assert (changed.added, changed.changed) == (0, 1)
        assert changed.summary().startswith("新增 0 个，变更 1 个，未变 4 个")
        assert Region.objects.get(code="430523100001").name == "大岭村"

    @pytest.mark.parametrize("line,message", [
        ("43052310000A,坏村,430523100,43,4305,430523", "区划代码「43052310000A」不是数字"),
        ("4305231000011,长村,430523100,43,4305,430523", "区划代码「4305231000011」应为 2、4、6、9 或 12 位，实为 13 位"),
        ("430523100002,,430523100,43,4305,430523", "区划代码 430523100002 缺少名称"),
        ("430523100002,错村,430523101,43,4305,430523", "streetCode 为 430523101，与区划代码 430523100002 的前缀 430523100 不一致"),
        ("430523999001,孤村,430523999,43,4305,430523", "上级区划 430523999000 不存在（请一并导入上级各级文件）"),
    ])
    def test_rejects_the_whole_load_when_one_row_is_bad(self, tmp_path, line, message):
        paths = mini(tmp_path)
        paths[4] = write(tmp_path, "villages.csv",
                         "code,name,streetCode,provinceCode,cityCode,areaCode\n"
                         "430523100001,大岭社区,430523100,43,4305,430523\n" + line + "\n")
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=paths)
        assert [e.message for e in exc.value.errors] == [message]
        assert exc.value.errors[0].source == "villages.csv:3"
        assert not Region.objects.exists()

    def test_rejects_a_file_without_the_expected_header(self, tmp_path):
        path = write(tmp_path, "x.csv", "id,title\n43,湖南省\n")
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=[path])
        assert str(exc.value.errors[0]) == "x.csv:1：表头须包含 code 和 name 两列（china-division CSV 格式）"

    def test_rejects_a_file_that_is_not_utf8(self, tmp_path):
        path = tmp_path / "provinces.csv"
        path.write_bytes("code,name\n43,湖南省\n".encode("gbk"))
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=[path])
        assert "不是 UTF-8 编码的 CSV 文件" in exc.value.errors[0].message

    def test_province_filter_and_dry_run(self, tmp_path):
        paths = mini(tmp_path)
        report = regions_load(actor=None, paths=paths, dry_run=True)
        assert report.added == 5 and not Region.objects.exists()
        with pytest.raises(RegionFileRejected):
            regions_load(actor=None, paths=paths, province="44")

    def test_writes_an_audit_event_with_counts(self, tmp_path):
        regions_load(actor=None, paths=mini(tmp_path))
        event = AuditEvent.objects.get(event_type="REGIONS_LOADED")
        assert event.extra["added"] == 5 and event.actor_username == "命令行"

    def test_cli_prints_the_summary(self, tmp_path):
        out = StringIO()
        call_command("regions", "load", *map(str, mini(tmp_path)), stdout=out)
        assert out.getvalue().startswith("新增 5 个，变更 0 个，未变 0 个（省级 1 个")


def test_cli_exit_codes(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "MINSHENG_DEBUG": "1",
           "MINSHENG_VAR_DIR": str(tmp_path),
           "MINSHENG_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    cli = [sys.executable, "-m", "minsheng.cli"]
    subprocess.run([*cli, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    bad = write(tmp_path, "provinces.csv", "code,name\n4X,坏省\n")
    rejected = subprocess.run([*cli, "regions", "load", str(bad)], env=env, capture_output=True,
                              text=True, check=False)
    assert rejected.returncode == 1
    assert "区划代码「4X」不是数字" in rejected.stderr
    usage = subprocess.run([*cli, "regions", "load"], env=env, capture_output=True, text=True,
                           check=False)
    assert usage.returncode == 2
    good = subprocess.run([*cli, "regions", "load", *map(str, mini(tmp_path))], env=env,
                          capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stderr


@pytest.mark.slow
@pytest.mark.django_db
class DemoTests:
    def test_ships_the_real_hunan_list_and_loads_it_idempotently(self):
        report, personas = demo_load(seed=2026)
        assert dict(report.by_level) == {"1": 1, "2": 14, "3": 134, "4": 2008, "5": 29534}
        assert Region.objects.get(code="430523000000").name == "邵阳县"
        again, again_personas = demo_load(seed=2026)
        assert (again.added, again.changed, again.unchanged) == (0, 0, 31691)
        assert personas == again_personas
        assert User.objects.count() == len(personas)
        assert RegionAssignment.objects.count() == len(personas)

    def test_seed_decides_villages_and_passwords_and_logins_work(self, client):
        demo_load(seed=2026)
        first = {p.username: p for p in demo_personas(2026)}
        other = {p.username: p for p in demo_personas(7)}
        assert demo_personas(2026) == list(first.values())
        assert first["village_monitor"].password != other["village_monitor"].password
        for persona in first.values():
            response = client.post("/login/", {"username": persona.username,
                                               "password": persona.password})
            assert response.status_code == 302, persona.username
            client.post("/logout/")

    def test_fixture_files_are_all_present(self):
        assert sorted(p.name for p in DEMO_REGION_DIR.glob("*.csv.gz")) == sorted(
            f"{name}.csv.gz" for name in DEMO_FILES)
