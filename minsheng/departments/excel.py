"""Column specs of the department files (部门数据模板) and their importer.

One spec per department: the blank template, the parser of uploads and the labels of the lead
pages come from it. Real government sheets are tolerated through ``core.tabular`` (title rows,
merged and two-row headers, synonyms, any column order); an ID number that Excel stored as a
number is reported, never "repaired". The import goes through the staged pipeline of
``core.imports`` (upload → validate → preview → apply in one transaction).
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings
from django.utils import timezone

from minsheng.core.errors import InvalidInput
from minsheng.core.imports import (
    ImportRejected,
    Issue,
    Progress,
    ValidationResult,
    register_importer,
)
from minsheng.core.models import User
from minsheng.core.roles import Department
from minsheng.core.tabular import (
    CellError,
    Column,
    TableReadError,
    clean_text,
    is_blank,
    locate_header,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    read_table,
)
from minsheng.registry.identity import check_id_number

# --- The specs ------------------------------------------------------------------------------

NAME = Column("name", "姓名", ("人员姓名", "对象姓名", "参保人姓名", "患者姓名", "学生姓名",
                             "残疾人姓名", "受灾人员姓名", "失业人员姓名", "救助对象姓名"),
              required=True)
ID_NUMBER = Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码", "身份证件号码",
                                         "证件号", "身份证", "社会保障号码"),
                   required=True, width=22, help="18 位，请把本列设为“文本”格式")
REMARK = Column("remark", "备注", ("说明",), width=20)

AMOUNT, DATE, TEXT, BOOL, CHOICE = "amount", "date", "text", "bool", "choice"


@dataclass(frozen=True)
class Field:
    column: Column
    kind: str = TEXT
    choices: dict[str, str] = field(default_factory=dict)  # what clerks write → label stored

    @property
    def key(self) -> str:
        return self.column.key


@dataclass(frozen=True)
class DepartmentSpec:
    department: str
    title: str  # the data, in Chinese (what the department pushes)
    fields: tuple[Field, ...]

    @property
    def label(self) -> str:
        return str(Department(self.department).label)

    @property
    def columns(self) -> list[Column]:
        return [NAME, ID_NUMBER, *[f.column for f in self.fields], REMARK]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


_GRADES = {"一级": "一级", "二级": "二级", "三级": "三级", "四级": "四级", "1级": "一级",
           "2级": "二级", "3级": "三级", "4级": "四级", "1": "一级", "2": "二级", "3": "三级",
           "4": "四级"}
_HOUSING = {"A": "A级", "B": "B级", "C": "C级", "D": "D级", "A级": "A级", "B级": "B级",
            "C级": "C级", "D级": "D级", "局部危房": "C级", "整栋危房": "D级", "整幢危房": "D级"}
_CIVIL_CHANGES = {"新增低保": "新增低保", "纳入低保": "新增低保", "取消低保": "退出低保",
                  "退出低保": "退出低保", "停保": "退出低保", "停发低保": "退出低保",
                  "新增特困": "新增特困", "纳入特困": "新增特困", "取消特困": "退出特困",
                  "退出特困": "退出特困", "低保类别调整": "低保类别调整", "类别调整": "低保类别调整"}

SPECS: dict[str, DepartmentSpec] = {s.department: s for s in (
    DepartmentSpec(Department.MEDICAL_INSURANCE, "医疗费用个人自付", (
        Field(Column("inpatient_out_of_pocket", "住院个人自付累计（元）",
                     ("住院自付累计", "住院个人自付", "本年住院个人自付", "个人自付金额", "自付金额",
                      "个人自付", "累计个人自付", "住院个人自付累计金额"), required=True,
                     help="本年度截至数据期间末，经基本医保、大病保险、医疗救助后的住院个人自付累计"),
              AMOUNT),
        Field(Column("outpatient_out_of_pocket", "门诊个人自付（元）",
                     ("门诊自付", "门诊统筹个人自付", "门特个人自付", "门诊个人负担"),
                     help="数据期间当月门诊（含门特）个人自付"), AMOUNT),
        Field(Column("diagnosis", "疾病诊断", ("诊断", "病种", "疾病名称", "主要诊断"))),
        Field(Column("institution", "就诊机构", ("医疗机构", "医院", "就诊医院"))),
    )),
    DepartmentSpec(Department.EDUCATION, "义务教育阶段辍学", (
        Field(Column("school", "就读学校", ("学校", "学校名称", "原就读学校"))),
        Field(Column("stage", "年级", ("学段", "就读年级", "学习阶段"))),
        Field(Column("dropout_date", "辍学日期", ("辍学时间", "失学辍学时间", "离校时间"),
                     required=True), DATE),
        Field(Column("dropout_reason", "辍学原因", ("失学辍学原因", "原因"))),
    )),
    DepartmentSpec(Department.CIVIL_AFFAIRS, "低保、特困变动", (
        Field(Column("change_type", "变动类型", ("变动情况", "变更类型", "变动事项"),
                     required=True, help="新增低保 / 退出低保 / 新增特困 / 退出特困 / 低保类别调整"),
              CHOICE, _CIVIL_CHANGES),
        Field(Column("assistance_class", "保障类别", ("低保类别", "类别"))),
        Field(Column("change_date", "变动日期", ("变动时间", "审批日期", "批准日期")), DATE),
    )),
    DepartmentSpec(Department.HOUSING, "农房安全鉴定", (
        Field(Column("appraisal_grade", "鉴定等级", ("房屋鉴定等级", "住房安全等级", "危房等级",
                                                 "鉴定结果"), required=True,
                     help="A / B / C / D"), CHOICE, _HOUSING),
        Field(Column("appraisal_date", "鉴定日期", ("鉴定时间",)), DATE),
        Field(Column("address", "房屋地址", ("住址", "地址"), width=24)),
    )),
    DepartmentSpec(Department.DISABLED_FEDERATION, "新办残疾人证", (
        Field(Column("disability_type", "残疾类别", ("残疾类型",))),
        Field(Column("disability_grade", "残疾等级", ("残疾级别", "等级"), required=True,
                     help="一级 / 二级 / 三级 / 四级"), CHOICE, _GRADES),
        Field(Column("certificate_date", "发证日期", ("办证日期", "发证时间", "持证日期")), DATE),
        Field(Column("certificate_no", "残疾人证号", ("残疾证号",), width=24)),
    )),
    DepartmentSpec(Department.EMERGENCY, "受灾人员", (
        Field(Column("disaster_type", "灾害类型", ("灾种", "受灾类型"), required=True)),
        Field(Column("disaster_date", "受灾日期", ("受灾时间", "灾害发生时间", "发生日期")), DATE),
        Field(Column("loss_amount", "直接经济损失（元）", ("直接经济损失", "经济损失", "损失金额")),
              AMOUNT),
        Field(Column("situation", "受灾情况", ("灾情", "受损情况", "情况说明"), width=24)),
    )),
    DepartmentSpec(Department.HUMAN_RESOURCES, "失业登记", (
        Field(Column("unemployment_date", "失业登记日期", ("登记失业日期", "失业日期", "失业时间"),
                     required=True), DATE),
        Field(Column("benefit", "领取失业保险金", ("失业保险金", "是否领取失业金", "领取失业金"),
                     help="是 / 否"), BOOL),
        Field(Column("last_employer", "原工作单位", ("原单位", "工作单位"), width=20)),
    )),
)}


def spec_for(department: str) -> DepartmentSpec:
    try:
        return SPECS[department]
    except KeyError:
        label = dict(Department.choices).get(department, department)
        raise InvalidInput(f"「{label}」没有部门数据比对模板。") from None


def parse_period(text: str) -> str:
    """'2025-10', '2025-1', '2025年10月', '202510' → '2025-10'; anything else InvalidInput."""
    value = clean_text(text).replace("年", "-").replace("月", "").replace("/", "-").replace(
        ".", "-")
    if value.isdigit() and len(value) == 6:
        value = f"{value[:4]}-{value[4:]}"
    parts = value.split("-")
    if (len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) == 4
            and 1 <= int(parts[1]) <= 12 and 2000 <= int(parts[0]) <= 2100):
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}"
    raise InvalidInput(f"数据期间「{text}」格式不正确，应为年-月，如 2025-10。")


def period_end(period: str) -> dt.date:
    """The last day of the period (the date the department's figures stand on)."""
    year, month = (int(x) for x in period.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _parse(spec_field: Field, raw: Any) -> Any:
    """One cell → a JSON-ready value (amounts as text, dates ISO), or CellError."""
    if spec_field.kind == AMOUNT:
        number = parse_decimal(raw)
        return None if number is None else str(number.quantize(Decimal("0.01")))
    if spec_field.kind == DATE:
        day = parse_date(raw)
        return None if day is None else day.isoformat()
    if spec_field.kind == BOOL:
        return parse_bool(raw)
    if spec_field.kind == CHOICE:
        labels = {label: label for label in dict.fromkeys(spec_field.choices.values())}
        return parse_choice(raw, labels, spec_field.choices)
    return clean_text(raw)[:200] or None


def display_details(department: str, details: dict[str, Any]) -> list[tuple[str, str]]:
    """(header, value) pairs of a lead's department data, in the spec's order."""
    spec = SPECS.get(department)
    if spec is None:
        return []
    out = []
    for f in (*spec.fields, Field(REMARK)):
        value = details.get(f.key)
        if value is None or value == "":
            continue
        if f.kind == BOOL:
            value = "是" if value else "否"
        out.append((f.column.header, str(value)))
    return out


# --- Parsing --------------------------------------------------------------------------------

@dataclass
class RowPlan:
    row: int
    name: str
    id_number: str
    details: dict[str, Any]
    member: Any = None  # registry.Member once matched
    threshold: list[dict[str, Any]] = field(default_factory=list)
    threshold_reached: bool | None = None

    @property
    def name_mismatch(self) -> bool:
        return self.member is not None and _same_name(self.name, self.member.name) is False


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


@dataclass
class Parsed:
    result: ValidationResult
    rows: list[RowPlan]
    department: str
    period: str
    upload: Any = None  # the DepartmentUpload the file belongs to

    @property
    def file_ok(self) -> bool:
        return not any(i.row == 0 for i in self.result.errors)


def parse_file(path: Path, original_name: str, *, department: str, period: str,
               today: dt.date) -> Parsed:
    """Read a department file: each cell parsed, ID numbers checked, duplicates refused."""
    result = ValidationResult()
    parsed = Parsed(result, [], department, period)
    spec = spec_for(department)
    try:
        table = read_table(path, original_name=original_name)
        match = locate_header(table.rows, spec.columns)
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
    fields = {f.key: f for f in (*spec.fields, Field(REMARK))}
    seen: dict[str, int] = {}
    for offset, row in enumerate(table.rows[match.data_start:]):
        number = match.data_start + offset + 1
        if all(is_blank(v) for v in row):
            continue
        result.total_rows += 1
        issues: list[Issue] = []
        values: dict[str, Any] = {}
        raw_id: Any = ""
        for index, column in match.columns.items():
            raw = row[index] if index < len(row) else ""
            if column.key == "id_number":
                raw_id = raw
                continue
            if column.key == "name":
                values["name"] = clean_text(raw)
                continue
            try:
                values[column.key] = None if is_blank(raw) else _parse(fields[column.key], raw)
            except CellError as exc:
                issues.append(Issue(number, column.header, clean_text(raw), exc.message))
        name = values.pop("name", "")
        if not name:
            issues.append(Issue(number, NAME.header, "", "「姓名」不能为空。"))
        for f in spec.fields:
            if f.column.required and values.get(f.key) is None and not any(
                    i.column == f.column.header for i in issues):
                issues.append(Issue(number, f.column.header, "", f"「{f.column.header}」不能为空。"))
        id_number = ""
        if is_blank(raw_id):
            issues.append(Issue(number, ID_NUMBER.header, "", "「身份证号」不能为空。"))
        else:
            check = check_id_number(raw_id, today=today)
            if check.ok:
                id_number = check.number
                if id_number in seen:
                    issues.append(Issue(number, ID_NUMBER.header, id_number,
                                        f"身份证号与第 {seen[id_number]} 行重复。"))
                else:
                    seen[id_number] = number
            else:
                issues.extend(Issue(number, ID_NUMBER.header, clean_text(raw_id), message)
                              for message in check.errors)
        if issues:
            result.errors.extend(issues)
            result.raw_rows[number] = [clean_text(v) for v in row]
            continue
        parsed.rows.append(RowPlan(number, name[:64], id_number,
                                   {k: v for k, v in values.items() if v is not None}))
    if not result.total_rows and not result.errors:
        result.errors.append(Issue(0, "", "", "文件中没有数据行。"))
    return parsed


# --- Checking against the registry ----------------------------------------------------------

def check_registry(parsed: Parsed, *, actor: User) -> None:
    """Match each row to an active registry member in the actor's scope (by ID number), flag
    name mismatches, list the unmatched, refuse rows already pushed for this department and
    period, and evaluate the department's thresholds. Run again inside the applying
    transaction."""
    from minsheng.departments.selectors import existing_lead_ids, members_by_id
    from minsheng.departments.thresholds import evaluate

    result = parsed.result
    result.warnings.clear()
    result.warning_total = 0
    ids = [r.id_number for r in parsed.rows]
    members = members_by_id(actor=actor, id_numbers=ids)
    pushed = existing_lead_ids(department=parsed.department, period=parsed.period,
                               id_numbers=ids)
    warnings: list[Issue] = []
    for plan in parsed.rows:
        if plan.id_number in pushed:
            result.errors.append(Issue(
                plan.row, ID_NUMBER.header, plan.id_number,
                f"此人已在{Department(parsed.department).label} {parsed.period} 的数据中推送过，"
                "不能重复导入。"))
            continue
        plan.member = members.get(plan.id_number)
        if plan.member is None:
            warnings.append(Issue(plan.row, ID_NUMBER.header, plan.id_number,
                                  "台账中没有匹配的在册人员，将列入未匹配名单退回部门。"))
            continue
        if plan.name_mismatch:
            warnings.append(Issue(plan.row, NAME.header, plan.name,
                                  "姓名与台账不一致（身份证号已匹配，线索保留，请乡镇核实）。"))
        try:
            plan.threshold_reached, plan.threshold = evaluate(
                parsed.department, plan.details, member=plan.member,
                on=period_end(parsed.period))
        except InvalidInput as exc:
            result.errors.append(Issue(plan.row, "", plan.id_number, exc.message))
    result.warn(warnings)
    result.errors.sort(key=lambda issue: issue.row)
    for issue in [*result.errors, *warnings]:
        if issue.row and issue.row not in result.raw_rows:
            result.raw_rows[issue.row] = []


def summarize(parsed: Parsed) -> dict[str, int]:
    matched = [r for r in parsed.rows if r.member is not None]
    return {"rows": parsed.result.total_rows, "matched": len(matched),
            "name_mismatch": sum(1 for r in matched if r.name_mismatch),
            "unmatched": len(parsed.rows) - len(matched),
            "threshold_reached": sum(1 for r in matched if r.threshold_reached)}


def _fill_raw(parsed: Parsed, path: Path, original_name: str) -> None:
    """Cells of each problem row as uploaded (for the preview's error workbook)."""
    missing = {r for r, raw in parsed.result.raw_rows.items() if not raw}
    if not missing:
        return
    try:
        rows = read_table(path, original_name=original_name).rows
    except TableReadError:
        return
    for number in missing:
        if 0 < number <= len(rows):
            parsed.result.raw_rows[number] = [clean_text(v) for v in rows[number - 1]]


# --- The importer ---------------------------------------------------------------------------

def upload_for_path(path: Path) -> Any:
    """The department upload whose stored file is ``path`` (the pipeline hands importers the
    file, not the batch)."""
    from minsheng.departments.models import DepartmentUpload

    name = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(settings.MEDIA_ROOT)))
    upload = DepartmentUpload.objects.select_related("batch").filter(
        batch__file=name.as_posix()).first()
    if upload is None:
        raise InvalidInput("找不到该文件对应的部门数据批次（部门和数据期间）。")
    return upload


