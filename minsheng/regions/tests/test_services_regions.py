"""Loading region lists (minsheng.regions.services.regions_load): atomic, idempotent, audited.

Most tests load the small tree of ``minsheng.testing.MINI_TREE`` (11 regions of 邵阳市); the
last class loads the shipped 湖南省 list once for the whole module.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import Count, F

from minsheng.core.errors import InvalidInput, PermissionDenied
from minsheng.core.models import AuditEvent, User
from minsheng.core.roles import Role
from minsheng.demo import DEMO_FILES, DEMO_REGION_DIR
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.services import RegionFileRejected, regions_load
from minsheng.testing import MINI_TREE

pytestmark = pytest.mark.django_db

MINI_SUMMARY = "（省级 1 个，市级 1 个，县级 2 个，乡级 3 个，村级 4 个）"
VILLAGES_HEADER = "code,name,streetCode,provinceCode,cityCode,areaCode\n"


def write(folder: Path, name: str, content: str | bytes, *, gz: bool = False) -> Path:
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = folder / (name + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def mini_files(folder: Path, **replace: str) -> list[Path]:
    """The five MINI_TREE files; ``villages="..."`` etc. replaces a file's rows after its header."""
    paths = []
    for name, text in MINI_TREE.items():
        stem = name.removesuffix(".csv")
        if stem in replace:
            text = text.split("\n", 1)[0] + "\n" + replace[stem]
        paths.append(write(folder, name, text))
    return paths


def elsewhere(folder: Path) -> Path:
    """A second folder, for a file with the same name as one of the mini tree's."""
    other = folder / "more"
    other.mkdir(exist_ok=True)
    return other


def names() -> dict[str, str]:
    return dict(Region.objects.values_list("code", "name"))


class RegionsLoadTests:
    def test_adds_every_level_with_padded_codes_and_parents_when_the_database_is_empty(
        self, tmp_path
    ):
        report = regions_load(actor=None, paths=mini_files(tmp_path))
        assert (report.added, report.changed, report.unchanged) == (11, 0, 0)
        assert dict(report.by_level) == {"1": 1, "2": 1, "3": 2, "4": 3, "5": 4}
        assert report.summary() == "新增 11 个，变更 0 个，未变 0 个" + MINI_SUMMARY
        village = Region.objects.get(code="430523100001")
        assert (village.name, village.level, village.parent_id) == (
            "大岭社区", RegionLevel.VILLAGE, "430523100000")
        assert [r.name for r in village.ancestors()] == ["湖南省", "邵阳市", "邵阳县", "塘渡口镇"]
        assert Region.objects.get(code="430000000000").parent_id is None

    def test_reports_everything_unchanged_when_the_same_files_are_loaded_again(self, tmp_path):
        paths = mini_files(tmp_path)
        regions_load(actor=None, paths=paths)
        before = names()
        again = regions_load(actor=None, paths=paths)
        assert (again.added, again.changed, again.unchanged) == (0, 0, 11)
        assert again.summary() == "新增 0 个，变更 0 个，未变 11 个" + MINI_SUMMARY
        assert again.changes == []
        assert names() == before

    def test_reports_and_applies_a_new_name_when_a_file_renames_a_region(self, tmp_path):
        regions_load(actor=None, paths=mini_files(tmp_path))
        renamed = MINI_TREE["villages.csv"].split("\n", 1)[1].replace("大岭社区", "大岭村")
        report = regions_load(actor=None, paths=mini_files(tmp_path, villages=renamed))
        assert (report.added, report.changed, report.unchanged) == (0, 1, 10)
        assert report.changes == ["430523100001：大岭社区 → 大岭村"]
        assert Region.objects.get(code="430523100001").name == "大岭村"
        assert Region.objects.count() == 11

    def test_keeps_regions_absent_from_the_files_when_a_partial_list_is_loaded(self, tmp_path):
        regions_load(actor=None, paths=mini_files(tmp_path))
        only = write(elsewhere(tmp_path), "villages.csv",
                     VILLAGES_HEADER + "430523100003,新建村,430523100,43,4305,430523\n")
        report = regions_load(actor=None, paths=[only])
        assert (report.added, report.changed, report.unchanged) == (1, 0, 0)
        assert Region.objects.count() == 12
        assert Region.objects.get(code="430523100003").parent_id == "430523100000"

    def test_reads_gzip_and_bom_files_when_mixed_with_plain_ones(self, tmp_path):
        paths = [
            write(tmp_path, "provinces.csv", "\ufeffcode,name\n43,湖南省\n", gz=True),
            write(tmp_path, "cities.csv", "\ufeffcode,name,provinceCode\n4305,邵阳市,43\n"),
            write(tmp_path, "areas.csv", "code,name,cityCode,provinceCode\n430523,邵阳县,4305,43\n",
                  gz=True),
        ]
        report = regions_load(actor=None, paths=paths)
        assert (report.added, report.changed, report.unchanged) == (3, 0, 0)
        assert names() == {"430000000000": "湖南省", "430500000000": "邵阳市",
                           "430523000000": "邵阳县"}

    def test_counts_a_region_once_when_two_files_repeat_it_identically(self, tmp_path):
        paths = mini_files(tmp_path)
        copy = write(elsewhere(tmp_path), "cities.csv", MINI_TREE["cities.csv"])
        report = regions_load(actor=None, paths=[*paths, copy])
        assert (report.added, dict(report.by_level)["2"]) == (11, 1)

    def test_loads_only_that_province_when_a_province_is_given(self, tmp_path):
        paths = mini_files(tmp_path)
        paths.append(write(elsewhere(tmp_path), "provinces.csv", "code,name\n44,广东省\n11,北京市\n"))
        report = regions_load(actor=None, paths=paths, province="43")
        assert report.added == 11
        assert not Region.objects.exclude(code__startswith="43").exists()

    def test_loads_other_provinces_too_when_no_province_is_given(self, tmp_path):
        paths = mini_files(tmp_path)
        paths.append(write(elsewhere(tmp_path), "provinces.csv", "code,name\n44,广东省\n"))
        report = regions_load(actor=None, paths=paths)
        assert report.added == 12
        assert Region.objects.get(code="440000000000").name == "广东省"

    def test_writes_nothing_but_reports_the_counts_when_it_is_a_dry_run(self, tmp_path):
        report = regions_load(actor=None, paths=mini_files(tmp_path), dry_run=True)
        assert (report.added, report.changed, report.unchanged) == (11, 0, 0)
        assert not Region.objects.exists()
        assert not AuditEvent.objects.filter(event_type="REGIONS_LOADED").exists()

    def test_reports_a_rename_without_applying_it_when_it_is_a_dry_run(self, tmp_path):
        regions_load(actor=None, paths=mini_files(tmp_path))
        renamed = MINI_TREE["villages.csv"].split("\n", 1)[1].replace("大岭社区", "大岭村")
        report = regions_load(actor=None, paths=mini_files(tmp_path, villages=renamed),
                              dry_run=True)
        assert report.changes == ["430523100001：大岭社区 → 大岭村"]
        assert Region.objects.get(code="430523100001").name == "大岭社区"
        assert AuditEvent.objects.filter(event_type="REGIONS_LOADED").count() == 1


