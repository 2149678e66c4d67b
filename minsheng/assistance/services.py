"""Writes of assistance plans (一户一策) and follow-up visits (事后跟踪): atomic, version-checked
(a stale version is a Conflict with a Chinese message), scoped (out of scope → NotFound) and
audited (``ASSISTANCE_UPDATED``, ``FOLLOW_UP_RECORDED``)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.assistance.models import (
    AssistancePlan,
    FollowUpVisit,
    IncomeChange,
    MeasureEvidence,
    MeasureStatus,
    PlanMeasure,
    PlanStatus,
)
from minsheng.assistance.rules import suggest
from minsheng.assistance.selectors import (
    evidence_get,
    household_facts,
    measure_type_get,
    suggestion_params,
)
from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.files import upload_open
from minsheng.core.models import AuditEventType, User
from minsheng.core.roles import Role
from minsheng.employment.rules import parse_month
from minsheng.regions.scoping import code_in_scope
from minsheng.registry.models import Household

MANAGE = "assistance.manage_assistanceplan"
RECORD = "assistance.record_assistanceplan"
VISIT = "assistance.add_followupvisit"

PLAN_FIELDS = ["status", "responsible_name", "responsible_phone", "responsible_unit",
               "responsible_user", "goal", "case_id", "close_reason"]
MEASURE_FIELDS = ["measure_type", "title", "start_date", "end_date", "continues_until", "amount",
                  "status", "responsible_unit", "notes"]
# A measure's status may move forward only; a finished one is not reopened.
MEASURE_STATUS_NEXT = {
    MeasureStatus.PLANNED: {MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS,
                            MeasureStatus.COMPLETED, MeasureStatus.TERMINATED},
    MeasureStatus.IN_PROGRESS: {MeasureStatus.IN_PROGRESS, MeasureStatus.COMPLETED,
                                MeasureStatus.TERMINATED},
    MeasureStatus.COMPLETED: {MeasureStatus.COMPLETED},
    MeasureStatus.TERMINATED: {MeasureStatus.TERMINATED},
}
EVIDENCE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf", ".heic", ".webp", ".doc", ".docx", ".xls",
                     ".xlsx"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# The registry's phone rule: a mobile number or a fixed line with its area code.
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}\d{7,8})$")


def _require(actor: User, perm: str, what: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(f"您没有{what}的权限。")


def _check_version(obj: Any, version: int | None, what: str) -> None:
    if version is None:
        raise InvalidInput(f"缺少版本号：请先读取{what}再修改。")
    if obj.version != version:
        raise Conflict(f"该{what}已被他人修改（当前版本 {obj.version}，您看到的是版本 {version}），"
                       "本次修改未生效。请刷新后重试。")


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


def _locked_plan(actor: User, plan: AssistancePlan | int, action: str) -> AssistancePlan:
    pk = plan.pk if isinstance(plan, AssistancePlan) else plan
    locked = (AssistancePlan.objects.visible_to(actor, action).select_for_update()
              .filter(pk=pk).first())
    if locked is None:
        raise NotFound()
    return locked


def _date(value: Any, label: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(f"请填写{label}。")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidInput(f"{label}「{value}」格式不正确，应为 年-月-日，如 2025-10-01。") from exc


def _required_date(value: Any, label: str) -> dt.date:
    found = _date(value, label)
    if found is None:  # pragma: no cover - _date raises for a missing required date
        raise InvalidInput(f"请填写{label}。")
    return found


def _amount(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value).replace(",", "").replace("元", "").strip())
    except InvalidOperation as exc:
        raise InvalidInput(f"金额「{value}」不是有效的数字。") from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise InvalidInput(f"金额「{value}」应为不小于 0 的金额。")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"金额「{value}」最多保留两位小数。")
    return amount.quantize(Decimal("0.01"))


def _responsible_user(actor: User, plan_region: str, user: Any) -> User | None:
    """A 帮扶责任人 account must be an active village monitor or township station account whose
    scope covers the household."""
    if user in (None, ""):
        return None
    if isinstance(user, User):
        found: User | None = user
    elif str(user).isdigit():
        found = User.objects.filter(pk=int(str(user))).first()
    else:
        found = User.objects.filter(username=str(user).strip()).first()
    if found is None or not found.is_active:
        raise InvalidInput("所选帮扶责任人账号不存在或已停用。")
    if found.role not in (Role.VILLAGE_MONITOR, Role.TOWNSHIP_STATION):
        raise InvalidInput("帮扶责任人账号应为村监测员或乡镇监测站账号。")
    if not code_in_scope(found, plan_region):
        raise InvalidInput(f"账号「{found.username}」的管辖范围不包括该户所在村。")
    return found


def _phone(value: Any) -> str:
    phone = str(value or "").strip().replace(" ", "").replace("-", "")
    if phone and not _PHONE.match(phone):
        raise InvalidInput(f"帮扶责任人电话「{value}」应为 11 位手机号或带区号的固定电话。")
    return phone


# --- Plans ----------------------------------------------------------------------------------

def plan_create(*, actor: User, household: Household, responsible_name: str = "",
                responsible_phone: str = "", responsible_unit: str = "",
                responsible_user: Any = None, goal: str = "", case_id: int | None = None,
                adopt_suggestions: bool = False, on: dt.date | None = None) -> AssistancePlan:
    """Draw up a household's plan (制定一户一策帮扶计划); optionally adopt every suggestion at
    once. One active plan per household: a second is refused."""
    _require(actor, MANAGE, "制定帮扶计划")
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = (Household.objects.visible_to(actor).select_for_update()
                  .filter(pk=household.pk).first())
        if locked is None:
            raise NotFound()
        if locked.archived:
            raise InvalidInput("该户已归档，不能制定帮扶计划。")
        if AssistancePlan.objects.filter(household=locked, status=PlanStatus.ACTIVE).exists():
            raise Conflict("该户已有执行中的帮扶计划，请在原计划上调整措施。")
        user = _responsible_user(actor, locked.region_id, responsible_user)
        name = (responsible_name or "").strip() or (
            (user.display_name or user.username) if user else "")
        plan = AssistancePlan.objects.create(
            household=locked, region_id=locked.region_id, responsible_name=name[:64],
            responsible_phone=_phone(responsible_phone),
            responsible_unit=(responsible_unit or "").strip()[:100], responsible_user=user,
            goal=(goal or "").strip(), case_id=case_id, created_by=actor)
        record_event(actor=actor, event_type=AuditEventType.ASSISTANCE_UPDATED, subject=plan,
                     region_code=plan.region_id, note="制定帮扶计划",
                     changes={k: [None, v] for k, v in snapshot(plan, PLAN_FIELDS).items()
                              if v not in ("", None)},
                     extra={"household": locked.pk})
        if adopt_suggestions:
            params = suggestion_params(on=on, region_code=locked.region_id)
            for s in suggest(household_facts(locked), on=on, params=params):
                _measure_add(actor=actor, plan=plan, measure_type=s.code, start_date=on,
                             suggested_reason=s.reason)
    return plan


def plan_update(*, actor: User, plan: AssistancePlan, version: int | None,
                **fields: Any) -> AssistancePlan:
    """Assign or change the 帮扶责任人 and the plan's goal (确定帮扶责任人)."""
    _require(actor, MANAGE, "确定帮扶责任人")
    allowed = {"responsible_name", "responsible_phone", "responsible_unit", "responsible_user",
               "goal", "case_id"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(sorted(unknown))}。")
    with transaction.atomic():
        locked = _locked_plan(actor, plan, "manage")
        _check_version(locked, version, "帮扶计划")
        if locked.status != PlanStatus.ACTIVE:
            raise InvalidInput("帮扶计划已关闭，不能再修改。")
        before = snapshot(locked, PLAN_FIELDS)
        if "responsible_user" in fields:
            locked.responsible_user = _responsible_user(actor, locked.region_id,
                                                        fields.pop("responsible_user"))
        for key, value in fields.items():
            if key == "case_id":
                locked.case_id = value
            elif key == "responsible_phone":
                locked.responsible_phone = _phone(value)
            else:
                setattr(locked, key, (value or "").strip())
        if not locked.responsible_name and locked.responsible_user is not None:
            u = locked.responsible_user
            locked.responsible_name = u.display_name or u.username
        locked.version += 1
        locked.save()
        changes = _changes(before, snapshot(locked, PLAN_FIELDS))
        record_event(actor=actor, event_type=AuditEventType.ASSISTANCE_UPDATED, subject=locked,
                     region_code=locked.region_id, changes=changes, note="调整帮扶计划／帮扶责任人")
    return locked


