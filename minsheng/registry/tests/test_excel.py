"""The registry import (staged, atomic) and export (round trip, masking)."""

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import File
from python_calamine import CalamineWorkbook

from minsheng.core.batches import ImportStatus
from minsheng.core.imports import batch_apply, batch_create, batch_validate, error_workbook
from minsheng.core.models import AuditEvent
from minsheng.registry.excel import COLUMNS
from minsheng.registry.models import Household, HouseholdChange, IncomeLedger, Member, SearchKey
from minsheng.registry.selectors import household_list
from minsheng.registry.services import household_register, registry_export
from minsheng.registry.testing import make_id, member_data
from minsheng.testing import VILLAGE_A

HEAD_ID = make_id(dt.date(1980, 1, 1), 1)
SPOUSE_ID = make_id(dt.date(1982, 3, 4), 2, male=False)
CHILD_ID = make_id(dt.date(2012, 9, 1), 3)

HEADER = ["户编号", "乡镇", "村", "姓名", "证件号码", "与户主关系", "出生日期", "健康状况",
          "医保", "收入年度", "工资性收入", "低保金"]


def good_rows():
    return [
        ["H100", "塘渡口镇", "大岭社区", "曾祥月", HEAD_ID, "户主", "1980.1.1", "健康", "是",
         2025, 12000, 0],
        ["H100", "塘渡口镇", "大岭社区", "李芳", SPOUSE_ID, "妻子", "1982年3月4日", "长期慢性病",
         "是", 2025, 12000, 0],
        ["H100", "塘渡口镇", "大岭社区", "曾小明", CHILD_ID, "儿子", "", "健康", "否", 2025,
         12000, 0],
    ]


def write_sheet(path: Path, rows, *, header=HEADER, title=True) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    start = 0
    if title:
        sheet.merge_range(0, 0, 0, len(header) - 1, "邵阳县防止返贫监测信息采集表（2025年）")
        start = 1
    sheet.write_row(start, 0, header)
    for i, row in enumerate(rows, start=start + 1):
        for j, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(i, j, value)
            else:
                sheet.write_string(i, j, value)
    book.close()
    return path


def upload(actor, path: Path):
    with path.open("rb") as handle:
        batch = batch_create(actor=actor, kind="registry", uploaded=File(handle, name=path.name))
    return batch_validate(batch=batch)


def errors_of(batch):
    return [(e["row"], e["column"], e["message"]) for r in batch.rows.all() for e in r.errors]