class RegionsLoadAuditTests:
    def test_records_one_event_with_the_counts_when_a_load_succeeds(self, tmp_path):
        report = regions_load(actor=None, paths=mini_files(tmp_path), province="43")
        event = AuditEvent.objects.get(event_type="REGIONS_LOADED")
        assert event.actor is None
        assert event.actor_username == "命令行"
        assert event.subject_type == "regions.region"
        assert event.note == report.summary()
        assert event.extra == {"added": 11, "changed": 0, "unchanged": 0, "province": "43",
                               "changes": []}

    def test_records_the_renames_when_a_reload_changes_names(self, tmp_path):
        regions_load(actor=None, paths=mini_files(tmp_path))
        renamed = MINI_TREE["villages.csv"].split("\n", 1)[1].replace("石湾社区", "石湾村")
        regions_load(actor=None, paths=mini_files(tmp_path, villages=renamed))
        event = AuditEvent.objects.filter(event_type="REGIONS_LOADED").latest("at", "pk")
        assert event.extra == {"added": 0, "changed": 1, "unchanged": 10, "province": "",
                               "changes": ["430523100002：石湾社区 → 石湾村"]}

    def test_records_nothing_when_the_load_is_rejected(self, tmp_path):
        with pytest.raises(RegionFileRejected):
            regions_load(actor=None, paths=mini_files(tmp_path, villages="4X,坏村\n"))
        assert not AuditEvent.objects.filter(event_type="REGIONS_LOADED").exists()


