"""Region and account reads always start from the actor's scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from minsheng.core.errors import NotFound
from minsheng.core.models import User
from minsheng.regions.models import RegionAssignment
from minsheng.regions.selectors import (
    account_get,
    account_list,
    account_regions,
    region_children,
    region_counts,
    region_get,
    region_roots,
    region_search,
)
from minsheng.regions.services import AccountData, account_create
from minsheng.testing import (
    CITY,
    COUNTY_A,
    OUTSIDE_VILLAGE,
    PASSWORD,
    PERSONAS,
    PROVINCE,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
)

TOWNSHIP_B = "430523101000"
COUNTY_B = "430524000000"
ADMINS = {"sys_admin", "sec_admin", "audit_admin"}


def _account(username: str, role: str, *codes: str, department: str = "") -> User:
    return account_create(actor=None, data=AccountData(
        username=username, display_name=username, role=role, region_codes=list(codes),
        department=department), password=PASSWORD)


class RegionGetTests:
    @pytest.mark.parametrize("code", ["430523", "430523000000", " 430523 "])
    def test_returns_the_county_when_the_code_is_short_padded_or_spaced(self, code, personas):
        assert region_get(actor=personas["county_office"], code=code).code == COUNTY_A

    def test_raises_not_found_when_the_region_is_outside_the_scope(self, personas):
        with pytest.raises(NotFound) as caught:
            region_get(actor=personas["village_monitor"], code=VILLAGE_B)
        assert caught.value.message == "未找到该对象，或您无权查看。"

    def test_raises_not_found_when_the_region_is_an_ancestor_of_the_scope(self, personas):
        for code in (TOWNSHIP_A, COUNTY_A, CITY, PROVINCE):
            with pytest.raises(NotFound):
                region_get(actor=personas["village_monitor"], code=code)

    @pytest.mark.parametrize("code", ["", "999999999999", "43x", "4305231"])
    def test_raises_not_found_when_the_code_does_not_exist(self, code, personas):
        with pytest.raises(NotFound):
            region_get(actor=personas["province_office"], code=code)


class RegionChildrenTests:
    def test_lists_the_children_in_code_order_when_the_parent_is_in_scope(self, personas):
        county = region_get(actor=personas["county_office"], code=COUNTY_A)
        children = region_children(actor=personas["county_office"], parent=county)
        assert [r.code for r in children] == [TOWNSHIP_A, TOWNSHIP_B]

    def test_lists_only_visible_children_when_the_parent_is_wider_than_the_scope(
            self, personas):
        county = region_get(actor=personas["county_office"], code=COUNTY_A)
        township = region_get(actor=personas["county_office"], code=TOWNSHIP_A)
        monitor = personas["village_monitor"]
        assert [r.code for r in region_children(actor=monitor, parent=township)] == [VILLAGE_A]
        assert list(region_children(actor=monitor, parent=county)) == []


class RegionRootsTests:
    @pytest.mark.parametrize("name", sorted(set(PERSONAS) - {"audit_admin"}))
    def test_is_the_assigned_region_when_the_persona_has_one(self, name, personas):
        assert [r.code for r in region_roots(actor=personas[name])] == [PERSONAS[name][1]]

    def test_is_empty_when_the_role_cannot_view_regions(self, personas):
        assert region_roots(actor=personas["audit_admin"]) == []

    def test_drops_nested_regions_when_an_account_holds_a_region_and_its_child(self, personas):
        user = _account("nested", "county_office", COUNTY_A, VILLAGE_A, OUTSIDE_VILLAGE)
        assert [r.code for r in region_roots(actor=user)] == [COUNTY_A, OUTSIDE_VILLAGE]

    def test_is_empty_when_anonymous(self, personas):
        assert region_roots(actor=AnonymousUser()) == []


class RegionCountsTests:
    def test_counts_every_level_of_the_scope_when_no_region_is_chosen(self, personas):
        assert region_counts(actor=personas["county_office"]) == {1: 0, 2: 0, 3: 1, 4: 2, 5: 3}
        assert region_counts(actor=personas["province_office"]) == {1: 1, 2: 1, 3: 2, 4: 3, 5: 4}

    def test_counts_only_inside_the_region_when_narrowed(self, personas):
        actor = personas["county_office"]
        township = region_get(actor=actor, code=TOWNSHIP_A)
        assert region_counts(actor=actor, within=township) == {1: 0, 2: 0, 3: 0, 4: 1, 5: 2}

    def test_never_counts_outside_the_scope_when_narrowed_to_a_wider_region(self, personas):
        county = region_get(actor=personas["county_office"], code=COUNTY_A)
        counts = region_counts(actor=personas["village_monitor"], within=county)
        assert counts == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}

    def test_counts_nothing_when_anonymous(self, personas):
        assert region_counts(actor=AnonymousUser()) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}


class RegionSearchTests:
    def test_finds_names_only_inside_the_scope_when_searching_text(self, personas):
        found = region_search(actor=personas["county_office"], text="社区")
        assert [r.code for r in found] == [VILLAGE_A, VILLAGE_B, VILLAGE_C]

    def test_finds_by_code_prefix_when_searching_digits(self, personas):
        found = region_search(actor=personas["township_station"], text="4305231")
        assert [r.code for r in found] == [TOWNSHIP_A, VILLAGE_A, VILLAGE_B]

    def test_finds_nothing_when_the_match_is_outside_the_scope(self, personas):
        assert region_search(actor=personas["village_monitor"], text="荷叶塘") == []
        assert region_search(actor=personas["village_monitor"], text="  ") == []


class AccountListTests:
    def test_lists_every_account_when_the_admin_holds_the_province(self, personas):
        names = set(account_list(actor=personas["sys_admin"]).values_list("username", flat=True))
        assert names == set(PERSONAS)

    def test_lists_only_accounts_inside_the_scope_when_the_admin_holds_a_county(self, personas):
        admin = _account("county_admin", "system_admin", COUNTY_A)
        names = set(account_list(actor=admin).values_list("username", flat=True))
        assert names == {"county_admin", "village_monitor", "township_station", "county_office",
                         "liaison", "enterprise"}

    def test_hides_an_account_when_one_of_its_regions_is_outside_the_scope(self, personas):
        admin = _account("county_admin", "system_admin", COUNTY_A)
        _account("straddles", "village_monitor", VILLAGE_A, OUTSIDE_VILLAGE)
        names = set(account_list(actor=admin).values_list("username", flat=True))
        assert "straddles" not in names
        assert "straddles" in set(
            account_list(actor=personas["sys_admin"]).values_list("username", flat=True))

    def test_hides_an_account_when_it_has_no_region(self, personas):
        RegionAssignment.objects.filter(user=personas["enterprise"]).delete()
        names = set(account_list(actor=personas["sys_admin"]).values_list("username", flat=True))
        assert "enterprise" not in names

    def test_is_empty_when_the_role_cannot_view_accounts(self, personas):
        for name in set(PERSONAS) - {"sys_admin", "sec_admin"}:
            assert not account_list(actor=personas[name]).exists(), name

    def test_is_empty_when_the_security_admin_asks_to_change(self, personas):
        assert account_list(actor=personas["sec_admin"]).count() == len(PERSONAS)
        assert not account_list(actor=personas["sec_admin"], action="change").exists()

    def test_is_empty_when_the_admin_is_inactive(self, personas):
        admin = personas["sys_admin"]
        admin.is_active = False
        assert not account_list(actor=admin).exists()


class AccountGetTests:
    def test_returns_the_account_when_it_is_in_scope(self, personas):
        admin = _account("county_admin", "system_admin", COUNTY_A)
        assert account_get(actor=admin, pk=personas["village_monitor"].pk).username == \
            "village_monitor"

    def test_raises_not_found_when_the_account_is_outside_the_scope(self, personas):
        admin = _account("county_admin", "system_admin", COUNTY_A)
        with pytest.raises(NotFound):
            account_get(actor=admin, pk=personas["outsider"].pk)
        with pytest.raises(NotFound):
            account_get(actor=admin, pk=personas["sys_admin"].pk)

    def test_lists_regions_in_code_order_when_an_account_has_several(self, personas):
        user = _account("two", "village_monitor", VILLAGE_C, VILLAGE_A)
        assert [r.code for r in account_regions(user)] == [VILLAGE_A, VILLAGE_C]
