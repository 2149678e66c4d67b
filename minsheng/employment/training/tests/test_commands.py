"""``minsheng training outcomes`` and ``minsheng training menu``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minsheng.employment.training.tests.fixtures import demand_year, hand_computed_year

pytestmark = pytest.mark.django_db


def test_outcomes(personas, member):
    hand_computed_year(personas, member)
    out = io.StringIO()
    call_command("training", "outcomes", "--user", "county_office", stdout=out)
    text = out.getvalue()
    assert "邵阳技师学院  3  2  66.7%" in text and "合计  5  4  80.0%" in text


def test_refresh_needs_write_permission(personas, member):
    hand_computed_year(personas, member)
    with pytest.raises(CommandError, match="您没有修改参训记录的权限") as denied:
        call_command("training", "outcomes", "--refresh", "--user", "auditor")
    assert denied.value.returncode == 1


def test_menu(personas, member):
    demand_year(personas, member)
    out = io.StringIO()
    call_command("training", "menu", "--year", "2026", "--user", "county_office", stdout=out)
    assert "电工  8  2  0  0" in out.getvalue()
