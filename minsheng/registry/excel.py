"""The registry's column spec (农户台账导入导出模板): one spec is the import template, the import
parser and the export layout, so they cannot drift apart.

One row per member; household columns are repeated on every member row, as government sheets
do. A household's income ledger for one year is given on its rows too (repeated, or on the
户主's row only).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.imports import (
    ImportRejected,
    Issue,
    Progress,
    ValidationResult,
    register_importer,
)
from minsheng.core.models import AuditEventType, User
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
    parse_int,
    stream_table,
)
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.registry.choices import (
    Education,
    Gender,
    Health,
    HouseholdCategory,
    HousingGrade,
    LabourCapacity,
    Relation,
    SchoolStage,
    WorkArea,
)
from minsheng.registry.identity import excel_number_message, normalize
from minsheng.registry.models import Household, IncomeLedger, Member
from minsheng.registry.validation import check_household_fields, check_member_fields

# --- The column spec ------------------------------------------------------------------------

HOUSEHOLD_COLUMNS = [
    Column("household_no", "户编号", ("户码", "户号", "户编码", "农户编号"), required=True, width=16,
           help="本县内唯一，字母和数字"),
    Column("township", "乡镇（街道）", ("乡镇", "乡镇名称", "乡（镇）", "乡镇街道", "街道"), width=12),
    Column("village", "行政村（社区）", ("村", "村名", "村名称", "行政村", "村（社区）", "社区", "村居"),
           width=12, help="村名；重名时填写乡镇或村级区划代码"),
    Column("region_code", "村级区划代码", ("区划代码", "村代码", "统计用区划代码"), width=14,
           help="12 位统计用区划代码，可不填"),
    Column("group_name", "村民小组", ("组", "组别", "小组", "村组")),
    Column("address", "家庭住址", ("住址", "地址", "详细地址"), width=20),
    Column("category", "户类型", ("户属性", "农户类型", "是否脱贫户"), help="一般农户 / 脱贫户"),
    Column("relocated", "易地扶贫搬迁户", ("易地搬迁", "是否易地搬迁", "易地搬迁户"), help="是 / 否"),
    Column("phone", "联系电话", ("户联系电话", "户主电话", "家庭电话"), width=14),
    Column("bank_name", "开户银行", ("开户行", "银行")),
    Column("bank_account", "银行账号", ("账号", "银行卡号", "开户账号", "一卡通账号"), width=22),
    Column("housing_grade", "住房安全等级", ("住房鉴定等级", "房屋等级", "住房等级", "危房等级"),
           help="A / B / C / D，未鉴定留空"),
    Column("water_quantity_ok", "饮水水量达标", ("水量达标", "水量"), help="是 / 否"),
    Column("water_quality_ok", "饮水水质达标", ("水质达标", "水质"), help="是 / 否"),
    Column("water_convenience_ok", "取水方便", ("用水方便", "取水方便程度", "方便程度"), help="是 / 否"),
    Column("water_assurance_ok", "供水保障率达标", ("供水保证率达标", "保障率", "供水保障率"),
           help="是 / 否"),
]
MEMBER_COLUMNS = [
    Column("name", "姓名", ("成员姓名", "人员姓名", "家庭成员姓名"), required=True),
    Column("id_number", "身份证号", ("身份证号码", "证件号码", "公民身份号码", "身份证件号码", "证件号"),
           required=True, width=22, help="18 位，请把本列设为“文本”格式"),
    Column("relation", "与户主关系", ("关系", "家庭关系"), required=True),
    Column("gender", "性别", (), help="可不填，由身份证号得出"),
    Column("birth_date", "出生日期", ("出生年月日", "出生年月"), help="可不填，由身份证号得出"),
    Column("ethnicity", "民族", ()),
    Column("education", "文化程度", ("学历",)),
    Column("school_stage", "在校生状况", ("在校生", "在校情况", "在校生学段")),
    Column("health", "健康状况", ("健康情况",)),
    Column("disability_grade", "残疾等级", ("残疾级别",), help="1～4 级"),
    Column("labour_capacity", "劳动技能", ("劳动能力", "劳动力状况")),
    Column("work_area", "务工区域", ("务工地点", "务工地域")),
    Column("work_months", "务工时间（月）", ("务工时间", "务工月数", "务工时长")),
    Column("medical_insurance", "参加基本医疗保险", ("基本医疗保险", "医保", "是否参加基本医疗保险",
                                             "参加城乡居民基本医疗保险")),
    Column("serious_illness_insurance", "参加大病保险", ("大病保险", "是否参加大病保险")),
    Column("pension_insurance", "参加基本养老保险", ("基本养老保险", "养老保险",
                                             "参加城乡居民基本养老保险")),
    Column("dibao", "享受低保", ("低保", "是否低保", "低保对象")),
    Column("tekun", "特困供养", ("特困", "是否特困", "特困人员")),
    Column("member_phone", "成员联系电话", ("本人电话", "成员电话", "个人电话")),
]
LEDGER_COLUMNS = [
    Column("year", "收入年度", ("年度", "收入年份")),
    Column("wage_income", "工资性收入", ("工资性收入（元）",)),
    Column("business_income", "生产经营性收入", ("经营性收入", "家庭经营性收入")),
    Column("business_expense", "生产经营性支出", ("经营性支出", "生产经营费用支出")),
    Column("property_income", "财产性收入", ()),
    Column("transfer_family_planning", "计划生育金", ("计生金",)),
    Column("transfer_dibao", "低保金", ()),
    Column("transfer_tekun", "特困供养金", ()),
    Column("transfer_pension", "养老保险金", ("养老金",)),
    Column("transfer_eco_compensation", "生态补偿金", ()),
    Column("transfer_other", "其他转移性收入", ()),
    Column("medical_out_of_pocket", "合规自付医疗支出", ("自付医疗支出", "医疗自付支出")),
    Column("education_expense", "教育支出", ()),
]
COLUMNS = HOUSEHOLD_COLUMNS + MEMBER_COLUMNS + LEDGER_COLUMNS
_BY_KEY = {c.key: c for c in COLUMNS}
_HOUSEHOLD_KEYS = [c.key for c in HOUSEHOLD_COLUMNS]
_LEDGER_AMOUNTS = [c.key for c in LEDGER_COLUMNS if c.key != "year"]

RELATION_SYNONYMS = {
    "本人": Relation.HEAD, "户主本人": Relation.HEAD, "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE, "子": Relation.SON,
    "儿子": Relation.SON, "长子": Relation.SON, "次子": Relation.SON, "女": Relation.DAUGHTER,
    "女儿": Relation.DAUGHTER, "长女": Relation.DAUGHTER, "次女": Relation.DAUGHTER,
    "儿媳": Relation.DAUGHTER_IN_LAW, "媳妇": Relation.DAUGHTER_IN_LAW,
    "女婿": Relation.SON_IN_LAW, "孙子": Relation.GRANDSON, "孙女": Relation.GRANDDAUGHTER,
    "父亲": Relation.FATHER, "母亲": Relation.MOTHER, "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT, "兄弟": Relation.SIBLING, "姐妹": Relation.SIBLING,
    "兄弟姐妹": Relation.SIBLING, "哥哥": Relation.SIBLING, "弟弟": Relation.SIBLING,
    "姐姐": Relation.SIBLING, "妹妹": Relation.SIBLING,
}
_CHOICE_FIELDS: dict[str, tuple[Any, dict[str, str]]] = {
    "category": (HouseholdCategory, {"脱贫不稳定户": HouseholdCategory.LIFTED,
                                     "是": HouseholdCategory.LIFTED,
                                     "否": HouseholdCategory.ORDINARY,
                                     "一般户": HouseholdCategory.ORDINARY}),
    "housing_grade": (HousingGrade, {"A": "A", "B": "B", "C": "C", "D": "D", "局部危房": "C",
                                     "整栋危房": "D", "整幢危房": "D"}),
    "relation": (Relation, RELATION_SYNONYMS),
    "gender": (Gender, {"男性": Gender.MALE, "女性": Gender.FEMALE}),
    "education": (Education, {"文盲": Education.NONE, "半文盲": Education.NONE,
                              "中专": Education.VOCATIONAL, "中职": Education.VOCATIONAL,
                              "大专": Education.COLLEGE, "本科": Education.COLLEGE,
                              "本科及以上": Education.COLLEGE, "学龄前": Education.PRESCHOOL}),
    "school_stage": (SchoolStage, {"否": SchoolStage.NOT_IN_SCHOOL, "不在校": SchoolStage.NOT_IN_SCHOOL,
                                   "学前": SchoolStage.PRESCHOOL, "幼儿园": SchoolStage.PRESCHOOL,
                                   "初中": SchoolStage.JUNIOR, "高中": SchoolStage.SENIOR,
                                   "大学": SchoolStage.HIGHER, "大专": SchoolStage.HIGHER,
                                   "本科": SchoolStage.HIGHER}),
    "health": (Health, {"患大病": Health.SERIOUS, "慢性病": Health.CHRONIC}),
    "labour_capacity": (LabourCapacity, {"普通劳动力": LabourCapacity.ORDINARY,
                                         "弱劳动力": LabourCapacity.WEAK,
                                         "半劳动力": LabourCapacity.WEAK}),
    "work_area": (WorkArea, {"无": "", "未外出": "", "省内": WorkArea.IN_PROVINCE,
                             "县外省内": WorkArea.IN_PROVINCE}),
}
_BOOL_FIELDS = {"relocated", "water_quantity_ok", "water_quality_ok", "water_convenience_ok",
                "water_assurance_ok", "medical_insurance", "serious_illness_insurance",
                "pension_insurance", "dibao", "tekun"}
_DISABILITY = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1级": 1, "2级": 2, "3级": 3, "4级": 4}


_CHOICE_LABELS = {key: {label: value for value, label in enum.choices}
                  for key, (enum, _synonyms) in _CHOICE_FIELDS.items()}


def _unneutralise(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def _blank_value(key: str) -> Any:
    """What an empty cell parses to (the same as :func:`parse_cell` returns for "")."""
    return parse_cell(key, "")


def parse_cell(key: str, value: Any) -> Any:
    """One cell → its stored value (raises CellError with a Chinese message)."""
    value = _unneutralise(value)
    if key in _BOOL_FIELDS:
        return parse_bool(value)
    if key in _CHOICE_FIELDS:
        return parse_choice(value, _CHOICE_LABELS[key], _CHOICE_FIELDS[key][1])
    if key == "birth_date":
        return parse_date(value)
    if key == "disability_grade":
        text = clean_text(value)
        return _DISABILITY.get(text) if text in _DISABILITY else parse_int(value, minimum=1,
                                                                          maximum=4)
    if key == "work_months":
        return parse_int(value, minimum=0, maximum=12)
    if key == "year":
        return parse_int(value, minimum=2000, maximum=2100)
    if key in _LEDGER_AMOUNTS:
        return parse_decimal(value)
    if key == "id_number":
        return value  # checked by registry.identity with the raw cell (Excel numbers)
    text = clean_text(value)
    if key in {"phone", "member_phone", "bank_account", "region_code"}:
        return text.replace(" ", "").replace("-", "-")
    return text


_BLANK = {c.key: _blank_value(c.key) for c in COLUMNS}

# --- Parsing a file into households ---------------------------------------------------------

@dataclass
class MemberRow:
    row: int
    values: dict[str, Any]


@dataclass
class HouseholdPlan:
    household_no: str
    first_row: int
    values: dict[str, Any] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)
    region: Region | None = None
    existing: Household | None = None


@dataclass
class Parsed:
    result: ValidationResult
    households: dict[str, HouseholdPlan]


def _raw_strings(row: list[Any]) -> list[str]:
    return [clean_text(v) for v in row]


def parse_file(path: Path, original_name: str, *, progress: Progress) -> Parsed:
    result = ValidationResult()
    try:
        table = stream_table(path, original_name=original_name)
        match = locate_header(table.head, COLUMNS)
    except TableReadError as exc:
        result.errors.append(Issue(0, "", "", exc.message))
        return Parsed(result, {})
    header_row = match.header_rows[-1]
    result.header = _raw_strings(table.head[header_row])
    for column in match.missing_required:
        result.errors.append(Issue(0, column.header, "", f"缺少必填列「{column.header}」。"))
    for name in match.duplicated:
        result.errors.append(Issue(0, name, "", f"列「{name}」出现了不止一次，请删除重复的列。"))
    if result.errors:
        return Parsed(result, {})
    has_place = any(c.key in {"village", "region_code"} for c in match.columns.values())
    if not has_place:
        result.errors.append(Issue(0, "行政村（社区）", "", "缺少「行政村（社区）」或「村级区划代码」列。"))
        return Parsed(result, {})
    households: dict[str, HouseholdPlan] = {}
    columns = sorted(match.columns.items())
    rows = table.rows()
    for _ in range(match.data_start):
        next(rows)
    for offset, row in enumerate(rows):
        row_number = match.data_start + offset + 1
        if offset % 2000 == 0:
            progress("读取", offset, 0)
        if all(is_blank(v) for v in row):
            continue
        result.total_rows += 1
        values: dict[str, Any] = {}
        row_errors: list[Issue] = []
        for index, column in columns:
            raw = row[index] if index < len(row) else ""
            if raw is None or raw == "":
                values[column.key] = _BLANK.get(column.key)
                continue
            try:
                values[column.key] = parse_cell(column.key, raw)
            except CellError as exc:
                row_errors.append(Issue(row_number, column.header, clean_text(raw), exc.message))
        for key in ("household_no", "name"):
            if not values.get(key):
                row_errors.append(Issue(row_number, _BY_KEY[key].header, "",
                                        f"「{_BY_KEY[key].header}」不能为空。"))
        if is_blank(values.get("id_number")):
            row_errors.append(Issue(row_number, "身份证号", "", "「身份证号」不能为空。"))
        elif excel_number_message(values["id_number"]):
            row_errors.append(Issue(row_number, "身份证号", clean_text(values["id_number"]),
                                    excel_number_message(values["id_number"]) or ""))
            values["id_number"] = None
        if not values.get("relation") and "relation" not in {e.column for e in row_errors}:
            row_errors.append(Issue(row_number, "与户主关系", "", "「与户主关系」不能为空。"))
        if row_errors:
            result.errors.extend(row_errors)
            result.raw_rows[row_number] = _raw_strings(row)
        number = values.get("household_no") or ""
        if not number:
            continue
        plan = households.get(number)
        if plan is None:
            plan = households[number] = HouseholdPlan(household_no=number, first_row=row_number)
            for key in _HOUSEHOLD_KEYS:
                if key in values:
                    plan.values[key] = values[key]
        else:
            for key in _HOUSEHOLD_KEYS:
                if key in values and not _blankish(values[key]) and \
                        not _blankish(plan.values.get(key)) and plan.values[key] != values[key]:
                    header = _BY_KEY[key].header
                    result.errors.append(Issue(
                        row_number, header, clean_text(row[_index_of(match, key)]),
                        f"同一户（户编号 {number}）的「{header}」与第 {plan.first_row} 行不一致。"))
                    result.raw_rows[row_number] = _raw_strings(row)
                elif key in values and _blankish(plan.values.get(key)):
                    plan.values[key] = values[key]
        for key in ("year", *_LEDGER_AMOUNTS):
            if key in values and values[key] is not None:
                previous = plan.ledger.get(key)
                if previous is not None and previous != values[key]:
                    header = _BY_KEY[key].header
                    result.errors.append(Issue(row_number, header, clean_text(values[key]),
                                               f"同一户的「{header}」与前面的行不一致。"))
                    result.raw_rows[row_number] = _raw_strings(row)
                plan.ledger[key] = values[key]
        plan.members.append(MemberRow(row_number, values))
    progress("读取", result.total_rows, result.total_rows)
    return Parsed(result, households)


def _blankish(value: Any) -> bool:
    return value is None or value == ""


def _index_of(match: Any, key: str) -> int:
    return next(i for i, c in match.columns.items() if c.key == key)


def _chunked(values: list[Any], size: int = 5000) -> Iterable[list[Any]]:
    """Slices for ``__in`` lookups: SQLite allows at most 32,766 parameters per statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- Checking against the rules and the registry --------------------------------------------

