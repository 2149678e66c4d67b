"""The REST API at /api/v1/: one NinjaAPI, each app adds its router; errors mapped once.

Every error body is Chinese, including the ones django-ninja produces itself: 401 (not
signed in), 405 (method not allowed), 422 (a parameter of the wrong type, listed per field in
the same shape as a 400's field errors) and its English 400/403/404/429 texts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import django_auth

from minsheng.assistance.api import follow_ups_router, plans_router
from minsheng.core.api import TokenAuth
from minsheng.core.api import router as core_router
from minsheng.core.errors import (
    Conflict,
    InvalidInput,
    MinshengError,
    NotFound,
    PermissionDenied,
)
from minsheng.departments.api import router as department_leads_router
from minsheng.departments.api import uploads_router as department_uploads_router
from minsheng.employment.api import enterprises_router, labour_router, workshops_router
from minsheng.employment.job_api import fairs_router, jobs_router, notices_router
from minsheng.employment.publicposts.api import appointments_router as post_appointments_router
from minsheng.employment.publicposts.api import posts_router as public_posts_router
from minsheng.employment.stats.api import stats_router as employment_stats_router
from minsheng.employment.stats.api import targets_router as employment_targets_router
from minsheng.employment.training.api import courses_router as training_courses_router
from minsheng.employment.training.api import demands_router as training_demands_router
from minsheng.employment.training.api import enrolments_router as training_enrolments_router
from minsheng.monitoring.api import household_router as household_risks_router
from minsheng.monitoring.api import router as screenings_router
from minsheng.monitoring.case_api import cases_router, declarations_router, leads_router
from minsheng.policy.api import parameters_router, proposals_router
from minsheng.regions.api import router as regions_router
from minsheng.registry.api import members_router
from minsheng.registry.api import router as households_router
from minsheng.registry.validation import RegistryInvalid

NOT_SIGNED_IN = ("未登录或登录已失效：请先登录，或在请求头中带上有效的令牌"
                 "（Authorization: Bearer <令牌>）。")
# django-ninja's own HttpError texts are English; ours are never raised as HttpError.
_HTTP_ERROR_TEXT = {
    400: "请求体无法解析：应为有效的 JSON。",
    401: NOT_SIGNED_IN,
    403: "安全校验（CSRF）未通过：请刷新页面后重试。",
    404: NotFound.default_message,
    429: "请求过于频繁，请稍后再试。",
}
# Pydantic error types → what is wrong with the value, in Chinese.
_VALIDATION_TEXT = {
    "missing": "为必填项",
    "int_parsing": "应为整数", "int_type": "应为整数", "int_from_float": "应为整数",
    "int_parsing_size": "超出整数范围",
    "float_parsing": "应为数字", "float_type": "应为数字",
    "decimal_parsing": "应为数字", "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为文本", "string_unicode": "应为文本",
    "date_parsing": "应为日期（YYYY-MM-DD）", "date_type": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不带时间",
    "datetime_parsing": "应为日期时间", "datetime_type": "应为日期时间",
    "dict_type": "应为 JSON 对象", "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "json_invalid": "不是有效的 JSON",
    "enum": "不是可选值", "literal_error": "不是可选值",
}
_BOUND_TEXT = {"greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}",
               "less_than": "应小于 {lt}", "less_than_equal": "应不大于 {le}",
               "string_too_long": "最长 {max_length} 个字",
               "string_too_short": "至少 {min_length} 个字",
               "too_long": "最多 {max_length} 项", "too_short": "至少 {min_length} 项"}
_LOCATION = {"body": "请求体", "query": "查询参数", "path": "路径参数", "form": "表单",
             "header": "请求头", "cookie": "Cookie"}


def _chinese_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an endpoint view so that ninja's plain-text 405 becomes a Chinese JSON body
    (the ``Allow`` header kept)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = [m.strip() for m in response["Allow"].split(",") if m.strip()]
        chinese = api.create_response(request, {
            "detail": f"该地址不支持 {request.method} 方法，只支持：{'、'.join(sorted(allowed))}。",
        }, status=405)
        chinese["Allow"] = response["Allow"]
        return chinese

    return wrapper


class MinshengAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _chinese_not_allowed(pattern.callback)
        return patterns, app_name, namespace


api = MinshengAPI(
    title="民生 API",
    version="1",
    description="民生平台接口。认证：会话（浏览器登录后）或 `Authorization: Bearer <令牌>`；"
    "令牌由 `minsheng token create 账号` 生成。所有查询均限定在账号的管辖范围内，"
    "范围外的对象一律返回 404。错误一律以中文说明：`detail` 为说明，"
    "字段有误时（400、422）`errors` 逐字段列出。",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


def _error(request: HttpRequest, exc: MinshengError, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=status)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _error(request, exc, 404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, exc, 403)


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return _error(request, exc, 400)


@api.exception_handler(RegistryInvalid)
def _invalid_fields(request: HttpRequest, exc: RegistryInvalid) -> HttpResponse:
    return api.create_response(request, {
        "detail": exc.message,
        "errors": [{"field": field, "message": message} for field, message in exc.errors],
    }, status=400)


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return _error(request, exc, 409)


# --- django-ninja's own errors --------------------------------------------------------------

@api.exception_handler(AuthenticationError)
def _not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": NOT_SIGNED_IN}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = exc.message
    if message.isascii():
        message = _HTTP_ERROR_TEXT.get(exc.status_code, f"请求失败（HTTP {exc.status_code}）。")
    response = api.create_response(request, {"detail": message}, status=exc.status_code)
    if isinstance(exc, Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


@api.exception_handler(Http404)
def _http_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NotFound.default_message}, status=404)


def _validation_field(loc: tuple[Any, ...]) -> str:
    """``("body", "payload", "members", 0, "name")`` → ``members.0.name``: the parameter's
    place without its source and, for a body, without the view's argument name."""
    source, *rest = loc or ("",)
    if source == "body" and len(rest) > 1:
        rest = rest[1:]
    return ".".join(str(part) for part in rest) or str(source)


