"""``Model.objects.visible_to(actor)``: each persona sees exactly its subtree; it fails closed."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from minsheng.core.errors import NotFound
from minsheng.core.models import User
from minsheng.regions.models import Region, RegionAssignment
from minsheng.regions.scoping import code_in_scope, forget_scope, scope_bounds, scope_q
from minsheng.regions.services import AccountData, account_create, account_update
from minsheng.registry.models import Household, IncomeLedger, Member
from minsheng.registry.services import household_register, ledger_save
from minsheng.registry.testing import member_data
from minsheng.testing import (
    CITY,
    COUNTY_A,
    OUTSIDE_VILLAGE,
    PASSWORD,
    PROVINCE,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
)

TOWNSHIP_B = "430523101000"  # 白仓镇
COUNTY_B = "430524000000"  # 隆回县
TOWNSHIP_OUTSIDE = "430524001000"  # 桃花坪街道
ALL_CODES = frozenset({PROVINCE, CITY, COUNTY_A, COUNTY_B, TOWNSHIP_A, TOWNSHIP_B,
                       TOWNSHIP_OUTSIDE, VILLAGE_A, VILLAGE_B, VILLAGE_C, OUTSIDE_VILLAGE})
COUNTY_A_TREE = frozenset({COUNTY_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B, VILLAGE_C})

# Every persona of conftest → exactly the region codes it may see.
EXPECTED_REGIONS: dict[str, frozenset[str]] = {
    "village_monitor": frozenset({VILLAGE_A}),
    "township_station": frozenset({TOWNSHIP_A, VILLAGE_A, VILLAGE_B}),
    "county_office": COUNTY_A_TREE,
    "city_office": ALL_CODES - {PROVINCE},
    "province_office": ALL_CODES,
    "liaison": COUNTY_A_TREE,
    "enterprise": COUNTY_A_TREE,
    "auditor": ALL_CODES - {PROVINCE},
    "sys_admin": ALL_CODES,
    "sec_admin": ALL_CODES,
    "audit_admin": frozenset(),  # reads the audit log only, holds no region permission
    "outsider": frozenset({OUTSIDE_VILLAGE}),
}

# Households H1..H3 (see ``households``) → who reads them.
EXPECTED_HOUSEHOLDS: dict[str, set[str]] = {
    "village_monitor": {"H1"},
    "township_station": {"H1", "H2"},
    "county_office": {"H1", "H2", "H3"},
    "city_office": {"H1", "H2", "H3", "H4"},
    "province_office": {"H1", "H2", "H3", "H4"},
    "auditor": {"H1", "H2", "H3", "H4"},
    "outsider": {"H4"},
    "liaison": set(),
    "enterprise": set(),
    "sys_admin": set(),
    "sec_admin": set(),
    "audit_admin": set(),
}


def _visible_codes(actor, action: str = "view") -> set[str]:
    return set(Region.objects.visible_to(actor, action).values_list("code", flat=True))


def _fresh(user: User) -> User:
    """The account as the next request would load it (no cached scope)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def households(personas):
    actor = personas["province_office"]
    made = {}
    for no, village, seq in (("H1", VILLAGE_A, 1), ("H2", VILLAGE_B, 2), ("H3", VILLAGE_C, 3),
                             ("H4", OUTSIDE_VILLAGE, 4)):
        made[no] = household_register(
            actor=actor, household_no=no, region_code=village,
            members=[member_data(f"户主{no}", dt.date(1980, 1, 1), seq)])
        ledger_save(actor=actor, household=made[no], year=2025, wage_income=1000)
    return made


class RegionVisibilityTests:
    @pytest.mark.parametrize("name", sorted(EXPECTED_REGIONS))
    def test_persona_sees_exactly_its_subtree_when_listing_regions(self, name, personas):
        assert _visible_codes(personas[name]) == EXPECTED_REGIONS[name]

    def test_a_region_loaded_later_is_visible_when_it_lies_in_the_subtree(self, personas):
        Region.objects.create(code="430523100003", name="新建社区", level=5,
                              parent_id=TOWNSHIP_A)  # deliberately raw: a later load
        assert "430523100003" in _visible_codes(_fresh(personas["township_station"]))
        assert "430523100003" not in _visible_codes(_fresh(personas["village_monitor"]))

    def test_nobody_may_change_regions_when_asking_for_the_change_action(self, personas):
        for name in ("province_office", "sys_admin", "county_office"):
            assert _visible_codes(personas[name], "change") == set(), name

    def test_union_of_both_subtrees_is_visible_when_an_account_has_two_regions(self, personas):
        user = account_create(actor=None, data=AccountData(
            username="two_villages", display_name="两村", role="village_monitor",
            region_codes=[VILLAGE_A, OUTSIDE_VILLAGE]), password=PASSWORD)
        assert _visible_codes(user) == {VILLAGE_A, OUTSIDE_VILLAGE}