def _resolve_villages(actor: User) -> tuple[dict[str, Region], dict[tuple[str, str], list[Region]],
                                            dict[str, list[Region]]]:
    villages = list(Region.objects.visible_to(actor).filter(level=RegionLevel.VILLAGE)
                    .select_related("parent"))
    by_code = {r.code: r for r in villages}
    by_pair: dict[tuple[str, str], list[Region]] = defaultdict(list)
    by_name: dict[str, list[Region]] = defaultdict(list)
    for r in villages:
        by_pair[(r.parent.name if r.parent else "", r.name)].append(r)
        by_name[r.name].append(r)
    return by_code, by_pair, by_name


def check_plans(parsed: Parsed, *, actor: User, today: dt.date, progress: Progress) -> None:
    """Fill ``region`` and ``existing`` of each plan and add every rule violation."""
    result = parsed.result
    if not parsed.households:
        if not result.errors:
            result.errors.append(Issue(0, "", "", "文件中没有数据行。"))
        return
    can_change = actor.has_perm("registry.change_household") and actor.has_perm(
        "registry.add_household")
    if not can_change:
        result.errors.append(Issue(0, "", "", "您的角色不能导入农户台账。"))
        return
    by_code, by_pair, by_name = _resolve_villages(actor)
    numbers = list(parsed.households)
    existing = {h.household_no: h for chunk in _chunked(numbers)
                for h in Household.objects.filter(household_no__in=chunk)}
    visible = {n for chunk in _chunked(numbers)
               for n in Household.objects.visible_to(actor, "change").filter(
                   household_no__in=chunk).values_list("household_no", flat=True)}
    ids_in_file: dict[str, tuple[str, int]] = {}
    all_ids = [normalize(m.values.get("id_number")) for p in parsed.households.values()
               for m in p.members if m.values.get("id_number")]
    active_members = {m.id_number: m for chunk in _chunked(all_ids)
                      for m in Member.objects.filter(id_number__in=chunk, active=True)
                      .select_related("household")}
    total = len(parsed.households)

    def error(row: int, column: str, value: Any, message: str) -> None:
        result.errors.append(Issue(row, column, clean_text(value), message))

    for done, plan in enumerate(parsed.households.values()):
        if done % 1000 == 0:
            progress("校验", done, total)
        first = plan.first_row
        # Where the household lives.
        code = plan.values.get("region_code") or ""
        village = plan.values.get("village") or ""
        township = plan.values.get("township") or ""
        if code:
            padded = code.ljust(12, "0") if code.isdigit() else code
            plan.region = by_code.get(padded)
            if plan.region is None:
                error(first, "村级区划代码", code, f"村级区划代码「{code}」不存在或不在您的管辖范围内。")
        elif village:
            candidates = by_pair.get((township, village)) if township else by_name.get(village)
            if not candidates:
                where = f"{township}{village}" if township else village
                error(first, "行政村（社区）", village, f"「{where}」不存在或不在您的管辖范围内。")
            elif len(candidates) > 1:
                error(first, "行政村（社区）", village,
                      f"您的管辖范围内有 {len(candidates)} 个「{village}」，请填写乡镇或村级区划代码。")
            else:
                plan.region = candidates[0]
        else:
            error(first, "行政村（社区）", "", "「行政村（社区）」和「村级区划代码」至少填写一项。")
        # The household itself.
        plan.existing = existing.get(plan.household_no)
        if plan.existing is not None:
            if plan.household_no not in visible:
                error(first, "户编号", plan.household_no,
                      f"户编号「{plan.household_no}」已被占用，不能导入。")
                plan.existing = None
                continue
            if plan.region is not None and plan.existing.region_id != plan.region.code:
                error(first, "行政村（社区）", village or code,
                      f"户编号「{plan.household_no}」已登记在{plan.existing.region.name}，"
                      "与文件不一致（迁移农户请在系统中办理）。")
            if plan.existing.archived:
                error(first, "户编号", plan.household_no, f"户编号「{plan.household_no}」已归档，不能导入。")
        for field_name, message in check_household_fields(plan.values):
            column = _BY_KEY.get(field_name)
            error(first, column.header if column else "", plan.values.get(field_name), message)
        # Members.
        heads = [m for m in plan.members if m.values.get("relation") == Relation.HEAD]
        if len(heads) != 1:
            error(first, "与户主关系", "", f"户编号「{plan.household_no}」须有且只有一名户主，"
                  f"文件中有 {len(heads)} 名。")
        for member in plan.members:
            values = member.values
            if values.get("id_number") is None:
                continue
            data = {**{k: v for k, v in values.items() if v is not None},
                    "phone": values.get("member_phone") or ""}
            errors, warnings, derived = check_member_fields(data, today=today)
            for field_name, message in errors:
                column = _BY_KEY.get(field_name)
                header = column.header if column else field_name
                raw = values.get(field_name if field_name != "phone" else "member_phone")
                if field_name == "id_number":
                    raw = values.get("id_number")
                error(member.row, header, raw, message)
            for message in warnings:
                result.warnings.append(Issue(member.row, "身份证号",
                                             clean_text(values.get("id_number")), message))
            number = derived.get("id_number")
            if not number:
                continue
            values["_id"] = number
            values["_birth"] = derived["birth_date"]
            values["_gender"] = derived["gender"]
            values["_warnings"] = warnings
            seen = ids_in_file.get(number)
            if seen is not None:
                error(member.row, "身份证号", number,
                      f"身份证号与第 {seen[1]} 行（户编号 {seen[0]}）重复。")
            else:
                ids_in_file[number] = (plan.household_no, member.row)
            other = active_members.get(number)
            if other is not None and other.household.household_no != plan.household_no:
                where = (f"户编号 {other.household.household_no}"
                         if other.household.household_no in visible or Household.objects.visible_to(
                             actor).filter(pk=other.household_id).exists() else "其他地区的农户")
                error(member.row, "身份证号", number,
                      f"该成员已是在册农户（{where}）的成员，一人只能在一个在册农户中。")
    progress("校验", total, total)
    for row in {i.row for i in result.errors if i.row}:
        result.raw_rows.setdefault(row, [])


