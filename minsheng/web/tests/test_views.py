"""The shell: home page per role, region pages by scope, narrowing (/scope/) and breadcrumb."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from minsheng.regions.current import SESSION_KEY
from minsheng.regions.services import AccountData, account_update
from minsheng.regions.tests.test_scoping import ALL_CODES, EXPECTED_REGIONS
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

NOT_FOUND_TEXT = "未找到该对象，或您无权查看。"
REGION_PERSONAS = sorted(name for name, codes in EXPECTED_REGIONS.items() if codes)


@pytest.fixture
def homes(personas):
    """Households: two in 大岭社区, one in 石湾社区, one in 四峰社区, one outside the county."""
    county, outsider = personas["county_office"], personas["outsider"]
    for n, (village, actor) in enumerate([(VILLAGE_A, county), (VILLAGE_A, county),
                                          (VILLAGE_B, county), (VILLAGE_C, county),
                                          (OUTSIDE_VILLAGE, outsider)], start=1):
        household_register(actor=actor, household_no=f"H{n}", region_code=village,
                           members=[member_data(f"户主{n}", dt.date(1980, 1, 1), n)])


def _stats(response) -> dict[str, int]:
    """The home page's statistics cards as {label: value}."""
    assert response.status_code == 200
    pairs = re.findall(r'<div class="label">([^<]+)</div>\s*<div class="value">(?:<a [^>]*>)?'
                       r"([\d,]+)", response.content.decode())
    return {label: int(value.replace(",", "")) for label, value in pairs}


def _title(response) -> str:
    match = re.search(r'data-testid="home-title">([^<]*)<', response.content.decode())
    assert match is not None
    return match.group(1)


def _crumbs(response) -> str:
    match = re.search(r'<ol class="breadcrumb".*?</ol>', response.content.decode(), re.S)
    assert match is not None
    return re.sub(r"\s+", "", match.group(0))


