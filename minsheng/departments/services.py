"""Writes of department data cross-matching (部门数据比对): uploads, the leads an applied file
creates, lead transitions (the only writer of ``DepartmentLead.status``) and the audited
exports (反馈表, 未匹配名单)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from minsheng.core.audit import record_event, record_events_bulk, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.excel import write_workbook
from minsheng.core.imports import batch_create
from minsheng.core.masking import mask_id_number
from minsheng.core.models import AuditEventType, User
from minsheng.core.roles import Department, Role
from minsheng.departments.excel import DepartmentImporter, Parsed, parse_period, spec_for, summarize
from minsheng.departments.models import (
    DepartmentLead,
    DepartmentUpload,
    LeadStatus,
    LeadStatusChange,
    UnmatchedRow,
)
from minsheng.departments.selectors import LeadFilter, lead_list, township_get
from minsheng.departments.workflow import feedback_path, transition_for
from minsheng.regions.models import Region, RegionAssignment

UPLOAD_PERMISSION = DepartmentImporter.permission
EXPORT_PERMISSION = "departments.export_departmentlead"


def _township_code(village_code: str) -> str:
    return village_code[:9].ljust(12, "0")


def check_department_for(actor: User, department: str) -> None:
    """A liaison works only with its own department's data."""
    if department not in Department.values:
        raise InvalidInput(f"未知的部门「{department}」。")
    if actor.role == Role.DEPARTMENT_LIAISON and department != actor.department:
        raise PermissionDenied(f"您只能处理本部门（{actor.get_department_display()}）的数据。")


# --- Uploads --------------------------------------------------------------------------------

def department_upload_create(*, actor: User, department: str, period: str,
                             uploaded: UploadedFile, auto_assign: bool = True) -> DepartmentUpload:
    """Store a department file for one period (上传部门数据); validation runs next."""
    if not actor.has_perm(UPLOAD_PERMISSION):
        raise PermissionDenied("您没有上传部门数据的权限。")
    check_department_for(actor, department)
    spec_for(department)
    period = parse_period(period)
    if period > f"{timezone.localdate():%Y-%m}":
        raise InvalidInput(f"数据期间「{period}」还没有到，请检查。")
    assignment = (RegionAssignment.objects.filter(user=actor).select_related("region")
                  .order_by("region_id").first())
    if assignment is None:
        raise PermissionDenied("您的账号没有管辖区域，不能上传部门数据。")
    with transaction.atomic():
        batch = batch_create(actor=actor, kind=DepartmentImporter.kind, uploaded=uploaded)
        return DepartmentUpload.objects.create(batch=batch, department=department, period=period,
                                               region=assignment.region,
                                               auto_assign=auto_assign)


def leads_create(*, actor: User, upload: DepartmentUpload, parsed: Parsed,
                 check: Callable[[], None], reject: Callable[[], None]) -> dict[str, int]:
    """Apply a validated department file in one transaction (导入部门数据): the registry checks
    run again inside it, then every matched row becomes a lead (assigned to the household's
    township when the upload asks for it) and every unmatched row is kept for return."""
    with transaction.atomic():
        check()
        if not parsed.result.ok:
            reject()
        summary = summarize(parsed)
        matched = [r for r in parsed.rows if r.member is not None]
        townships: set[str] = set()
        if upload.auto_assign:
            wanted = {_township_code(r.member.household.region_id) for r in matched}
            townships = set(Region.objects.filter(code__in=wanted).values_list("code", flat=True))
        leads = []
        for plan in matched:
            household = plan.member.household
            township = _township_code(household.region_id)
            assigned = township in townships
            leads.append(DepartmentLead(
                upload=upload, department=upload.department, period=upload.period,
                row_number=plan.row, name=plan.name, id_number=plan.id_number,
                member=plan.member, household=household, registry_name=plan.member.name,
                name_mismatch=plan.name_mismatch, region_id=household.region_id,
                township_id=township if assigned else None, details=plan.details,
                threshold_reached=plan.threshold_reached, threshold=plan.threshold,
                status=LeadStatus.ASSIGNED if assigned else LeadStatus.PUSHED))
        DepartmentLead.objects.bulk_create(leads, batch_size=500)
        username = actor.get_username()
        note = f"导入{upload.get_department_display()} {upload.period} 数据（批次 {upload.batch_id}）"
        history = []
        for lead in leads:
            history.append(LeadStatusChange(lead=lead, from_status="",
                                            to_status=LeadStatus.PUSHED, actor=actor,
                                            actor_name=username, reason=note))
            if lead.status == LeadStatus.ASSIGNED:
                history.append(LeadStatusChange(
                    lead=lead, from_status=LeadStatus.PUSHED, to_status=LeadStatus.ASSIGNED,
                    actor=actor, actor_name=username, township_id=lead.township_id,
                    reason="按农户所在乡镇自动分派"))
        LeadStatusChange.objects.bulk_create(history, batch_size=500)
        UnmatchedRow.objects.bulk_create(
            [UnmatchedRow(upload=upload, row_number=r.row, name=r.name, id_number=r.id_number)
             for r in parsed.rows if r.member is None], batch_size=500)
        record_events_bulk(actor=actor, event_type=AuditEventType.DEPARTMENT_LEAD_CHANGED, events=(
            {"subject_type": "departments.departmentlead", "subject_id": lead.pk,
             "subject_repr": str(lead), "region_code": lead.region_id,
             "changes": {"status": [None, lead.status],
                         **({"township": [None, lead.township_id]} if lead.township_id else {})},
             "note": note, "extra": {"import_batch": upload.batch_id}} for lead in leads))
        record_event(actor=actor, event_type=AuditEventType.DEPARTMENT_DATA_IMPORTED,
                     subject=upload, region_code=upload.region_id, note=note,
                     extra={**summary, "import_batch": upload.batch_id,
                            "department": upload.department, "period": upload.period})
    return summary