def _fill_raw(parsed: Parsed, path: Path, original_name: str) -> None:
    missing = {r for r, raw in parsed.result.raw_rows.items() if not raw and r > 0}
    if not missing:
        return
    last = max(missing)
    for index, row in enumerate(stream_table(path, original_name=original_name).rows(), start=1):
        if index in missing:
            parsed.result.raw_rows[index] = _raw_strings(row)
        if index >= last:
            break


# --- Planning and applying ------------------------------------------------------------------

def _member_values(values: dict[str, Any]) -> dict[str, Any]:
    from minsheng.registry.services import MEMBER_FIELDS

    out = {k: values[k] for k in MEMBER_FIELDS if k in values and values[k] is not None
           and k != "phone"}
    if values.get("member_phone") is not None:
        out["phone"] = values["member_phone"]
    return out


def _household_changes(plan: HouseholdPlan) -> dict[str, Any]:
    from minsheng.registry.services import HOUSEHOLD_FIELDS

    wanted = {k: v for k, v in plan.values.items() if k in HOUSEHOLD_FIELDS and v is not None}
    if plan.existing is None:
        return wanted
    return {k: v for k, v in wanted.items() if getattr(plan.existing, k) != v}


def summarize(parsed: Parsed) -> dict[str, int]:
    counts = dict.fromkeys(("households_new", "households_changed", "households_unchanged",
                            "members_new", "members_changed", "members_unchanged",
                            "ledgers_new", "ledgers_changed", "ledgers_unchanged"), 0)
    existing_ids = [p.existing.pk for p in parsed.households.values() if p.existing]
    members = {(m.household_id, m.id_number): m for chunk in _chunked(existing_ids)
               for m in Member.objects.filter(household_id__in=chunk, active=True)}
    ledgers = {(lg.household_id, lg.year): lg for chunk in _chunked(existing_ids)
               for lg in IncomeLedger.objects.filter(household_id__in=chunk)}
    for plan in parsed.households.values():
        if plan.existing is None:
            counts["households_new"] += 1
            counts["members_new"] += len(plan.members)
            counts["ledgers_new"] += 1 if plan.ledger.get("year") else 0
            continue
        counts["households_changed" if _household_changes(plan) else "households_unchanged"] += 1
        for m in plan.members:
            current = members.get((plan.existing.pk, m.values.get("_id")))
            if current is None:
                counts["members_new"] += 1
            elif any(getattr(current, k) != v for k, v in _member_values(m.values).items()):
                counts["members_changed"] += 1
            else:
                counts["members_unchanged"] += 1
        if plan.ledger.get("year"):
            current = ledgers.get((plan.existing.pk, plan.ledger["year"]))
            amounts = {k: v for k, v in plan.ledger.items() if k != "year"}
            if current is None:
                counts["ledgers_new"] += 1
            elif any(getattr(current, k) != Decimal(v) for k, v in amounts.items()):
                counts["ledgers_changed"] += 1
            else:
                counts["ledgers_unchanged"] += 1
    return counts


