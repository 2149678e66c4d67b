"""Writes of monitoring cases (监测对象案件): the lead inbox (线索收件箱), the case transitions
(the ONLY writer of ``MonitoringCase.status``), the records the steps need (入户核查, 民主评议,
公示异议) and the 绿色通道.

Every write is one transaction; a transition locks the case row (``select_for_update``) and
checks the version the actor saw, so two people approving the same case at once apply it once
and the second gets a clear conflict message.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.files import upload_open
from minsheng.core.models import AuditEventType, User
from minsheng.monitoring import workflow
from minsheng.monitoring.elimination import elimination_criteria, unmet_message
from minsheng.monitoring.models import (
    AttachmentKind,
    CaseAttachment,
    CaseCategory,
    CaseDecision,
    CaseLead,
    CaseLeadStatus,
    CaseMeeting,
    CaseNotice,
    CaseStatus,
    CaseTransition,
    CaseVisit,
    EliminationKind,
    LeadSource,
    MeetingResult,
    MonitoringCase,
    NoticeObjection,
    ProcedureStage,
    RiskSignal,
    RiskType,
)
from minsheng.policy.errors import PolicyError
from minsheng.policy.rules import REASON_LABELS
from minsheng.policy.selectors import active_parameters
from minsheng.policy.workcalendar import default_calendar
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.registry.choices import LabourCapacity
from minsheng.registry.identity import check_id_number
from minsheng.registry.models import Household, Member

CASE_VIEW = "monitoring.view_monitoringcase"
LEAD_ADD = "monitoring.add_caselead"
LEAD_HANDLE = "monitoring.handle_caselead"
GREEN_CHANNEL = "monitoring.greenchannel_monitoringcase"
GREEN_RISKS = frozenset({RiskType.DISASTER, RiskType.ACCIDENT})
NO_LABOUR_MESSAGE = ("该户在户成员均丧失劳动力或无劳动力：按规定落实兜底保障后暂不标注风险消除，"
                     "继续监测帮扶。")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOADS = (".jpg", ".jpeg", ".png", ".pdf", ".heic", ".webp")


# --- Clocks ---------------------------------------------------------------------------------

def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start``: weekends and 法定节假日 skipped, 调休上班
    weekend days counted, from the working calendar (``policy/calendar/``). A year without a
    calendar skips weekends only (``calendar_gap_note`` says so on the pages)."""
    return default_calendar().add_working_days(start, days)


def calendar_gap_note(start: dt.date, end: dt.date | None) -> str:
    """A warning when a working-day clock from ``start`` to ``end`` crosses a year whose
    法定节假日安排 is not in the working calendar (there only weekends were skipped)."""
    if end is None:
        return ""
    missing = default_calendar().years_without_calendar(start, end)
    if not missing:
        return ""
    years = "、".join(str(y) for y in missing)
    return (f"{years} 年的法定节假日和调休安排尚未录入工作日历，该年度的工作日时限只跳过了周末，"
            "未扣除节假日，实际时限可能更晚。")


def case_calendar_notes(case: MonitoringCase) -> list[str]:
    """The case page's warnings about working-day clocks that crossed a year without a working
    calendar (the step's deadline and, while undecided, the whole identification procedure)."""
    if not case.is_open:
        return []
    clocks = [(case.deadline_parameter, timezone.localtime(case.step_started_at).date(),
               case.step_deadline, "本环节办理时限")]
    if not case.decision:
        clocks.append((workflow.TOTAL_PARAMETER, timezone.localtime(case.created_at).date(),
                       case.procedure_deadline, "识别程序办结时限"))
    notes = []
    for name, start, end, label in clocks:
        if not name or end is None:
            continue
        try:
            _days, unit = parameter_int(name, on=start, region_code=case.region_id)
        except InvalidInput:
            continue
        note = calendar_gap_note(start, end) if unit == "工作日" else ""
        if note:
            notes.append(f"{label}：{note}")
    return notes


def parameter_int(name: str, *, on: dt.date, region_code: str) -> tuple[int, str]:
    """(value, unit) of a procedure parameter in force, or a clear Chinese error."""
    try:
        found = active_parameters().value(name, on=on, region_code=region_code)
    except PolicyError as exc:
        raise InvalidInput(f"无法确定时限：{exc.message}") from exc
    return int(found.value), found.unit


def step_deadline(status: str, *, start: dt.date, region_code: str) -> tuple[dt.date | None, str]:
    """The deadline of a step entered on ``start`` and the parameter it comes from."""
    name = workflow.STEP_DEADLINES.get(status)
    if name is None:
        return None, ""
    days, unit = parameter_int(name, on=start, region_code=region_code)
    if unit == "工作日":
        return add_working_days(start, days), name
    return start + dt.timedelta(days=days), name


def lead_deadline(*, start: dt.date, region_code: str) -> dt.date:
    days, unit = parameter_int(workflow.LEAD_RESPONSE_PARAMETER, on=start,
                               region_code=region_code)
    return add_working_days(start, days) if unit == "工作日" else start + dt.timedelta(days=days)


