"""Reads of 乡村公益性岗位, always from the actor's scope (out of scope → NotFound)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from minsheng.core.errors import NotFound
from minsheng.core.masking import mask_bank_account, mask_id_number
from minsheng.employment.publicposts.models import (
    Appointment,
    AppointmentStatus,
    Attendance,
    Post,
)
from minsheng.employment.publicposts.rules import ApplicantFacts, Eligibility, eligibility_for
from minsheng.employment.rules import month_end
from minsheng.employment.selectors import _range_q, _ranges
from minsheng.monitoring.case_selectors import monitored_households
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory
from minsheng.registry.models import Member

POST_VIEW = "publicposts.view_post"
APPOINTMENT_VIEW = "publicposts.view_appointment"
ATTENDANCE_VIEW = "publicposts.view_attendance"
ATTENDANCE_CHANGE = "publicposts.change_attendance"
PAYROLL_EXPORT = "publicposts.export_payroll"


def month_start(month: str) -> dt.date:
    year, number = (int(x) for x in month.split("-"))
    return dt.date(year, number, 1)


def in_post_q(month: str, prefix: str = "") -> models.Q:
    """Appointments that held their post on at least one day of ``month``."""
    first, last = month_start(month), month_end(month)
    return (models.Q(**{f"{prefix}start_date__lte": last, f"{prefix}end_date__gte": first})
            & (models.Q(**{f"{prefix}exit_date__isnull": True})
               | models.Q(**{f"{prefix}exit_date__gte": first})))


def days_in_post(appointment: Appointment, month: str) -> tuple[int, int]:
    """(days the appointment covered in ``month``, days in the month)."""
    first, last = month_start(month), month_end(month)
    start = max(first, appointment.start_date)
    end = min(last, appointment.end_date,
              appointment.exit_date if appointment.exit_date else last)
    return max(0, (end - start).days + 1), (last - first).days + 1


# --- Posts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PostFilter:
    post_type: str = ""
    q: str = ""


def post_list(*, actor: Any, within: str = "",
              filters: PostFilter | None = None) -> models.QuerySet[Post]:
    f = filters or PostFilter()
    qs = Post.objects.visible_to(actor).select_related("region")
    if within:
        qs = qs.filter(_range_q("region_id", _ranges(actor, POST_VIEW, within)))
    if f.post_type:
        qs = qs.filter(post_type=f.post_type)
    if f.q:
        qs = qs.filter(models.Q(name__contains=f.q) | models.Q(region__name__contains=f.q))
    return qs.annotate(in_post=models.Count(
        "appointments", filter=models.Q(appointments__status=AppointmentStatus.ACTIVE))
    ).order_by("region_id", "post_type", "id")


def post_get(*, actor: Any, pk: Any, action: str = "view") -> Post:
    return Post.objects.select_related("region").get_visible(actor, action, pk=pk)


def post_row(p: Post, in_post: int | None = None) -> dict[str, Any]:
    count = in_post if in_post is not None else getattr(p, "in_post", None)
    if count is None:
        count = p.appointments.filter(status=AppointmentStatus.ACTIVE).count()
    return {"id": p.pk, "region_code": p.region_id, "region_name": p.region.name,
            "post_type": p.post_type, "post_type_label": p.get_post_type_display(),
            "name": p.name, "quota": p.quota, "in_post": count,
            "vacancies": max(0, p.quota - count), "duties": p.duties, "active": p.active,
            "version": p.version}


# --- Appointments ---------------------------------------------------------------------------

def appointment_list(*, actor: Any, post: Post | None = None, status: str = "",
                     within: str = "") -> models.QuerySet[Appointment]:
    qs = Appointment.objects.visible_to(actor).select_related("member", "post", "region")
    if post is not None:
        qs = qs.filter(post=post)
    if status:
        qs = qs.filter(status=status)
    if within:
        qs = qs.filter(_range_q("region_id", _ranges(actor, APPOINTMENT_VIEW, within)))
    return qs.order_by("status", "region_id", "post_id", "id")


def appointment_get(*, actor: Any, pk: Any, action: str = "view") -> Appointment:
    return Appointment.objects.select_related("member", "post", "region", "household") \
        .get_visible(actor, action, pk=pk)


def appointment_row(a: Appointment) -> dict[str, Any]:
    return {"id": a.pk, "post_id": a.post_id, "post_name": a.post.name,
            "member_id": a.member_id, "name": a.member.name,
            "id_number": mask_id_number(a.member.id_number), "region_code": a.region_id,
            "start_date": a.start_date, "end_date": a.end_date, "status": a.status,
            "status_label": a.get_status_display(), "cannot_go_out": a.cannot_go_out,
            "cannot_go_out_reason": a.cannot_go_out_reason, "monitored": a.monitored,
            "cadre_family": a.cadre_family, "exit_date": a.exit_date,
            "exit_reason": a.exit_reason, "exit_note": a.exit_note,
            "bank_account": mask_bank_account(a.bank_account or a.household.bank_account),
            "eligibility": a.eligibility, "version": a.version}


def post_candidates(*, post: Post) -> models.QuerySet[Member]:
    """Active members of non-archived households in the post's village (the form's choices)."""
    return (Member.objects.filter(household__region_id=post.region_id, active=True,
                                  household__archived=False)
            .select_related("household").order_by("household__household_no", "id"))


def applicant_facts(*, member: Member, start_date: dt.date, end_date: dt.date,
                    declared: dict[str, Any], exclude: int | None = None) -> ApplicantFacts:
    """The facts of the decision: 脱贫户 and 低保 from the registry, 监测对象 from the monitoring
    cases (the household's case 监测中 or in 风险消除程序 now), the rest as declared."""
    others = Appointment.objects.filter(household_id=member.household_id,
                                        status=AppointmentStatus.ACTIVE)
    if exclude:
        others = others.exclude(pk=exclude)
    return ApplicantFacts(
        birth_date=member.birth_date, labour_capacity=member.labour_capacity,
        household_lifted=member.household.category == HouseholdCategory.LIFTED,
        monitored=monitored_households().filter(household_id=member.household_id).exists(),
        dibao=bool(member.dibao),
        cannot_go_out=bool(declared.get("cannot_go_out")),
        cannot_go_out_reason=str(declared.get("cannot_go_out_reason") or ""),
        cadre_family=bool(declared.get("cadre_family")),
        household_active_posts=others.count(), start_date=start_date, end_date=end_date)


def eligibility_check(*, member: Member, region_code: str, start_date: dt.date,
                      end_date: dt.date, declared: dict[str, Any]) -> Eligibility:
    """The eligibility of a member for a post of ``region_code`` (not stored)."""
    facts = applicant_facts(member=member, start_date=start_date, end_date=end_date,
                            declared=declared)
    return eligibility_for(facts, region_code=region_code)


# --- Attendance and payroll -----------------------------------------------------------------

def attendance_sheet(*, actor: Any, month: str, within: str = "") -> list[dict[str, Any]]:
    """The appointments in post during ``month`` in scope, each with its attendance row."""
    qs = (Appointment.objects.visible_to(actor).filter(in_post_q(month))
          .select_related("member", "post", "region").order_by("region_id", "post_id", "id"))
    if within:
        qs = qs.filter(_range_q("region_id", _ranges(actor, APPOINTMENT_VIEW, within)))
    appointments = list(qs)
    rows = {a.appointment_id: a for a in Attendance.objects.filter(
        appointment_id__in=[a.pk for a in appointments], month=month)}
    return [{"appointment": a, "attendance": rows.get(a.pk),
             "days": days_in_post(a, month)} for a in appointments]


@dataclass
class PayrollRow:
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


@dataclass
class Payroll:
    month: str
    region_code: str
    region_name: str
    rows: list[PayrollRow] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    missing: int = 0  # appointments in post this month without attendance


def payroll(*, actor: Any, month: str, region_code: str, reveal: bool = False) -> Payroll:
    """The month's subsidy list of a region (usually a township) for the finance office: one row
    per attendance with an amount; ID numbers always masked, bank accounts masked unless
    ``reveal`` (the caller checks the permission and audits). Two queries."""
    ranges = _ranges(actor, ATTENDANCE_VIEW, region_code)
    region = Region.objects.filter(code=region_code).first()
    if not ranges or region is None:
        raise NotFound("所选区域不存在或不在您的管辖范围内。")
    qs = (Attendance.objects.filter(_range_q("region_id", ranges), month=month)
          .select_related("appointment__member", "appointment__household",
                          "appointment__post", "region")
          .order_by("region_id", "appointment__post_id", "appointment_id"))
    townships = {r.code: r.name for r in Region.objects.filter(
        code__in={a.region_id[:9].ljust(12, "0") for a in qs})}
    result = Payroll(month, region.code, region.full_name)
    for att in qs:
        a = att.appointment
        account = a.bank_account or a.household.bank_account
        result.rows.append(PayrollRow(
            townships.get(att.region_id[:9].ljust(12, "0"), ""), att.region.name, a.post.name,
            a.member.name, mask_id_number(a.member.id_number),
            a.bank_name or a.household.bank_name,
            account if reveal else mask_bank_account(account),
            att.days_required, att.days_present, att.amount))
        result.total += att.amount
    in_post = (Appointment.objects.filter(_range_q("region_id", ranges)).filter(in_post_q(month))
               .exclude(attendances__month=month).count())
    result.missing = in_post
    return result


def payroll_regions(*, actor: Any) -> list[Region]:
    """The townships in the actor's scope (a village account: its own villages)."""
    ranges = _ranges(actor, ATTENDANCE_VIEW)
    if not ranges:
        return []
    townships = list(Region.objects.filter(_range_q("code", ranges), level=4).order_by("code"))
    if townships:
        return townships
    return list(Region.objects.filter(_range_q("code", ranges), level=5).order_by("code"))


def default_payroll_region(*, actor: Any) -> str:
    """The actor's first assigned region (the start of its first scope range), or ""."""
    ranges = _ranges(actor, ATTENDANCE_VIEW)
    return ranges[0][0] if ranges else ""