def plan_close(*, actor: User, plan: AssistancePlan, version: int | None,
               reason: str) -> AssistancePlan:
    """Close a plan (关闭帮扶计划), e.g. after 风险消除 or on archiving. Open measures of types
    that continue after elimination stay open (and visible); the others are terminated."""
    _require(actor, MANAGE, "关闭帮扶计划")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写关闭原因。")
    with transaction.atomic():
        locked = _locked_plan(actor, plan, "manage")
        _check_version(locked, version, "帮扶计划")
        if locked.status != PlanStatus.ACTIVE:
            raise InvalidInput("帮扶计划已关闭。")
        before = snapshot(locked, PLAN_FIELDS)
        terminated = []
        for measure in (locked.measures.select_for_update().select_related("measure_type")
                        .filter(status__in=(MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS))):
            if measure.measure_type.continues_after_elimination:
                continue
            measure.status = MeasureStatus.TERMINATED
            measure.notes = (measure.notes + "\n" if measure.notes else "") + f"计划关闭：{reason}"
            measure.version += 1
            measure.save()
            terminated.append(measure.pk)
        locked.status = PlanStatus.CLOSED
        locked.close_reason = reason[:200]
        locked.closed_at = timezone.now()
        locked.version += 1
        locked.save()
        record_event(actor=actor, event_type=AuditEventType.ASSISTANCE_UPDATED, subject=locked,
                     region_code=locked.region_id, note="关闭帮扶计划",
                     changes=_changes(before, snapshot(locked, PLAN_FIELDS)),
                     extra={"terminated_measures": terminated})
    return locked


