"""Reading spreadsheets that real government offices produce (表格导入的容错读取).

One module for every import: python-calamine reads .xlsx/.xlsm/.xls/.ods, the csv module reads
.csv (UTF-8 with or without BOM, or GB18030). :func:`locate_header` finds the header row under
title rows, understands merged and two-row headers, column synonyms and any column order.
The cell parsers turn what clerks type (全角数字, stray spaces, 2023.5.24, 2023年5月24日, Excel date
serials, 1,234.50元) into values, or raise :class:`CellError` with a Chinese message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES | {".csv"}
_HEADER_SCAN_ROWS = 20


class TableReadError(Exception):
    """The file as a whole cannot be read; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class CellError(ValueError):
    """One cell cannot be understood; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    """One column of an import/export layout (列定义)."""

    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    width: int = 14

    def labels(self) -> tuple[str, ...]:
        return _labels(self.header, self.synonyms)


@dataclass
class Table:
    rows: list[list[Any]]
    sheet_name: str = ""


@dataclass
class StreamedTable:
    """The first rows (for finding the header) and an iterator over the rest, so a
    province-size sheet is never held as Python objects all at once."""

    head: list[list[Any]]
    rest: Iterator[list[Any]]
    sheet_name: str = ""

    def rows(self) -> Iterator[list[Any]]:
        yield from self.head
        yield from self.rest


@dataclass
class HeaderMatch:
    header_rows: tuple[int, ...]  # 0-based indexes of the header row(s)
    data_start: int  # 0-based index of the first data row
    columns: dict[int, Column]  # sheet column index → spec column
    missing_required: list[Column] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)


# --- Reading --------------------------------------------------------------------------------

def read_table(path: Path, *, original_name: str | None = None) -> Table:
    """The first sheet of a spreadsheet (merged cells filled) or a CSV file, as rows."""
    name = original_name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise TableReadError(f"不支持的文件类型「{suffix or '无扩展名'}」，请上传 xlsx、xls 或 csv 文件。")
    if suffix == ".csv":
        return Table(rows=_read_csv(path.read_bytes()), sheet_name=name)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        merged = sheet.merged_cell_ranges or []
    except (CalamineError, OSError, ValueError) as exc:
        raise TableReadError(f"无法读取表格文件，文件可能已损坏或不是 {suffix} 格式（{exc}）。") from exc
    _fill_merged(rows, merged)
    return Table(rows=rows, sheet_name=sheet.name)


def stream_table(path: Path, *, original_name: str | None = None,
                 head_rows: int = _HEADER_SCAN_ROWS + 2) -> StreamedTable:
    """Like :func:`read_table`, streaming: merged cells are filled as the rows go by."""
    name = original_name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise TableReadError(f"不支持的文件类型「{suffix or '无扩展名'}」，请上传 xlsx、xls 或 csv 文件。")
    if suffix == ".csv":
        rows: Iterator[list[Any]] = iter(_read_csv(path.read_bytes()))
        sheet_name = name
    else:
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheet = workbook.get_sheet_by_index(0)
            merged = list(sheet.merged_cell_ranges or [])
            rows = _filled(sheet.iter_rows(), merged)
            sheet_name = sheet.name
        except (CalamineError, OSError, ValueError) as exc:
            raise TableReadError(
                f"无法读取表格文件，文件可能已损坏或不是 {suffix} 格式（{exc}）。") from exc
    head = []
    for row in rows:
        head.append(row)
        if len(head) >= head_rows:
            break
    return StreamedTable(head=head, rest=rows, sheet_name=sheet_name)


def _filled(source: Iterable[Sequence[Any]], merged: Sequence[Any]) -> Iterator[list[Any]]:
    """Rows with each merged range's top-left value copied into the whole range."""
    if not merged:  # the usual case: the rows as calamine gives them (fresh lists)
        yield from source  # type: ignore[misc]
        return
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for (r0, c0), (r1, c1) in merged:
        starts.setdefault(r0, []).append((r0, c0, r1, c1))
    active: list[tuple[int, int, int, Any]] = []  # (last row, first col, last col, value)
    for index, cells in enumerate(source):
        row = list(cells)
        for _r0, c0, r1, c1 in starts.get(index, ()):
            active.append((r1, c0, c1, row[c0] if c0 < len(row) else ""))
        if active:
            for _last, c0, c1, value in active:
                if len(row) <= c1:
                    row.extend([""] * (c1 + 1 - len(row)))
                for c in range(c0, c1 + 1):
                    row[c] = value
            active = [a for a in active if a[0] > index]
        yield row


def _read_csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    raise TableReadError("CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码。")