class ImportCleanFileTests:
    def test_previews_counts_then_applies_everything(self, personas, tmp_path):
        actor = personas["village_monitor"]
        batch = upload(actor, write_sheet(tmp_path / "a.xlsx", good_rows()))
        assert batch.status == ImportStatus.VALIDATED, errors_of(batch)
        assert batch.summary["households_new"] == 1
        assert batch.summary["members_new"] == 3
        assert not Household.objects.exists()  # the preview writes nothing
        batch = batch_apply(actor=actor, batch=batch)
        assert batch.status == ImportStatus.APPLIED
        household = Household.objects.get(household_no="H100")
        assert household.region_id == VILLAGE_A
        assert household.head_name == "曾祥月"
        child = Member.objects.get(id_number=CHILD_ID)
        assert child.medical_insurance is False
        assert household.ledgers.get(year=2025).wage_income == 12000
        assert AuditEvent.objects.filter(event_type="IMPORT_APPLIED").count() == 1

    def test_reimporting_the_same_file_changes_nothing(self, personas, tmp_path):
        actor = personas["village_monitor"]
        path = write_sheet(tmp_path / "a.xlsx", good_rows())
        batch_apply(actor=actor, batch=upload(actor, path))
        history = HouseholdChange.objects.count()
        again = upload(actor, path)
        assert again.summary["households_unchanged"] == 1
        assert again.summary["members_unchanged"] == 3
        assert again.summary["ledgers_unchanged"] == 1
        batch_apply(actor=actor, batch=again)
        assert HouseholdChange.objects.count() == history

    def test_reads_a_legacy_xls_workbook(self, personas):
        """A .xls (Excel 97–2003) file as counties still keep them: merged title row, a real
        date cell, numbers stored as numbers (fixtures/README.md)."""
        actor = personas["village_monitor"]
        batch = upload(actor, Path(__file__).parent / "fixtures" / "registry-2025.xls")
        assert batch.status == ImportStatus.VALIDATED, errors_of(batch)
        assert batch.summary["members_new"] == 3
        batch = batch_apply(actor=actor, batch=batch)
        assert batch.status == ImportStatus.APPLIED
        head = Member.objects.get(id_number=HEAD_ID)
        assert head.birth_date == dt.date(1980, 1, 1)
        assert head.household.ledgers.get(year=2025).wage_income == 12000

    def test_reads_csv_with_gbk_encoding(self, personas, tmp_path):
        path = tmp_path / "a.csv"
        lines = [",".join(HEADER)] + [",".join(str(v) for v in r) for r in good_rows()]
        path.write_bytes("\n".join(lines).encode("gbk"))
        batch = upload(personas["village_monitor"], path)
        assert batch.status == ImportStatus.VALIDATED, errors_of(batch)

    def test_applies_changed_values_as_updates(self, personas, tmp_path):
        actor = personas["village_monitor"]
        batch_apply(actor=actor, batch=upload(actor, write_sheet(tmp_path / "a.xlsx",
                                                                  good_rows())))
        rows = good_rows()
        rows[1][7] = "大病"
        batch = upload(actor, write_sheet(tmp_path / "b.xlsx", rows))
        assert batch.summary["members_changed"] == 1
        batch_apply(actor=actor, batch=batch)
        assert Member.objects.get(id_number=SPOUSE_ID).health == "serious"


