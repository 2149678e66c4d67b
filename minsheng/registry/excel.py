"""The registry's column spec (农户台账导入导出模板): one spec is the import template, the import
parser and the export layout, so they cannot drift apart.

One row per member; household columns are repeated on every member row, as government sheets
do. A household's income ledger for one year is given on its rows too (repeated, or on the
户主's row only).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import connection, transaction
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.bulk import Inserter, bulk_write_cache, can_fork, deferred_indexes
from minsheng.core.errors import MinshengError
from minsheng.core.imports import (
    MAX_KEPT_WARNINGS,
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
from minsheng.registry import summary as screening_summary
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
from minsheng.registry.identity import excel_number_message
from minsheng.registry.models import Household, HouseholdChange, IncomeLedger, Member, SearchKey
from minsheng.registry.tasks import refresh_screening_summary
from minsheng.registry.validation import (
    check_household_fields,
    check_ledger_fields,
    check_member_fields,
)

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
                                   "本科": SchoolStage.HIGHER, "缓学": SchoolStage.EXEMPT,
                                   "免学": SchoolStage.EXEMPT, "缓学免学": SchoolStage.EXEMPT}),
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
    if key in _COMPACT_TEXT:
        return text.replace(" ", "")
    return text


_COMPACT_TEXT = {"phone", "member_phone", "bank_account", "region_code"}


_BLANK = {c.key: _blank_value(c.key) for c in COLUMNS}

# --- Parsing a file into households ---------------------------------------------------------
#
# A province-size file is ~350,000 rows × ~48 columns. The parse is one pass over the rows with
# a parser chosen per column up front (memoised for the repetitive columns: 是/否, choice labels,
# years), member rows kept as tuples rather than dicts, and the file read once for the CLI (the
# plan that validation built is what gets applied).

_MEMBER_KEYS = tuple(c.key for c in MEMBER_COLUMNS)
_MEMBER_POS = {key: i for i, key in enumerate(_MEMBER_KEYS)}
# Columns whose values are mostly distinct: memoising them would only cost memory.
_DISTINCT = {"household_no", "name", "id_number", "address", "phone", "member_phone",
             "bank_account"}
_MEMO_LIMIT = 50_000  # per column; birth dates of a province repeat within ~40,000 days
_HOUSEHOLD, _MEMBER, _LEDGER = 0, 1, 2


class MemberRow:
    """One member row of the file: its sheet row number and its values in ``_MEMBER_KEYS``
    order (None where the column is absent), plus what the ID number gives once checked."""

    __slots__ = ("birth", "gender", "id", "row", "values")

    def __init__(self, row: int, values: tuple[Any, ...]) -> None:
        self.row = row
        self.values = values
        self.id: str | None = None
        self.birth: dt.date | None = None
        self.gender: str | None = None

    def get(self, key: str) -> Any:
        return self.values[_MEMBER_POS[key]]


@dataclass(slots=True)
class HouseholdPlan:
    household_no: str
    first_row: int
    values: dict[str, Any] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)
    region: Region | None = None
    existing: Household | None = None
    unchanged: bool = False


@dataclass
class Parsed:
    result: ValidationResult
    households: dict[str, HouseholdPlan]

    @property
    def file_ok(self) -> bool:
        """No file-level problem (unreadable, header missing): the rows could be read."""
        return not any(i.row == 0 for i in self.result.errors)


def _raw_strings(row: list[Any]) -> list[str]:
    return [clean_text(v) for v in row]


def _column_parser(key: str) -> Callable[[Any], Any]:
    """``parse_cell`` for one column; for repetitive columns a memo of raw value → outcome
    (a CellError is remembered as well and raised again)."""
    if key in _DISTINCT:
        return _distinct_parser(key)
    # Keyed by the raw value for text and floats only (1 == 1.0 == True would mix types).
    memo: dict[Any, Any] = {}
    missing = object()

    def parse(raw: Any) -> Any:
        kind = type(raw)
        outcome = memo.get(raw, missing) if kind is str or kind is float else missing
        if outcome is missing:
            try:
                outcome = parse_cell(key, raw)
            except CellError as exc:
                outcome = exc
            if (kind is str or kind is float) and len(memo) < _MEMO_LIMIT:
                memo[raw] = outcome
        if type(outcome) is CellError:
            raise CellError(outcome.message)
        return outcome

    return parse


def _distinct_parser(key: str) -> Callable[[Any], Any]:
    """The branch of ``parse_cell`` for one of the ``_DISTINCT`` columns, chosen once."""
    if key == "id_number":
        return _unneutralise
    if key in _COMPACT_TEXT:
        return lambda raw: clean_text(_unneutralise(raw)).replace(" ", "")
    return lambda raw: clean_text(_unneutralise(raw))


def parse_file(path: Path, original_name: str, *, progress: Progress) -> Parsed:
    """Read the rows into household plans, with every cell-level problem as an error."""
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
    if not any(c.key in {"village", "region_code"} for c in match.columns.values()):
        result.errors.append(Issue(0, "行政村（社区）", "", "缺少「行政村（社区）」或「村级区划代码」列。"))
        return Parsed(result, {})
    household_keys = set(_HOUSEHOLD_KEYS)
    household_specs, member_specs = [], []
    for index, column in sorted(match.columns.items()):
        target = (_HOUSEHOLD if column.key in household_keys else
                  _MEMBER if column.key in _MEMBER_POS else _LEDGER)
        spec = (index, column.key, column.header, _column_parser(column.key), target,
                _MEMBER_POS.get(column.key, -1), _BLANK[column.key])
        (member_specs if target == _MEMBER else household_specs).append(spec)
    width = max(match.columns) + 1
    # The household and ledger cells repeat on every member row: a row whose cells equal the
    # household's first row is not parsed again.
    household_cells = itemgetter(*[spec[0] for spec in household_specs], 0)
    number_index = _index_of(match, "household_no")
    parse_number = _column_parser("household_no")
    households: dict[str, HouseholdPlan] = {}
    first_cells: dict[str, tuple[Any, ...]] = {}
    rows = table.rows()
    for _ in range(match.data_start):
        next(rows)
    empty_member = [None] * len(_MEMBER_KEYS)
    name_at, id_at, relation_at = (_MEMBER_POS[k] for k in ("name", "id_number", "relation"))
    row_number = match.data_start
    for row in rows:
        row_number += 1
        if row_number % 5000 == 0:
            progress("读取", row_number, 0)
        if all(is_blank(v) for v in row):  # stops at the first filled cell
            continue
        if len(row) < width:
            row = [*row, *[""] * (width - len(row))]
        result.total_rows += 1
        row_errors: list[Issue] = []
        raw_number = row[number_index]
        number = "" if raw_number == "" or raw_number is None else parse_number(raw_number)
        plan = households.get(number) if number else None
        cells = household_cells(row)
        if plan is None or first_cells[number] != cells:
            household: dict[str, Any] = {}
            ledger: dict[str, Any] = {}
            for index, key, header, parse, target, _position, blank in household_specs:
                raw = row[index]
                if raw == "" or raw is None:
                    value = blank
                else:
                    try:
                        value = parse(raw)
                    except CellError as exc:
                        row_errors.append(Issue(row_number, header, clean_text(raw),
                                                exc.message))
                        continue
                if target == _HOUSEHOLD:
                    household[key] = value
                elif value is not None:
                    ledger[key] = value
            if number and plan is None:
                plan = households[number] = HouseholdPlan(
                    household_no=number, first_row=row_number, values=household, ledger=ledger)
                first_cells[number] = cells
            elif plan is not None:
                if household != plan.values:
                    _merge_household(plan, household, row, row_number, match, result)
                if ledger and ledger != plan.ledger:
                    _merge_ledger(plan, ledger, row, row_number, result)
        member = empty_member.copy()
        for index, _key, header, parse, _target, position, blank in member_specs:
            raw = row[index]
            if raw == "" or raw is None:
                member[position] = blank
                continue
            try:
                member[position] = parse(raw)
            except CellError as exc:
                row_errors.append(Issue(row_number, header, clean_text(raw), exc.message))
        if not number:
            row_errors.append(Issue(row_number, "户编号", "", "「户编号」不能为空。"))
        if not member[name_at]:
            row_errors.append(Issue(row_number, "姓名", "", "「姓名」不能为空。"))
        raw_id = member[id_at]
        if is_blank(raw_id):
            row_errors.append(Issue(row_number, "身份证号", "", "「身份证号」不能为空。"))
            member[id_at] = None
        elif excel := excel_number_message(raw_id):
            row_errors.append(Issue(row_number, "身份证号", clean_text(raw_id), excel))
            member[id_at] = None
        if not member[relation_at] and not any(e.column == "与户主关系" for e in row_errors):
            row_errors.append(Issue(row_number, "与户主关系", "", "「与户主关系」不能为空。"))
        if row_errors:
            result.errors.extend(row_errors)
            result.raw_rows[row_number] = _raw_strings(row)
        if plan is not None:
            plan.members.append(MemberRow(row_number, tuple(member)))
    progress("读取", result.total_rows, result.total_rows)
    return Parsed(result, households)


def _merge_household(plan: HouseholdPlan, values: dict[str, Any], row: list[Any],
                     row_number: int, match: Any, result: ValidationResult) -> None:
    """A later row of the same household: blanks are filled, disagreements are errors."""
    for key, value in values.items():
        if _blankish(value):
            continue
        current = plan.values.get(key)
        if _blankish(current):
            plan.values[key] = value
        elif current != value:
            header = _BY_KEY[key].header
            result.errors.append(Issue(
                row_number, header, clean_text(row[_index_of(match, key)]),
                f"同一户（户编号 {plan.household_no}）的「{header}」与第 {plan.first_row} 行不一致。"))
            result.raw_rows[row_number] = _raw_strings(row)


def _merge_ledger(plan: HouseholdPlan, values: dict[str, Any], row: list[Any], row_number: int,
                  result: ValidationResult) -> None:
    for key, value in values.items():
        previous = plan.ledger.get(key)
        if previous is not None and previous != value:
            header = _BY_KEY[key].header
            result.errors.append(Issue(row_number, header, clean_text(value),
                                       f"同一户的「{header}」与前面的行不一致。"))
            result.raw_rows[row_number] = _raw_strings(row)
        plan.ledger[key] = value


def _blankish(value: Any) -> bool:
    return value is None or value == ""


def _index_of(match: Any, key: str) -> int:
    return next(i for i, c in match.columns.items() if c.key == key)


def _chunked(values: list[Any], size: int = 5000) -> Iterable[list[Any]]:
    """Slices for ``__in`` lookups: SQLite allows at most 32,766 parameters per statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- Checking: the rules (no database), then the registry -----------------------------------

