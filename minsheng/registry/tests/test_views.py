"""Household pages and scope: another village's household is 404 (never 403); the three
administrators, the liaison and the enterprise cannot open household data at all."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.regions.models import Region
from minsheng.registry.models import Household
from minsheng.registry.services import household_register
from minsheng.registry.testing import make_id, member_data
from minsheng.testing import OUTSIDE_VILLAGE, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, VILLAGE_C

NOT_FOUND_TEXT = "未找到该对象，或您无权查看。"
NO_HOUSEHOLD_DATA = ["sys_admin", "sec_admin", "audit_admin", "liaison", "enterprise"]
HEAD_ID = make_id(dt.date(1980, 1, 1), 1)


@pytest.fixture
def homes(personas):
    """One household per village: 大岭 (H1), 石湾 (H2), 四峰 (H3), 荷叶塘 outside (H4)."""
    county = personas["county_office"]
    made = {}
    for no, village, seq in (("H1", VILLAGE_A, 1), ("H2", VILLAGE_B, 2), ("H3", VILLAGE_C, 3)):
        made[no] = household_register(
            actor=county, household_no=no, region_code=village,
            members=[member_data(f"户主{no}", dt.date(1980, 1, 1), seq)])
    made["H4"] = household_register(actor=personas["outsider"], household_no="H4",
                                    region_code=OUTSIDE_VILLAGE, head_name="外县户主")
    return made


def _is_not_found(response) -> bool:
    return response.status_code == 404 and NOT_FOUND_TEXT in response.content.decode()


def _listed(client) -> set[str]:
    response = client.get("/households/")
    assert response.status_code == 200
    body = response.content.decode()
    return {no for no in ("H1", "H2", "H3", "H4") if f">{no}</a>" in body}


class HouseholdDataForbiddenRolesTests:
    @pytest.mark.parametrize("name", NO_HOUSEHOLD_DATA)
    def test_list_and_detail_are_404_when_the_role_has_no_household_data(
            self, name, homes, client_for):
        client = client_for(name)
        assert _is_not_found(client.get("/households/"))
        assert _is_not_found(client.get(f"/households/{homes['H1'].pk}/"))

    @pytest.mark.parametrize("name", NO_HOUSEHOLD_DATA)
    def test_write_and_export_pages_are_404_when_the_role_has_no_household_data(
            self, name, homes, client_for):
        client = client_for(name)
        pk = homes["H1"].pk
        for path in ("/households/new/", f"/households/{pk}/edit/", f"/households/{pk}/ledger/",
                     f"/households/{pk}/archive/", f"/households/{pk}/members/new/",
                     "/households/import/", "/households/export.xlsx"):
            assert client.get(path).status_code == 404, (name, path)

    @pytest.mark.parametrize("name", NO_HOUSEHOLD_DATA)
    def test_reveal_is_404_and_not_audited_when_the_role_has_no_household_data(
            self, name, homes, client_for):
        response = client_for(name).post(f"/households/{homes['H1'].pk}/reveal/")
        assert _is_not_found(response)
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.SENSITIVE_REVEALED).exists()

    def test_navigation_has_no_household_entry_when_the_role_has_no_household_data(
            self, homes, client_for):
        body = client_for("sys_admin").get("/").content.decode()
        assert "农户台账" not in body
        assert "账号管理" in body

    def test_system_administrator_reads_no_household_when_its_scope_holds_them(
            self, homes, personas):
        assert Household.objects.count() == 4
        assert not Household.objects.visible_to(personas["sys_admin"]).exists()


class HouseholdOtherRegionTests:
    def test_outsider_gets_404_when_opening_a_household_in_another_county(self, homes, client_for):
        client = client_for("outsider")
        assert _is_not_found(client.get(f"/households/{homes['H1'].pk}/"))
        assert client.get(f"/households/{homes['H4'].pk}/").status_code == 200

    def test_village_monitor_gets_404_when_opening_the_neighbouring_village(self, homes,
                                                                            client_for):
        client = client_for("village_monitor")
        assert _is_not_found(client.get(f"/households/{homes['H2'].pk}/"))
        assert client.get(f"/households/{homes['H1'].pk}/").status_code == 200

    def test_foreign_household_looks_like_a_missing_one_when_opened(self, homes, client_for):
        client = client_for("village_monitor")
        foreign = client.get(f"/households/{homes['H2'].pk}/")
        missing = client.get("/households/999999/")
        assert foreign.status_code == missing.status_code == 404
        assert NOT_FOUND_TEXT in missing.content.decode()

    def test_write_pages_are_404_when_the_household_is_in_another_village(self, homes,
                                                                          client_for):
        client = client_for("village_monitor")
        pk = homes["H2"].pk
        member_pk = homes["H2"].members.get().pk
        for path in (f"/households/{pk}/edit/", f"/households/{pk}/ledger/",
                     f"/households/{pk}/archive/", f"/households/{pk}/members/new/",
                     f"/households/members/{member_pk}/edit/",
                     f"/households/members/{member_pk}/archive/",
                     f"/households/members/{member_pk}/move/"):
            assert _is_not_found(client.get(path)), path

    def test_posting_an_edit_changes_nothing_when_the_household_is_in_another_village(
            self, homes, client_for):
        household = homes["H4"]
        response = client_for("village_monitor").post(
            f"/households/{household.pk}/edit/",
            {"version": household.version, "address": "被篡改", "category": "ordinary"})
        assert response.status_code == 404
        household.refresh_from_db()
        assert (household.address, household.version) == ("", 1)

    def test_reveal_is_404_when_the_household_is_in_another_village(self, homes, client_for):
        response = client_for("township_station").post(f"/households/{homes['H4'].pk}/reveal/")
        assert _is_not_found(response)
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.SENSITIVE_REVEALED).exists()

    def test_auditor_reads_but_gets_404_when_opening_an_edit_page(self, homes, client_for):
        client = client_for("auditor")
        assert client.get(f"/households/{homes['H1'].pk}/").status_code == 200
        assert _is_not_found(client.get(f"/households/{homes['H1'].pk}/edit/"))
        assert client.get("/households/new/").status_code == 404


class HouseholdListScopeTests:
    @pytest.mark.parametrize(("name", "expected"), [
        ("village_monitor", {"H1"}),
        ("township_station", {"H1", "H2"}),
        ("county_office", {"H1", "H2", "H3"}),
        ("city_office", {"H1", "H2", "H3", "H4"}),
        ("auditor", {"H1", "H2", "H3", "H4"}),
        ("outsider", {"H4"}),
    ])
    def test_lists_exactly_the_subtree_when_the_role_reads_households(self, name, expected,
                                                                      homes, client_for):
        assert _listed(client_for(name)) == expected

    def test_lists_only_the_narrowed_region_when_the_scope_is_narrowed(self, homes, client_for):
        client = client_for("county_office")
        client.get("/scope/", {"region": TOWNSHIP_A})
        assert _listed(client) == {"H1", "H2"}
        client.get("/scope/", {"region": VILLAGE_C})
        assert _listed(client) == {"H3"}

    def test_search_never_reaches_outside_when_the_name_exists_elsewhere(self, homes,
                                                                         client_for):
        client = client_for("village_monitor")
        body = client.get("/households/", {"q": "外县户主"}).content.decode()
        assert ">H4</a>" not in body
        assert "没有符合条件的农户。" in body

    def test_full_id_search_never_reaches_outside_when_the_id_exists_elsewhere(
            self, homes, client_for):
        body = client_for("outsider").get("/households/", {"q": HEAD_ID}).content.decode()
        assert ">H1</a>" not in body

    def test_creating_in_another_village_is_refused_when_posting_a_foreign_code(
            self, personas, client_for):
        response = client_for("village_monitor").post("/households/new/", {
            "household_no": "H9", "region_code": VILLAGE_B, "head_name": "张三",
            "head_id_number": HEAD_ID, "category": "ordinary"})
        assert response.status_code == 200
        assert response.context["form"].errors["region_code"] == [
            f"选择一个有效的选项。 {VILLAGE_B} 不在可用的选项中。"]
        assert not Household.objects.filter(household_no="H9").exists()


class HouseholdCreatePageTests:
    def test_offers_only_villages_in_scope_with_full_names_when_registering(self, personas,
                                                                            client_for):
        body = client_for("township_station").get("/households/new/").content.decode()
        select = re.search(r'<select name="region_code".*?</select>', body, re.S).group(0)
        options = re.findall(r'<option value="(\d{12})"[^>]*>([^<]+)</option>', select)
        assert options == [(VILLAGE_A, "湖南省邵阳市邵阳县塘渡口镇大岭社区"),
                           (VILLAGE_B, "湖南省邵阳市邵阳县塘渡口镇石湾社区")]

    def test_query_count_stays_flat_when_the_county_has_many_villages(
            self, personas, client_for, django_assert_max_num_queries):
        Region.objects.bulk_create([  # deliberately raw: a later region load
            Region(code=f"430523101{n:03d}", name=f"村{n}", level=5, parent_id="430523101000")
            for n in range(10, 60)])
        client = client_for("county_office")
        with django_assert_max_num_queries(11):
            response = client.get("/households/new/")
        assert "湖南省邵阳市邵阳县白仓镇村59" in response.content.decode()


class AnonymousHouseholdTests:
    @pytest.mark.parametrize("path", ["/households/", "/households/1/", "/households/new/",
                                      "/households/export.xlsx"])
    def test_redirects_to_login_when_not_signed_in(self, path, homes, client):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")

    def test_redirects_to_login_when_the_account_is_deactivated_while_signed_in(
            self, homes, personas, client_for):
        client = client_for("village_monitor")
        user = personas["village_monitor"]
        user.is_active = False
        user.save()
        response = client.get(f"/households/{homes['H1'].pk}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
