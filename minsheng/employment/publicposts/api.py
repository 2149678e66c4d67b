"""API of 乡村公益性岗位: ``/api/v1/public-posts`` (posts, eligibility check, payroll) and
``/api/v1/public-post-appointments`` (exit, monthly attendance).

Reads through the selectors (out of scope → 404); ID numbers and bank accounts masked. Writes
through the services: 400 bad input or not eligible (the reasons in ``detail``), 403 without the
permission, 404 out of scope, 409 stale ``version`` or a full post.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status

from minsheng.core.errors import InvalidInput
from minsheng.core.models import User
from minsheng.employment.api import ErrorOut, _need, _page
from minsheng.employment.publicposts import selectors, services
from minsheng.employment.rules import parse_month
from minsheng.registry.models import Member

posts_router = Router(tags=["公益性岗位"])
appointments_router = Router(tags=["公益性岗位聘用"])

_WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


class PostOut(Schema):
    id: int
    region_code: str
    region_name: str
    post_type: str
    post_type_label: str
    name: str
    quota: int
    in_post: int
    vacancies: int
    duties: str
    active: bool
    version: int


class PostPageOut(Schema):
    count: int
    items: list[PostOut]


class AppointmentOut(Schema):
    id: int
    post_id: int
    post_name: str
    member_id: int
    name: str
    id_number: str
    region_code: str
    start_date: dt.date
    end_date: dt.date
    status: str
    status_label: str
    cannot_go_out: bool
    cannot_go_out_reason: str
    monitored: bool
    cadre_family: bool
    exit_date: dt.date | None
    exit_reason: str
    exit_note: str
    bank_account: str
    eligibility: dict[str, Any]
    version: int


class PostDetailOut(PostOut):
    appointments: list[AppointmentOut]


class PostFields(Schema):
    post_type: str
    name: str
    quota: int
    duties: str = ""
    active: bool = True


class PostIn(PostFields):
    region: str


class PostUpdateIn(PostFields):
    version: int


class Declared(Schema):
    cannot_go_out: bool = False
    cannot_go_out_reason: str = ""
    cadre_family: bool = False


class CheckIn(Declared):
    member_id: int
    start_date: dt.date
    end_date: dt.date


class AppointIn(CheckIn):
    bank_name: str = ""
    bank_account: str = ""


class EligibilityOut(Schema):
    eligible: bool
    failed: list[str]
    reasons: list[str]
    parameters: list[dict[str, Any]]


class ExitIn(Schema):
    exit_date: dt.date
    reason: str
    note: str = ""
    version: int


class AttendanceIn(Schema):
    days_required: int
    days_present: int
    note: str = ""
    version: int = 0


class AttendanceOut(Schema):
    appointment_id: int
    month: str
    days_required: int
    days_present: int
    amount: Decimal
    calculation: dict[str, Any]
    version: int


class PayrollRowOut(Schema):
    township: str
    village: str
    post: str
    name: str
    id_number: str
    bank_name: str
    bank_account: str
    days_required: int
    days_present: int
    amount: Decimal


class PayrollOut(Schema):
    month: str
    region_code: str
    region_name: str
    rows: list[PayrollRowOut]
    total: Decimal
    missing: int


def _post_detail(request: HttpRequest, post_id: int) -> dict[str, Any]:
    actor = _actor(request)
    post = selectors.post_get(actor=actor, pk=post_id)
    return {**selectors.post_row(post),
            "appointments": [selectors.appointment_row(a) for a in selectors.appointment_list(
                actor=actor, post=post).select_related("household")]}


@posts_router.get("", response={200: PostPageOut, 400: ErrorOut, 404: ErrorOut},
                  summary="公益性岗位列表（定额、在岗人数、空岗）")
def post_list_api(request: HttpRequest, region: str = "", post_type: str = "",
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, selectors.POST_VIEW)
    _page(limit, offset)
    qs = selectors.post_list(actor=actor, within=region.ljust(12, "0") if region else "",
                             filters=selectors.PostFilter(post_type=post_type))
    count = qs.count()
    items = list(qs[offset:offset + limit]) if count > offset else []
    return {"count": count, "items": [selectors.post_row(p) for p in items]}


@posts_router.get("/payroll", response={200: PayrollOut, 400: ErrorOut, 403: ErrorOut,
                                        404: ErrorOut},
                  summary="某月某区域（通常为乡镇）的补贴发放名单（身份证号、银行账号脱敏）")
def payroll_api(request: HttpRequest, month: str, region: str) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, selectors.ATTENDANCE_VIEW)
    result = selectors.payroll(actor=actor, month=parse_month(month),
                               region_code=region.ljust(12, "0"))
    return {"month": result.month, "region_code": result.region_code,
            "region_name": result.region_name, "rows": [r.__dict__ for r in result.rows],
            "total": result.total, "missing": result.missing}


@posts_router.get("/{post_id}", response={200: PostDetailOut, 404: ErrorOut},
                  summary="一个岗位及其聘用人员")
def post_detail_api(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return _post_detail(request, post_id)


@posts_router.post("", response={201: PostDetailOut, 400: ErrorOut, 403: ErrorOut,
                                 404: ErrorOut},
                   summary="设岗：在村里设置公益性岗位及定额（县级）")
def post_create_api(request: HttpRequest, payload: PostIn) -> Status:
    data = payload.dict()
    post = services.post_create(actor=_actor(request), region_code=data.pop("region"), data=data)
    return Status(201, _post_detail(request, post.pk))


@posts_router.put("/{post_id}", response={**_WRITE, 200: PostDetailOut},
                  summary="修改岗位（须带读取时的版本号；定额不能少于在岗人数）")
def post_update_api(request: HttpRequest, post_id: int, payload: PostUpdateIn) -> dict[str, Any]:
    data = payload.dict()
    version = data.pop("version")
    services.post_update(actor=_actor(request), post_id=post_id, data=data, version=version)
    return _post_detail(request, post_id)


@posts_router.post("/{post_id}/eligibility", response={200: EligibilityOut, 400: ErrorOut,
                                                       404: ErrorOut},
                   summary="资格预审：按政策参数逐条检查安置条件（不保存）")
def eligibility_api(request: HttpRequest, post_id: int, payload: CheckIn) -> dict[str, Any]:
    actor = _actor(request)
    post = selectors.post_get(actor=actor, pk=post_id)
    member = Member.objects.visible_to(actor).filter(
        pk=payload.member_id, active=True, household__archived=False,
        household__region_id=post.region_id).select_related("household").first()
    if member is None:
        raise InvalidInput("所选成员不是本村的在户成员，或不在您的管辖范围内。")
    return selectors.eligibility_check(
        member=member, region_code=post.region_id, start_date=payload.start_date,
        end_date=payload.end_date,
        declared=payload.dict(include={"cannot_go_out", "cannot_go_out_reason",
                                       "cadre_family"})).as_dict()


@posts_router.post("/{post_id}/appointments", response={**_WRITE, 200: PostDetailOut},
                   summary="聘用（逐条检查安置条件；定额已满为 409）")
def appoint_api(request: HttpRequest, post_id: int, payload: AppointIn) -> dict[str, Any]:
    data = payload.dict()
    services.appointment_create(actor=_actor(request), post_id=post_id,
                                member_id=data.pop("member_id"), data=data)
    return _post_detail(request, post_id)


# --- Appointments ---------------------------------------------------------------------------

def _appointment(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    return selectors.appointment_row(selectors.appointment_get(actor=_actor(request),
                                                               pk=appointment_id))


@appointments_router.get("/{appointment_id}", response={200: AppointmentOut, 404: ErrorOut},
                         summary="一条聘用记录（含资格审核依据）")
def appointment_detail_api(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    return _appointment(request, appointment_id)


@appointments_router.post("/{appointment_id}/exit", response={**_WRITE, 200: AppointmentOut},
                          summary="退岗（日期和原因）")
def exit_api(request: HttpRequest, appointment_id: int, payload: ExitIn) -> dict[str, Any]:
    services.appointment_exit(actor=_actor(request), appointment_id=appointment_id,
                              exit_date=payload.exit_date, reason=payload.reason,
                              note=payload.note, version=payload.version)
    return _appointment(request, appointment_id)


@appointments_router.put("/{appointment_id}/attendance/{month}",
                         response={**_WRITE, 200: AttendanceOut},
                         summary="填报某月考勤，计算当月补贴（新填报 version 为 0）")
def attendance_api(request: HttpRequest, appointment_id: int, month: str,
                   payload: AttendanceIn) -> dict[str, Any]:
    row = services.attendance_save(actor=_actor(request), appointment_id=appointment_id,
                                   month=month, days_required=payload.days_required,
                                   days_present=payload.days_present, note=payload.note,
                                   version=payload.version)
    return {"appointment_id": row.appointment_id, "month": row.month,
            "days_required": row.days_required, "days_present": row.days_present,
            "amount": row.amount, "calculation": row.calculation, "version": row.version}
