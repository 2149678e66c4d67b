"""Writes of employment assistance (就业帮扶). Every write is atomic, scope-checked, versioned
(a stale version is refused, never overwritten) and audited.

Ledger, employer and workshop changes are recorded as ``EMPLOYMENT_UPDATED`` (修改就业帮扶信息)
with the exact action in the note and the employment model as the subject; exports as
``EXPORTED``, reveals as ``SENSITIVE_REVEALED``, imports as ``IMPORT_APPLIED``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.excel import write_workbook
from minsheng.core.models import AuditEventType, User
from minsheng.employment.choices import (
    WORKSHOP_TRANSITIONS,
    Sector,
    SubsidyKind,
    UnemployedReason,
    WorkerCategory,
    WorkshopStatus,
    WorkshopType,
    WorkStatus,
)
from minsheng.employment.models import (
    Enterprise,
    LabourProfile,
    LabourStatus,
    Workshop,
    WorkshopStatusChange,
    WorkshopSubsidy,
    WorkshopWorker,
)
from minsheng.employment.rules import (
    in_labour_force,
    labour_age_bounds,
    month_end,
    month_of,
    parse_month,
    previous_month,
)
from minsheng.employment.selectors import (
    LEDGER_EXPORT,
    coverage,
    labour_member_get,
    worker_facts,
    workshop_recognition_check,
)
from minsheng.monitoring.case_selectors import monitored_households
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope, holds_perm
from minsheng.registry.choices import HouseholdCategory, WorkArea
from minsheng.registry.identity import check_id_number
from minsheng.registry.models import Member

CHANGE_EVENT = AuditEventType.EMPLOYMENT_UPDATED

STATUS_FIELDS = ("status", "work_area", "employer_name", "work_months", "monthly_income",
                 "unemployed_reason", "note", "unchanged")
PROFILE_FIELDS = ("skills", "certificates", "intended_trade", "intended_place",
                  "max_distance_km", "training_wishes")
ENTERPRISE_FIELDS = ("name", "address", "lng", "lat", "sector", "contact_name",
                     "contact_phone")
WORKSHOP_FIELDS = ("name", "workshop_type", "address", "headcount")
_WORK_AREAS = {WorkArea.IN_COUNTY, WorkArea.IN_PROVINCE, WorkArea.OUT_OF_PROVINCE}


def _require(actor: User, perm: str, message: str | None = None) -> None:
    if not holds_perm(actor, perm):
        raise PermissionDenied(message)


def _check_version(current: int, given: int | None, what: str) -> None:
    if given is None:
        raise InvalidInput("缺少版本号：请先读取记录再修改。")
    if current != given:
        raise Conflict(f"该{what}已被他人修改（当前版本 {current}，您编辑的是版本 {given}），"
                       "为避免覆盖他人的修改，本次保存未生效。请刷新后重新编辑。")


def _text(data: dict[str, Any], key: str, label: str, limit: int) -> str:
    value = str(data.get(key) or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"「{label}」最长 {limit} 个字。")
    return value


def _int(value: Any, label: str, *, low: int, high: int | None = None,
         optional: bool = False) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        raise InvalidInput(f"请填写「{label}」。")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"「{label}」应为整数，实为「{value}」。") from None
    if number < low or (high is not None and number > high):
        bound = f"{low}～{high}" if high is not None else f"不小于 {low}"
        raise InvalidInput(f"「{label}」应为 {bound}，实为 {number}。")
    return number


def _amount(value: Any, label: str, *, optional: bool = True,
            positive: bool = False) -> Decimal | None:
    if value is None or value == "":
        if optional:
            return None
        raise InvalidInput(f"请填写「{label}」。")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"「{label}」应为金额，实为「{value}」。") from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise InvalidInput(f"「{label}」应{'大于' if positive else '不小于'} 0，实为「{value}」。")
    if number != number.quantize(Decimal("0.01")):
        raise InvalidInput(f"「{label}」最多两位小数，实为「{value}」。")
    if number >= Decimal("1e9"):
        raise InvalidInput(f"「{label}」金额过大：{value}。")
    return number.quantize(Decimal("0.01"))


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput(f"「{label}」应为日期（如 2025-10-01），实为「{value or ''}」。") from None


def _choice(value: Any, choices: Any, label: str) -> str:
    value = str(value or "").strip()
    if value in choices.values:
        return value
    by_label = {str(lbl): v for v, lbl in choices.choices}
    if value in by_label:
        return by_label[value]
    allowed = "、".join(str(lbl) for _v, lbl in choices.choices if _v)
    raise InvalidInput(f"「{label}」只能是 {allowed}，实为「{value}」。")


# --- Labour ledger --------------------------------------------------------------------------

def check_month(month: Any, *, today: dt.date | None = None) -> str:
    month = parse_month(month)
    if month > month_of(today or timezone.localdate()):
        raise InvalidInput(f"月份 {month} 还没有到，不能填报。")
    return month


def check_labour_member(member: Member, month: str) -> None:
    """Refuse a member who is not in the labour force at the end of ``month``."""
    on = month_end(month)
    bounds = labour_age_bounds(on=on, region_code=member.household.region_id)
    ok, why = in_labour_force(birth_date=member.birth_date,
                              labour_capacity=member.labour_capacity, on=on, bounds=bounds)
    if not ok:
        raise InvalidInput(f"{member.name}在 {month} 不属于劳动力：{why}")


def clean_status(data: dict[str, Any]) -> dict[str, Any]:
    """The status fields of one month, checked (the same rules for forms, API and import)."""
    status = _choice(data.get("status"), WorkStatus, "就业状态")
    note = _text(data, "note", "备注", 200)
    if status == WorkStatus.EMPLOYED:
        area = str(data.get("work_area") or "").strip()
        if not area:
            raise InvalidInput("务工人员请选择务工区域（县内、省内县外或省外）。")
        area = _choice(area, WorkArea, "务工区域")
        if area not in _WORK_AREAS:
            raise InvalidInput("务工人员请选择务工区域（县内、省内县外或省外）。")
        return {"status": status, "work_area": area,
                "employer_name": _text(data, "employer_name", "就业单位", 200),
                "work_months": _int(data.get("work_months") or 0, "本年务工月数", low=0, high=12),
                "monthly_income": _amount(data.get("monthly_income"), "月收入"),
                "unemployed_reason": "", "note": note}
    reason = str(data.get("unemployed_reason") or "").strip()
    if not reason:
        raise InvalidInput("未就业人员请选择未就业原因。")
    return {"status": status, "work_area": "", "employer_name": "",
            "work_months": _int(data.get("work_months") or 0, "本年务工月数", low=0, high=12),
            "monthly_income": None,
            "unemployed_reason": _choice(reason, UnemployedReason, "未就业原因"), "note": note}


def _write_status(*, actor: User, member: Member, month: str, values: dict[str, Any],
                  version: int | None, action: str) -> LabourStatus:
    existing = (LabourStatus.objects.select_for_update().filter(member=member, month=month)
                .first())
    if existing is None:
        if version not in (0, None):
            raise Conflict(f"{member.name} {month} 的就业状态不存在或已变化，请刷新后重试。")
        status = LabourStatus(member=member, month=month, household=member.household,
                              region_id=member.household.region_id)
        before: dict[str, Any] = {}
    else:
        _check_version(existing.version, version, f"成员 {month} 的就业状态")
        status = existing
        before = snapshot(status, STATUS_FIELDS)
        status.version += 1
    for key, value in values.items():
        setattr(status, key, value)
    status.updated_by = actor
    status.full_clean(exclude=["member", "household", "region", "updated_by"],
                      validate_constraints=False)
    try:
        with transaction.atomic():
            status.save()
    except IntegrityError:  # another first save of the same member and month won the race
        raise Conflict(f"{member.name} {month} 的就业状态刚被他人填报，请刷新后重试。") from None
    after = snapshot(status, STATUS_FIELDS)
    record_event(actor=actor, event_type=CHANGE_EVENT, subject=status,
                 region_code=status.region_id,
                 changes={k: [before.get(k), after[k]] for k in STATUS_FIELDS
                          if before.get(k) != after[k]},
                 note=f"{action}：{member.name} {month}", extra={"member": member.pk})
    return status


def labour_status_save(*, actor: User, member_id: int, month: Any, data: dict[str, Any],
                       version: int | None) -> LabourStatus:
    """Record (or correct) a member's work status for a month (填报本月就业状态).
    ``version``: the version read, 0 when the month had no record yet."""
    month = check_month(month)
    values = {**clean_status(data), "unchanged": False}
    with transaction.atomic():
        member = labour_member_get(actor=actor, pk=member_id, action="change")
        check_labour_member(member, month)
        return _write_status(actor=actor, member=member, month=month, values=values,
                             version=version, action="填报就业状态")


def labour_status_confirm_unchanged(*, actor: User, member_id: int, month: Any,
                                    version: int | None) -> LabourStatus:
    """"无变化": this month is as last month (the latest earlier record), in one click."""
    month = check_month(month)
    with transaction.atomic():
        member = labour_member_get(actor=actor, pk=member_id, action="change")
        check_labour_member(member, month)
        earlier = (LabourStatus.objects.filter(member=member, month__lt=month)
                   .order_by("-month").first())
        if earlier is None:
            raise InvalidInput(f"{member.name}没有 {month} 之前的就业状态，不能确认无变化，"
                               "请填写本月状态。")
        values = {k: getattr(earlier, k) for k in STATUS_FIELDS if k != "unchanged"}
        values["unchanged"] = True
        if values["status"] == WorkStatus.EMPLOYED and earlier.month == previous_month(month):
            # One more month worked this year; January starts the count again.
            same_year = earlier.month[:4] == month[:4]
            values["work_months"] = min(12, values["work_months"] + 1) if same_year else 1
        return _write_status(actor=actor, member=member, month=month, values=values,
                             version=version, action=f"确认与 {earlier.month} 相同")


def labour_profile_save(*, actor: User, member_id: int, data: dict[str, Any],
                        version: int | None) -> LabourProfile:
    """Skills, certificates, job intention and training wishes (技能与就业意愿).
    ``version``: the version read, 0 when there was no profile yet."""
    values = {
        "skills": _text(data, "skills", "技能特长", 200),
        "certificates": _text(data, "certificates", "职业资格或技能证书", 200),
        "intended_trade": _text(data, "intended_trade", "意向工种", 100),
        "intended_place": _text(data, "intended_place", "意向务工地点", 100),
        "max_distance_km": _int(data.get("max_distance_km"), "可接受的最远距离（公里）", low=0,
                                high=10000, optional=True),
        "training_wishes": _text(data, "training_wishes", "培训意愿", 200),
    }
    with transaction.atomic():
        member = labour_member_get(actor=actor, pk=member_id, action="change")
        profile = LabourProfile.objects.select_for_update().filter(member=member).first()
        if profile is None:
            if version not in (0, None):
                raise Conflict("技能与意愿记录不存在或已变化，请刷新后重试。")
            profile = LabourProfile(member=member, region_id=member.household.region_id)
            before: dict[str, Any] = {}
        else:
            _check_version(profile.version, version, "技能与意愿记录")
            before = snapshot(profile, PROFILE_FIELDS)
            profile.version += 1
        for key, value in values.items():
            setattr(profile, key, value)
        profile.save()
        from minsheng.employment.matching import profile_keys_write

        profile_keys_write([profile])  # the job matching's prefilter
        after = snapshot(profile, PROFILE_FIELDS)
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=profile,
                     region_code=profile.region_id,
                     changes={k: [before.get(k), after[k]] for k in PROFILE_FIELDS
                              if before.get(k) != after[k]},
                     note=f"修改技能与就业意愿：{member.name}", extra={"member": member.pk})
    return profile


COVERAGE_HEADERS = ["村代码", "村", "有劳动力的户数", "至少一人务工的户数", "未实现的户数",
                    "覆盖率（%）", "劳动力人数", "务工人数", "本月已填报人数"]


def coverage_export(*, actor: User, month: Any, within: str = "") -> tuple[Any, int]:
    """The "每户至少一人就业" table of a month by village, as xlsx. Audited."""
    _require(actor, LEDGER_EXPORT, "您没有导出劳动力台账的权限。")
    month = parse_month(month)
    result = coverage(actor=actor, month=month, within=within)

    def line(r: Any) -> list[Any]:
        return [r.region_code, r.region_name, r.households, r.covered, r.uncovered,
                float(r.share) if r.share is not None else "", r.labour, r.employed, r.recorded]

    rows = [line(r) for r in result.rows]
    rows.append(line(result.total))
    handle, count = write_workbook(title=f"{month}每户至少一人就业", headers=COVERAGE_HEADERS,
                                   rows=rows, widths=[14, 14, 12, 14, 12, 10, 10, 10, 12])
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="employment.labourstatus", region_code=within,
                 note=f"导出 {month} 每户至少一人就业统计（{len(result.rows)} 个村）",
                 extra={"month": month, "region": within, "rows": len(result.rows)})
    return handle, count


# --- Enterprises ----------------------------------------------------------------------------

def validate_uscc(value: Any) -> str:
    """A 统一社会信用代码 checked with python-stdnum (length, characters, check digit)."""
    raw = str(value or "").strip()
    if not raw:
        raise InvalidInput("请填写统一社会信用代码。")
    number = stdnum_uscc.compact(raw)
    try:
        return stdnum_uscc.validate(number)
    except InvalidLength:
        raise InvalidInput(f"统一社会信用代码应为 18 位，「{raw}」为 {len(number)} 位。") from None
    except InvalidFormat:
        raise InvalidInput(f"统一社会信用代码「{raw}」格式不正确：前 8 位应为数字，其余为数字或大写字母"
                           "（不含 I、O、S、V、Z）。") from None
    except InvalidChecksum:
        raise InvalidInput(f"统一社会信用代码「{raw}」的校验位不正确，请核对是否抄错。") from None


def _coordinate(value: Any, label: str, low: int, high: int) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"「{label}」应为数字，实为「{value}」。") from None
    if not number.is_finite() or not low <= number <= high:
        raise InvalidInput(f"「{label}」应在 {low}～{high} 之间（中国境内），实为「{value}」。")
    return number.quantize(Decimal("0.000001"))


_PHONE = re.compile(r"^[0-9][0-9-]{5,19}$")


def clean_enterprise(data: dict[str, Any]) -> dict[str, Any]:
    name = _text(data, "name", "企业名称", 200)
    if not name:
        raise InvalidInput("请填写企业名称。")
    lng = _coordinate(data.get("lng"), "经度", 73, 136)
    lat = _coordinate(data.get("lat"), "纬度", 3, 54)
    if (lng is None) != (lat is None):
        raise InvalidInput("经度和纬度须同时填写或同时不填。")
    phone = _text(data, "contact_phone", "联系电话", 20).replace(" ", "")
    if phone and not _PHONE.match(phone):
        raise InvalidInput(f"联系电话「{phone}」格式不正确：只能包含数字和连字符。")
    sector = data.get("sector") or Sector.OTHER
    return {"name": name, "address": _text(data, "address", "地址", 200), "lng": lng,
            "lat": lat, "sector": _choice(sector, Sector, "行业"),
            "contact_name": _text(data, "contact_name", "联系人", 64), "contact_phone": phone}


def _county_in_scope(actor: User, code: Any) -> Region:
    code = str(code or "").strip()
    if len(code) == 6:
        code = code.ljust(12, "0")
    region = Region.objects.filter(code=code).first()
    if region is None or not code_in_scope(actor, region.code):
        raise NotFound("所选注册地（县）不存在或不在您的管辖范围内。")
    if region.level != RegionLevel.COUNTY:
        raise InvalidInput("企业的注册地应选择县（市、区）一级。")
    return region


def _audit(actor: User, obj: Any, before: dict[str, Any], after: dict[str, Any], note: str,
           region_code: str) -> None:
    record_event(actor=actor, event_type=CHANGE_EVENT, subject=obj, region_code=region_code,
                 changes={k: [before.get(k), after[k]] for k in after
                          if before.get(k) != after[k]}, note=note)


def enterprise_create(*, actor: User, uscc: Any, region_code: Any,
                      data: dict[str, Any]) -> Enterprise:
    """Register an employer (登记用工企业)."""
    _require(actor, "employment.add_enterprise", "您没有登记企业的权限。")
    number = validate_uscc(uscc)
    values = clean_enterprise(data)
    with transaction.atomic():
        region = _county_in_scope(actor, region_code)
        if Enterprise.objects.filter(uscc=number).exists():
            raise InvalidInput(f"统一社会信用代码 {number} 的企业已经登记过。")
        enterprise = Enterprise.objects.create(uscc=number, region=region, **values)
        _audit(actor, enterprise, {}, snapshot(enterprise, ("uscc", "region", *ENTERPRISE_FIELDS)),
               f"登记用工企业：{enterprise.name}", region.code)
    return enterprise


def enterprise_update(*, actor: User, enterprise_id: int, data: dict[str, Any],
                      version: int | None) -> Enterprise:
    values = clean_enterprise(data)
    with transaction.atomic():
        enterprise = (Enterprise.objects.visible_to(actor, "change").select_for_update()
                      .filter(pk=enterprise_id).first())
        if enterprise is None:
            raise NotFound()
        _check_version(enterprise.version, version, "企业")
        before = snapshot(enterprise, ENTERPRISE_FIELDS)
        for key, value in values.items():
            setattr(enterprise, key, value)
        enterprise.version += 1
        enterprise.save()
        _audit(actor, enterprise, before, snapshot(enterprise, ENTERPRISE_FIELDS),
               f"修改用工企业：{enterprise.name}", enterprise.region_id)
    return enterprise


def enterprise_phone_reveal(*, actor: User, enterprise: Enterprise) -> str:
    """The full contact phone (查看完整电话). Needs the reveal permission; audited."""
    _require(actor, "core.reveal_pii", "您没有查看完整联系电话的权限。")
    record_event(actor=actor, event_type=AuditEventType.SENSITIVE_REVEALED, subject=enterprise,
                 region_code=enterprise.region_id, note=f"查看企业联系电话：{enterprise.name}")
    return enterprise.contact_phone


# --- Workshops ------------------------------------------------------------------------------

def _village_in_scope(actor: User, code: Any) -> Region:
    region = Region.objects.filter(code=str(code or "").strip()).first()
    if region is None or not code_in_scope(actor, region.code):
        raise NotFound("所选村不存在或不在您的管辖范围内。")
    if region.level != RegionLevel.VILLAGE:
        raise InvalidInput("车间所在地应选择村（社区）一级。")
    return region


def clean_workshop(data: dict[str, Any]) -> dict[str, Any]:
    name = _text(data, "name", "车间名称", 200)
    if not name:
        raise InvalidInput("请填写车间名称。")
    return {"name": name, "workshop_type": _choice(data.get("workshop_type"), WorkshopType,
                                                   "车间类型"),
            "address": _text(data, "address", "地址", 200),
            "headcount": _int(data.get("headcount") or 0, "用工总人数", low=0, high=100000)}


def _lock_workshop(actor: User, workshop_id: int, action: str = "change") -> Workshop:
    workshop = (Workshop.objects.visible_to(actor, action).select_for_update()
                .filter(pk=workshop_id).first())
    if workshop is None:
        raise NotFound()
    return workshop


def workshop_create(*, actor: User, enterprise_id: int, region_code: Any,
                    data: dict[str, Any], on: dt.date | None = None) -> Workshop:
    """Register a 就业帮扶车间 of an enterprise in a village (登记车间); status 在产."""
    _require(actor, "employment.add_workshop", "您没有登记车间的权限。")
    values = clean_workshop(data)
    on = on or timezone.localdate()
    with transaction.atomic():
        enterprise = Enterprise.objects.visible_to(actor).filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotFound("所选企业不存在或不在您的管辖范围内。")
        region = _village_in_scope(actor, region_code)
        workshop = Workshop.objects.create(enterprise=enterprise, region=region,
                                           status=WorkshopStatus.PRODUCING, status_since=on,
                                           **values)
        WorkshopStatusChange.objects.create(workshop=workshop, from_status="",
                                            to_status=WorkshopStatus.PRODUCING, on=on,
                                            reason="登记", actor=actor,
                                            actor_name=actor.get_username())
        _audit(actor, workshop, {}, snapshot(workshop, ("enterprise", "region", *WORKSHOP_FIELDS)),
               f"登记就业帮扶车间：{workshop.name}", region.code)
    return workshop


def workshop_update(*, actor: User, workshop_id: int, data: dict[str, Any],
                    version: int | None) -> Workshop:
    values = clean_workshop(data)
    with transaction.atomic():
        workshop = _lock_workshop(actor, workshop_id)
        _check_version(workshop.version, version, "车间")
        in_post = workshop.workers.filter(left_on__isnull=True).count()
        if values["headcount"] < in_post:
            raise InvalidInput(f"用工总人数（{values['headcount']}）少于已登记的在岗务工人员"
                               f"（{in_post} 人）。")
        before = snapshot(workshop, WORKSHOP_FIELDS)
        for key, value in values.items():
            setattr(workshop, key, value)
        workshop.version += 1
        workshop.save()
        _audit(actor, workshop, before, snapshot(workshop, WORKSHOP_FIELDS),
               f"修改就业帮扶车间：{workshop.name}", workshop.region_id)
    return workshop


def workshop_status_change(*, actor: User, workshop_id: int, to: Any, on: Any, reason: str,
                           version: int | None) -> Workshop:
    """停产 / 复工 / 恢复在产, dated (复工 tracking). Only the moves of the transition table."""
    to = _choice(to, WorkshopStatus, "生产状态")
    day = _date(on, "日期")
    if day > timezone.localdate():
        raise InvalidInput("状态变化日期不能晚于今天。")
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        workshop = _lock_workshop(actor, workshop_id)
        _check_version(workshop.version, version, "车间")
        current = WorkshopStatus(workshop.status)
        if to not in WORKSHOP_TRANSITIONS.get(current, ()):
            raise InvalidInput(f"车间当前为「{current.label}」，不能改为「{WorkshopStatus(to).label}」。")
        if to == WorkshopStatus.STOPPED and not reason:
            raise InvalidInput("停产请填写原因。")
        if workshop.status_since and day < workshop.status_since:
            raise InvalidInput(f"日期不能早于当前状态的起始日期 {workshop.status_since}。")
        WorkshopStatusChange.objects.create(workshop=workshop, from_status=current, to_status=to,
                                            on=day, reason=reason, actor=actor,
                                            actor_name=actor.get_username())
        before = snapshot(workshop, ("status", "status_since"))
        workshop.status, workshop.status_since = to, day
        workshop.version += 1
        workshop.save()
        _audit(actor, workshop, before, snapshot(workshop, ("status", "status_since")),
               f"车间{WorkshopStatus(to).label}：{workshop.name}", workshop.region_id)
    return workshop


def workshop_worker_add(*, actor: User, workshop_id: int, data: dict[str, Any],
                        today: dt.date | None = None) -> WorkshopWorker:
    """Register a worker on a contract (登记务工人员); linked to the registry member with the
    same ID number in the actor's scope when there is one. A linked worker entered as 其他人员
    is recorded as 脱贫人口 when the household is a 脱贫户, or 监测对象 when it is one now; the
    recognition counts linked workers by the registry and the cases on its date anyway
    (``selectors.worker_facts``)."""
    name = _text(data, "name", "姓名", 64)
    if not name:
        raise InvalidInput("请填写务工人员姓名。")
    check = check_id_number(data.get("id_number"), today=today or timezone.localdate())
    if not check.ok:
        raise InvalidInput("；".join(check.errors))
    category = _choice(data.get("category"), WorkerCategory, "人员类别")
    start = _date(data.get("contract_start"), "合同起始日期")
    months = _int(data.get("contract_months"), "合同期限（月）", low=1, high=120)
    with transaction.atomic():
        workshop = _lock_workshop(actor, workshop_id)
        if workshop.workers.filter(id_number=check.number, left_on__isnull=True).exists():
            raise InvalidInput("此人已在该车间务工。")
        in_post = workshop.workers.filter(left_on__isnull=True).count()
        if in_post + 1 > workshop.headcount:
            raise InvalidInput(f"在岗务工人员将超过车间用工总人数（{workshop.headcount} 人），"
                               "请先修改用工总人数。")
        member = (Member.objects.visible_to(actor).filter(
            id_number=check.number, active=True, household__archived=False)
            .select_related("household").first())
        if member is not None and category == WorkerCategory.OTHER:
            if member.household.category == HouseholdCategory.LIFTED:
                category = WorkerCategory.LIFTED
            elif monitored_households().filter(household_id=member.household_id).exists():
                category = WorkerCategory.MONITORED
        worker = WorkshopWorker.objects.create(workshop=workshop, name=name,
                                               id_number=check.number, member=member,
                                               category=category, contract_start=start,
                                               contract_months=months)
        workshop.version += 1
        workshop.save(update_fields=["version", "updated_at"])
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=worker,
                     region_code=workshop.region_id,
                     changes={"category": [None, category], "contract_months": [None, months],
                              "contract_start": [None, start]},
                     note=f"车间登记务工人员：{workshop.name}",
                     extra={"workshop": workshop.pk, "member": member.pk if member else None})
    return worker


def workshop_worker_leave(*, actor: User, worker_id: int, left_on: Any,
                          version: int | None) -> WorkshopWorker:
    day = _date(left_on, "离岗日期")
    with transaction.atomic():
        worker = (WorkshopWorker.objects.visible_to(actor, "change").select_for_update()
                  .filter(pk=worker_id).select_related("workshop").first())
        if worker is None:
            raise NotFound()
        _check_version(worker.version, version, "务工人员记录")
        if worker.left_on is not None:
            raise InvalidInput("此人已经离岗。")
        if day < worker.contract_start:
            raise InvalidInput("离岗日期不能早于合同起始日期。")
        worker.left_on = day
        worker.version += 1
        worker.save()
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=worker,
                     region_code=worker.workshop.region_id, changes={"left_on": [None, day]},
                     note=f"务工人员离岗：{worker.workshop.name}")
    return worker


def workshop_subsidy_add(*, actor: User, workshop_id: int, kind: Any, amount: Any,
                         granted_on: Any, note: str = "") -> WorkshopSubsidy:
    """Record a subsidy granted to a workshop (登记补贴发放)."""
    kind = _choice(kind, SubsidyKind, "补贴类型")
    value = _amount(amount, "金额", optional=False, positive=True)
    day = _date(granted_on, "发放日期")
    if day > timezone.localdate():
        raise InvalidInput("发放日期不能晚于今天。")
    with transaction.atomic():
        workshop = _lock_workshop(actor, workshop_id)
        subsidy = WorkshopSubsidy.objects.create(workshop=workshop, kind=kind, amount=value,
                                                 granted_on=day, note=(note or "").strip()[:200],
                                                 created_by=actor)
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=subsidy,
                     region_code=workshop.region_id,
                     changes={"kind": [None, kind], "amount": [None, value],
                              "granted_on": [None, day]},
                     note=f"登记车间补贴：{workshop.name}", extra={"workshop": workshop.pk})
    return subsidy


def workshop_recognize(*, actor: User, workshop_id: int, version: int | None,
                       on: dt.date | None = None) -> Workshop:
    """认定就业帮扶车间: granted only when the parameterised criteria are met on ``on``; the
    evaluation (counts, parameter values and references) is kept with the workshop."""
    _require(actor, "employment.recognize_workshop", "您没有认定就业帮扶车间的权限。")
    on = on or timezone.localdate()
    with transaction.atomic():
        workshop = _lock_workshop(actor, workshop_id)
        _check_version(workshop.version, version, "车间")
        if workshop.recognized:
            raise InvalidInput("该车间已经认定。")
        result = workshop_recognition_check(workshop=workshop, on=on)
        if not result.met:
            raise InvalidInput("不符合认定条件：" + "".join(result.reasons))
        workshop.recognized, workshop.recognized_on = True, on
        workshop.recognition = {**result.as_dict(), "on": on.isoformat(),
                                "workers": len(worker_facts(workshop))}
        workshop.version += 1
        workshop.save()
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=workshop,
                     region_code=workshop.region_id,
                     changes={"recognized": [False, True], "recognized_on": [None, on]},
                     note=f"认定就业帮扶车间：{workshop.name}", extra=workshop.recognition)
    return workshop
