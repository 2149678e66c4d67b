"""Writes of 乡村公益性岗位. Every write is atomic, scope-checked, versioned and audited
(``EMPLOYMENT_UPDATED`` with the action in the note; the payroll export as ``EXPORTED`` and a
revealed bank account as ``SENSITIVE_REVEALED``).

Appointments lock the post row (``SELECT … FOR UPDATE``) before counting who is in post, so two
clerks appointing to the last place at once cannot both succeed; the household row is locked
too, so "one post per household" holds under concurrency as well.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.excel import write_workbook
from minsheng.core.models import AuditEventType, User
from minsheng.employment.publicposts import selectors
from minsheng.employment.publicposts.models import (
    Appointment,
    AppointmentStatus,
    Attendance,
    ExitReason,
    Post,
    PostType,
)
from minsheng.employment.publicposts.rules import eligibility_for, pay_for
from minsheng.employment.rules import parse_month
from minsheng.employment.services import (
    _check_version,
    _choice,
    _date,
    _int,
    _require,
    _text,
    _village_in_scope,
)
from minsheng.registry.models import Household, Member

CHANGE_EVENT = AuditEventType.EMPLOYMENT_UPDATED
POST_FIELDS = ("post_type", "name", "quota", "duties", "active")


def _audit(actor: User, obj: Any, before: dict[str, Any], after: dict[str, Any], note: str,
           region_code: str, extra: dict[str, Any] | None = None) -> None:
    record_event(actor=actor, event_type=CHANGE_EVENT, subject=obj, region_code=region_code,
                 changes={k: [before.get(k), after[k]] for k in after
                          if before.get(k) != after[k]}, note=note, extra=extra)


# --- Posts ----------------------------------------------------------------------------------

def clean_post(data: dict[str, Any]) -> dict[str, Any]:
    name = _text(data, "name", "岗位名称", 100)
    if not name:
        raise InvalidInput("请填写岗位名称。")
    active = data.get("active", True)
    return {"post_type": _choice(data.get("post_type"), PostType, "岗位类型"), "name": name,
            "quota": _int(data.get("quota"), "岗位定额", low=1, high=1000),
            "duties": _text(data, "duties", "岗位职责", 200),
            "active": active not in (False, "false", "0", "")}


def post_create(*, actor: User, region_code: Any, data: dict[str, Any]) -> Post:
    """设岗: a post with its quota in a village (county office)."""
    _require(actor, "publicposts.add_post", "您没有设置公益性岗位的权限。")
    values = clean_post(data)
    with transaction.atomic():
        region = _village_in_scope(actor, region_code)
        if Post.objects.filter(region=region, name=values["name"]).exists():
            raise InvalidInput(f"{region.name}已有名为「{values['name']}」的岗位。")
        post = Post.objects.create(region=region, **values)
        _audit(actor, post, {}, snapshot(post, POST_FIELDS), f"设置公益性岗位：{region.name}"
               f" {post.name}", region.code)
    return post


def post_update(*, actor: User, post_id: int, data: dict[str, Any],
                version: int | None) -> Post:
    _require(actor, "publicposts.change_post", "您没有修改公益性岗位的权限。")
    values = clean_post(data)
    with transaction.atomic():
        post = (Post.objects.visible_to(actor, "change").select_for_update()
                .filter(pk=post_id).first())
        if post is None:
            raise NotFound()
        _check_version(post.version, version, "岗位")
        in_post = post.appointments.filter(status=AppointmentStatus.ACTIVE).count()
        if values["quota"] < in_post:
            raise InvalidInput(f"岗位定额（{values['quota']}）不能少于在岗人数（{in_post} 人），"
                               "请先办理退岗。")
        if Post.objects.filter(region_id=post.region_id, name=values["name"]) \
                .exclude(pk=post.pk).exists():
            raise InvalidInput(f"本村已有名为「{values['name']}」的岗位。")
        before = snapshot(post, POST_FIELDS)
        for key, value in values.items():
            setattr(post, key, value)
        post.version += 1
        post.save()
        _audit(actor, post, before, snapshot(post, POST_FIELDS), f"修改公益性岗位：{post.name}",
               post.region_id)
    return post


# --- Appointments ---------------------------------------------------------------------------

def clean_declared(data: dict[str, Any]) -> dict[str, Any]:
    def flag(key: str) -> bool:
        value = data.get(key)
        return value is True or str(value).lower() in ("1", "true", "on", "yes", "是")

    return {"cannot_go_out": flag("cannot_go_out"),
            "cannot_go_out_reason": _text(data, "cannot_go_out_reason", "无法外出的原因", 200),
            "cadre_family": flag("cadre_family")}


def appointment_create(*, actor: User, post_id: int, member_id: int,
                       data: dict[str, Any]) -> Appointment:
    """聘用: checks every eligibility rule with the parameters in force on the start date, the
    post's quota (the post row locked) and one post per household (the household row locked);
    the decision (facts, parameters, reasons) is kept with the appointment."""
    _require(actor, "publicposts.add_appointment", "您没有办理公益性岗位聘用的权限。")
    start = _date(data.get("start_date"), "聘期开始")
    end = _date(data.get("end_date"), "聘期结束")
    declared = clean_declared(data)
    bank_name = _text(data, "bank_name", "开户银行", 100)
    bank_account = _text(data, "bank_account", "补贴发放账号", 40).replace(" ", "")
    if bank_account and not bank_account.isdigit():
        raise InvalidInput("补贴发放账号只能是数字。")
    with transaction.atomic():
        post = (Post.objects.visible_to(actor).select_for_update().filter(pk=post_id)
                .select_related("region").first())
        if post is None:
            raise NotFound()
        if not post.active:
            raise InvalidInput("该岗位已停用，不能聘用。")
        member = (Member.objects.visible_to(actor).filter(pk=member_id, active=True,
                                                           household__archived=False)
                  .select_related("household").first())
        if member is None:
            raise NotFound("所选成员不存在或不在您的管辖范围内。")
        if member.household.region_id != post.region_id:
            raise InvalidInput(f"{member.name}不是{post.region.name}的村民，不能聘用到本村岗位。")
        # Lock the household: a concurrent appointment of a housemate waits for this one.
        Household.objects.select_for_update().filter(pk=member.household_id).first()
        if Appointment.objects.filter(member=member, status=AppointmentStatus.ACTIVE).exists():
            raise InvalidInput(f"{member.name}已在公益性岗位上，不能重复聘用。")
        in_post = post.appointments.filter(status=AppointmentStatus.ACTIVE).count()
        if in_post >= post.quota:
            raise Conflict(f"岗位「{post.name}」定额 {post.quota} 人已满，不能再聘用。")
        facts = selectors.applicant_facts(member=member, start_date=start, end_date=end,
                                          declared=declared)
        decision = eligibility_for(facts, region_code=post.region_id)
        if not decision.eligible:
            raise InvalidInput(f"{member.name}不符合安置条件：" + "".join(decision.reasons))
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    post=post, member=member, household=member.household,
                    region_id=post.region_id, start_date=start, end_date=end,
                    bank_name=bank_name, bank_account=bank_account, created_by=actor,
                    eligibility={**decision.as_dict(), "facts": facts.as_dict()},
                    monitored=facts.monitored, **declared)
        except IntegrityError:
            raise Conflict(f"{member.name}刚被他人聘用，请刷新后查看。") from None
        post.version += 1
        post.save(update_fields=["version", "updated_at"])
        _audit(actor, appointment, {}, {"post": post.pk, "member": member.pk,
                                        "start_date": start, "end_date": end,
                                        "monitored": facts.monitored, **declared},
               f"聘用公益性岗位：{post.name} {member.name}", post.region_id)
    return appointment


def appointment_exit(*, actor: User, appointment_id: int, exit_date: Any, reason: Any,
                     note: str = "", version: int | None) -> Appointment:
    """退岗 with a date and a reason (聘期届满、辞职、外出务工、不再符合条件……)."""
    _require(actor, "publicposts.change_appointment", "您没有办理退岗的权限。")
    day = _date(exit_date, "退岗日期")
    why = _choice(reason, ExitReason, "退岗原因")
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput("「退岗说明」最长 200 个字。")
    if why == ExitReason.OTHER and not note:
        raise InvalidInput("退岗原因为「其他」时请填写说明。")
    with transaction.atomic():
        appointment = (Appointment.objects.visible_to(actor, "change").select_for_update()
                       .filter(pk=appointment_id).first())
        if appointment is None:
            raise NotFound()
        _check_version(appointment.version, version, "聘用记录")
        if appointment.status != AppointmentStatus.ACTIVE:
            raise InvalidInput("此人已经退岗。")
        if day < appointment.start_date:
            raise InvalidInput(f"退岗日期不能早于聘期开始日期 {appointment.start_date}。")
        before = snapshot(appointment, ("status", "exit_date", "exit_reason", "exit_note"))
        appointment.status = AppointmentStatus.EXITED
        appointment.exit_date, appointment.exit_reason, appointment.exit_note = day, why, note
        appointment.version += 1
        appointment.save()
        _audit(actor, appointment, before,
               snapshot(appointment, ("status", "exit_date", "exit_reason", "exit_note")),
               f"公益性岗位退岗：{ExitReason(why).label}", appointment.region_id)
    return appointment


# --- Attendance -----------------------------------------------------------------------------

def attendance_save(*, actor: User, appointment_id: int, month: Any, days_required: Any,
                    days_present: Any, note: str = "", version: int | None,
                    today: dt.date | None = None) -> Attendance:
    """月度考勤: the days and the subsidy they earn (parameters of the appointment's village for
    that month). ``version``: the version read, 0 when the month had no record yet."""
    _require(actor, selectors.ATTENDANCE_CHANGE, "您没有填报考勤的权限。")
    month = parse_month(month)
    today = today or timezone.localdate()
    if selectors.month_start(month) > today:
        raise InvalidInput(f"月份 {month} 还没有到，不能填报考勤。")
    required = _int(days_required, "应出勤天数", low=1, high=31)
    present = _int(days_present, "实际出勤天数", low=0, high=31)
    assert required is not None and present is not None  # noqa: S101 - not optional
    if present > required:
        raise InvalidInput(f"实际出勤天数（{present}）不能多于应出勤天数（{required}）。")
    note = (note or "").strip()[:200]
    with transaction.atomic():
        appointment = (Appointment.objects.visible_to(actor).filter(pk=appointment_id)
                       .select_related("member").first())
        if appointment is None:
            raise NotFound()
        in_post, month_days = selectors.days_in_post(appointment, month)
        if in_post == 0:
            raise InvalidInput(f"{appointment.member.name}在 {month} 不在岗（聘期 "
                               f"{appointment.start_date} 至 {appointment.exit_date or appointment.end_date}），"
                               "不能填报考勤。")
        pay = pay_for(days_required=required, days_present=present,
                      on=selectors.month_start(month), region_code=appointment.region_id,
                      days_in_post=in_post, days_in_month=month_days)
        existing = (Attendance.objects.select_for_update()
                    .filter(appointment=appointment, month=month).first())
        if existing is None:
            if version not in (0, None):
                raise Conflict(f"{appointment.member.name} {month} 的考勤不存在或已变化，请刷新后重试。")
            row = Attendance(appointment=appointment, region_id=appointment.region_id,
                             month=month)
            before: dict[str, Any] = {}
        else:
            _check_version(existing.version, version, f"{month} 考勤")
            row = existing
            before = snapshot(row, ("days_required", "days_present", "amount", "note"))
            row.version += 1
        row.days_required, row.days_present, row.amount, row.note = required, present, \
            pay.amount, note
        row.calculation = pay.as_dict()
        row.updated_by = actor
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise Conflict(f"{appointment.member.name} {month} 的考勤刚被他人填报，请刷新后重试。") \
                from None
        _audit(actor, row, before, snapshot(row, ("days_required", "days_present", "amount",
                                                  "note")),
               f"填报公益性岗位考勤：{appointment.member.name} {month}", row.region_id,
               extra={"appointment": appointment.pk})
    return row


# --- Payroll --------------------------------------------------------------------------------

PAYROLL_HEADERS = ["序号", "乡镇", "村", "岗位", "姓名", "身份证号", "开户银行", "银行账号",
                   "应出勤天数", "实际出勤天数", "补贴金额（元）"]


def payroll_export(*, actor: User, month: Any, region_code: Any,
                   reveal: bool = False) -> tuple[Any, selectors.Payroll]:
    """The month's 补贴发放表 of a region (usually a township) as xlsx for the finance office,
    with a total row. ID numbers masked; bank accounts masked unless ``reveal`` and the actor
    holds ``core.reveal_pii`` (the reveal is audited). The export itself is audited."""
    _require(actor, selectors.PAYROLL_EXPORT, "您没有导出补贴发放表的权限。")
    if reveal:
        _require(actor, "core.reveal_pii", "您没有查看完整银行账号的权限。")
    month = parse_month(month)
    code = str(region_code or "").strip()
    if code.isdigit() and len(code) < 12:
        code = code.ljust(12, "0")
    result = selectors.payroll(actor=actor, month=month, region_code=code, reveal=reveal)
    rows: list[list[Any]] = [
        [i, r.township, r.village, r.post, r.name, r.id_number, r.bank_name, r.bank_account,
         r.days_required, r.days_present, f"{r.amount:.2f}"]
        for i, r in enumerate(result.rows, start=1)]
    rows.append(["合计", "", "", "", f"{len(result.rows)} 人", "", "", "", "", "",
                 f"{result.total:.2f}"])
    handle, _count = write_workbook(
        title=f"{month}公益性岗位补贴发放表", headers=PAYROLL_HEADERS, rows=rows,
        widths=[6, 12, 12, 16, 10, 20, 16, 22, 10, 12, 14])
    extra = {"month": month, "region": code, "rows": len(result.rows),
             "total": str(result.total), "reveal": reveal}
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="publicposts.attendance", region_code=code,
                 note=f"导出 {month} 公益性岗位补贴发放表（{result.region_name}，"
                      f"{len(result.rows)} 人，合计 {result.total:.2f} 元）", extra=extra)
    if reveal:
        record_event(actor=actor, event_type=AuditEventType.SENSITIVE_REVEALED,
                     subject_type="publicposts.attendance", region_code=code,
                     note=f"补贴发放表显示完整银行账号：{month} {result.region_name}", extra=extra)
    return handle, result
