"""The registry API (/api/v1/households, /api/v1/members): scope (401 / 404 / 403), masking
and the audited reveal, filters and paging, field errors, and the 409 of a stale version.

Data comes from the shared ``households`` fixture (registry/tests/conftest.py):
H001 in 大岭社区 (曾祥月 户主, 李芳 配偶 without medical insurance, phone 13812345678, 脱贫户,
2025 wage income 8000) and H002 in 石湾社区 (王五, 一般农户, no ledger).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from minsheng.core.models import AuditEvent, User
from minsheng.core.services import token_create
from minsheng.regions.services import AccountData, account_create
from minsheng.registry.models import Household, HouseholdChange, IncomeLedger, Member
from minsheng.registry.services import (
    household_archive,
    household_register,
    household_update,
    ledger_save,
    member_add,
    member_archive,
)
from minsheng.registry.testing import make_id, member_data
from minsheng.testing import OUTSIDE_VILLAGE, PASSWORD, TOWNSHIP_A, VILLAGE_A, VILLAGE_B

HEAD_ID = "430523198001010031"  # make_id(1980-01-01, 1): 曾祥月
SPOUSE_ID = "430523198203040044"  # make_id(1982-03-04, 2, female): 李芳
CHILD_ID = "430523201005050617"  # make_id(2010-05-05, 30)
NOT_FOUND = {"detail": "未找到该对象，或您无权查看。"}
NO_HOUSEHOLD_DATA = ["sys_admin", "sec_admin", "audit_admin", "liaison", "enterprise"]
NOT_ALLOWED = {"detail": "您没有执行此操作的权限。"}
REVEAL_REFUSED = {"detail": "您的角色不能查看完整的身份证号、电话和银行账号。"}
VERSION_MISSING = {"detail": "缺少版本号：请先读取记录再修改。"}
STALE_HOUSEHOLD = ("该农户已被他人修改（当前版本 2，您编辑的是版本 1），为避免覆盖他人的修改，"
                   "本次保存未生效。请刷新后重新编辑。")


def call(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(url, body or {})
    return getattr(client, method)(url, body or {}, content_type="application/json")


def client_for_user(user: User) -> Client:
    _token, key = token_create(actor=None, user=user)
    return Client(headers={"Authorization": f"Bearer {key}"})


def head_of(household: Household) -> Member:
    return household.members.get(relation="head")


def state() -> tuple[Any, ...]:
    """What a refused write must leave as it was."""
    return (sorted(Household.objects.values_list("household_no", "version", "housing_grade")),
            sorted(Member.objects.values_list("id_number", "version", "school_stage")),
            sorted(IncomeLedger.objects.values_list("household_id", "year", "version",
                                                    "wage_income")),
            HouseholdChange.objects.count())


# Every endpoint, as (method, url template, body). {h} is H001, {m} its head.
ENDPOINTS = {
    "household_list": ("get", "/api/v1/households", {"region": VILLAGE_A}),
    "household_detail": ("get", "/api/v1/households/{h}", None),
    "household_patch": ("patch", "/api/v1/households/{h}", {"version": 1, "housing_grade": "C"}),
    "member_list": ("get", "/api/v1/households/{h}/members", None),
    "member_create": ("post", "/api/v1/households/{h}/members",
                      {"id_number": CHILD_ID, "name": "曾小明", "relation": "son"}),
    "member_patch": ("patch", "/api/v1/members/{m}", {"version": 1, "school_stage": "junior"}),
    "ledger_list": ("get", "/api/v1/households/{h}/ledgers", None),
    "ledger_put": ("put", "/api/v1/households/{h}/ledgers/2024", {"wage_income": "100"}),
}
WRITES = ["household_patch", "member_create", "member_patch", "ledger_put"]
OK_STATUS = {"member_create": 201}


def endpoint(name: str, households: tuple[Household, Household], *,
             household_pk: int | None = None, member_pk: int | None = None) -> tuple[str, str,
                                                                                     Any]:
    method, template, body = ENDPOINTS[name]
    url = template.format(h=households[0].pk if household_pk is None else household_pk,
                          m=head_of(households[0]).pk if member_pk is None else member_pk)
    return method, url, body


class RegistryApiAccessTests:
    @pytest.mark.parametrize("name", sorted(ENDPOINTS))
    def test_is_401_and_changes_nothing_when_anonymous(self, name, households):
        before = state()
        response = call(Client(), *endpoint(name, households))
        assert response.status_code == 401
        assert state() == before

    @pytest.mark.parametrize("name", sorted(ENDPOINTS))
    def test_is_404_and_changes_nothing_when_the_household_is_outside_the_scope(
            self, name, households, api_client_for):
        client = api_client_for("outsider")
        before = state()
        response = call(client, *endpoint(name, households))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        assert state() == before

    @pytest.mark.parametrize("name", sorted(ENDPOINTS))
    def test_is_404_when_a_role_without_the_register_asks(self, name, households,
                                                          api_client_for):
        client = api_client_for("liaison")
        response = call(client, *endpoint(name, households))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    @pytest.mark.parametrize("persona", NO_HOUSEHOLD_DATA)
    def test_list_is_404_like_the_web_list_when_the_role_has_no_household_data(
            self, persona, households, api_client_for, client_for):
        response = api_client_for(persona).get("/api/v1/households")
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        assert client_for(persona).get("/households/").status_code == 404

    def test_list_is_404_before_the_paging_is_checked_when_the_role_has_no_household_data(
            self, households, api_client_for):
        response = api_client_for("sys_admin").get("/api/v1/households", {"limit": 0})
        assert (response.status_code, response.json()) == (404, NOT_FOUND)

    def test_list_answers_when_the_auditor_may_only_read(self, households, api_client_for):
        response = api_client_for("auditor").get("/api/v1/households")
        assert response.status_code == 200
        assert [i["household_no"] for i in response.json()["items"]] == ["H001", "H002"]

    @pytest.mark.parametrize("name", sorted(set(ENDPOINTS) - {"household_list"}))
    def test_is_404_alike_when_the_household_or_member_does_not_exist(
            self, name, households, api_client_for):
        client = api_client_for("village_monitor")
        response = call(client, *endpoint(name, households, household_pk=999999,
                                          member_pk=999999))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    @pytest.mark.parametrize("name", sorted(ENDPOINTS))
    def test_answers_when_the_household_is_in_the_village_monitor_scope(
            self, name, households, api_client_for):
        response = call(api_client_for("village_monitor"), *endpoint(name, households))
        assert response.status_code == OK_STATUS.get(name, 200), response.content

    @pytest.mark.parametrize("name", WRITES)
    def test_is_403_and_changes_nothing_when_the_role_may_only_read(self, name, households,
                                                                    api_client_for):
        client = api_client_for("auditor")
        before = state()
        response = call(client, *endpoint(name, households))
        assert response.status_code == 403
        assert response.json() == NOT_ALLOWED
        assert state() == before


class HouseholdListApiTests:
    def test_lists_only_the_village_households_when_a_village_monitor_asks(
            self, households, api_client_for):
        data = api_client_for("village_monitor").get("/api/v1/households").json()
        assert data == {"count": 1, "items": [{
            "id": households[0].pk, "household_no": "H001", "region_code": VILLAGE_A,
            "region_name": "大岭社区", "head_name": "曾祥月", "category": "lifted",
            "category_label": "脱贫户", "member_count": 2, "housing_grade": "",
            "housing_grade_label": "未鉴定", "phone": "138****5678", "archived": False,
            "version": 1,
        }]}

    def test_lists_nothing_when_the_outsider_asks_without_a_region(self, households,
                                                                   api_client_for):
        data = api_client_for("outsider").get("/api/v1/households").json()
        assert data == {"count": 0, "items": []}

    @pytest.mark.parametrize("params,expected", [
        ({"q": "zxy"}, ["H001"]),
        ({"q": "cxy"}, ["H001"]),
        ({"q": "ZXY"}, ["H001"]),
        ({"q": "曾祥"}, ["H001"]),
        ({"q": "lf"}, ["H001"]),
        ({"q": "ww"}, ["H002"]),
        ({"q": "xyz"}, []),
        ({"q": "H002"}, ["H002"]),
        ({"category": "lifted"}, ["H001"]),
        ({"category": "ordinary"}, ["H002"]),
        ({"insurance_gap": "true"}, ["H001"]),
        ({"insurance_gap": "false"}, ["H001", "H002"]),
        ({"income_min": "5000"}, ["H001"]),
        ({"income_min": "8000.01"}, []),
        ({"income_max": "9000", "income_year": "2025"}, ["H001"]),
        ({"income_max": "9000", "income_year": "2024"}, []),
        ({"region": VILLAGE_B}, ["H002"]),
        ({"region": TOWNSHIP_A[:9]}, ["H001", "H002"]),
        ({"region": VILLAGE_B, "q": "zxy"}, []),
    ])
    def test_returns_the_matching_households_when_filtered(self, households, api_client_for,
                                                           params, expected):
        response = api_client_for("township_station").get("/api/v1/households", params)
        assert response.status_code == 200
        data = response.json()
        assert [i["household_no"] for i in data["items"]] == expected
        assert data["count"] == len(expected)

    def test_finds_unsafe_housing_and_relocated_households_when_so_filtered(
            self, households, personas, api_client_for):
        household_update(actor=personas["township_station"], household=households[1],
                         version=1, housing_grade="D", relocated=True)
        client = api_client_for("township_station")
        for params in ({"housing_unsafe": "true"}, {"relocated": "true"}):
            data = client.get("/api/v1/households", params).json()
            assert [i["household_no"] for i in data["items"]] == ["H002"]

    def test_is_404_when_the_region_is_outside_the_scope(self, households, api_client_for):
        response = api_client_for("village_monitor").get("/api/v1/households",
                                                         {"region": VILLAGE_B})
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    def test_is_403_when_a_village_monitor_searches_by_a_full_id_number(
            self, households, api_client_for):
        response = api_client_for("village_monitor").get("/api/v1/households", {"q": HEAD_ID})
        assert response.status_code == 403
        assert response.json() == {
            "detail": "您的角色不能按完整身份证号查询，请按姓名或拼音首字母查询。"}

    def test_finds_the_household_when_township_station_searches_by_a_full_id_number(
            self, households, api_client_for):
        data = api_client_for("township_station").get("/api/v1/households",
                                                      {"q": SPOUSE_ID}).json()
        assert [i["household_no"] for i in data["items"]] == ["H001"]

    def test_lists_archived_households_only_when_include_archived_is_asked(
            self, households, personas, api_client_for):
        household_archive(actor=personas["township_station"], household=households[1],
                          version=1, reason="duplicate")
        client = api_client_for("township_station")
        plain = client.get("/api/v1/households").json()
        assert [i["household_no"] for i in plain["items"]] == ["H001"]
        every = client.get("/api/v1/households", {"include_archived": "true"}).json()
        assert [(i["household_no"], i["archived"], i["member_count"])
                for i in every["items"]] == [("H001", False, 2), ("H002", True, 0)]


class HouseholdListPagingApiTests:
    def test_counts_every_match_and_returns_one_page_when_limit_and_offset_are_given(
            self, households, api_client_for):
        data = api_client_for("township_station").get("/api/v1/households",
                                                      {"limit": 1, "offset": 1}).json()
        assert data["count"] == 2
        assert [i["household_no"] for i in data["items"]] == ["H002"]

    def test_returns_no_items_but_the_count_when_the_offset_is_past_the_end(
            self, households, api_client_for):
        data = api_client_for("township_station").get("/api/v1/households",
                                                      {"offset": 5}).json()
        assert data == {"count": 2, "items": []}

    def test_returns_fifty_when_no_limit_is_given(self, many_households, api_client_for):
        data = api_client_for("township_station").get("/api/v1/households").json()
        assert data["count"] == 62
        assert len(data["items"]) == 50

    def test_accepts_the_maximum_limit_when_it_is_500(self, many_households, api_client_for):
        data = api_client_for("township_station").get("/api/v1/households",
                                                      {"limit": 500}).json()
        assert len(data["items"]) == 62

    @pytest.mark.parametrize("params,field,message", [
        ({"limit": 501}, "limit", "每页条数 limit 应为 1～500，实为「501」。"),
        ({"limit": 0}, "limit", "每页条数 limit 应为 1～500，实为「0」。"),
        ({"offset": -1}, "offset", "起始位置 offset 不能为负数，实为「-1」。"),
    ])
    def test_is_400_when_the_paging_is_out_of_range(self, households, api_client_for, params,
                                                    field, message):
        response = api_client_for("township_station").get("/api/v1/households", params)
        assert response.status_code == 400
        assert response.json() == {"detail": message,
                                   "errors": [{"field": field, "message": message}]}

    def test_uses_a_fixed_number_of_queries_when_the_page_has_many_households(
            self, many_households, api_client_for, django_assert_max_num_queries):
        client = api_client_for("township_station")
        with django_assert_max_num_queries(6):
            response = client.get("/api/v1/households", {"limit": 100})
        assert len(response.json()["items"]) == 62
        assert {i["member_count"] for i in response.json()["items"]} == {1, 2}


@pytest.fixture
def many_households(households, personas):
    """60 more households in 大岭社区, each with a head and every other one a spouse."""
    for n in range(60):
        members = [member_data(f"张{n}", dt.date(1960, 1, 1) + dt.timedelta(days=n), 100 + n)]
        if n % 2:
            members.append(member_data(f"刘{n}", dt.date(1962, 1, 1) + dt.timedelta(days=n),
                                       200 + n, relation="spouse", male=False))
        household_register(actor=personas["township_station"], household_no=f"M{n:03d}",
                           region_code=VILLAGE_A, members=members)
    return households


@pytest.fixture
def banked(households, personas):
    household_update(actor=personas["township_station"], household=households[0], version=1,
                     bank_account="6217001234565678", bank_name="农村信用社")
    return households


class HouseholdDetailApiTests:
    def test_masks_id_numbers_phones_and_the_bank_account_when_reveal_is_not_asked(
            self, banked, api_client_for):
        data = api_client_for("township_station").get(
            f"/api/v1/households/{banked[0].pk}").json()
        assert [(m["name"], m["id_number"]) for m in data["members"]] == [
            ("曾祥月", "430523********0031"), ("李芳", "430523********0044")]
        assert data["phone"] == "138****5678"
        assert data["bank_account"] == "6217********5678"
        assert not AuditEvent.objects.filter(event_type="SENSITIVE_REVEALED").exists()

    def test_describes_the_household_with_chinese_labels_and_ledgers_when_asked(
            self, households, api_client_for):
        data = api_client_for("village_monitor").get(
            f"/api/v1/households/{households[0].pk}").json()
        assert {k: data[k] for k in ("household_no", "head_name", "category_label",
                                     "housing_grade_label", "member_count", "water_ok",
                                     "archive_reason_label", "bank_account")} == {
            "household_no": "H001", "head_name": "曾祥月", "category_label": "脱贫户",
            "housing_grade_label": "未鉴定", "member_count": 2, "water_ok": None,
            "archive_reason_label": "", "bank_account": ""}
        head = data["members"][0]
        assert {k: head[k] for k in ("relation_label", "gender_label", "birth_date",
                                     "school_stage_label", "health_label",
                                     "labour_capacity_label", "work_area_label",
                                     "household_id")} == {
            "relation_label": "户主", "gender_label": "男", "birth_date": "1980-01-01",
            "school_stage_label": "非在校生", "health_label": "健康",
            "labour_capacity_label": "普通劳动力", "work_area_label": "未务工",
            "household_id": households[0].pk}
        assert data["members"][1]["gender_label"] == "女"
        assert [(lg["year"], lg["wage_income"], lg["transfer_dibao"], lg["version"])
                for lg in data["ledgers"]] == [(2025, "8000.00", "0.00", 1)]

    def test_shows_everything_in_full_and_audits_when_township_station_reveals(
            self, banked, api_client_for):
        response = api_client_for("township_station").get(
            f"/api/v1/households/{banked[0].pk}", {"reveal": "true"})
        assert response.status_code == 200
        data = response.json()
        assert [m["id_number"] for m in data["members"]] == [HEAD_ID, SPOUSE_ID]
        assert (data["phone"], data["bank_account"]) == ("13812345678", "6217001234565678")
        event = AuditEvent.objects.get(event_type="SENSITIVE_REVEALED")
        assert (event.actor_username, event.subject_id, event.region_code) == (
            "township_station", str(banked[0].pk), VILLAGE_A)

    def test_is_403_and_audits_nothing_when_a_village_monitor_asks_to_reveal(
            self, banked, api_client_for):
        response = api_client_for("village_monitor").get(
            f"/api/v1/households/{banked[0].pk}", {"reveal": "true"})
        assert response.status_code == 403
        assert response.json() == REVEAL_REFUSED
        assert not AuditEvent.objects.filter(event_type="SENSITIVE_REVEALED").exists()

    def test_is_404_and_audits_nothing_when_a_revealing_role_outside_the_scope_asks(
            self, households, personas):
        far_station = account_create(actor=None, data=AccountData(
            username="far_station", display_name="隆回县乡镇监测站", role="township_station",
            region_codes=[OUTSIDE_VILLAGE]), password=PASSWORD)
        assert far_station.has_perm("core.reveal_pii")
        response = client_for_user(far_station).get(
            f"/api/v1/households/{households[0].pk}", {"reveal": "true"})
        assert response.status_code == 404
        assert not AuditEvent.objects.filter(event_type="SENSITIVE_REVEALED").exists()

    def test_uses_a_fixed_number_of_queries_when_the_household_is_large(
            self, households, personas, api_client_for, django_assert_max_num_queries):
        for n in range(6):
            member_add(actor=personas["township_station"], household=households[0],
                       data=member_data(f"曾{n}", dt.date(2000 + n, 1, 1), 40 + n,
                                        relation="son"))
            ledger_save(actor=personas["township_station"], household=households[0],
                        year=2015 + n, wage_income=Decimal(n))
        client = api_client_for("township_station")
        with django_assert_max_num_queries(6):
            data = client.get(f"/api/v1/households/{households[0].pk}").json()
        assert (len(data["members"]), len(data["ledgers"])) == (8, 7)


class HouseholdPatchApiTests:
    def test_saves_and_bumps_the_version_when_the_version_is_current(self, households,
                                                                     api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{households[0].pk}",
            {"version": 1, "housing_grade": "C", "water_quality_ok": False},
            content_type="application/json")
        assert response.status_code == 200
        data = response.json()
        assert (data["version"], data["housing_grade_label"], data["water_ok"]) == (
            2, "C级（局部危房）", False)
        household = Household.objects.get(pk=households[0].pk)
        assert (household.housing_grade, household.water_quality_ok) == ("C", False)
        change = HouseholdChange.objects.filter(household=household).first()
        assert (change.action, change.actor_name) == ("修改农户信息", "village_monitor")
        assert change.changes == {"housing_grade": ["", "C"], "water_quality_ok": [None, False]}

    def test_is_409_and_changes_nothing_when_the_version_is_stale(self, households,
                                                                  api_client_for):
        client = api_client_for("village_monitor")
        url = f"/api/v1/households/{households[0].pk}"
        assert client.patch(url, {"version": 1, "housing_grade": "C"},
                            content_type="application/json").status_code == 200
        before = state()
        response = client.patch(url, {"version": 1, "housing_grade": "A"},
                                content_type="application/json")
        assert response.status_code == 409
        assert response.json() == {"detail": STALE_HOUSEHOLD}
        assert state() == before
        assert Household.objects.get(pk=households[0].pk).housing_grade == "C"

    def test_is_400_and_changes_nothing_when_the_version_is_missing(self, households,
                                                                    api_client_for):
        before = state()
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{households[0].pk}", {"housing_grade": "C"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == VERSION_MISSING
        assert state() == before

    @pytest.mark.parametrize("body,errors", [
        ({"phone": "123"}, [("phone", "联系电话「123」应为 11 位手机号或带区号的固定电话。")]),
        ({"bank_account": "62-17"}, [("bank_account", "银行账号「62-17」应为 8 至 30 位数字。")]),
        ({"category": "rich"}, [("category", "户类型「rich」不是可选值。")]),
        ({"housing_grade": "E"}, [("housing_grade", "住房安全等级「E」不是可选值。")]),
        ({"relocated": None}, [("relocated", "易地扶贫搬迁户不能为空值（null）。")]),
        ({"address": "长" * 201}, [("address", "「家庭住址」最长 200 个字，实为 201 个。")]),
        ({"bank_name": "行" * 101}, [("bank_name", "「开户银行」最长 100 个字，实为 101 个。")]),
        ({"phone": "1" * 21}, [("phone", "「联系电话」最长 20 个字，实为 21 个。")]),
        ({"group_name": None, "category": ""},
         [("group_name", "村民小组不能为空值（null）。"), ("category", "户类型不能为空。")]),
    ])
    def test_is_400_with_field_errors_and_changes_nothing_when_a_field_is_invalid(
            self, households, api_client_for, body, errors):
        before = state()
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{households[0].pk}", {"version": 1, **body},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "；".join(m for _f, m in errors),
            "errors": [{"field": f, "message": m} for f, m in errors]}
        assert state() == before

    def test_is_400_when_a_field_that_cannot_be_changed_is_sent(self, households,
                                                                api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{households[0].pk}",
            {"version": 1, "household_no": "H999", "head_name": "某"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "不支持的字段：head_name、household_no"}
        assert Household.objects.get(pk=households[0].pk).household_no == "H001"

    def test_marks_a_water_check_unknown_when_null_is_sent(self, households, api_client_for):
        client = api_client_for("village_monitor")
        url = f"/api/v1/households/{households[0].pk}"
        client.patch(url, {"version": 1, "water_quantity_ok": True},
                     content_type="application/json")
        response = client.patch(url, {"version": 2, "water_quantity_ok": None},
                                content_type="application/json")
        assert response.status_code == 200
        assert Household.objects.get(pk=households[0].pk).water_quantity_ok is None

    def test_keeps_the_version_when_nothing_changes(self, households, api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{households[0].pk}", {"version": 1, "category": "lifted"},
            content_type="application/json")
        assert response.status_code == 200
        assert response.json()["version"] == 1


class MemberApiTests:
    def test_lists_active_members_head_first_and_masked_when_asked(self, households,
                                                                   api_client_for):
        data = api_client_for("village_monitor").get(
            f"/api/v1/households/{households[0].pk}/members").json()
        assert [(m["name"], m["relation_label"], m["id_number"], m["medical_insurance"])
                for m in data] == [("曾祥月", "户主", "430523********0031", True),
                                   ("李芳", "配偶", "430523********0044", False)]

    def test_lists_removed_members_too_when_include_inactive(self, households, personas,
                                                             api_client_for):
        spouse = households[0].members.get(relation="spouse")
        member_archive(actor=personas["village_monitor"], member=spouse, version=1,
                       reason="deceased")
        client = api_client_for("village_monitor")
        url = f"/api/v1/households/{households[0].pk}/members"
        assert [m["name"] for m in client.get(url).json()] == ["曾祥月"]
        every = client.get(url, {"include_inactive": "true"}).json()
        assert [(m["name"], m["active"], m["archive_reason_label"]) for m in every] == [
            ("曾祥月", True, ""), ("李芳", False, "死亡")]

    def test_adds_a_member_with_birth_and_gender_from_the_id_when_posted(self, households,
                                                                         api_client_for):
        client = api_client_for("village_monitor")
        response = client.post(
            f"/api/v1/households/{households[0].pk}/members",
            {"id_number": CHILD_ID, "name": "曾小明", "relation": "son",
             "school_stage": "junior", "education": "primary"},
            content_type="application/json")
        assert response.status_code == 201
        data = response.json()
        assert {k: data[k] for k in ("id_number", "birth_date", "gender_label",
                                     "relation_label", "school_stage_label",
                                     "education_label", "version")} == {
            "id_number": "430523********0617", "birth_date": "2010-05-05",
            "gender_label": "男", "relation_label": "之子",
            "school_stage_label": "七年级至九年级", "education_label": "小学", "version": 1}
        assert Member.objects.get(pk=data["id"]).id_number == CHILD_ID
        found = client.get("/api/v1/households", {"q": "zxm"}).json()
        assert [(i["household_no"], i["member_count"]) for i in found["items"]] == [("H001", 3)]

    @pytest.mark.parametrize("body,errors", [
        ({"id_number": "123", "name": "丙", "relation": "son"},
         [("id_number", "身份证号应为 18 位，实为 3 位。")]),
        ({"id_number": make_id(dt.date(2000, 1, 1), 8), "name": "丙", "relation": "head"},
         [("relation", "本户已有户主。")]),
        ({"id_number": HEAD_ID, "name": "重复", "relation": "son"},
         [("id_number", "身份证号 430523…0031 已是在册农户（H001）的成员，一人只能在一个在册农户中。")]),
        ({"id_number": CHILD_ID, "name": "丙", "relation": "son", "gender": "female"},
         [("gender", "性别「女」与身份证号（男）不一致。")]),
        ({"id_number": CHILD_ID, "name": "丙", "relation": "son", "gender": "x"},
         [("gender", "性别「x」不是可选值。")]),
        ({"id_number": CHILD_ID, "name": "丙", "relation": "son", "education": "phd"},
         [("education", "文化程度「phd」不是可选值。")]),
        ({"id_number": CHILD_ID, "name": "丙", "relation": "son", "health": "disabled",
          "disability_grade": 0},
         [("disability_grade", "残疾等级应为 1～4 级，实为「0」。")]),
        ({"id_number": CHILD_ID, "name": "名" * 65, "relation": "son"},
         [("name", "「姓名」最长 64 个字，实为 65 个。")]),
        ({"id_number": CHILD_ID, "name": "丙", "relation": "son", "ethnicity": "族" * 21},
         [("ethnicity", "「民族」最长 20 个字，实为 21 个。")]),
        ({"id_number": CHILD_ID, "name": "丙", "relation": "uncle", "health": "fine",
          "school_stage": "x", "labour_capacity": "y", "work_area": "z"},
         [("relation", "与户主关系「uncle」不是可选值。"), ("school_stage", "在校生状况「x」不是可选值。"),
          ("health", "健康状况「fine」不是可选值。"), ("labour_capacity", "劳动技能「y」不是可选值。"),
          ("work_area", "务工区域「z」不是可选值。")]),
    ])
    def test_is_400_with_field_errors_and_adds_nobody_when_the_member_is_invalid(
            self, households, api_client_for, body, errors):
        before = state()
        response = api_client_for("village_monitor").post(
            f"/api/v1/households/{households[0].pk}/members", body,
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "；".join(m for _f, m in errors),
            "errors": [{"field": f, "message": m} for f, m in errors]}
        assert state() == before

    def test_saves_and_renames_the_household_when_the_head_is_patched(self, households,
                                                                      api_client_for):
        client = api_client_for("village_monitor")
        head = head_of(households[0])
        response = client.patch(f"/api/v1/members/{head.pk}", {"version": 1, "name": "曾祥日"},
                                content_type="application/json")
        assert response.status_code == 200
        assert (response.json()["name"], response.json()["version"]) == ("曾祥日", 2)
        assert Household.objects.get(pk=households[0].pk).head_name == "曾祥日"

    def test_is_409_and_changes_nothing_when_the_member_version_is_stale(self, households,
                                                                         api_client_for):
        client = api_client_for("village_monitor")
        url = f"/api/v1/members/{head_of(households[0]).pk}"
        client.patch(url, {"version": 1, "school_stage": "senior"},
                     content_type="application/json")
        before = state()
        response = client.patch(url, {"version": 1, "name": "别人"},
                                content_type="application/json")
        assert response.status_code == 409
        assert response.json() == {"detail": (
            "该成员已被他人修改（当前版本 2，您编辑的是版本 1），为避免覆盖他人的修改，"
            "本次保存未生效。请刷新后重新编辑。")}
        assert state() == before
        assert head_of(households[0]).name == "曾祥月"

    def test_is_400_when_the_member_version_is_missing(self, households, api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/members/{head_of(households[0]).pk}", {"name": "别人"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == VERSION_MISSING

    def test_is_400_and_keeps_the_id_number_when_one_is_sent(self, households,
                                                             api_client_for):
        head = head_of(households[0])
        response = api_client_for("village_monitor").patch(
            f"/api/v1/members/{head.pk}", {"version": 1, "id_number": CHILD_ID},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "不支持的字段：id_number"}
        assert head_of(households[0]).id_number == HEAD_ID

    def test_is_400_with_field_errors_when_a_patched_value_is_invalid(self, households,
                                                                      api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/members/{head_of(households[0]).pk}",
            {"version": 1, "work_months": 13, "labour_capacity": "super"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "labour_capacity", "message": "劳动技能「super」不是可选值。"},
            {"field": "work_area", "message": "填写了务工时间时须填写务工区域。"},
            {"field": "work_months", "message": "务工时间应为 0～12 个月，实为「13」。"}]

    def test_is_400_when_the_service_refuses_the_patched_value(self, households,
                                                               api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/members/{head_of(households[0]).pk}",
            {"version": 1, "work_months": 13, "work_area": "in_county"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "work_months", "message": "务工时间应为 0～12 个月，实为「13」。"}]


class LedgerApiTests:
    def test_lists_the_years_in_order_when_asked(self, households, personas, api_client_for):
        ledger_save(actor=personas["village_monitor"], household=households[0], year=2023,
                    transfer_dibao=Decimal("3600.5"))
        data = api_client_for("village_monitor").get(
            f"/api/v1/households/{households[0].pk}/ledgers").json()
        assert [(lg["year"], lg["wage_income"], lg["transfer_dibao"]) for lg in data] == [
            (2023, "0.00", "3600.50"), (2025, "8000.00", "0.00")]

    def test_creates_the_year_from_strings_and_numbers_when_put_without_version(
            self, households, api_client_for):
        response = api_client_for("village_monitor").put(
            f"/api/v1/households/{households[0].pk}/ledgers/2024",
            {"wage_income": "9000.50", "transfer_pension": 1200.25},
            content_type="application/json")
        assert response.status_code == 200
        assert {k: response.json()[k] for k in ("year", "wage_income", "transfer_pension",
                                                "business_income", "version")} == {
            "year": 2024, "wage_income": "9000.50", "transfer_pension": "1200.25",
            "business_income": "0.00", "version": 1}
        ledger = IncomeLedger.objects.get(household=households[0], year=2024)
        assert (ledger.wage_income, ledger.transfer_pension) == (Decimal("9000.50"),
                                                                 Decimal("1200.25"))

    def test_updates_only_the_amounts_sent_when_the_version_is_current(self, households,
                                                                       api_client_for):
        response = api_client_for("village_monitor").put(
            f"/api/v1/households/{households[0].pk}/ledgers/2025",
            {"version": 1, "transfer_dibao": "3600"}, content_type="application/json")
        assert response.status_code == 200
        assert (response.json()["wage_income"], response.json()["transfer_dibao"],
                response.json()["version"]) == ("8000.00", "3600.00", 2)

    def test_is_400_and_changes_nothing_when_an_existing_year_is_put_without_version(
            self, households, api_client_for):
        before = state()
        response = api_client_for("village_monitor").put(
            f"/api/v1/households/{households[0].pk}/ledgers/2025", {"wage_income": "1"},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == VERSION_MISSING
        assert state() == before

    def test_is_409_and_changes_nothing_when_the_ledger_version_is_stale(self, households,
                                                                         api_client_for):
        client = api_client_for("village_monitor")
        url = f"/api/v1/households/{households[0].pk}/ledgers/2025"
        client.put(url, {"version": 1, "wage_income": "9000"}, content_type="application/json")
        before = state()
        response = client.put(url, {"version": 1, "wage_income": "1"},
                              content_type="application/json")
        assert response.status_code == 409
        assert response.json() == {"detail": (
            "该2025 年收支记录已被他人修改（当前版本 2，您编辑的是版本 1），为避免覆盖他人的修改，"
            "本次保存未生效。请刷新后重新编辑。")}
        assert state() == before

    @pytest.mark.parametrize("year,body,errors", [
        (2024, {"wage_income": "-1"}, [("wage_income", "工资性收入不能为负数。")]),
        (2024, {"wage_income": "1.005"}, [("wage_income", "工资性收入最多两位小数，实为「1.005」。")]),
        (2024, {"education_expense": "10000000000"},
         [("education_expense", "教育支出「10000000000」超出范围，应小于 100 亿元。")]),
        (1999, {"wage_income": "1"}, [("year", "年度「1999」不在 2000～2100 之间。")]),
    ])
    def test_is_400_with_field_errors_and_saves_nothing_when_an_amount_or_year_is_invalid(
            self, households, api_client_for, year, body, errors):
        before = state()
        response = api_client_for("village_monitor").put(
            f"/api/v1/households/{households[0].pk}/ledgers/{year}", body,
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "；".join(m for _f, m in errors),
            "errors": [{"field": f, "message": m} for f, m in errors]}
        assert state() == before

    def test_is_400_when_an_unknown_amount_is_sent(self, households, api_client_for):
        response = api_client_for("village_monitor").put(
            f"/api/v1/households/{households[0].pk}/ledgers/2024",
            {"wage_income": "1", "net_income": "5"}, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "不支持的字段：net_income"}
        assert not IncomeLedger.objects.filter(year=2024).exists()


class RegistryOpenApiTests:
    def test_lists_every_registry_path_and_method_when_the_document_is_fetched(self, db,
                                                                             client):
        paths = client.get("/api/v1/openapi.json").json()["paths"]
        assert {path: set(ops) for path, ops in paths.items()
                if path.startswith(("/api/v1/households", "/api/v1/members"))} == {
            "/api/v1/households": {"get"},
            "/api/v1/households/{household_id}": {"get", "patch"},
            "/api/v1/households/{household_id}/members": {"get", "post"},
            "/api/v1/households/{household_id}/ledgers": {"get"},
            "/api/v1/households/{household_id}/ledgers/{year}": {"put"},
            "/api/v1/members/{member_id}": {"patch"},
            # monitoring's router adds the household's risk signals under the same prefix
            "/api/v1/households/{household_id}/risks": {"get"},
        }

    def test_documents_the_conflict_and_field_errors_when_a_write_is_described(self, db,
                                                                              client):
        patch = client.get("/api/v1/openapi.json").json()["paths"][
            "/api/v1/households/{household_id}"]["patch"]
        assert {"200", "400", "403", "404", "409"} <= set(patch["responses"])
        assert patch["summary"] == "修改农户信息（须带读取时的版本号）"
        assert patch["tags"] == ["农户台账"]