def _validation_message(error: dict[str, Any]) -> tuple[str, str]:
    loc = tuple(error.get("loc") or ())
    field = _validation_field(loc)
    kind = str(error.get("type", ""))
    try:
        text = _BOUND_TEXT[kind].format_map(error.get("ctx") or {})
    except KeyError:  # not a bound, or a bound without its limit in ctx
        text = _VALIDATION_TEXT.get(kind, "取值无效")
    if loc[:1] == ("body",) and len(loc) <= 2:
        return field, f"{_LOCATION['body']}{text}。"
    where = _LOCATION.get(str(loc[0]), "") if loc else ""
    return field, f"{where}「{field}」{text}。"


@api.exception_handler(ValidationError)
def _unprocessable(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_validation_message(error) for error in exc.errors]
    return api.create_response(request, {
        "detail": "；".join(message for _field, message in errors) or "请求参数有误。",
        "errors": [{"field": field, "message": message} for field, message in errors],
    }, status=422)


api.add_router("", core_router)
api.add_router("/regions", regions_router)
api.add_router("/households", households_router)
api.add_router("/members", members_router)
api.add_router("/parameters", parameters_router)
api.add_router("/parameter-proposals", proposals_router)
# Screening: /screenings, and /households/{id}/risks beside the registry's household routes.
api.add_router("/screenings", screenings_router)
api.add_router("/households", household_risks_router)
api.add_router("/department-leads", department_leads_router)
api.add_router("/department-uploads", department_uploads_router)
api.add_router("/labour", labour_router)
api.add_router("/enterprises", enterprises_router)
api.add_router("/workshops", workshops_router)
api.add_router("/jobs", jobs_router)
api.add_router("/placement-notices", notices_router)
api.add_router("/job-fairs", fairs_router)
api.add_router("/employment-stats", employment_stats_router)
api.add_router("/employment-targets", employment_targets_router)
api.add_router("/training-demands", training_demands_router)
api.add_router("/training-courses", training_courses_router)
api.add_router("/training-enrolments", training_enrolments_router)
api.add_router("/public-posts", public_posts_router)
api.add_router("/public-post-appointments", post_appointments_router)
api.add_router("/assistance-plans", plans_router)
api.add_router("/follow-ups", follow_ups_router)
api.add_router("/cases", cases_router)
api.add_router("/case-leads", leads_router)
api.add_router("/declarations", declarations_router)