# --- Facts ----------------------------------------------------------------------------------

def household_without_labour(household: Household) -> bool:
    """Every active member has lost labour capacity or has none (无劳动能力)."""
    capacities = list(Member.objects.filter(household=household, active=True)
                      .values_list("labour_capacity", flat=True))
    return bool(capacities) and all(c in (LabourCapacity.LOST, LabourCapacity.NONE)
                                    for c in capacities)


def _clean_risk_types(values: Iterable[str] | None) -> list[str]:
    cleaned = []
    for value in values or ():
        if value not in RiskType.values:
            raise InvalidInput(f"未知的风险类型「{value}」。")
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _township_of(village: Region) -> Region:
    code = village.code[:9].ljust(12, "0")
    township = Region.objects.filter(code=code).first()
    if township is None:
        raise InvalidInput(f"村「{village.name}」没有对应的乡镇。")
    return township


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- Cases ----------------------------------------------------------------------------------

def _case_create(*, actor: User | None, household: Household, risk_types: list[str],
                 summary: str, today: dt.date, note: str) -> MonitoringCase:
    deadline, parameter = step_deadline(CaseStatus.WARNING, start=today,
                                        region_code=household.region_id)
    total, unit = parameter_int(workflow.TOTAL_PARAMETER, on=today,
                                region_code=household.region_id)
    procedure_deadline = (add_working_days(today, total) if unit == "工作日"
                          else today + dt.timedelta(days=total))
    try:
        with transaction.atomic():
            case = MonitoringCase.objects.create(
                household=household, region_id=household.region_id,
                status=CaseStatus.WARNING, risk_types=risk_types, summary=summary,
                step_started_at=timezone.now(), step_deadline=deadline,
                deadline_parameter=parameter, procedure_deadline=procedure_deadline,
                opened_by=actor)
    except IntegrityError:
        raise Conflict("该户已有办理中的监测案件，线索已并入该案件，请刷新后查看。") from None
    CaseTransition.objects.create(case=case, from_status="", to_status=CaseStatus.WARNING,
                                  action="风险预警", actor=actor,
                                  actor_name=actor.get_username() if actor else "系统",
                                  note=note, deadline=deadline)
    record_event(actor=actor, event_type=AuditEventType.CASE_CREATED, subject=case,
                 region_code=case.region_id, note=note,
                 changes={"status": [None, case.status], "risk_types": [None, risk_types]})
    return case


def open_case_for(household: Household) -> MonitoringCase | None:
    return MonitoringCase.objects.filter(household=household, is_open=True).first()


def _require_required(step: workflow.Transition, case: MonitoringCase, *, today: dt.date,
                      category: str, risk_types: list[str], elimination_kind: str) -> None:
    stage = (ProcedureStage.ELIMINATION if step.source in workflow.ELIMINATION
             else ProcedureStage.IDENTIFICATION)
    for need in step.needs:
        if need == workflow.NEEDS_VISIT:
            visit = case.visits.filter(stage=stage).order_by("-visited_on", "-id").first()
            if visit is None:
                raise InvalidInput("请先录入入户核查记录。")
            if not case.attachments.filter(kind=AttachmentKind.AUTHORIZATION).exists():
                raise InvalidInput("请先上传农户签字的承诺授权书。")
        elif need == workflow.NEEDS_TEAM:
            size, _unit = parameter_int(workflow.TEAM_SIZE_PARAMETER, on=today,
                                        region_code=case.region_id)
            visit = case.visits.filter(stage=stage).order_by("-visited_on", "-id").first()
            if visit is None:
                raise InvalidInput("请先录入风险消除入户核实记录。")
            if len(visit.visitors) < size:
                raise InvalidInput(f"风险消除入户核实须由不少于 {size} 人组成的工作组完成，"
                                   f"记录中只有 {len(visit.visitors)} 人。")
        elif need == workflow.NEEDS_MEETING:
            meeting = case.meetings.filter(stage=stage).order_by("-held_on", "-id").first()
            if meeting is None:
                raise InvalidInput("请先录入民主评议记录。")
            if meeting.result != MeetingResult.AGREE:
                raise InvalidInput("最近一次民主评议结果为“不同意”，不能进入公示。")
        elif need == workflow.NEEDS_NOTICE:
            notice = case.notices.filter(stage=stage).order_by("-starts_on", "-id").first()
            if notice is None:
                raise InvalidInput("没有公示记录。")
            if today <= notice.ends_on:
                raise InvalidInput(f"公示期至 {notice.ends_on:%Y-%m-%d} 结束，期满后才能报乡镇审核。")
            open_objections = notice.objections.filter(resolved=False).count()
            if open_objections:
                raise InvalidInput(f"公示期间有 {open_objections} 条异议尚未处理，请先核查处理。")
        elif need == workflow.NEEDS_DECISION:
            if category not in CaseCategory.values:
                raise InvalidInput("请选择监测对象类别（脱贫不稳定户、边缘易致贫户或突发严重困难户）。")
            if not risk_types:
                raise InvalidInput("请至少选择一种风险类型。")
        elif need == workflow.NEEDS_LABOUR:
            if household_without_labour(case.household):
                raise InvalidInput(NO_LABOUR_MESSAGE)
        elif need == workflow.NEEDS_KIND and elimination_kind not in (
                EliminationKind.ASSISTED, EliminationKind.NATURAL):
            raise InvalidInput("请选择风险消除方式（帮扶消除或自然消除）。")
        elif need == workflow.NEEDS_CRITERIA:
            message = unmet_message(elimination_criteria(case, on=today))
            if message:
                raise InvalidInput(message)