class ImportRejectionTests:
    def reject(self, personas, tmp_path, rows, **kwargs):
        batch = upload(personas["village_monitor"], write_sheet(tmp_path / "x.xlsx", rows,
                                                                **kwargs))
        assert batch.status == ImportStatus.REJECTED
        assert not Household.objects.exists()
        return errors_of(batch)

    def test_one_bad_row_writes_nothing(self, personas, tmp_path):
        rows = good_rows()
        rows[2][4] = CHILD_ID[:17] + ("0" if CHILD_ID[17] != "0" else "1")
        errors = self.reject(personas, tmp_path, rows)
        assert errors == [(5, "身份证号", "身份证号校验位不正确，请核对后重新录入。")]

    def test_refuses_ids_excel_stored_as_numbers(self, personas, tmp_path):
        rows = good_rows()
        rows[1][4] = 430523198203042000.0
        errors = self.reject(personas, tmp_path, rows)
        assert errors[0][2].startswith("身份证号被 Excel 存成了数字")

    def test_refuses_duplicate_ids_within_the_file(self, personas, tmp_path):
        rows = good_rows()
        rows[2][4] = SPOUSE_ID
        rows[2][6] = ""
        errors = self.reject(personas, tmp_path, rows)
        assert (5, "身份证号", "身份证号与第 4 行（户编号 H100）重复。") in errors

    def test_refuses_text_longer_than_its_column(self, personas, tmp_path):
        header = [*HEADER, "家庭住址", "民族"]
        rows = [[*row, "址" * 201, "汉族"] for row in good_rows()]
        rows[1][0 + len(HEADER) + 1] = "族" * 21
        rows[2][3] = "名" * 65
        errors = self.reject(personas, tmp_path, rows, header=header)
        assert (3, "家庭住址", "「家庭住址」最长 200 个字，实为 201 个。") in errors
        assert (4, "民族", "「民族」最长 20 个字，实为 21 个。") in errors
        assert (5, "姓名", "「姓名」最长 64 个字，实为 65 个。") in errors

    def test_refuses_households_without_exactly_one_head(self, personas, tmp_path):
        rows = good_rows()
        rows[1][5] = "户主"
        errors = self.reject(personas, tmp_path, rows)
        assert (3, "与户主关系", "户编号「H100」须有且只有一名户主，文件中有 2 名。") in errors

    def test_refuses_a_member_of_another_active_household(self, personas, tmp_path):
        household_register(actor=personas["village_monitor"], household_no="H001",
                           region_code=VILLAGE_A,
                           members=[member_data("曾祥月", dt.date(1980, 1, 1), 1)])
        batch = upload(personas["village_monitor"], write_sheet(tmp_path / "x.xlsx",
                                                                good_rows()))
        assert (3, "身份证号", "该成员已是在册农户（户编号 H001）的成员，一人只能在一个在册农户中。") \
            in errors_of(batch)
        assert not Household.objects.filter(household_no="H100").exists()

    def test_refuses_villages_outside_scope(self, personas, tmp_path):
        rows = good_rows()
        for row in rows:
            row[1], row[2] = "桃花坪街道", "荷叶塘社区"
        errors = self.reject(personas, tmp_path, rows)
        assert (3, "行政村（社区）", "「桃花坪街道荷叶塘社区」不存在或不在您的管辖范围内。") in errors

    def test_refuses_household_columns_that_disagree(self, personas, tmp_path):
        rows = good_rows()
        rows[1][2] = "石湾社区"
        errors = self.reject(personas, tmp_path, rows)
        assert (4, "行政村（社区）", "同一户（户编号 H100）的「行政村（社区）」与第 3 行不一致。") in errors

    def test_refuses_a_birth_date_that_disagrees_with_the_id(self, personas, tmp_path):
        rows = good_rows()
        rows[0][6] = "1980-01-02"
        errors = self.reject(personas, tmp_path, rows)
        assert (3, "出生日期", "出生日期 1980-01-02 与身份证号中的 1980-01-01 不一致。") in errors

    def test_refuses_a_file_without_a_required_column(self, personas, tmp_path):
        header = [h for h in HEADER if h != "证件号码"]
        rows = [r[:4] + r[5:] for r in good_rows()]
        errors = self.reject(personas, tmp_path, rows, header=header)
        assert errors == [(0, "身份证号", "缺少必填列「身份证号」。")]

    def test_refuses_unknown_choice_values(self, personas, tmp_path):
        rows = good_rows()
        rows[0][7] = "还行"
        errors = self.reject(personas, tmp_path, rows)
        assert (3, "健康状况", "「还行」不是可选值，应为：健康、长期慢性病、大病、残疾。") in errors

    def test_a_wrong_cell_does_not_hide_the_right_ones_of_its_row(self, personas, tmp_path):
        """Member cells are parsed as a combination; one bad cell reports itself only."""
        rows = good_rows()
        rows[0][7] = "还行"
        rows[1][7] = "还行"
        errors = self.reject(personas, tmp_path, rows)
        assert [e for e in errors if e[0] in (3, 4)] == [
            (3, "健康状况", "「还行」不是可选值，应为：健康、长期慢性病、大病、残疾。"),
            (4, "健康状况", "「还行」不是可选值，应为：健康、长期慢性病、大病、残疾。")]

    def test_error_workbook_lists_the_rows_with_their_messages(self, personas, tmp_path):
        rows = good_rows()
        rows[0][7] = "还行"
        batch = upload(personas["village_monitor"], write_sheet(tmp_path / "x.xlsx", rows))
        with error_workbook(actor=personas["village_monitor"], batch=batch) as handle:
            out = tmp_path / "errors.xlsx"
            out.write_bytes(handle.read())
        book = CalamineWorkbook.from_path(str(out))
        problems = book.get_sheet_by_name("问题行").to_python()
        assert problems[0][0] == "原行号"
        assert problems[1][0] == 3
        assert "健康状况：「还行」不是可选值" in problems[1][-2]