# Files with at least this many households are checked on two processes (os.fork): the rules
# are pure Python over the parsed rows, and the second core is otherwise idle meanwhile.
PARALLEL_CHECK_MIN = 20_000
_FORKED: tuple[list[HouseholdPlan], dt.date] | None = None


def check_rows(parsed: Parsed, *, today: dt.date, progress: Progress) -> None:
    """Every rule that needs only the file: household fields, exactly one 户主, member fields
    and ID numbers (birth date and gender derived), IDs repeated within the file."""
    result = parsed.result
    if not parsed.households:
        if not result.errors:
            result.errors.append(Issue(0, "", "", "文件中没有数据行。"))
        return
    plans = list(parsed.households.values())
    progress("校验", 0, len(plans))
    if len(plans) >= PARALLEL_CHECK_MIN and can_fork():
        outcomes = _check_in_two_processes(plans, today)
    else:
        outcomes = [_check_plans(plans, 0, len(plans), today)]
    for errors, (warnings, warning_total), derived in outcomes:
        result.errors.extend(errors)
        result.warn(warnings, warning_total)
        for index, position, number, birth, gender in derived:
            member = plans[index].members[position]
            member.id, member.birth, member.gender = number, birth, gender
    # ID numbers repeated within the file, in file order.
    ids_in_file: dict[str, tuple[str, int]] = {}
    for plan in plans:
        for member in plan.members:
            if member.id is None:
                continue
            seen = ids_in_file.get(member.id)
            if seen is not None:
                result.errors.append(Issue(member.row, "身份证号", member.id,
                                           f"身份证号与第 {seen[1]} 行（户编号 {seen[0]}）重复。"))
            else:
                ids_in_file[member.id] = (plan.household_no, member.row)
    result.errors.sort(key=lambda issue: issue.row)
    progress("校验", len(plans), len(plans))