def check_uploads(files: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Validate every file before any is stored (kind, extension, size), so a bad file leaves
    nothing half written; returns the files present."""
    present = []
    for kind, upload in files:
        if upload is None:
            continue
        if kind not in AttachmentKind.values:
            raise InvalidInput(f"未知的材料类型「{kind}」。")
        name = getattr(upload, "name", "") or "附件"
        if not name.lower().endswith(ALLOWED_UPLOADS):
            raise InvalidInput(f"文件「{name}」的格式不支持，请上传照片（jpg、png）或 PDF。")
        size = getattr(upload, "size", 0) or 0
        if size > MAX_UPLOAD_BYTES:
            raise InvalidInput(f"文件「{name}」超过 10 MB。")
        if size == 0:
            raise InvalidInput(f"文件「{name}」是空文件，请重新选择。")
        present.append((kind, upload))
    return present


def _save_uploads(*, actor: User, case: MonitoringCase, files: Sequence[tuple[str, Any]],
                  visit: CaseVisit | None = None,
                  transition: CaseTransition | None = None) -> list[CaseAttachment]:
    saved = []
    for kind, upload in check_uploads(files):
        name = getattr(upload, "name", "") or "附件"
        attachment = CaseAttachment(case=case, visit=visit, transition=transition, kind=kind,
                                    original_name=name[:255], uploaded_by=actor)
        attachment.file.save(f"{secrets.token_hex(8)}-{name[-80:]}", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def attachment_open(*, actor: User, case: MonitoringCase, attachment_id: int,
                    channel: str = "web") -> tuple[CaseAttachment, Any]:
    """下载案件附件: the attachment of a case the actor sees (404 otherwise), audited (the
    signed 承诺授权书 and photos are personal data), and its file opened for reading (a file
    missing from storage: 404 with a Chinese message)."""
    found = case.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise NotFound()
    record_event(actor=actor, event_type=AuditEventType.EXPORTED, subject=case,
                 region_code=case.region_id,
                 note=f"下载案件附件：{found.get_kind_display()} {found.original_name}",
                 extra={"attachment": found.pk, "kind": found.kind, "channel": channel})
    return found, upload_open(found.file, missing="附件文件已丢失，请联系管理员。")


def case_transition(*, actor: User, case: MonitoringCase, action: str = "", to: str = "",
                    version: int | None, note: str = "", category: str = "",
                    risk_types: Iterable[str] | None = None, elimination_kind: str = "",
                    attachments: Sequence[tuple[str, Any]] = (),
                    today: dt.date | None = None) -> MonitoringCase:
    """Move a case one step through ``workflow.TABLE`` (by ``action``, or by target ``to``)."""
    today = _today(today)
    note = (note or "").strip()
    with transaction.atomic():
        locked = (MonitoringCase.objects.visible_to(actor).select_for_update()
                  .filter(pk=case.pk).first())
        if locked is None:
            raise NotFound()
        if version is None:
            raise InvalidInput("缺少版本号：请先读取案件再办理。")
        if locked.version != version:
            raise Conflict(f"该案件已被他人办理（当前版本 {locked.version}，您看到的是版本 "
                           f"{version}），本次操作未生效。请刷新后重试。")
        step = (workflow.transition_by_action(locked.status, action) if action
                else workflow.transition_for(locked.status, to))
        if not actor.has_perm(step.permission):
            raise PermissionDenied(f"您没有「{step.label}」的权限。")
        if step.reason_required and not note:
            raise InvalidInput(f"请填写{step.reason_label}。")
        chosen_risks = _clean_risk_types(risk_types) if risk_types is not None \
            else list(locked.risk_types)
        _require_required(step, locked, today=today, category=category,
                          risk_types=chosen_risks, elimination_kind=elimination_kind)
        fields = ["status", "step_deadline", "category", "risk_types", "decision",
                  "decision_reason", "included_on", "elimination_kind", "eliminated_on",
                  "is_open"]
        before = snapshot(locked, fields)
        from_status = locked.status
        locked.status = step.target
        locked.step_started_at = timezone.now()
        deadline, parameter = step_deadline(step.target, start=today,
                                            region_code=locked.region_id)
        locked.step_deadline, locked.deadline_parameter = deadline, parameter
        if step.target == CaseStatus.MONITORING and from_status == CaseStatus.COUNTY_APPROVAL:
            locked.category = category
            locked.risk_types = chosen_risks
            locked.decision = CaseDecision.INCLUDED
            locked.decision_reason = note
            locked.included_on = today
        if step.target == CaseStatus.NOT_INCLUDED:
            locked.decision = CaseDecision.NOT_INCLUDED
            locked.decision_reason = note
        if step.target == CaseStatus.ELIM_CHECK and from_status == CaseStatus.MONITORING:
            locked.elimination_kind = elimination_kind
        if step.target == CaseStatus.MONITORING and from_status in workflow.ELIMINATION:
            locked.elimination_kind = ""
        if step.target == CaseStatus.ELIMINATED:
            locked.eliminated_on = today
        if step.target in workflow.FINAL:
            locked.is_open = False
        locked.version += 1
        locked.save()
        if step.target in workflow.NOTICE_STATES:
            days, _unit = parameter_int(workflow.NOTICE_PARAMETERS[step.target], on=today,
                                        region_code=locked.region_id)
            CaseNotice.objects.create(
                case=locked, stage=(ProcedureStage.ELIMINATION
                                    if step.target == CaseStatus.ELIM_NOTICE
                                    else ProcedureStage.IDENTIFICATION),
                starts_on=today, ends_on=today + dt.timedelta(days=days - 1))
        record = CaseTransition.objects.create(
            case=locked, from_status=from_status, to_status=step.target, action=step.label,
            actor=actor, actor_name=actor.get_username(), note=note, deadline=deadline)
        _save_uploads(actor=actor, case=locked, files=attachments, transition=record)
        if step.target in workflow.FINAL or step.target == CaseStatus.MONITORING:
            _feed_back(actor, locked, step)
        after = snapshot(locked, fields)
        record_event(actor=actor, event_type=AuditEventType.CASE_TRANSITIONED, subject=locked,
                     region_code=locked.region_id,
                     changes={k: [before[k], after[k]] for k in fields if before[k] != after[k]},
                     note=step.label, extra={"action": step.action, **(
                         {"note": note} if note else {})})
    return locked


def _feed_back(actor: User, case: MonitoringCase, step: workflow.Transition) -> None:
    """The decision goes back to the leads that became the case: the applicant sees it on the
    status page, and a department lead (部门推送线索) moves through its own table to 已纳入监测
    (县级审定纳入) or 不纳入 with the decision reason, in this transaction
    (``departments.services.leads_feed_back``)."""
    if step.target == CaseStatus.MONITORING and step.source != CaseStatus.COUNTY_APPROVAL:
        return
    text = f"{step.label}" + (f"：{case.decision_reason}" if case.decision_reason else "")
    merged = case.leads.filter(status=CaseLeadStatus.MERGED)
    merged.update(result_note=text[:2000])
    if step.target in (CaseStatus.MONITORING, CaseStatus.NOT_INCLUDED):
        _department_feed_back(actor, case, leads=merged,
                              included=step.target == CaseStatus.MONITORING,
                              reason=case.decision_reason, decision=step.label)


def _department_feed_back(actor: User, case: MonitoringCase | None, *, leads: Any,
                          included: bool, reason: str, decision: str,
                          subject: str = "") -> None:
    from minsheng.departments.services import leads_feed_back

    ids = [pk for pk in leads.exclude(department_lead=None)
           .values_list("department_lead_id", flat=True)]
    if ids:
        leads_feed_back(actor=actor, lead_ids=ids, included=included, reason=reason,
                        subject=subject or f"监测案件 {case.number}", decision=decision,
                        case_id=case.pk if case else None)


def green_channel_open(*, actor: User, case: MonitoringCase, version: int | None, note: str,
                       today: dt.date | None = None) -> MonitoringCase:
    """绿色通道: for 因灾/因意外, assistance may start before 纳入; the procedure continues."""
    today = _today(today)
    note = (note or "").strip()
    with transaction.atomic():
        locked = (MonitoringCase.objects.visible_to(actor).select_for_update()
                  .filter(pk=case.pk).first())
        if locked is None:
            raise NotFound()
        if not actor.has_perm(GREEN_CHANNEL):
            raise PermissionDenied("您没有启用绿色通道的权限。")
        if version is None or locked.version != version:
            raise Conflict("该案件已被他人办理，本次操作未生效。请刷新后重试。")
        if locked.status not in workflow.IDENTIFICATION:
            raise InvalidInput("绿色通道只适用于识别程序办理中的案件。")
        if locked.green_channel:
            raise InvalidInput("该案件已启用绿色通道。")
        if not GREEN_RISKS & set(locked.risk_types):
            raise InvalidInput("绿色通道只适用于因灾、因意外的情形。")
        try:
            enabled = active_parameters().value(workflow.GREEN_CHANNEL_PARAMETER, on=today,
                                                region_code=locked.region_id).value
        except PolicyError as exc:
            raise InvalidInput(exc.message) from exc
        if not enabled:
            raise InvalidInput("本地政策参数未启用绿色通道。")
        if not note:
            raise InvalidInput("请填写启用绿色通道的情况说明。")
        locked.green_channel = True
        locked.green_channel_at = timezone.now()
        locked.green_channel_note = note
        locked.version += 1
        locked.save()
        CaseTransition.objects.create(case=locked, from_status=locked.status,
                                      to_status=locked.status, action="启用绿色通道",
                                      actor=actor, actor_name=actor.get_username(), note=note,
                                      deadline=locked.step_deadline)
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=locked,
                     region_code=locked.region_id, changes={"green_channel": [False, True]},
                     note="启用绿色通道（先帮扶后补程序）", extra={"note": note})
    return locked


def assistance_may_start(case: MonitoringCase) -> bool:
    """Whether 一户一策 measures may be recorded: the household is a monitoring object, or the
    green channel is open while the identification procedure runs."""
    return case.status in (CaseStatus.MONITORING, *workflow.ELIMINATION) or (
        case.green_channel and case.status in workflow.IDENTIFICATION)


# --- Records of the steps -------------------------------------------------------------------

def _case_for_record(actor: User, case: MonitoringCase, states: Iterable[str]) -> MonitoringCase:
    locked = (MonitoringCase.objects.visible_to(actor).select_for_update()
              .filter(pk=case.pk).first())
    if locked is None:
        raise NotFound()
    if not actor.has_perm(workflow.CHECK):
        raise PermissionDenied("您没有录入核查、评议和公示材料的权限。")
    if locked.status not in states:
        raise InvalidInput(f"案件当前处于「{locked.get_status_display()}」环节，不能录入该记录。")
    return locked


def _money(value: Any, label: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{label}应为金额，实为「{value}」。") from None
    if amount < 0:
        raise InvalidInput(f"{label}不能为负数。")
    return amount.quantize(Decimal("0.01"))


def visit_record(*, actor: User, case: MonitoringCase, visited_on: dt.date,
                 visitors: Sequence[str], members_present: Sequence[str], income_12m: Any,
                 spending_12m: Any = 0, food_clothing_ok: bool = True,
                 education_ok: bool = True, medical_ok: bool = True, housing_ok: bool = True,
                 water_ok: bool = True, note: str = "", risk_types: Iterable[str] | None = None,
                 category: str = "", authorization: UploadedFile | None = None,
                 photos: Sequence[UploadedFile] = (), today: dt.date | None = None) -> CaseVisit:
    """入户核查 (identification) or 入户核实 (elimination) record, with uploads."""
    today = _today(today)
    with transaction.atomic():
        locked = _case_for_record(actor, case, (CaseStatus.HOUSEHOLD_CHECK, CaseStatus.ELIM_CHECK))
        files = check_uploads([(AttachmentKind.AUTHORIZATION, authorization)] + [
            (AttachmentKind.PHOTO, p) for p in photos or ()])
        names = [v.strip() for v in visitors if v and v.strip()]
        if not names:
            raise InvalidInput("请填写核查人员。")
        if visited_on > today:
            raise InvalidInput("核查日期不能晚于今天。")
        stage = (ProcedureStage.ELIMINATION if locked.status == CaseStatus.ELIM_CHECK
                 else ProcedureStage.IDENTIFICATION)
        visit = CaseVisit.objects.create(
            case=locked, stage=stage, visited_on=visited_on, visitors=names,
            members_present=[m for m in members_present if m],
            income_12m=_money(income_12m, "近12个月家庭纯收入"),
            spending_12m=_money(spending_12m or 0, "近12个月刚性支出"),
            food_clothing_ok=food_clothing_ok, education_ok=education_ok,
            medical_ok=medical_ok, housing_ok=housing_ok, water_ok=water_ok,
            note=(note or "").strip(), recorded_by=actor)
        if risk_types is not None:
            locked.risk_types = _clean_risk_types(risk_types)
        if category:
            if category not in CaseCategory.values:
                raise InvalidInput(f"未知的监测对象类别「{category}」。")
            locked.category = category  # proposed; confirmed at 县级审定
        _save_uploads(actor=actor, case=locked, files=files, visit=visit)
        locked.version += 1
        locked.save()
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=locked,
                     region_code=locked.region_id,
                     note=f"录入{'风险消除入户核实' if stage == ProcedureStage.ELIMINATION else '入户核查'}记录",
                     extra={"visit": visit.pk, "visitors": len(names),
                            "secured": visit.secured})
    return visit


def meeting_record(*, actor: User, case: MonitoringCase, held_on: dt.date, attendees: str,
                   attendee_count: int, result: str, note: str = "",
                   today: dt.date | None = None) -> CaseMeeting:
    today = _today(today)
    with transaction.atomic():
        locked = _case_for_record(actor, case, (CaseStatus.REVIEW, CaseStatus.ELIM_REVIEW))
        if result not in MeetingResult.values:
            raise InvalidInput("请选择评议结果（同意或不同意）。")
        if not (attendees or "").strip() or attendee_count < 1:
            raise InvalidInput("请填写参会人员和人数。")
        if held_on > today:
            raise InvalidInput("评议日期不能晚于今天。")
        stage = (ProcedureStage.ELIMINATION if locked.status == CaseStatus.ELIM_REVIEW
                 else ProcedureStage.IDENTIFICATION)
        meeting = CaseMeeting.objects.create(case=locked, stage=stage, held_on=held_on,
                                             attendees=attendees.strip(),
                                             attendee_count=attendee_count, result=result,
                                             note=(note or "").strip(), recorded_by=actor)
        locked.version += 1
        locked.save()
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=locked,
                     region_code=locked.region_id, note="录入民主评议记录",
                     extra={"meeting": meeting.pk, "result": result})
    return meeting


def objection_record(*, actor: User, case: MonitoringCase, content: str,
                     received_on: dt.date | None = None) -> NoticeObjection:
    with transaction.atomic():
        locked = _case_for_record(actor, case, workflow.NOTICE_STATES)
        if not (content or "").strip():
            raise InvalidInput("请填写异议内容。")
        notice = locked.notices.order_by("-starts_on", "-id").first()
        if notice is None:
            raise InvalidInput("没有公示记录。")
        objection = NoticeObjection.objects.create(
            notice=notice, received_on=received_on or timezone.localdate(),
            content=content.strip(), recorded_by=actor)
        locked.version += 1
        locked.save()
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=locked,
                     region_code=locked.region_id, note="登记公示异议",
                     extra={"objection": objection.pk})
    return objection


def objection_resolve(*, actor: User, objection: NoticeObjection,
                      resolution: str) -> NoticeObjection:
    with transaction.atomic():
        locked = _case_for_record(actor, objection.notice.case, workflow.NOTICE_STATES)
        row = NoticeObjection.objects.select_for_update().get(pk=objection.pk)
        if row.resolved:
            raise Conflict("该异议已处理。")
        if not (resolution or "").strip():
            raise InvalidInput("请填写核查处理结果。")
        row.resolved = True
        row.resolution = resolution.strip()
        row.resolved_by = actor
        row.resolved_at = timezone.now()
        row.save()
        locked.version += 1
        locked.save()
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=locked,
                     region_code=locked.region_id, note="处理公示异议",
                     extra={"objection": row.pk})
    return row


# --- The lead inbox -------------------------------------------------------------------------

def _village(code: str) -> Region:
    code = (code or "").strip()
    village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
    if village is None:
        raise InvalidInput("请选择所在的村（社区）。")
    return village


def _lead_create(*, actor: User | None, source: str, village: Region, name: str,
                 household: Household | None = None, today: dt.date, **fields: Any) -> CaseLead:
    return CaseLead.objects.create(
        source=source, household=household, region=village, township=_township_of(village),
        name=name, response_deadline=lead_deadline(start=today, region_code=village.code),
        created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields)


DECLARATION_LIMIT = 5  # per client address per hour
DECLARATION_WINDOW = 3600


def declaration_rate_check(client_ip: str) -> None:
    """At most ``DECLARATION_LIMIT`` declarations per client address per hour."""
    key = f"minsheng:declaration:{client_ip or 'unknown'}"
    added = cache.add(key, 1, DECLARATION_WINDOW)
    if added:
        return
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, DECLARATION_WINDOW)
        return
    if count > DECLARATION_LIMIT:
        raise PermissionDenied("提交过于频繁，请一小时后再试；情况紧急请直接联系村委会或拨打乡镇监测热线。")


def declaration_submit(*, name: str, id_number: str, village_code: str, phone: str,
                       description: str, client_ip: str = "",
                       today: dt.date | None = None) -> CaseLead:
    """农户自主申报 (no login): validated, assigned to the village and township, with a
    tracking code the applicant uses on the public status page."""
    today = _today(today)
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise InvalidInput("请填写申请人姓名。")
    check = check_id_number(id_number, today=today)
    if not check.ok:
        raise InvalidInput(check.errors[0])
    phone = (phone or "").strip()
    if not (phone.isdigit() and 7 <= len(phone) <= 20):
        raise InvalidInput("请填写正确的联系电话（数字）。")
    description = (description or "").strip()
    if len(description) < 4:
        raise InvalidInput("请简要说明遇到的困难（如生病住院、受灾、失业等）。")
    village = _village(village_code)
    declaration_rate_check(client_ip)
    member = (Member.objects.filter(id_number=check.number, active=True)
              .select_related("household").first())
    household = member.household if member and member.household.region_id == village.code \
        else None
    with transaction.atomic():
        lead = _lead_create(actor=None, source=LeadSource.DECLARATION, village=village,
                            name=name, household=household, today=today,
                            id_number=check.number, phone=phone,
                            description=description[:4000],
                            tracking_code=_tracking_code())
        record_event(actor=None, event_type=AuditEventType.DECLARATION_SUBMITTED,
                     subject=lead, region_code=village.code, actor_username="农户自主申报",
                     note="农户自主申报", extra={"matched_household": bool(household)})
    return lead


def _tracking_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        code = "SB" + "".join(secrets.choice(alphabet) for _ in range(10))
        if not CaseLead.objects.filter(tracking_code=code).exists():
            return code


def declaration_status(code: str) -> dict[str, str] | None:
    """What the public status page may show for one tracking code: that declaration's state
    only (never names, numbers or another household's data). None when the code is unknown."""
    code = (code or "").strip().upper()
    if not code.startswith("SB") or len(code) != 12:
        return None
    lead = (CaseLead.objects.filter(tracking_code=code, source=LeadSource.DECLARATION)
            .select_related("case", "region").first())
    if lead is None:
        return None
    if lead.status == CaseLeadStatus.PENDING:
        state = "已受理，等待村（社区）和乡镇研判"
    elif lead.status == CaseLeadStatus.DISMISSED:
        state = "经研判暂不纳入监测"
    else:
        case = lead.case
        state = {CaseStatus.MONITORING: "已纳入防止返贫监测", CaseStatus.NOT_INCLUDED: "经审定不纳入监测",
                 CaseStatus.ELIMINATED: "已标注风险消除"}.get(
            case.status, f"识别程序办理中（当前环节：{case.get_status_display()}）")
    return {"code": code, "submitted": f"{timezone.localtime(lead.created_at):%Y-%m-%d}",
            "village": lead.region.name, "state": state, "note": lead.result_note}


def visit_report(*, actor: User, household: Household, description: str,
                 changes: dict[str, Any] | None = None, risk_types: Iterable[str] | None = None,
                 today: dt.date | None = None) -> CaseLead:
    """村监测员/干部排查: a visit report filed from a phone; only what changed is sent."""
    today = _today(today)
    if not actor.has_perm(LEAD_ADD):
        raise PermissionDenied("您没有上报排查线索的权限。")
    if not Household.objects.visible_to(actor).filter(pk=household.pk).exists():
        raise NotFound()
    description = (description or "").strip()
    if not description and not changes:
        raise InvalidInput("请填写排查发现的情况或变化。")
    head = household.members.filter(relation="head", active=True).first()
    with transaction.atomic():
        lead = _lead_create(actor=actor, source=LeadSource.VISIT, village=household.region,
                            name=household.head_name, household=household, today=today,
                            id_number=head.id_number if head else "",
                            description=description, details=changes or {},
                            risk_types=_clean_risk_types(risk_types))
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=lead,
                     region_code=lead.region_id, note="上报排查线索",
                     extra={"changes": sorted((changes or {}).keys())})
    return lead


def _signal_risks(reason_code: str) -> list[str]:
    if reason_code.startswith("medical_"):
        return [RiskType.ILLNESS]
    if reason_code == "child_out_of_school":
        return [RiskType.SCHOOLING]
    return []


def leads_from_signals(*, actor: User, signals: Iterable[RiskSignal],
                       today: dt.date | None = None) -> list[CaseLead]:
    """转为线索: open risk signals of the screening become leads (one per signal, once)."""
    today = _today(today)
    if not actor.has_perm(LEAD_ADD):
        raise PermissionDenied("您没有将风险信号转为线索的权限。")
    ids = [s.pk for s in signals]
    visible = (RiskSignal.objects.visible_to(actor).filter(pk__in=ids, status="open")
               .select_related("household", "household__region"))
    already = set(CaseLead.objects.filter(signal_id__in=ids).values_list("signal_id", flat=True))
    created = []
    with transaction.atomic():
        for signal in visible:
            if signal.pk in already:
                continue
            household = signal.household
            lead = _lead_create(
                actor=actor, source=LeadSource.SIGNAL, village=household.region,
                name=household.head_name, household=household, today=today, signal=signal,
                risk_types=_signal_risks(signal.reason_code),
                description=f"风险筛查信号：{REASON_LABELS.get(signal.reason_code, signal.reason_code)}"
                            f"（测算值 {signal.measured or '—'}，标准值 {signal.threshold or '—'}）")
            created.append(lead)
            record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=lead,
                         region_code=lead.region_id, note="风险信号转为线索",
                         extra={"signal": signal.pk})
    return created