# --- Measures -------------------------------------------------------------------------------

def _validate_measure(values: dict[str, Any]) -> None:
    start, end, until = values["start_date"], values.get("end_date"), values.get(
        "continues_until")
    if end is not None and end < start:
        raise InvalidInput("结束日期不能早于开始日期。")
    if until is not None and until < start:
        raise InvalidInput("延续截止日期不能早于开始日期。")
    if values.get("status") not in MeasureStatus.values:
        raise InvalidInput(f"未知的措施状态「{values.get('status')}」。")


def _measure_add(*, actor: User, plan: AssistancePlan, measure_type: str, start_date: Any,
                 end_date: Any = None, continues_until: Any = None, amount: Any = None,
                 status: str = MeasureStatus.PLANNED, title: str = "",
                 responsible_unit: str = "", notes: str = "",
                 suggested_reason: str = "") -> PlanMeasure:
    kind = measure_type_get(measure_type)
    start = _required_date(start_date, "开始日期")
    end = _date(end_date, "结束日期", required=False)
    if end is None and kind.default_months:
        from minsheng.employment.publicposts.rules import add_months

        end = add_months(start, kind.default_months) - dt.timedelta(days=1)
    until = _date(continues_until, "延续截止日期", required=False)
    if until is None and kind.continues_after_elimination:
        until = end
    values = {"start_date": start, "end_date": end, "continues_until": until, "status": status}
    _validate_measure(values)
    measure = PlanMeasure.objects.create(
        plan=plan, measure_type=kind, title=(title or "").strip()[:200], amount=_amount(amount),
        responsible_unit=(responsible_unit or "").strip()[:100], notes=(notes or "").strip(),
        suggested_reason=suggested_reason[:300], **values)
    record_event(actor=actor, event_type=AuditEventType.ASSISTANCE_UPDATED, subject=measure,
                 subject_repr=f"{kind.name}（计划 {plan.pk}）", region_code=plan.region_id,
                 note="新增帮扶措施" + ("（采纳系统建议）" if suggested_reason else ""),
                 changes={k: [None, v] for k, v in snapshot(measure, MEASURE_FIELDS).items()
                          if v not in ("", None)},
                 extra={"plan": plan.pk})
    return measure


