"""The seeded parameters: the figures from domain-rules.md resolve for the demo county, demo values
are never marked verified, and the income components match the registry's ledger fields."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.policy.errors import ParameterMissing
from minsheng.policy.parameters import default_parameters, parameter_value
from minsheng.registry.models import IncomeLedger
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, VILLAGE_A

D = dt.date
DEMO_ISSUER = "演示数据，非政府发文"


def value(name: str, on: dt.date, region: str = VILLAGE_A):
    return parameter_value(name, on=on, region_code=region).value


class MonitoringRangeTests:
    def test_uses_the_demo_county_value_in_2025_and_the_province_value_otherwise(self):
        assert value("monitoring.range", D(2025, 6, 1)) == 8200
        assert value("monitoring.range", D(2025, 6, 1), OUTSIDE_VILLAGE) == 8000
        assert value("monitoring.range", D(2026, 6, 1)) == 8500
        assert value("monitoring.range", D(2024, 12, 31), COUNTY_A) == 7500

    def test_uses_the_2021_national_figure_in_2021_only(self):
        assert value("monitoring.range", D(2021, 7, 1), "44") == 6000
        with pytest.raises(ParameterMissing):
            value("monitoring.range", D(2022, 7, 1), "44")

    def test_raises_for_a_year_whose_range_is_not_entered(self):
        with pytest.raises(ParameterMissing):
            value("monitoring.range", D(2027, 1, 1))

    def test_marks_every_demo_value_unverified(self):
        params = default_parameters()
        demo = [entry for name in params.names() for entry in params.get(name).entries
                if entry.ref.issuer == DEMO_ISSUER]
        assert demo, "the demo province's invented figures are marked with the demo issuer"
        assert all(not entry.ref.verified and entry.ref.document.startswith("【演示值】")
                   for entry in demo)


class DepartmentThresholdTests:
    def test_medical_insurance_pushes_at_5000_for_poverty_alleviated_and_20000_for_others(self):
        base = "departments.medical_insurance."
        assert value(base + "inpatient_out_of_pocket_poverty_alleviated", D(2025, 1, 1)) == 5000
        assert value(base + "inpatient_out_of_pocket_others", D(2025, 1, 1)) == 20000
        assert value(base + "outpatient_out_of_pocket_monthly", D(2025, 1, 1)) == 500
        assert value(base + "push_day", D(2025, 1, 1)) == 5

    def test_has_no_national_department_threshold(self):
        with pytest.raises(ParameterMissing):
            value("departments.medical_insurance.inpatient_out_of_pocket_others", D(2025, 1, 1),
                  "44")


class ProcedureTests:
    @pytest.mark.parametrize("name,expected", [
        ("procedure.identification.online_application_transfer_days", 2),
        ("procedure.identification.household_check_days", 3),
        ("procedure.identification.data_comparison_days", 5),
        ("procedure.identification.notice_days", 5),
        ("procedure.identification.total_working_days", 20),
        ("procedure.identification.income_period_months", 12),
        ("procedure.identification.green_channel", True),
        ("procedure.risk_elimination.notice_days", 7),
        ("procedure.risk_elimination.household_check_team_size", 2),
        ("procedure.risk_elimination.income_stable_months", 6),
    ])
    def test_resolves_for_the_demo_village(self, name, expected):
        assert value(name, D(2026, 1, 1)) == expected


class NetIncomeTests:
    def test_choices_are_the_registry_ledger_fields(self):
        params = default_parameters()
        counted = params.get("monitoring.net_income.counted_income").choices or {}
        deducted = params.get("monitoring.net_income.deducted_expenses").choices or {}
        ledger = set(IncomeLedger.AMOUNT_FIELDS)
        assert set(counted) <= ledger and set(deducted) <= ledger
        income_fields = {f for f in ledger if f.endswith("_income") or f.startswith("transfer_")}
        assert set(counted) == income_fields
        assert set(deducted) == {"business_expense"}

    def test_labels_match_the_ledger_verbose_names(self):
        counted = default_parameters().get("monitoring.net_income.counted_income").choices or {}
        for code, label in counted.items():
            assert IncomeLedger._meta.get_field(code).verbose_name == label

    def test_counts_every_income_component_by_default(self):
        counted = value("monitoring.net_income.counted_income", D(2025, 1, 1), "44")
        assert counted == tuple(default_parameters().get(
            "monitoring.net_income.counted_income").choices or ())