class RegionsLoadRejectedTests:
    @pytest.mark.parametrize("line,message", [
        ("43052310000A,坏村,430523100,43,4305,430523", "区划代码「43052310000A」不是数字"),
        ("4305231000011,长村,430523100,43,4305,430523",
         "区划代码「4305231000011」应为 2、4、6、9 或 12 位，实为 13 位"),
        ("430523100009,,430523100,43,4305,430523", "区划代码 430523100009 缺少名称"),
        ("430523100009,错村,430523101,43,4305,430523",
         "streetCode 为 430523101，与区划代码 430523100009 的前缀 430523100 不一致"),
        ("430523999001,孤村,430523999,43,4305,430523",
         "上级区划 430523999000 不存在（请一并导入上级各级文件）"),
        ("430523100001,大岭村,430523100,43,4305,430523",
         "区划代码 430523100001 与 villages.csv:2 重复且内容不同"),
        ("430523100000,零村,430523100,43,4305,430523",
         "区划代码「430523100000」的本级编号（第 10–12 位）不能全为 0"),
    ])
    def test_writes_nothing_when_one_row_of_many_is_bad(self, tmp_path, line, message):
        rows = MINI_TREE["villages.csv"].split("\n", 1)[1]
        bad = rows.replace("\n", "\n" + line + "\n", 1)  # second data row = line 3
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=mini_files(tmp_path, villages=bad))
        assert [str(e) for e in exc.value.errors] == [f"villages.csv:3：{message}"]
        assert exc.value.message == f"区划文件有 1 处错误，未导入任何数据：\nvillages.csv:3：{message}"
        assert not Region.objects.exists()

    def test_keeps_the_old_names_when_a_rename_arrives_with_a_bad_row(self, tmp_path):
        regions_load(actor=None, paths=mini_files(tmp_path))
        rows = MINI_TREE["villages.csv"].split("\n", 1)[1].replace("大岭社区", "大岭村")
        with pytest.raises(RegionFileRejected):
            regions_load(actor=None, paths=mini_files(
                tmp_path, villages=rows + "430523100009,新村,430523100,43,4305,430523\n4X,坏\n"))
        assert Region.objects.get(code="430523100001").name == "大岭社区"
        assert not Region.objects.filter(code="430523100009").exists()

    def test_writes_nothing_when_another_file_is_not_utf8(self, tmp_path):
        paths = mini_files(tmp_path)
        paths[0].write_bytes("code,name\n43,湖南省\n".encode("gbk"))
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=paths)
        assert [str(e) for e in exc.value.errors] == [
            "provinces.csv:2：不是 UTF-8 编码的 CSV 文件（请另存为 UTF-8 编码后再导入）",
            "cities.csv:2：上级区划 430000000000 不存在（请一并导入上级各级文件）",
        ]
        assert not Region.objects.exists()

    def test_writes_nothing_when_a_file_has_the_wrong_header(self, tmp_path):
        paths = mini_files(tmp_path)
        paths.append(write(elsewhere(tmp_path), "extra.csv", "区划代码,名称\n4306,岳阳市\n"))
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=paths)
        assert [str(e) for e in exc.value.errors] == [
            "extra.csv:1：表头须包含 code 和 name 两列（china-division CSV 格式）"]
        assert not Region.objects.exists()

    def test_names_both_lines_when_a_code_repeats_with_a_different_name_across_files(
        self, tmp_path
    ):
        paths = mini_files(tmp_path)
        paths.append(write(tmp_path, "cities-2019.csv", "code,name,provinceCode\n4305,宝庆市,43\n"))
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=paths)
        assert [str(e) for e in exc.value.errors] == [
            "cities-2019.csv:2：区划代码 430500000000 与 cities.csv:2 重复且内容不同"]

    def test_refuses_a_code_when_the_database_holds_it_at_another_level(self, tmp_path):
        regions_load(actor=None, paths=mini_files(tmp_path)[:3])
        Region.objects.create(code="430523100000", name="错层", level=RegionLevel.VILLAGE,
                              parent_id="430523000000")
        streets = write(elsewhere(tmp_path), "streets.csv",
                        "code,name,areaCode\n430523100,塘渡口镇,430523\n")
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=[streets])
        assert [str(e) for e in exc.value.errors] == [
            "streets.csv:2：区划代码 430523100000 已作为村级存在"]
        assert Region.objects.get(code="430523100000").name == "错层"

    def test_lists_fifty_errors_and_counts_the_rest_when_there_are_more(self, tmp_path):
        bad = "".join(f"4X{i:02d},坏市{i}\n" for i in range(60))
        path = write(tmp_path, "cities.csv", "code,name\n" + bad)
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=[path])
        assert len(exc.value.errors) == 60
        lines = exc.value.message.split("\n")
        assert lines[0] == "区划文件有 60 处错误，未导入任何数据："
        assert lines[1] == "cities.csv:2：区划代码「4X00」不是数字"
        assert lines[50] == "cities.csv:51：区划代码「4X49」不是数字"
        assert lines[51:] == ["……另有 10 处错误"]

    def test_says_there_is_nothing_to_load_when_the_files_hold_only_headers(self, tmp_path):
        path = write(tmp_path, "provinces.csv", "code,name\n")
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=[path])
        assert [str(e) for e in exc.value.errors] == [
            "输入：文件中没有可导入的区划（请检查省级代码和文件内容）"]

    def test_says_there_is_nothing_to_load_when_the_province_is_not_in_the_files(self, tmp_path):
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=mini_files(tmp_path), province="44")
        assert [str(e) for e in exc.value.errors] == [
            "输入：文件中没有可导入的区划（请检查省级代码和文件内容）"]
        assert not Region.objects.exists()

    def test_names_the_file_when_it_does_not_exist(self, tmp_path):
        missing = tmp_path / "villages.csv.gz"
        with pytest.raises(RegionFileRejected) as exc:
            regions_load(actor=None, paths=[*mini_files(tmp_path)[:4], missing])
        assert [str(e) for e in exc.value.errors] == [f"villages.csv.gz：文件不存在（{missing}）"]
        assert not Region.objects.exists()

    @pytest.mark.parametrize("province", ["4", "430", "4X", "４３", ""])
    def test_refuses_the_province_argument_when_it_is_not_two_ascii_digits(
        self, tmp_path, province
    ):
        with pytest.raises(InvalidInput) as exc:
            regions_load(actor=None, paths=mini_files(tmp_path), province=province)
        assert exc.value.message == f"省级代码应为 2 位数字，实为「{province}」"
        assert not Region.objects.exists()

    @pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.COUNTY_OFFICE])
    def test_refuses_a_web_actor_when_no_role_may_maintain_regions(self, tmp_path, role):
        actor = User.objects.create(username="someone", role=role)
        with pytest.raises(PermissionDenied) as exc:
            regions_load(actor=actor, paths=mini_files(tmp_path))
        assert exc.value.message == "只有具备区划维护权限的账号可以导入行政区划。"
        assert not Region.objects.exists()