# --- Transitions ----------------------------------------------------------------------------

def lead_transition(*, actor: User, lead: DepartmentLead, to: str, version: int | None,
                    reason: str = "", township_code: str = "") -> DepartmentLead:
    """Move a lead one step through the table in ``departments/workflow.py`` (处理线索)."""
    if to not in LeadStatus.values:
        raise InvalidInput(f"未知的线索状态「{to}」。")
    with transaction.atomic():
        locked = (DepartmentLead.objects.visible_to(actor).select_for_update()
                  .filter(pk=lead.pk).first())
        if locked is None:
            raise NotFound()
        if version is None:
            raise InvalidInput("缺少版本号：请先读取线索再处理。")
        if locked.version != version:
            raise Conflict(f"该线索已被他人处理（当前版本 {locked.version}，您看到的是版本 {version}），"
                           "本次操作未生效。请刷新后重试。")
        step = transition_for(locked.status, to)
        if not actor.has_perm(step.permission):
            raise PermissionDenied(f"您没有「{step.action}」的权限。")
        reason = (reason or "").strip()
        if step.reason_required and not reason:
            raise InvalidInput(f"请填写{step.reason_label}。")
        township = None
        if step.needs_township:
            township = township_get(actor=actor, code=township_code or _township_code(
                locked.region_id))
        _write_step(locked, to=to, actor=actor, actor_name=actor.get_username(),
                    reason=reason, township=township, note=step.action)
    return locked


_STEP_FIELDS = ["status", "township", "verification", "decision_reason"]


def _write_step(locked: DepartmentLead, *, to: str, actor: User | None, actor_name: str,
                reason: str, township: Region | None, note: str,
                extra: dict[str, Any] | None = None) -> None:
    """Write one step of the table on a locked lead: status, version, the history row
    (``LeadStatusChange``) and the audit event. Shared by ``lead_transition`` and
    ``leads_feed_back`` so there is one writer."""
    before = snapshot(locked, _STEP_FIELDS)
    from_status = locked.status
    locked.status = to
    if township is not None:
        locked.township = township
    if to == LeadStatus.PUSHED:
        locked.township = None
    if to == LeadStatus.VERIFIED:
        locked.verification = reason
    if to in (LeadStatus.INCLUDED, LeadStatus.NOT_INCLUDED):
        locked.decision_reason = reason
    locked.version += 1
    locked.save()
    LeadStatusChange.objects.create(lead=locked, from_status=from_status, to_status=to,
                                    actor=actor, actor_name=actor_name, reason=reason,
                                    township=township)
    after = snapshot(locked, _STEP_FIELDS)
    record_event(actor=actor, actor_username=actor_name,
                 event_type=AuditEventType.DEPARTMENT_LEAD_CHANGED, subject=locked,
                 region_code=locked.region_id,
                 changes={k: [before[k], after[k]] for k in _STEP_FIELDS if before[k] != after[k]},
                 note=note, extra={**({"reason": reason} if reason else {}), **(extra or {})})


SYSTEM_FEEDBACK_NAME = "系统（监测案件决定反馈）"


