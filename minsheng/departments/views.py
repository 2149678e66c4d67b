"""Web pages of department data (部门数据比对): upload and preview, leads, feedback export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.imports import BatchNotReady, batch_progress, batch_queue_apply, error_workbook
from minsheng.core.roles import Department
from minsheng.core.tasks import enqueue_apply, enqueue_validation
from minsheng.departments import services
from minsheng.departments.excel import display_details, template_workbook
from minsheng.departments.forms import UploadForm, department_choices, lead_filter_from
from minsheng.departments.models import DepartmentUpload, LeadStatus
from minsheng.departments.selectors import (
    can_see_registry,
    lead_get,
    lead_history,
    lead_list,
    townships_for,
    upload_get,
    upload_list,
)
from minsheng.departments.workflow import next_steps

VIEW = "departments.view_departmentlead"
PAGE_SIZE = 50


def _require(request: HttpRequest, perm: str = VIEW) -> Any:
    if not request.user.has_perm(perm):
        raise NotFound()
    return request.user


@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    """部门数据: upload a file for a department and period; the recent uploads."""
    actor = _require(request)
    can_upload = actor.has_perm(services.UPLOAD_PERMISSION)
    form = UploadForm(request.POST or None, request.FILES or None, actor=actor) \
        if can_upload else None
    if request.method == "POST":
        if form is None:
            raise NotFound()
        if form.is_valid():
            try:
                upload = services.department_upload_create(
                    actor=actor, department=form.cleaned_data["department"],
                    period=form.cleaned_data["period"], uploaded=form.cleaned_data["file"],
                    auto_assign=form.cleaned_data["auto_assign"])
            except (InvalidInput, PermissionDenied) as exc:
                form.add_error(None, exc.message)
            else:
                enqueue_validation(upload.batch)
                return redirect("departments:upload_detail", pk=upload.pk)
    return render(request, "departments/upload_page.html", {
        "form": form, "uploads": upload_list(actor=actor)[:20],
        "departments": department_choices(actor)})


def _upload_context(upload: DepartmentUpload, actor: Any) -> dict[str, Any]:
    batch = upload.batch
    summary = batch.summary.get("applied") or {k: v for k, v in batch.summary.items()
                                               if k != "header"}
    return {"upload": upload, "batch": batch, "progress": batch_progress(batch),
            "problem_rows": list(batch.rows.all()[:200]), "summary": summary,
            "mine": batch.created_by_id == actor.pk}


@login_required
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    upload = upload_get(actor=actor, pk=pk)
    template = ("departments/_upload_status.html" if request.htmx
                else "departments/upload_detail.html")
    return render(request, template, _upload_context(upload, actor))


@login_required
@require_POST
def upload_apply(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    upload = upload_get(actor=actor, pk=pk)
    try:
        batch = batch_queue_apply(actor=actor, batch=upload.batch)
    except BatchNotReady as exc:
        messages.error(request, exc.message)
        return redirect("departments:upload_detail", pk=upload.pk)
    enqueue_apply(batch)
    return redirect("departments:upload_detail", pk=upload.pk)


@login_required
def upload_errors(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    upload = upload_get(actor=actor, pk=pk)
    handle = error_workbook(actor=actor, batch=upload.batch)
    return FileResponse(handle, as_attachment=True,
                        filename=f"导入错误-{upload.batch.original_name.rsplit('.', 1)[0]}.xlsx")


@login_required
def upload_unmatched(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    upload = upload_get(actor=actor, pk=pk)
    handle, _count = services.unmatched_export(actor=actor, upload=upload)
    return FileResponse(handle, as_attachment=True,
                        filename=f"未匹配名单-{upload.get_department_display()}-{upload.period}.xlsx")


@login_required
def template_download(request: HttpRequest, department: str) -> HttpResponse:
    actor = _require(request)
    if department not in dict(department_choices(actor)):
        raise NotFound()
    label = dict(department_choices(actor))[department]
    return FileResponse(template_workbook(department), as_attachment=True,
                        filename=f"{label}数据比对模板.xlsx")


@login_required
def lead_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request)
    townships = townships_for(actor=actor)
    asked = request.GET.get("department", "")
    if asked and asked not in dict(department_choices(actor)):
        raise NotFound()  # another department's leads (a liaison): never hint they exist
    form, filters = lead_filter_from(request.GET, actor=actor, townships=townships)
    page = Paginator(lead_list(actor=actor, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "departments/lead_list.html", {
        "form": form, "page": page, "filters": filters, "query": query.urlencode(),
        "can_export": actor.has_perm(services.EXPORT_PERMISSION)
        and filters.department and filters.period})


@login_required
def lead_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    lead = lead_get(actor=actor, pk=pk)
    steps = [{"to": to, "label": LeadStatus(to).label, **step.__dict__}
             for to, step in next_steps(lead.status) if actor.has_perm(step.permission)]
    return render(request, "departments/lead_detail.html", {
        "lead": lead, "history": lead_history(lead=lead), "steps": steps,
        "details": display_details(lead.department, lead.details),
        "townships": townships_for(actor=actor) if any(s["needs_township"] for s in steps)
        else [], "default_township": lead.region_id[:9].ljust(12, "0"),
        "show_registry": can_see_registry(actor)})


@login_required
@require_POST
def lead_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    lead = lead_get(actor=actor, pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.lead_transition(actor=actor, lead=lead, to=request.POST.get("to", ""),
                                 version=version, reason=request.POST.get("reason", ""),
                                 township_code=request.POST.get("township", ""))
    except (InvalidInput, PermissionDenied, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已处理。")
    return redirect("departments:lead_detail", pk=lead.pk)


@login_required
def feedback_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, services.EXPORT_PERMISSION)
    department = request.GET.get("department", "")
    period = request.GET.get("period", "")
    handle, _count = services.feedback_export(actor=actor, department=department, period=period)
    return FileResponse(handle, as_attachment=True,
                        filename=f"反馈表-{Department(department).label}-{period}.xlsx")