def _apply_plan(plan: HouseholdPlan, *, actor: User, today: dt.date, batch_id: int | None) -> None:
    """An existing household: only what differs goes through the services (history, audit)."""
    from minsheng.registry import services

    household = plan.existing
    assert household is not None  # noqa: S101 - new households go through _bulk_register
    changes = _household_changes(plan)
    if changes:
        household = services.household_update(actor=actor, household=household,
                                              version=household.version, batch_id=batch_id,
                                              **changes)
    current = {m.id_number: m for m in household.members.filter(active=True)}
    # Demotions before promotions, so the household never has two heads.
    ordered = sorted(plan.members, key=lambda m: m.values.get("relation") == Relation.HEAD)
    for row in ordered:
        values = _member_values(row.values)
        member = current.get(row.values["_id"])
        if member is None:
            services.member_add(actor=actor, household=household,
                                data={**values, "id_number": row.values["_id"]},
                                today=today, batch_id=batch_id)
            continue
        diff = {k: v for k, v in values.items() if getattr(member, k) != v}
        if diff:
            services.member_update(actor=actor, member=member, version=member.version,
                                   today=today, batch_id=batch_id, **diff)
    if plan.ledger.get("year"):
        amounts = {k: v for k, v in plan.ledger.items() if k != "year" and v is not None}
        current_ledger = IncomeLedger.objects.filter(household=household,
                                                     year=plan.ledger["year"]).first()
        if current_ledger is None or any(getattr(current_ledger, k) != Decimal(v)
                                         for k, v in amounts.items()):
            services.ledger_save(actor=actor, household=household, year=plan.ledger["year"],
                                 version=current_ledger.version if current_ledger else None,
                                 batch_id=batch_id, **amounts)


