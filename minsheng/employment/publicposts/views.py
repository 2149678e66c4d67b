"""Web pages of 乡村公益性岗位: posts and their appointments (with an eligibility pre-check),
monthly attendance, the payroll preview and its export. Views parse, call one selector or
service, render."""

from __future__ import annotations

import datetime as dt
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
from minsheng.employment.publicposts import selectors, services
from minsheng.employment.publicposts.models import ExitReason, PostType
from minsheng.employment.rules import month_of, parse_month
from minsheng.regions.current import current_region

_ERRORS = (InvalidInput, PermissionDenied, Conflict, NotFound)
POST_FIELDS = ("post_type", "name", "quota", "duties")
DECLARED = ("cannot_go_out", "cannot_go_out_reason", "cadre_family")


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


def _month(request: HttpRequest) -> str:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        return parse_month(raw) if raw else month_of(timezone.localdate())
    except InvalidInput:
        return month_of(timezone.localdate())


# --- Posts ----------------------------------------------------------------------------------

@login_required
def post_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.POST_VIEW)
    error = ""
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in (*POST_FIELDS, "region")}
        try:
            post = services.post_create(actor=actor, region_code=values["region"], data=values)
        except _ERRORS as exc:
            error = exc.message
        else:
            messages.success(request, "岗位已设置。")
            return redirect("publicposts:post_detail", pk=post.pk)
    filters = selectors.PostFilter(post_type=request.GET.get("post_type", ""),
                                   q=request.GET.get("q", "").strip())
    page = Paginator(selectors.post_list(actor=actor, within=_within(request), filters=filters),
                     50).get_page(request.GET.get("page"))
    can_add = actor.has_perm("publicposts.add_post")
    return render(request, "publicposts/post_list.html", {
        "page": page, "rows": [selectors.post_row(p) for p in page.object_list],
        "filters": filters, "types": PostType.choices, "error": error,
        "values": values, "can_add": can_add,
        "villages": employment_selectors.villages_for(actor=actor, perm="publicposts.add_post")
        if can_add else []})


def _dates(request: HttpRequest) -> tuple[Any, Any]:
    return request.POST.get("start_date"), request.POST.get("end_date")


@login_required
def post_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, selectors.POST_VIEW)
    post = selectors.post_get(actor=actor, pk=pk)
    check = None
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in (*DECLARED, "member", "start_date",
                                                      "end_date", "bank_name", "bank_account")}
        declared = {k: form[k] for k in DECLARED}
        try:
            if request.POST.get("action") == "check":
                member = selectors.post_candidates(post=post).filter(
                    pk=_version(form["member"]) or 0).first()
                if member is None:
                    raise InvalidInput("请选择本村的在户成员。")
                start = dt.date.fromisoformat(form["start_date"])
                end = dt.date.fromisoformat(form["end_date"])
                check = selectors.eligibility_check(member=member, region_code=post.region_id,
                                                    start_date=start, end_date=end,
                                                    declared={**declared,
                                                              "cannot_go_out": bool(
                                                                  declared["cannot_go_out"]),
                                                              "cadre_family": bool(
                                                                  declared["cadre_family"])})
            else:
                services.appointment_create(actor=actor, post_id=post.pk,
                                            member_id=_version(form["member"]) or 0, data=form)
                messages.success(request, "已聘用。")
                return redirect("publicposts:post_detail", pk=post.pk)
        except ValueError:
            messages.error(request, "请填写聘期开始和结束日期。")
        except _ERRORS as exc:
            messages.error(request, exc.message)
    can_appoint = actor.has_perm("publicposts.add_appointment")
    return render(request, "publicposts/post_detail.html", {
        "p": selectors.post_row(post), "post": post,
        "appointments": [selectors.appointment_row(a) for a in selectors.appointment_list(
            actor=actor, post=post).select_related("household")],
        "candidates": list(selectors.post_candidates(post=post)[:500]) if can_appoint else [],
        "can_appoint": can_appoint, "check": check, "form": form,
        "can_exit": actor.has_perm("publicposts.change_appointment"),
        "can_edit": actor.has_perm("publicposts.change_post"), "reasons": ExitReason.choices,
        "types": PostType.choices, "today": timezone.localdate()})


@login_required
@require_POST
def post_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "publicposts.change_post")
    post = selectors.post_get(actor=actor, pk=pk, action="change")
    data = {k: request.POST.get(k, "") for k in POST_FIELDS}
    data["active"] = request.POST.get("active", "")
    try:
        services.post_update(actor=actor, post_id=post.pk, data=data,
                             version=_version(request.POST.get("version")))
        messages.success(request, "岗位已保存。")
    except _ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("publicposts:post_detail", pk=post.pk)


@login_required
@require_POST
def appointment_exit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "publicposts.change_appointment")
    appointment = selectors.appointment_get(actor=actor, pk=pk, action="change")
    try:
        services.appointment_exit(actor=actor, appointment_id=appointment.pk,
                                  exit_date=request.POST.get("exit_date"),
                                  reason=request.POST.get("reason"),
                                  note=request.POST.get("note", ""),
                                  version=_version(request.POST.get("version")))
        messages.success(request, f"{appointment.member.name}已退岗。")
    except _ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("publicposts:post_detail", pk=appointment.post_id)


# --- Attendance and payroll -----------------------------------------------------------------

@login_required
def attendance_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.ATTENDANCE_VIEW)
    month = _month(request)
    if request.method == "POST":
        _require(request, selectors.ATTENDANCE_CHANGE)
        try:
            services.attendance_save(actor=actor,
                                     appointment_id=_version(request.POST.get("appointment")) or 0,
                                     month=month, days_required=request.POST.get("days_required"),
                                     days_present=request.POST.get("days_present"),
                                     note=request.POST.get("note", ""),
                                     version=_version(request.POST.get("version")))
            messages.success(request, "考勤已保存。")
        except _ERRORS as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('publicposts:attendance')}?month={month}")
    return render(request, "publicposts/attendance.html", {
        "month": month, "rows": selectors.attendance_sheet(actor=actor, month=month,
                                                           within=_within(request)),
        "can_change": actor.has_perm(selectors.ATTENDANCE_CHANGE)})


def _payroll_region(request: HttpRequest, actor: Any) -> str:
    code = (request.GET.get("region") or "").strip()
    if code:
        return code.ljust(12, "0")
    region = current_region(request)
    if region is not None:
        return region.code
    return selectors.default_payroll_region(actor=actor)


@login_required
def payroll_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.PAYROLL_EXPORT)
    month = _month(request)
    region = _payroll_region(request, actor)
    result = selectors.payroll(actor=actor, month=month, region_code=region) if region else None
    return render(request, "publicposts/payroll.html", {
        "month": month, "region": region, "result": result,
        "townships": selectors.payroll_regions(actor=actor),
        "can_reveal": actor.has_perm("core.reveal_pii")})


@login_required
def payroll_export_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.PAYROLL_EXPORT)
    month = _month(request)
    region = _payroll_region(request, actor)
    handle, result = services.payroll_export(actor=actor, month=month, region_code=region,
                                             reveal=request.GET.get("reveal") == "1")
    return FileResponse(handle, as_attachment=True,
                        filename=f"公益性岗位补贴发放表-{result.region_name}-{month}.xlsx")
