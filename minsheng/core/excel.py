"""Writing spreadsheets with xlsxwriter (the project's one writer of .xlsx files)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter


def write_workbook(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
                   widths: Sequence[int] | None = None) -> tuple[tempfile._TemporaryFileWrapper[bytes], int]:
    """Write one sheet (a header row, then rows) to a temporary file; returns it and the count.

    ``constant_memory`` keeps memory flat however many rows are written.
    """
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to caller
    workbook = xlsxwriter.Workbook(handle.name, {"constant_memory": True, "strings_to_numbers": False,
                                                 "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, (widths[col] if widths else 16))
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(count, col, value)
            else:
                sheet.write_string(count, col, str(value))
    sheet.freeze_panes(1, 0)
    workbook.close()
    handle.seek(0)
    return handle, count