# --- The shipped 湖南省 list, loaded once for the tests below ---------------------------------
# Keep this class last: its module-scoped load wraps every test of this module that runs after
# the first one requesting it, and is rolled back when the module ends.

HUNAN_FILES = [DEMO_REGION_DIR / f"{name}.csv.gz" for name in DEMO_FILES]
HUNAN_COUNTS = {"1": 1, "2": 14, "3": 134, "4": 2008, "5": 29534}


@pytest.fixture(scope="module")
def hunan(django_db_setup, django_db_blocker):
    """The real 湖南省 list, loaded once in a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield regions_load(actor=None, paths=HUNAN_FILES)
        transaction.set_rollback(True)


@pytest.mark.slow
class HunanListTests:
    def test_loads_every_region_by_level_when_the_database_is_empty(self, hunan):
        assert dict(hunan.by_level) == HUNAN_COUNTS
        assert (hunan.added, hunan.changed, hunan.unchanged) == (31691, 0, 0)
        assert hunan.summary() == (
            "新增 31691 个，变更 0 个，未变 0 个"
            "（省级 1 个，市级 14 个，县级 134 个，乡级 2008 个，村级 29534 个）")
        by_level = dict(Region.objects.values_list("level").annotate(n=Count("code")).order_by())
        assert by_level == {1: 1, 2: 14, 3: 134, 4: 2008, 5: 29534}

    def test_links_every_region_to_a_parent_one_level_up_when_loaded(self, hunan):
        assert list(Region.objects.filter(parent__isnull=True).values_list("code", flat=True)) == [
            "430000000000"]
        assert not Region.objects.filter(level__gt=1).exclude(
            parent__level=F("level") - 1).exists()
        assert Region.objects.get(code="430523000000").name == "邵阳县"
        assert Region.objects.get(code="430523100001").parent.name == "塘渡口镇"

    def test_changes_nothing_when_loaded_again(self, hunan):
        again = regions_load(actor=None, paths=HUNAN_FILES)
        assert (again.added, again.changed, again.unchanged) == (0, 0, 31691)
        assert dict(again.by_level) == HUNAN_COUNTS
        assert Region.objects.count() == 31691

    def test_restores_the_listed_name_when_the_database_copy_was_renamed(self, hunan):
        Region.objects.filter(code="430523000000").update(name="改名县")
        again = regions_load(actor=None, paths=HUNAN_FILES, province="43")
        assert (again.added, again.changed, again.unchanged) == (0, 1, 31690)
        assert again.changes == ["430523000000：改名县 → 邵阳县"]
        assert Region.objects.get(code="430523000000").name == "邵阳县"