_Derived = tuple[int, int, str, dt.date, str]
_Outcome = tuple[list[Issue], tuple[list[Issue], int], list[_Derived]]


def _check_plans(plans: list[HouseholdPlan], start: int, end: int, today: dt.date) -> _Outcome:
    """The rules for ``plans[start:end]``: their errors, warnings, and per member what the ID
    number gives (by index, so the outcome can come back from another process)."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    warning_total = 0
    derived_rows: list[_Derived] = []
    head = Relation.HEAD
    relation_at = _MEMBER_POS["relation"]

    def error(row: int, column: str, value: Any, message: str) -> None:
        errors.append(Issue(row, column, clean_text(value), message))

    for index in range(start, end):
        plan = plans[index]
        first = plan.first_row
        for field_name, message in check_household_fields(plan.values):
            column = _BY_KEY.get(field_name)
            error(first, column.header if column else "", plan.values.get(field_name), message)
        if plan.ledger:
            amounts = {k: v for k, v in plan.ledger.items() if k != "year"}
            if "year" not in plan.ledger:
                if any(amounts.values()):
                    error(first, "收入年度", "", "填写了收支金额时须填写「收入年度」。")
            else:
                for field_name, message in check_ledger_fields(plan.ledger["year"], amounts):
                    column = _BY_KEY.get(field_name)
                    error(first, column.header if column else "", plan.ledger.get(field_name),
                          message)
        heads = sum(1 for m in plan.members if m.values[relation_at] == head)
        if heads != 1:
            error(first, "与户主关系", "", f"户编号「{plan.household_no}」须有且只有一名户主，"
                  f"文件中有 {heads} 名。")
        for position, member in enumerate(plan.members):
            if member.get("id_number") is None:
                continue
            data = {k: v for k, v in zip(_MEMBER_KEYS, member.values, strict=True)
                    if v is not None}
            data["phone"] = data.get("member_phone") or ""
            member_errors, member_warnings, derived = check_member_fields(data, today=today)
            for field_name, message in member_errors:
                column = _BY_KEY.get(field_name)
                header = column.header if column else field_name
                raw = data.get(field_name if field_name != "phone" else "member_phone")
                error(member.row, header, raw, message)
            warning_total += len(member_warnings)
            for message in member_warnings:
                if len(warnings) < MAX_KEPT_WARNINGS:
                    warnings.append(Issue(member.row, "身份证号",
                                          clean_text(member.get("id_number")), message))
            number = derived.get("id_number")
            if number:
                derived_rows.append((index, position, number, derived["birth_date"],
                                     derived["gender"]))
    return errors, (warnings, warning_total), derived_rows


def _release_in_background(garbage: list[Any]) -> threading.Thread:
    """Drop the last references to ``garbage``'s items on a thread of its own."""
    thread = threading.Thread(target=garbage.clear, name="release-plan", daemon=True)
    thread.start()
    return thread