_MEMBER_INSERT = ("household", "id_number", "birth_date", "gender", "name", "ethnicity",
                  "relation", "education", "school_stage", "health", "disability_grade",
                  "labour_capacity", "work_area", "work_months", "medical_insurance",
                  "serious_illness_insurance", "pension_insurance", "dibao", "tekun", "phone",
                  "active", "archive_reason", "version", "created_at", "updated_at")


def _member_row(household_id: int, values: dict[str, Any], now: dt.datetime) -> tuple[Any, ...]:
    v = _member_values(values)
    return (household_id, values["_id"], values["_birth"], values["_gender"], v["name"],
            v.get("ethnicity") or "汉族", v["relation"], v.get("education") or "",
            v.get("school_stage") or SchoolStage.NOT_IN_SCHOOL, v.get("health") or Health.HEALTHY,
            v.get("disability_grade"), v.get("labour_capacity") or LabourCapacity.ORDINARY,
            v.get("work_area") or "", v.get("work_months") or 0,
            v.get("medical_insurance", True), v.get("serious_illness_insurance", True),
            v.get("pension_insurance", False), v.get("dibao", False), v.get("tekun", False),
            v.get("phone") or "", True, "", 1, now, now)


def _bulk_register(plans: list[HouseholdPlan], *, actor: User, batch_id: int | None,
                   progress: Progress, done: int, total: int) -> None:
    """New households in bulk: the rows the services would write (households, members,
    ledgers, search keys, history, one audit event per household), in batched INSERTs.

    Every rule the services apply was checked by :func:`check_plans` on these very values, and
    the database constraints (unique 户编号, one active household per ID, one 户主) stand behind
    it inside the same transaction.
    """
    from minsheng.core.audit import record_events_bulk
    from minsheng.core.bulk import insert_rows
    from minsheng.registry.models import HouseholdChange, SearchKey
    from minsheng.registry.search import name_keys
    from minsheng.registry.services import HOUSEHOLD_FIELDS

    now = timezone.now()
    amounts = [k for k in _LEDGER_AMOUNTS]
    for start in range(0, len(plans), 2000):
        chunk = plans[start:start + 2000]
        households = []
        for plan in chunk:
            head = next(m for m in plan.members if m.values.get("relation") == Relation.HEAD)
            fields = {k: v for k, v in plan.values.items()
                      if k in HOUSEHOLD_FIELDS and v is not None}
            households.append(Household(household_no=plan.household_no,
                                        region_id=plan.region.code,  # type: ignore[union-attr]
                                        head_name=head.values["name"], **fields))
        households = Household.objects.bulk_create(households)
        pairs = list(zip(chunk, households, strict=True))
        insert_rows(Member, _MEMBER_INSERT,
                    (_member_row(h.pk, row.values, now) for plan, h in pairs
                     for row in plan.members))
        insert_rows(IncomeLedger, ("household", "year", *amounts, "version", "updated_at"),
                    ((h.pk, plan.ledger["year"],
                      *[plan.ledger.get(k) or Decimal(0) for k in amounts], 1, now)
                     for plan, h in pairs if plan.ledger.get("year")))
        insert_rows(SearchKey, ("household", "region_code", "key"),
                    ((h.pk, h.region_id, key) for plan, h in pairs
                     for key in sorted({k for row in plan.members
                                        for k in name_keys(row.values["name"])})))
        insert_rows(HouseholdChange, ("household", "at", "actor", "actor_name", "subject",
                                      "subject_id", "subject_label", "action", "changes",
                                      "note", "import_batch_id"),
                    ((h.pk, now, actor.pk, actor.get_username(), "household", h.pk,
                      h.head_name[:100], "导入登记",
                      {"household_no": [None, h.household_no], "region_id": [None, h.region_id],
                       "members": [None, [row.values["name"] for row in plan.members]]},
                      "", batch_id) for plan, h in pairs))
        record_events_bulk(actor=actor, event_type=AuditEventType.HOUSEHOLD_REGISTERED, events=[
            {"subject_type": "registry.household", "subject_id": h.pk,
             "subject_repr": f"{h.household_no} {h.head_name}", "region_code": h.region_id,
             "note": "导入登记",
             "changes": {"household_no": [None, h.household_no],
                         "members": [None, len(plan.members)]},
             "extra": {"household_id": h.pk, "import_batch": batch_id}}
            for plan, h in pairs])
        progress("写入", done + start + len(chunk), total)


