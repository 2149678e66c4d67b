"""Issue acceptance: each persona sees exactly its subtree (web and API); outsiders get 404."""

import datetime as dt

import pytest

from minsheng.regions.models import Region
from minsheng.registry.models import Household
from minsheng.registry.services import household_register
from minsheng.registry.testing import member_data
from minsheng.testing import (
    CITY,
    COUNTY_A,
    OUTSIDE_VILLAGE,
    PROVINCE,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
)

ALL_CODES = {PROVINCE, CITY, COUNTY_A, "430524000000", TOWNSHIP_A, "430523101000",
             "430524001000", VILLAGE_A, VILLAGE_B, VILLAGE_C, OUTSIDE_VILLAGE}
COUNTY_A_TREE = {COUNTY_A, TOWNSHIP_A, "430523101000", VILLAGE_A, VILLAGE_B, VILLAGE_C}

EXPECTED_REGIONS = {
    "village_monitor": {VILLAGE_A},
    "township_station": {TOWNSHIP_A, VILLAGE_A, VILLAGE_B},
    "county_office": COUNTY_A_TREE,
    "liaison": COUNTY_A_TREE,
    "enterprise": COUNTY_A_TREE,
    "city_office": ALL_CODES - {PROVINCE},
    "auditor": ALL_CODES - {PROVINCE},
    "province_office": ALL_CODES,
    "sys_admin": ALL_CODES,
    "sec_admin": ALL_CODES,
    "audit_admin": set(),  # reads the audit log only
    "outsider": {OUTSIDE_VILLAGE},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REGIONS))
def test_each_persona_sees_exactly_its_subtree(name, personas):
    visible = set(Region.objects.visible_to(personas[name]).values_list("code", flat=True))
    assert visible == EXPECTED_REGIONS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_REGIONS))
def test_api_region_detail_answers_exactly_the_subtree(name, personas, api_client_for):
    client = api_client_for(name)
    for code in sorted(ALL_CODES):
        response = client.get(f"/api/v1/regions/{code}")
        expected = 200 if code in EXPECTED_REGIONS[name] else 404
        assert response.status_code == expected, (name, code, response.status_code)


@pytest.mark.parametrize("name", ["village_monitor", "township_station", "county_office",
                                  "outsider"])
def test_web_region_page_answers_exactly_the_subtree(name, personas, client_for):
    client = client_for(name)
    for code in sorted(ALL_CODES):
        response = client.get(f"/regions/{code}/")
        expected = 200 if code in EXPECTED_REGIONS[name] else 404
        assert response.status_code == expected, (name, code)


class RegionApiTests:
    def test_children_of_a_visible_parent(self, api_client_for):
        response = api_client_for("county_office").get("/api/v1/regions", {"parent": COUNTY_A})
        assert response.status_code == 200
        assert [r["code"] for r in response.json()] == [TOWNSHIP_A, "430523101000"]

    def test_children_of_an_invisible_parent_are_404(self, api_client_for):
        response = api_client_for("village_monitor").get("/api/v1/regions",
                                                         {"parent": TOWNSHIP_A})
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该对象，或您无权查看。"}

    def test_another_village_is_404_never_403(self, api_client_for):
        response = api_client_for("village_monitor").get(f"/api/v1/regions/{VILLAGE_B}")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该对象，或您无权查看。"}

    def test_anonymous_gets_401(self, db, client):
        assert client.get(f"/api/v1/regions/{VILLAGE_A}").status_code == 401
        assert client.get("/api/v1/me").status_code == 401

    def test_me_lists_role_and_regions(self, api_client_for):
        data = api_client_for("liaison").get("/api/v1/me").json()
        assert data["role"] == "department_liaison"
        assert data["role_label"] == "部门联络员"
        assert data["department_label"] == "医保"
        assert [r["code"] for r in data["regions"]] == [COUNTY_A]

    def test_session_auth_works_for_the_api(self, client_for):
        response = client_for("village_monitor").get("/api/v1/me")
        assert response.status_code == 200
        assert response.json()["username"] == "village_monitor"

    def test_region_query_count_is_bounded(self, api_client_for,
                                           django_assert_max_num_queries):
        client = api_client_for("province_office")
        with django_assert_max_num_queries(6):
            client.get("/api/v1/regions", {"parent": CITY})


@pytest.fixture
def household_a(personas):
    return household_register(actor=personas["county_office"], household_no="H001",
                              region_code=VILLAGE_A,
                              members=[member_data("甲", dt.date(1980, 1, 1), 1)])


class HouseholdDataAccessTests:
    @pytest.mark.parametrize("name", ["sys_admin", "sec_admin", "audit_admin", "liaison",
                                      "enterprise", "outsider"])
    def test_household_pages_are_404_for_roles_without_household_data(self, name, household_a,
                                                                       client_for):
        client = client_for(name)
        assert client.get(f"/households/{household_a.pk}/").status_code == 404
        if name != "outsider":
            assert client.get("/households/").status_code == 404

    def test_system_administrator_cannot_read_household_rows(self, household_a, personas):
        assert not Household.objects.visible_to(personas["sys_admin"]).exists()
        assert Household.objects.visible_to(personas["province_office"]).count() == 1

    def test_auditor_reads_but_cannot_change(self, household_a, personas):
        assert Household.objects.visible_to(personas["auditor"]).count() == 1
        assert not Household.objects.visible_to(personas["auditor"], "change").exists()


class FailClosedTests:
    def test_inactive_account_sees_nothing(self, personas):
        user = personas["county_office"]
        user.is_active = False
        assert not Region.objects.visible_to(user).exists()

    def test_account_without_region_sees_nothing(self, personas):
        from minsheng.regions.models import RegionAssignment

        user = personas["county_office"]
        RegionAssignment.objects.filter(user=user).delete()
        from minsheng.core.models import User

        fresh = User.objects.get(pk=user.pk)
        assert not Region.objects.visible_to(fresh).exists()

    def test_unknown_role_sees_nothing(self, personas):
        from minsheng.core.models import User

        user = User.objects.get(pk=personas["county_office"].pk)
        user.role = "no_such_role"
        assert not Region.objects.visible_to(user).exists()

    def test_anonymous_sees_nothing(self, regions):
        from django.contrib.auth.models import AnonymousUser

        assert not Region.objects.visible_to(AnonymousUser()).exists()


class ShellScopeTests:
    def test_home_shows_the_village_of_a_village_monitor(self, client_for):
        body = client_for("village_monitor").get("/").content.decode()
        assert "大岭社区" in body
        assert "石湾社区" not in body

    def test_narrowing_to_a_township_changes_the_home_counts(self, client_for):
        client = client_for("county_office")
        client.get("/scope/", {"region": TOWNSHIP_A})
        body = client.get("/").content.decode()
        assert "塘渡口镇" in body and "石湾社区" in body and "四峰社区" not in body

    def test_narrowing_outside_scope_is_404_and_keeps_the_session(self, client_for):
        client = client_for("village_monitor")
        assert client.get("/scope/", {"region": VILLAGE_B}).status_code == 404
        assert "大岭社区" in client.get("/").content.decode()

    def test_breadcrumb_shows_ancestors_above_scope_as_text(self, client_for):
        body = client_for("village_monitor").get("/").content.decode()
        assert '<span class="outside">邵阳县</span>' in body
        assert f"?region={COUNTY_A}" not in body

    def test_anonymous_web_request_redirects_to_login(self, db, client):
        response = client.get("/households/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
