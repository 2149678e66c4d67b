"""Writes of training (职业技能培训). Every write is atomic, scope-checked, versioned and audited
(``EMPLOYMENT_UPDATED`` with the action in the note; the outcome export as ``EXPORTED``).

Employment outcomes: 3 and 6 months after completion the member's status in the labour ledger
(``employment.LabourStatus``) for that month is the answer (务工 → employed, 未就业 → not);
``outcomes_refresh`` copies it. Where the ledger has no status, or the caller knows better, the
outcome is recorded by hand (人工回访) and a later refresh never overwrites a manual record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.excel import write_workbook
from minsheng.core.models import AuditEventType, User
from minsheng.employment.choices import WorkStatus
from minsheng.employment.models import LabourStatus
from minsheng.employment.rules import month_of
from minsheng.employment.selectors import labour_member_get
from minsheng.employment.services import (
    _amount,
    _check_version,
    _choice,
    _date,
    _int,
    _require,
    _text,
    _village_in_scope,
    check_labour_member,
)
from minsheng.employment.training import selectors
from minsheng.employment.training.models import (
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentStatus,
    OutcomeSource,
    TrainingDemand,
)
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope
from minsheng.registry.models import Member

CHANGE_EVENT = AuditEventType.EMPLOYMENT_UPDATED
COURSE_FIELDS = ("name", "trade", "provider", "start_date", "end_date", "place", "capacity",
                 "subsidy_per_trainee", "status")
COMPLETION_FIELDS = ("status", "completed_on", "attendance_days", "certificate_type",
                     "certificate_no")


def _audit(actor: User, obj: Any, before: dict[str, Any], after: dict[str, Any], note: str,
           region_code: str, extra: dict[str, Any] | None = None) -> None:
    record_event(actor=actor, event_type=CHANGE_EVENT, subject=obj, region_code=region_code,
                 changes={k: [before.get(k), after[k]] for k in after
                          if before.get(k) != after[k]}, note=note, extra=extra)


def _year(value: Any) -> int:
    year = _int(value, "年度", low=2000, high=2100)
    assert year is not None  # noqa: S101 - not optional
    return year


# --- Demand survey (点餐) -------------------------------------------------------------------

def demand_save(*, actor: User, region_code: Any, year: Any, trade: Any, headcount: Any,
                member_ids: list[int] | None = None, note: str = "",
                version: int | None) -> TrainingDemand:
    """A village's wish for a trade in a year (点餐): created, or corrected with its version
    (``version`` 0 for a new trade). Named members (optional) must be the village's own."""
    _require(actor, "training.add_trainingdemand", "您没有登记培训需求的权限。")
    year_value = _year(year)
    trade_value = _text({"t": trade}, "t", "意向培训工种", 50)
    if not trade_value:
        raise InvalidInput("请填写意向培训工种。")
    count = _int(headcount, "意向人数", low=1, high=100000)
    ids = sorted({int(i) for i in (member_ids or [])})
    if count is not None and len(ids) > count:
        raise InvalidInput(f"列出的意向人员（{len(ids)} 人）多于意向人数（{count} 人）。")
    note = _text({"n": note}, "n", "备注", 200)
    with transaction.atomic():
        region = _village_in_scope(actor, region_code)
        members = list(Member.objects.filter(pk__in=ids, household__region_id=region.code,
                                             active=True))
        if len(members) != len(ids):
            raise InvalidInput(f"意向人员中有人不是{region.name}的在户成员。")
        demand = (TrainingDemand.objects.select_for_update()
                  .filter(region=region, year=year_value, trade=trade_value).first())
        if demand is None:
            if version not in (0, None):
                raise Conflict("该需求不存在或已变化，请刷新后重试。")
            demand = TrainingDemand(region=region, year=year_value, trade=trade_value)
            before: dict[str, Any] = {}
        else:
            _check_version(demand.version, version, "培训需求")
            before = snapshot(demand, ("headcount", "note"))
            demand.version += 1
        demand.headcount, demand.note, demand.updated_by = count, note, actor
        try:
            with transaction.atomic():
                demand.save()
        except IntegrityError:
            raise Conflict("该需求刚被他人登记，请刷新后重试。") from None
        demand.members.set(members)
        _audit(actor, demand, before, snapshot(demand, ("headcount", "note")),
               f"登记培训需求：{region.name} {year_value} 年 {trade_value}", region.code,
               extra={"members": ids})
    return demand


