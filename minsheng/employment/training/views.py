"""Web pages of training (职业技能培训): courses and their trainees, the 点餐 demand survey and
menu, the "培训后就业" shares and their export. Views parse, call one selector or service,
render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.employment import selectors as employment_selectors
from minsheng.employment.rules import month_of
from minsheng.employment.training import selectors, services
from minsheng.employment.training.models import CourseStatus
from minsheng.regions.current import current_region

_ERRORS = (InvalidInput, PermissionDenied, Conflict, NotFound)
COURSE_FIELDS = ("name", "trade", "provider", "start_date", "end_date", "place", "capacity",
                 "subsidy_per_trainee", "status")


def _require(request: HttpRequest, perm: str) -> Any:
    if not request.user.has_perm(perm):
        raise NotFound()
    return request.user


def _version(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _within(request: HttpRequest) -> str:
    region = current_region(request)
    return region.code if region is not None else ""


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or "")
    except ValueError:
        return timezone.localdate().year


# --- Courses --------------------------------------------------------------------------------

@login_required
def course_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.COURSE_VIEW)
    filters = selectors.CourseFilter(q=request.GET.get("q", "").strip(),
                                     status=request.GET.get("status", ""))
    page = Paginator(selectors.course_list(actor=actor, filters=filters), 50).get_page(
        request.GET.get("page"))
    return render(request, "training/course_list.html", {
        "page": page, "filters": filters, "statuses": CourseStatus.choices,
        "can_add": actor.has_perm("training.add_course")})


@login_required
def course_form_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _require(request, "training.change_course" if pk else "training.add_course")
    course = selectors.course_get(actor=actor, pk=pk, action="change") if pk else None
    counties = employment_selectors.counties_for(actor=actor, perm="training.add_course")
    values: dict[str, Any] = ({k: getattr(course, k) for k in COURSE_FIELDS} if course
                              else {**dict.fromkeys(COURSE_FIELDS, ""),
                                    "status": CourseStatus.PLANNED})
    error = ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in COURSE_FIELDS}
        try:
            if course is None:
                course = services.course_create(actor=actor,
                                                region_code=request.POST.get("region"),
                                                data=values)
            else:
                services.course_update(actor=actor, course_id=course.pk, data=values,
                                       version=_version(request.POST.get("version")))
        except _ERRORS as exc:
            error = exc.message
        else:
            messages.success(request, "培训班已保存。")
            return redirect("training:course_detail", pk=course.pk)
    return render(request, "training/course_form.html", {
        "course": course, "values": values, "counties": counties, "error": error,
        "statuses": CourseStatus.choices})


@login_required
def course_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, selectors.COURSE_VIEW)
    course = selectors.course_get(actor=actor, pk=pk)
    can_enrol = actor.has_perm("training.add_enrolment") and actor.has_perm(
        employment_selectors.LEDGER_VIEW)
    candidates = []
    if can_enrol and course.status in (CourseStatus.PLANNED, CourseStatus.RUNNING):
        candidates = list(employment_selectors.labour_force_list(
            actor=actor, month=month_of(course.start_date), within=_within(request))[:500])
    return render(request, "training/course_detail.html", {
        "c": course, "enrolments": [selectors.enrolment_row(e) for e in
                                    selectors.enrolment_list(actor=actor, course=course)],
        "candidates": candidates, "can_enrol": can_enrol,
        "can_change": actor.has_perm("training.change_enrolment"),
        "can_edit": actor.has_perm("training.change_course"),
        "today": timezone.localdate()})


@login_required
@require_POST
def course_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The course page's small forms: enrol, complete, drop, outcome."""
    actor = _require(request, selectors.COURSE_VIEW)
    course = selectors.course_get(actor=actor, pk=pk)
    post = request.POST
    try:
        if action == "enrol":
            services.enrolment_add(actor=actor, course_id=course.pk,
                                   member_id=_version(post.get("member")) or 0)
        elif action == "complete":
            services.enrolment_complete(
                actor=actor, enrolment_id=_version(post.get("enrolment")) or 0,
                completed_on=post.get("completed_on"),
                attendance_days=post.get("attendance_days"),
                certificate_type=post.get("certificate_type", ""),
                certificate_no=post.get("certificate_no", ""),
                version=_version(post.get("version")))
        elif action == "drop":
            services.enrolment_drop(actor=actor, enrolment_id=_version(post.get("enrolment")) or 0,
                                    note=post.get("note", ""),
                                    version=_version(post.get("version")))
        elif action == "outcome":
            services.enrolment_outcome_record(
                actor=actor, enrolment_id=_version(post.get("enrolment")) or 0,
                months=post.get("months"), employed=post.get("employed"),
                version=_version(post.get("version")))
        else:
            raise NotFound()
        messages.success(request, "已保存。")
    except _ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("training:course_detail", pk=course.pk)


# --- Demand (点餐) --------------------------------------------------------------------------

@login_required
def demand_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.DEMAND_VIEW)
    year = _year(request)
    if request.method == "POST":
        _require(request, "training.add_trainingdemand")
        try:
            services.demand_save(actor=actor, region_code=request.POST.get("region"), year=year,
                                 trade=request.POST.get("trade"),
                                 headcount=request.POST.get("headcount"),
                                 member_ids=[int(i) for i in request.POST.getlist("members")
                                             if i.isdigit()],
                                 note=request.POST.get("note", ""),
                                 version=_version(request.POST.get("version")) or 0)
        except _ERRORS as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "培训需求已保存。")
            return redirect(f"{reverse('training:demand')}?year={year}")
    within = _within(request)
    return render(request, "training/demand.html", {
        "year": year, "demands": selectors.demand_list(actor=actor, year=year, within=within),
        "menu": selectors.demand_menu(actor=actor, year=year, within=within),
        "villages": selectors.villages_for(actor=actor, perm="training.add_trainingdemand"),
        "can_add": actor.has_perm("training.add_trainingdemand")})


# --- Outcomes -------------------------------------------------------------------------------

@login_required
def outcomes_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.ENROLMENT_VIEW)
    if request.method == "POST":
        try:
            changed = services.outcomes_refresh(actor=actor)
        except _ERRORS as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已按劳动力台账更新回访结果：{changed} 人次有变化。")
        return redirect("training:outcomes")
    return render(request, "training/outcomes.html", {
        "shares": selectors.outcome_shares(actor=actor, within=_within(request)),
        "can_export": actor.has_perm(selectors.COURSE_EXPORT),
        "can_refresh": actor.has_perm("training.change_enrolment")})


@login_required
def outcomes_export_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.COURSE_EXPORT)
    handle, _count = services.outcome_export(actor=actor, within=_within(request))
    return FileResponse(handle, as_attachment=True, filename="培训后就业统计.xlsx")