def _fill_merged(rows: list[list[Any]], merged: Sequence[Any]) -> None:
    """Copy the value of each merged range's top-left cell into the whole range."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = value


# --- Headers --------------------------------------------------------------------------------

_BRACKETED = re.compile(r"[(\[（【<《].*?[)\]）】>》]")
_HEADER_NOISE = re.compile(r"[\s*＊:：_\-—、.。]+")


@lru_cache(maxsize=1024)
def _labels(header: str, synonyms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalize_header(x) for x in (header, *synonyms))


def normalize_header(text: Any) -> str:
    """身份证号码（必填）, ' 身份证 号码 ', '*身份证号码' → '身份证号码'."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = _BRACKETED.sub("", value)
    return _HEADER_NOISE.sub("", value).lower()


def _match(label: str, columns: Sequence[Column]) -> Column | None:
    if not label:
        return None
    for column in columns:
        if label in column.labels():
            return column
    return None


def locate_header(rows: Sequence[Sequence[Any]], columns: Sequence[Column]) -> HeaderMatch:
    """Find the header: the row (or pair of rows) under any title rows that names most columns.

    A two-row header is read as parent/child: a child label wins, then the parent's, then both
    joined (成员信息 / 姓名 → 姓名; 收入 / 工资性 → 收入工资性).
    """
    best: HeaderMatch | None = None
    best_score = 0
    for start in range(min(_HEADER_SCAN_ROWS, len(rows))):
        for height in (1, 2):
            if start + height > len(rows):
                continue
            mapping: dict[int, Column] = {}
            duplicated: list[str] = []
            width = max(len(rows[start + k]) for k in range(height))
            for col in range(width):
                cells = [rows[start + k][col] if col < len(rows[start + k]) else ""
                         for k in range(height)]
                candidates = [normalize_header(c) for c in cells]
                if height == 2:
                    parent, child = candidates
                    candidates = [child, parent, parent + child]
                for label in candidates:
                    column = _match(label, columns)
                    if column is not None:
                        if column in mapping.values():
                            if height == 1 or label == candidates[0]:
                                duplicated.append(column.header)
                            break
                        mapping[col] = column
                        break
            score = len(mapping)
            if score > best_score:
                best_score = score
                best = HeaderMatch(
                    header_rows=tuple(range(start, start + height)), data_start=start + height,
                    columns=mapping, duplicated=sorted(set(duplicated)),
                )
    if best is None:
        raise TableReadError("没有找到表头：前 20 行中没有一行包含模板中的列名，请使用导入模板。")
    found = set(best.columns.values())
    best.missing_required = [c for c in columns if c.required and c not in found]
    return best


# --- Cells ----------------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def clean_text(value: Any) -> str:
    """Text as typed, full-width letters and digits made half-width, outer spaces removed.

    An integral float (Excel's way of storing 13812345678) becomes its digits.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        if value.isascii():
            return " ".join(value.split())
        return " ".join(unicodedata.normalize("NFKC", value).split())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def is_blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, str):
        return not value.strip()
    return False


def parse_date(value: Any) -> dt.date | None:
    """2023-05-24, 2023.5.24, 2023/5/24, 2023年5月24日, 20230524, Excel serial, date cells."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 100000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError(f"「{clean_text(value)}」不是日期。")
    text = clean_text(value)
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match:
        year, month, day = (int(x) for x in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise CellError(f"「{text}」不是有效日期。") from None
    if re.fullmatch(r"\d+(?:\.0+)?", text):
        return parse_date(float(text))
    raise CellError(f"「{text}」不是日期，请写成 2023-05-24 或 2023年5月24日。")


def parse_decimal(value: Any, *, allow_negative: bool = False) -> Decimal | None:
    """1234.5, '1,234.50', '１２３４', '1234元' → Decimal; blank → None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"「{value}」不是数字。")
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = clean_text(value).replace(",", "").replace("，", "").replace(" ", "")
        text = text.removesuffix("元")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(f"「{clean_text(value)}」不是数字。") from None
    if not number.is_finite():
        raise CellError(f"「{clean_text(value)}」不是数字。")
    if number < 0 and not allow_negative:
        raise CellError(f"「{clean_text(value)}」不能为负数。")
    return number


def parse_int(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    number = parse_decimal(value, allow_negative=True)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(f"「{clean_text(value)}」应为整数。")
    result = int(number)
    if minimum is not None and result < minimum:
        raise CellError(f"「{result}」不能小于 {minimum}。")
    if maximum is not None and result > maximum:
        raise CellError(f"「{result}」不能大于 {maximum}。")
    return result


_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "已参加", "参加", "已参保", "参保"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "✗", "未参加", "不参加", "未参保", "没有"}


def parse_bool(value: Any) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"「{clean_text(value)}」应填“是”或“否”。")


def parse_choice(value: Any, choices: Mapping[str, str],
                 synonyms: Mapping[str, str] | None = None) -> str | None:
    """A Chinese label (or a synonym) → the stored value; blank → None."""
    if is_blank(value):
        return None
    text = normalize_header(value)
    for label, stored in choices.items():
        if normalize_header(label) == text:
            return stored
    for label, stored in (synonyms or {}).items():
        if normalize_header(label) == text:
            return stored
    allowed = "、".join(choices)
    raise CellError(f"「{clean_text(value)}」不是可选值，应为：{allowed}。")
