"""Policy parameters: one YAML file per parameter under ``policy/parameters/``, OpenFisca-style.

The file path is the key: ``parameters/monitoring/range.yaml`` is ``monitoring.range``. A file
declares a Chinese description, a unit (``policy.units``), optional bounds and, for 列表, the
allowed choices; then a list of values, each with its effective date, an optional region
(2/4/6/9/12-digit code; none = national), an optional last day (``until``), and a reference
(document, issuer, date, optional url, ``verified``). See ``docs/guide/policy.md``.

Lookup walks from the region asked about up through its parents to the national value. At each
level the latest value whose effective date is on or before the date counts, unless its ``until``
has passed (then that level has nothing in force and the walk goes on upward). When no level has
a value in force, lookup raises ``ParameterMissing``: a missing parameter is never 0.

This module is pure: it reads files and never touches the database. ``policy.checks`` adds the
region-existence check that needs the Region table. (The YAML files live in the data folder
``parameters/`` beside this module; the folder has no ``__init__.py`` and must not get one, or it
would shadow this module.)
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from minsheng.core.errors import InvalidInput
from minsheng.policy.errors import ParameterFilesInvalid, ParameterMissing, UnknownParameter
from minsheng.policy.units import UNITS, Kind, Unit

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"

Value: TypeAlias = Decimal | int | bool | tuple[str, ...]

NATIONAL = ""  # the region key of a national value
REGION_LENGTHS = (2, 4, 6, 9, 12)
# A document may be issued after the date it takes effect from (yearly figures are often
# announced in spring and apply from 1 January); more than this is almost surely a typo.
REF_DATE_TOLERANCE = dt.timedelta(days=366)

TOP_KEYS = ("description", "unit", "min", "max", "choices", "values")
ENTRY_KEYS = ("effective", "until", "value", "region", "ref", "note")
REF_KEYS = ("document", "issuer", "date", "url", "verified")

_NAME_PART = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DIGITS = re.compile(r"^[0-9]+$")


# --- YAML without YAML 1.1's surprises ----------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML where dates stay strings (this module checks them strictly), only ``true`` and
    ``false`` are booleans (``no``, ``on`` stay strings), integers are plain decimal digits (no
    octal, hex, underscores or ``1:30``), decimal numbers become ``Decimal`` (never float), and a
    key written twice in one mapping is an error instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # resolve ``<<`` merge keys first (a merged key counts too)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"键「{key}」重复出现", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_REPLACED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                  "tag:yaml.org,2002:timestamp"}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^-?(?:0|[1-9][0-9]*)\.[0-9]+$"), list("-0123456789"))
_StrictLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node)))


# --- What a parameter file holds ---------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Where a value comes from. ``verified`` is False while the source is unconfirmed
    (secondary sources, mirrors, demo values)."""

    document: str
    issuer: str
    date: dt.date
    verified: bool
    url: str = ""


@dataclass(frozen=True)
class ValueEntry:
    """One dated value of a parameter, as written in its file."""

    index: int  # 1-based position in the file's ``values`` list
    effective: dt.date
    value: Value
    ref: Reference
    region: str = NATIONAL  # 12-digit padded code, or "" for a national value
    until: dt.date | None = None  # last day in force (inclusive), None = until replaced
    note: str = ""

    def in_force_on(self, on: dt.date) -> bool:
        return self.effective <= on and (self.until is None or on <= self.until)


