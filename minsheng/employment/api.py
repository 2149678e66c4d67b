"""API of employment assistance (就业帮扶接口): ``/api/v1/labour/…``, ``/api/v1/enterprises``,
``/api/v1/workshops``.

Reads go through the selectors (out of scope → 404); ID numbers and phones are always masked.
Writes go through the services: 400 for bad input, 403 without the permission, 404 out of scope,
409 for a stale ``version`` (the version read; 0 for a month or profile not yet recorded).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.masking import mask_id_number
from minsheng.core.models import User
from minsheng.employment import selectors, services
from minsheng.employment.rules import month_of, parse_month

labour_router = Router(tags=["劳动力台账"])
enterprises_router = Router(tags=["用工企业"])
workshops_router = Router(tags=["就业帮扶车间"])

MAX_LIMIT = 500


class ErrorOut(Schema):
    detail: str


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"每页条数 limit 应为 1～{MAX_LIMIT}，实为「{limit}」。")
    if offset < 0:
        raise InvalidInput(f"起始位置 offset 不能为负数，实为「{offset}」。")


def _need(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise NotFound()


# --- Labour ledger --------------------------------------------------------------------------

class StatusOut(Schema):
    id: int
    month: str
    status: str
    status_label: str
    work_area: str
    employer_name: str
    work_months: int
    monthly_income: Decimal | None
    unemployed_reason: str
    note: str
    unchanged: bool
    version: int


class LabourMemberOut(Schema):
    member_id: int
    name: str
    id_number: str
    gender: str
    birth_date: dt.date
    labour_capacity: str
    household_no: str
    region_code: str
    region_name: str
    status: StatusOut | None


class LabourPageOut(Schema):
    month: str
    count: int
    items: list[LabourMemberOut]


class ProfileOut(Schema):
    skills: str = ""
    certificates: str = ""
    intended_trade: str = ""
    intended_place: str = ""
    max_distance_km: int | None = None
    training_wishes: str = ""
    version: int = 0


class LabourDetailOut(LabourMemberOut):
    profile: ProfileOut
    history: list[StatusOut]


class LabourQuery(Schema):
    month: str = ""
    region: str = ""
    q: str = ""
    limit: int = 50
    offset: int = 0


class StatusIn(Schema):
    status: str
    work_area: str = ""
    employer_name: str = ""
    work_months: int = 0
    monthly_income: Decimal | None = None
    unemployed_reason: str = ""
    note: str = ""
    version: int


class VersionIn(Schema):
    version: int


class ProfileIn(Schema):
    skills: str = ""
    certificates: str = ""
    intended_trade: str = ""
    intended_place: str = ""
    max_distance_km: int | None = None
    training_wishes: str = ""
    version: int


class CoverageRowOut(Schema):
    region_code: str
    region_name: str
    households: int
    covered: int
    share: Decimal | None
    labour: int
    employed: int
    recorded: int


class CoverageOut(Schema):
    month: str
    rows: list[CoverageRowOut]
    total: CoverageRowOut


def _status(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"id": s.pk, "month": s.month, "status": s.status,
            "status_label": s.get_status_display(), "work_area": s.work_area,
            "employer_name": s.employer_name, "work_months": s.work_months,
            "monthly_income": s.monthly_income, "unemployed_reason": s.unemployed_reason,
            "note": s.note, "unchanged": s.unchanged, "version": s.version}


def _member(m: Any, status: Any) -> dict[str, Any]:
    return {"member_id": m.pk, "name": m.name, "id_number": mask_id_number(m.id_number),
            "gender": m.gender, "birth_date": m.birth_date, "labour_capacity": m.labour_capacity,
            "household_no": m.household.household_no, "region_code": m.household.region_id,
            "region_name": m.household.region.name, "status": _status(status)}


def _month_arg(month: str) -> str:
    return parse_month(month) if month else month_of(timezone.localdate())


def _labour_detail(member: Any, month: str) -> dict[str, Any]:
    profile = selectors.profile_get(member=member)
    return {**_member(member, selectors.status_get(member=member, month=month)),
            "profile": ({k: getattr(profile, k) for k in services.PROFILE_FIELDS}
                        | {"version": profile.version}) if profile else {},
            "history": [_status(s) for s in selectors.status_history(member=member)]}


@labour_router.get("/members", response={200: LabourPageOut, 400: ErrorOut, 404: ErrorOut},
                   summary="某月的劳动力名单及其就业状态（身份证号脱敏）")
def labour_list_api(request: HttpRequest, query: Query[LabourQuery]) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, selectors.LEDGER_VIEW)
    _page(query.limit, query.offset)
    month = _month_arg(query.month)
    region = query.region.ljust(12, "0") if query.region else ""
    qs = selectors.labour_force_list(actor=actor, month=month, within=region, search=query.q)
    count = qs.count()
    members = list(qs[query.offset:query.offset + query.limit]) if count > query.offset else []
    statuses = selectors.statuses_for([m.pk for m in members], [month])
    return {"month": month, "count": count,
            "items": [_member(m, statuses.get((m.pk, month))) for m in members]}


@labour_router.get("/members/{member_id}", response={200: LabourDetailOut, 404: ErrorOut},
                   summary="一名劳动力：本月状态、近 12 个月记录、技能与意愿")
def labour_detail_api(request: HttpRequest, member_id: int, month: str = "") -> dict[str, Any]:
    member = selectors.labour_member_get(actor=_actor(request), pk=member_id)
    return _labour_detail(member, _month_arg(month))


@labour_router.put("/members/{member_id}/statuses/{month}",
                   response={200: LabourDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                             409: ErrorOut},
                   summary="填报或修改某月就业状态（version：读取时的版本，该月尚无记录时为 0）")
def labour_status_put_api(request: HttpRequest, member_id: int, month: str,
                          payload: StatusIn) -> dict[str, Any]:
    actor = _actor(request)
    data = payload.dict()
    version = data.pop("version")
    status = services.labour_status_save(actor=actor, member_id=member_id, month=month,
                                         data=data, version=version)
    return _labour_detail(selectors.labour_member_get(actor=actor, pk=member_id), status.month)


@labour_router.post("/members/{member_id}/statuses/{month}/unchanged",
                    response={200: LabourDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                              409: ErrorOut},
                    summary="确认本月与上月相同（无变化）")
def labour_unchanged_api(request: HttpRequest, member_id: int, month: str,
                         payload: VersionIn) -> dict[str, Any]:
    actor = _actor(request)
    status = services.labour_status_confirm_unchanged(actor=actor, member_id=member_id,
                                                      month=month, version=payload.version)
    return _labour_detail(selectors.labour_member_get(actor=actor, pk=member_id), status.month)


@labour_router.put("/members/{member_id}/profile",
                   response={200: LabourDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                             409: ErrorOut},
                   summary="修改技能、证书、就业意愿和培训意愿")
def labour_profile_put_api(request: HttpRequest, member_id: int,
                           payload: ProfileIn) -> dict[str, Any]:
    actor = _actor(request)
    data = payload.dict()
    version = data.pop("version")
    services.labour_profile_save(actor=actor, member_id=member_id, data=data, version=version)
    member = selectors.labour_member_get(actor=actor, pk=member_id)
    return _labour_detail(member, month_of(timezone.localdate()))


def _coverage_row(r: Any) -> dict[str, Any]:
    return {"region_code": r.region_code, "region_name": r.region_name,
            "households": r.households, "covered": r.covered, "share": r.share,
            "labour": r.labour, "employed": r.employed, "recorded": r.recorded}


@labour_router.get("/coverage", response={200: CoverageOut, 400: ErrorOut, 404: ErrorOut},
                   summary="每户至少一人就业：按村统计有劳动力的户及其中至少一人务工的户")
def coverage_api(request: HttpRequest, month: str, region: str = "") -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, selectors.LEDGER_VIEW)
    result = selectors.coverage(actor=actor, month=parse_month(month),
                                within=region.ljust(12, "0") if region else "")
    return {"month": result.month, "rows": [_coverage_row(r) for r in result.rows],
            "total": _coverage_row(result.total)}


# --- Enterprises ----------------------------------------------------------------------------

class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    region_code: str
    region_name: str
    address: str
    lng: str | None
    lat: str | None
    sector: str
    sector_label: str
    contact_name: str
    contact_phone: str
    version: int


class EnterprisePageOut(Schema):
    count: int
    items: list[EnterpriseOut]


class EnterpriseFields(Schema):
    name: str
    address: str = ""
    lng: str | None = None
    lat: str | None = None
    sector: str = "other"
    contact_name: str = ""
    contact_phone: str = ""


class EnterpriseIn(EnterpriseFields):
    uscc: str
    region: str


class EnterpriseUpdateIn(EnterpriseFields):
    version: int


@enterprises_router.get("", response={200: EnterprisePageOut, 400: ErrorOut, 404: ErrorOut},
                        summary="用工企业列表（联系电话脱敏）")
def enterprise_list_api(request: HttpRequest, q: str = "", sector: str = "", limit: int = 50,
                        offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, "employment.view_enterprise")
    _page(limit, offset)
    qs = selectors.enterprise_list(actor=actor, filters=selectors.EnterpriseFilter(q=q,
                                                                                  sector=sector))
    count = qs.count()
    items = list(qs[offset:offset + limit]) if count > offset else []
    return {"count": count, "items": [selectors.enterprise_row(e) for e in items]}


@enterprises_router.get("/{enterprise_id}", response={200: EnterpriseOut, 404: ErrorOut},
                        summary="一家用工企业")
def enterprise_detail_api(request: HttpRequest, enterprise_id: int) -> dict[str, Any]:
    return selectors.enterprise_row(selectors.enterprise_get(actor=_actor(request),
                                                             pk=enterprise_id))


@enterprises_router.post("", response={201: EnterpriseOut, 400: ErrorOut, 403: ErrorOut,
                                       404: ErrorOut},
                         summary="登记用工企业（统一社会信用代码校验）")
def enterprise_create_api(request: HttpRequest, payload: EnterpriseIn) -> Status:
    data = payload.dict()
    enterprise = services.enterprise_create(actor=_actor(request), uscc=data.pop("uscc"),
                                            region_code=data.pop("region"), data=data)
    return Status(201, selectors.enterprise_row(enterprise))


@enterprises_router.put("/{enterprise_id}",
                        response={200: EnterpriseOut, 400: ErrorOut, 403: ErrorOut,
                                  404: ErrorOut, 409: ErrorOut},
                        summary="修改用工企业（须带读取时的版本号）")
def enterprise_update_api(request: HttpRequest, enterprise_id: int,
                          payload: EnterpriseUpdateIn) -> dict[str, Any]:
    data = payload.dict()
    version = data.pop("version")
    enterprise = services.enterprise_update(actor=_actor(request), enterprise_id=enterprise_id,
                                            data=data, version=version)
    return selectors.enterprise_row(enterprise)


# --- Workshops ------------------------------------------------------------------------------

class WorkerOut(Schema):
    id: int
    name: str
    id_number: str
    member_id: int | None
    category: str
    category_label: str
    contract_start: str
    contract_months: int
    left_on: str | None
    version: int


class SubsidyOut(Schema):
    id: int
    kind: str
    kind_label: str
    amount: Decimal
    granted_on: dt.date
    note: str


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    on: dt.date
    reason: str
    actor: str


class WorkshopOut(Schema):
    id: int
    name: str
    enterprise_id: int
    enterprise_name: str
    region_code: str
    region_name: str
    workshop_type: str
    workshop_type_label: str
    address: str
    headcount: int
    status: str
    status_label: str
    status_since: str | None
    recognized: bool
    recognized_on: str | None
    lifted_workers: int | None
    version: int


class WorkshopPageOut(Schema):
    count: int
    items: list[WorkshopOut]


class WorkshopDetailOut(WorkshopOut):
    workers: list[WorkerOut]
    subsidies: list[SubsidyOut]
    subsidy_total: Decimal
    status_history: list[StatusChangeOut]
    recognition: dict[str, Any]


class WorkshopFields(Schema):
    name: str
    workshop_type: str
    address: str = ""
    headcount: int = 0


class WorkshopIn(WorkshopFields):
    enterprise_id: int
    region: str


class WorkshopUpdateIn(WorkshopFields):
    version: int


class WorkshopStatusIn(Schema):
    to: str
    on: dt.date
    reason: str = ""
    version: int


class WorkerIn(Schema):
    name: str
    id_number: str
    category: str
    contract_start: dt.date
    contract_months: int


class SubsidyIn(Schema):
    kind: str
    amount: Decimal
    granted_on: dt.date
    note: str = ""


def _workshop_detail(workshop: Any) -> dict[str, Any]:
    subsidies, totals = selectors.workshop_subsidies(workshop=workshop)
    return {**selectors.workshop_row(workshop),
            "workers": [selectors.worker_row(w)
                        for w in selectors.workshop_workers(workshop=workshop)],
            "subsidies": [{"id": s.pk, "kind": s.kind, "kind_label": s.get_kind_display(),
                           "amount": s.amount, "granted_on": s.granted_on, "note": s.note}
                          for s in subsidies],
            "subsidy_total": totals["total"],
            "status_history": [{"from_status": c.from_status, "to_status": c.to_status,
                                "on": c.on, "reason": c.reason, "actor": c.actor_name}
                               for c in selectors.workshop_status_history(workshop=workshop)],
            "recognition": workshop.recognition}


@workshops_router.get("", response={200: WorkshopPageOut, 400: ErrorOut, 404: ErrorOut},
                      summary="就业帮扶车间列表（按车间所在村限定范围）")
def workshop_list_api(request: HttpRequest, q: str = "", status: str = "",
                      recognized: bool | None = None, enterprise: int | None = None,
                      limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, "employment.view_workshop")
    _page(limit, offset)
    qs = selectors.workshop_list(actor=actor, filters=selectors.WorkshopFilter(
        q=q, status=status, recognized=recognized, enterprise=enterprise))
    count = qs.count()
    items = list(qs[offset:offset + limit]) if count > offset else []
    return {"count": count, "items": [selectors.workshop_row(w) for w in items]}


def _get(request: HttpRequest, workshop_id: int) -> Any:
    return selectors.workshop_get(actor=_actor(request), pk=workshop_id)


@workshops_router.get("/{workshop_id}", response={200: WorkshopDetailOut, 404: ErrorOut},
                      summary="一个车间：务工人员（身份证号脱敏）、补贴及合计、状态与复工记录")
def workshop_detail_api(request: HttpRequest, workshop_id: int) -> dict[str, Any]:
    return _workshop_detail(_get(request, workshop_id))


_WRITE = {200: WorkshopDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@workshops_router.post("", response={201: WorkshopDetailOut, 400: ErrorOut, 403: ErrorOut,
                                     404: ErrorOut},
                       summary="登记就业帮扶车间")
def workshop_create_api(request: HttpRequest, payload: WorkshopIn) -> Status:
    data = payload.dict()
    workshop = services.workshop_create(actor=_actor(request),
                                        enterprise_id=data.pop("enterprise_id"),
                                        region_code=data.pop("region"), data=data)
    return Status(201, _workshop_detail(_get(request, workshop.pk)))


@workshops_router.put("/{workshop_id}", response=_WRITE,
                      summary="修改车间（须带读取时的版本号）")
def workshop_update_api(request: HttpRequest, workshop_id: int,
                        payload: WorkshopUpdateIn) -> dict[str, Any]:
    data = payload.dict()
    version = data.pop("version")
    services.workshop_update(actor=_actor(request), workshop_id=workshop_id, data=data,
                             version=version)
    return _workshop_detail(_get(request, workshop_id))


@workshops_router.post("/{workshop_id}/status", response=_WRITE,
                       summary="登记停产、复工或恢复在产（带日期）")
def workshop_status_api(request: HttpRequest, workshop_id: int,
                        payload: WorkshopStatusIn) -> dict[str, Any]:
    services.workshop_status_change(actor=_actor(request), workshop_id=workshop_id,
                                    to=payload.to, on=payload.on, reason=payload.reason,
                                    version=payload.version)
    return _workshop_detail(_get(request, workshop_id))


@workshops_router.post("/{workshop_id}/workers", response=_WRITE, summary="登记务工人员")
def workshop_worker_api(request: HttpRequest, workshop_id: int,
                        payload: WorkerIn) -> dict[str, Any]:
    services.workshop_worker_add(actor=_actor(request), workshop_id=workshop_id,
                                 data=payload.dict())
    return _workshop_detail(_get(request, workshop_id))


@workshops_router.post("/{workshop_id}/subsidies", response=_WRITE, summary="登记补贴发放")
def workshop_subsidy_api(request: HttpRequest, workshop_id: int,
                         payload: SubsidyIn) -> dict[str, Any]:
    services.workshop_subsidy_add(actor=_actor(request), workshop_id=workshop_id,
                                  kind=payload.kind, amount=payload.amount,
                                  granted_on=payload.granted_on, note=payload.note)
    return _workshop_detail(_get(request, workshop_id))


@workshops_router.post("/{workshop_id}/recognition", response=_WRITE,
                       summary="认定为就业帮扶车间（按政策参数中的认定标准）")
def workshop_recognize_api(request: HttpRequest, workshop_id: int,
                           payload: VersionIn) -> dict[str, Any]:
    services.workshop_recognize(actor=_actor(request), workshop_id=workshop_id,
                                version=payload.version)
    return _workshop_detail(_get(request, workshop_id))