def _check_forked_half(start: int, end: int) -> _Outcome:
    assert _FORKED is not None  # noqa: S101 - set by the parent before forking
    plans, today = _FORKED
    return _check_plans(plans, start, end, today)


def _check_in_two_processes(plans: list[HouseholdPlan], today: dt.date) -> list[_Outcome]:
    """The second half in a forked child, which sees the parsed rows without copying them
    (copy-on-write) and sends back only its outcome; the first half here meanwhile. The child
    touches no database connection and leaves with ``os._exit`` (multiprocessing's fork)."""
    global _FORKED
    half = len(plans) // 2
    _FORKED = (plans, today)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            second = pool.apply_async(_check_forked_half, (half, len(plans)))
            first = _check_plans(plans, 0, half, today)
            return [first, second.get()]
    finally:
        _FORKED = None


def _lookup(sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (one ``IN ({})``) over ``values`` in slices; the rows found."""
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in _chunked(values):
            cursor.execute(sql.format(", ".join(["%s"] * len(chunk))), chunk)
            found.extend(cursor.fetchall())
    return found


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


def check_registry(parsed: Parsed, *, actor: User) -> None:
    """The rules that need the registry: where each household lives (a village in the actor's
    scope), 户编号 taken or archived, a member already active in another household. Sets each
    plan's ``region`` and ``existing``; run again inside the applying transaction."""
    result = parsed.result
    if not parsed.households:
        return
    if not (actor.has_perm("registry.change_household")
            and actor.has_perm("registry.add_household")):
        result.errors.append(Issue(0, "", "", "您的角色不能导入农户台账。"))
        return
    by_code, by_pair, by_name = _resolve_villages(actor)
    numbers = list(parsed.households)
    # Which 户编号 and ID numbers the registry knows: plain IN lookups (the ORM would resolve
    # each of the file's values as an expression), then the ORM for the few that exist.
    # A first load into an empty registry has nothing to look up.
    empty = not Household.objects.exists()
    taken = [] if empty else _lookup(
        f"SELECT household_no FROM {Household._meta.db_table} "  # noqa: S608
        "WHERE household_no IN ({})", numbers)
    existing = {h.household_no: h for chunk in _chunked([n for n, in taken])
                for h in Household.objects.filter(household_no__in=chunk)
                .select_related("region")}
    visible = {n for chunk in _chunked(list(existing))
               for n in Household.objects.visible_to(actor, "change").filter(
                   household_no__in=chunk).values_list("household_no", flat=True)}
    all_ids = [] if empty else [m.id for p in parsed.households.values() for m in p.members
                                if m.id]
    active = {number: (household_id, household_no) for number, household_id, household_no in
              _lookup(f"SELECT m.id_number, m.household_id, h.household_no "  # noqa: S608
                      f"FROM {Member._meta.db_table} m JOIN {Household._meta.db_table} h "
                      "ON h.id = m.household_id WHERE m.active AND m.id_number IN ({})",
                      all_ids)}

    def error(row: int, column: str, value: Any, message: str) -> None:
        result.errors.append(Issue(row, column, clean_text(value), message))

    for plan in parsed.households.values():
        first = plan.first_row
        code = plan.values.get("region_code") or ""
        village = plan.values.get("village") or ""
        township = plan.values.get("township") or ""
        plan.region = None
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
        for member in plan.members:
            other = active.get(member.id) if member.id else None
            if other is None or other[1] == plan.household_no:
                continue
            where = (f"户编号 {other[1]}" if other[1] in visible or Household.objects.visible_to(
                actor).filter(pk=other[0]).exists() else "其他地区的农户")
            error(member.row, "身份证号", member.id,
                  f"该成员已是在册农户（{where}）的成员，一人只能在一个在册农户中。")


def _finish(parsed: Parsed, path: Path, original_name: str) -> None:
    """Every row with a problem gets its cells (for the error workbook)."""
    for row in {i.row for i in parsed.result.errors if i.row}:
        parsed.result.raw_rows.setdefault(row, [])
    _fill_raw(parsed, path, original_name)


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

def _member_values(member: MemberRow) -> dict[str, Any]:
    """The member's values for the services (MEMBER_FIELDS), absent columns left out."""
    from minsheng.registry.services import MEMBER_FIELDS

    out = {k: member.values[_MEMBER_POS[k]] for k in MEMBER_FIELDS
           if k in _MEMBER_POS and k != "phone" and member.values[_MEMBER_POS[k]] is not None}
    phone = member.get("member_phone")
    if phone is not None:
        out["phone"] = phone
    return out


def _household_changes(plan: HouseholdPlan) -> dict[str, Any]:
    from minsheng.registry.services import HOUSEHOLD_FIELDS

    wanted = {k: v for k, v in plan.values.items() if k in HOUSEHOLD_FIELDS and v is not None}
    if plan.existing is None:
        return wanted
    return {k: v for k, v in wanted.items() if getattr(plan.existing, k) != v}


def summarize(parsed: Parsed) -> dict[str, int]:
    """Counts for the preview; marks the households the file would not change at all."""
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
        changed = bool(_household_changes(plan))
        counts["households_changed" if changed else "households_unchanged"] += 1
        for m in plan.members:
            current = members.get((plan.existing.pk, m.id))
            if current is None:
                counts["members_new"] += 1
                changed = True
            elif any(getattr(current, k) != v for k, v in _member_values(m).items()):
                counts["members_changed"] += 1
                changed = True
            else:
                counts["members_unchanged"] += 1
        if plan.ledger.get("year"):
            current = ledgers.get((plan.existing.pk, plan.ledger["year"]))
            amounts = {k: v for k, v in plan.ledger.items() if k != "year"}
            if current is None:
                counts["ledgers_new"] += 1
                changed = True
            elif any(getattr(current, k) != Decimal(v) for k, v in amounts.items()):
                counts["ledgers_changed"] += 1
                changed = True
            else:
                counts["ledgers_unchanged"] += 1
        plan.unchanged = not changed
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
    ordered = sorted(plan.members, key=lambda m: m.get("relation") == Relation.HEAD)
    for row in ordered:
        values = _member_values(row)
        member = current.get(row.id)
        if member is None:
            services.member_add(actor=actor, household=household,
                                data={**values, "id_number": row.id}, today=today,
                                batch_id=batch_id)
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


_HOUSEHOLD_INSERT = ("id", "household_no", "region", "head_name", "group_name", "address",
                     "phone", "bank_name", "bank_account", "category", "relocated",
                     "housing_grade", "water_quantity_ok", "water_quality_ok",
                     "water_convenience_ok", "water_assurance_ok", "archived", "archive_reason",
                     "archive_note", "version", "created_at", "updated_at")
_MEMBER_INSERT = ("household", "id_number", "birth_date", "gender", "name", "ethnicity",
                  "relation", "education", "school_stage", "health", "disability_grade",
                  "labour_capacity", "work_area", "work_months", "medical_insurance",
                  "serious_illness_insurance", "pension_insurance", "dibao", "tekun", "phone",
                  "active", "archive_reason", "version", "created_at", "updated_at")


def _household_row(pk: int, plan: HouseholdPlan, head_name: str,
                   now: dt.datetime) -> tuple[Any, ...]:
    v = plan.values
    return (pk, plan.household_no, plan.region.code, head_name,  # type: ignore[union-attr]
            v.get("group_name") or "", v.get("address") or "", v.get("phone") or "",
            v.get("bank_name") or "", v.get("bank_account") or "",
            v.get("category") or HouseholdCategory.ORDINARY, bool(v.get("relocated")),
            v.get("housing_grade") or "", v.get("water_quantity_ok"), v.get("water_quality_ok"),
            v.get("water_convenience_ok"), v.get("water_assurance_ok"), False, "", "", 1, now,
            now)


def _member_row(household_id: int, member: MemberRow, now: dt.datetime) -> tuple[Any, ...]:
    (name, _id, relation, _gender, _birth, ethnicity, education, school_stage, health, grade,
     labour, area, months, medical, serious, pension, dibao, tekun, phone) = member.values
    return (household_id, member.id, member.birth, member.gender, name, ethnicity or "汉族",
            relation, education or "", school_stage or SchoolStage.NOT_IN_SCHOOL,
            health or Health.HEALTHY, grade, labour or LabourCapacity.ORDINARY, area or "",
            months or 0, _default(medical, True), _default(serious, True),
            _default(pension, False), _default(dibao, False), _default(tekun, False),
            phone or "", True, "", 1, now, now)


def _default(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _bulk_register(plans: list[HouseholdPlan], *, actor: User, batch_id: int | None,
                   progress: Progress, total: int) -> None:
    """New households in bulk: the rows the services would write (households, members,
    ledgers, search keys, the 导入登记 history entry naming the batch), in batched INSERTs (COPY
    on PostgreSQL) with ids reserved up front. The audit log gets one event for the whole
    import (by :meth:`RegistryImporter.apply`, with the counts and the batch); each household's
    own history says which batch and who registered it.

    Every rule the services apply was checked by :func:`check_rows` and :func:`check_registry`
    on these very values, and the database constraints (unique 户编号, one active household per
    ID, one 户主) stand behind it inside the same transaction.
    """
    from minsheng.core.bulk import db_value, insert_in_two_processes, insert_rows, reserve_ids

    now = timezone.now()
    db_now = db_value(HouseholdChange, "at", now)
    relation_at, name_at = _MEMBER_POS["relation"], _MEMBER_POS["name"]
    ids = reserve_ids(Household, len(plans))
    pairs = []
    for pk, plan in zip(ids, plans, strict=True):
        for m in plan.members:
            if m.values[relation_at] == Relation.HEAD:
                pairs.append((pk, plan, m.values[name_at]))
                break
    half = len(pairs) // 2 if len(pairs) >= PARALLEL_CHECK_MIN else len(pairs)

    def first(insert: Inserter) -> None:
        _write_households(insert, pairs, 0, half, actor=actor, batch_id=batch_id, now=now,
                          db_now=db_now, progress=progress, total=total)

    def second(insert: Inserter) -> None:
        _write_households(insert, pairs, half, len(pairs), actor=actor, batch_id=batch_id,
                          now=now, db_now=db_now, progress=None, total=total)

    if half < len(pairs):
        insert_in_two_processes(first, second)
    else:
        first(insert_rows)
    progress("写入", total, total)


def _write_households(insert: Inserter, pairs: list[tuple[int, HouseholdPlan, str]], start: int,
                      end: int, *, actor: User, batch_id: int | None, now: dt.datetime,
                      db_now: Any, progress: Progress | None, total: int) -> None:
    """The rows of ``pairs[start:end]`` (id, plan, 户主 name), through ``insert``."""
    from minsheng.core.bulk import db_value
    from minsheng.registry.search import name_keys

    username = actor.get_username()
    amounts = list(_LEDGER_AMOUNTS)
    zero = Decimal(0)
    name_at = _MEMBER_POS["name"]
    chunk_size = 20000
    for offset in range(start, end, chunk_size):
        chunk = pairs[offset:min(offset + chunk_size, end)]
        insert(Household, _HOUSEHOLD_INSERT,
               (_household_row(pk, plan, head, now) for pk, plan, head in chunk))
        insert(Member, _MEMBER_INSERT,
               (_member_row(pk, m, now) for pk, plan, _head in chunk for m in plan.members))
        insert(IncomeLedger, ("household", "year", *amounts, "version", "updated_at"),
               ((pk, plan.ledger["year"], *[plan.ledger.get(k) or zero for k in amounts],
                 1, now) for pk, plan, _head in chunk if plan.ledger.get("year")))
        insert(SearchKey, ("region_code", "key", "household"),
               ((plan.region.code, key, pk)  # type: ignore[union-attr]
                for pk, plan, _head in chunk
                for key in frozenset().union(*[name_keys(m.values[name_at])
                                               for m in plan.members])))
        insert(HouseholdChange, ("household", "at", "actor", "actor_name", "subject",
                                 "subject_id", "subject_label", "action", "changes",
                                 "note", "import_batch_id"),
               ((pk, db_now, actor.pk, username, "household", pk, head[:100], "导入登记",
                 db_value(HouseholdChange, "changes", {
                     "household_no": [None, plan.household_no],
                     "region_id": [None, plan.region.code],  # type: ignore[union-attr]
                     "members": [None, [m.values[name_at] for m in plan.members]]}),
                 "", batch_id) for pk, plan, head in chunk),
               prepared=("at", "changes"))
        if progress is not None:
            progress("写入", offset + len(chunk), total)


class RegistryImporter:
    kind = "registry"
    label = "农户台账"
    permission = "registry.add_household"

    def _parse_and_check(self, *, path: Path, original_name: str, today: dt.date,
                         progress: Progress) -> Parsed:
        parsed = parse_file(path, original_name, progress=progress)
        if parsed.file_ok:
            check_rows(parsed, today=today, progress=progress)
        return parsed

    def validate(self, *, actor: User, path: Path, original_name: str, progress: Progress,
                 registry_checks: bool = True) -> ValidationResult:
        """The dry run; the result's ``plan`` can be handed to :meth:`apply` unchanged.
        Without ``registry_checks`` only the file's own rules are checked (the caller applies
        at once, and :meth:`apply` checks against the registry inside its transaction)."""
        parsed = self._parse_and_check(path=path, original_name=original_name,
                                       today=timezone.localdate(), progress=progress)
        if parsed.file_ok and registry_checks:
            check_registry(parsed, actor=actor)
        _finish(parsed, path, original_name)
        if parsed.result.ok:
            if registry_checks:
                parsed.result.summary = summarize(parsed)
            parsed.result.plan = parsed
        return parsed.result

    def apply(self, *, actor: User, path: Path, original_name: str, batch_id: int | None,
              progress: Progress, plan: Any = None) -> dict[str, int]:
        """Write the file in one transaction. With the ``plan`` of a clean validation the file
        is not read again; the registry checks run again inside the transaction either way."""
        today = timezone.localdate()
        parsed: Parsed = plan if plan is not None else self._parse_and_check(
            path=path, original_name=original_name, today=today, progress=progress)
        if not parsed.result.ok:
            _finish(parsed, path, original_name)
            raise ImportRejected(parsed.result)
        with transaction.atomic():
            check_registry(parsed, actor=actor)
            if not parsed.result.ok:
                _finish(parsed, path, original_name)
                raise ImportRejected(parsed.result)
            summary = summarize(parsed)
            total = len(parsed.households)
            new = [p for p in parsed.households.values() if p.existing is None]
            known = [p for p in parsed.households.values()
                     if p.existing is not None and not p.unchanged]
            current: HouseholdPlan | None = None
            try:
                members = sum(len(p.members) for p in new)
                incoming = {Household: len(new), Member: members, IncomeLedger: len(new),
                            HouseholdChange: len(new), SearchKey: members}
                # A first load writes its rows with the summary triggers dropped (no record
                # per row); its summaries are built after the commit.
                first_load = not Household.objects.all()[len(new):len(new) + 1].exists()
                with (
                    bulk_write_cache(),
                    screening_summary.triggers_suspended() if first_load and new else nullcontext(),
                    deferred_indexes(incoming),
                ):
                    _bulk_register(new, actor=actor, batch_id=batch_id, progress=progress,
                                   total=total)
                    # Their rows are written: the new households' plans (millions of small
                    # objects for a province file) are freed on another thread while SQLite
                    # builds the indexes, which it does without holding the GIL.
                    releaser = _release_in_background([parsed.households, new])
                    parsed.households = {p.household_no: p for p in known}
                    new = []
                releaser.join()
                for done, current in enumerate(known, start=len(new)):
                    if done % 200 == 0:
                        progress("写入", done, total)
                    _apply_plan(current, actor=actor, today=today, batch_id=batch_id)
                # The import's screening summaries are (re)built after the commit, by a worker.
                transaction.on_commit(refresh_screening_summary.enqueue)
            except MinshengError as exc:
                parsed.result.errors.append(Issue(current.first_row if current else 0, "",
                                                  current.household_no if current else "",
                                                  exc.message))
                _finish(parsed, path, original_name)
                raise ImportRejected(parsed.result) from exc
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