class RegistryImporter:
    kind = "registry"
    label = "农户台账"
    permission = "registry.add_household"

    def validate(self, *, actor: User, path: Path, original_name: str,
                 progress: Progress) -> ValidationResult:
        today = timezone.localdate()
        parsed = parse_file(path, original_name, progress=progress)
        if not any(i.row == 0 for i in parsed.result.errors):
            check_plans(parsed, actor=actor, today=today, progress=progress)
        _fill_raw(parsed, path, original_name)
        if parsed.result.ok:
            parsed.result.summary = summarize(parsed)
        return parsed.result

    def apply(self, *, actor: User, path: Path, original_name: str, batch_id: int | None,
              progress: Progress) -> dict[str, int]:
        today = timezone.localdate()
        with transaction.atomic():
            parsed = parse_file(path, original_name, progress=progress)
            if parsed.result.ok:
                check_plans(parsed, actor=actor, today=today, progress=progress)
            if not parsed.result.ok:
                _fill_raw(parsed, path, original_name)
                raise ImportRejected(parsed.result)
            summary = summarize(parsed)
            total = len(parsed.households)
            new = [p for p in parsed.households.values() if p.existing is None]
            known = [p for p in parsed.households.values() if p.existing is not None]
            plan = new[0] if new else None
            try:
                _bulk_register(new, actor=actor, batch_id=batch_id, progress=progress, done=0,
                               total=total)
                for done, plan in enumerate(known, start=len(new)):
                    if done % 200 == 0:
                        progress("写入", done, total)
                    _apply_plan(plan, actor=actor, today=today, batch_id=batch_id)
            except MinshengError as exc:
                parsed.result.errors.append(Issue(plan.first_row if plan else 0, "",
                                                  plan.household_no if plan else "",
                                                  exc.message))
                _fill_raw(parsed, path, original_name)
                raise ImportRejected(parsed.result) from exc
            # Scope re-check: every household the file touched is still the actor's to change.
            touched = list(parsed.households)
            allowed = sum(Household.objects.visible_to(actor, "change").filter(
                household_no__in=chunk).count() for chunk in _chunked(touched))
            if allowed != len(touched):
                raise InvalidInput("导入涉及管辖范围以外的农户，已全部撤销。")
            record_event(actor=actor, event_type=AuditEventType.IMPORT_APPLIED,
                         subject_type="core.importbatch", subject_id=str(batch_id or ""),
                         subject_repr=original_name, note=f"导入农户台账「{original_name}」",
                         extra=summary)
            progress("写入", total, total)
        return summary