def lead_from_department(*, actor: User, department_lead: Any,
                         today: dt.date | None = None) -> CaseLead:
    """转为线索: a department lead (部门推送线索) joins the inbox (once)."""
    from minsheng.departments.models import DepartmentLead

    today = _today(today)
    if not actor.has_perm(LEAD_ADD):
        raise PermissionDenied("您没有将部门线索转为监测线索的权限。")
    dep = (DepartmentLead.objects.visible_to(actor).filter(pk=department_lead.pk)
           .select_related("household", "household__region").first())
    if dep is None:
        raise NotFound()
    existing = CaseLead.objects.filter(department_lead=dep).first()
    if existing is not None:
        raise InvalidInput("该部门线索已转为监测线索。")
    with transaction.atomic():
        lead = _lead_create(actor=actor, source=LeadSource.DEPARTMENT,
                            village=dep.household.region, name=dep.registry_name,
                            household=dep.household, today=today, department_lead=dep,
                            id_number=dep.id_number,
                            description=f"{dep.get_department_display()} {dep.period} 推送")
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=lead,
                     region_code=lead.region_id, note="部门线索转为监测线索",
                     extra={"department_lead": dep.pk})
    return lead


def leads_from_department(*, actor: User, department_leads: Iterable[Any],
                          today: dt.date | None = None) -> list[CaseLead]:
    """转为线索 in bulk: the department leads in scope that are not yet in the inbox."""
    from minsheng.departments.models import DepartmentLead

    ids = [d.pk for d in department_leads]
    already = set(CaseLead.objects.filter(department_lead_id__in=ids)
                  .values_list("department_lead_id", flat=True))
    created = []
    with transaction.atomic():
        for dep in DepartmentLead.objects.visible_to(actor).filter(pk__in=ids).order_by("pk"):
            if dep.pk not in already:
                created.append(lead_from_department(actor=actor, department_lead=dep,
                                                    today=today))
    return created