def leads_feed_back(*, actor: User, lead_ids: list[int], included: bool, reason: str,
                    subject: str, decision: str,
                    case_id: int | None = None) -> list[DepartmentLead]:
    """案件决定反馈: a monitoring-case decision (县级审定纳入, 不纳入, or a dismissed monitoring
    lead) moves the department leads behind it to 已纳入监测 / 不纳入, in the caller's
    transaction, walking ``workflow.CASE_FEEDBACK_PATHS`` (every step a row of the table).

    The authority is the case decision, already checked by the caller (its step permission
    and scope), so the department permissions of the steps are not asked again (a county
    office decides a case but does not hold 核实, a township station may dismiss a lead it
    does not decide in the department table). A lead the actor can see is written in the
    actor's name; a lead outside the actor's view of department data (a village monitor, a
    township station and a lead not assigned to its township) is written by the system in
    the name ``SYSTEM_FEEDBACK_NAME``, the reason naming the decision maker, so no one appears
    to have acted on data they cannot see. Leads already decided (by hand or by an earlier
    case) are left alone. ``subject`` names what decided (e.g. "监测案件 2026-000012"),
    ``decision`` the decision (e.g. "县级审定：纳入监测"); both go into the reasons.
    """
    if not lead_ids:
        return []
    outcome = LeadStatus.INCLUDED if included else LeadStatus.NOT_INCLUDED
    reason = (reason or "").strip()
    visible = set(DepartmentLead.objects.visible_to(actor).filter(pk__in=lead_ids)
                  .values_list("pk", flat=True))
    changed = []
    for locked in (DepartmentLead.objects.select_for_update().filter(pk__in=lead_ids)
                   .order_by("pk")):
        path = feedback_path(locked.status, outcome)
        if not path:
            continue
        own = locked.pk in visible
        who, name = (actor, actor.get_username()) if own else (None, SYSTEM_FEEDBACK_NAME)
        by = "" if own else f"（由 {actor.get_username()} 的决定自动反馈）"
        extra = {"case_feedback": f"{subject} {decision}", **({"case": case_id} if case_id else {}),
                 **({} if own else {"decided_by": actor.get_username()})}
        for to in path:
            step = transition_for(locked.status, to)
            township = None
            if step.needs_township:
                township = Region.objects.filter(code=_township_code(locked.region_id)).first()
                if township is None:
                    raise InvalidInput(f"线索所在村没有对应的乡镇，无法反馈{subject}的决定。")
            if to == LeadStatus.VERIFIED:
                text = f"经{subject}核实（{decision}）{by}"
            elif to == outcome:
                text = f"{subject} {decision}" + (f"：{reason}" if reason else "") + by
            else:
                text = f"按{subject}自动分派乡镇{by}"
            _write_step(locked, to=to, actor=who, actor_name=name, reason=text[:2000],
                        township=township, note=f"{step.action}（案件决定反馈）", extra=extra)
        changed.append(locked)
    return changed


# --- Exports --------------------------------------------------------------------------------

FEEDBACK_HEADERS = ["序号", "原行号", "姓名", "身份证号", "乡镇", "村", "状态", "姓名与台账一致",
                    "达到推送阈值", "核实结果", "处理意见（不纳入原因）", "最后处理时间"]


def feedback_export(*, actor: User, department: str, period: str) -> tuple[Any, int]:
    """The feedback table of one department and period (反馈表): each lead with its state,
    verification result and reason. Audited; ID numbers masked unless the actor may reveal."""
    if not actor.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied("您没有导出反馈表的权限。")
    if department not in Department.values:
        raise InvalidInput(f"未知的部门「{department}」。")
    if actor.role == Role.DEPARTMENT_LIAISON and department != actor.department:
        raise NotFound()
    period = parse_period(period)
    reveal = actor.has_perm("core.reveal_pii")
    leads = lead_list(actor=actor, filters=LeadFilter(department=department, period=period))

    def flag(value: bool | None) -> str:
        return "" if value is None else ("是" if value else "否")

    rows = (
        (n, lead.row_number, lead.name,
         lead.id_number if reveal else mask_id_number(lead.id_number),
         lead.township.name if lead.township else "", lead.region.name,
         LeadStatus(lead.status).label, flag(not lead.name_mismatch),
         flag(lead.threshold_reached), lead.verification, lead.decision_reason,
         timezone.localtime(lead.updated_at).strftime("%Y-%m-%d %H:%M"))
        for n, lead in enumerate(leads.iterator(chunk_size=1000), start=1))
    label = Department(department).label
    handle, count = write_workbook(title=f"{label}{period}反馈表", headers=FEEDBACK_HEADERS,
                                   rows=rows, widths=[6, 8, 10, 22, 12, 12, 12, 10, 10, 30, 30,
                                                      18])
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="departments.departmentlead",
                 note=f"导出{label} {period} 反馈表 {count} 行（{'含完整身份证号' if reveal else '脱敏'}）",
                 extra={"department": department, "period": period, "rows": count,
                        "revealed": reveal})
    return handle, count


def unmatched_export(*, actor: User, upload: DepartmentUpload) -> tuple[Any, int]:
    """The rows of an applied file that matched no one (未匹配名单), for return to the
    department. Audited; ID numbers masked unless the actor may reveal."""
    reveal = actor.has_perm("core.reveal_pii")
    rows = ((r.row_number, r.name, r.id_number if reveal else mask_id_number(r.id_number),
             "辖区台账中没有匹配的在册人员，请核实身份证号和户籍") for r in upload.unmatched_rows.all())
    label = upload.get_department_display()
    handle, count = write_workbook(title=f"{label}{upload.period}未匹配名单",
                                   headers=["原行号", "姓名", "身份证号", "未匹配原因"], rows=rows,
                                   widths=[8, 12, 22, 40])
    record_event(actor=actor, event_type=AuditEventType.EXPORTED, subject=upload,
                 region_code=upload.region_id,
                 note=f"导出{label} {upload.period} 未匹配名单 {count} 行",
                 extra={"rows": count, "revealed": reveal, "import_batch": upload.batch_id})
    return handle, count