def measure_add(*, actor: User, plan: AssistancePlan, plan_version: int | None = None,
                adopt: bool = False, **values: Any) -> PlanMeasure:
    """Add a measure to an active plan (新增帮扶措施). ``adopt=True`` adopts the current
    suggestion of that type (采纳) and keeps its reason; a type already open is refused."""
    _require(actor, RECORD, "登记帮扶措施")
    with transaction.atomic():
        locked = _locked_plan(actor, plan, "record")
        if plan_version is not None:
            _check_version(locked, plan_version, "帮扶计划")
        if locked.status != PlanStatus.ACTIVE:
            raise InvalidInput("帮扶计划已关闭，不能再新增措施。")
        code = values.get("measure_type", "")
        if adopt:
            on = _required_date(values.get("start_date") or timezone.localdate(), "开始日期")
            values.setdefault("start_date", on)
            params = suggestion_params(on=on, region_code=locked.region_id)
            found = {s.code: s for s in suggest(household_facts(locked.household), on=on,
                                                params=params)}
            if code not in found:
                raise InvalidInput("该措施不在当前的系统建议中，请按一般措施新增。")
            if locked.measures.filter(measure_type_id=code,
                                      status__in=(MeasureStatus.PLANNED,
                                                  MeasureStatus.IN_PROGRESS)).exists():
                raise Conflict("该户已有同类执行中的措施，无需重复采纳。")
            values["suggested_reason"] = found[code].reason
        measure = _measure_add(actor=actor, plan=locked, **values)
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
    return measure


def measure_update(*, actor: User, measure: PlanMeasure, version: int | None,
                   **values: Any) -> PlanMeasure:
    """Change a measure (更新帮扶措施): period, amount, status (forward only), unit, notes."""
    _require(actor, RECORD, "更新帮扶措施")
    allowed = {"title", "start_date", "end_date", "continues_until", "amount", "status",
               "responsible_unit", "notes"}
    unknown = set(values) - allowed
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(sorted(unknown))}。")
    with transaction.atomic():
        locked = (PlanMeasure.objects.visible_to(actor, "record").select_for_update()
                  .select_related("plan", "measure_type").filter(pk=measure.pk).first())
        if locked is None:
            raise NotFound()
        _check_version(locked, version, "帮扶措施")
        before = snapshot(locked, MEASURE_FIELDS)
        status = values.get("status", locked.status)
        if status not in MeasureStatus.values:
            raise InvalidInput(f"未知的措施状态「{status}」。")
        if status not in MEASURE_STATUS_NEXT[MeasureStatus(locked.status)]:
            raise InvalidInput(f"措施已{MeasureStatus(locked.status).label}，不能改为"
                               f"{MeasureStatus(status).label}。")
        if locked.plan.status != PlanStatus.ACTIVE and not (
                locked.measure_type.continues_after_elimination and locked.is_open):
            raise InvalidInput("帮扶计划已关闭，只能更新风险消除后延续的措施。")
        if "title" in values:
            locked.title = (values["title"] or "").strip()[:200]
        if "start_date" in values:
            locked.start_date = _date(values["start_date"], "开始日期")
        if "end_date" in values:
            locked.end_date = _date(values["end_date"], "结束日期", required=False)
        if "continues_until" in values:
            locked.continues_until = _date(values["continues_until"], "延续截止日期",
                                           required=False)
        if "amount" in values:
            locked.amount = _amount(values["amount"])
        for key in ("responsible_unit", "notes"):
            if key in values:
                setattr(locked, key, (values[key] or "").strip())
        locked.status = status
        _validate_measure({"start_date": locked.start_date, "end_date": locked.end_date,
                           "continues_until": locked.continues_until, "status": status})
        changes = _changes(before, snapshot(locked, MEASURE_FIELDS))
        if not changes:
            return locked
        locked.version += 1
        locked.save()
        record_event(actor=actor, event_type=AuditEventType.ASSISTANCE_UPDATED, subject=locked,
                     subject_repr=f"{locked.measure_type.name}（计划 {locked.plan_id}）",
                     region_code=locked.plan.region_id, changes=changes, note="更新帮扶措施",
                     extra={"plan": locked.plan_id})
    return locked


