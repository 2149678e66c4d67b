"""The screening summary (``registry.summary``) follows every write to the registry: the
services, a plain ORM update, a member moving between households, an archive, an import. The
expected rows are computed here in Python from the ORM objects, independently of the SQL."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.db import connection, transaction

from minsheng.registry import summary
from minsheng.registry.choices import Relation
from minsheng.registry.models import Household, HouseholdSummary, IncomeLedger, Member
from minsheng.registry.services import (
    household_archive,
    household_register,
    household_update,
    ledger_save,
    member_add,
    member_archive,
    member_move,
    member_update,
)
from minsheng.registry.testing import member_data
from minsheng.testing import VILLAGE_A, VILLAGE_B

TODAY = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


def _cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def expected() -> dict[int, dict]:
    """Each non-archived household's summary row, from the ORM."""
    rows = {}
    for household in Household.objects.filter(archived=False):
        members = list(Member.objects.filter(household=household, active=True))
        out = [m.birth_date for m in members if m.school_stage == "not_in_school"]
        ledgers = {ledger.year: ledger for ledger in IncomeLedger.objects.filter(
            household=household)}
        latest = max(ledgers, default=None)
        current = ledgers.get(latest) if latest else None
        previous = ledgers.get(latest - 1) if latest else None
        row = {
            "region_id": household.region_id, "category": household.category,
            "housing_grade": household.housing_grade,
            "water_quantity_ok": household.water_quantity_ok,
            "water_quality_ok": household.water_quality_ok,
            "water_convenience_ok": household.water_convenience_ok,
            "water_assurance_ok": household.water_assurance_ok,
            "people": len(members),
            "uninsured": sum(not m.medical_insurance for m in members),
            "out_of_school": len(out),
            **dict(zip(("out_of_school_born_max", "out_of_school_born_2",
                        "out_of_school_born_3"),
                       [*sorted(out, reverse=True)[:3], None, None, None][:3], strict=True)),
            "ledger_year": latest, "has_previous": previous is not None,
        }
        for prefix, ledger in (("c", current), ("p", previous)):
            for name in summary.LEDGER_FIELDS:
                row[f"{prefix}_{name}"] = (_cents(getattr(ledger, name))
                                           if ledger is not None else None)
        rows[household.pk] = row
    return rows


def stored() -> dict[int, dict]:
    fields = [c for c in summary.COLUMNS if c != "household_id"]
    return {row["household_id"]: {f: row[f] for f in fields}
            for row in HouseholdSummary.objects.values("household_id", *fields)}


def assert_current() -> None:
    summary.refresh_dirty()
    assert stored() == expected()


@pytest.fixture
def family(personas):
    actor = personas["township_station"]
    household = household_register(
        actor=actor, household_no="H001", region_code=VILLAGE_A,
        members=[member_data("曾祥月", dt.date(1980, 1, 1), 1),
                 member_data("李芳", dt.date(1982, 3, 4), 2, relation="spouse", male=False,
                             medical_insurance=False),
                 member_data("曾小明", dt.date(2014, 5, 6), 3, relation="son",
                             school_stage="not_in_school")],
        category="lifted", today=TODAY)
    ledger_save(actor=actor, household=household, year=2024, wage_income=Decimal("9000.55"))
    ledger_save(actor=actor, household=household, year=2025, wage_income=Decimal("12000.10"),
                medical_out_of_pocket=Decimal("3000.05"), transfer_dibao=Decimal("1200"))
    return household


def test_triggers_are_installed_by_the_migrations():
    assert summary.triggers_installed()


def test_registering_with_members_and_ledgers(family):
    assert_current()
    row = stored()[family.pk]
    # 非在校生 counts adults too: the age window is the rules' (a parameter), not the summary's.
    assert (row["people"], row["uninsured"], row["out_of_school"]) == (3, 1, 3)
    assert row["out_of_school_born_max"] == dt.date(2014, 5, 6)
    assert row["out_of_school_born_2"] == dt.date(1982, 3, 4)
    assert row["out_of_school_born_3"] == dt.date(1980, 1, 1)
    assert row["ledger_year"] == 2025 and row["has_previous"] is True
    assert row["c_wage_income"] == 1200010 and row["p_wage_income"] == 900055


def test_a_second_call_finds_nothing_to_do(family):
    summary.refresh_dirty()
    assert summary.refresh_dirty() == 0


