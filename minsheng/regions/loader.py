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
import io
from dataclasses import dataclass
from pathlib import Path

from minsheng.regions.codes import LEVEL_BY_LENGTH, PREFIX_LENGTH, RegionLevel, pad, parent_code

_PARENT_COLUMNS = {
    "provinceCode": RegionLevel.PROVINCE,
    "cityCode": RegionLevel.CITY,
    "areaCode": RegionLevel.COUNTY,
    "streetCode": RegionLevel.TOWNSHIP,
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


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_region_file(
    path: Path, *, province: str | None = None
) -> tuple[list[RegionRow], list[RowError]]:
    """Parse one file; rows outside ``province`` (a 2-digit code) are skipped."""
    rows: list[RegionRow] = []
    errors: list[RowError] = []
    try:
        handle = _open_text(path)
    except OSError as exc:
        return [], [RowError(str(path), f"无法打开文件（{exc.strerror or exc}）")]
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            if "code" not in header or "name" not in header:
                return [], [RowError(f"{path.name}:1", "表头须包含 code 和 name 两列（china-division CSV 格式）")]
            for line_no, record in enumerate(reader, start=2):
                source = f"{path.name}:{line_no}"
                raw_code = (record.get("code") or "").strip()
                name = (record.get("name") or "").strip()
                if province and not raw_code.startswith(province):
                    continue
                if not raw_code.isascii() or not raw_code.isdigit():
                    errors.append(RowError(source, f"区划代码「{raw_code}」不是数字"))
                    continue
                level = LEVEL_BY_LENGTH.get(len(raw_code))
                if level is None:
                    errors.append(RowError(
                        source, f"区划代码「{raw_code}」应为 2、4、6、9 或 12 位，实为 {len(raw_code)} 位"
                    ))
                    continue
                if not name:
                    errors.append(RowError(source, f"区划代码 {raw_code} 缺少名称"))
                    continue
                if len(name) > 100:
                    errors.append(RowError(source, f"区划名称超过 100 字：{name[:20]}…"))
                    continue
                bad_parent = _check_parent_columns(raw_code, record)
                if bad_parent:
                    errors.append(RowError(source, bad_parent))
                    continue
                code = pad(raw_code)
                rows.append(RegionRow(code, name, int(level), parent_code(code, level), source))
        except (UnicodeDecodeError, csv.Error, EOFError, gzip.BadGzipFile) as exc:
            errors.append(RowError(path.name, f"文件无法读取：不是 UTF-8 编码的 CSV 文件（{exc}）"))
    return rows, errors


def _check_parent_columns(raw_code: str, record: dict[str, str | None]) -> str | None:
    for column, level in _PARENT_COLUMNS.items():
        value = (record.get(column) or "").strip()
        if not value:
            continue
        expected = raw_code[: PREFIX_LENGTH[level]]
        if len(raw_code) > len(expected) and value != expected:
            return f"{column} 为 {value}，与区划代码 {raw_code} 的前缀 {expected} 不一致"
    return None
