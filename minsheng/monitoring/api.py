"""API: risk screening and policy simulation (风险筛查接口).

``POST /screenings`` runs the screening (or, with ``what_if``, a simulation) in the request and
answers with the run and its counts: a county screens in seconds, and a client gets one
consistent answer instead of polling. The web page runs screenings as a background task.
Scope as everywhere: a region or run outside the caller's scope is 404; a role that may see
signals but not run a screening gets 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from minsheng.core.errors import NotFound
from minsheng.core.models import User
from minsheng.monitoring import selectors, services
from minsheng.monitoring.models import ScreeningRun
from minsheng.registry.schemas import ErrorOut

router = Router(tags=["风险筛查"])
household_router = Router(tags=["风险筛查"])


class ScreeningIn(Schema):
    region: str = Field("", description="筛查的区划代码（2/4/6/9/12 位）；留空为账号唯一的管辖区划")
    on: dt.date | None = Field(None, description="判定日期，默认今天")
    dry_run: bool = Field(False, description="试运行：只统计，不写入信号")
    what_if: dict[str, str] = Field(
        default_factory=dict,
        description="政策模拟：参数名 → 模拟取值（如 {\"monitoring.range\": \"9000\"}）；"
                    "给出时只测算，不写入信号")


class TownshipChangeOut(Schema):
    township: str
    township_name: str
    reason_code: str | None = None
    baseline_households: int
    baseline_people: int
    what_if_households: int
    what_if_people: int
    entering_households: int
    entering_people: int
    leaving_households: int
    leaving_people: int


class ScreeningOut(Schema):
    id: int
    kind: str = Field(description="screening 风险筛查 / simulation 政策模拟测算")
    region: str
    region_name: str
    on: dt.date
    dry_run: bool
    status: str
    status_display: str
    message: str
    evaluated: int = Field(description="参与筛查户数")
    flagged: int = Field(description="存在风险或无法判定的户数")
    new_count: int = Field(description="新增信号（模拟：新纳入户数）")
    still_open: int = Field(description="仍存在的信号")
    resolved: int = Field(description="已由数据消除的信号（模拟：退出户数）")
    duration_ms: int
    overrides: dict[str, Any]
    townships: list[TownshipChangeOut] = Field(default_factory=list, description="模拟：按乡镇")
    reasons: list[TownshipChangeOut] = Field(default_factory=list,
                                             description="模拟：按乡镇和风险原因")


class RiskOut(Schema):
    id: int
    rule_id: str
    rule_version: int
    reason_code: str
    reason: str = Field(description="风险原因")
    outcome: str = Field(description="risk 存在风险 / unknown 无法判定")
    status: str
    status_display: str
    explanation: str = Field(description="中文说明（含测算值、标准值和政策依据）")
    measured: str | None
    threshold: str | None
    people: int
    on: dt.date
    first_run: int
    resolved_run: int | None
    resolved_on: dt.date | None
    created_at: dt.datetime


def _actor(request: HttpRequest) -> User:
    return cast(User, request.auth if isinstance(request.auth, User) else request.user)


def _run_out(run: ScreeningRun) -> dict[str, Any]:
    result = run.result or {}
    return {
        "id": run.pk, "kind": run.kind, "region": run.region_id, "region_name": run.region.name,
        "on": run.on, "dry_run": run.dry_run, "status": run.status,
        "status_display": run.get_status_display(), "message": run.message,
        "evaluated": run.evaluated, "flagged": run.flagged, "new_count": run.new_count,
        "still_open": run.still_open, "resolved": run.resolved, "duration_ms": run.duration_ms,
        "overrides": run.overrides, "townships": result.get("townships", []),
        "reasons": result.get("rows", []),
    }


@router.post("", response={201: ScreeningOut,
                           400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="运行风险筛查（或政策模拟测算）并返回批次和统计")
def screening_create_api(request: HttpRequest, payload: ScreeningIn) -> Status:
    actor = _actor(request)
    if not selectors.can_view_signals(actor):
        raise NotFound()
    on = payload.on or timezone.localdate()
    if payload.what_if:
        run = services.simulation_run(actor=actor, region_code=payload.region or None, on=on,
                                      what_if=payload.what_if)
    else:
        run = services.screening_run(actor=actor, region_code=payload.region or None, on=on,
                                     dry_run=payload.dry_run)
    return Status(201, _run_out(run))


@router.get("/{run_id}", response={200: ScreeningOut, 404: ErrorOut},
            summary="一次筛查或模拟测算的结果")
def screening_detail_api(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return _run_out(selectors.run_get(actor=_actor(request), pk=run_id))


@household_router.get("/{household_id}/risks", response={200: list[RiskOut], 404: ErrorOut},
                      summary="一户的风险信号（待核实在前）及中文说明")
def household_risks_api(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    _household, signals = selectors.household_signals(actor=_actor(request),
                                                      household_id=household_id)
    explain = selectors.Explainer()
    return [{
        "id": s.pk, "rule_id": s.rule_id, "rule_version": s.rule_version,
        "reason_code": s.reason_code, "reason": selectors.reason_label(s.reason_code),
        "outcome": s.outcome, "status": s.status, "status_display": s.get_status_display(),
        "explanation": explain(s), "measured": s.measured,
        "threshold": s.threshold, "people": s.people, "on": s.on, "first_run": s.first_run_id,
        "resolved_run": s.resolved_run_id, "resolved_on": s.resolved_on,
        "created_at": s.created_at,
    } for s in signals]


__all__ = ["household_router", "router"]
