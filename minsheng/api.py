"""The REST API at /api/v1/: one NinjaAPI, each app adds its router; errors mapped once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from minsheng.core.api import TokenAuth
from minsheng.core.api import router as core_router
from minsheng.core.errors import (
    Conflict,
    InvalidInput,
    MinshengError,
    NotFound,
    PermissionDenied,
)
from minsheng.regions.api import router as regions_router
from minsheng.registry.api import members_router
from minsheng.registry.api import router as households_router
from minsheng.registry.validation import RegistryInvalid

api = NinjaAPI(
    title="民生 API",
    version="1",
    description="民生平台接口。认证：会话（浏览器登录后）或 `Authorization: Bearer <令牌>`；"
    "令牌由 `minsheng token create 账号` 生成。所有查询均限定在账号的管辖范围内，"
    "范围外的对象一律返回 404。",
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


api.add_router("", core_router)
api.add_router("/regions", regions_router)
api.add_router("/households", households_router)
api.add_router("/members", members_router)
