"""API: department leads (部门推送线索接口).

Reads go through the selectors (out of scope → 404, a liaison asking for another department →
404); ID numbers are always masked. A transition goes through ``services.lead_transition``:
403 without the permission, 400 for a step the table does not allow or a missing reason, 409 for
a stale ``version``.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.imports import batch_import
from minsheng.core.models import User
from minsheng.core.roles import Role
from minsheng.departments.models import LeadStatus
from minsheng.departments.selectors import (
    LeadFilter,
    lead_get,
    lead_history,
    lead_list,
    lead_row,
    upload_get,
)
from minsheng.departments.services import department_upload_create, lead_transition

router = Router(tags=["部门推送线索"])

MAX_LIMIT = 500
VIEW = "departments.view_departmentlead"


class ErrorOut(Schema):
    detail: str


class LeadQuery(Schema):
    department: str = ""
    period: str = ""
    status: str = ""
    township: str = ""
    threshold_reached: bool | None = None
    name_mismatch: bool | None = None
    limit: int = 50
    offset: int = 0


class LeadOut(Schema):
    id: int
    department: str
    department_label: str
    period: str
    name: str
    id_number: str
    name_mismatch: bool
    region_code: str
    region_name: str
    township_code: str
    township_name: str
    status: str
    status_label: str
    threshold_reached: bool | None
    verification: str
    decision_reason: str
    details: dict[str, Any]
    version: int
    row_number: int


class LeadPageOut(Schema):
    count: int
    items: list[LeadOut]


class ChangeOut(Schema):
    from_status: str
    to_status: str
    actor: str
    reason: str
    township_code: str
    at: str


class LeadDetailOut(LeadOut):
    threshold: list[dict[str, Any]]
    history: list[ChangeOut]


class TransitionIn(Schema):
    to: str
    version: int
    reason: str = ""
    township: str = ""


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _detail(lead: Any) -> dict[str, Any]:
    return {**lead_row(lead), "threshold": lead.threshold, "history": [
        {"from_status": c.from_status, "to_status": c.to_status, "actor": c.actor_name,
         "reason": c.reason, "township_code": c.township_id or "", "at": c.at.isoformat()}
        for c in lead_history(lead=lead)]}


@router.get("", response={200: LeadPageOut, 400: ErrorOut, 404: ErrorOut},
            summary="部门推送线索列表（按部门、期间、状态、乡镇筛选；身份证号脱敏）")
def lead_list_api(request: HttpRequest, query: Query[LeadQuery]) -> dict[str, Any]:
    actor = _actor(request)
    if not actor.has_perm(VIEW):
        raise NotFound()
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(f"每页条数 limit 应为 1～{MAX_LIMIT}，实为「{query.limit}」。")
    if query.offset < 0:
        raise InvalidInput(f"起始位置 offset 不能为负数，实为「{query.offset}」。")
    if query.status and query.status not in LeadStatus.values:
        raise InvalidInput(f"未知的线索状态「{query.status}」。")
    if (query.department and actor.role == Role.DEPARTMENT_LIAISON
            and query.department != actor.department):
        raise NotFound()
    filters = LeadFilter(department=query.department, period=query.period, status=query.status,
                         township=query.township, threshold_reached=query.threshold_reached,
                         name_mismatch=query.name_mismatch)
    qs = lead_list(actor=actor, filters=filters)
    count = qs.count()
    page = list(qs[query.offset:query.offset + query.limit]) if count > query.offset else []
    return {"count": count, "items": [lead_row(lead) for lead in page]}


@router.get("/{lead_id}", response={200: LeadDetailOut, 404: ErrorOut},
            summary="一条线索：部门数据、阈值依据和处理记录")
def lead_detail_api(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    return _detail(lead_get(actor=_actor(request), pk=lead_id))


@router.post("/{lead_id}/transitions",
             response={200: LeadDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                       409: ErrorOut},
             summary="处理线索：分派乡镇、核实、纳入监测或不纳入（须带读取时的版本号）")
def lead_transition_api(request: HttpRequest, lead_id: int,
                        payload: TransitionIn) -> dict[str, Any]:
    actor = _actor(request)
    lead = lead_get(actor=actor, pk=lead_id)
    done = lead_transition(actor=actor, lead=lead, to=payload.to, version=payload.version,
                           reason=payload.reason, township_code=payload.township)
    return _detail(done)


# --- Uploads (导入部门数据) -------------------------------------------------------------------

uploads_router = Router(tags=["部门数据导入"])


class IssueOut(Schema):
    row: int
    column: str
    value: str
    message: str


class UploadOut(Schema):
    id: int
    department: str
    department_label: str
    period: str
    status: str
    status_label: str
    message: str
    total_rows: int
    error_count: int
    warning_count: int
    summary: dict[str, Any]
    errors: list[IssueOut]


def _upload_out(upload: Any) -> dict[str, Any]:
    batch = upload.batch
    errors = [{"row": row.row_number, "column": e.get("column", ""),
               "value": str(e.get("value", "")), "message": e["message"]}
              for row in batch.rows.all()[:200] for e in row.errors]
    return {"id": upload.pk, "department": upload.department,
            "department_label": upload.get_department_display(), "period": upload.period,
            "status": batch.status, "status_label": batch.get_status_display(),
            "message": batch.message, "total_rows": batch.total_rows,
            "error_count": batch.error_count, "warning_count": batch.warning_count,
            "summary": batch.summary.get("applied") or {k: v for k, v in batch.summary.items()
                                                       if k != "header"},
            "errors": errors}


@uploads_router.post(
    "", response={200: UploadOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="导入部门数据：上传一个部门一个期间的文件，校验后整体写入（或试运行只校验）")
def upload_create_api(request: HttpRequest, department: Form[str], period: Form[str],
                      file: File[UploadedFile], auto_assign: Form[bool] = True,
                      dry_run: Form[bool] = False) -> dict[str, Any]:
    """Runs as the CLI does (validate, then apply in one transaction unless ``dry_run``); a
    rejected file comes back with status ``rejected`` and its problems, nothing written."""
    actor = _actor(request)
    upload = department_upload_create(actor=actor, department=department, period=period,
                                      uploaded=file, auto_assign=auto_assign)
    batch_import(actor=actor, batch=upload.batch, dry_run=dry_run)
    upload.refresh_from_db()
    upload.batch.refresh_from_db()
    return _upload_out(upload)


@uploads_router.get("/{upload_id}", response={200: UploadOut, 404: ErrorOut},
                    summary="一次部门数据导入的状态、统计和问题")
def upload_detail_api(request: HttpRequest, upload_id: int) -> dict[str, Any]:
    actor = _actor(request)
    if not actor.has_perm(VIEW):
        raise NotFound()
    return _upload_out(upload_get(actor=actor, pk=upload_id))