def test_member_changes_moves_and_archives(family, personas):
    actor = personas["township_station"]
    summary.refresh_dirty()
    son = family.members.get(relation=Relation.SON)
    member_update(actor=actor, member=son, version=1, school_stage="primary")
    assert_current()
    assert stored()[family.pk]["out_of_school"] == 2
    assert stored()[family.pk]["out_of_school_born_max"] == dt.date(1982, 3, 4)
    spouse = family.members.get(relation=Relation.SPOUSE)
    member_update(actor=actor, member=spouse, version=1, medical_insurance=True)
    assert_current()
    assert stored()[family.pk]["uninsured"] == 0
    other = household_register(actor=actor, household_no="H002", region_code=VILLAGE_B,
                               members=[member_data("王五", dt.date(1970, 1, 1), 9)],
                               today=TODAY)
    spouse.refresh_from_db()
    member_move(actor=actor, member=spouse, to_household=other, version=spouse.version,
                relation=Relation.SPOUSE)
    assert_current()
    assert (stored()[family.pk]["people"], stored()[other.pk]["people"]) == (2, 2)
    member_add(actor=actor, household=other,
               data=member_data("王小", dt.date(2012, 1, 1), 10, relation="son",
                                school_stage="not_in_school"), today=TODAY)
    assert_current()
    son = other.members.get(name="王小")
    member_archive(actor=actor, member=son, version=1, reason="moved_out")
    assert_current()
    assert stored()[other.pk]["out_of_school"] == 2


def test_household_facts_ledgers_and_archive(family, personas):
    actor = personas["county_office"]
    summary.refresh_dirty()
    household_update(actor=actor, household=family, version=1, housing_grade="C",
                     water_quality_ok=False)
    assert_current()
    assert stored()[family.pk]["housing_grade"] == "C"
    ledger_save(actor=actor, household=family, year=2026, wage_income=Decimal("1"))
    assert_current()
    assert stored()[family.pk]["ledger_year"] == 2026
    assert stored()[family.pk]["p_medical_out_of_pocket"] == 300005
    family.refresh_from_db()
    household_archive(actor=actor, household=family, version=family.version,
                      reason="duplicate")
    assert_current()
    assert family.pk not in stored()


def test_plain_orm_and_sql_writes_are_recorded_too(family):
    """The triggers see writes that bypass the services (an admin, a script)."""
    summary.refresh_dirty()
    Member.objects.filter(household=family).update(medical_insurance=False)
    IncomeLedger.objects.filter(household=family, year=2024).delete()
    assert_current()
    row = stored()[family.pk]
    assert row["uninsured"] == 3 and row["has_previous"] is False
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_household SET category = 'ordinary' WHERE id = %s",
                       [family.pk])
    assert_current()


def test_rebuild_repairs_a_damaged_table(family):
    summary.refresh_dirty()
    HouseholdSummary.objects.filter(household_id=family.pk).update(people=99)
    assert summary.rebuild() == 1
    assert stored() == expected()


def test_suspending_restores_the_triggers_and_marks_everything_stale(family, personas):
    summary.refresh_dirty()
    with transaction.atomic(), summary.triggers_suspended():
        assert not summary.triggers_installed()
        household_register(actor=personas["township_station"], household_no="H003",
                           region_code=VILLAGE_B,
                           members=[member_data("赵六", dt.date(1990, 1, 1), 11)], today=TODAY)
    assert summary.triggers_installed()
    # Every summary is stale (the new household has none yet); the next refresh rebuilds all.
    assert len(stored()) == 1
    assert summary.refresh_dirty() == 2
    assert stored() == expected()


def test_a_failed_load_keeps_the_triggers(family, personas):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic(), summary.triggers_suspended():
        raise Boom
    assert summary.triggers_installed()


def test_a_first_load_leaves_every_summary_to_rebuild(personas, tmp_path):
    """A first import writes with the triggers dropped; the next refresh (the task queued
    after its commit, or the screening) builds every household's summary."""
    from minsheng.core.batches import ImportStatus
    from minsheng.core.imports import batch_apply
    from minsheng.registry.tests.test_excel import good_rows, upload, write_sheet

    actor = personas["village_monitor"]
    batch = batch_apply(actor=actor,
                        batch=upload(actor, write_sheet(tmp_path / "a.xlsx", good_rows())))
    assert batch.status == ImportStatus.APPLIED
    assert summary.triggers_installed()
    assert stored() == {}  # built by the next refresh, not in the import's transaction
    summary.refresh_dirty()
    assert stored() == expected()
    assert stored()[Household.objects.get(household_no="H100").pk]["people"] == 3
