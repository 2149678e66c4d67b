"""API of training (职业技能培训接口): ``/api/v1/training-demands``, ``/api/v1/training-courses``,
``/api/v1/training-enrolments``.

Reads go through the selectors (out of scope → 404); ID numbers are masked. Writes go through
the services: 400 bad input, 403 without the permission (e.g. the auditor), 404 out of scope,
409 stale ``version`` or a full course.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status

from minsheng.core.models import User
from minsheng.employment.api import ErrorOut, _need, _page
from minsheng.employment.training import selectors, services

demands_router = Router(tags=["培训需求（点餐）"])
courses_router = Router(tags=["培训班"])
enrolments_router = Router(tags=["参训人员"])

_WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _region(code: str) -> str:
    return code.ljust(12, "0") if code else ""


# --- Demand ---------------------------------------------------------------------------------

class DemandOut(Schema):
    id: int
    region_code: str
    region_name: str
    year: int
    trade: str
    headcount: int
    named: int
    note: str
    version: int


class DemandIn(Schema):
    region: str
    year: int
    trade: str
    headcount: int
    member_ids: list[int] = []
    note: str = ""
    version: int = 0


class MenuRowOut(Schema):
    trade: str
    headcount: int
    villages: int
    courses: int
    places: int


class MenuOut(Schema):
    year: int
    rows: list[MenuRowOut]


def _demand(d: Any) -> dict[str, Any]:
    return {"id": d.pk, "region_code": d.region_id, "region_name": d.region.name,
            "year": d.year, "trade": d.trade, "headcount": d.headcount,
            "named": getattr(d, "named", None) or d.members.count(), "note": d.note,
            "version": d.version}


@demands_router.get("", response={200: list[DemandOut], 404: ErrorOut},
                    summary="各村培训需求（按年度）")
def demand_list_api(request: HttpRequest, year: int | None = None,
                    region: str = "") -> list[dict[str, Any]]:
    actor = _actor(request)
    _need(actor, selectors.DEMAND_VIEW)
    return [_demand(d) for d in selectors.demand_list(actor=actor, year=year,
                                                      within=_region(region))[:2000]]


@demands_router.get("/menu", response={200: MenuOut, 404: ErrorOut},
                    summary="点餐菜单：按工种汇总各村意向人数，及本年度已开培训班")
def demand_menu_api(request: HttpRequest, year: int, region: str = "") -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, selectors.DEMAND_VIEW)
    rows = selectors.demand_menu(actor=actor, year=year, within=_region(region))
    return {"year": year, "rows": [r.__dict__ for r in rows]}


@demands_router.put("", response={200: DemandOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                  409: ErrorOut},
                    summary="登记或修改一个村某年度某工种的培训需求（新登记 version 为 0）")
def demand_put_api(request: HttpRequest, payload: DemandIn) -> dict[str, Any]:
    demand = services.demand_save(actor=_actor(request), region_code=payload.region,
                                  year=payload.year, trade=payload.trade,
                                  headcount=payload.headcount, member_ids=payload.member_ids,
                                  note=payload.note, version=payload.version)
    return _demand(demand)


# --- Courses --------------------------------------------------------------------------------

class CourseOut(Schema):
    id: int
    region_code: str
    region_name: str
    name: str
    trade: str
    provider: str
    start_date: dt.date
    end_date: dt.date
    place: str
    capacity: int
    subsidy_per_trainee: Decimal
    status: str
    status_label: str
    enrolled: int | None
    completed: int | None
    version: int


class CoursePageOut(Schema):
    count: int
    items: list[CourseOut]


class EnrolmentOut(Schema):
    id: int
    course_id: int
    member_id: int
    name: str
    id_number: str
    region_code: str
    region_name: str
    status: str
    status_label: str
    attendance_days: int
    completed_on: dt.date | None
    certificate_type: str
    certificate_no: str
    check_3m_month: str | None
    employed_3m: bool | None
    source_3m: str
    check_6m_month: str | None
    employed_6m: bool | None
    source_6m: str
    note: str
    version: int


class CourseDetailOut(CourseOut):
    enrolments: list[EnrolmentOut]


class CourseFields(Schema):
    name: str
    trade: str
    provider: str
    start_date: dt.date
    end_date: dt.date
    place: str = ""
    capacity: int
    subsidy_per_trainee: Decimal = Decimal("0")
    status: str = "planned"


class CourseIn(CourseFields):
    region: str


class CourseUpdateIn(CourseFields):
    version: int


class EnrolIn(Schema):
    member_id: int


class ShareOut(Schema):
    key: str
    label: str
    provider: str
    completed: int
    checked_3m: int
    employed_3m: int
    employed_6m: int
    share: Decimal | None


class SharesOut(Schema):
    by_course: list[ShareOut]
    by_provider: list[ShareOut]
    total: ShareOut


def _share(r: Any) -> dict[str, Any]:
    return {"key": r.key, "label": r.label, "provider": r.provider, "completed": r.completed,
            "checked_3m": r.checked_3m, "employed_3m": r.employed_3m,
            "employed_6m": r.employed_6m, "share": r.share}


def _course_detail(request: HttpRequest, course_id: int) -> dict[str, Any]:
    actor = _actor(request)
    course = selectors.course_list(actor=actor).filter(pk=course_id).first()
    if course is None:
        course = selectors.course_get(actor=actor, pk=course_id)
    return {**selectors.course_row(course),
            "enrolments": [selectors.enrolment_row(e)
                           for e in selectors.enrolment_list(actor=actor, course=course)]}


@courses_router.get("", response={200: CoursePageOut, 400: ErrorOut, 404: ErrorOut},
                    summary="培训班列表（本县及下辖的培训班）")
def course_list_api(request: HttpRequest, q: str = "", status: str = "", trade: str = "",
                    limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, selectors.COURSE_VIEW)
    _page(limit, offset)
    qs = selectors.course_list(actor=actor, filters=selectors.CourseFilter(q=q, status=status,
                                                                          trade=trade))
    count = qs.count()
    items = list(qs[offset:offset + limit]) if count > offset else []
    return {"count": count, "items": [selectors.course_row(c) for c in items]}


@courses_router.get("/outcomes", response={200: SharesOut, 404: ErrorOut},
                    summary="培训后就业：按培训班、培训机构统计（结业 3 个月后就业 ÷ 结业人数）")
def outcomes_api(request: HttpRequest, region: str = "",
                 year: int | None = None) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, selectors.ENROLMENT_VIEW)
    shares = selectors.outcome_shares(actor=actor, within=_region(region), year=year)
    return {"by_course": [_share(r) for r in shares.by_course],
            "by_provider": [_share(r) for r in shares.by_provider],
            "total": _share(shares.total)}


@courses_router.get("/{course_id}", response={200: CourseDetailOut, 404: ErrorOut},
                    summary="一个培训班及其参训人员（身份证号脱敏）")
def course_detail_api(request: HttpRequest, course_id: int) -> dict[str, Any]:
    return _course_detail(request, course_id)


@courses_router.post("", response={201: CourseDetailOut, 400: ErrorOut, 403: ErrorOut,
                                   404: ErrorOut},
                     summary="登记培训班（县级）")
def course_create_api(request: HttpRequest, payload: CourseIn) -> Status:
    data = payload.dict()
    course = services.course_create(actor=_actor(request), region_code=data.pop("region"),
                                    data=data)
    return Status(201, _course_detail(request, course.pk))


@courses_router.put("/{course_id}", response={**_WRITE, 200: CourseDetailOut},
                    summary="修改培训班（须带读取时的版本号）")
def course_update_api(request: HttpRequest, course_id: int,
                      payload: CourseUpdateIn) -> dict[str, Any]:
    data = payload.dict()
    version = data.pop("version")
    services.course_update(actor=_actor(request), course_id=course_id, data=data,
                           version=version)
    return _course_detail(request, course_id)


@courses_router.post("/{course_id}/enrolments", response={**_WRITE, 200: CourseDetailOut},
                     summary="报名：登记一名劳动力参加培训")
def enrol_api(request: HttpRequest, course_id: int, payload: EnrolIn) -> dict[str, Any]:
    services.enrolment_add(actor=_actor(request), course_id=course_id,
                           member_id=payload.member_id)
    return _course_detail(request, course_id)


# --- Enrolments -----------------------------------------------------------------------------

class CompletionIn(Schema):
    completed_on: dt.date
    attendance_days: int = 0
    certificate_type: str = ""
    certificate_no: str = ""
    version: int


class DropIn(Schema):
    note: str = ""
    version: int


class OutcomeIn(Schema):
    months: int
    employed: bool
    version: int


class RefreshOut(Schema):
    changed: int


@enrolments_router.post("/refresh-outcomes", response={200: RefreshOut, 403: ErrorOut},
                        summary="按劳动力台账更新结业 3、6 个月后的就业回访（人工回访的不覆盖）")
def refresh_api(request: HttpRequest) -> dict[str, Any]:
    return {"changed": services.outcomes_refresh(actor=_actor(request))}


@enrolments_router.get("/{enrolment_id}", response={200: EnrolmentOut, 404: ErrorOut},
                       summary="一条参训记录")
def enrolment_detail_api(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    return selectors.enrolment_row(selectors.enrolment_get(actor=_actor(request),
                                                           pk=enrolment_id))


def _enrolment(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    return selectors.enrolment_row(selectors.enrolment_get(actor=_actor(request),
                                                           pk=enrolment_id))


@enrolments_router.post("/{enrolment_id}/completion", response={**_WRITE, 200: EnrolmentOut},
                        summary="登记结业（出勤天数、证书类型和编号）")
def completion_api(request: HttpRequest, enrolment_id: int,
                   payload: CompletionIn) -> dict[str, Any]:
    services.enrolment_complete(actor=_actor(request), enrolment_id=enrolment_id,
                                completed_on=payload.completed_on,
                                attendance_days=payload.attendance_days,
                                certificate_type=payload.certificate_type,
                                certificate_no=payload.certificate_no, version=payload.version)
    return _enrolment(request, enrolment_id)


@enrolments_router.post("/{enrolment_id}/drop", response={**_WRITE, 200: EnrolmentOut},
                        summary="登记中途退出")
def drop_api(request: HttpRequest, enrolment_id: int, payload: DropIn) -> dict[str, Any]:
    services.enrolment_drop(actor=_actor(request), enrolment_id=enrolment_id,
                            note=payload.note, version=payload.version)
    return _enrolment(request, enrolment_id)


@enrolments_router.post("/{enrolment_id}/outcome", response={**_WRITE, 200: EnrolmentOut},
                        summary="人工登记结业 3 或 6 个月后的就业情况")
def outcome_api(request: HttpRequest, enrolment_id: int, payload: OutcomeIn) -> dict[str, Any]:
    services.enrolment_outcome_record(actor=_actor(request), enrolment_id=enrolment_id,
                                      months=payload.months, employed=payload.employed,
                                      version=payload.version)
    return _enrolment(request, enrolment_id)