class DepartmentImporter:
    kind = "department_data"
    label = "部门数据"
    permission = "departments.add_departmentlead"

    def _parse(self, path: Path, original_name: str, today: dt.date) -> Parsed:
        upload = upload_for_path(path)
        parsed = parse_file(path, original_name, department=upload.department,
                            period=upload.period, today=today)
        parsed.upload = upload
        return parsed

    def validate(self, *, actor: User, path: Path, original_name: str, progress: Progress,
                 registry_checks: bool = True) -> ValidationResult:
        parsed = self._parse(path, original_name, timezone.localdate())
        progress("校验", parsed.result.total_rows, parsed.result.total_rows)
        if parsed.file_ok and registry_checks:
            check_registry(parsed, actor=actor)
        _fill_raw(parsed, path, original_name)
        if parsed.result.ok:
            if registry_checks:
                parsed.result.summary = summarize(parsed)
            parsed.result.plan = parsed
        return parsed.result

    def apply(self, *, actor: User, path: Path, original_name: str, batch_id: int | None,
              progress: Progress, plan: Any = None) -> dict[str, int]:
        from minsheng.departments.services import leads_create

        parsed: Parsed = plan if plan is not None else self._parse(
            path, original_name, timezone.localdate())
        if not parsed.result.ok:
            _fill_raw(parsed, path, original_name)
            raise ImportRejected(parsed.result)

        def reject() -> None:
            _fill_raw(parsed, path, original_name)
            raise ImportRejected(parsed.result)

        summary = leads_create(actor=actor, upload=parsed.upload, parsed=parsed,
                               check=lambda: check_registry(parsed, actor=actor), reject=reject)
        progress("写入", len(parsed.rows), len(parsed.rows))
        return summary


