"""Due lists (待走访名单) per cadre and per township, the frequency parameter, the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from minsheng.assistance import services
from minsheng.assistance.selectors import due_by_cadre, due_by_township, due_list, month_shift
from minsheng.testing import TOWNSHIP_A

TODAY = timezone.localdate()
MONTH = f"{TODAY:%Y-%m}"
LAST = TODAY.replace(day=1) - dt.timedelta(days=1)


@pytest.fixture
def plans(personas, households, plan):
    county = personas["county_office"]
    weak = services.plan_create(actor=county, household=households["weak"],
                                responsible_name="周干部", responsible_phone="13700000000")
    other = services.plan_create(actor=county, household=households["other"])
    return {"labour": plan, "weak": weak, "other": other}


def _visit(actor, household, day):
    services.visit_record(actor=actor, household=household, month=f"{day:%Y-%m}",
                          visit_date=day, income_change="same")


def test_month_shift():
    assert month_shift("2025-01", -1) == "2024-12"
    assert month_shift("2025-12", 1) == "2026-01"
    assert month_shift("2025-06", -13) == "2024-05"


def test_due_this_month_excludes_visited(personas, households, plans):
    county = personas["county_office"]
    rows = due_list(actor=county, month=MONTH, on=TODAY)
    assert {r.plan.pk for r in rows} == {p.pk for p in plans.values()}
    _visit(personas["village_monitor"], households["labour"], TODAY)
    rows = due_list(actor=county, month=MONTH, on=TODAY)
    assert plans["labour"].pk not in {r.plan.pk for r in rows} and len(rows) == 2


def test_last_months_visit_does_not_count_monthly(personas, households, plans):
    _visit(personas["village_monitor"], households["labour"], LAST)
    rows = due_list(actor=personas["county_office"], month=MONTH, on=TODAY)
    row = next(r for r in rows if r.plan.pk == plans["labour"].pk)
    assert row.last_month == f"{LAST:%Y-%m}"


def test_frequency_parameter_widens_the_window(personas, households, plans,
                                               override_parameter):
    _visit(personas["village_monitor"], households["labour"], LAST)
    override_parameter("assistance.follow_up.interval_months", 2)
    rows = due_list(actor=personas["county_office"], month=MONTH, on=TODAY)
    assert plans["labour"].pk not in {r.plan.pk for r in rows}


def test_due_per_cadre_and_township_and_scope(personas, households, plans):
    rows = due_list(actor=personas["county_office"], month=MONTH, on=TODAY)
    groups = {g.label: [r.plan.pk for r in g.rows] for g in due_by_cadre(rows)}
    assert groups == {"刘干部": [plans["labour"].pk], "周干部（137****0000）": [plans["weak"].pk],
                      "未确定帮扶责任人": [plans["other"].pk]}
    townships = {g.key: len(g.rows) for g in due_by_township(rows)}
    assert townships == {TOWNSHIP_A: 2, "430523101000": 1}
    # the village monitor's own list: only the household it is responsible for
    mine = due_list(actor=personas["village_monitor"], month=MONTH, on=TODAY, mine=True)
    assert [r.plan.pk for r in mine] == [plans["labour"].pk]
    # the township station sees its township only
    station = due_list(actor=personas["township_station"], month=MONTH, on=TODAY)
    assert {r.plan.pk for r in station} == {plans["labour"].pk, plans["weak"].pk}
    assert due_list(actor=personas["outsider"], month=MONTH, on=TODAY) == []


def test_cli_due(personas, households, plans, capsys):
    call_command("assistance", "due", "--region", "430523100000", "--month", MONTH)
    out = capsys.readouterr().out
    assert f"{MONTH} 待走访：2 户" in out and "刘干部" in out and "A001" in out
    assert "C001" not in out and "塘渡口镇" in out
    call_command("assistance", "due", "--user", "county_office")
    assert "待走访：3 户" in capsys.readouterr().out


def test_cli_due_bad_input(personas):
    with pytest.raises(CommandError, match="月份"):
        call_command("assistance", "due", "--month", "2025-13")
    with pytest.raises(CommandError, match="不存在"):
        call_command("assistance", "due", "--region", "999999")