register_importer(RegistryImporter())


# --- Template and export --------------------------------------------------------------------

def _neutralise(value: str) -> str:
    """Keep a cell that starts with = + - @ from being read as a formula (CSV/Excel injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def template_workbook() -> tempfile._TemporaryFileWrapper[bytes]:
    """The blank import template (导入模板): the header, one example row, and a help sheet."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to caller
    book = xlsxwriter.Workbook(handle.name)
    text = book.add_format({"num_format": "@"})
    required = book.add_format({"bold": True, "bg_color": "#FDE2E2", "border": 1})
    normal = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet = book.add_worksheet("农户台账")
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header, required if column.required else normal)
        sheet.set_column(col, col, column.width, text)
        if column.help:
            sheet.write_comment(0, col, column.help)
    sheet.freeze_panes(1, 0)
    help_sheet = book.add_worksheet("填写说明")
    help_sheet.write_row(0, 0, ["列名", "必填", "可用的其他列名", "说明", "可选值"], normal)
    for row, column in enumerate(COLUMNS, start=1):
        options = ""
        if column.key in _CHOICE_FIELDS:
            options = " / ".join(label for _v, label in _CHOICE_FIELDS[column.key][0].choices
                                 if label)
        elif column.key in _BOOL_FIELDS:
            options = "是 / 否"
        help_sheet.write_row(row, 0, [column.header, "是" if column.required else "",
                                      "、".join(column.synonyms), column.help, options])
    help_sheet.set_column(0, 0, 18)
    help_sheet.set_column(1, 1, 6)
    help_sheet.set_column(2, 4, 40)
    book.close()
    handle.seek(0)
    return handle