def evidence_add(*, actor: User, measure: PlanMeasure, uploaded: UploadedFile,
                 description: str = "") -> MeasureEvidence:
    """Attach a file to a measure (上传佐证材料): photos, PDFs, office documents, ≤ 10 MB."""
    _require(actor, RECORD, "上传佐证材料")
    name = Path(uploaded.name or "").name
    if Path(name).suffix.lower() not in EVIDENCE_SUFFIXES:
        raise InvalidInput(f"文件「{name}」类型不支持：请上传照片（jpg、png）、PDF 或 Office 文档。")
    if (uploaded.size or 0) > EVIDENCE_MAX_BYTES:
        raise InvalidInput("文件超过 10 MB，请压缩后再上传。")
    if not uploaded.size:
        raise InvalidInput("文件是空的。")
    with transaction.atomic():
        locked = (PlanMeasure.objects.visible_to(actor, "record").select_for_update()
                  .select_related("plan").filter(pk=measure.pk).first())
        if locked is None:
            raise NotFound()
        evidence = MeasureEvidence(measure=locked, original_name=name[:200],
                                   description=(description or "").strip()[:200],
                                   uploaded_by=actor)
        evidence.file.save(name, uploaded, save=False)
        try:
            evidence.save()
            record_event(actor=actor, event_type=AuditEventType.ASSISTANCE_UPDATED,
                         subject=locked, region_code=locked.plan.region_id,
                         note=f"上传佐证材料「{name}」", extra={"evidence": evidence.pk})
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


# --- Follow-up visits -----------------------------------------------------------------------

def _flag(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "是", "on"):
        return True
    if text in ("0", "false", "no", "否", "off"):
        return False
    raise InvalidInput(f"「{value}」应为 是 或 否。")


