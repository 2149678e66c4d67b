"""Fixtures of the assistance tests: households with and without labour, plans, parameter
overrides."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.utils import timezone

from minsheng.assistance import services
from minsheng.employment import rules as employment_rules
from minsheng.policy.parameters import PARAMETERS_DIR, ParameterSet
from minsheng.registry.services import household_register, ledger_save
from minsheng.registry.testing import make_id
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_C


def years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return dt.date(today.year - years, 1, 15)


def _m(name: str, seq: int, age: int, relation: str = "head", **extra: Any) -> dict[str, Any]:
    return {"name": name, "id_number": make_id(years_ago(age), seq), "relation": relation,
            **extra}


@pytest.fixture
def catalogue(db):
    """The measures catalogue as migration 0002 seeds it. A transactional test elsewhere in the
    run (a flush empties every table) would leave it empty, so seed it again when missing."""
    from minsheng.assistance.catalogue import CATALOGUE
    from minsheng.assistance.models import MeasureType

    if MeasureType.objects.count() != len(CATALOGUE):
        for code, name, kind, months, until, order in CATALOGUE:
            MeasureType.objects.update_or_create(code=code, defaults={
                "name": name, "kind": kind, "default_months": months,
                "continues_until": until, "sort_order": order})


@pytest.fixture
def households(personas, catalogue):
    """labour: 曾祥月 (45, 普通劳动力) with a son in 七年级至九年级 and a daughter in 中职, house C,
    high medical costs; weak: 李弱 (50, 弱劳动力) alone; none: 王孤 (75, 丧失劳动力, 二级残疾)
    alone; other: a household in 四峰社区 (another township); outside: 隆回县."""
    county = personas["county_office"]
    labour = household_register(
        actor=county, household_no="A001", region_code=VILLAGE_A, housing_grade="C",
        phone="13812345678",
        members=[_m("曾祥月", 1, 45),
                 _m("曾小明", 2, 13, relation="son", school_stage="junior",
                    labour_capacity="none"),
                 _m("曾小红", 3, 17, relation="daughter", school_stage="vocational",
                    labour_capacity="none")])
    ledger_save(actor=county, household=labour, year=timezone.localdate().year - 1,
                wage_income=Decimal("20000"), medical_out_of_pocket=Decimal("8000"))
    weak = household_register(actor=county, household_no="A002", region_code=VILLAGE_A,
                              members=[_m("李弱", 4, 50, labour_capacity="weak")])
    none = household_register(actor=county, household_no="A003", region_code=VILLAGE_A,
                               members=[_m("王孤", 5, 75, labour_capacity="lost",
                                           health="disabled", disability_grade=2)])
    other = household_register(actor=county, household_no="C001", region_code=VILLAGE_C,
                               members=[_m("赵其", 6, 40)])
    outside = household_register(actor=personas["city_office"], household_no="O001",
                                 region_code=OUTSIDE_VILLAGE, members=[_m("钱外", 7, 40)])
    return {"labour": labour, "weak": weak, "none": none, "other": other, "outside": outside}


@pytest.fixture
def plan(personas, households):
    return services.plan_create(actor=personas["township_station"],
                                household=households["labour"], responsible_name="刘干部",
                                responsible_phone="13900001111", responsible_unit="塘渡口镇政府",
                                responsible_user=personas["village_monitor"])


@pytest.fixture
def override_parameter(monkeypatch, tmp_path):
    """``override_parameter(name, value)``: the parameter files copied, every value of that
    parameter replaced, and the lookups pointed at the copy."""
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
        monkeypatch.setattr(employment_rules, "active_parameters", lambda: parameters)

    return override
