"""API: authentication by bearer token and ``GET /me``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer

from minsheng.core.services import token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ms_…``: the token of an active, unlocked account."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


class RegionRef(Schema):
    code: str
    name: str
    level: int
    level_label: str


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    department: str
    department_label: str
    permissions: list[str]
    regions: list[RegionRef]


router = Router(tags=["账号"])


@router.get("/me", response=MeOut, summary="当前账号、角色与管辖区域")
def me(request: HttpRequest) -> dict[str, Any]:
    from minsheng.regions.selectors import account_regions

    user = request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": user.get_role_display(),
        "department": user.department,
        "department_label": user.get_department_display() if user.department else "",
        "permissions": sorted(user.get_all_permissions()),
        "regions": [
            {"code": r.code, "name": r.name, "level": r.level, "level_label": r.get_level_display()}
            for r in account_regions(user)
        ],
    }
