"""Fixtures of the 公益性岗位 tests: a hand-made registry and a parameter override.

大岭社区 (VILLAGE_A, 塘渡口镇): H101 脱贫户 甲 (弱劳动力, born 1970-03-01, bank account on the
household) and 乙 (普通劳动力, 1972-05-01); H102 一般农户 丙 (弱劳动力, 1975-01-01, 低保);
H103 脱贫户 丁 (普通劳动力, 1980-01-01). No household has a monitoring case unless a test
gives it one (``case_of``). 石湾社区 (VILLAGE_B, same township): H104 脱贫户 戊
(弱劳动力, 1968-06-01). 四峰社区 (VILLAGE_C, 白仓镇): H105 脱贫户 己 (弱劳动力, 1966-01-01).
荷叶塘社区 (隆回县, outside): H106 脱贫户 庚.
"""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

import pytest
import yaml

from minsheng.employment.publicposts import rules
from minsheng.policy.parameters import PARAMETERS_DIR, ParameterSet
from minsheng.registry.models import Member
from minsheng.registry.services import household_register
from minsheng.registry.testing import make_id
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_B, VILLAGE_C

BIRTHS = {"甲": dt.date(1970, 3, 1), "乙": dt.date(1972, 5, 1), "丙": dt.date(1975, 1, 1),
          "丁": dt.date(1980, 1, 1), "戊": dt.date(1968, 6, 1), "己": dt.date(1966, 1, 1),
          "庚": dt.date(1970, 1, 1)}
ACCOUNT = "6217001234567890123"


def id_of(name: str) -> str:
    prefix = "430524" if name == "庚" else "430523"
    return make_id(BIRTHS[name], list(BIRTHS).index(name) + 1, prefix=prefix)


def _m(name: str, relation: str = "head", **extra: Any) -> dict[str, Any]:
    return {"name": name, "id_number": id_of(name), "relation": relation, **extra}


@pytest.fixture
def households(personas):
    actor = personas["county_office"]
    return {
        "H101": household_register(actor=actor, household_no="H101", region_code=VILLAGE_A,
                                   category="lifted", bank_name="邵阳农商行",
                                   bank_account=ACCOUNT, members=[
                                       _m("甲", labour_capacity="weak"),
                                       _m("乙", "spouse", labour_capacity="ordinary")]),
        "H102": household_register(actor=actor, household_no="H102", region_code=VILLAGE_A,
                                   members=[_m("丙", labour_capacity="weak", dibao=True)]),
        "H103": household_register(actor=actor, household_no="H103", region_code=VILLAGE_A,
                                   category="lifted",
                                   members=[_m("丁", labour_capacity="ordinary")]),
        "H104": household_register(actor=actor, household_no="H104", region_code=VILLAGE_B,
                                   category="lifted",
                                   members=[_m("戊", labour_capacity="weak")]),
        "H105": household_register(actor=actor, household_no="H105", region_code=VILLAGE_C,
                                   category="lifted",
                                   members=[_m("己", labour_capacity="weak")]),
        "H106": household_register(actor=personas["city_office"], household_no="H106",
                                   region_code=OUTSIDE_VILLAGE, category="lifted",
                                   members=[_m("庚", labour_capacity="weak")]),
    }


@pytest.fixture
def member(households):
    def get(name: str) -> Member:
        return Member.objects.get(id_number=id_of(name), active=True)

    return get


@pytest.fixture
def override_parameter(monkeypatch, tmp_path):
    """``override_parameter("employment.public_post.pro_rata", False)``: the parameter files
    copied, every value of that parameter replaced, and the rules pointed at the copy."""
    directory = tmp_path / "parameters"
    shutil.copytree(PARAMETERS_DIR, directory)

    def override(name: str, value: Any) -> None:
        path = directory.joinpath(*name.split(".")).with_suffix(".yaml")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["values"]:
            entry["value"] = value
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        parameters = ParameterSet.from_directory(directory)
        monkeypatch.setattr(rules, "active_parameters", lambda: parameters)

    return override


CLOSED_CASE = ("not_included", "eliminated")


@pytest.fixture
def case_of(households):
    """``case_of("H102", "monitoring")``: a monitoring case of that household in that step. Its
    members are 监测对象 while it is 监测中 or in 风险消除程序; not while it is being identified,
    nor once it is closed (不纳入, 已标注风险消除)."""
    from django.utils import timezone

    from minsheng.monitoring.models import MonitoringCase

    def make(household_no: str, status: str) -> MonitoringCase:
        household = households[household_no]
        return MonitoringCase.objects.create(
            household=household, region_id=household.region_id, status=status,
            is_open=status not in CLOSED_CASE, step_started_at=timezone.now())

    return make
