"""Reads of training (职业技能培训), always from the actor's scope.

Courses belong to a county: the county office (and above) sees the courses in its subtree; a
township or village account also sees the courses of its own county, to enrol its villagers.
Demand and enrolments are scoped by the village of the people concerned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from minsheng.core.errors import NotFound
from minsheng.employment.publicposts.rules import add_months
from minsheng.employment.selectors import _range_q, _ranges
from minsheng.employment.training.models import (
    Course,
    Enrolment,
    EnrolmentStatus,
    TrainingDemand,
)
from minsheng.regions.models import Region
from minsheng.regions.scoping import holds_perm, scope_bounds

COURSE_VIEW = "training.view_course"
COURSE_EXPORT = "training.export_course"
DEMAND_VIEW = "training.view_trainingdemand"
ENROLMENT_VIEW = "training.view_enrolment"


def check_month_of(completed_on: dt.date, months: int) -> str:
    """The month of the employment check ``months`` after completion ('YYYY-MM')."""
    return f"{add_months(completed_on, months):%Y-%m}"


# --- Courses --------------------------------------------------------------------------------

def _course_q(actor: Any, action: str) -> models.Q | None:
    if not holds_perm(actor, f"training.{action}_course"):
        return None
    bounds = scope_bounds(actor)
    if not bounds:
        return None
    q = _range_q("region_id", bounds)
    if action == "view":  # the own county's courses, seen from a township or a village
        q |= models.Q(region_id__in={lo[:6].ljust(12, "0") for lo, _hi in bounds})
    return q


@dataclass(frozen=True)
class CourseFilter:
    q: str = ""
    status: str = ""
    trade: str = ""


def course_list(*, actor: Any, filters: CourseFilter | None = None) -> models.QuerySet[Course]:
    f = filters or CourseFilter()
    q = _course_q(actor, "view")
    if q is None:
        return Course.objects.none()
    qs = Course.objects.filter(q).select_related("region")
    if f.q:
        qs = qs.filter(models.Q(name__contains=f.q) | models.Q(provider__contains=f.q))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.trade:
        qs = qs.filter(trade=f.trade)
    return qs.annotate(
        enrolled=models.Count("enrolments", filter=~models.Q(
            enrolments__status=EnrolmentStatus.DROPPED)),
        completed=models.Count("enrolments", filter=models.Q(
            enrolments__status=EnrolmentStatus.COMPLETED)),
    ).order_by("-start_date", "id")


def course_get(*, actor: Any, pk: Any, action: str = "view") -> Course:
    q = _course_q(actor, action)
    course = None if q is None else Course.objects.filter(q, pk=pk).select_related(
        "region").first()
    if course is None:
        raise NotFound()
    return course


def course_row(c: Course) -> dict[str, Any]:
    return {"id": c.pk, "region_code": c.region_id, "region_name": c.region.name,
            "name": c.name, "trade": c.trade, "provider": c.provider,
            "start_date": c.start_date, "end_date": c.end_date, "place": c.place,
            "capacity": c.capacity, "subsidy_per_trainee": c.subsidy_per_trainee,
            "status": c.status, "status_label": c.get_status_display(),
            "enrolled": getattr(c, "enrolled", None), "completed": getattr(c, "completed", None),
            "version": c.version}


# --- Enrolments -----------------------------------------------------------------------------

def enrolment_list(*, actor: Any, course: Course | None = None,
                   within: str = "") -> models.QuerySet[Enrolment]:
    qs = Enrolment.objects.visible_to(actor).select_related("member", "course", "region")
    if course is not None:
        qs = qs.filter(course=course)
    if within:
        qs = qs.filter(_range_q("region_id", _ranges(actor, ENROLMENT_VIEW, within)))
    return qs.order_by("course_id", "region_id", "id")


def enrolment_get(*, actor: Any, pk: Any, action: str = "view") -> Enrolment:
    return Enrolment.objects.select_related("member", "course", "region").get_visible(
        actor, action, pk=pk)


def enrolment_row(e: Enrolment) -> dict[str, Any]:
    from minsheng.core.masking import mask_id_number

    return {"id": e.pk, "course_id": e.course_id, "member_id": e.member_id,
            "name": e.member.name, "id_number": mask_id_number(e.member.id_number),
            "region_code": e.region_id, "region_name": e.region.name, "status": e.status,
            "status_label": e.get_status_display(), "attendance_days": e.attendance_days,
            "completed_on": e.completed_on, "certificate_type": e.certificate_type,
            "certificate_no": e.certificate_no,
            "check_3m_month": check_month_of(e.completed_on, 3) if e.completed_on else None,
            "employed_3m": e.employed_3m, "source_3m": e.source_3m,
            "check_6m_month": check_month_of(e.completed_on, 6) if e.completed_on else None,
            "employed_6m": e.employed_6m, "source_6m": e.source_6m, "note": e.note,
            "version": e.version}


# --- Demand (点餐) --------------------------------------------------------------------------

def _demands(actor: Any, year: int | None, within: str) -> models.QuerySet[TrainingDemand]:
    qs = TrainingDemand.objects.visible_to(actor)
    if year:
        qs = qs.filter(year=year)
    if within:
        qs = qs.filter(_range_q("region_id", _ranges(actor, DEMAND_VIEW, within)))
    return qs


def demand_list(*, actor: Any, year: int | None = None,
                within: str = "") -> models.QuerySet[TrainingDemand]:
    return (_demands(actor, year, within).select_related("region")
            .annotate(named=models.Count("members")).order_by("region_id", "trade"))


def demand_get(*, actor: Any, pk: Any, action: str = "view") -> TrainingDemand:
    return TrainingDemand.objects.select_related("region").get_visible(actor, action, pk=pk)


@dataclass
class MenuRow:
    trade: str
    headcount: int
    villages: int
    courses: int = 0  # courses of that trade in the year (in scope)
    places: int = 0  # their capacity


def demand_menu(*, actor: Any, year: int, within: str = "") -> list[MenuRow]:
    """The "点餐" menu: wishes summed by trade across the villages in scope, with the courses
    already planned for that trade in the year. Two grouped queries."""
    rows = {r["trade"]: MenuRow(r["trade"], r["n"] or 0, r["v"])
            for r in _demands(actor, year, within).order_by().values("trade").annotate(n=models.Sum("headcount"),
                                      v=models.Count("region", distinct=True))}
    q = _course_q(actor, "view")
    if q is not None:
        for r in (Course.objects.filter(q, start_date__year=year).exclude(status="cancelled")
                  .order_by().values("trade")
                  .annotate(c=models.Count("id"), p=models.Sum("capacity"))):
            if r["trade"] in rows:
                rows[r["trade"]].courses = r["c"]
                rows[r["trade"]].places = r["p"] or 0
    return sorted(rows.values(), key=lambda r: (-r.headcount, r.trade))


# --- Outcomes (培训后就业) ------------------------------------------------------------------

@dataclass
class ShareRow:
    key: str  # course id or provider name
    label: str
    provider: str
    completed: int = 0
    checked_3m: int = 0
    employed_3m: int = 0
    employed_6m: int = 0

    @property
    def share(self) -> Decimal | None:
        """培训后就业 = employed at the 3-month check ÷ completed, in %."""
        if not self.completed:
            return None
        return (Decimal(self.employed_3m) * 100 / Decimal(self.completed)).quantize(
            Decimal("0.1"))


@dataclass
class Shares:
    by_course: list[ShareRow] = field(default_factory=list)
    by_provider: list[ShareRow] = field(default_factory=list)
    total: ShareRow = field(default_factory=lambda: ShareRow("", "合计", ""))


def outcome_shares(*, actor: Any, within: str = "", year: int | None = None) -> Shares:
    """"培训后就业" per course and per provider over the enrolments in scope: employed at the
    3-month check ÷ completed. One grouped query."""
    qs = enrolment_list(actor=actor, within=within).filter(status=EnrolmentStatus.COMPLETED)
    if year:
        qs = qs.filter(completed_on__year=year)
    grouped = (qs.order_by().values("course_id", "course__name", "course__provider")
               .annotate(n=models.Count("id"),
                         c3=models.Count("id", filter=models.Q(employed_3m__isnull=False)),
                         e3=models.Count("id", filter=models.Q(employed_3m=True)),
                         e6=models.Count("id", filter=models.Q(employed_6m=True))))
    result = Shares()
    providers: dict[str, ShareRow] = {}
    for r in grouped:
        row = ShareRow(str(r["course_id"]), r["course__name"], r["course__provider"], r["n"],
                       r["c3"], r["e3"], r["e6"])
        result.by_course.append(row)
        p = providers.setdefault(row.provider, ShareRow(row.provider, row.provider,
                                                        row.provider))
        for target in (p, result.total):
            target.completed += row.completed
            target.checked_3m += row.checked_3m
            target.employed_3m += row.employed_3m
            target.employed_6m += row.employed_6m
    result.by_course.sort(key=lambda r: (r.provider, r.label, r.key))
    result.by_provider = sorted(providers.values(), key=lambda r: r.key)
    return result


def villages_for(*, actor: Any, perm: str) -> list[Region]:
    from minsheng.employment.selectors import villages_for as employment_villages

    return employment_villages(actor=actor, perm=perm)
