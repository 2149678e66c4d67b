import datetime as dt
from decimal import Decimal

import pytest
import xlsxwriter

from minsheng.core.tabular import (
    CellError,
    Column,
    TableReadError,
    locate_header,
    normalize_header,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
)

COLUMNS = [
    Column("household_no", "户编号", ("户码",), required=True),
    Column("name", "姓名", ("成员姓名",), required=True),
    Column("id_number", "身份证号", ("身份证号码", "证件号码", "公民身份号码"), required=True),
    Column("birth", "出生日期"),
    Column("wage", "收入工资性", ("工资性收入",)),
]


def write_xlsx(path, build):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("采集表")
    build(workbook, sheet)
    workbook.close()
    return path


class ReadTableTests:
    def test_fills_merged_title_and_two_row_header_when_reading_xlsx(self, tmp_path):
        def build(wb, ws):
            ws.merge_range(0, 0, 0, 4, "邵阳县防返贫监测对象信息采集表")
            ws.merge_range(1, 0, 2, 0, "户编号")
            ws.merge_range(1, 1, 1, 2, "成员信息")
            ws.write_row(2, 1, ["姓名", "证件号码"])
            ws.merge_range(1, 3, 2, 3, "出生日期")
            ws.write(1, 4, "收入")
            ws.write(2, 4, "工资性")
            ws.write_row(3, 0, ["H1", "张三", "430523198001011234", "2023.5.24", 1200])

        table = read_table(write_xlsx(tmp_path / "t.xlsx", build))
        match = locate_header(table.rows, COLUMNS)
        assert match.header_rows == (1, 2)
        assert match.data_start == 3
        assert {c.key for c in match.columns.values()} == {
            "household_no", "name", "id_number", "birth", "wage"}
        assert match.missing_required == []

    def test_reports_missing_required_columns_when_header_lacks_them(self, tmp_path):
        path = tmp_path / "t.csv"
        path.write_text("姓名,出生日期\n张三,2020-01-01\n", encoding="utf-8")
        match = locate_header(read_table(path).rows, COLUMNS)
        assert [c.header for c in match.missing_required] == ["户编号", "身份证号"]

    def test_reads_gbk_csv_in_any_column_order(self, tmp_path):
        path = tmp_path / "t.csv"
        path.write_bytes("公民身份号码,户码,成员姓名\n430523198001011234,H1,张三\n".encode("gbk"))
        table = read_table(path)
        match = locate_header(table.rows, COLUMNS)
        assert [match.columns[i].key for i in sorted(match.columns)] == [
            "id_number", "household_no", "name"]

    def test_refuses_unknown_file_type(self, tmp_path):
        path = tmp_path / "t.txt"
        path.write_text("x")
        with pytest.raises(TableReadError) as exc:
            read_table(path)
        assert exc.value.message == "不支持的文件类型「.txt」，请上传 xlsx、xls 或 csv 文件。"

    def test_refuses_a_corrupt_spreadsheet(self, tmp_path):
        path = tmp_path / "t.xlsx"
        path.write_bytes(b"not a zip")
        with pytest.raises(TableReadError) as exc:
            read_table(path)
        assert exc.value.message.startswith("无法读取表格文件")

    def test_refuses_a_sheet_without_any_known_header(self):
        with pytest.raises(TableReadError) as exc:
            locate_header([["a", "b"], ["1", "2"]], COLUMNS)
        assert exc.value.message.startswith("没有找到表头")

    def test_flags_a_column_named_twice(self):
        match = locate_header([["户编号", "姓名", "身份证号", "证件号码"]], COLUMNS)
        assert match.duplicated == ["身份证号"]


class HeaderNormalizationTests:
    @pytest.mark.parametrize("raw", ["身份证号码（必填）", " 身份证 号码 ", "*身份证号码", "身份证号码:"])
    def test_strips_noise_when_normalizing(self, raw):
        assert normalize_header(raw) == "身份证号码"


class CellParserTests:
    @pytest.mark.parametrize(
        "raw",
        ["2023-05-24", "2023.5.24", "2023/5/24", "2023年5月24日", "20230524", 45070,
         dt.date(2023, 5, 24), dt.datetime(2023, 5, 24, 8, 0, tzinfo=dt.UTC), "２０２３年５月２４日"],
    )
    def test_parses_dates_clerks_type(self, raw):
        assert parse_date(raw) == dt.date(2023, 5, 24)

    def test_refuses_impossible_dates(self):
        with pytest.raises(CellError) as exc:
            parse_date("2023.2.30")
        assert exc.value.message == "「2023.2.30」不是有效日期。"

    def test_refuses_text_that_is_no_date(self):
        with pytest.raises(CellError) as exc:
            parse_date("去年")
        assert exc.value.message == "「去年」不是日期，请写成 2023-05-24 或 2023年5月24日。"

    @pytest.mark.parametrize("raw,expected", [
        ("1,234.50", Decimal("1234.50")), ("１２３４", Decimal("1234")), ("800元", Decimal("800")),
        (1200.5, Decimal("1200.5")), ("", None)])
    def test_parses_amounts(self, raw, expected):
        assert parse_decimal(raw) == expected

    def test_refuses_negative_amounts_unless_allowed(self):
        with pytest.raises(CellError) as exc:
            parse_decimal("-5")
        assert exc.value.message == "「-5」不能为负数。"
        assert parse_decimal("-5", allow_negative=True) == Decimal("-5")

    def test_refuses_fractional_integers(self):
        with pytest.raises(CellError) as exc:
            parse_int("3.5")
        assert exc.value.message == "「3.5」应为整数。"

    def test_parses_yes_no(self):
        assert parse_bool("是") is True
        assert parse_bool("否") is False
        assert parse_bool("√") is True
        with pytest.raises(CellError) as exc:
            parse_bool("也许")
        assert exc.value.message == "「也许」应填“是”或“否”。"

    def test_parses_choices_by_label_or_synonym(self):
        choices = {"健康": "healthy", "长期慢性病": "chronic"}
        assert parse_choice(" 健康 ", choices) == "healthy"
        assert parse_choice("慢性病", choices, {"慢性病": "chronic"}) == "chronic"
        with pytest.raises(CellError) as exc:
            parse_choice("很好", choices)
        assert exc.value.message == "「很好」不是可选值，应为：健康、长期慢性病。"
