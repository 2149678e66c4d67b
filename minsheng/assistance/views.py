"""Web pages of assistance (帮扶计划): the household plan page (suggestions with one-click 采纳,
measures, 帮扶责任人, continuing measures, visits), measure edit with evidence, the phone-sized
follow-up form and the due lists (per cadre, per township)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.assistance import selectors, services
from minsheng.assistance.forms import EvidenceForm, MeasureForm, PlanForm, VisitForm, flag_initial
from minsheng.assistance.models import MeasureStatus
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import User
from minsheng.core.roles import Role
from minsheng.employment.rules import parse_month
from minsheng.regions.codes import RegionLevel, pad, significant_prefix
from minsheng.regions.current import current_region
from minsheng.registry.selectors import household_get

VIEW = "assistance.view_assistanceplan"
_ERRORS = (InvalidInput, PermissionDenied, Conflict)


def _require(request: HttpRequest, perm: str = VIEW) -> Any:
    if not request.user.has_perm(perm):
        raise NotFound()
    return request.user


def _version(request: HttpRequest, name: str = "version") -> int | None:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return None


def _cadres(household: Any) -> list[User]:
    """Accounts that may be named 帮扶责任人 of a household: village monitors and township
    stations assigned to its village or township."""
    codes = [pad(significant_prefix(household.region_id, level))
             for level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)]
    return list(User.objects.filter(
        is_active=True, role__in=(Role.VILLAGE_MONITOR, Role.TOWNSHIP_STATION),
        region_assignments__region_id__in=codes).distinct().order_by("role", "username"))


@login_required
def due_view(request: HttpRequest) -> HttpResponse:
    """待走访名单: households with an active plan and no visit this month, by cadre and
    township; a cadre sees "my households" first."""
    actor = _require(request)
    today = timezone.localdate()
    try:
        month = parse_month(request.GET.get("month") or f"{today:%Y-%m}")
    except InvalidInput as exc:
        messages.error(request, exc.message)
        month = f"{today:%Y-%m}"
    mine = request.GET.get("mine") == "1"
    region = current_region(request)
    rows = selectors.due_list(actor=actor, month=month, mine=mine, on=today,
                              region_code=region.code if region else "")
    villages = selectors.village_names({r.plan.region_id for r in rows})
    for row in rows:
        row.village = villages.get(row.plan.region_id, row.plan.region_id)
    return render(request, "assistance/due.html", {
        "month": month, "mine": mine, "rows": rows,
        "by_cadre": selectors.due_by_cadre(rows), "by_township": selectors.due_by_township(rows),
        "can_visit": actor.has_perm(services.VISIT),
        "plans_count": selectors.plan_list(actor=actor,
                                           region_code=region.code if region else "").count()})


@login_required
def household_plan_view(request: HttpRequest, household_id: int) -> HttpResponse:
    """一户一策: the household's plan, suggestions, measures, continuing measures, visits."""
    actor = _require(request)
    household = household_get(actor=actor, pk=household_id)
    plan = selectors.active_plan_for(actor=actor, household=household)
    today = timezone.localdate()
    can_manage = actor.has_perm(services.MANAGE)
    try:
        suggestions = selectors.household_suggestions(household=household, on=today, plan=plan)
        suggestion_error = ""
    except InvalidInput as exc:
        suggestions, suggestion_error = [], exc.message
    form = None
    if can_manage:
        initial = ({"responsible_name": plan.responsible_name,
                    "responsible_phone": "",
                    "responsible_unit": plan.responsible_unit,
                    "responsible_user": str(plan.responsible_user_id or ""), "goal": plan.goal}
                   if plan else {})
        form = PlanForm(initial=initial, users=_cadres(household))
        if plan and plan.responsible_phone:
            # Phones stay masked: the edit form shows the masked number and keeps it when blank.
            form.fields["responsible_phone"].widget.attrs["placeholder"] = (
                f"{plan.masked_phone}（留空不修改）")
    return render(request, "assistance/plan.html", {
        "household": household, "plan": plan, "suggestions": suggestions,
        "suggestion_error": suggestion_error,
        "measures": selectors.plan_measures(plan=plan) if plan else [],
        "continuing": selectors.continuing_measures(actor=actor, household=household, on=today),
        "visits": list(selectors.visit_list(actor=actor, household=household)[:12]),
        "history": [p for p in selectors.plan_history(actor=actor, household=household)
                    if plan is None or p.pk != plan.pk],
        "form": form, "can_manage": can_manage,
        "can_record": actor.has_perm(services.RECORD),
        "can_visit": actor.has_perm(services.VISIT), "month": f"{today:%Y-%m}"})


@login_required
@require_POST
def plan_create_view(request: HttpRequest, household_id: int) -> HttpResponse:
    actor = _require(request, services.MANAGE)
    household = household_get(actor=actor, pk=household_id)
    form = PlanForm(request.POST, users=_cadres(household))
    if form.is_valid():
        try:
            services.plan_create(actor=actor, household=household,
                                 adopt_suggestions=request.POST.get("adopt_all") == "1",
                                 **form.cleaned_data)
        except _ERRORS as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已制定帮扶计划。")
    else:
        messages.error(request, "请检查填写的内容。")
    return redirect("assistance:household_plan", household_id=household.pk)


