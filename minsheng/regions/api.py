"""API: regions in the actor's scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from minsheng.regions.models import Region
from minsheng.regions.selectors import region_children, region_get, region_roots

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None
    child_count: int | None = None


class RegionFilter(Schema):
    parent: str | None = None


def _out(region: Region, child_count: int | None = None) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": region.get_level_display(),
        "parent_code": region.parent_id,
        "child_count": child_count,
    }


@router.get("", response=list[RegionOut], summary="下级区划；不带 parent 时为账号的管辖区域")
def region_list(request: HttpRequest, filters: Query[RegionFilter]) -> list[dict[str, Any]]:
    if filters.parent:
        parent = region_get(actor=request.user, code=filters.parent)
        return [_out(r) for r in region_children(actor=request.user, parent=parent)]
    return [_out(r) for r in region_roots(actor=request.user)]


@router.get("/{code}", response=RegionOut, summary="一个区划（范围外返回 404）")
def region_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    region = region_get(actor=request.user, code=code)
    return _out(region, region_children(actor=request.user, parent=region).count())