@dataclass(frozen=True)
class Parameter:
    name: str  # dotted key = file path
    file: str  # path relative to the parameter folder
    description: str
    unit: Unit
    entries: tuple[ValueEntry, ...]
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: dict[str, str] | None = None  # code → Chinese label (列表 only)

    @cached_property
    def _by_region(self) -> dict[str, tuple[list[dt.date], list[ValueEntry]]]:
        grouped: dict[str, list[ValueEntry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.region, []).append(entry)
        return {region: ([e.effective for e in entries], entries)
                for region, entries in grouped.items()}

    def value_on(self, *, on: dt.date, region_code: str) -> ParameterValue:
        """The value in force on ``on`` for the region: its own, else its nearest parent's, else
        the national one. Raises ParameterMissing when none is in force."""
        if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise TypeError("on must be a datetime.date (not a datetime or a string)")
        chain = region_chain(region_code)
        for key in chain:
            found = self._by_region.get(key)
            if found is None:
                continue
            dates, entries = found
            position = bisect.bisect_right(dates, on)
            if position == 0:
                continue  # this level has nothing yet on that date
            entry = entries[position - 1]
            if not entry.in_force_on(on):
                continue  # this level's latest value has expired: ask the parent
            return ParameterValue(name=self.name, value=entry.value, unit=self.unit.name, on=on,
                                  region_code=chain[0], entry=entry)
        raise ParameterMissing(
            f"政策参数「{self.description}」（{self.name}）在 {on.isoformat()} 没有适用于区划 "
            f"{chain[0]} 的取值（本区划、各级上级区划和全国均未设定或已过期），无法计算，"
            "请联系管理员补充。"
        )


@dataclass(frozen=True)
class ParameterValue:
    """A looked-up value with the entry it came from (its region, dates and reference), so a
    decision can say exactly which figure and which document it used."""

    name: str
    value: Value
    unit: str
    on: dt.date
    region_code: str  # the region asked about, 12 digits
    entry: ValueEntry

    @property
    def ref(self) -> Reference:
        return self.entry.ref

    @property
    def source_region(self) -> str:
        """The region whose value applied (12 digits), or "" when the national value did."""
        return self.entry.region

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready record of the lookup, for stored determinations."""
        value = self.value
        plain: Any = (str(value) if isinstance(value, Decimal)
                      else list(value) if isinstance(value, tuple) else value)
        ref = self.ref
        out = {
            "name": self.name, "value": plain, "unit": self.unit, "on": self.on.isoformat(),
            "region_code": self.region_code, "source_region": self.entry.region,
            "effective": self.entry.effective.isoformat(),
            "until": self.entry.until.isoformat() if self.entry.until else None,
            "ref": {"document": ref.document, "issuer": ref.issuer, "date": ref.date.isoformat(),
                    "url": ref.url, "verified": ref.verified},
        }
        if isinstance(ref, LocalReference):  # a value approved in the UI: say which proposal
            out["ref"]["local"] = ref.snapshot()
        return out


# --- Regions -----------------------------------------------------------------------------------


def normalize_region_code(code: Any) -> str:
    """A 2/4/6/9/12-digit region code as its 12-digit padded form; InvalidInput otherwise."""
    if (not isinstance(code, str) or not _DIGITS.match(code) or len(code) not in REGION_LENGTHS
            or code.startswith("00")):
        raise InvalidInput(f"区划代码「{code}」格式不正确：应为 2、4、6、9 或 12 位数字。")
    return code.ljust(12, "0")


def region_chain(region_code: str) -> tuple[str, ...]:
    """The region, then each parent up to the province (12-digit codes), then national ("")."""
    code = normalize_region_code(region_code)
    keys: list[str] = []
    for length in (12, 9, 6, 4, 2):
        key = code[:length].ljust(12, "0")
        if key not in keys:
            keys.append(key)
    return (*keys, NATIONAL)


# --- Reading and validating files --------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a parameter file, printed in Chinese with the file and the entry."""

    file: str
    message: str
    entry: int | None = None
    effective: str = ""
    region: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.entry is not None:
            details = [text for text in (f"生效日期 {self.effective}" if self.effective else "",
                                         f"区划 {self.region}" if self.region else "") if text]
            where += f" 第 {self.entry} 条取值" + (f"（{'，'.join(details)}）" if details else "")
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class RegionUse:
    """A region code written in a file (for the existence check against the Region table)."""

    file: str
    entry: int
    effective: str
    written: str  # as written in the file
    code: str  # 12-digit padded


@dataclass
class LoadResult:
    parameters: dict[str, Parameter] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    region_uses: list[RegionUse] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return sum(len(p.entries) for p in self.parameters.values())

    @property
    def unverified(self) -> int:
        return sum(1 for p in self.parameters.values() for e in p.entries if not e.ref.verified)


class _Invalid(Exception):
    """One field's problem, turned into a Problem with the entry's context by the caller."""


def _date(raw: Any, what: str) -> dt.date:
    if raw is None:
        raise _Invalid(f"缺少{what}")
    text = raw if isinstance(raw, str) else str(raw)
    if not _DATE.match(text):
        raise _Invalid(f"{what}「{text}」应写成 YYYY-MM-DD，如 2024-01-01")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"{what}「{text}」不是真实的日期") from None