def _lock_lead(actor: User, lead: CaseLead, version: int | None) -> CaseLead:
    locked = (CaseLead.objects.visible_to(actor).select_for_update().filter(pk=lead.pk)
              .first())
    if locked is None:
        raise NotFound()
    if not actor.has_perm(LEAD_HANDLE):
        raise PermissionDenied("您没有研判监测线索的权限。")
    if version is None or locked.version != version:
        raise Conflict("该线索已被他人处理，本次操作未生效。请刷新后重试。")
    if locked.status != CaseLeadStatus.PENDING:
        raise InvalidInput("该线索已处理。")
    return locked


def lead_merge(*, actor: User, lead: CaseLead, version: int | None, household: Household | None
               = None, note: str = "", today: dt.date | None = None) -> MonitoringCase:
    """研判转入案件: the lead joins the household's open case, or opens one at 风险预警.
    A declaration that matched no household needs the household chosen by the cadre."""
    today = _today(today)
    with transaction.atomic():
        locked = _lock_lead(actor, lead, version)
        target = locked.household or household
        if target is None:
            raise InvalidInput("该线索尚未对应到台账中的农户，请先选择农户（或先登记农户）。")
        if not Household.objects.visible_to(actor).filter(pk=target.pk).exists():
            raise NotFound()
        Household.objects.select_for_update().filter(pk=target.pk).first()
        case = open_case_for(target)
        if case is None:
            case = _case_create(actor=actor, household=target,
                                risk_types=list(locked.risk_types),
                                summary=locked.description, today=today,
                                note=f"由{locked.get_source_display()}转入")
        elif locked.risk_types:
            merged = list(dict.fromkeys([*case.risk_types, *locked.risk_types]))
            if merged != case.risk_types:
                case.risk_types = merged
                case.version += 1
                case.save(update_fields=["risk_types", "version", "updated_at"])
        locked.household = target
        locked.status = CaseLeadStatus.MERGED
        locked.case = case
        locked.handled_by = actor
        locked.handled_at = timezone.now()
        locked.result_note = (note or "").strip()
        locked.version += 1
        locked.save()
        if locked.department_lead_id:
            from minsheng.departments.models import DepartmentLead

            DepartmentLead.objects.filter(pk=locked.department_lead_id).update(
                monitoring_case_id=case.pk)
            if case.status == CaseStatus.MONITORING or case.status in workflow.ELIMINATION:
                # The household is already a monitoring object: the lead is answered now.
                _department_feed_back(actor, case, leads=CaseLead.objects.filter(pk=locked.pk),
                                      included=True, reason="该户已是监测对象，线索并入在办案件",
                                      decision="已纳入监测")
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=case,
                     region_code=case.region_id, note=f"线索并入案件（{locked.get_source_display()}）",
                     extra={"lead": locked.pk})
    return case


def lead_dismiss(*, actor: User, lead: CaseLead, version: int | None,
                 reason: str) -> CaseLead:
    """研判不纳入: the reason goes back to the source (the applicant's status page)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写不纳入原因。")
    with transaction.atomic():
        locked = _lock_lead(actor, lead, version)
        locked.status = CaseLeadStatus.DISMISSED
        locked.result_note = reason
        locked.handled_by = actor
        locked.handled_at = timezone.now()
        locked.version += 1
        locked.save()
        record_event(actor=actor, event_type=AuditEventType.CASE_UPDATED, subject=locked,
                     region_code=locked.region_id, note="线索研判不纳入",
                     extra={"reason": reason})
        if locked.department_lead_id:
            _department_feed_back(actor, None, leads=CaseLead.objects.filter(pk=locked.pk),
                                  included=False, reason=reason, decision="研判不纳入",
                                  subject=f"监测线索（{locked.get_source_display()}）")
    return locked
