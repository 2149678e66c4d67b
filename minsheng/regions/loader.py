"""Reading region CSV files in the shape of the ``china-division`` package (NBS codes).

Accepted files (plain or gzip-compressed, UTF-8 with or without BOM): ``provinces.csv``
(code,name), ``cities.csv`` (code,name,provinceCode), ``areas.csv`` (code,name,cityCode,
provinceCode), ``streets.csv`` (code,name,areaCode,provinceCode,cityCode) and ``villages.csv``
(code,name,streetCode,provinceCode,cityCode,areaCode). The level of each row follows from the
length of its code (2/4/6/9/12 digits); any parent columns present must agree with the code.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from minsheng.regions.codes import LEVEL_BY_LENGTH, PREFIX_LENGTH, RegionLevel, pad, parent_code

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc: tab, CR, LF, NUL…

# Parent column → length of the code prefix it must equal.
_PARENT_COLUMNS = {
    "provinceCode": PREFIX_LENGTH[RegionLevel.PROVINCE],
    "cityCode": PREFIX_LENGTH[RegionLevel.CITY],
    "areaCode": PREFIX_LENGTH[RegionLevel.COUNTY],
    "streetCode": PREFIX_LENGTH[RegionLevel.TOWNSHIP],
}


@dataclass(frozen=True)
class RegionRow:
    code: str  # padded to 12 digits
    name: str
    level: int
    parent_code: str | None
    source: str  # "file:line" for error messages


@dataclass(frozen=True)
class RowError:
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}：{self.message}"


class _ReadFailed(Exception):
    """Reading stopped at ``line``: the file cannot be decoded or decompressed any further."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _text_lines(handle: IO[bytes]) -> Iterator[str]:
    """The file's lines decoded as UTF-8 (a leading BOM dropped), one at a time, so that an
    undecodable byte is reported on its own line rather than somewhere in an 8 KB chunk."""
    line_no = 0
    try:
        for raw in handle:
            line_no += 1
            text = raw.decode("utf-8")
            yield text.removeprefix("\ufeff") if line_no == 1 else text
    except UnicodeDecodeError as exc:
        raise _ReadFailed(
            line_no, "不是 UTF-8 编码的 CSV 文件（请另存为 UTF-8 编码后再导入）"
        ) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise _ReadFailed(line_no + 1, "不是有效的 gzip 压缩文件（文件已损坏或不完整）") from exc


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _open_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    if isinstance(exc, PermissionError):
        return "没有读取该文件的权限"
    return "无法打开文件"


# Code length → (start, end) of the region's own digits within its code.
_OWN_DIGITS = {2: (0, 2), 4: (2, 4), 6: (4, 6), 9: (6, 9), 12: (9, 12)}


def read_region_file(
    path: Path, *, province: str | None = None
) -> tuple[list[RegionRow], list[RowError]]:
    """Parse one file; rows outside ``province`` (a 2-digit code) are skipped.

    Every error names ``file:line`` (the physical line, so blank lines are counted).
    """
    rows: list[RegionRow] = []
    errors: list[RowError] = []
    try:
        handle = _open_binary(path)
    except OSError as exc:
        return [], [RowError(path.name, f"{_open_error(exc)}（{path}）")]
    with handle:
        reader = csv.DictReader(_text_lines(handle))
        try:
            header = reader.fieldnames or []
            if "code" not in header or "name" not in header:
                return [], [RowError(f"{path.name}:1", "表头须包含 code 和 name 两列（china-division CSV 格式）")]
            for record in reader:
                source = f"{path.name}:{reader.line_num}"
                raw_code = (record.get("code") or "").strip()
                name = (record.get("name") or "").strip()
                if province and not raw_code.startswith(province):
                    continue
                error = _check_row(raw_code, name, record)
                if error:
                    errors.append(RowError(source, error))
                    continue
                level = LEVEL_BY_LENGTH[len(raw_code)]
                code = pad(raw_code)
                rows.append(RegionRow(code, name, int(level), parent_code(code, level), source))
        except _ReadFailed as exc:
            errors.append(RowError(f"{path.name}:{exc.line}", exc.message))
        except csv.Error:
            errors.append(RowError(f"{path.name}:{reader.reader.line_num}",
                                   "CSV 格式错误，无法解析该行（行内有多余的换行符）"))
    return rows, errors


def _check_row(raw_code: str, name: str, record: dict[str, str | None]) -> str | None:
    if not raw_code.isascii() or not raw_code.isdigit():
        return f"区划代码「{raw_code}」不是数字"
    level = LEVEL_BY_LENGTH.get(len(raw_code))
    if level is None:
        return f"区划代码「{raw_code}」应为 2、4、6、9 或 12 位，实为 {len(raw_code)} 位"
    start, end = _OWN_DIGITS[len(raw_code)]
    if not raw_code[start:end].strip("0"):
        return f"区划代码「{raw_code}」的本级编号（第 {start + 1}–{end} 位）不能全为 0"
    if not name:
        return f"区划代码 {raw_code} 缺少名称"
    if len(name) > 100:
        return f"区划名称超过 100 字：{name[:20]}…"
    if _CONTROL.search(name):
        return f"区划代码 {raw_code} 的名称含有换行符、制表符等控制字符（引号是否配对？）"
    return _check_parent_columns(raw_code, record)


def _check_parent_columns(raw_code: str, record: dict[str, str | None]) -> str | None:
    for column, length in _PARENT_COLUMNS.items():
        value = record.get(column)
        if not value or len(raw_code) <= length:
            continue
        value = value.strip()
        expected = raw_code[:length]
        if value and value != expected:
            return f"{column} 为 {value}，与区划代码 {raw_code} 的前缀 {expected} 不一致"
    return None
