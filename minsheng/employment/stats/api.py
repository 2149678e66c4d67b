"""API of the employment statistics: ``GET /api/v1/employment-stats`` (one month, a region's
children and total, every provider's metrics) and the 务工规模 targets
(``/api/v1/employment-targets``: list, read, create, correct, delete).

Out of scope → 404; writes without the permission → 403; bad input → 400; a stale ``version``
→ 409. Writes are audited by the services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.models import User
from minsheng.employment.rules import month_of, parse_month
from minsheng.employment.stats import selectors, services

stats_router = Router(tags=["就业帮扶统计"])
targets_router = Router(tags=["务工规模目标"])
MAX_LIMIT = 500


class ErrorOut(Schema):
    detail: str


class MetricOut(Schema):
    key: str
    label: str
    unit: str


class StatsRowOut(Schema):
    region_code: str
    region_name: str
    level: int
    values: dict[str, int | Decimal | None]


class StatsOut(Schema):
    month: str
    region_code: str
    region_name: str
    metrics: list[MetricOut]
    rows: list[StatsRowOut]
    total: StatsRowOut


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _row(region: Any, values: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    return {"region_code": region.code, "region_name": region.name, "level": region.level,
            "values": {k: values.get(k) for k in keys}}


@stats_router.get("", response={200: StatsOut, 400: ErrorOut, 404: ErrorOut},
                  summary="某月的就业帮扶统计：所选区划的各下级区划及合计（默认本人管辖区划）")
def stats_api(request: HttpRequest, region: str = "", month: str = "") -> dict[str, Any]:
    actor = _actor(request)
    month = parse_month(month) if month else month_of(timezone.localdate())
    table = selectors.stats_table(actor=actor, month=month, code=region)
    keys = [m.key for m in table.metrics]
    return {"month": month, "region_code": table.region.code, "region_name": table.region.name,
            "metrics": [{"key": m.key, "label": m.label, "unit": m.unit} for m in table.metrics],
            "rows": [_row(r.region, r.values, keys) for r in table.rows],
            "total": _row(table.region, table.total, keys)}


# --- Targets --------------------------------------------------------------------------------

class TargetOut(Schema):
    id: int
    region_code: str
    region_name: str
    year: int
    month: int
    month_label: str
    target: int
    reference: str
    note: str
    version: int


class TargetPageOut(Schema):
    count: int
    items: list[TargetOut]


class TargetFields(Schema):
    target: int
    reference: str = ""
    note: str = ""


class TargetIn(TargetFields):
    region: str
    year: int
    month: int = 0


class TargetUpdateIn(TargetFields):
    version: int


class VersionIn(Schema):
    version: int


@targets_router.get("", response={200: TargetPageOut, 400: ErrorOut, 404: ErrorOut},
                    summary="务工规模目标列表（本人管辖范围内）")
def target_list_api(request: HttpRequest, year: int | None = None, region: str = "",
                    limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    if not actor.has_perm(selectors.TARGET_VIEW):
        raise NotFound()
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"每页条数 limit 应为 1～{MAX_LIMIT}，起始位置 offset 不能为负数。")
    qs = selectors.target_list(actor=actor, year=year, within=region)
    count = qs.count()
    items = list(qs[offset:offset + limit]) if count > offset else []
    return {"count": count, "items": [selectors.target_row(t) for t in items]}


@targets_router.get("/{target_id}", response={200: TargetOut, 404: ErrorOut},
                    summary="一条务工规模目标")
def target_detail_api(request: HttpRequest, target_id: int) -> dict[str, Any]:
    return selectors.target_row(selectors.target_get(actor=_actor(request), pk=target_id))


@targets_router.post("", response={201: TargetOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                   409: ErrorOut},
                     summary="录入务工规模目标（month 为 0 表示全年）")
def target_create_api(request: HttpRequest, payload: TargetIn) -> Status:
    data = payload.dict()
    target = services.target_create(actor=_actor(request), region_code=data.pop("region"),
                                    data=data)
    return Status(201, selectors.target_row(target))


@targets_router.put("/{target_id}", response={200: TargetOut, 400: ErrorOut, 403: ErrorOut,
                                              404: ErrorOut, 409: ErrorOut},
                    summary="更正目标人数、依据文件或备注（version：读取时的版本）")
def target_update_api(request: HttpRequest, target_id: int,
                      payload: TargetUpdateIn) -> dict[str, Any]:
    data = payload.dict()
    version = data.pop("version")
    target = services.target_update(actor=_actor(request), target_id=target_id, data=data,
                                    version=version)
    return selectors.target_row(target)


@targets_router.delete("/{target_id}", response={204: None, 400: ErrorOut, 403: ErrorOut,
                                                 404: ErrorOut, 409: ErrorOut},
                       summary="删除一条务工规模目标（请求体带 version）")
def target_delete_api(request: HttpRequest, target_id: int, payload: VersionIn) -> Status:
    services.target_delete(actor=_actor(request), target_id=target_id, version=payload.version)
    return Status(204, None)