@login_required
@require_POST
def plan_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, services.MANAGE)
    plan = selectors.plan_get(actor=actor, pk=pk)
    form = PlanForm(request.POST, users=_cadres(plan.household))
    if form.is_valid():
        data = dict(form.cleaned_data)
        if not data["responsible_phone"]:
            data.pop("responsible_phone")  # blank keeps the number (the form shows it masked)
        try:
            services.plan_update(actor=actor, plan=plan, version=_version(request), **data)
        except _ERRORS as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存帮扶责任人和帮扶目标。")
    else:
        messages.error(request, "请检查填写的内容。")
    return redirect("assistance:household_plan", household_id=plan.household_id)


@login_required
@require_POST
def plan_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, services.MANAGE)
    plan = selectors.plan_get(actor=actor, pk=pk)
    try:
        services.plan_close(actor=actor, plan=plan, version=_version(request),
                            reason=request.POST.get("reason", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已关闭帮扶计划；风险消除后延续的措施仍然保留。")
    return redirect("assistance:household_plan", household_id=plan.household_id)


@login_required
@require_POST
def adopt_view(request: HttpRequest, pk: int) -> HttpResponse:
    """采纳: add the suggested measure with the type's defaults, one click."""
    actor = _require(request, services.RECORD)
    plan = selectors.plan_get(actor=actor, pk=pk)
    try:
        measure = services.measure_add(actor=actor, plan=plan, adopt=True,
                                       plan_version=_version(request),
                                       measure_type=request.POST.get("measure_type", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已采纳「{measure.measure_type.name}」，请补充金额、期限等。")
    return redirect("assistance:household_plan", household_id=plan.household_id)


@login_required
def measure_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, services.RECORD)
    plan = selectors.plan_get(actor=actor, pk=pk)
    types = selectors.measure_types()
    form = MeasureForm(request.POST or None, types=types, initial={
        "start_date": timezone.localdate(), "status": MeasureStatus.PLANNED,
        "measure_type": request.GET.get("type", "")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.measure_add(actor=actor, plan=plan, plan_version=_version(request), **data)
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已新增帮扶措施。")
            return redirect("assistance:household_plan", household_id=plan.household_id)
    return render(request, "assistance/measure_form.html", {
        "form": form, "plan": plan, "measure": None})


@login_required
def measure_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    measure = selectors.measure_get(actor=actor, pk=pk)
    can_record = actor.has_perm(services.RECORD)
    form = MeasureForm(request.POST or None, types=selectors.measure_types(), edit=True,
                       initial={f: getattr(measure, f) for f in (
                           "title", "start_date", "end_date", "continues_until", "amount",
                           "status", "responsible_unit", "notes")} | {
                           "measure_type": measure.measure_type_id})
    if request.method == "POST":
        if not can_record:
            raise NotFound()
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "measure_type"}
            try:
                services.measure_update(actor=actor, measure=measure, version=_version(request),
                                        **data)
            except _ERRORS as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已保存帮扶措施。")
                return redirect("assistance:household_plan",
                                household_id=measure.plan.household_id)
    return render(request, "assistance/measure_form.html", {
        "form": form, "plan": measure.plan, "measure": measure, "can_record": can_record,
        "evidence": list(measure.evidence.all()), "evidence_form": EvidenceForm()})


@login_required
@require_POST
def evidence_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, services.RECORD)
    measure = selectors.measure_get(actor=actor, pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(actor=actor, measure=measure,
                                  uploaded=form.cleaned_data["file"],
                                  description=form.cleaned_data["description"])
        except _ERRORS as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已上传佐证材料。")
    else:
        messages.error(request, "请选择要上传的文件。")
    return redirect("assistance:measure_edit", pk=measure.pk)


@login_required
def evidence_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    evidence, handle = services.evidence_open(actor=actor, evidence_id=pk)
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)


@login_required
def follow_up_view(request: HttpRequest, household_id: int) -> HttpResponse:
    """事后跟踪 (phone-sized): prefilled from the previous visit and the registry."""
    actor = _require(request, services.VISIT)
    household = household_get(actor=actor, pk=household_id)
    today = timezone.localdate()
    try:
        month = parse_month(request.POST.get("month") or request.GET.get("month")
                            or f"{today:%Y-%m}")
    except InvalidInput:
        month = f"{today:%Y-%m}"
    visit_day = today if f"{today:%Y-%m}" == month else _month_last_day(month)
    prefill = selectors.visit_prefill(actor=actor, household=household, month=month,
                                      on=visit_day)
    initial = {k: prefill[k] for k in ("month", "visit_date", "cadre_name", "income_change",
                                       "income_note", "problems", "next_steps")}
    for key in ("education_ok", "medical_ok", "housing_ok", "water_ok"):
        initial[key] = flag_initial(prefill[key])
    form = VisitForm(request.POST or None, initial=initial)
    progress = prefill["measures_progress"]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reported = [{"measure": item["measure"],
                     "status": request.POST.get(f"measure_{item['measure']}_status",
                                                item["status"]),
                     "note": request.POST.get(f"measure_{item['measure']}_note", "")}
                    for item in progress]
        try:
            services.visit_record(actor=actor, household=household, measures_progress=reported,
                                  **data)
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记 {data['month']} 跟踪走访。")
            return redirect("assistance:household_plan", household_id=household.pk)
    return render(request, "assistance/follow_up.html", {
        "form": form, "household": household, "progress": progress,
        "previous": prefill["previous"], "statuses": MeasureStatus.choices})


def _month_last_day(month: str) -> dt.date:
    from minsheng.employment.rules import month_end

    return min(month_end(month), timezone.localdate())
