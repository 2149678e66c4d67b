"""API: assistance plans (一户一策) and follow-up visits (事后跟踪).

Reads go through the selectors (out of scope → 404); phones are masked. Writes go through the
services: 403 without the permission, 400 for bad input, 409 for a stale ``version`` or a
second active plan / a second visit in a month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from minsheng.assistance import selectors, services
from minsheng.assistance.models import AssistancePlan, FollowUpVisit, PlanMeasure
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.models import User
from minsheng.employment.rules import parse_month
from minsheng.registry.selectors import household_get

plans_router = Router(tags=["帮扶计划（一户一策）"])
follow_ups_router = Router(tags=["跟踪走访（事后跟踪）"])

VIEW = "assistance.view_assistanceplan"
VISITS = "assistance.view_followupvisit"
MAX_LIMIT = 500


class ErrorOut(Schema):
    detail: str


class MeasureOut(Schema):
    id: int
    measure_type: str
    measure_type_name: str
    kind: str
    title: str
    start_date: dt.date
    end_date: dt.date | None
    continues_until: dt.date | None
    continues_after_elimination: bool
    amount: Decimal
    status: str
    status_label: str
    responsible_unit: str
    suggested_reason: str
    notes: str
    evidence: int
    version: int


class SuggestionOut(Schema):
    code: str
    name: str
    kind: str
    reason: str
    adopted: bool


class PlanOut(Schema):
    id: int
    household_id: int
    household_no: str
    head_name: str
    region_code: str
    status: str
    status_label: str
    responsible_name: str
    responsible_phone: str
    responsible_unit: str
    responsible_username: str
    goal: str
    case_id: int | None
    close_reason: str
    version: int


class PlanDetailOut(PlanOut):
    measures: list[MeasureOut]
    suggestions: list[SuggestionOut]
    continuing: list[MeasureOut]


class PlanPageOut(Schema):
    count: int
    items: list[PlanOut]


class PlanQuery(Schema):
    region: str = ""
    status: str = "active"
    mine: bool = False
    limit: int = 50
    offset: int = 0


class PlanIn(Schema):
    household_id: int
    responsible_name: str = ""
    responsible_phone: str = ""
    responsible_unit: str = ""
    responsible_user: str = ""
    goal: str = ""
    case_id: int | None = None
    adopt_suggestions: bool = False


class PlanUpdateIn(Schema):
    version: int
    responsible_name: str | None = None
    responsible_phone: str | None = None
    responsible_unit: str | None = None
    responsible_user: str | None = None
    goal: str | None = None
    case_id: int | None = None


class CloseIn(Schema):
    version: int
    reason: str


class MeasureIn(Schema):
    measure_type: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    continues_until: dt.date | None = None
    amount: Decimal | None = None
    status: str = "planned"
    title: str = ""
    responsible_unit: str = ""
    notes: str = ""
    adopt: bool = False
    plan_version: int | None = None


class MeasureUpdateIn(Schema):
    version: int
    title: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    continues_until: dt.date | None = None
    amount: Decimal | None = None
    status: str | None = None
    responsible_unit: str | None = None
    notes: str | None = None


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _measure(m: PlanMeasure) -> dict[str, Any]:
    return {"id": m.pk, "measure_type": m.measure_type_id,
            "measure_type_name": m.measure_type.name, "kind": m.measure_type.kind,
            "title": m.title, "start_date": m.start_date, "end_date": m.end_date,
            "continues_until": m.continues_until,
            "continues_after_elimination": m.measure_type.continues_after_elimination,
            "amount": m.amount, "status": m.status, "status_label": m.get_status_display(),
            "responsible_unit": m.responsible_unit, "suggested_reason": m.suggested_reason,
            "notes": m.notes, "evidence": len(m.evidence.all()), "version": m.version}


def _plan(p: AssistancePlan) -> dict[str, Any]:
    return {"id": p.pk, "household_id": p.household_id,
            "household_no": p.household.household_no, "head_name": p.household.head_name,
            "region_code": p.region_id, "status": p.status, "status_label": p.get_status_display(),
            "responsible_name": p.responsible_name, "responsible_phone": p.masked_phone,
            "responsible_unit": p.responsible_unit,
            "responsible_username": p.responsible_user.username if p.responsible_user else "",
            "goal": p.goal, "case_id": p.case_id, "close_reason": p.close_reason,
            "version": p.version}


def _plan_detail(actor: User, plan: AssistancePlan) -> dict[str, Any]:
    today = timezone.localdate()
    return {**_plan(plan), "measures": [_measure(m) for m in selectors.plan_measures(plan=plan)],
            "suggestions": [{"code": s.code, "name": s.name, "kind": s.kind_label,
                             "reason": s.reason, "adopted": s.adopted}
                            for s in selectors.household_suggestions(
                                household=plan.household, on=today, plan=plan)],
            "continuing": [_measure(m) for m in selectors.continuing_measures(
                actor=actor, household=plan.household, on=today)]}


def _need(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise NotFound()


@plans_router.get("", response={200: PlanPageOut, 400: ErrorOut, 404: ErrorOut},
                  summary="帮扶计划列表（按区域、状态；mine=true 只看本人负责的）")
def plan_list_api(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, VIEW)
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(f"每页条数 limit 应为 1～{MAX_LIMIT}，实为「{query.limit}」。")
    if query.offset < 0:
        raise InvalidInput("offset 不能为负数。")
    qs = selectors.plan_list(actor=actor, region_code=query.region, status=query.status,
                             mine=query.mine).select_related("responsible_user")
    return {"count": qs.count(),
            "items": [_plan(p) for p in qs[query.offset:query.offset + query.limit]]}


@plans_router.post("", response={201: PlanDetailOut, 400: ErrorOut, 403: ErrorOut,
                                 404: ErrorOut, 409: ErrorOut},
                   summary="为一户制定帮扶计划（每户只能有一个执行中的计划）")
def plan_create_api(request: HttpRequest, payload: PlanIn) -> Status:
    actor = _actor(request)
    household = household_get(actor=actor, pk=payload.household_id)
    data = payload.dict()
    data.pop("household_id")
    plan = services.plan_create(actor=actor, household=household, **data)
    return Status(201, _plan_detail(actor, selectors.plan_get(actor=actor, pk=plan.pk)))


@plans_router.get("/{plan_id}", response={200: PlanDetailOut, 404: ErrorOut},
                  summary="一份帮扶计划：措施、系统建议、风险消除后延续的措施")
def plan_detail_api(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return _plan_detail(actor, selectors.plan_get(actor=actor, pk=plan_id))


@plans_router.patch("/{plan_id}", response={200: PlanDetailOut, 400: ErrorOut, 403: ErrorOut,
                                            404: ErrorOut, 409: ErrorOut},
                    summary="调整帮扶责任人、帮扶目标（需带版本号）")
def plan_update_api(request: HttpRequest, plan_id: int,
                    payload: PlanUpdateIn) -> dict[str, Any]:
    actor = _actor(request)
    plan = selectors.plan_get(actor=actor, pk=plan_id)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version")
    services.plan_update(actor=actor, plan=plan, version=version, **fields)
    return _plan_detail(actor, selectors.plan_get(actor=actor, pk=plan_id))


@plans_router.post("/{plan_id}/close", response={200: PlanDetailOut, 400: ErrorOut,
                                                 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
                   summary="关闭帮扶计划（风险消除后延续的措施保留）")
def plan_close_api(request: HttpRequest, plan_id: int, payload: CloseIn) -> dict[str, Any]:
    actor = _actor(request)
    plan = selectors.plan_get(actor=actor, pk=plan_id)
    services.plan_close(actor=actor, plan=plan, version=payload.version, reason=payload.reason)
    return _plan_detail(actor, selectors.plan_get(actor=actor, pk=plan_id))


@plans_router.post("/{plan_id}/measures", response={201: MeasureOut, 400: ErrorOut,
                                                    403: ErrorOut, 404: ErrorOut,
                                                    409: ErrorOut},
                   summary="新增帮扶措施；adopt=true 采纳同类型的系统建议")
def measure_add_api(request: HttpRequest, plan_id: int,
                    payload: MeasureIn) -> Status:
    actor = _actor(request)
    plan = selectors.plan_get(actor=actor, pk=plan_id)
    data = payload.dict()
    adopt, plan_version = data.pop("adopt"), data.pop("plan_version")
    if data["start_date"] is None:
        data["start_date"] = timezone.localdate()
    measure = services.measure_add(actor=actor, plan=plan, adopt=adopt,
                                   plan_version=plan_version, **data)
    return Status(201, _measure(selectors.measure_get(actor=actor, pk=measure.pk)))


@plans_router.patch("/measures/{measure_id}", response={200: MeasureOut, 400: ErrorOut,
                                                        403: ErrorOut, 404: ErrorOut,
                                                        409: ErrorOut},
                    summary="更新帮扶措施：期限、金额、状态（只能向前）等（需带版本号）")
def measure_update_api(request: HttpRequest, measure_id: int,
                       payload: MeasureUpdateIn) -> dict[str, Any]:
    actor = _actor(request)
    measure = selectors.measure_get(actor=actor, pk=measure_id)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version")
    services.measure_update(actor=actor, measure=measure, version=version, **fields)
    return _measure(selectors.measure_get(actor=actor, pk=measure_id))


# --- Follow-up visits -----------------------------------------------------------------------

class ProgressIn(Schema):
    measure: int
    status: str = ""
    note: str = ""


class VisitIn(Schema):
    household_id: int
    month: str
    visit_date: dt.date
    income_change: str
    cadre_name: str = ""
    income_note: str = ""
    education_ok: bool | None = None
    medical_ok: bool | None = None
    housing_ok: bool | None = None
    water_ok: bool | None = None
    measures_progress: list[ProgressIn] = []
    problems: str = ""
    next_steps: str = ""


class VisitOut(Schema):
    id: int
    household_id: int
    region_code: str
    month: str
    visit_date: dt.date
    cadre_name: str
    income_change: str
    income_note: str
    education_ok: bool | None
    medical_ok: bool | None
    housing_ok: bool | None
    water_ok: bool | None
    measures_progress: list[dict[str, Any]]
    problems: str
    next_steps: str


class VisitPageOut(Schema):
    count: int
    items: list[VisitOut]


class VisitQuery(Schema):
    month: str = ""
    region: str = ""
    household_id: int | None = None
    limit: int = 50
    offset: int = 0


class DueOut(Schema):
    plan_id: int
    household_id: int
    household_no: str
    head_name: str
    region_code: str
    township_code: str
    responsible_name: str
    responsible_username: str
    last_visit_month: str


class DueQuery(Schema):
    month: str = ""
    region: str = ""
    mine: bool = False


def _visit(v: FollowUpVisit) -> dict[str, Any]:
    return {"id": v.pk, "household_id": v.household_id, "region_code": v.region_id,
            "month": v.month, "visit_date": v.visit_date, "cadre_name": v.cadre_name,
            "income_change": v.income_change, "income_note": v.income_note,
            "education_ok": v.education_ok, "medical_ok": v.medical_ok,
            "housing_ok": v.housing_ok, "water_ok": v.water_ok,
            "measures_progress": v.measures_progress, "problems": v.problems,
            "next_steps": v.next_steps}


@follow_ups_router.get("", response={200: VisitPageOut, 400: ErrorOut, 404: ErrorOut},
                       summary="跟踪走访记录（按月份、区域、农户）")
def visit_list_api(request: HttpRequest, query: Query[VisitQuery]) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, VISITS)
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(f"每页条数 limit 应为 1～{MAX_LIMIT}，实为「{query.limit}」。")
    household = (household_get(actor=actor, pk=query.household_id)
                 if query.household_id is not None else None)
    qs = selectors.visit_list(actor=actor, household=household, month=query.month,
                              region_code=query.region)
    return {"count": qs.count(),
            "items": [_visit(v) for v in qs[max(query.offset, 0):
                                            max(query.offset, 0) + query.limit]]}


@follow_ups_router.get("/due", response={200: list[DueOut], 400: ErrorOut, 404: ErrorOut},
                       summary="待走访名单：有执行中帮扶计划、本期尚未走访的农户")
def due_api(request: HttpRequest, query: Query[DueQuery]) -> list[dict[str, Any]]:
    actor = _actor(request)
    _need(actor, VIEW)
    today = timezone.localdate()
    month = parse_month(query.month or f"{today:%Y-%m}")
    rows = selectors.due_list(actor=actor, month=month, region_code=query.region,
                              mine=query.mine, on=today)
    return [{"plan_id": r.plan.pk, "household_id": r.plan.household_id,
             "household_no": r.plan.household.household_no,
             "head_name": r.plan.household.head_name, "region_code": r.plan.region_id,
             "township_code": r.plan.region_id[:9].ljust(12, "0"),
             "responsible_name": r.plan.responsible_name,
             "responsible_username": (r.plan.responsible_user.username
                                      if r.plan.responsible_user else ""),
             "last_visit_month": r.last_month} for r in rows]


@follow_ups_router.get("/prefill", response={200: dict[str, Any], 400: ErrorOut,
                                             404: ErrorOut},
                       summary="走访表预填内容（上次走访和台账）")
def prefill_api(request: HttpRequest, household_id: int, month: str = "") -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, services.VISIT)
    household = household_get(actor=actor, pk=household_id)
    today = timezone.localdate()
    data = selectors.visit_prefill(actor=actor, household=household,
                                   month=parse_month(month or f"{today:%Y-%m}"), on=today)
    previous = data.pop("previous")
    return {**data, "visit_date": data["visit_date"].isoformat(),
            "previous_month": previous.month if previous else ""}


@follow_ups_router.post("", response={201: VisitOut, 400: ErrorOut, 403: ErrorOut,
                                      404: ErrorOut, 409: ErrorOut},
                        summary="登记一次跟踪走访（每户每月一次）")
def visit_create_api(request: HttpRequest, payload: VisitIn) -> Status:
    actor = _actor(request)
    household = household_get(actor=actor, pk=payload.household_id)
    data = payload.dict()
    data.pop("household_id")
    visit = services.visit_record(actor=actor, household=household, **data)
    return Status(201, _visit(visit))


@follow_ups_router.get("/{visit_id}", response={200: VisitOut, 404: ErrorOut},
                       summary="一次跟踪走访")
def visit_detail_api(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    return _visit(selectors.visit_get(actor=_actor(request), pk=visit_id))