def visit_record(*, actor: User, household: Household, month: str, visit_date: Any,
                 income_change: str, cadre_name: str = "", income_note: str = "",
                 education_ok: Any = None, medical_ok: Any = None, housing_ok: Any = None,
                 water_ok: Any = None, measures_progress: list[dict[str, Any]] | None = None,
                 problems: str = "", next_steps: str = "") -> FollowUpVisit:
    """Record a month's follow-up visit (登记跟踪走访). One per household and month; measure
    statuses reported here are applied to the measures (forward only) in the same
    transaction."""
    _require(actor, VISIT, "登记跟踪走访")
    month = parse_month(month)
    day = _required_date(visit_date, "走访日期")
    if f"{day:%Y-%m}" != month:
        raise InvalidInput(f"走访日期 {day} 不在走访月份 {month} 内。")
    if day > timezone.localdate():
        raise InvalidInput("走访日期不能晚于今天。")
    if income_change not in IncomeChange.values:
        raise InvalidInput("请选择收入变化（增加、基本持平、减少）。")
    cadre_name = (cadre_name or "").strip() or (actor.display_name or actor.username)
    with transaction.atomic():
        locked = (Household.objects.visible_to(actor).select_for_update()
                  .filter(pk=household.pk).first())
        if locked is None or not code_in_scope(actor, locked.region_id):
            raise NotFound()
        if FollowUpVisit.objects.filter(household=locked, month=month).exists():
            raise Conflict(f"该户 {month} 已登记跟踪走访，不能重复登记。")
        plan = AssistancePlan.objects.filter(household=locked,
                                             status=PlanStatus.ACTIVE).first()
        progress = []
        open_measures = {m.pk: m for m in (PlanMeasure.objects.select_for_update()
                                           .select_related("measure_type")
                                           .filter(plan__household=locked))}
        for item in measures_progress or []:
            try:
                pk = int(item.get("measure"))
            except (TypeError, ValueError) as exc:
                raise InvalidInput("措施进展中的措施编号无效。") from exc
            measure = open_measures.get(pk)
            if measure is None:
                raise InvalidInput(f"措施 {pk} 不属于该户。")
            status = item.get("status") or measure.status
            note = str(item.get("note") or "").strip()[:200]
            if status != measure.status:
                if status not in MeasureStatus.values or status not in MEASURE_STATUS_NEXT[
                        MeasureStatus(measure.status)]:
                    raise InvalidInput(f"措施「{measure.measure_type.name}」不能从"
                                       f"{measure.get_status_display()}改为该状态。")
                _require(actor, RECORD, "更新帮扶措施")
                before = measure.status
                measure.status = status
                measure.version += 1
                measure.save()
                record_event(actor=actor, event_type=AuditEventType.ASSISTANCE_UPDATED,
                             subject=measure, region_code=locked.region_id,
                             subject_repr=f"{measure.measure_type.name}（计划 {measure.plan_id}）",
                             changes={"status": [before, status]}, note=f"走访时更新措施状态（{month}）")
            progress.append({"measure": pk, "name": measure.measure_type.name,
                             "status": status, "note": note})
        try:
            with transaction.atomic():
                visit = FollowUpVisit.objects.create(
                    household=locked, plan=plan, region_id=locked.region_id, month=month,
                    visit_date=day, cadre=actor, cadre_name=cadre_name[:64],
                    income_change=income_change, income_note=(income_note or "").strip()[:200],
                    education_ok=_flag(education_ok), medical_ok=_flag(medical_ok),
                    housing_ok=_flag(housing_ok), water_ok=_flag(water_ok),
                    measures_progress=progress, problems=(problems or "").strip(),
                    next_steps=(next_steps or "").strip())
        except IntegrityError as exc:
            raise Conflict(f"该户 {month} 已登记跟踪走访，不能重复登记。") from exc
        record_event(actor=actor, event_type=AuditEventType.FOLLOW_UP_RECORDED, subject=visit,
                     region_code=locked.region_id, note=f"{month} 跟踪走访（{cadre_name}）",
                     extra={"household": locked.pk, "income_change": income_change,
                            "measures": len(progress)})
    return visit


def evidence_open(*, actor: User, evidence_id: Any,
                  channel: str = "web") -> tuple[MeasureEvidence, Any]:
    """下载佐证材料: the evidence file of a measure the actor sees (404 otherwise), audited (photos,
    contracts and receipts are personal data), and opened for reading (a file missing from
    storage: 404 with a Chinese message)."""
    evidence = evidence_get(actor=actor, pk=evidence_id)
    measure = evidence.measure
    record_event(actor=actor, event_type=AuditEventType.EXPORTED, subject=evidence,
                 region_code=measure.plan.region_id,
                 note=f"下载佐证材料：{measure.title or measure.measure_type_id} "
                      f"{evidence.original_name}",
                 extra={"measure": measure.pk, "channel": channel})
    return evidence, upload_open(evidence.file, missing="佐证材料文件已丢失，请联系管理员。")