# --- Courses --------------------------------------------------------------------------------

def clean_course(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, label, limit in (("name", "培训班名称", 100), ("trade", "培训工种", 50),
                              ("provider", "培训机构", 100)):
        values[key] = _text(data, key, label, limit)
        if not values[key]:
            raise InvalidInput(f"请填写{label}。")
    values["place"] = _text(data, "place", "培训地点", 200)
    values["start_date"] = _date(data.get("start_date"), "开班日期")
    values["end_date"] = _date(data.get("end_date"), "结业日期")
    if values["end_date"] < values["start_date"]:
        raise InvalidInput("结业日期不能早于开班日期。")
    values["capacity"] = _int(data.get("capacity"), "计划人数", low=1, high=10000)
    values["subsidy_per_trainee"] = _amount(data.get("subsidy_per_trainee") or 0,
                                            "每人培训补贴", optional=False)
    values["status"] = _choice(data.get("status") or CourseStatus.PLANNED, CourseStatus, "状态")
    return values


def _county_in_scope(actor: User, code: Any) -> Region:
    code = str(code or "").strip()
    if code.isdigit() and len(code) < 12:
        code = code.ljust(12, "0")
    region = Region.objects.filter(code=code).first()
    if region is None or not code_in_scope(actor, region.code):
        raise NotFound("所选县（市、区）不存在或不在您的管辖范围内。")
    if region.level != RegionLevel.COUNTY:
        raise InvalidInput("培训班的组织单位应选择县（市、区）一级。")
    return region


def course_create(*, actor: User, region_code: Any, data: dict[str, Any]) -> Course:
    """开班: a course of a county (county office)."""
    _require(actor, "training.add_course", "您没有登记培训班的权限。")
    values = clean_course(data)
    with transaction.atomic():
        region = _county_in_scope(actor, region_code)
        course = Course.objects.create(region=region, **values)
        _audit(actor, course, {}, snapshot(course, COURSE_FIELDS),
               f"登记培训班：{course.name}（{course.provider}）", region.code)
    return course


def _lock_course(actor: User, course_id: int, action: str = "change") -> Course:
    course = selectors.course_get(actor=actor, pk=course_id, action=action)
    return Course.objects.select_for_update().get(pk=course.pk)


def course_update(*, actor: User, course_id: int, data: dict[str, Any],
                  version: int | None) -> Course:
    _require(actor, "training.change_course", "您没有修改培训班的权限。")
    values = clean_course(data)
    with transaction.atomic():
        course = _lock_course(actor, course_id)
        _check_version(course.version, version, "培训班")
        active = course.enrolments.exclude(status=EnrolmentStatus.DROPPED).count()
        if values["capacity"] < active:
            raise InvalidInput(f"计划人数（{values['capacity']}）少于已报名人数（{active} 人）。")
        before = snapshot(course, COURSE_FIELDS)
        for key, value in values.items():
            setattr(course, key, value)
        course.version += 1
        course.save()
        _audit(actor, course, before, snapshot(course, COURSE_FIELDS),
               f"修改培训班：{course.name}", course.region_id)
    return course


# --- Enrolment, completion, certificate -----------------------------------------------------

def enrolment_add(*, actor: User, course_id: int, member_id: int) -> Enrolment:
    """报名: a labour-force member of the actor's scope on a course with places left."""
    _require(actor, "training.add_enrolment", "您没有登记参训人员的权限。")
    with transaction.atomic():
        course = _lock_course(actor, course_id, action="view")
        if course.status in (CourseStatus.FINISHED, CourseStatus.CANCELLED):
            raise InvalidInput(f"培训班「{course.name}」{course.get_status_display()}，不能报名。")
        member = labour_member_get(actor=actor, pk=member_id)
        if not code_in_scope(actor, member.household.region_id):
            raise NotFound()
        check_labour_member(member, month_of(course.start_date))
        if course.enrolments.filter(member=member).exists():
            raise InvalidInput(f"{member.name}已报名该培训班。")
        active = course.enrolments.exclude(status=EnrolmentStatus.DROPPED).count()
        if active >= course.capacity:
            raise Conflict(f"培训班「{course.name}」计划 {course.capacity} 人已报满。")
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(course=course, member=member,
                                                     household=member.household,
                                                     region_id=member.household.region_id)
        except IntegrityError:
            raise Conflict(f"{member.name}刚被他人报名，请刷新后查看。") from None
        course.version += 1
        course.save(update_fields=["version", "updated_at"])
        _audit(actor, enrolment, {}, {"course": course.pk, "member": member.pk},
               f"培训报名：{course.name} {member.name}", enrolment.region_id)
    return enrolment


def _lock_enrolment(actor: User, enrolment_id: int, version: int | None) -> Enrolment:
    _require(actor, "training.change_enrolment", "您没有修改参训记录的权限。")
    enrolment = (Enrolment.objects.visible_to(actor, "change").select_for_update()
                 .filter(pk=enrolment_id).first())
    if enrolment is None:
        raise NotFound()
    _check_version(enrolment.version, version, "参训记录")
    return enrolment


def enrolment_complete(*, actor: User, enrolment_id: int, completed_on: Any,
                       attendance_days: Any = 0, certificate_type: str = "",
                       certificate_no: str = "", version: int | None,
                       today: dt.date | None = None) -> Enrolment:
    """结业 with the attendance days and the certificate (type and number, if any)."""
    day = _date(completed_on, "结业日期")
    days = _int(attendance_days or 0, "出勤天数", low=0, high=366)
    cert_type = _text({"v": certificate_type}, "v", "证书类型", 50)
    cert_no = _text({"v": certificate_no}, "v", "证书编号", 50)
    if cert_no and not cert_type:
        raise InvalidInput("填写了证书编号，请同时填写证书类型。")
    if day > (today or timezone.localdate()):
        raise InvalidInput("结业日期不能晚于今天。")
    with transaction.atomic():
        enrolment = _lock_enrolment(actor, enrolment_id, version)
        course = enrolment.course
        if enrolment.status == EnrolmentStatus.DROPPED:
            raise InvalidInput("已退出培训的人员不能登记结业。")
        if day < course.start_date:
            raise InvalidInput(f"结业日期不能早于开班日期 {course.start_date}。")
        before = snapshot(enrolment, COMPLETION_FIELDS)
        enrolment.status, enrolment.completed_on = EnrolmentStatus.COMPLETED, day
        enrolment.attendance_days = days
        enrolment.certificate_type, enrolment.certificate_no = cert_type, cert_no
        enrolment.version += 1
        enrolment.save()
        _audit(actor, enrolment, before, snapshot(enrolment, COMPLETION_FIELDS),
               f"登记结业：{course.name}", enrolment.region_id)
    return enrolment


def enrolment_drop(*, actor: User, enrolment_id: int, note: str = "",
                   version: int | None) -> Enrolment:
    """中途退出 (the place is freed)."""
    note = _text({"v": note}, "v", "备注", 200)
    with transaction.atomic():
        enrolment = _lock_enrolment(actor, enrolment_id, version)
        if enrolment.status != EnrolmentStatus.ENROLLED:
            raise InvalidInput(f"该人员{enrolment.get_status_display()}，不能登记退出。")
        enrolment.status, enrolment.note = EnrolmentStatus.DROPPED, note
        enrolment.version += 1
        enrolment.save()
        _audit(actor, enrolment, {"status": EnrolmentStatus.ENROLLED},
               {"status": EnrolmentStatus.DROPPED}, "登记中途退出培训", enrolment.region_id)
    return enrolment


def enrolment_outcome_record(*, actor: User, enrolment_id: int, months: Any, employed: Any,
                             version: int | None, today: dt.date | None = None) -> Enrolment:
    """人工回访: employed or not at the 3- or 6-month check (only once that month has come)."""
    which = _int(months, "回访时点（月）", low=3, high=6)
    if which not in (3, 6):
        raise InvalidInput("回访时点只能是结业后 3 个月或 6 个月。")
    if employed not in (True, False):
        text = str(employed).strip().lower()
        if text in ("1", "true", "yes", "是", "就业"):
            employed = True
        elif text in ("0", "false", "no", "否", "未就业"):
            employed = False
        else:
            raise InvalidInput("回访结果应为“就业”或“未就业”。")
    with transaction.atomic():
        enrolment = _lock_enrolment(actor, enrolment_id, version)
        if enrolment.status != EnrolmentStatus.COMPLETED or enrolment.completed_on is None:
            raise InvalidInput("尚未结业，不能登记培训后就业回访。")
        due = selectors.check_month_of(enrolment.completed_on, which)
        if due > month_of(today or timezone.localdate()):
            raise InvalidInput(f"结业后 {which} 个月的回访月份是 {due}，还没有到。")
        field, source = f"employed_{which}m", f"source_{which}m"
        before = {field: getattr(enrolment, field), source: getattr(enrolment, source)}
        setattr(enrolment, field, employed)
        setattr(enrolment, source, OutcomeSource.MANUAL)
        enrolment.version += 1
        enrolment.save()
        _audit(actor, enrolment, before, {field: employed, source: OutcomeSource.MANUAL},
               f"登记培训后就业回访（结业 {which} 个月）", enrolment.region_id)
    return enrolment


def outcomes_refresh(*, actor: User, today: dt.date | None = None) -> int:
    """Copy the ledger's status of the check month into the completed enrolments in the actor's
    scope whose 3- or 6-month check has come and was not recorded by hand. Returns how many
    outcomes changed. Audited once, with the count."""
    _require(actor, "training.change_enrolment", "您没有修改参训记录的权限。")
    current = month_of(today or timezone.localdate())
    changed = 0
    with transaction.atomic():
        enrolments = list(Enrolment.objects.visible_to(actor, "change").select_for_update()
                          .filter(status=EnrolmentStatus.COMPLETED,
                                  completed_on__isnull=False)
                          .filter(~models.Q(source_3m=OutcomeSource.MANUAL)
                                  | ~models.Q(source_6m=OutcomeSource.MANUAL)))
        wanted: dict[tuple[int, str], None] = {}
        for e in enrolments:
            for n in (3, 6):
                month = selectors.check_month_of(e.completed_on, n)
                if month <= current:
                    wanted[(e.member_id, month)] = None
        statuses: dict[tuple[int, str], str] = {}
        if wanted:
            months = {m for _pk, m in wanted}
            members = {pk for pk, _m in wanted}
            statuses = {(s.member_id, s.month): s.status for s in LabourStatus.objects.filter(
                member_id__in=members, month__in=months).only("member_id", "month", "status")}
        for e in enrolments:
            dirty = False
            for n in (3, 6):
                field, source = f"employed_{n}m", f"source_{n}m"
                if getattr(e, source) == OutcomeSource.MANUAL:
                    continue
                month = selectors.check_month_of(e.completed_on, n)
                status = statuses.get((e.member_id, month)) if month <= current else None
                value = None if status is None else status == WorkStatus.EMPLOYED
                new_source = OutcomeSource.LEDGER if value is not None else OutcomeSource.NONE
                if getattr(e, field) != value or getattr(e, source) != new_source:
                    setattr(e, field, value)
                    setattr(e, source, new_source)
                    dirty = True
            if dirty:
                e.version += 1
                e.save(update_fields=["employed_3m", "source_3m", "employed_6m", "source_6m",
                                      "version", "updated_at"])
                changed += 1
        record_event(actor=actor, event_type=CHANGE_EVENT, subject_type="training.enrolment",
                     note=f"按劳动力台账更新培训后就业回访：{changed} 人次有变化",
                     extra={"changed": changed, "month": current})
    return changed


# --- Export ---------------------------------------------------------------------------------

OUTCOME_HEADERS = ["分组", "培训班 / 培训机构", "培训机构", "结业人数", "已回访（3个月）",
                   "3个月后就业", "培训后就业率（%）", "6个月后就业"]


def outcome_export(*, actor: User, within: str = "", year: int | None = None) -> tuple[Any, int]:
    """"培训后就业" per course and per provider as xlsx. Audited."""
    _require(actor, selectors.COURSE_EXPORT, "您没有导出培训统计的权限。")
    shares = selectors.outcome_shares(actor=actor, within=within, year=year)

    def line(group: str, r: selectors.ShareRow) -> list[Any]:
        return [group, r.label, r.provider, r.completed, r.checked_3m, r.employed_3m,
                float(r.share) if r.share is not None else "", r.employed_6m]

    rows = [line("按培训班", r) for r in shares.by_course]
    rows += [line("按培训机构", r) for r in shares.by_provider]
    rows.append(line("合计", shares.total))
    handle, count = write_workbook(title="培训后就业统计", headers=OUTCOME_HEADERS, rows=rows,
                                   widths=[10, 30, 24, 10, 14, 12, 16, 12])
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="training.enrolment", region_code=within,
                 note=f"导出培训后就业统计（{len(shares.by_course)} 个培训班）",
                 extra={"region": within, "year": year, "courses": len(shares.by_course)})
    return handle, count
