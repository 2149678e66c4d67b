"""GET /api/v1/regions: each persona sees exactly its subtree; everything else is 404."""

from __future__ import annotations

import pytest

from minsheng.regions.models import RegionAssignment
from minsheng.regions.tests.test_scoping import ALL_CODES, EXPECTED_REGIONS
from minsheng.testing import (
    CITY,
    COUNTY_A,
    OUTSIDE_VILLAGE,
    PERSONAS,
    PROVINCE,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
)

NOT_FOUND = {"detail": "未找到该对象，或您无权查看。"}
TOWNSHIP_B = "430523101000"
COUNTY_B = "430524000000"
# Every region of the mini tree → its children.
CHILDREN = {
    PROVINCE: [CITY],
    CITY: [COUNTY_A, COUNTY_B],
    COUNTY_A: [TOWNSHIP_A, TOWNSHIP_B],
    COUNTY_B: ["430524001000"],
    TOWNSHIP_A: [VILLAGE_A, VILLAGE_B],
    TOWNSHIP_B: [VILLAGE_C],
    "430524001000": [OUTSIDE_VILLAGE],
    VILLAGE_A: [], VILLAGE_B: [], VILLAGE_C: [], OUTSIDE_VILLAGE: [],
}
API_PERSONAS = sorted(EXPECTED_REGIONS)


class RegionDetailApiTests:
    @pytest.mark.parametrize("name", API_PERSONAS)
    def test_answers_exactly_the_subtree_when_asked_for_every_region(self, name, api_client_for):
        client = api_client_for(name)
        answered = {code for code in ALL_CODES
                    if client.get(f"/api/v1/regions/{code}").status_code == 200}
        assert answered == EXPECTED_REGIONS[name]

    @pytest.mark.parametrize("name", API_PERSONAS)
    def test_is_404_with_the_chinese_detail_when_the_region_is_outside(self, name, api_client_for):
        client = api_client_for(name)
        for code in sorted(ALL_CODES - EXPECTED_REGIONS[name]):
            response = client.get(f"/api/v1/regions/{code}")
            assert (response.status_code, response.json()) == (404, NOT_FOUND), (name, code)

    def test_describes_the_region_when_it_is_in_scope(self, api_client_for):
        response = api_client_for("township_station").get(f"/api/v1/regions/{TOWNSHIP_A}")
        assert response.status_code == 200
        assert response.json() == {"code": TOWNSHIP_A, "name": "塘渡口镇", "level": 4,
                                   "level_label": "乡", "parent_code": COUNTY_A,
                                   "child_count": 2}

    def test_accepts_a_short_code_when_it_is_padded_inside_the_scope(self, api_client_for):
        response = api_client_for("county_office").get("/api/v1/regions/430523")
        assert response.status_code == 200
        assert response.json()["code"] == COUNTY_A

    def test_outsider_gets_404_never_403_when_asking_for_another_village(self, api_client_for):
        response = api_client_for("outsider").get(f"/api/v1/regions/{VILLAGE_A}")
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    def test_looks_the_same_as_a_foreign_code_when_the_code_is_unknown(self, api_client_for):
        client = api_client_for("outsider")
        unknown = client.get("/api/v1/regions/439999999999")
        foreign = client.get(f"/api/v1/regions/{VILLAGE_A}")
        assert (unknown.status_code, unknown.json()) == (foreign.status_code, foreign.json())


class RegionListApiTests:
    @pytest.mark.parametrize("name", API_PERSONAS)
    def test_lists_exactly_the_visible_children_when_given_a_parent(self, name,
                                                                    api_client_for):
        client = api_client_for(name)
        for parent, children in CHILDREN.items():
            response = client.get("/api/v1/regions", {"parent": parent})
            if parent in EXPECTED_REGIONS[name]:
                assert response.status_code == 200, (name, parent)
                codes = [r["code"] for r in response.json()]
                assert codes == [c for c in children if c in EXPECTED_REGIONS[name]]
            else:
                assert (response.status_code, response.json()) == (404, NOT_FOUND), (name, parent)

    @pytest.mark.parametrize("name", sorted(set(PERSONAS) - {"audit_admin"}))
    def test_lists_the_assigned_region_when_no_parent_is_given(self, name, api_client_for):
        response = api_client_for(name).get("/api/v1/regions")
        assert response.status_code == 200
        assert [r["code"] for r in response.json()] == [PERSONAS[name][1]]

    def test_lists_nothing_when_the_role_holds_no_region_permission(self, api_client_for):
        response = api_client_for("audit_admin").get("/api/v1/regions")
        assert (response.status_code, response.json()) == (200, [])

    def test_describes_each_child_when_listing(self, api_client_for):
        response = api_client_for("county_office").get("/api/v1/regions", {"parent": TOWNSHIP_B})
        assert response.json() == [{"code": VILLAGE_C, "name": "四峰社区", "level": 5,
                                    "level_label": "村", "parent_code": TOWNSHIP_B,
                                    "child_count": None}]

    def test_village_monitor_gets_404_when_listing_its_own_township(self, api_client_for):
        response = api_client_for("village_monitor").get("/api/v1/regions",
                                                         {"parent": TOWNSHIP_A})
        assert (response.status_code, response.json()) == (404, NOT_FOUND)

    def test_lists_nothing_when_the_account_lost_its_region(self, personas, api_client_for):
        client = api_client_for("county_office")
        RegionAssignment.objects.filter(user=personas["county_office"]).delete()
        assert client.get("/api/v1/regions").json() == []
        assert client.get(f"/api/v1/regions/{COUNTY_A}").status_code == 404

    def test_query_count_stays_flat_when_the_parent_has_many_children(
            self, personas, api_client_for, django_assert_max_num_queries):
        from minsheng.regions.models import Region

        Region.objects.bulk_create([  # deliberately raw: many villages at once
            Region(code=f"430523100{n:03d}", name=f"村{n}", level=5, parent_id=TOWNSHIP_A)
            for n in range(10, 60)])
        client = api_client_for("county_office")
        # token lookup, token touch, scope, parent, children
        with django_assert_max_num_queries(5):
            response = client.get("/api/v1/regions", {"parent": TOWNSHIP_A})
        assert len(response.json()) == 52


class RegionApiAuthenticationTests:
    @pytest.mark.parametrize("path", ["/api/v1/regions", f"/api/v1/regions/{VILLAGE_A}",
                                      f"/api/v1/regions?parent={COUNTY_A}"])
    def test_is_401_when_anonymous(self, path, regions, client):
        assert client.get(path).status_code == 401

    def test_is_401_when_the_token_is_unknown(self, regions, client):
        response = client.get(f"/api/v1/regions/{VILLAGE_A}",
                              headers={"Authorization": "Bearer ms_not-a-token"})
        assert response.status_code == 401

    def test_is_401_when_the_account_was_deactivated(self, personas, api_client_for):
        client = api_client_for("village_monitor")
        user = personas["village_monitor"]
        user.is_active = False
        user.save()
        assert client.get(f"/api/v1/regions/{VILLAGE_A}").status_code == 401

    def test_reads_the_same_scope_when_signed_in_through_the_browser(self, client_for):
        client = client_for("village_monitor")
        assert client.get(f"/api/v1/regions/{VILLAGE_A}").status_code == 200
        assert client.get(f"/api/v1/regions/{VILLAGE_B}").status_code == 404