class ExportTests:
    def test_export_then_import_round_trips_without_changes(self, personas, tmp_path):
        actor = personas["township_station"]  # may see full ID numbers
        batch_apply(actor=actor, batch=upload(actor, write_sheet(tmp_path / "a.xlsx",
                                                                  good_rows())))
        handle, count = registry_export(actor=actor, households=household_list(actor=actor),
                                        filters={})
        assert count == 3
        exported = tmp_path / "export.xlsx"
        exported.write_bytes(handle.read())
        again = upload(actor, exported)
        assert again.status == ImportStatus.VALIDATED, errors_of(again)
        assert again.summary["households_unchanged"] == 1
        assert again.summary["members_unchanged"] == 3
        assert again.summary["ledgers_unchanged"] == 1

    def test_export_masks_ids_for_roles_that_cannot_reveal(self, personas, tmp_path):
        actor = personas["village_monitor"]
        batch_apply(actor=actor, batch=upload(actor, write_sheet(tmp_path / "a.xlsx",
                                                                  good_rows())))
        handle, _count = registry_export(actor=actor, households=household_list(actor=actor),
                                         filters={})
        exported = tmp_path / "export.xlsx"
        exported.write_bytes(handle.read())
        rows = CalamineWorkbook.from_path(str(exported)).get_sheet_by_index(0).to_python()
        id_col = [c.header for c in COLUMNS].index("身份证号")
        assert rows[1][id_col] == HEAD_ID[:6] + "********" + HEAD_ID[-4:]
        event = AuditEvent.objects.filter(event_type="EXPORTED").latest("id")
        assert event.extra["rows"] == 3
        assert event.extra["revealed"] is False

    def test_export_neutralises_formula_like_text(self, personas, tmp_path):
        actor = personas["township_station"]
        household_register(actor=actor, household_no="H200", region_code=VILLAGE_A,
                           members=[member_data("甲", dt.date(1980, 1, 1), 7)],
                           address="=HYPERLINK(\"http://x\")")
        handle, _count = registry_export(actor=actor, households=household_list(actor=actor),
                                         filters={})
        exported = tmp_path / "export.xlsx"
        exported.write_bytes(handle.read())
        rows = CalamineWorkbook.from_path(str(exported)).get_sheet_by_index(0).to_python()
        address_col = [c.header for c in COLUMNS].index("家庭住址")
        assert rows[1][address_col] == "'=HYPERLINK(\"http://x\")"


@pytest.mark.parametrize("header", [["户编号", "村", "姓名", "身份证号码", "与户主关系"],
                                    ["户码", "村名", "成员姓名", "公民身份号码", "关系"]])
def test_header_synonyms_are_recognised(header, personas, tmp_path):
    rows = [["H300", "大岭社区", "甲", make_id(dt.date(1990, 1, 1), 11), "户主"]]
    batch = upload(personas["village_monitor"], write_sheet(tmp_path / "s.xlsx", rows,
                                                            header=header, title=False))
    assert batch.status == ImportStatus.VALIDATED, errors_of(batch)


def test_household_cells_merged_across_member_rows_are_read(personas, tmp_path):
    """Government sheets merge the household columns vertically over the members' rows."""
    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["户编号", "乡镇", "村", "姓名", "身份证号", "与户主关系"])
    sheet.merge_range(1, 0, 3, 0, "H500")
    sheet.merge_range(1, 1, 3, 1, "塘渡口镇")
    sheet.merge_range(1, 2, 3, 2, "大岭社区")
    for i, (name, number, relation) in enumerate([("曾祥月", HEAD_ID, "户主"),
                                                  ("李芳", SPOUSE_ID, "配偶"),
                                                  ("曾小明", CHILD_ID, "之子")], start=1):
        sheet.write_row(i, 3, [name, number, relation])
    book.close()
    batch = upload(personas["village_monitor"], path)
    assert batch.status == ImportStatus.VALIDATED, errors_of(batch)
    assert batch.summary["households_new"] == 1
    assert batch.summary["members_new"] == 3


