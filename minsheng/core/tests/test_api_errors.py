"""django-ninja's own error answers are Chinese: 401 (not signed in), 405 (method not
allowed), 422 (a parameter of the wrong type, per field), and its English 400/403/404 texts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.http import Http404
from django.test import Client, RequestFactory
from ninja.errors import HttpError, Throttled

from minsheng.api import api
from minsheng.registry.models import Household
from minsheng.registry.services import household_register
from minsheng.registry.testing import member_data
from minsheng.testing import PASSWORD, VILLAGE_A

NOT_SIGNED_IN = {"detail": "未登录或登录已失效：请先登录，或在请求头中带上有效的令牌"
                           "（Authorization: Bearer <令牌>）。"}


@pytest.fixture
def household(personas):
    return household_register(actor=personas["village_monitor"], household_no="H001",
                              region_code=VILLAGE_A,
                              members=[member_data("曾祥月", dt.date(1980, 1, 1), 1)])


def unprocessable(*errors: tuple[str, str]) -> dict[str, object]:
    return {"detail": "；".join(message for _field, message in errors),
            "errors": [{"field": field, "message": message} for field, message in errors]}


class NotSignedInTests:
    @pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer ms_wrong"},
                                         {"Authorization": "Basic eDp5"}])
    def test_is_401_in_chinese_with_the_scheme_when_no_valid_credential_is_sent(
            self, db, headers):
        response = Client(headers=headers).get("/api/v1/me")
        assert response.status_code == 401
        assert response.json() == NOT_SIGNED_IN
        assert response["WWW-Authenticate"] == "Bearer"

    def test_is_401_in_chinese_when_an_anonymous_caller_writes(self, household):
        response = Client().patch(f"/api/v1/households/{household.pk}", {"version": 1},
                                  content_type="application/json")
        assert (response.status_code, response.json()) == (401, NOT_SIGNED_IN)


class MethodNotAllowedTests:
    def test_is_405_in_chinese_naming_the_allowed_methods_when_deleting_a_household(
            self, household, api_client_for):
        response = api_client_for("village_monitor").delete(
            f"/api/v1/households/{household.pk}")
        assert response.status_code == 405
        assert response.json() == {"detail": "该地址不支持 DELETE 方法，只支持：GET、PATCH。"}
        assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "PATCH"}
        assert Household.objects.filter(pk=household.pk).exists()

    def test_is_405_in_chinese_when_posting_to_me(self, personas, api_client_for):
        response = api_client_for("village_monitor").post("/api/v1/me")
        assert response.status_code == 405
        assert response.json() == {"detail": "该地址不支持 POST 方法，只支持：GET。"}


class UnprocessableTests:
    def test_lists_each_query_parameter_in_chinese_when_the_types_are_wrong(
            self, household, api_client_for):
        response = api_client_for("village_monitor").get(
            "/api/v1/households", {"limit": "abc", "income_min": "x", "relocated": "maybe"})
        assert response.status_code == 422
        assert response.json() == unprocessable(
            ("relocated", "查询参数「relocated」应为 true 或 false。"),
            ("income_min", "查询参数「income_min」应为数字。"),
            ("limit", "查询参数「limit」应为整数。"),
        )

    def test_lists_each_body_field_in_chinese_when_the_types_are_wrong(
            self, household, api_client_for):
        response = api_client_for("village_monitor").patch(
            f"/api/v1/households/{household.pk}", {"version": "v", "relocated": "maybe"},
            content_type="application/json")
        assert response.status_code == 422
        assert response.json() == unprocessable(
            ("version", "请求体「version」应为整数。"),
            ("relocated", "请求体「relocated」应为 true 或 false。"),
        )

    def test_names_the_missing_fields_in_chinese_when_required_ones_are_left_out(
            self, household, api_client_for):
        response = api_client_for("village_monitor").post(
            f"/api/v1/households/{household.pk}/members", {"name": "曾小明"},
            content_type="application/json")
        assert response.status_code == 422
        assert response.json() == unprocessable(
            ("id_number", "请求体「id_number」为必填项。"),
            ("relation", "请求体「relation」为必填项。"),
        )

    def test_names_the_path_parameter_and_the_amount_in_chinese_when_they_are_not_numbers(
            self, household, api_client_for):
        response = api_client_for("village_monitor").put(
            f"/api/v1/households/{household.pk}/ledgers/abc", {"wage_income": "NaN"},
            content_type="application/json")
        assert response.status_code == 422
        assert response.json() == unprocessable(
            ("year", "路径参数「year」应为整数。"),
            ("wage_income", "请求体「wage_income」应为有限的数字。"),
        )

    def test_is_422_in_chinese_when_the_household_id_is_not_a_number(self, household,
                                                                     api_client_for):
        response = api_client_for("village_monitor").get("/api/v1/households/abc")
        assert response.status_code == 422
        assert response.json() == unprocessable(
            ("household_id", "路径参数「household_id」应为整数。"))


class NinjaHttpErrorTests:
    def test_is_400_in_chinese_when_the_body_is_not_json(self, household, api_client_for):
        response = api_client_for("village_monitor").post(
            f"/api/v1/households/{household.pk}/members", "{not json",
            content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "请求体无法解析：应为有效的 JSON。"}

    def test_is_403_in_chinese_when_a_browser_session_writes_without_the_csrf_token(
            self, household):
        client = Client(enforce_csrf_checks=True)
        assert client.login(username="village_monitor", password=PASSWORD)
        response = client.patch(f"/api/v1/households/{household.pk}", {"version": 1},
                                content_type="application/json")
        assert response.status_code == 403
        assert response.json() == {"detail": "安全校验（CSRF）未通过：请刷新页面后重试。"}

    @pytest.mark.parametrize("exc,status,body", [
        (Http404("No Household matches the given query."), 404,
         {"detail": "未找到该对象，或您无权查看。"}),
        (Throttled(wait=30), 429, {"detail": "请求过于频繁，请稍后再试。"}),
        (HttpError(418, "I'm a teapot"), 418, {"detail": "请求失败（HTTP 418）。"}),
        (HttpError(400, "该批次已处理。"), 400, {"detail": "该批次已处理。"}),
    ])
    def test_answers_in_chinese_when_ninja_raises_its_own_english_error(self, exc, status,
                                                                       body):
        response = api.on_exception(RequestFactory().get("/api/v1/x"), exc)
        assert (response.status_code, json.loads(response.content)) == (status, body)

    def test_tells_when_to_retry_when_throttled(self):
        response = api.on_exception(RequestFactory().get("/api/v1/x"), Throttled(wait=30))
        assert response["Retry-After"] == "30"


class ValidationMessageTests:
    @pytest.mark.parametrize("error,expected", [
        ({"type": "less_than_equal", "loc": ("query", "limit"), "ctx": {"le": 500}},
         ("limit", "查询参数「limit」应不大于 500。")),
        ({"type": "less_than_equal", "loc": ("query", "limit")},
         ("limit", "查询参数「limit」取值无效。")),
        ({"type": "string_too_long", "loc": ("body", "payload", "name"),
          "ctx": {"max_length": 64}}, ("name", "请求体「name」最长 64 个字。")),
        ({"type": "model_attributes_type", "loc": ("body", "payload")},
         ("payload", "请求体应为 JSON 对象。")),
        ({"type": "something_new", "loc": ("body", "payload", "members", 0, "name")},
         ("members.0.name", "请求体「members.0.name」取值无效。")),
    ])
    def test_says_what_is_wrong_in_chinese_for_each_kind_of_pydantic_error(self, error,
                                                                          expected):
        from minsheng.api import _validation_message

        assert _validation_message(error) == expected
