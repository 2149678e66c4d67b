"""The working calendar (工作日历): 法定节假日 and 调休上班日 per year, as policy data.

One YAML file per year under ``policy/calendar/`` (``2026.yaml``), beside ``parameters/`` and
following its conventions: strict YAML, dates as YYYY-MM-DD, a reference (document, issuer,
date, optional url, ``verified``) for the whole year and optionally per entry. A file lists the
days off (``holidays``: name, ``from``, optional ``to``, inclusive) and the weekend days that are
working days (``working_days``: name, ``date``). See ``docs/guide/policy.md``.

A working day is a day of a year with a calendar that is listed as a 调休上班日, or a Monday to
Friday not listed as a holiday. A year without a calendar falls back to Monday to Friday
(weekends only) and ``years_without_calendar`` says so, so the pages can warn instead of
silently pretending. This module is pure: files only, no database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from minsheng.policy.errors import ParameterFilesInvalid
from minsheng.policy.parameters import (
    LoadResult,
    Problem,
    Reference,
    _date,
    _FileReader,
    _Invalid,
    _StrictLoader,
    _text,
)

CALENDAR_DIR = Path(__file__).resolve().parent / "calendar"
TOP_KEYS = ("description", "year", "ref", "holidays", "working_days")
HOLIDAY_KEYS = ("name", "from", "to", "ref")
WORKING_KEYS = ("name", "date", "ref")
_YEAR_FILE = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    name: str
    ref: Reference


@dataclass(frozen=True)
class YearCalendar:
    year: int
    description: str
    ref: Reference
    holidays: dict[dt.date, CalendarDay]
    working_days: dict[dt.date, CalendarDay]

    @property
    def verified(self) -> bool:
        return self.ref.verified and all(
            d.ref.verified for d in (*self.holidays.values(), *self.working_days.values()))


@dataclass(frozen=True)
class WorkCalendar:
    years: dict[int, YearCalendar] = field(default_factory=dict)

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        year = self.years.get(day.year)
        if year is not None:
            if day in year.working_days:
                return True
            if day in year.holidays:
                return False
        return day.weekday() < 5

    def holiday_name(self, day: dt.date) -> str:
        year = self.years.get(day.year)
        found = year.holidays.get(day) if year else None
        return found.name if found else ""

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        day = start
        left = days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def years_without_calendar(self, start: dt.date, end: dt.date) -> list[int]:
        """The years between ``start`` and ``end`` (inclusive) that have no calendar: there the
        clock skipped weekends only."""
        return [y for y in range(min(start, end).year, max(start, end).year + 1)
                if y not in self.years]


@dataclass
class CalendarLoad:
    calendar: WorkCalendar
    problems: list[Problem]
    files: int = 0

    @property
    def unverified(self) -> int:
        return sum(1 for y in self.calendar.years.values() if not y.verified)


class _YearReader:
    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems: list[Problem] = []
        # The parameters' reference reader, so a reference means the same in both places.
        self._refs = _FileReader(name="calendar", relative=shown, result=LoadResult())

    def problem(self, message: str, where: str = "", effective: Any = None) -> None:
        del effective  # the date is in the message
        self.problems.append(Problem(self.shown, f"{where}：{message}" if where else message))

    def ref(self, raw: Any, where: str = "") -> Reference | None:
        self._refs.problems = []
        found = self._refs._ref(raw, effective=None, context={})
        for p in self._refs.problems:
            self.problem(p.message, where)
        return found

    def read(self, text: str, expected_year: int) -> YearCalendar | None:
        try:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            self.problem(f"YAML 格式错误：{exc}")
            return None
        if not isinstance(data, dict):
            self.problem("文件应为键值对：description、year、ref、holidays、working_days")
            return None
        unknown = [str(k) for k in data if k not in TOP_KEYS]
        if unknown:
            self.problem(f"未知的键：{'、'.join(unknown)}（可用：{'、'.join(TOP_KEYS)}）")
        try:
            description = _text(data.get("description"), "中文说明（description）")
        except _Invalid as exc:
            self.problem(str(exc))
            description = ""
        year = data.get("year")
        if year != expected_year:
            self.problem(f"年度（year）应为 {expected_year}（与文件名一致），实为「{year}」")
            return None
        ref = self.ref(data.get("ref"))
        holidays: dict[dt.date, CalendarDay] = {}
        working: dict[dt.date, CalendarDay] = {}
        for index, raw in enumerate(self._list(data, "holidays"), start=1):
            self._holiday(f"放假安排（holidays）第 {index} 条", raw, year, ref, holidays)
        for index, raw in enumerate(self._list(data, "working_days"), start=1):
            self._working(f"调休上班（working_days）第 {index} 条", raw, year, ref, holidays,
                          working)
        if self.problems or ref is None:
            return None
        return YearCalendar(year=year, description=description, ref=ref, holidays=holidays,
                            working_days=working)

    def _list(self, data: dict[Any, Any], key: str) -> list[Any]:
        raw = data.get(key)
        if raw is None:
            self.problem(f"缺少 {key}（没有的请写空列表 []）")
            return []
        if not isinstance(raw, list):
            self.problem(f"{key} 应为列表")
            return []
        return raw

    def _entry(self, index: str, raw: Any, keys: tuple[str, ...]) -> dict[Any, Any] | None:
        if not isinstance(raw, dict):
            self.problem(f"应为键值对：{'、'.join(keys)}", index)
            return None
        unknown = [str(k) for k in raw if k not in keys]
        if unknown:
            self.problem(f"未知的键：{'、'.join(unknown)}（可用：{'、'.join(keys)}）", index)
        return raw

    def _holiday(self, index: str, raw: Any, year: int, ref: Reference | None,
                 holidays: dict[dt.date, CalendarDay]) -> None:
        entry = self._entry(index, raw, HOLIDAY_KEYS)
        if entry is None:
            return
        try:
            name = _text(entry.get("name"), "节日名称（name）")
            first = _date(entry.get("from"), "放假开始日期（from）")
            last = _date(entry["to"], "放假结束日期（to）") if "to" in entry else first
        except _Invalid as exc:
            self.problem(str(exc), index)
            return
        own = self.ref(entry["ref"], index) if "ref" in entry else ref
        if last < first:
            self.problem(f"放假结束日期 {last} 早于开始日期 {first}", index, first)
            return
        if first.year != year or last.year != year:
            self.problem(f"放假日期 {first}～{last} 不在 {year} 年内", index, first)
            return
        if (last - first).days > 15:
            self.problem(f"放假 {first}～{last} 超过 15 天，请核对", index, first)
            return
        day = first
        while day <= last:
            if day in holidays:
                self.problem(f"{day} 已列在「{holidays[day].name}」中", index, first)
            elif own is not None:
                holidays[day] = CalendarDay(day, name, own)
            day += dt.timedelta(days=1)

    def _working(self, index: str, raw: Any, year: int, ref: Reference | None,
                 holidays: dict[dt.date, CalendarDay],
                 working: dict[dt.date, CalendarDay]) -> None:
        entry = self._entry(index, raw, WORKING_KEYS)
        if entry is None:
            return
        try:
            name = _text(entry.get("name"), "说明（name）")
            day = _date(entry.get("date"), "调休上班日期（date）")
        except _Invalid as exc:
            self.problem(str(exc), index)
            return
        own = self.ref(entry["ref"], index) if "ref" in entry else ref
        if day.year != year:
            self.problem(f"调休上班日期 {day} 不在 {year} 年内", index, day)
        elif day.weekday() < 5:
            self.problem(f"调休上班日期 {day} 是周一至周五，本来就是工作日：只列调休上班的周六、周日",
                         index, day)
        elif day in holidays:
            self.problem(f"调休上班日期 {day} 同时列为「{holidays[day].name}」假期", index, day)
        elif day in working:
            self.problem(f"调休上班日期 {day} 重复列出", index, day)
        elif own is not None:
            working[day] = CalendarDay(day, name, own)


def load_calendar(directory: Path = CALENDAR_DIR) -> CalendarLoad:
    """Read and validate every ``YYYY.yaml`` under ``directory`` (pure: no database)."""
    years: dict[int, YearCalendar] = {}
    problems: list[Problem] = []
    files = 0
    for path in sorted(directory.glob("*")) if directory.is_dir() else []:
        if path.name.startswith((".", "__")) or path.suffix not in (".yaml", ".yml") \
                or not path.is_file():
            continue
        shown = f"calendar/{path.name}"
        files += 1
        if path.suffix == ".yml" or not _YEAR_FILE.match(path.stem):
            problems.append(Problem(shown, "工作日历文件名应为四位年份加 .yaml，如 2026.yaml"))
            continue
        reader = _YearReader(shown)
        try:
            found = reader.read(path.read_text(encoding="utf-8"), int(path.stem))
        except UnicodeDecodeError:
            problems.append(Problem(shown, "文件不是 UTF-8 编码"))
            continue
        problems.extend(reader.problems)
        if found is not None:
            years[found.year] = found
    return CalendarLoad(calendar=WorkCalendar(years), problems=problems, files=files)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The shipped calendar, read once per process (``default_calendar.cache_clear()``)."""
    loaded = load_calendar(CALENDAR_DIR)
    if loaded.problems:
        shown = "\n".join(str(p) for p in loaded.problems[:20])
        raise ParameterFilesInvalid(
            f"工作日历文件有 {len(loaded.problems)} 处问题，请先运行 minsheng policy check 并修正："
            f"\n{shown}")
    return loaded.calendar
