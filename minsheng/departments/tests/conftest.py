"""Fixtures of the department tests: registered households, a second liaison, file helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files import File

from minsheng.core.imports import batch_import
from minsheng.core.roles import Department, Role
from minsheng.departments.excel import sample_workbook
from minsheng.departments.services import department_upload_create
from minsheng.regions.services import AccountData, account_create
from minsheng.registry.services import household_register
from minsheng.registry.testing import make_id, member_data
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, PASSWORD, VILLAGE_A, VILLAGE_C

# 曾祥月 and 李芳: a 脱贫户 in 大岭社区 (塘渡口镇); 王五: an ordinary household in 四峰社区 (白仓镇);
# 赵六: registered in 隆回县, outside the county of every persona but the city's.
LIFTED_ID = make_id(dt.date(1980, 1, 1), 1)
SPOUSE_ID = make_id(dt.date(1982, 3, 4), 2, male=False)
ORDINARY_ID = make_id(dt.date(1970, 1, 1), 3)
OUTSIDE_ID = make_id(dt.date(1975, 5, 5), 4, prefix="430524")
UNKNOWN_ID = make_id(dt.date(1990, 2, 2), 5)


@pytest.fixture
def households(personas):
    station = personas["county_office"]
    a = household_register(actor=station, household_no="H001", region_code=VILLAGE_A,
                           members=[member_data("曾祥月", dt.date(1980, 1, 1), 1),
                                    member_data("李芳", dt.date(1982, 3, 4), 2,
                                                relation="spouse", male=False)],
                           category="lifted")
    b = household_register(actor=station, household_no="H002", region_code=VILLAGE_C,
                           members=[member_data("王五", dt.date(1970, 1, 1), 3)])
    c = household_register(actor=personas["city_office"], household_no="H003",
                           region_code=OUTSIDE_VILLAGE,
                           members=[{"name": "赵六", "id_number": OUTSIDE_ID,
                                     "relation": "head"}])
    return a, b, c


@pytest.fixture
def education_liaison(personas):
    return account_create(actor=None, data=AccountData(
        username="edu_liaison", display_name="教育联络员", role=Role.DEPARTMENT_LIAISON,
        region_codes=[COUNTY_A], department=Department.EDUCATION), password=PASSWORD)


def medical_rows() -> list[dict[str, Any]]:
    return [
        {"name": "曾祥月", "id_number": LIFTED_ID, "inpatient_out_of_pocket": 6000,
         "diagnosis": "脑梗死"},
        {"name": "李 芳", "id_number": SPOUSE_ID, "inpatient_out_of_pocket": "4,999.50元"},
        {"name": "王小五", "id_number": ORDINARY_ID, "inpatient_out_of_pocket": 12000,
         "outpatient_out_of_pocket": 800},
        {"name": "赵六", "id_number": OUTSIDE_ID, "inpatient_out_of_pocket": 30000},
        {"name": "钱七", "id_number": UNKNOWN_ID, "inpatient_out_of_pocket": 25000},
    ]


def write_file(path: Path, department: str = Department.MEDICAL_INSURANCE,
               rows: list[dict[str, Any]] | None = None) -> Path:
    return sample_workbook(path, department, medical_rows() if rows is None else rows,
                           title="邵阳县医疗保障局 2025年10月 个人自付费用推送表")


def upload(actor, path: Path, *, department: str = Department.MEDICAL_INSURANCE,
           period: str = "2025-10", auto_assign: bool = True):
    with path.open("rb") as handle:
        return department_upload_create(actor=actor, department=department, period=period,
                                        uploaded=File(handle, name=path.name),
                                        auto_assign=auto_assign)


def import_file(actor, path: Path, **kwargs: Any):
    """Upload and apply at once (as the CLI does); returns the upload (batch refreshed)."""
    dry_run = kwargs.pop("dry_run", False)
    made = upload(actor, path, **kwargs)
    batch_import(actor=actor, batch=made.batch, dry_run=dry_run)
    made.batch.refresh_from_db()
    return made
