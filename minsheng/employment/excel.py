"""Column specs and importers of employment assistance (就业帮扶导入): the labour ledger's
monthly update (劳动力月度就业状态) and the enterprises (用工企业).

Both go through the staged pipeline of ``core.imports`` (upload → validate → preview → apply in
one transaction, or nothing). Real government sheets are tolerated through ``core.tabular``
(title rows, merged and two-row headers, synonyms, any column order). Each row is checked with
the very functions the services use (``clean_status``, ``validate_uscc``, ``clean_enterprise``),
and the checks against the database run again inside the applying transaction.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from minsheng.core.audit import record_event, record_events_bulk
from minsheng.core.errors import InvalidInput
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
    parse_choice,
    read_table,
)
from minsheng.employment.choices import Sector, UnemployedReason, WorkStatus
from minsheng.employment.models import Enterprise, LabourStatus
from minsheng.employment.rules import parse_month
from minsheng.registry.choices import WorkArea
from minsheng.registry.identity import check_id_number

# --- Column specs ---------------------------------------------------------------------------

ID_NUMBER = Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码", "身份证件号码",
                                         "证件号", "身份证"), required=True, width=22,
                   help="18 位，请把本列设为“文本”格式")
LABOUR_COLUMNS = [
    Column("name", "姓名", ("成员姓名", "劳动力姓名", "人员姓名")),
    ID_NUMBER,
    Column("month", "月份", ("统计月份", "填报月份", "年月", "所属月份", "数据期间", "期间"),
           required=True, help="年-月，如 2025-10"),
    Column("status", "就业状态", ("务工状态", "是否务工", "是否就业", "就业情况"), required=True,
           help="务工 / 未就业"),
    Column("work_area", "务工区域", ("务工地域", "就业区域", "务工地区", "务工地点类型"),
           help="县内 / 省内县外 / 省外（务工时必填）"),
    Column("employer_name", "就业单位", ("务工单位", "工作单位", "用工单位", "就业单位名称"),
           width=24),
    Column("work_months", "本年务工月数", ("务工月数", "务工时间（月）", "务工时长", "务工时间"),
           help="0～12"),
    Column("monthly_income", "月收入（元）", ("月收入", "月均收入", "月工资", "月工资收入", "月均工资")),
    Column("unemployed_reason", "未就业原因", ("未务工原因",),
           help="、".join(str(label) for label in UnemployedReason.labels)),
    Column("note", "备注", ("说明",)),
]
USCC = Column("uscc", "统一社会信用代码", ("社会信用代码", "信用代码", "企业统一社会信用代码",
                                   "统一社会信用代码证号"), required=True, width=22)
ENTERPRISE_COLUMNS = [
    USCC,
    Column("name", "企业名称", ("单位名称", "企业全称", "用工单位名称", "名称"), required=True,
           width=28),
    Column("region", "注册地区划代码", ("所在县区划代码", "县级区划代码", "区划代码"),
           help="县级 6 位或 12 位区划代码；不填时为导入人所在县"),
    Column("address", "地址", ("企业地址", "注册地址", "经营地址", "详细地址"), width=28),
    Column("lng", "经度", ("东经",)),
    Column("lat", "纬度", ("北纬",)),
    Column("sector", "行业", ("所属行业", "行业类别"),
           help="、".join(str(label) for label in Sector.labels)),
    Column("contact_name", "联系人", ("企业联系人", "负责人")),
    Column("contact_phone", "联系电话", ("电话", "手机号码", "联系方式", "手机")),
]

_STATUS_SYNONYMS = {"已就业": WorkStatus.EMPLOYED, "就业": WorkStatus.EMPLOYED,
                    "外出务工": WorkStatus.EMPLOYED, "在岗": WorkStatus.EMPLOYED,
                    "是": WorkStatus.EMPLOYED, "无业": WorkStatus.UNEMPLOYED,
                    "待业": WorkStatus.UNEMPLOYED, "未务工": WorkStatus.UNEMPLOYED,
                    "失业": WorkStatus.UNEMPLOYED, "否": WorkStatus.UNEMPLOYED}
_AREA_SYNONYMS = {"县内务工": WorkArea.IN_COUNTY, "本县": WorkArea.IN_COUNTY,
                  "县外省内": WorkArea.IN_PROVINCE, "省内": WorkArea.IN_PROVINCE,
                  "省内县外务工": WorkArea.IN_PROVINCE, "省外务工": WorkArea.OUT_OF_PROVINCE,
                  "跨省": WorkArea.OUT_OF_PROVINCE}


def _labels(choices: Any) -> dict[str, str]:
    return {str(label): value for value, label in choices.choices if value}


# --- Reading --------------------------------------------------------------------------------

@dataclass
class Row:
    number: int
    values: dict[str, Any]
    raw: list[str]


@dataclass
class Parsed:
    result: ValidationResult
    rows: list[Any] = field(default_factory=list)

    @property
    def file_ok(self) -> bool:
        return not any(i.row == 0 for i in self.result.errors)


def _read(path: Path, original_name: str, columns: list[Column],
          result: ValidationResult) -> list[Row]:
    try:
        table = read_table(path, original_name=original_name)
        match = locate_header(table.rows, columns)
    except TableReadError as exc:
        result.errors.append(Issue(0, "", "", exc.message))
        return []
    result.header = [clean_text(v) for v in table.rows[match.header_rows[-1]]]
    for column in match.missing_required:
        result.errors.append(Issue(0, column.header, "", f"缺少必填列「{column.header}」。"))
    for name in match.duplicated:
        result.errors.append(Issue(0, name, "", f"列「{name}」出现了不止一次，请删除重复的列。"))
    if result.errors:
        return []
    rows = []
    for offset, cells in enumerate(table.rows[match.data_start:]):
        if all(is_blank(v) for v in cells):
            continue
        number = match.data_start + offset + 1
        values = {column.key: (cells[i] if i < len(cells) else "")
                  for i, column in match.columns.items()}
        rows.append(Row(number, values, [clean_text(v) for v in cells]))
    result.total_rows = len(rows)
    if not rows:
        result.errors.append(Issue(0, "", "", "文件中没有数据行。"))
    return rows


def _error(result: ValidationResult, row: Row, column: str, value: Any, message: str) -> None:
    result.errors.append(Issue(row.number, column, clean_text(value), message))
    result.raw_rows[row.number] = row.raw


# --- Labour ledger --------------------------------------------------------------------------

@dataclass
class LabourRow:
    row: Row
    id_number: str
    name: str
    month: str
    values: dict[str, Any]
    member: Any = None
    existing: LabourStatus | None = None


def parse_labour(path: Path, original_name: str, *, today: dt.date) -> Parsed:
    from minsheng.employment.services import clean_status

    result = ValidationResult()
    parsed = Parsed(result)
    seen: dict[tuple[str, str], int] = {}
    for row in _read(path, original_name, LABOUR_COLUMNS, result):
        v = row.values
        errors_before = len(result.errors)
        check = check_id_number(v.get("id_number"), today=today)
        if not check.ok:
            for message in check.errors:
                _error(result, row, ID_NUMBER.header, v.get("id_number"), message)
        month = ""
        try:
            month = parse_month(clean_text(v.get("month")))
            if month > f"{today:%Y-%m}":
                _error(result, row, "月份", v.get("month"), f"月份 {month} 还没有到，不能填报。")
        except InvalidInput as exc:
            _error(result, row, "月份", v.get("month"), exc.message)
        data: dict[str, Any] = {"note": clean_text(v.get("note")),
                                "employer_name": clean_text(v.get("employer_name")),
                                "work_months": clean_text(v.get("work_months")) or 0,
                                "monthly_income": clean_text(v.get("monthly_income"))
                                .replace("元", "")}
        for key, header, choices, synonyms in (
                ("status", "就业状态", WorkStatus, _STATUS_SYNONYMS),
                ("work_area", "务工区域", WorkArea, _AREA_SYNONYMS),
                ("unemployed_reason", "未就业原因", UnemployedReason, {})):
            try:
                data[key] = parse_choice(v.get(key), _labels(choices), synonyms) or ""
            except CellError as exc:
                _error(result, row, header, v.get(key), exc.message)
        if len(result.errors) == errors_before:
            try:
                values = clean_status(data)
            except InvalidInput as exc:
                _error(result, row, "", "", exc.message)
            else:
                key = (check.number, month)
                if key in seen:
                    _error(result, row, ID_NUMBER.header, check.number,
                           f"与第 {seen[key]} 行是同一人同一月份，请只保留一行。")
                else:
                    seen[key] = row.number
                    parsed.rows.append(LabourRow(row, check.number, clean_text(v.get("name")),
                                                 month, values))
    return parsed


def check_labour(parsed: Parsed, *, actor: User) -> None:
    """Each row's member: an active member in the actor's scope (ledger write right), in the
    labour force that month; a differing name is a warning. Run again when applying."""
    from minsheng.employment.selectors import _range_q, _ranges
    from minsheng.employment.services import check_labour_member
    from minsheng.registry.models import Member

    result = parsed.result
    result.warnings.clear()
    result.warning_total = 0
    ranges = _ranges(actor, "employment.change_labourstatus")
    ids = sorted({r.id_number for r in parsed.rows})
    members: dict[str, Any] = {}
    if ranges:
        for start in range(0, len(ids), 900):
            for m in (Member.objects.filter(_range_q("household__region_id", ranges),
                                            id_number__in=ids[start:start + 900], active=True,
                                            household__archived=False)
                      .select_related("household")):
                members[m.id_number] = m
    existing = {(s.member_id, s.month): s for s in LabourStatus.objects.filter(
        member__in=[m.pk for m in members.values()],
        month__in={r.month for r in parsed.rows})}
    warnings = []
    for plan in parsed.rows:
        plan.member = members.get(plan.id_number)
        if plan.member is None:
            _error(result, plan.row, ID_NUMBER.header, plan.id_number,
                   "台账中没有此身份证号的在册成员，或不在您的管辖范围内。")
            continue
        try:
            check_labour_member(plan.member, plan.month)
        except InvalidInput as exc:
            _error(result, plan.row, ID_NUMBER.header, plan.id_number, exc.message)
            continue
        if plan.name and "".join(plan.name.split()) != plan.member.name:
            warnings.append(Issue(plan.row.number, "姓名", plan.name,
                                  f"姓名与台账（{plan.member.name}）不一致，按身份证号导入。"))
            result.raw_rows[plan.row.number] = plan.row.raw
        plan.existing = existing.get((plan.member.pk, plan.month))
    result.warn(warnings)
    result.errors.sort(key=lambda issue: issue.row)


def _labour_summary(parsed: Parsed) -> dict[str, int]:
    new = sum(1 for r in parsed.rows if r.existing is None)
    return {"rows": parsed.result.total_rows, "statuses_new": new,
            "statuses_changed": len(parsed.rows) - new,
            "employed": sum(1 for r in parsed.rows if r.values["status"] == WorkStatus.EMPLOYED)}


class LabourImporter:
    kind = "employment_labour"
    label = "劳动力月度就业状态"
    permission = "employment.change_labourstatus"

    def validate(self, *, actor: User, path: Path, original_name: str, progress: Progress,
                 registry_checks: bool = True) -> ValidationResult:
        parsed = parse_labour(path, original_name, today=timezone.localdate())
        return validation_of(parsed, actor=actor, progress=progress,
                             registry_checks=registry_checks, check=check_labour,
                             summary=_labour_summary)

    def apply(self, *, actor: User, path: Path, original_name: str, batch_id: int | None,
              progress: Progress, plan: Any = None) -> dict[str, int]:
        parsed: Parsed = plan if plan is not None else parse_labour(
            path, original_name, today=timezone.localdate())
        if not parsed.result.ok:
            raise ImportRejected(parsed.result)
        with transaction.atomic():
            check_labour(parsed, actor=actor)
            if not parsed.result.ok:
                raise ImportRejected(parsed.result)
            summary = _labour_summary(parsed)
            events = []
            for r in parsed.rows:
                status = (LabourStatus.objects.select_for_update().filter(
                    member=r.member, month=r.month).first()
                    or LabourStatus(member=r.member, month=r.month, household=r.member.household,
                                    region_id=r.member.household.region_id, version=0))
                for key, value in r.values.items():
                    setattr(status, key, value)
                status.unchanged = False
                status.version += 1
                status.updated_by = actor
                status.save()
                events.append({"subject_type": "employment.labourstatus",
                               "subject_id": status.pk, "subject_repr": str(status),
                               "region_code": status.region_id,
                               "changes": {k: [None, v] for k, v in r.values.items()},
                               "note": f"导入就业状态：{r.member.name} {r.month}",
                               "extra": {"import_batch": batch_id}})
            record_events_bulk(actor=actor, event_type=AuditEventType.EMPLOYMENT_UPDATED,
                               events=events)
            record_event(actor=actor, event_type=AuditEventType.IMPORT_APPLIED,
                         subject_type="core.importbatch", subject_id=str(batch_id or ""),
                         note=f"导入劳动力月度就业状态「{original_name}」", extra=summary)
        progress("写入", len(parsed.rows), len(parsed.rows))
        return summary


# --- Enterprises ----------------------------------------------------------------------------

@dataclass
class EnterpriseRow:
    row: Row
    uscc: str
    region_code: str
    values: dict[str, Any]
    existing: Enterprise | None = None


def parse_enterprises(path: Path, original_name: str) -> Parsed:
    from minsheng.employment.services import clean_enterprise, validate_uscc

    result = ValidationResult()
    parsed = Parsed(result)
    seen: dict[str, int] = {}
    for row in _read(path, original_name, ENTERPRISE_COLUMNS, result):
        v = row.values
        errors_before = len(result.errors)
        number = ""
        try:
            number = validate_uscc(clean_text(v.get("uscc")))
        except InvalidInput as exc:
            _error(result, row, USCC.header, v.get("uscc"), exc.message)
        data = {k: clean_text(v.get(k)) for k in ("name", "address", "lng", "lat",
                                                  "contact_name", "contact_phone")}
        try:
            data["sector"] = parse_choice(v.get("sector"), _labels(Sector)) or Sector.OTHER
        except CellError as exc:
            _error(result, row, "行业", v.get("sector"), exc.message)
        values: dict[str, Any] = {}
        try:
            values = clean_enterprise(data)
        except InvalidInput as exc:
            _error(result, row, "", "", exc.message)
        if len(result.errors) > errors_before:
            continue
        if number in seen:
            _error(result, row, USCC.header, number,
                   f"统一社会信用代码与第 {seen[number]} 行重复。")
            continue
        seen[number] = row.number
        parsed.rows.append(EnterpriseRow(row, number, clean_text(v.get("region")), values))
    return parsed


def _default_county(actor: User) -> str:
    from minsheng.regions.codes import RegionLevel
    from minsheng.regions.models import RegionAssignment

    assigned = list(RegionAssignment.objects.filter(user=actor).select_related("region"))
    if len(assigned) == 1 and assigned[0].region.level == RegionLevel.COUNTY:
        return assigned[0].region.code
    return ""


def check_enterprises(parsed: Parsed, *, actor: User) -> None:
    from minsheng.employment.services import _county_in_scope

    result = parsed.result
    default = _default_county(actor)
    found = {e.uscc: e for e in Enterprise.objects.filter(
        uscc__in=[r.uscc for r in parsed.rows])}
    changeable = set(Enterprise.objects.visible_to(actor, "change").filter(
        uscc__in=list(found)).values_list("uscc", flat=True))
    for plan in parsed.rows:
        code = plan.region_code or default
        if not code:
            _error(result, plan.row, "注册地区划代码", "",
                   "请填写注册地区划代码（县级）：您的账号不是只管辖一个县，无法默认。")
            continue
        try:
            plan.region_code = _county_in_scope(actor, code).code
        except InvalidInput as exc:
            _error(result, plan.row, "注册地区划代码", code, exc.message)
            continue
        plan.existing = found.get(plan.uscc)
        if plan.existing is not None and plan.uscc not in changeable:
            _error(result, plan.row, USCC.header, plan.uscc,
                   "该企业已由其他县登记，您不能修改。")
        elif plan.existing is not None and plan.existing.region_id != plan.region_code:
            _error(result, plan.row, "注册地区划代码", plan.region_code,
                   f"该企业已登记在区划 {plan.existing.region_id}，导入不能改变注册地。")
    result.errors.sort(key=lambda issue: issue.row)


def _enterprise_summary(parsed: Parsed) -> dict[str, int]:
    new = sum(1 for r in parsed.rows if r.existing is None)
    return {"rows": parsed.result.total_rows, "enterprises_new": new,
            "enterprises_changed": len(parsed.rows) - new}


class EnterpriseImporter:
    kind = "employment_enterprises"
    label = "用工企业"
    permission = "employment.add_enterprise"

    def validate(self, *, actor: User, path: Path, original_name: str, progress: Progress,
                 registry_checks: bool = True) -> ValidationResult:
        parsed = parse_enterprises(path, original_name)
        return validation_of(parsed, actor=actor, progress=progress,
                             registry_checks=registry_checks, check=check_enterprises,
                             summary=_enterprise_summary)

    def apply(self, *, actor: User, path: Path, original_name: str, batch_id: int | None,
              progress: Progress, plan: Any = None) -> dict[str, int]:
        parsed: Parsed = plan if plan is not None else parse_enterprises(path, original_name)
        if not parsed.result.ok:
            raise ImportRejected(parsed.result)
        with transaction.atomic():
            check_enterprises(parsed, actor=actor)
            if not parsed.result.ok:
                raise ImportRejected(parsed.result)
            summary = _enterprise_summary(parsed)
            events = []
            for r in parsed.rows:
                enterprise = (Enterprise.objects.select_for_update().filter(uscc=r.uscc).first()
                              or Enterprise(uscc=r.uscc, region_id=r.region_code, version=0))
                for key, value in r.values.items():
                    setattr(enterprise, key, value)
                enterprise.version += 1
                enterprise.save()
                events.append({"subject_type": "employment.enterprise",
                               "subject_id": enterprise.pk, "subject_repr": enterprise.name,
                               "region_code": enterprise.region_id,
                               "changes": {k: [None, v] for k, v in r.values.items()},
                               "note": f"导入用工企业：{enterprise.name}",
                               "extra": {"import_batch": batch_id}})
            record_events_bulk(actor=actor, event_type=AuditEventType.EMPLOYMENT_UPDATED,
                               events=events)
            record_event(actor=actor, event_type=AuditEventType.IMPORT_APPLIED,
                         subject_type="core.importbatch", subject_id=str(batch_id or ""),
                         note=f"导入用工企业「{original_name}」", extra=summary)
        progress("写入", len(parsed.rows), len(parsed.rows))
        return summary


register_importer(LabourImporter())
register_importer(EnterpriseImporter())

KINDS = {"labour": LabourImporter.kind, "enterprises": EnterpriseImporter.kind}
KIND_LABELS = {LabourImporter.kind: LabourImporter.label,
               EnterpriseImporter.kind: EnterpriseImporter.label}
KIND_COLUMNS = {LabourImporter.kind: LABOUR_COLUMNS, EnterpriseImporter.kind: ENTERPRISE_COLUMNS}


def template_workbook(kind: str) -> tempfile._TemporaryFileWrapper[bytes]:
    """The blank import template of one kind, with a help sheet (导入模板)."""
    columns = KIND_COLUMNS[kind]
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to caller
    book = xlsxwriter.Workbook(handle.name)
    text = book.add_format({"num_format": "@"})
    required = book.add_format({"bold": True, "bg_color": "#FDE2E2", "border": 1})
    normal = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet = book.add_worksheet(KIND_LABELS[kind][:31])
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header, required if column.required else normal)
        sheet.set_column(col, col, column.width, text)
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("填写说明")
    notes.write_row(0, 0, ["列名", "必填", "可用的其他列名", "说明"], normal)
    for row, column in enumerate(columns, start=1):
        notes.write_row(row, 0, [column.header, "是" if column.required else "",
                                 "、".join(column.synonyms), column.help])
    notes.set_column(0, 3, 30)
    book.close()
    handle.seek(0)
    return handle
