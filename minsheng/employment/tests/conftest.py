"""Fixtures of the employment tests: a hand-made registry, parameter overrides, files.

大岭社区 (VILLAGE_A): H001 (脱贫户) 曾祥月 45, 李芳 43 (弱劳动力), a son of 13 and a grandfather of
75; H002 王一 33 (丧失劳动力) and 王二 33; H003 an elderly woman of 85 (no labour force).
四峰社区 (VILLAGE_C): H004 张三 55, 张四 50 (技能劳动力). 荷叶塘社区 (隆回县, outside): H005 赵六.
Ages are at the end of October 2025.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
import yaml

from minsheng.employment import rules
from minsheng.policy.parameters import PARAMETERS_DIR, ParameterSet
from minsheng.registry.services import household_register
from minsheng.registry.testing import make_id
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_C

MONTH = "2025-10"
BIRTHS = {
    "曾祥月": (dt.date(1980, 1, 1), True), "李芳": (dt.date(1982, 3, 4), False),
    "曾小明": (dt.date(2012, 5, 1), True), "曾老汉": (dt.date(1950, 2, 2), True),
    "王一": (dt.date(1992, 6, 1), True), "王二": (dt.date(1992, 7, 1), True),
    "孙奶奶": (dt.date(1940, 8, 8), False), "张三": (dt.date(1970, 1, 1), True),
    "张四": (dt.date(1975, 1, 1), True), "赵六": (dt.date(1975, 5, 5), True),
}


def id_of(name: str) -> str:
    birth, male = BIRTHS[name]
    prefix = "430524" if name == "赵六" else "430523"
    return make_id(birth, list(BIRTHS).index(name) + 1, prefix=prefix, male=male)


def _m(name: str, relation: str = "head", **extra: Any) -> dict[str, Any]:
    return {"name": name, "id_number": id_of(name), "relation": relation, **extra}


@pytest.fixture
def households(personas):
    actor = personas["county_office"]
    h1 = household_register(actor=actor, household_no="H001", region_code=VILLAGE_A,
                            category="lifted", members=[
                                _m("曾祥月"), _m("李芳", "spouse", labour_capacity="weak"),
                                _m("曾小明", "son", labour_capacity="none",
                                   school_stage="junior"),
                                _m("曾老汉", "father", labour_capacity="lost")])
    h2 = household_register(actor=actor, household_no="H002", region_code=VILLAGE_A, members=[
        _m("王一", labour_capacity="lost", health="disabled", disability_grade=1),
        _m("王二", "sibling")])
    h3 = household_register(actor=actor, household_no="H003", region_code=VILLAGE_A, members=[
        _m("孙奶奶", labour_capacity="none")])
    h4 = household_register(actor=actor, household_no="H004", region_code=VILLAGE_C, members=[
        _m("张三"), _m("张四", "sibling", labour_capacity="skilled")])
    h5 = household_register(actor=personas["city_office"], household_no="H005",
                            region_code=OUTSIDE_VILLAGE, members=[_m("赵六")])
    return {"H001": h1, "H002": h2, "H003": h3, "H004": h4, "H005": h5}


@pytest.fixture
def member(households):
    def get(name: str):
        from minsheng.registry.models import Member

        return Member.objects.get(id_number=id_of(name), active=True)

    return get


@pytest.fixture
def override_parameter(monkeypatch, tmp_path):
    """``override_parameter("employment.labour_age.max", 50)``: the parameter files copied, the
    value of every entry of that parameter replaced, and the employment rules pointed at them."""
    directory = tmp_path / "parameters"
    shutil.copytree(PARAMETERS_DIR, directory)

    def override(name: str, value: Any) -> None:
        path = directory.joinpath(*name.split(".")).with_suffix(".yaml")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.pop("min", None)  # the file's plausibility bounds are not what these tests vary
        data.pop("max", None)
        for entry in data["values"]:
            entry["value"] = value
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        parameters = ParameterSet.from_directory(directory)
        monkeypatch.setattr(rules, "active_parameters", lambda: parameters)

    return override


def write_sheet(path: Path, header: list[str], rows: list[list[Any]],
                title: str | None = None) -> Path:
    """A sheet as offices send them: an optional merged title row, the header, the rows."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    start = 0
    if title:
        sheet.merge_range(0, 0, 0, len(header) - 1, title)
        start = 1
    sheet.write_row(start, 0, header)
    for i, row in enumerate(rows, start=start + 1):
        for j, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(i, j, value)
            elif value is not None:
                sheet.write_string(i, j, str(value))
    book.close()
    return path


LABOUR_HEADER_SHORT = ["身份证号", "月份", "就业状态", "务工区域"]