class ParallelCheckTests:
    """Large files are checked on two processes; the outcome must be the serial one."""

    def rows(self):
        rows = []
        for n, base in enumerate((0, 10, 20)):
            ids = [make_id(dt.date(1970 + n, 1, 1), base + 1),
                   make_id(dt.date(1971 + n, 2, 2), base + 2, male=False)]
            rows += [[f"P{n}", "塘渡口镇", "大岭社区", f"户主{n}", ids[0], "户主", "", "健康", "是",
                      2025, 1000, 0],
                     [f"P{n}", "塘渡口镇", "大岭社区", f"配偶{n}", ids[1], "妻子", "", "健康", "是",
                      2025, 1000, 0]]
        rows[1][6] = "1999-01-01"  # first half: birth date disagrees with the ID
        rows[5][7] = "还行"  # second half: not a choice
        rows[4][4] = rows[0][4]  # second half repeats an ID of the first half
        return rows

    def outcome(self, personas, tmp_path, monkeypatch, minimum):
        from minsheng.registry import excel

        monkeypatch.setattr(excel, "PARALLEL_CHECK_MIN", minimum)
        batch = upload(personas["village_monitor"],
                       write_sheet(tmp_path / f"p{minimum}.xlsx", self.rows()))
        return batch.status, errors_of(batch)

    def test_two_processes_find_what_one_finds(self, personas, tmp_path, monkeypatch):
        from minsheng.registry import excel

        serial = self.outcome(personas, tmp_path, monkeypatch, 10**9)
        forks = []
        two = excel._check_in_two_processes
        monkeypatch.setattr(excel, "_check_in_two_processes",
                            lambda *args: forks.append(1) or two(*args))
        monkeypatch.setattr(excel, "can_fork", lambda: True)
        parallel = self.outcome(personas, tmp_path, monkeypatch, 2)
        assert forks == [1]
        assert serial == parallel
        assert serial[0] == ImportStatus.REJECTED
        messages = {(row, column) for row, column, _message in serial[1]}
        assert {(4, "出生日期"), (8, "健康状况"), (7, "身份证号")} <= messages


def index_names(model) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name for name, info in constraints.items() if info["index"]}


