"""Import of 务工规模 targets (务工规模目标导入) on the staged pipeline of ``core.imports``.

The sheet has the shape of a target decomposition table (目标任务分解表, as in seed 002: the
yearly task "逐月分解下达至各县"): one row per county (or city, province) and year, a whole-year
column and one column per month. Every filled number becomes (or corrects) the target of that
region and month; an empty cell leaves that month alone. The checks that need the database
(region in scope, county level or above) run again inside the applying transaction; one error
anywhere and nothing is written.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import transaction

from minsheng.core.audit import record_event, record_events_bulk
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.imports import (
    ImportRejected,
    Issue,
    Progress,
    ValidationResult,
    register_importer,
    validation_of,
)
from minsheng.core.models import AuditEventType, User
from minsheng.core.tabular import (
    CellError,
    Column,
    TableReadError,
    clean_text,
    is_blank,
    locate_header,
    parse_int,
    read_table,
)
from minsheng.employment.stats.models import YEARLY, EmploymentTarget
from minsheng.employment.stats.services import MAX_TARGET, target_region

_MONTH_NAMES = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def _month_synonyms(n: int) -> tuple[str, ...]:
    chinese = _MONTH_NAMES[n - 1]
    return (f"{n}月份", f"{n:02d}月", f"{chinese}月", f"{chinese}月份", f"{n}月目标")


REGION = Column("region", "区划代码", ("县级区划代码", "行政区划代码", "统计用区划代码", "代码"),
                required=True, help="县级 6 位或 12 位区划代码（市、省级也可）")
YEAR = Column("year", "年度", ("年份", "目标年度", "年"), required=True, help="如 2026")
YEARLY_COLUMN = Column("m0", "全年目标", ("全年", "年度目标", "全年任务", "年度任务", "目标任务数"),
                       help="全年务工规模目标（人）")
MONTH_COLUMNS = [Column(f"m{n}", f"{n}月", _month_synonyms(n), help=f"{n} 月的务工规模目标（人）")
                 for n in range(1, 13)]
COLUMNS = [
    Column("name", "地区", ("县（市、区）", "县市区", "区县", "单位", "地区名称"),
           help="仅供核对，按区划代码导入"),
    REGION, YEAR, YEARLY_COLUMN, *MONTH_COLUMNS,
    Column("reference", "依据文件", ("文件依据", "依据", "文号", "下达文件"), width=28),
]
KIND = "employment_targets"
LABEL = "务工规模目标"


@dataclass
class Row:
    number: int
    raw: list[str]
    region_code: str
    name: str
    year: int
    targets: dict[int, int]
    reference: str
    region: Any = None


@dataclass
class Parsed:
    result: ValidationResult
    rows: list[Row] = field(default_factory=list)
    existing: dict[tuple[str, int, int], EmploymentTarget] = field(default_factory=dict)

    @property
    def file_ok(self) -> bool:
        return not any(i.row == 0 for i in self.result.errors)


def _error(result: ValidationResult, number: int, raw: list[str], column: str, value: Any,
           message: str) -> None:
    result.errors.append(Issue(number, column, clean_text(value), message))
    result.raw_rows[number] = raw


def parse(path: Path, original_name: str) -> Parsed:
    result = ValidationResult()
    parsed = Parsed(result)
    try:
        table = read_table(path, original_name=original_name)
        match = locate_header(table.rows, COLUMNS)
    except TableReadError as exc:
        result.errors.append(Issue(0, "", "", exc.message))
        return parsed
    result.header = [clean_text(v) for v in table.rows[match.header_rows[-1]]]
    for column in match.missing_required:
        result.errors.append(Issue(0, column.header, "", f"缺少必填列「{column.header}」。"))
    for name in match.duplicated:
        result.errors.append(Issue(0, name, "", f"列「{name}」出现了不止一次，请删除重复的列。"))
    if result.errors:
        return parsed
    if not any(c.key.startswith("m") for c in match.columns.values()):
        result.errors.append(Issue(0, "", "", "没有找到目标列：应有「全年目标」或「1月」至「12月」中的至少一列。"))
        return parsed
    seen: dict[tuple[str, int], int] = {}
    for offset, cells in enumerate(table.rows[match.data_start:]):
        if all(is_blank(v) for v in cells):
            continue
        number = match.data_start + offset + 1
        raw = [clean_text(v) for v in cells]
        values = {column.key: (cells[i] if i < len(cells) else "")
                  for i, column in match.columns.items()}
        result.total_rows += 1
        before = len(result.errors)
        code = clean_text(values.get("region")).replace(" ", "")
        if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
            _error(result, number, raw, REGION.header, code,
                   f"区划代码「{code}」应为 6 位（县）或 12 位数字。")
        year = None
        try:
            year = parse_int(values.get("year"), minimum=2000, maximum=2100)
            if year is None:
                _error(result, number, raw, YEAR.header, "", "请填写年度。")
        except CellError as exc:
            _error(result, number, raw, YEAR.header, values.get("year"), exc.message)
        targets: dict[int, int] = {}
        for month in range(13):
            key = f"m{month}"
            if key not in values or is_blank(values[key]):
                continue
            header = "全年目标" if month == YEARLY else f"{month}月"
            try:
                value = parse_int(values[key], minimum=0, maximum=MAX_TARGET)
            except CellError as exc:
                _error(result, number, raw, header, values[key], exc.message)
                continue
            if value is not None:
                targets[month] = value
        if len(result.errors) == before and not targets:
            _error(result, number, raw, "", "", "该行没有填写任何目标人数（全年或某月）。")
        reference = clean_text(values.get("reference"))
        if len(reference) > 200:
            _error(result, number, raw, "依据文件", reference[:20], "「依据文件」最长 200 个字。")
        if len(result.errors) > before or year is None:
            continue
        code = code.ljust(12, "0")
        if (code, year) in seen:
            _error(result, number, raw, REGION.header, code,
                   f"与第 {seen[(code, year)]} 行是同一区划同一年度，请合并为一行。")
            continue
        seen[(code, year)] = number
        parsed.rows.append(Row(number, raw, code, clean_text(values.get("name")), year,
                               targets, reference))
    if result.total_rows == 0:
        result.errors.append(Issue(0, "", "", "文件中没有数据行。"))
    return parsed


def check(parsed: Parsed, *, actor: User) -> None:
    """Each row's region in the actor's scope, county level or above; a differing name is a
    warning; the targets already entered are looked up (to update them)."""
    result = parsed.result
    result.warnings.clear()
    result.warning_total = 0
    warnings = []
    for row in parsed.rows:
        try:
            row.region = target_region(actor, row.region_code)
        except (InvalidInput, NotFound) as exc:
            _error(result, row.number, row.raw, REGION.header, row.region_code, exc.message)
            continue
        if row.name and row.name not in row.region.name and row.region.name not in row.name:
            warnings.append(Issue(row.number, "地区", row.name,
                                  f"地区名称与区划代码（{row.region.name}）不一致，按区划代码导入。"))
            result.raw_rows[row.number] = row.raw
    result.warn(warnings)
    result.errors.sort(key=lambda issue: issue.row)
    codes = {r.region_code for r in parsed.rows}
    years = {r.year for r in parsed.rows}
    parsed.existing = {(t.region_id, t.year, t.month): t for t in EmploymentTarget.objects.filter(
        region_id__in=codes, year__in=years)}


def _summary(parsed: Parsed) -> dict[str, int]:
    new = changed = same = 0
    for row in parsed.rows:
        for month, value in row.targets.items():
            old = parsed.existing.get((row.region_code, row.year, month))
            if old is None:
                new += 1
            elif old.target != value or (row.reference and row.reference != old.reference):
                changed += 1
            else:
                same += 1
    return {"rows": parsed.result.total_rows, "targets_new": new, "targets_changed": changed,
            "targets_unchanged": same}


class TargetImporter:
    kind = KIND
    label = LABEL
    permission = "employment_stats.add_employmenttarget"

    def validate(self, *, actor: User, path: Path, original_name: str, progress: Progress,
                 registry_checks: bool = True) -> ValidationResult:
        parsed = parse(path, original_name)
        return validation_of(parsed, actor=actor, progress=progress,
                             registry_checks=registry_checks, check=check,
                             summary=_summary)

    def apply(self, *, actor: User, path: Path, original_name: str, batch_id: int | None,
              progress: Progress, plan: Any = None) -> dict[str, int]:
        parsed: Parsed = plan if plan is not None else parse(path, original_name)
        if not parsed.result.ok:
            raise ImportRejected(parsed.result)
        if not actor.has_perm("employment_stats.change_employmenttarget"):
            raise InvalidInput("您没有修改务工规模目标的权限。")
        with transaction.atomic():
            check(parsed, actor=actor)
            if not parsed.result.ok:
                raise ImportRejected(parsed.result)
            summary = _summary(parsed)
            events = []
            for row in parsed.rows:
                for month, value in sorted(row.targets.items()):
                    target = (EmploymentTarget.objects.select_for_update().filter(
                        region_id=row.region_code, year=row.year, month=month).first())
                    if target is None:
                        target = EmploymentTarget(region=row.region, year=row.year, month=month,
                                                  target=value, reference=row.reference,
                                                  created_by=actor, updated_by=actor)
                        before: dict[str, Any] = {}
                    elif target.target == value and (not row.reference
                                                     or row.reference == target.reference):
                        continue
                    else:
                        before = {"target": target.target, "reference": target.reference}
                        target.target = value
                        target.reference = row.reference or target.reference
                        target.version += 1
                        target.updated_by = actor
                    target.save()
                    after = {"target": target.target, "reference": target.reference}
                    events.append({"subject_type": "employment_stats.employmenttarget",
                                   "subject_id": target.pk, "subject_repr": str(target),
                                   "region_code": target.region_id,
                                   "changes": {k: [before.get(k), v] for k, v in after.items()
                                               if before.get(k) != v},
                                   "note": f"导入务工规模目标：{row.region.name} {row.year}年"
                                           f"{target.month_label.replace(' ', '')}",
                                   "extra": {"import_batch": batch_id}})
            record_events_bulk(actor=actor, event_type=AuditEventType.EMPLOYMENT_UPDATED,
                               events=events)
            record_event(actor=actor, event_type=AuditEventType.IMPORT_APPLIED,
                         subject_type="core.importbatch", subject_id=str(batch_id or ""),
                         note=f"导入务工规模目标「{original_name}」", extra=summary)
        progress("写入", len(parsed.rows), len(parsed.rows))
        return summary


register_importer(TargetImporter())


def template_workbook() -> tempfile._TemporaryFileWrapper[bytes]:
    """The blank target decomposition sheet (目标任务分解表模板) with a help sheet."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to caller
    book = xlsxwriter.Workbook(handle.name)
    text = book.add_format({"num_format": "@"})
    required = book.add_format({"bold": True, "bg_color": "#FDE2E2", "border": 1})
    normal = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet = book.add_worksheet(LABEL)
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header, required if column.required else normal)
        sheet.set_column(col, col, column.width if column.key in ("name", "region",
                                                                  "reference") else 9,
                         text if column.key == "region" else None)
    sheet.freeze_panes(1, 3)
    notes = book.add_worksheet("填写说明")
    notes.write_row(0, 0, ["列名", "必填", "可用的其他列名", "说明"], normal)
    for row, column in enumerate(COLUMNS, start=1):
        notes.write_row(row, 0, [column.header, "是" if column.required else "",
                                 "、".join(column.synonyms), column.help])
    notes.write(len(COLUMNS) + 2, 0, "每行一个县（市、区）一个年度；空着的月份不导入，已录入的目标按新数字更正（留痕）。")
    notes.set_column(0, 3, 30)
    book.close()
    handle.seek(0)
    return handle
