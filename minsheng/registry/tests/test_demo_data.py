import datetime as dt
import hashlib

import pytest
from django.db.models import Count, Q

from minsheng.registry.demo_data import demo_households_generate
from minsheng.registry.identity import check_id_number
from minsheng.registry.models import Household, IncomeLedger, Member, SearchKey
from minsheng.registry.validation import check_member_fields
from minsheng.testing import COUNTY_A

TODAY = dt.date(2026, 11, 23)


def fingerprint() -> str:
    rows = sorted(Member.objects.values_list("household__household_no", "name", "id_number",
                                             "relation"))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture
def demo(regions):
    return demo_households_generate(county_code=COUNTY_A, count=300, seed=11)


class DemoHouseholdsTests:
    def test_adds_the_requested_households_with_members_and_ledgers(self, demo):
        assert demo.households == Household.objects.count() == 300
        assert demo.members == Member.objects.count()
        assert IncomeLedger.objects.count() == 600

    def test_is_idempotent(self, demo):
        again = demo_households_generate(county_code=COUNTY_A, count=300, seed=11)
        assert (again.households, again.skipped) == (0, 300)
        assert Household.objects.count() == 300

    def test_is_deterministic_by_seed(self, demo):
        from minsheng.registry.models import HouseholdChange

        first = fingerprint()
        # The same seed into an empty registry gives the same people.
        SearchKey.objects.all().delete()
        Member.objects.all().delete()
        HouseholdChange.objects.all().delete()
        IncomeLedger.objects.all().delete()
        Household.objects.all().delete()
        demo_households_generate(county_code=COUNTY_A, count=300, seed=11)
        assert fingerprint() == first

    def test_every_member_passes_the_registry_rules(self, demo):
        for m in Member.objects.all():
            assert check_id_number(m.id_number, today=TODAY).ok, m.id_number
            errors, _warnings, _derived = check_member_fields(
                {"name": m.name, "id_number": m.id_number, "relation": m.relation,
                 "health": m.health, "disability_grade": m.disability_grade,
                 "work_months": m.work_months, "work_area": m.work_area,
                 "birth_date": m.birth_date, "gender": m.gender}, today=TODAY)
            assert errors == [], (m.name, errors)

    def test_each_household_has_exactly_one_head(self, demo):
        heads = Household.objects.annotate(
            heads=Count("members", filter=Q(members__relation="head", members__active=True)))
        assert set(heads.values_list("heads", flat=True)) == {1}

    def test_some_households_are_clearly_at_risk(self, demo):
        assert Member.objects.filter(medical_insurance=False).exists()
        assert Household.objects.filter(housing_grade__in=["C", "D"]).exists()
        assert Household.objects.filter(Q(water_quantity_ok=False) | Q(water_quality_ok=False)
                                        | Q(water_convenience_ok=False)
                                        | Q(water_assurance_ok=False)).exists()
        assert IncomeLedger.objects.filter(medical_out_of_pocket__gte=15000).exists()
        born = dt.date(2025 - 15, 1, 1)
        assert Member.objects.filter(birth_date__gte=born, school_stage="not_in_school",
                                     birth_date__lte=dt.date(2025 - 6, 12, 31)).exists()

    def test_names_are_searchable_by_pinyin(self, demo):
        member = Member.objects.first()
        assert SearchKey.objects.filter(household_id=member.household_id,
                                        key=member.name).exists()