register_importer(DepartmentImporter())


# --- Workbooks ------------------------------------------------------------------------------

def template_workbook(department: str) -> tempfile._TemporaryFileWrapper[bytes]:
    """The blank template of one department (导入模板), with a help sheet."""
    spec = spec_for(department)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to caller
    book = xlsxwriter.Workbook(handle.name)
    text = book.add_format({"num_format": "@"})
    required = book.add_format({"bold": True, "bg_color": "#FDE2E2", "border": 1})
    normal = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet = book.add_worksheet(f"{spec.label}数据"[:31])
    for col, column in enumerate(spec.columns):
        sheet.write_string(0, col, column.header, required if column.required else normal)
        sheet.set_column(col, col, column.width, text)
        if column.help:
            sheet.write_comment(0, col, column.help)
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("填写说明")
    notes.write_row(0, 0, ["列名", "必填", "可用的其他列名", "说明"], normal)
    for row, column in enumerate(spec.columns, start=1):
        notes.write_row(row, 0, [column.header, "是" if column.required else "",
                                 "、".join(column.synonyms), column.help])
    notes.set_column(0, 3, 30)
    book.close()
    handle.seek(0)
    return handle


def sample_workbook(path: Path, department: str, rows: list[dict[str, Any]],
                    *, title: str) -> Path:
    """A department file as offices send them (a title row, then the header): used by the
    demo's sample files and the tests."""
    spec = spec_for(department)
    columns = [c for c in spec.columns if c.key != "remark"]
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, len(columns) - 1, title)
    sheet.write_row(1, 0, [c.header for c in columns])
    for i, row in enumerate(rows, start=2):
        for j, column in enumerate(columns):
            value = row.get(column.key)
            if value is None:
                continue
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                sheet.write_number(i, j, float(value))
            else:
                sheet.write_string(i, j, str(value))
    book.close()
    return path