def foreign_keys(model) -> set[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {(name, info["foreign_key"]) for name, info in constraints.items()
            if info["foreign_key"]}


class DeferredIndexTests:
    """A first load drops the secondary indexes and builds them again (core.bulk)."""

    MODELS = (Household, Member, HouseholdChange)

    def test_indexes_are_built_again_after_a_first_load(self, personas, tmp_path):
        before = {m: index_names(m) for m in self.MODELS}
        keys = {m: foreign_keys(m) for m in self.MODELS}
        actor = personas["village_monitor"]
        batch_apply(actor=actor, batch=upload(actor, write_sheet(tmp_path / "a.xlsx",
                                                                 good_rows())))
        assert Member.objects.count() == 3
        assert {m: index_names(m) for m in self.MODELS} == before
        assert all(before.values())
        # PostgreSQL drops the keys among the loaded tables during the load: all are back.
        assert {m: foreign_keys(m) for m in self.MODELS} == keys
        assert all(keys[m] for m in (Member, HouseholdChange))

    def test_a_failed_load_keeps_data_and_indexes_as_they_were(self, personas, tmp_path,
                                                                monkeypatch):
        from minsheng.registry import excel

        before = {m: index_names(m) for m in self.MODELS}
        actor = personas["village_monitor"]
        batch = upload(actor, write_sheet(tmp_path / "a.xlsx", good_rows()))

        def broken(*args, **kwargs):
            raise RuntimeError("磁盘已满")

        monkeypatch.setattr(excel, "_bulk_register", broken)
        with pytest.raises(RuntimeError):
            batch_apply(actor=actor, batch=batch)
        assert not Household.objects.exists()
        assert {m: index_names(m) for m in self.MODELS} == before


def table_rows(model, exclude=("created_at", "updated_at", "at", "import_batch_id")) -> list[tuple]:
    """The table's rows without ids: references to a household give its 户编号 (ids differ
    between runs when PostgreSQL's sequences move on)."""
    numbers = {pk: no for pk, no in Household.objects.values_list("pk", "household_no")}
    fields = [f.attname for f in model._meta.concrete_fields
              if f.attname not in exclude and not f.primary_key]
    rows = []
    for values in model.objects.values_list(*fields):
        row = dict(zip(fields, values, strict=True))
        for name in ("household_id", "subject_id"):
            if name in row:
                row[name] = numbers.get(int(row[name]))
        rows.append(tuple(row.values()))
    return sorted(rows, key=repr)


class SplitWriteTests:
    """Large first loads are written by two processes (core.bulk.insert_in_two_processes): the
    child's rows land in a scratch SQLite file and are copied in inside the transaction."""

    MODELS = (Household, Member, IncomeLedger, SearchKey, HouseholdChange)

    def load(self, personas, tmp_path, monkeypatch, *, split: bool):
        from minsheng.core import bulk
        from minsheng.registry import excel

        calls = []
        two = bulk.insert_in_two_processes
        monkeypatch.setattr(excel, "PARALLEL_CHECK_MIN", 2 if split else 10**9)
        monkeypatch.setattr(bulk, "can_fork", lambda: split)
        monkeypatch.setattr(bulk, "insert_in_two_processes",
                            lambda *a: calls.append(1) or two(*a))
        actor = personas["village_monitor"]
        rows = ParallelCheckTests().rows()
        rows[1][6], rows[5][7], rows[4][4] = "", "健康", make_id(dt.date(1972, 2, 2), 99)
        batch = upload(actor, write_sheet(tmp_path / f"s{split}.xlsx", rows))
        assert batch.status == ImportStatus.VALIDATED, errors_of(batch)
        return actor, batch, calls

    def test_two_writers_write_what_one_writes(self, personas, tmp_path, monkeypatch):
        from django.db import connection, transaction

        from minsheng.core import bulk

        actor, batch, _calls = self.load(personas, tmp_path, monkeypatch, split=False)
        sid = transaction.savepoint()
        batch_apply(actor=actor, batch=batch)
        serial = {m: table_rows(m) for m in self.MODELS}
        transaction.savepoint_rollback(sid)
        assert not Household.objects.exists()

        actor, batch, calls = self.load(personas, tmp_path, monkeypatch, split=True)
        # PostgreSQL writes both halves in this process (COPY is parsed by the server).
        assert bulk.can_split_writes() == (connection.vendor == "sqlite")
        batch_apply(actor=actor, batch=batch)
        assert calls == [1]
        split = {m: table_rows(m) for m in self.MODELS}
        assert split == serial
        assert len(split[Household]) == 3 and len(split[Member]) == 6
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # Values keep their storage class, as if the parent had bound them itself.
                cursor.execute("SELECT DISTINCT typeof(birth_date), typeof(medical_insurance) "
                               "FROM registry_member")
                assert cursor.fetchall() == [("text", "integer")]


    def test_a_failing_child_writes_nothing(self, personas, tmp_path, monkeypatch):

        from minsheng.registry import excel

        actor, batch, _calls = self.load(personas, tmp_path, monkeypatch, split=True)
        write = excel._write_households

        def failing(insert, pairs, start, end, **kwargs):
            if start > 0:  # the child's half
                raise RuntimeError("磁盘已满")
            write(insert, pairs, start, end, **kwargs)

        monkeypatch.setattr(excel, "_write_households", failing)
        with pytest.raises(RuntimeError, match="磁盘已满"):
            batch_apply(actor=actor, batch=batch)
        assert not Household.objects.exists() and not Member.objects.exists()


def _sqlite() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.mark.skipif(not _sqlite(), reason="SQLite only (and the append-only audit table "
                    "cannot be flushed on PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_the_scratch_database_is_detached_after_commit(tmp_path, monkeypatch):
    from django.db import connection, transaction

    from minsheng.core import bulk
    from minsheng.regions.models import Region

    monkeypatch.setattr(bulk, "can_fork", lambda: True)
    fields = ("code", "name", "level")

    def attached():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA database_list")
            return [name for _seq, name, _file in cursor.fetchall()
                    if name.startswith("minsheng_scratch_")]

    before = set(attached())  # left by earlier tests' rolled-back writes, if any
    with transaction.atomic():
        bulk.insert_in_two_processes(
            lambda insert: insert(Region, fields, [("81", "测试省甲", 1)]),
            lambda insert: insert(Region, fields, [("82", "测试省乙", 1)]))
        assert len(set(attached()) - before) == 1
    assert not set(attached()) - before
    assert set(Region.objects.values_list("code", flat=True)) >= {"81", "82"}