def _label(enum: Any, value: Any) -> str:
    if value in (None, ""):
        return ""
    return str(dict(enum.choices).get(value, value))


def _bool(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def export_rows(households: Iterable[Household], *, reveal: bool,
                year: int | None = None) -> Iterable[list[Any]]:
    from minsheng.core.masking import mask_bank_account, mask_id_number, mask_phone

    mask: Callable[[str], str] = (lambda v: v) if reveal else mask_phone
    for chunk in _chunks(households, 500):
        ids = [h.pk for h in chunk]
        members: dict[int, list[Member]] = defaultdict(list)
        for m in Member.objects.filter(household_id__in=ids, active=True).order_by(
                "household_id", "id"):
            members[m.household_id].append(m)
        ledgers: dict[int, IncomeLedger] = {}
        ledger_qs = IncomeLedger.objects.filter(household_id__in=ids).order_by("household_id",
                                                                              "year")
        if year:
            ledger_qs = ledger_qs.filter(year=year)
        for lg in ledger_qs:
            ledgers[lg.household_id] = lg  # the latest year wins
        for h in chunk:
            base = [h.household_no, h.region.parent.name if h.region.parent else "", h.region.name,
                    h.region.code, h.group_name, h.address, _label(HouseholdCategory, h.category),
                    _bool(h.relocated), mask(h.phone), h.bank_name,
                    h.bank_account if reveal else mask_bank_account(h.bank_account),
                    h.housing_grade, _bool(h.water_quantity_ok), _bool(h.water_quality_ok),
                    _bool(h.water_convenience_ok), _bool(h.water_assurance_ok)]
            lg = ledgers.get(h.pk)
            ledger = [lg.year, *[getattr(lg, k) for k in _LEDGER_AMOUNTS]] if lg else \
                [""] * len(LEDGER_COLUMNS)
            ordered = sorted(members[h.pk], key=lambda m: m.relation != Relation.HEAD)
            for m in ordered:
                yield [*base,
                       m.name, m.id_number if reveal else mask_id_number(m.id_number),
                       _label(Relation, m.relation), _label(Gender, m.gender),
                       m.birth_date.isoformat(), m.ethnicity, _label(Education, m.education),
                       _label(SchoolStage, m.school_stage), _label(Health, m.health),
                       m.disability_grade or "", _label(LabourCapacity, m.labour_capacity),
                       _label(WorkArea, m.work_area), m.work_months,
                       _bool(m.medical_insurance), _bool(m.serious_illness_insurance),
                       _bool(m.pension_insurance), _bool(m.dibao), _bool(m.tekun),
                       mask(m.phone), *ledger]


def _chunks(items: Iterable[Household], size: int) -> Iterable[list[Household]]:
    chunk: list[Household] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_workbook(households: Iterable[Household], *, reveal: bool,
                    year: int | None = None) -> tuple[tempfile._TemporaryFileWrapper[bytes], int]:
    """The households in the template's layout (导出), one row per member."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to caller
    book = xlsxwriter.Workbook(handle.name, {"constant_memory": True, "strings_to_numbers": False,
                                             "strings_to_formulas": False,
                                             "strings_to_urls": False})
    head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet = book.add_worksheet("农户台账")
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header, head)
        sheet.set_column(col, col, column.width)
    count = 0
    for count, row in enumerate(export_rows(households, reveal=reveal, year=year), start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                sheet.write_number(count, col, float(value))
            else:
                sheet.write_string(count, col, _neutralise(str(value)))
    sheet.freeze_panes(1, 0)
    book.close()
    handle.seek(0)
    return handle, count
