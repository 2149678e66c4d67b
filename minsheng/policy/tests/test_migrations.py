"""Migration 0005: earlier screenings' per-signal determinations keep everything they need to
be replayed when their shared parameter snapshot and facts row go away."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("policy", "0004_screening_facts")]
AFTER = [("policy", "0005_screening_determination")]


@pytest.mark.django_db(transaction=True)
def test_0005_copies_snapshot_and_facts_into_earlier_screening_determinations(allow_audit_flush):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    now = dt.datetime(2026, 6, 30, 8, tzinfo=dt.UTC)
    snapshot = old.get_model("policy", "ParameterSnapshot").objects.create(
        digest="d" * 64, created_at=now,
        parameters={"monitoring.range": {"value": "8500", "effective": "2026-01-01",
                                         "ref": {"document": "演示文件"}}})
    Determination = old.get_model("policy", "Determination")
    screened = Determination.objects.create(
        household_id=41, region_code="430523100001", rule_id="income", rule_version=1,
        on=dt.date(2026, 6, 30), status="risk", source="screening:7",
        reasons=[{"code": "income_below_range", "values": {"measured": "5000.00"}}],
        parameters={}, facts={}, parameter_set_id=snapshot.pk)
    single = Determination.objects.create(
        household_id=42, region_code="430523100001", rule_id="income", rule_version=1,
        on=dt.date(2026, 6, 30), status="clear", parameters={"own": {"value": "1"}},
        facts={"household_id": 42})
    amounts = {f"{k}_{name}": 0 for k in "cp" for name in (
        "wage_income", "business_income", "business_expense", "property_income",
        "transfer_family_planning", "transfer_dibao", "transfer_tekun", "transfer_pension",
        "transfer_eco_compensation", "transfer_other", "medical_out_of_pocket",
        "education_expense")}
    amounts["c_wage_income"] = 1_000_050
    old.get_model("policy", "ScreeningFacts").objects.create(
        household_id=41, source="screening:7", region_code="430523100001", category="lifted",
        housing_grade="B", water_quantity_ok=True, water_quality_ok=None,
        water_convenience_ok=True, water_assurance_ok=True, people=3, ledger_year=2026,
        has_previous=False, created_at=now,
        members=[{"id": 9, "name": "张三", "birth_date": "2014-03-01",
                  "school_stage": "not_in_school", "medical_insurance": 0}], **amounts)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Determination = new.get_model("policy", "Determination")
    screened = Determination.objects.get(pk=screened.pk)
    assert screened.parameters == {"monitoring.range": {
        "value": "8500", "effective": "2026-01-01", "ref": {"document": "演示文件"},
        "region_code": "430523100001"}}
    assert screened.facts["ledgers"] == {"2026": {
        **{name: "0.00" for name in (
            "business_income", "business_expense", "property_income",
            "transfer_family_planning", "transfer_dibao", "transfer_tekun", "transfer_pension",
            "transfer_eco_compensation", "transfer_other", "medical_out_of_pocket",
            "education_expense")}, "wage_income": "10000.50"}}
    assert screened.facts["members"] == [{"id": 9, "name": "张三", "birth_date": "2014-03-01",
                                          "school_stage": "not_in_school",
                                          "medical_insurance": False}]
    assert (screened.facts["other_members"], screened.facts["water_quality_ok"]) == (2, None)
    # A single evaluation held its own; it is left as it was.
    single = Determination.objects.get(pk=single.pk)
    assert (single.parameters, single.facts) == ({"own": {"value": "1"}}, {"household_id": 42})
    assert not new.get_model("policy", "ParameterSnapshot").objects.exists()