def _text(raw: Any, what: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _Invalid(f"缺少{what}")
    return raw.strip()


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def _number(raw: Any, unit: Unit, what: str) -> Decimal | int:
    """A number of the unit's kind: int for counts, Decimal for money and ratios."""
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
        expected = "整数" if unit.kind is Kind.INTEGER else "数字"
        raise _Invalid(f"{what}应为{expected}（单位：{unit.name}），实为「{_plain(raw)}」")
    if unit.kind is Kind.INTEGER:
        if isinstance(raw, Decimal):
            raise _Invalid(f"{what}应为整数（单位：{unit.name}），实为「{raw}」")
        return raw
    amount = Decimal(raw)
    exponent = amount.as_tuple().exponent
    if unit.kind is Kind.MONEY and isinstance(exponent, int) and exponent < -2:
        raise _Invalid(f"{what}「{raw}」最多两位小数（单位：{unit.name}）")
    return amount


class _FileReader:
    """Validates one parameter file, collecting every problem rather than stopping at the first."""

    def __init__(self, *, name: str, relative: str, result: LoadResult) -> None:
        self.name = name
        self.file = relative
        self.result = result
        self.problems: list[Problem] = []

    def problem(self, message: str, *, entry: int | None = None, effective: Any = None,
                region: Any = None) -> None:
        self.problems.append(Problem(
            self.file, message, entry,
            "" if effective is None else _plain(effective), "" if region is None else _plain(region)))

    def read(self, text: str) -> Parameter | None:
        try:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
            self.problem(f"不是有效的 YAML：{where}，{exc.problem or exc.context}")
            return None
        except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML parse error is marked
            self.problem(f"不是有效的 YAML：{exc}")
            return None
        if not isinstance(data, dict):
            self.problem("文件内容应为键值对：description、unit、values 等")
            return None

        unknown = [str(key) for key in data if key not in TOP_KEYS]
        if unknown:
            self.problem(f"未知的键：{'、'.join(unknown)}（可用：{'、'.join(TOP_KEYS)}）")
        description = ""
        try:
            description = _text(data.get("description"), "说明（description）")
        except _Invalid as exc:
            self.problem(str(exc))
        unit = self._unit(data.get("unit"))
        minimum = self._bound(data, "min", unit)
        maximum = self._bound(data, "max", unit)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.problem(f"下限 min（{minimum}）大于上限 max（{maximum}）")
        choices = self._choices(data.get("choices"), unit)

        values = data.get("values")
        entries: list[ValueEntry] = []
        # index, region key, region as written, effective, until
        dated: list[tuple[int, str, str, dt.date, dt.date | None]] = []
        if not isinstance(values, list) or not values:
            self.problem("缺少取值列表（values），或列表为空")
            values = []
        for index, raw in enumerate(values, start=1):
            entry = self._entry(index, raw, unit=unit, minimum=minimum, maximum=maximum,
                                choices=choices, dated=dated)
            if entry is not None:
                entries.append(entry)
        self._order(dated)

        if self.problems or unit is None:
            return None
        return Parameter(name=self.name, file=self.file, description=description, unit=unit,
                         entries=tuple(entries), minimum=minimum, maximum=maximum,
                         choices=choices)

    # -- top-level fields --

    def _unit(self, raw: Any) -> Unit | None:
        if raw is None:
            self.problem("缺少单位（unit）")
            return None
        unit = UNITS.get(raw) if isinstance(raw, str) else None
        if unit is None:
            self.problem(f"未知的单位「{_plain(raw)}」（可用：{'、'.join(UNITS)}）")
        return unit

    def _bound(self, data: dict[Any, Any], key: str, unit: Unit | None) -> Decimal | None:
        if key not in data or unit is None:
            return None
        label = "下限 min" if key == "min" else "上限 max"
        if not unit.numeric:
            self.problem(f"单位为「{unit.name}」的参数不能设{label}")
            return None
        try:
            return Decimal(_number(data[key], unit, f"{label} "))
        except _Invalid as exc:
            self.problem(str(exc))
            return None

    def _choices(self, raw: Any, unit: Unit | None) -> dict[str, str] | None:
        if unit is None:
            return None
        if unit.kind is not Kind.LIST:
            if raw is not None:
                self.problem("只有单位为「列表」的参数才能有可选项（choices）")
            return None
        if not isinstance(raw, dict) or not raw:
            self.problem("单位为「列表」的参数须列出可选项（choices：代码: 中文名称）")
            return None
        choices: dict[str, str] = {}
        for code, label in raw.items():
            if not isinstance(code, str) or not _NAME_PART.match(code):
                self.problem(f"可选项代码「{_plain(code)}」只能用小写英文字母、数字和下划线，且以字母开头")
            elif not isinstance(label, str) or not label.strip():
                self.problem(f"可选项「{code}」缺少中文名称")
            else:
                choices[code] = label.strip()
        return choices

    # -- one value --

    def _entry(self, index: int, raw: Any, *, unit: Unit | None, minimum: Decimal | None,
               maximum: Decimal | None, choices: dict[str, str] | None,
               dated: list[tuple[int, str, str, dt.date, dt.date | None]]) -> ValueEntry | None:
        if not isinstance(raw, dict):
            self.problem("每条取值应为键值对：effective、value、ref 等", entry=index)
            return None
        context = {"entry": index, "effective": raw.get("effective"), "region": raw.get("region")}
        before = len(self.problems)

        unknown = [str(key) for key in raw if key not in ENTRY_KEYS]
        if unknown:
            self.problem(f"未知的键：{'、'.join(unknown)}（可用：{'、'.join(ENTRY_KEYS)}）",
                         **context)
        effective = until = None
        try:
            effective = _date(raw.get("effective"), "生效日期（effective）")
        except _Invalid as exc:
            self.problem(str(exc), **context)
        if raw.get("until") is not None:
            try:
                until = _date(raw["until"], "截止日期（until）")
            except _Invalid as exc:
                self.problem(str(exc), **context)
        if effective and until and until < effective:
            self.problem(f"截止日期（until）{until} 早于生效日期 {effective}", **context)

        region = self._region(raw.get("region"), index=index, effective=effective,
                              context=context)
        value = self._value(raw, unit=unit, minimum=minimum, maximum=maximum, choices=choices,
                            context=context)
        ref = self._ref(raw.get("ref"), effective=effective, context=context)
        note = raw.get("note")
        if note is not None and (not isinstance(note, str) or not note.strip()):
            self.problem("备注（note）应为一段文字", **context)

        if effective is not None and region is not None:
            written = "" if raw.get("region") is None else _plain(raw["region"])
            dated.append((index, region, written, effective, until))
        if len(self.problems) > before or effective is None or region is None or ref is None:
            return None
        return ValueEntry(index=index, effective=effective, value=value, ref=ref,  # type: ignore[arg-type]
                          region=region, until=until, note=(note or "").strip())

    def _region(self, raw: Any, *, index: int, effective: dt.date | None,
                context: dict[str, Any]) -> str | None:
        if raw is None:
            return NATIONAL
        written = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
        try:
            code = normalize_region_code(written)
        except InvalidInput:
            self.problem(f"区划代码「{_plain(raw)}」应为 2、4、6、9 或 12 位数字（省 2 位、市 4 位、"
                         "县 6 位、乡 9 位、村 12 位）；不写 region 表示全国", **context)
            return None
        self.result.region_uses.append(RegionUse(
            self.file, index, effective.isoformat() if effective else "", written, code))
        return code

    def _value(self, raw: dict[Any, Any], *, unit: Unit | None, minimum: Decimal | None,
               maximum: Decimal | None, choices: dict[str, str] | None,
               context: dict[str, Any]) -> Value | None:
        if "value" not in raw or raw["value"] is None:
            self.problem("缺少取值（value）", **context)
            return None
        if unit is None:
            return None
        value = raw["value"]
        try:
            if unit.kind is Kind.BOOLEAN:
                if not isinstance(value, bool):
                    raise _Invalid(f"取值应为 true 或 false（单位：布尔），实为「{_plain(value)}」")
                return value
            if unit.kind is Kind.LIST:
                return self._list(value, choices)
            number = _number(value, unit, "取值")
        except _Invalid as exc:
            self.problem(str(exc), **context)
            return None
        amount = Decimal(number)
        for limit, label, too_low in ((unit.minimum, "该单位允许的最小值", True),
                                      (unit.maximum, "该单位允许的最大值", False),
                                      (minimum, "下限 min", True), (maximum, "上限 max", False)):
            if limit is not None and (amount < limit if too_low else amount > limit):
                word = "小于" if too_low else "大于"
                self.problem(f"取值 {number} {word}{label}（{limit}）", **context)
        return number

    @staticmethod
    def _list(value: Any, choices: dict[str, str] | None) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise _Invalid(f"取值应为列表（单位：列表），实为「{_plain(value)}」")
        if choices is None:
            raise _Invalid("没有可选项（choices），无法检查列表取值")
        unknown = [_plain(item) for item in value if not isinstance(item, str) or item not in choices]
        if unknown:
            raise _Invalid(f"列表中有不在可选项（choices）中的代码：{'、'.join(unknown)}")
        repeated = sorted({item for item in value if value.count(item) > 1})
        if repeated:
            raise _Invalid(f"列表中的代码重复：{'、'.join(repeated)}")
        return tuple(value)

    def _ref(self, raw: Any, *, effective: dt.date | None,
             context: dict[str, Any]) -> Reference | None:
        if raw is None:
            self.problem("缺少出处（ref）：每条取值都要写明文件、发文机关、日期和是否已核实",
                         **context)
            return None
        if not isinstance(raw, dict):
            self.problem("出处（ref）应为键值对：document、issuer、date、verified，可选 url",
                         **context)
            return None
        before = len(self.problems)
        unknown = [str(key) for key in raw if key not in REF_KEYS]
        if unknown:
            self.problem(f"出处中有未知的键：{'、'.join(unknown)}（可用：{'、'.join(REF_KEYS)}）",
                         **context)
        fields: dict[str, Any] = {}
        for key, what, parse in (("document", "出处的文件名称（document）", _text),
                                 ("issuer", "出处的发文机关（issuer）", _text),
                                 ("date", "出处的发文日期（date）", _date)):
            try:
                fields[key] = parse(raw.get(key), what)
            except _Invalid as exc:
                self.problem(str(exc), **context)
        issued = fields.get("date")
        if issued and effective and issued - effective > REF_DATE_TOLERANCE:
            self.problem(f"出处的发文日期 {issued} 比生效日期 {effective} 晚一年以上，请核对",
                         **context)
        verified = raw.get("verified")
        if "verified" not in raw:
            self.problem("出处缺少核实标记（verified: true 或 false；来源未经核实的写 false）",
                         **context)
        elif not isinstance(verified, bool):
            self.problem(f"出处的核实标记（verified）应为 true 或 false，实为「{_plain(verified)}」",
                         **context)
        url = raw.get("url")
        if url is not None and (not isinstance(url, str)
                                or not url.startswith(("http://", "https://"))):
            self.problem(f"出处的网址（url）应以 http:// 或 https:// 开头，实为「{_plain(url)}」",
                         **context)
        if len(self.problems) > before:
            return None
        return Reference(document=fields["document"], issuer=fields["issuer"],
                         date=fields["date"], verified=verified, url=url or "")

    # -- across values --

    def _order(self, dated: list[tuple[int, str, str, dt.date, dt.date | None]]) -> None:
        """Within one region, effective dates strictly increase and a value's ``until`` ends
        before the next value starts."""
        previous: dict[str, tuple[int, dt.date, dt.date | None]] = {}
        for index, region, written, effective, until in dated:
            context = {"entry": index, "effective": effective.isoformat(), "region": written}
            last = previous.get(region)
            if last is not None:
                last_index, last_effective, last_until = last
                if effective == last_effective:
                    self.problem(f"与第 {last_index} 条的生效日期相同（同一区划只能有一条）",
                                 **context)
                elif effective < last_effective:
                    self.problem(f"生效日期早于第 {last_index} 条（{last_effective}）：同一区划的"
                                 "取值应按生效日期从早到晚排列", **context)
                elif last_until is not None and last_until >= effective:
                    self.problem(f"第 {last_index} 条的截止日期 {last_until} 不早于本条的生效日期"
                                 f" {effective}", **context)
            if last is None or effective > last[1]:
                previous[region] = (index, effective, until)


def parameter_name(relative: Path) -> str | None:
    """``monitoring/range.yaml`` → ``monitoring.range``; None when a part is not lower_snake."""
    parts = [*relative.parts[:-1], relative.stem]
    return ".".join(parts) if all(_NAME_PART.match(part) for part in parts) else None


def _parameter_files(directory: Path) -> Iterable[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and not any(part.startswith((".", "__")) for part in relative.parts):
            yield path


def load_directory(directory: Path) -> LoadResult:
    """Read and validate every ``*.yaml`` file under ``directory`` (pure: no database).

    Files with problems are left out of ``parameters``; ``problems`` lists them all.
    """
    result = LoadResult()
    for path in _parameter_files(directory):
        relative = path.relative_to(directory)
        shown = relative.as_posix()
        if path.suffix == ".yml":
            result.problems.append(Problem(shown, "扩展名应为 .yaml"))
            continue
        if path.suffix != ".yaml":
            continue  # README and other notes may sit beside the parameters
        result.files += 1
        name = parameter_name(relative)
        if name is None:
            result.problems.append(Problem(
                shown, "文件名和目录名只能用小写英文字母、数字和下划线，且以字母开头（参数名就是路径）"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            result.problems.append(Problem(shown, "文件不是 UTF-8 编码"))
            continue
        reader = _FileReader(name=name, relative=shown, result=result)
        parameter = reader.read(text)
        result.problems.extend(reader.problems)
        if parameter is not None:
            result.parameters[name] = parameter
    if result.files == 0:
        result.problems.append(Problem(str(directory), "目录中没有任何参数文件（*.yaml）"))
    return result


# --- Lookup ------------------------------------------------------------------------------------


class ParameterSet:
    """All parameters of one folder, validated. Lookups go through ``value``."""

    def __init__(self, parameters: dict[str, Parameter]) -> None:
        self._parameters = dict(parameters)

    @classmethod
    def from_directory(cls, directory: Path) -> ParameterSet:
        result = load_directory(directory)
        if result.problems:
            shown = "\n".join(str(problem) for problem in result.problems[:20])
            more = f"\n……另有 {len(result.problems) - 20} 处" if len(result.problems) > 20 else ""
            raise ParameterFilesInvalid(
                f"政策参数文件有 {len(result.problems)} 处问题，请先运行 minsheng policy check "
                f"并修正：\n{shown}{more}")
        return cls(result.parameters)

    def __contains__(self, name: object) -> bool:
        return name in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def names(self) -> list[str]:
        return sorted(self._parameters)

    def get(self, name: str) -> Parameter:
        try:
            return self._parameters[name]
        except KeyError:
            raise UnknownParameter(f"未定义的政策参数「{name}」。") from None

    def value(self, name: str, *, on: dt.date, region_code: str) -> ParameterValue:
        return self.get(name).value_on(on=on, region_code=region_code)


@functools.cache
def default_parameters() -> ParameterSet:
    """The shipped parameters, read once per process (``default_parameters.cache_clear()``
    re-reads them)."""
    return ParameterSet.from_directory(PARAMETERS_DIR)


def parameter_value(name: str, *, on: dt.date, region_code: str) -> ParameterValue:
    """The value of parameter ``name`` in force on ``on`` for ``region_code`` (2–12 digits):
    the region's own, else its nearest parent's, else the national one.

    Raises ``UnknownParameter`` for an undefined name and ``ParameterMissing`` when no value is
    in force (never a silent 0).
    """
    return default_parameters().value(name, on=on, region_code=region_code)


# --- Values entered in the UI (地方参数取值申报) ------------------------------------------------
# Local values proposed by county staff and approved by a second person live in the database
# (``policy.models.ParameterProposal``). They are checked here with the very same reader as a file
# entry (unit, bounds, choices, dates, reference), and merged into a ParameterSet beside the files.
# Nothing above this line depends on this section.


@dataclass(frozen=True)
class LocalReference(Reference):
    """The reference of a value proposed in the UI and approved there (地方审批取值).

    ``verified`` stays False: in the files it means "an editor checked the document against the
    original in review"; a local value carries a different guarantee, the four-eyes approval
    itself, recorded here (which proposal, who approved it and when)."""

    proposal_id: int = 0
    approved_by: str = ""
    approved_at: dt.datetime | None = None

    def snapshot(self) -> dict[str, Any]:
        return {"proposal_id": self.proposal_id, "approved_by": self.approved_by,
                "approved_at": self.approved_at.isoformat() if self.approved_at else None}


def is_local(entry: ValueEntry) -> bool:
    """Whether the entry is a locally approved value (not from a parameter file)."""
    return isinstance(entry.ref, LocalReference)


def coerce_input_value(raw: Any) -> Any:
    """A value as typed in a form or sent in JSON, turned into what a YAML file would hold:
    ``"8200"`` → 8200, ``"0.4"`` → Decimal("0.4"), ``"true"`` → True (the file reader's own
    scalar rules: no floats, no ``yes``/``1e3``/``8,200``); a JSON number with a fraction becomes
    a Decimal of its shortest text; lists keep their items. Anything else is returned as it is
    and the reader then explains what is wrong with it."""
    if isinstance(raw, bool | int | Decimal):
        return raw
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, list | tuple):
        return [item.strip() if isinstance(item, str) else item for item in raw]
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        try:
            parsed = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError:
            return text
        return parsed if isinstance(parsed, bool | int | Decimal) else text
    return raw


def plain_value(value: Value) -> Any:
    """A checked value as JSON: Decimal as its text (never a float), a list as a list."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def check_local_value(parameter: Parameter, *, region_code: str, effective: dt.date,
                      until: dt.date | None, value: Any, ref_document: str, ref_issuer: str,
                      ref_date: dt.date, ref_url: str = "", note: str = "",
                      ) -> tuple[ValueEntry | None, list[str]]:
    """Check one value entered in the UI exactly as the file reader checks a file entry of
    ``parameter`` (type for the unit, the unit's and the file's bounds, choices, dates, the
    reference). Returns the entry (with a plain ``Reference``, ``verified`` False) and no
    messages, or None and the Chinese messages."""
    raw: dict[str, Any] = {
        "effective": effective.isoformat(), "region": region_code,
        "value": coerce_input_value(value),
        "ref": {"document": ref_document, "issuer": ref_issuer, "date": ref_date.isoformat(),
                "verified": False},
    }
    if until is not None:
        raw["until"] = until.isoformat()
    if ref_url:
        raw["ref"]["url"] = ref_url
    if note and note.strip():
        raw["note"] = note
    reader = _FileReader(name=parameter.name, relative=parameter.file, result=LoadResult())
    entry = reader._entry(1, raw, unit=parameter.unit, minimum=parameter.minimum,
                          maximum=parameter.maximum, choices=parameter.choices, dated=[])
    messages = [problem.message for problem in reader.problems]
    return (None, messages) if messages else (entry, [])


def overlapping_entry(existing: Iterable[ValueEntry], *, effective: dt.date,
                      until: dt.date | None) -> ValueEntry | None:
    """The entry among ``existing`` (all of one region) that a new value from ``effective`` to
    ``until`` would clash with under the files' ordering rule, or None.

    The rule (``_FileReader._order``): within a region effective dates are unique and, in date
    order, each value's ``until`` ends before the next value's effective date. So the new value
    clashes with an entry of the same date, with the entry before it when that one's ``until``
    reaches the new date, and with the entry after it when the new ``until`` reaches that one.
    """
    before: ValueEntry | None = None
    after: ValueEntry | None = None
    for entry in existing:
        if entry.effective == effective:
            return entry
        if entry.effective < effective:
            if before is None or entry.effective > before.effective:
                before = entry
        elif after is None or entry.effective < after.effective:
            after = entry
    if before is not None and before.until is not None and before.until >= effective:
        return before
    if after is not None and until is not None and until >= after.effective:
        return after
    return None


def with_local_entries(base: ParameterSet,
                       local: dict[str, list[ValueEntry]]) -> ParameterSet:
    """``base`` with more entries per parameter name (names ``base`` lacks are ignored). The
    caller has checked them (``check_local_value``, ``overlapping_entry``). Entries are ordered
    by region then effective date, which keeps each region's file order and lets the lookup
    bisect the merged list."""
    merged = dict(base._parameters)
    for name, entries in local.items():
        parameter = merged.get(name)
        if parameter is None or not entries:
            continue
        combined = sorted([*parameter.entries, *entries], key=lambda e: (e.region, e.effective))
        merged[name] = dataclasses.replace(parameter, entries=tuple(combined))
    return ParameterSet(merged)
