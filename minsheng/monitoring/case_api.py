"""API: monitoring cases (监测对象案件), the lead inbox (监测线索) and the public
self-declaration (农户自主申报).

Reads go through the selectors (out of scope → 404); writes through ``case_services``: 403
without the step's permission (read-only roles), 400 for a step the table does not allow, a
missing reason or record, 409 for a stale ``version``. ID numbers and phones are masked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from minsheng.core.context import client_ip_var
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.masking import mask_id_number, mask_phone
from minsheng.core.models import User
from minsheng.monitoring import case_selectors, case_services, workflow
from minsheng.monitoring.models import (
    CaseCategory,
    CaseLead,
    CaseLeadStatus,
    CaseStatus,
    LeadSource,
    MonitoringCase,
    RiskType,
)
from minsheng.registry.models import Household

cases_router = Router(tags=["监测对象案件"])
leads_router = Router(tags=["监测线索"])
declarations_router = Router(tags=["农户自主申报"])

MAX_LIMIT = 500


class ErrorOut(Schema):
    detail: str


def _actor(request: HttpRequest) -> User:
    return cast(User, request.auth if isinstance(request.auth, User) else request.user)


def _require(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise NotFound()


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"每页条数 limit 应为 1～{MAX_LIMIT}，实为「{limit}」。")
    if offset < 0:
        raise InvalidInput(f"起始位置 offset 不能为负数，实为「{offset}」。")


# --- Cases ----------------------------------------------------------------------------------

class CaseQuery(Schema):
    status: str = ""
    category: str = ""
    risk_type: str = ""
    township: str = ""
    overdue: bool = False
    limit: int = 50
    offset: int = 0


class CaseOut(Schema):
    id: int
    number: str
    household_id: int
    household_no: str
    head_name: str
    region_code: str
    region_name: str
    status: str
    status_label: str
    is_open: bool
    category: str
    risk_types: list[str]
    step_deadline: dt.date | None
    deadline_parameter: str
    procedure_deadline: dt.date | None = Field(description="识别程序全流程办结时限")
    green_channel: bool
    decision: str
    decision_reason: str
    included_on: dt.date | None
    elimination_kind: str
    eliminated_on: dt.date | None
    version: int


class CasePageOut(Schema):
    count: int
    items: list[CaseOut]


class TransitionOut(Schema):
    from_status: str
    to_status: str
    action: str
    actor: str
    note: str
    deadline: dt.date | None
    at: dt.datetime


class VisitOut(Schema):
    id: int
    stage: str
    visited_on: dt.date
    visitors: list[str]
    members_present: list[str]
    income_12m: Decimal
    spending_12m: Decimal
    food_clothing_ok: bool
    education_ok: bool
    medical_ok: bool
    housing_ok: bool
    water_ok: bool
    note: str


class StepOut(Schema):
    action: str
    label: str
    to: str
    reason_required: bool
    reason_label: str
    needs: list[str]


class CaseDetailOut(CaseOut):
    summary: str
    transitions: list[TransitionOut]
    visits: list[VisitOut]
    next_steps: list[StepOut] = Field(description="当前账号可以执行的下一步")


class TransitionIn(Schema):
    action: str = Field(description="操作名，见详情中的 next_steps")
    version: int
    note: str = ""
    category: str = ""
    risk_types: list[str] | None = None
    elimination_kind: str = ""


class VisitIn(Schema):
    visited_on: dt.date
    visitors: list[str]
    members_present: list[str] = Field(default_factory=list)
    income_12m: Decimal
    spending_12m: Decimal = Decimal(0)
    food_clothing_ok: bool = True
    education_ok: bool = True
    medical_ok: bool = True
    housing_ok: bool = True
    water_ok: bool = True
    note: str = ""
    risk_types: list[str] | None = None
    category: str = ""


class AttachmentOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    size: int | None = Field(description="字节数；文件缺失时为空")
    visit_id: int | None
    transition_id: int | None
    uploaded_by: str
    created_at: dt.datetime
    download_url: str


class VisitWithFilesOut(VisitOut):
    attachments: list[AttachmentOut]


class GreenChannelIn(Schema):
    version: int
    note: str


def _case_out(case: MonitoringCase) -> dict[str, Any]:
    return {"id": case.pk, "number": case.number, "household_id": case.household_id,
            "household_no": case.household.household_no, "head_name": case.household.head_name,
            "region_code": case.region_id, "region_name": case.region.name,
            "status": case.status, "status_label": case.get_status_display(),
            "is_open": case.is_open, "category": case.category, "risk_types": case.risk_types,
            "step_deadline": case.step_deadline, "deadline_parameter": case.deadline_parameter,
            "procedure_deadline": case.procedure_deadline,
            "green_channel": case.green_channel, "decision": case.decision,
            "decision_reason": case.decision_reason, "included_on": case.included_on,
            "elimination_kind": case.elimination_kind, "eliminated_on": case.eliminated_on,
            "version": case.version}


def _visit_out(v: Any) -> dict[str, Any]:
    return {k: getattr(v, k) for k in (
        "stage", "visited_on", "visitors", "members_present", "income_12m", "spending_12m",
        "food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok", "note")
    } | {"id": v.pk}


def _attachment_out(a: Any) -> dict[str, Any]:
    try:
        size = a.file.size
    except (OSError, ValueError):
        size = None
    return {"id": a.pk, "kind": a.kind, "kind_label": a.get_kind_display(),
            "original_name": a.original_name, "size": size, "visit_id": a.visit_id,
            "transition_id": a.transition_id,
            "uploaded_by": a.uploaded_by.get_username() if a.uploaded_by else "",
            "created_at": a.created_at,
            "download_url": f"/api/v1/cases/{a.case_id}/attachments/{a.pk}"}


def _case_detail(case: MonitoringCase, actor: User) -> dict[str, Any]:
    return {**_case_out(case), "summary": case.summary,
            "transitions": [{"from_status": t.from_status, "to_status": t.to_status,
                             "action": t.action, "actor": t.actor_name, "note": t.note,
                             "deadline": t.deadline, "at": t.at}
                            for t in case_selectors.case_timeline(case)],
            "visits": [_visit_out(v) for v in case.visits.all()],
            "next_steps": [{"action": s.action, "label": s.label, "to": s.target,
                            "reason_required": s.reason_required,
                            "reason_label": s.reason_label, "needs": list(s.needs)}
                           for s in workflow.next_steps(case.status)
                           if actor.has_perm(s.permission)]}


@cases_router.get("", response={200: CasePageOut, 400: ErrorOut, 404: ErrorOut},
                  summary="监测案件列表（按环节、类别、风险类型、乡镇、是否逾期筛选）")
def case_list_api(request: HttpRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    _page(query.limit, query.offset)
    for value, allowed, label in ((query.status, CaseStatus.values, "环节"),
                                  (query.category, CaseCategory.values, "类别"),
                                  (query.risk_type, RiskType.values, "风险类型")):
        if value and value not in allowed:
            raise InvalidInput(f"未知的{label}「{value}」。")
    qs = case_selectors.case_list(actor=actor, filters=case_selectors.CaseFilter(
        status=query.status, category=query.category, risk_type=query.risk_type,
        township=query.township, overdue=query.overdue))
    count = qs.count()
    items = list(qs[query.offset:query.offset + query.limit]) if count > query.offset else []
    return {"count": count, "items": [_case_out(c) for c in items]}


@cases_router.get("/{case_id}", response={200: CaseDetailOut, 404: ErrorOut},
                  summary="一个监测案件：环节、时间线、核查记录和可办理的下一步")
def case_detail_api(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    return _case_detail(case_selectors.case_get(actor=actor, pk=case_id), actor)


@cases_router.get("/{case_id}/transitions", response={200: list[TransitionOut], 404: ErrorOut},
                  summary="案件的环节流转记录（时间线）")
def case_transitions_api(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    return _case_detail(case_selectors.case_get(actor=actor, pk=case_id), actor)["transitions"]


@cases_router.post("/{case_id}/transitions",
                   response={200: CaseDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                             409: ErrorOut},
                   summary="办理一步（须带读取时的版本号；退回须填写原因）")
def case_transition_api(request: HttpRequest, case_id: int,
                        payload: TransitionIn) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    case = case_selectors.case_get(actor=actor, pk=case_id)
    done = case_services.case_transition(
        actor=actor, case=case, action=payload.action, version=payload.version,
        note=payload.note, category=payload.category, risk_types=payload.risk_types,
        elimination_kind=payload.elimination_kind)
    return _case_detail(done, actor)


@cases_router.get("/{case_id}/visits", response={200: list[VisitOut], 404: ErrorOut},
                  summary="入户核查（核实）记录")
def case_visits_api(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    case = case_selectors.case_get(actor=actor, pk=case_id)
    return [_visit_out(v) for v in case.visits.all()]


@cases_router.post("/{case_id}/visits",
                   response={200: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
                   summary="录入入户核查（核实）记录（JSON，不带文件；带承诺授权书和照片请用 "
                           "/visits/upload）")
def case_visit_create_api(request: HttpRequest, case_id: int, payload: VisitIn) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    case = case_selectors.case_get(actor=actor, pk=case_id)
    visit = case_services.visit_record(actor=actor, case=case, **payload.model_dump())
    return _visit_out(visit)


@cases_router.post("/{case_id}/visits/upload",
                   response={200: VisitWithFilesOut, 400: ErrorOut, 403: ErrorOut,
                             404: ErrorOut},
                   summary="录入入户核查（核实）记录并上传承诺授权书和照片（multipart/form-data）",
                   description="表单字段与 JSON 录入相同；visitors、members_present、risk_types "
                               "可重复提交多个值。文件：authorization（农户签字的承诺授权书，一份），"
                               "photos（照片，可多份）。格式限 jpg、jpeg、png、pdf、heic、webp，"
                               "每份不超过 10 MB；任何一份不合格时整条记录都不保存。")
def case_visit_upload_api(request: HttpRequest, case_id: int, payload: Form[VisitIn],
                          authorization: File[UploadedFile | None] = None,
                          photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
                          ) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    case = case_selectors.case_get(actor=actor, pk=case_id)
    data = payload.model_dump()
    if data.get("risk_types") == []:
        data["risk_types"] = None  # a form cannot send "unchanged" otherwise
    visit = case_services.visit_record(actor=actor, case=case, authorization=authorization,
                                       photos=photos or [], **data)
    return {**_visit_out(visit),
            "attachments": [_attachment_out(a) for a in visit.attachments.order_by("id")]}


@cases_router.get("/{case_id}/attachments", response={200: list[AttachmentOut], 404: ErrorOut},
                  summary="案件的附件（承诺授权书、照片、评议材料等）")
def case_attachments_api(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    case = case_selectors.case_get(actor=actor, pk=case_id)
    return [_attachment_out(a) for a in case.attachments.select_related("uploaded_by")]


@cases_router.get("/{case_id}/attachments/{attachment_id}", response={404: ErrorOut},
                  summary="下载一个案件附件（记入审计日志）")
def case_attachment_download_api(request: HttpRequest, case_id: int,
                                 attachment_id: int) -> FileResponse:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    case = case_selectors.case_get(actor=actor, pk=case_id)
    attachment, handle = case_services.attachment_open(actor=actor, case=case,
                                                       attachment_id=attachment_id,
                                                       channel="api")
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


@cases_router.post("/{case_id}/green-channel",
                   response={200: CaseDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                             409: ErrorOut},
                   summary="启用绿色通道（因灾、因意外：先帮扶后补程序）")
def case_green_channel_api(request: HttpRequest, case_id: int,
                           payload: GreenChannelIn) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.VIEW)
    case = case_selectors.case_get(actor=actor, pk=case_id)
    done = case_services.green_channel_open(actor=actor, case=case, version=payload.version,
                                            note=payload.note)
    return _case_detail(done, actor)


# --- Leads ----------------------------------------------------------------------------------

class LeadQuery(Schema):
    status: str = ""
    source: str = ""
    limit: int = 50
    offset: int = 0


class LeadOut(Schema):
    id: int
    source: str
    source_label: str
    name: str
    id_number: str = Field(description="脱敏")
    phone: str = Field(description="脱敏")
    region_code: str
    township_code: str
    household_id: int | None
    description: str
    details: dict[str, Any]
    risk_types: list[str]
    status: str
    status_label: str
    case_id: int | None
    response_deadline: dt.date
    result_note: str
    version: int


class LeadPageOut(Schema):
    count: int
    items: list[LeadOut]


class MergeIn(Schema):
    version: int
    household_id: int | None = None
    note: str = ""


class DismissIn(Schema):
    version: int
    reason: str


class VisitReportIn(Schema):
    household_id: int
    description: str = ""
    changes: dict[str, str] = Field(default_factory=dict)
    risk_types: list[str] = Field(default_factory=list)


def _lead_out(lead: CaseLead) -> dict[str, Any]:
    return {"id": lead.pk, "source": lead.source, "source_label": lead.get_source_display(),
            "name": lead.name, "id_number": mask_id_number(lead.id_number),
            "phone": mask_phone(lead.phone), "region_code": lead.region_id,
            "township_code": lead.township_id, "household_id": lead.household_id,
            "description": lead.description, "details": lead.details,
            "risk_types": lead.risk_types, "status": lead.status,
            "status_label": lead.get_status_display(), "case_id": lead.case_id,
            "response_deadline": lead.response_deadline, "result_note": lead.result_note,
            "version": lead.version}


@leads_router.get("", response={200: LeadPageOut, 400: ErrorOut, 404: ErrorOut},
                  summary="监测线索收件箱（按状态、来源筛选；身份证号和电话脱敏）")
def lead_list_api(request: HttpRequest, query: Query[LeadQuery]) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.LEAD_VIEW)
    _page(query.limit, query.offset)
    if query.status and query.status not in CaseLeadStatus.values:
        raise InvalidInput(f"未知的线索状态「{query.status}」。")
    if query.source and query.source not in LeadSource.values:
        raise InvalidInput(f"未知的线索来源「{query.source}」。")
    qs = case_selectors.lead_list(actor=actor, status=query.status, source=query.source)
    count = qs.count()
    items = list(qs[query.offset:query.offset + query.limit]) if count > query.offset else []
    return {"count": count, "items": [_lead_out(lead) for lead in items]}


@leads_router.get("/{int:lead_id}", response={200: LeadOut, 404: ErrorOut}, summary="一条监测线索")
def lead_detail_api(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.LEAD_VIEW)
    return _lead_out(case_selectors.lead_get(actor=actor, pk=lead_id))


@leads_router.post("/{int:lead_id}/merge",
                   response={200: CaseOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                             409: ErrorOut},
                   summary="研判：转入监测案件（同户已有办理中的案件则并入）")
def lead_merge_api(request: HttpRequest, lead_id: int, payload: MergeIn) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.LEAD_VIEW)
    lead = case_selectors.lead_get(actor=actor, pk=lead_id)
    household = None
    if payload.household_id is not None:
        household = Household.objects.visible_to(actor).filter(pk=payload.household_id).first()
        if household is None:
            raise NotFound()
    case = case_services.lead_merge(actor=actor, lead=lead, version=payload.version,
                                    household=household, note=payload.note)
    return _case_out(case)


@leads_router.post("/{int:lead_id}/dismiss",
                   response={200: LeadOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                             409: ErrorOut},
                   summary="研判：不纳入（须填写原因，答复线索来源）")
def lead_dismiss_api(request: HttpRequest, lead_id: int, payload: DismissIn) -> dict[str, Any]:
    actor = _actor(request)
    _require(actor, case_selectors.LEAD_VIEW)
    lead = case_selectors.lead_get(actor=actor, pk=lead_id)
    return _lead_out(case_services.lead_dismiss(actor=actor, lead=lead,
                                                version=payload.version,
                                                reason=payload.reason))


@leads_router.post("/visit-reports",
                   response={200: LeadOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
                   summary="村级排查上报（只填变化的项目）")
def visit_report_api(request: HttpRequest, payload: VisitReportIn) -> dict[str, Any]:
    actor = _actor(request)
    household = Household.objects.visible_to(actor).filter(pk=payload.household_id).first()
    if household is None:
        raise NotFound()
    return _lead_out(case_services.visit_report(
        actor=actor, household=household, description=payload.description,
        changes=payload.changes, risk_types=payload.risk_types))


class IdsIn(Schema):
    ids: list[int] = Field(description="风险信号或部门线索的编号")


class CreatedOut(Schema):
    created: int
    items: list[LeadOut]


@leads_router.post("/from-signals", response={200: CreatedOut, 403: ErrorOut},
                   summary="风险信号转为线索（批量；已转过的不重复）")
def leads_from_signals_api(request: HttpRequest, payload: IdsIn) -> dict[str, Any]:
    from minsheng.monitoring.models import RiskSignal

    actor = _actor(request)
    created = case_services.leads_from_signals(
        actor=actor, signals=RiskSignal.objects.filter(pk__in=payload.ids[:5000]))
    return {"created": len(created), "items": [_lead_out(lead) for lead in created]}


@leads_router.post("/from-department-leads", response={200: CreatedOut, 403: ErrorOut},
                   summary="部门推送线索转为监测线索（批量；已转过的不重复）")
def leads_from_department_api(request: HttpRequest, payload: IdsIn) -> dict[str, Any]:
    from minsheng.departments.models import DepartmentLead

    actor = _actor(request)
    if not actor.has_perm(case_services.LEAD_ADD):
        from minsheng.core.errors import PermissionDenied

        raise PermissionDenied("您没有将部门线索转为监测线索的权限。")
    created = case_services.leads_from_department(
        actor=actor, department_leads=DepartmentLead.objects.filter(pk__in=payload.ids[:5000]))
    return {"created": len(created), "items": [_lead_out(lead) for lead in created]}


# --- Public self-declaration ------------------------------------------------------------------

class DeclarationIn(Schema):
    name: str
    id_number: str
    village: str = Field(description="村（社区）的 12 位区划代码")
    phone: str
    description: str


class DeclarationOut(Schema):
    code: str = Field(description="查询码")
    submitted: str
    village: str
    state: str
    note: str


@declarations_router.post("", auth=None,
                          response={200: DeclarationOut, 400: ErrorOut, 403: ErrorOut},
                          summary="农户自主申报（无需登录；按来源地址限制频率）")
def declaration_create_api(request: HttpRequest, payload: DeclarationIn) -> dict[str, Any]:
    lead = case_services.declaration_submit(
        name=payload.name, id_number=payload.id_number, village_code=payload.village,
        phone=payload.phone, description=payload.description,
        client_ip=client_ip_var.get() or request.META.get("REMOTE_ADDR", ""))
    status = case_services.declaration_status(lead.tracking_code or "")
    if status is None:  # pragma: no cover - just created
        raise NotFound()
    return status


@declarations_router.get("/{code}", auth=None, response={200: DeclarationOut, 404: ErrorOut},
                         summary="凭查询码查看申报办理情况（只显示该申报的状态）")
def declaration_status_api(request: HttpRequest, code: str) -> dict[str, Any]:
    status = case_services.declaration_status(code)
    if status is None:
        raise NotFound("未找到该查询码对应的申报。")
    return status
