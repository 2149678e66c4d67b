import datetime as dt
import hashlib
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.registry.demo_data import RISK_KINDS, demo_households_generate
from minsheng.registry.filters import INCOME_COMPONENTS, HouseholdFilter, apply_household_filter
from minsheng.registry.identity import check_id_number
from minsheng.registry.models import Household, HouseholdChange, IncomeLedger, Member, SearchKey
from minsheng.registry.search import initials_variants
from minsheng.registry.validation import check_household_fields, check_member_fields
from minsheng.testing import COUNTY_A, VILLAGE_A, VILLAGE_B, VILLAGE_C

TODAY = dt.date(2026, 11, 23)
COUNT = 200
SEED = 11
YEAR = 2025


def fingerprint() -> str:
    rows = sorted(Member.objects.values_list("household__household_no", "name", "id_number",
                                             "relation", "birth_date"))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def wipe_registry() -> None:
    for model in (SearchKey, HouseholdChange, IncomeLedger, Member, Household):
        model.objects.all().delete()


@pytest.fixture
def demo(regions):
    return demo_households_generate(county_code=COUNTY_A, count=COUNT, seed=SEED, year=YEAR)


class DemoHouseholdsTests:
    def test_writes_households_members_ledgers_and_keys_when_registry_is_empty(self, demo):
        assert demo.households == Household.objects.count() == COUNT
        assert demo.members == Member.objects.count()
        assert 2.2 < demo.members / COUNT < 4.5  # plausible household sizes
        assert set(IncomeLedger.objects.values_list("year", flat=True)) == {YEAR - 1, YEAR}
        assert IncomeLedger.objects.count() == 2 * COUNT
        assert SearchKey.objects.values("household").distinct().count() == COUNT

    def test_spreads_households_over_the_county_villages_when_generated(self, demo):
        per_village = Counter(Household.objects.values_list("region_id", flat=True))
        assert set(per_village) == {VILLAGE_A, VILLAGE_B, VILLAGE_C}
        assert max(per_village.values()) - min(per_village.values()) <= 1

    def test_same_people_when_same_seed_runs_into_an_empty_registry(self, demo):
        first = fingerprint()
        wipe_registry()
        demo_households_generate(county_code=COUNTY_A, count=COUNT, seed=SEED, year=YEAR)
        assert fingerprint() == first

    def test_other_people_when_seed_differs(self, demo):
        first = fingerprint()
        wipe_registry()
        demo_households_generate(county_code=COUNTY_A, count=COUNT, seed=SEED + 1, year=YEAR)
        assert fingerprint() != first

    def test_adds_nothing_when_run_again(self, demo):
        before = fingerprint()
        again = demo_households_generate(county_code=COUNTY_A, count=COUNT, seed=SEED, year=YEAR)
        assert (again.households, again.members, again.skipped) == (0, 0, COUNT)
        assert Household.objects.count() == COUNT
        assert fingerprint() == before

    def test_adds_only_the_missing_households_when_count_grows(self, demo):
        more = demo_households_generate(county_code=COUNTY_A, count=COUNT + 50, seed=SEED,
                                        year=YEAR)
        assert (more.households, more.skipped) == (50, COUNT)
        grown = fingerprint()
        wipe_registry()
        demo_households_generate(county_code=COUNTY_A, count=COUNT + 50, seed=SEED, year=YEAR)
        assert fingerprint() == grown  # same as generating all at once

    def test_records_one_change_per_household_and_one_audit_event_when_run(self, demo):
        changes = HouseholdChange.objects.filter(action="演示数据生成")
        assert changes.count() == COUNT
        assert changes.values("household").distinct().count() == COUNT
        first = changes.select_related("household").first()
        assert (first.subject, first.subject_id, first.changes) == ("household",
                                                                    first.household_id, {})
        assert first.subject_label == first.household.head_name
        events = AuditEvent.objects.filter(event_type=AuditEventType.DEMO_LOADED)
        assert events.count() == 1
        demo_households_generate(county_code=COUNTY_A, count=COUNT, seed=SEED, year=YEAR)
        assert events.count() == 1  # nothing added, nothing recorded

    def test_every_id_number_is_valid_and_unique_when_generated(self, demo):
        numbers = list(Member.objects.values_list("id_number", "birth_date", "gender"))
        assert len({n for n, _b, _g in numbers}) == len(numbers)
        for number, birth, gender in numbers:
            check = check_id_number(number, today=TODAY)
            assert check.ok, (number, check.errors)
            assert number.startswith(COUNTY_A[:6])
            assert (check.birth_date, check.gender) == (birth, gender)

    def test_members_pass_the_registry_rules_when_generated(self, demo):
        fields = ("name", "id_number", "relation", "health", "disability_grade", "work_months",
                  "work_area", "birth_date", "gender", "phone")
        for row in Member.objects.order_by("id").values(*fields)[::3]:
            errors, _warnings, _derived = check_member_fields(row, today=TODAY)
            assert errors == [], (row, errors)
        for row in Household.objects.values("household_no", "phone", "bank_account"):
            assert check_household_fields(row) == [], row

    def test_ages_fit_relations_when_families_are_drawn(self, demo):
        members = Member.objects.select_related("household").order_by("household_id")
        by_household: dict[int, list[Member]] = {}
        for m in members:
            by_household.setdefault(m.household_id, []).append(m)
        kinds = Counter()
        for family in by_household.values():
            head = next(m for m in family if m.relation == "head")
            age = {m.pk: YEAR - m.birth_date.year for m in family}
            for m in family:
                if m.relation in ("son", "daughter"):
                    assert age[head.pk] - age[m.pk] >= 20, (head.name, m.name)
                if m.relation in ("father", "mother"):
                    assert age[m.pk] - age[head.pk] >= 20
                if m.relation in ("grandson", "granddaughter"):
                    assert age[head.pk] - age[m.pk] >= 40
                if m.relation == "spouse":
                    assert m.gender != head.gender and age[m.pk] >= 20
            if len(family) == 1:
                kinds["single"] += 1
                assert age[head.pk] >= 30
            if any(m.relation in ("grandson", "granddaughter", "father", "mother")
                   for m in family):
                kinds["three generations"] += 1
            elif any(m.relation in ("son", "daughter") for m in family):
                kinds["with children"] += 1
            elif len(family) == 2:
                kinds["couple"] += 1
        assert all(kinds[k] > 0 for k in ("single", "couple", "with children",
                                          "three generations")), kinds

    def test_exactly_one_active_head_when_generated(self, demo):
        heads = Household.objects.annotate(
            heads=Count("members", filter=Q(members__relation="head", members__active=True)))
        assert set(heads.values_list("heads", flat=True)) == {1}
        assert not Household.objects.exclude(
            head_name__in=Member.objects.filter(relation="head").values("name")).exists()

    def test_each_risk_kind_occurs_when_generated(self, demo):
        assert set(RISK_KINDS) == {"low_income", "medical", "uninsured", "dropout", "housing",
                                   "water"}
        total = sum((F(name) for name in INCOME_COMPONENTS[1:]), F(INCOME_COMPONENTS[0]))
        sizes = dict(Household.objects.annotate(n=Count("members")).values_list("pk", "n"))
        net = IncomeLedger.objects.filter(year=YEAR).annotate(
            net=total - F("business_expense")).values_list("household_id", "net")
        per_capita = [amount / sizes[pk] for pk, amount in net]
        counts = {
            "low_income": sum(1 for x in per_capita if x < Decimal(4000)),
            "medical": IncomeLedger.objects.filter(year=YEAR,
                                                   medical_out_of_pocket__gte=20000).count(),
            "uninsured": Household.objects.filter(members__medical_insurance=False).count(),
            "dropout": Member.objects.filter(
                school_stage="not_in_school", birth_date__gte=dt.date(YEAR - 14, 1, 1),
                birth_date__lte=dt.date(YEAR - 6, 12, 31)).count(),
            "housing": Household.objects.filter(housing_grade__in=["C", "D"]).count(),
            "water": Household.objects.filter(
                Q(water_quantity_ok=False) | Q(water_quality_ok=False)
                | Q(water_convenience_ok=False) | Q(water_assurance_ok=False)).count(),
        }
        assert all(counts[k] > 0 for k in RISK_KINDS), counts
        assert sorted(per_capita)[COUNT // 2] > 8000  # most households are not poor

    def test_finds_households_by_pinyin_initials_when_searching(self, demo, personas):
        member = Member.objects.order_by("id")[7]
        initials = sorted(initials_variants(member.name))[0]
        assert SearchKey.objects.filter(household_id=member.household_id, key=initials,
                                        region_code=member.household.region_id).exists()
        found = apply_household_filter(Household.objects.all(), HouseholdFilter(q=initials),
                                       actor=personas["county_office"])
        assert member.household_id in set(found.values_list("pk", flat=True))

    def test_avoids_registered_id_numbers_when_the_county_has_members(self, demo):
        taken = set(Member.objects.values_list("id_number", flat=True))
        Household.objects.update(household_no=Concat(Value("X"), "household_no"))
        demo_households_generate(county_code=COUNTY_A, count=COUNT, seed=SEED, year=YEAR)
        numbers = list(Member.objects.values_list("id_number", flat=True))
        assert len(numbers) == len(set(numbers)) > len(taken)
        for number in set(numbers) - taken:
            assert check_id_number(number, today=TODAY).ok

    def test_refuses_when_year_is_not_past(self, regions):
        with pytest.raises(ValueError, match="past year"):
            demo_households_generate(county_code=COUNTY_A, count=1, seed=SEED, year=2100)


@pytest.mark.slow
class DemoHouseholdsCommandTests:
    def test_prints_households_added_and_adds_none_when_run_twice(self, db):
        out = io.StringIO()
        call_command("demo", "--households", "12", stdout=out)
        assert "演示农户：新增 12 户（" in out.getvalue()
        assert Household.objects.count() == 12
        again = io.StringIO()
        call_command("demo", "--households", "12", stdout=again)
        assert "演示农户：新增 0 户（0 名成员）" in again.getvalue()
        assert Household.objects.count() == 12
