"""Reading one region CSV file (minsheng.regions.loader.read_region_file): no database."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from minsheng.regions.loader import RegionRow, read_region_file

VILLAGES_HEADER = "code,name,streetCode,provinceCode,cityCode,areaCode\n"


def write(tmp_path: Path, name: str, content: str | bytes, *, gz: bool = False) -> Path:
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def errors_of(path: Path, **kwargs) -> list[str]:
    rows, errors = read_region_file(path, **kwargs)
    assert not rows or errors, "expected the file to be refused"
    return [str(e) for e in errors]


class ReadRegionFileRowsTests:
    @pytest.mark.parametrize("name,text,row", [
        ("provinces.csv", "code,name\n43,湖南省\n",
         RegionRow("430000000000", "湖南省", 1, None, "provinces.csv:2")),
        ("cities.csv", "code,name,provinceCode\n4305,邵阳市,43\n",
         RegionRow("430500000000", "邵阳市", 2, "430000000000", "cities.csv:2")),
        ("areas.csv", "code,name,cityCode,provinceCode\n430523,邵阳县,4305,43\n",
         RegionRow("430523000000", "邵阳县", 3, "430500000000", "areas.csv:2")),
        ("streets.csv", "code,name,areaCode,provinceCode,cityCode\n430523100,塘渡口镇,430523,43,4305\n",
         RegionRow("430523100000", "塘渡口镇", 4, "430523000000", "streets.csv:2")),
        ("villages.csv", VILLAGES_HEADER + "430523100001,大岭社区,430523100,43,4305,430523\n",
         RegionRow("430523100001", "大岭社区", 5, "430523100000", "villages.csv:2")),
    ])
    def test_pads_the_code_and_derives_level_and_parent_when_the_row_is_valid(
        self, tmp_path, name, text, row
    ):
        assert read_region_file(write(tmp_path, name, text)) == ([row], [])

    def test_reads_the_same_rows_when_the_file_is_gzip_compressed(self, tmp_path):
        text = "code,name,provinceCode\n4305,邵阳市,43\n4306,岳阳市,43\n"
        plain = read_region_file(write(tmp_path, "cities.csv", text))
        packed = read_region_file(write(tmp_path, "cities.csv.gz", text, gz=True))
        assert [r.code for r in packed[0]] == [r.code for r in plain[0]] == [
            "430500000000", "430600000000"]
        assert packed[0][0].source == "cities.csv.gz:2"
        assert packed[1] == plain[1] == []

    @pytest.mark.parametrize("gz", [False, True])
    def test_recognises_the_header_when_the_file_starts_with_a_bom(self, tmp_path, gz):
        path = write(tmp_path, "provinces.csv" + (".gz" if gz else ""),
                     "\ufeffcode,name\n43,湖南省\n", gz=gz)
        rows, errors = read_region_file(path)
        assert errors == []
        assert [(r.code, r.name) for r in rows] == [("430000000000", "湖南省")]

    def test_trims_spaces_when_code_and_name_are_padded_with_blanks(self, tmp_path):
        rows, _ = read_region_file(write(tmp_path, "cities.csv",
                                         "code,name,provinceCode\n 4305 , 邵阳市 ,43\n"))
        assert [(r.code, r.name) for r in rows] == [("430500000000", "邵阳市")]

    def test_accepts_crlf_line_ends_when_the_file_comes_from_windows(self, tmp_path):
        rows, errors = read_region_file(write(tmp_path, "cities.csv",
                                              "code,name,provinceCode\r\n4305,邵阳市,43\r\n"))
        assert errors == []
        assert [(r.code, r.name, r.source) for r in rows] == [
            ("430500000000", "邵阳市", "cities.csv:2")]

    def test_skips_other_provinces_when_a_province_is_given(self, tmp_path):
        path = write(tmp_path, "cities.csv",
                     "code,name,provinceCode\n1101,市辖区,11\n4305,邵阳市,43\n4401,广州市,44\n")
        rows, errors = read_region_file(path, province="43")
        assert [r.code for r in rows] == ["430500000000"]
        assert errors == []

    def test_ignores_bad_rows_of_other_provinces_when_a_province_is_given(self, tmp_path):
        path = write(tmp_path, "cities.csv", "code,name,provinceCode\n44XX,坏市,44\n4305,邵阳市,43\n")
        rows, errors = read_region_file(path, province="43")
        assert ([r.code for r in rows], errors) == (["430500000000"], [])

    def test_counts_physical_lines_when_the_file_has_blank_lines(self, tmp_path):
        path = write(tmp_path, "cities.csv",
                     "code,name,provinceCode\n\n4305,邵阳市,43\n\n\n4306,岳阳市,43\n")
        rows, errors = read_region_file(path)
        assert errors == []
        assert [r.source for r in rows] == ["cities.csv:3", "cities.csv:6"]


class ReadRegionFileRowErrorsTests:
    @pytest.mark.parametrize("line,message", [
        ("43052310000A,坏村,430523100,43,4305,430523", "区划代码「43052310000A」不是数字"),
        ("４３０５２３１００００１,全角村,430523100,43,4305,430523",
         "区划代码「４３０５２３１００００１」不是数字"),
        (",无码村,430523100,43,4305,430523", "区划代码「」不是数字"),
        ("4305231000011,长村,430523100,43,4305,430523",
         "区划代码「4305231000011」应为 2、4、6、9 或 12 位，实为 13 位"),
        ("43052310001,短村,430523100,43,4305,430523",
         "区划代码「43052310001」应为 2、4、6、9 或 12 位，实为 11 位"),
        ("430523100000,零村,430523100,43,4305,430523",
         "区划代码「430523100000」的本级编号（第 10–12 位）不能全为 0"),
        ("430523100002,,430523100,43,4305,430523", "区划代码 430523100002 缺少名称"),
        ("430523100002,   ,430523100,43,4305,430523", "区划代码 430523100002 缺少名称"),
        ("430523100002", "区划代码 430523100002 缺少名称"),
        ("430523100002," + "长" * 101 + ",430523100,43,4305,430523",
         "区划名称超过 100 字：" + "长" * 20 + "…"),
        ("430523100002,大\x00岭,430523100,43,4305,430523",
         "区划代码 430523100002 的名称含有换行符、制表符等控制字符（引号是否配对？）"),
        ("430523100002,大\t岭,430523100,43,4305,430523",
         "区划代码 430523100002 的名称含有换行符、制表符等控制字符（引号是否配对？）"),
        ("430523100002,错村,430523101,43,4305,430523",
         "streetCode 为 430523101，与区划代码 430523100002 的前缀 430523100 不一致"),
        ("430523100002,错村,430523100,43,4305,430524",
         "areaCode 为 430524，与区划代码 430523100002 的前缀 430523 不一致"),
        ("430523100002,错村,430523100,43,4306,430523",
         "cityCode 为 4306，与区划代码 430523100002 的前缀 4305 不一致"),
        ("430523100002,错村,430523100,44,4305,430523",
         "provinceCode 为 44，与区划代码 430523100002 的前缀 43 不一致"),
    ])
    def test_reports_file_and_line_when_a_village_row_is_bad(self, tmp_path, line, message):
        path = write(tmp_path, "villages.csv",
                     VILLAGES_HEADER + "430523100001,大岭社区,430523100,43,4305,430523\n"
                     + line + "\n")
        assert errors_of(path) == [f"villages.csv:3：{message}"]

    @pytest.mark.parametrize("name,text,message", [
        ("provinces.csv", "code,name\n00,无省\n", "区划代码「00」的本级编号（第 1–2 位）不能全为 0"),
        ("cities.csv", "code,name,provinceCode\n4300,无市,43\n",
         "区划代码「4300」的本级编号（第 3–4 位）不能全为 0"),
        ("areas.csv", "code,name,cityCode,provinceCode\n430500,无县,4305,43\n",
         "区划代码「430500」的本级编号（第 5–6 位）不能全为 0"),
        ("streets.csv", "code,name,areaCode,provinceCode,cityCode\n430523000,无乡,430523,43,4305\n",
         "区划代码「430523000」的本级编号（第 7–9 位）不能全为 0"),
    ])
    def test_refuses_a_code_that_would_pad_to_its_parent_when_its_own_digits_are_zero(
        self, tmp_path, name, text, message
    ):
        assert errors_of(write(tmp_path, name, text)) == [f"{name}:2：{message}"]

    def test_reports_every_bad_row_when_several_are_bad(self, tmp_path):
        path = write(tmp_path, "cities.csv",
                     "code,name,provinceCode\n43X5,甲,43\n4305,邵阳市,43\n4306,,43\n")
        rows, errors = read_region_file(path)
        assert [r.code for r in rows] == ["430500000000"]
        assert [str(e) for e in errors] == [
            "cities.csv:2：区划代码「43X5」不是数字",
            "cities.csv:4：区划代码 4306 缺少名称",
        ]

    def test_refuses_the_row_when_an_unclosed_quote_swallows_the_following_lines(self, tmp_path):
        path = write(tmp_path, "cities.csv",
                     'code,name,provinceCode\n4305,"邵阳市,43\n4306,岳阳市,43\n')
        assert errors_of(path) == [
            "cities.csv:3：区划代码 4305 的名称含有换行符、制表符等控制字符（引号是否配对？）"]

    def test_names_the_physical_line_when_blank_lines_precede_the_bad_row(self, tmp_path):
        path = write(tmp_path, "cities.csv", "code,name,provinceCode\n\n\n43X5,甲,43\n")
        assert errors_of(path) == ["cities.csv:4：区划代码「43X5」不是数字"]


class ReadRegionFileRefusedTests:
    @pytest.mark.parametrize("text", ["id,title\n43,湖南省\n", "代码,名称\n43,湖南省\n",
                                      "code\n43\n", ""])
    def test_refuses_the_file_when_the_header_lacks_code_or_name(self, tmp_path, text):
        rows, errors = read_region_file(write(tmp_path, "x.csv", text))
        assert rows == []
        assert [str(e) for e in errors] == [
            "x.csv:1：表头须包含 code 和 name 两列（china-division CSV 格式）"]

    def test_names_the_undecodable_line_when_the_file_is_not_utf8(self, tmp_path):
        path = write(tmp_path, "cities.csv",
                     "code,name,provinceCode\n4306,Yueyang,43\n4305,邵阳市,43\n".encode("gbk"))
        assert errors_of(path) == [
            "cities.csv:3：不是 UTF-8 编码的 CSV 文件（请另存为 UTF-8 编码后再导入）"]

    def test_names_line_one_when_the_header_is_not_utf8(self, tmp_path):
        path = write(tmp_path, "x.csv", "代码,名称\n".encode("gbk"))
        assert errors_of(path) == [
            "x.csv:1：不是 UTF-8 编码的 CSV 文件（请另存为 UTF-8 编码后再导入）"]

    def test_names_the_undecodable_line_when_a_gzip_file_is_not_utf8(self, tmp_path):
        path = write(tmp_path, "cities.csv.gz",
                     "code,name,provinceCode\n4305,邵阳市,43\n".encode("gb18030"), gz=True)
        assert errors_of(path) == [
            "cities.csv.gz:2：不是 UTF-8 编码的 CSV 文件（请另存为 UTF-8 编码后再导入）"]

    def test_refuses_the_file_when_a_gz_file_is_not_compressed(self, tmp_path):
        path = write(tmp_path, "cities.csv.gz", "code,name,provinceCode\n4305,邵阳市,43\n")
        assert errors_of(path) == [
            "cities.csv.gz:1：不是有效的 gzip 压缩文件（文件已损坏或不完整）"]

    def test_refuses_the_file_when_the_gzip_stream_is_truncated(self, tmp_path):
        data = gzip.compress(("code,name,provinceCode\n" + "4305,邵阳市,43\n" * 50).encode())
        path = write(tmp_path, "cities.csv.gz", data[: len(data) // 2])
        errors = errors_of(path)
        assert len(errors) == 1
        assert errors[0].startswith("cities.csv.gz:")
        assert errors[0].endswith("：不是有效的 gzip 压缩文件（文件已损坏或不完整）")

    def test_refuses_the_file_when_a_row_has_a_bare_carriage_return(self, tmp_path):
        path = write(tmp_path, "cities.csv", "code,name,provinceCode\n4305,邵阳市\r4306,岳阳市,43\n")
        assert errors_of(path) == ["cities.csv:2：CSV 格式错误，无法解析该行（行内有多余的换行符）"]

    def test_says_the_file_does_not_exist_when_the_path_is_wrong(self, tmp_path):
        path = tmp_path / "nowhere.csv"
        assert errors_of(path) == [f"nowhere.csv：文件不存在（{path}）"]

    def test_says_it_is_a_folder_when_the_path_is_a_directory(self, tmp_path):
        path = tmp_path / "folder.csv"
        path.mkdir()
        assert errors_of(path) == [f"folder.csv：这是一个文件夹，不是文件（{path}）"]
