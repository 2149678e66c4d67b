"""Pure rules: months, ages, labour-force membership and workshop recognition at the bounds."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.errors import InvalidInput
from minsheng.employment.choices import WorkerCategory
from minsheng.employment.rules import (
    AgeBounds,
    WorkerFact,
    in_labour_force,
    labour_age_bounds,
    parse_month,
    previous_month,
    workshop_recognition,
)

ON = dt.date(2025, 10, 31)
BOUNDS = AgeBounds(16, 60)


class MonthTests:
    @pytest.mark.parametrize("text", ["2025-10", "2025年10月", "2025/10", "202510", " 2025-10 "])
    def test_accepts_common_spellings(self, text):
        assert parse_month(text) == "2025-10"

    def test_rejects_month_13_with_chinese_message(self):
        with pytest.raises(InvalidInput) as exc:
            parse_month("2025-13")
        assert exc.value.message == "月份「2025-13」格式不正确，应为年-月，如 2025-10。"

    def test_previous_month_wraps_the_year(self):
        assert previous_month("2026-01") == "2025-12"
        assert previous_month("2025-10") == "2025-09"


class LabourForceTests:
    @pytest.mark.parametrize(("birth", "expected"), [
        (dt.date(2009, 10, 31), True),   # 16 on the day: in
        (dt.date(2009, 11, 1), False),   # 15: out
        (dt.date(1964, 11, 1), True),    # still 60: in
        (dt.date(1964, 10, 31), False),  # 61 on the day: out
    ])
    def test_age_bounds_are_inclusive(self, birth, expected):
        ok, _why = in_labour_force(birth_date=birth, labour_capacity="ordinary", on=ON,
                                   bounds=BOUNDS)
        assert ok is expected

    def test_birth_range_matches_the_rule(self):
        after, upto = BOUNDS.birth_range(ON)
        assert (after, upto) == (dt.date(1964, 10, 31), dt.date(2009, 10, 31))

    @pytest.mark.parametrize(("capacity", "expected"), [
        ("ordinary", True), ("skilled", True), ("weak", True), ("lost", False), ("none", False)])
    def test_labour_capacity(self, capacity, expected):
        assert in_labour_force(birth_date=dt.date(1990, 1, 1), labour_capacity=capacity, on=ON,
                               bounds=BOUNDS)[0] is expected

    def test_reason_names_the_bound(self):
        ok, why = in_labour_force(birth_date=dt.date(1950, 1, 1), labour_capacity="ordinary",
                                  on=ON, bounds=BOUNDS)
        assert not ok and why == "年龄 75 周岁，超过劳动力年龄上限 60 周岁。"

    def test_bounds_come_from_the_parameter_files(self, db):
        bounds = labour_age_bounds(on=ON, region_code="430523")
        assert (bounds.minimum, bounds.maximum) == (16, 60)
        assert [r["name"] for r in bounds.refs] == ["employment.labour_age.min",
                                                    "employment.labour_age.max"]
        assert all(r["ref"]["verified"] is False for r in bounds.refs)

    def test_changed_parameter_changes_the_bounds(self, db, override_parameter):
        override_parameter("employment.labour_age.max", 55)
        assert labour_age_bounds(on=ON, region_code="430523").maximum == 55

    def test_no_value_in_force_is_an_error_not_zero(self, db):
        with pytest.raises(InvalidInput):
            labour_age_bounds(on=dt.date(1990, 1, 1), region_code="430523")


def _w(category=WorkerCategory.LIFTED, months=6, start=dt.date(2025, 1, 1), left=None):
    return WorkerFact(category, start, months, left)


class WorkshopRecognitionTests:
    def test_met_with_exactly_n_workers_of_m_months(self):
        result = workshop_recognition([_w()] * 5, on=ON, min_workers=5, min_months=6)
        assert result.met and result.qualified == 5

    def test_not_met_with_n_minus_one_workers(self):
        result = workshop_recognition([_w()] * 4, on=ON, min_workers=5, min_months=6)
        assert not result.met and result.qualified == 4
        assert result.reasons[0] == ("在岗且合同期限不少于 6 个月的脱贫人口（含监测对象）4 人，"
                                     "认定标准为不少于 5 人：不符合。")

    def test_contract_of_m_minus_one_months_does_not_count(self):
        result = workshop_recognition([_w()] * 4 + [_w(months=5)], on=ON, min_workers=5,
                                      min_months=6)
        assert not result.met and result.qualified == 4
        assert result.reasons[1] == "另有 1 名脱贫人口（含监测对象）合同期限不足 6 个月，不计入。"

    def test_monitored_count_others_and_leavers_do_not(self):
        workers = [_w(WorkerCategory.MONITORED)] * 3 + [_w()] * 2
        assert workshop_recognition(workers, on=ON, min_workers=5, min_months=6).met
        workers = [_w()] * 4 + [_w(WorkerCategory.OTHER)]
        assert not workshop_recognition(workers, on=ON, min_workers=5, min_months=6).met
        workers = [_w()] * 4 + [_w(left=dt.date(2025, 10, 31))]
        assert not workshop_recognition(workers, on=ON, min_workers=5, min_months=6).met
        workers = [_w()] * 4 + [_w(start=dt.date(2025, 11, 1))]
        assert not workshop_recognition(workers, on=ON, min_workers=5, min_months=6).met