class HomePageTests:
    def test_shows_townships_villages_and_households_when_the_county_office_signs_in(
            self, homes, client_for):
        response = client_for("county_office").get("/")
        assert _title(response) == "邵阳县"
        assert _stats(response) == {"乡级区划": 2, "村级区划": 3, "在册农户": 4}

    def test_shows_its_village_and_not_the_neighbour_when_a_village_monitor_signs_in(
            self, homes, client_for):
        response = client_for("village_monitor").get("/")
        body = response.content.decode()
        assert _title(response) == "大岭社区"
        assert "大岭社区（区划代码 430523100001）" in body
        assert "石湾社区" not in body
        assert _stats(response) == {"在册农户": 2}

    def test_shows_two_villages_when_the_township_station_signs_in(self, homes, client_for):
        response = client_for("township_station").get("/")
        assert _stats(response) == {"村级区划": 2, "在册农户": 3}
        body = response.content.decode()
        assert "大岭社区" in body and "石湾社区" in body and "四峰社区" not in body

    def test_counts_every_level_below_the_province_when_the_province_office_signs_in(
            self, homes, client_for):
        response = client_for("province_office").get("/")
        assert _stats(response) == {"市级区划": 1, "县级区划": 2, "乡级区划": 3, "村级区划": 4,
                                    "在册农户": 5}

    def test_shows_regions_and_accounts_but_no_households_when_the_admin_signs_in(
            self, homes, client_for):
        response = client_for("sys_admin").get("/")
        assert _stats(response) == {"市级区划": 1, "县级区划": 2, "乡级区划": 3, "村级区划": 4,
                                    "管辖范围内账号": 12, "当前锁定账号": 0}
        assert "农户" not in response.content.decode()

    @pytest.mark.parametrize("name", ["liaison", "enterprise"])
    def test_shows_regions_but_no_household_count_when_liaison_or_enterprise(
            self, name, homes, client_for):
        response = client_for(name).get("/")
        assert _stats(response) == {"乡级区划": 2, "村级区划": 3}

    def test_shows_the_audit_summary_and_no_region_when_the_audit_admin_signs_in(
            self, homes, client_for):
        response = client_for("audit_admin").get("/")
        body = response.content.decode()
        assert _title(response) == "工作台"
        assert "今日审计概况" in body
        assert 'data-testid="scopebar"' not in body
        assert "区划" not in _stats(response)

    def test_navigation_matches_the_role_when_signed_in(self, client_for):
        nav = {}
        for name in ("village_monitor", "sys_admin", "audit_admin"):
            body = client_for(name).get("/").content.decode()
            block = re.search(r'<nav class="mainnav".*?</nav>', body, re.S).group(0)
            nav[name] = re.findall(r">([^<>]+)</a>", block)
        assert nav == {"village_monitor": ["首页", "农户台账", "风险筛查", "监测帮扶", "帮扶计划",
                                           "就业帮扶", "政策参数", "行政区划"],
                       "sys_admin": ["首页", "行政区划", "账号管理"],
                       "audit_admin": ["首页", "审计日志"]}

    @pytest.mark.parametrize(("path", "entry"), [
        ("/monitoring/cases/", "监测帮扶"), ("/monitoring/leads/", "监测帮扶"),
        ("/monitoring/", "风险筛查"), ("/", "首页")])
    def test_the_entry_owning_the_longest_matching_address_is_active(self, client_for, path,
                                                                     entry):
        body = client_for("village_monitor").get(path).content.decode()
        block = re.search(r'<nav class="mainnav".*?</nav>', body, re.S).group(0)
        active = re.findall(r'<a[^>]*class="[^"]*active[^"]*"[^>]*>([^<>]+)</a>', block)
        assert active == [entry]

    def test_redirects_to_login_when_anonymous(self, db, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/"

    def test_query_count_stays_flat_when_the_county_grows(self, homes, personas, client_for,
                                                          django_assert_max_num_queries):
        county = personas["county_office"]
        for n in range(6, 30):
            household_register(actor=county, household_no=f"H{n}", region_code=VILLAGE_B,
                               head_name=f"户主{n}")
        client = client_for("county_office")
        with django_assert_max_num_queries(11):
            response = client.get("/")
        assert _stats(response)["在册农户"] == 28


class NarrowingTests:
    def test_home_shows_the_township_and_its_counts_when_narrowed(self, homes, client_for):
        client = client_for("county_office")
        response = client.get("/scope/", {"region": TOWNSHIP_A})
        assert (response.status_code, response["Location"]) == (302, "/")
        assert client.session[SESSION_KEY] == TOWNSHIP_A
        home = client.get("/")
        assert _title(home) == "塘渡口镇"
        assert _stats(home) == {"村级区划": 2, "在册农户": 3}
        body = home.content.decode()
        assert "石湾社区" in body and "四峰社区" not in body

    def test_accepts_a_short_code_when_narrowing(self, homes, client_for):
        client = client_for("province_office")
        client.get("/scope/", {"region": "430523"})
        assert client.session[SESSION_KEY] == COUNTY_A

    @pytest.mark.parametrize("code", [VILLAGE_B, TOWNSHIP_A, PROVINCE, "439999999999"])
    def test_is_404_and_keeps_the_session_when_the_code_is_outside_the_scope(self, code,
                                                                             homes,
                                                                             client_for):
        client = client_for("village_monitor")
        response = client.get("/scope/", {"region": code})
        assert response.status_code == 404
        assert NOT_FOUND_TEXT in response.content.decode()
        assert SESSION_KEY not in client.session
        assert _title(client.get("/")) == "大岭社区"

    def test_keeps_the_earlier_narrowing_when_a_later_code_is_outside(self, homes, client_for):
        client = client_for("county_office")
        client.get("/scope/", {"region": VILLAGE_C})
        assert client.get("/scope/", {"region": OUTSIDE_VILLAGE}).status_code == 404
        assert client.session[SESSION_KEY] == VILLAGE_C
        assert _title(client.get("/")) == "四峰社区"

    def test_returns_to_the_whole_scope_when_the_region_is_cleared(self, homes, client_for):
        client = client_for("county_office")
        client.get("/scope/", {"region": VILLAGE_C})
        client.get("/scope/", {"region": ""})
        assert SESSION_KEY not in client.session
        assert _title(client.get("/")) == "邵阳县"

    def test_falls_back_to_the_assigned_region_when_the_scope_shrinks(self, homes, personas,
                                                                      client_for):
        client = client_for("county_office")
        client.get("/scope/", {"region": TOWNSHIP_A})
        user = personas["county_office"]
        account_update(actor=None, user=user, data=AccountData(
            username=user.username, display_name=user.display_name, role=user.role,
            region_codes=[VILLAGE_C]))
        home = client.get("/")
        assert _title(home) == "四峰社区"
        assert _stats(home) == {"在册农户": 1}

    def test_follows_next_only_when_it_is_local(self, homes, client_for):
        client = client_for("county_office")
        local = client.get("/scope/", {"region": TOWNSHIP_A, "next": "/households/?page=1"})
        assert local["Location"] == "/households/?page=1"
        foreign = client.get("/scope/", {"region": TOWNSHIP_A, "next": "https://evil.example/"})
        assert foreign["Location"] == "/"


class BreadcrumbTests:
    def test_shows_ancestors_as_plain_text_when_they_are_above_the_scope(self, client_for):
        crumbs = _crumbs(client_for("village_monitor").get("/"))
        for name in ("湖南省", "邵阳市", "邵阳县", "塘渡口镇"):
            assert f'<spanclass="outside">{name}</span>' in crumbs
        assert "<strong>大岭社区</strong>" in crumbs
        assert "<a" not in crumbs

    def test_links_only_the_levels_inside_the_scope_when_narrowed(self, client_for):
        client = client_for("county_office")
        client.get("/scope/", {"region": VILLAGE_A})
        crumbs = _crumbs(client.get("/"))
        assert '<spanclass="outside">湖南省</span>' in crumbs
        assert '<spanclass="outside">邵阳市</span>' in crumbs
        linked = re.findall(r"region=(\d{12})", crumbs)
        assert linked == [COUNTY_A, TOWNSHIP_A]
        assert "<strong>大岭社区</strong>" in crumbs

    def test_offers_only_children_in_scope_when_choosing_a_narrower_region(self, client_for):
        body = client_for("city_office").get("/").content.decode()
        select = re.search(r'<select name="region".*?</select>', body, re.S).group(0)
        assert re.findall(r'value="(\d{12})"', select) == [COUNTY_A, "430524000000"]
        assert f'value="{PROVINCE}"' not in select


class RegionPageTests:
    @pytest.mark.parametrize("name", REGION_PERSONAS)
    def test_answers_exactly_the_subtree_when_every_region_is_opened(self, name, client_for):
        client = client_for(name)
        answered = {code for code in ALL_CODES
                    if client.get(f"/regions/{code}/").status_code == 200}
        assert answered == EXPECTED_REGIONS[name]

    def test_outsider_gets_404_never_403_when_opening_another_village(self, client_for):
        response = client_for("outsider").get(f"/regions/{VILLAGE_A}/")
        assert response.status_code == 404
        assert NOT_FOUND_TEXT in response.content.decode()

    def test_is_404_when_the_region_is_an_ancestor_of_the_scope(self, client_for):
        client = client_for("village_monitor")
        for code in (TOWNSHIP_A, COUNTY_A, CITY, PROVINCE):
            assert client.get(f"/regions/{code}/").status_code == 404, code

    def test_shows_ancestors_without_links_when_opening_the_own_village(self, client_for):
        body = client_for("village_monitor").get(f"/regions/{VILLAGE_A}/").content.decode()
        assert "湖南省 › 邵阳市 › 邵阳县 › 塘渡口镇" in body
        assert f'href="/regions/{TOWNSHIP_A}/"' not in body

    def test_lists_the_children_with_links_when_the_region_is_in_scope(self, client_for):
        body = client_for("township_station").get(f"/regions/{TOWNSHIP_A}/").content.decode()
        assert re.findall(r'href="/regions/(\d{12})/"', body) == [VILLAGE_A, VILLAGE_B]

    def test_lists_the_assigned_region_when_no_code_is_given(self, client_for):
        body = client_for("township_station").get("/regions/").content.decode()
        assert re.findall(r'href="/regions/(\d{12})/"', body) == [TOWNSHIP_A]

    def test_is_404_when_the_role_holds_no_region_permission(self, client_for):
        client = client_for("audit_admin")
        assert client.get("/regions/").status_code == 404
        assert client.get(f"/regions/{PROVINCE}/").status_code == 404

    def test_redirects_to_login_when_anonymous(self, regions, client):
        response = client.get(f"/regions/{VILLAGE_A}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert client.get("/scope/", {"region": VILLAGE_A}).status_code == 302