class HouseholdVisibilityTests:
    @pytest.mark.parametrize("name", sorted(EXPECTED_HOUSEHOLDS))
    def test_reads_exactly_the_subtree_households_when_the_persona_lists_them(
            self, name, households, personas):
        visible = Household.objects.visible_to(personas[name])
        assert set(visible.values_list("household_no", flat=True)) == EXPECTED_HOUSEHOLDS[name]

    def test_system_administrator_reads_no_household_when_households_are_in_scope(
            self, households, personas):
        admin = personas["sys_admin"]
        assert code_in_scope(admin, VILLAGE_A)
        assert not Household.objects.visible_to(admin).exists()
        assert not Member.objects.visible_to(admin).exists()
        assert not IncomeLedger.objects.visible_to(admin).exists()

    def test_members_and_ledgers_follow_the_household_when_scoping_child_rows(
            self, households, personas):
        monitor = personas["village_monitor"]
        assert list(Member.objects.visible_to(monitor).values_list("name", flat=True)) == ["户主H1"]
        assert list(IncomeLedger.objects.visible_to(monitor).values_list(
            "household__household_no", flat=True)) == ["H1"]

    def test_auditor_cannot_change_when_it_can_read(self, households, personas):
        auditor = personas["auditor"]
        assert Household.objects.visible_to(auditor).count() == 4
        assert not Household.objects.visible_to(auditor, "change").exists()
        assert not Member.objects.visible_to(auditor, "change").exists()

    def test_get_visible_raises_not_found_when_the_household_is_in_another_village(
            self, households, personas):
        with pytest.raises(NotFound) as caught:
            Household.objects.get_visible(personas["outsider"], pk=households["H1"].pk)
        assert caught.value.message == "未找到该对象，或您无权查看。"
        found = Household.objects.get_visible(personas["village_monitor"], pk=households["H1"].pk)
        assert found.household_no == "H1"


class FailClosedTests:
    def test_inactive_account_sees_nothing_when_it_had_a_scope(self, households, personas):
        user = _fresh(personas["county_office"])
        assert _visible_codes(user)  # warms the scope cache
        user.is_active = False
        assert _visible_codes(user) == set()
        assert not Household.objects.visible_to(user).exists()
        assert scope_bounds(user) == []
        assert not code_in_scope(user, VILLAGE_A)

    def test_account_without_region_sees_nothing_when_its_assignment_is_removed(
            self, households, personas):
        RegionAssignment.objects.filter(user=personas["county_office"]).delete()
        user = _fresh(personas["county_office"])
        assert _visible_codes(user) == set()
        assert not Household.objects.visible_to(user).exists()

    def test_unknown_role_sees_nothing_when_the_role_is_not_in_the_table(
            self, households, personas):
        user = _fresh(personas["province_office"])
        user.role = "no_such_role"
        assert _visible_codes(user) == set()
        assert not Household.objects.visible_to(user).exists()

    def test_empty_role_sees_nothing_when_the_role_is_blank(self, households, personas):
        user = _fresh(personas["province_office"])
        user.role = ""
        assert _visible_codes(user) == set()

    def test_anonymous_sees_nothing_when_not_signed_in(self, households):
        assert _visible_codes(AnonymousUser()) == set()
        assert not Household.objects.visible_to(AnonymousUser()).exists()
        assert scope_bounds(AnonymousUser()) == []

    def test_none_actor_sees_nothing_when_no_actor_is_given(self, households):
        assert _visible_codes(None) == set()
        assert not Household.objects.visible_to(None).exists()
        assert scope_bounds(None) == []

    def test_superuser_flag_grants_nothing_when_the_role_has_no_permission(
            self, households, personas):
        user = _fresh(personas["sys_admin"])
        user.is_superuser = True
        user.save()
        assert not Household.objects.visible_to(_fresh(user)).exists()

    def test_model_without_region_path_is_refused_when_scoped(self, personas):
        with pytest.raises(TypeError):
            scope_q(personas["county_office"], _Unscoped)


class _Unscoped:
    """A stand-in model with permissions but no ``region_path``."""

    _meta = SimpleNamespace(app_label="regions", model_name="region")


class _DepartmentRows:
    """A stand-in model whose rows belong to a department (部门数据)."""

    _meta = SimpleNamespace(app_label="regions", model_name="region")
    region_path = "region"
    department_field = "department"


class DepartmentFilterTests:
    def test_liaison_is_limited_to_its_department_when_the_model_declares_one(self, personas):
        q = scope_q(personas["liaison"], _DepartmentRows)
        assert ("department", "medical_insurance") in q.children

    def test_other_roles_are_not_limited_when_the_model_declares_a_department(self, personas):
        q = scope_q(personas["county_office"], _DepartmentRows)
        assert all(child[0] != "department" for child in q.children
                   if isinstance(child, tuple))


class ScopeCacheTests:
    def test_new_regions_apply_when_the_account_is_reloaded_after_an_update(self, personas):
        monitor = personas["village_monitor"]
        assert _visible_codes(monitor) == {VILLAGE_A}
        account_update(actor=None, user=monitor, data=AccountData(
            username=monitor.username, display_name=monitor.display_name,
            role="village_monitor", region_codes=[VILLAGE_B]))
        assert _visible_codes(monitor) == {VILLAGE_B}
        assert _visible_codes(_fresh(monitor)) == {VILLAGE_B}

    def test_cached_bounds_are_dropped_when_scope_is_forgotten(self, personas):
        monitor = personas["village_monitor"]
        assert scope_bounds(monitor) == [(VILLAGE_A, VILLAGE_A)]
        RegionAssignment.objects.filter(user=monitor).update(region_id=VILLAGE_B)
        assert scope_bounds(monitor) == [(VILLAGE_A, VILLAGE_A)]
        forget_scope(monitor)
        assert scope_bounds(monitor) == [(VILLAGE_B, VILLAGE_B)]

    def test_code_in_scope_uses_the_subtree_range_when_given_padded_codes(self, personas):
        township = personas["township_station"]
        assert code_in_scope(township, TOWNSHIP_A)
        assert code_in_scope(township, VILLAGE_B)
        assert not code_in_scope(township, VILLAGE_C)
        assert not code_in_scope(township, COUNTY_A)
