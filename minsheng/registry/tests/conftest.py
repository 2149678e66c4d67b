"""Fixtures shared by the registry tests."""

import datetime as dt

import pytest

from minsheng.registry.services import household_register, ledger_save
from minsheng.registry.testing import member_data
from minsheng.testing import VILLAGE_A, VILLAGE_B


@pytest.fixture
def households(personas):
    actor = personas["township_station"]
    a = household_register(actor=actor, household_no="H001", region_code=VILLAGE_A,
                           members=[member_data("曾祥月", dt.date(1980, 1, 1), 1),
                                    member_data("李芳", dt.date(1982, 3, 4), 2,
                                                relation="spouse", male=False,
                                                medical_insurance=False)],
                           phone="13812345678", category="lifted")
    b = household_register(actor=actor, household_no="H002", region_code=VILLAGE_B,
                           members=[member_data("王五", dt.date(1970, 1, 1), 3)])
    ledger_save(actor=actor, household=a, year=2025, wage_income=8000)
    return a, b
