"""Import and export pages of the registry (农户台账导入、导出、模板)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.core.batches import ImportBatch
from minsheng.core.errors import InvalidInput, NotFound, PermissionDenied
from minsheng.core.imports import (
    BatchNotReady,
    batch_create,
    batch_get,
    batch_progress,
    batch_queue_apply,
    error_workbook,
)
from minsheng.core.tasks import enqueue_apply, enqueue_validation
from minsheng.regions.current import current_region
from minsheng.registry.excel import template_workbook
from minsheng.registry.forms import ImportUploadForm, household_filter_from
from minsheng.registry.selectors import household_list
from minsheng.registry.services import registry_export


def _require_import(request: HttpRequest) -> None:
    if not request.user.has_perm("registry.add_household"):
        raise NotFound()


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_create(actor=request.user, kind="registry",  # type: ignore[arg-type]
                                 uploaded=form.cleaned_data["file"])
        except (InvalidInput, PermissionDenied) as exc:
            form.add_error("file", exc.message)
        else:
            enqueue_validation(batch)
            return redirect("registry:import_detail", pk=batch.pk)
    batches = ImportBatch.objects.filter(created_by=request.user, kind="registry")[:10]
    return render(request, "web/registry/import_start.html", {"form": form, "batches": batches})


def _detail_context(request: HttpRequest, batch: ImportBatch) -> dict[str, object]:
    return {"batch": batch, "progress": batch_progress(batch),
            "problem_rows": list(batch.rows.all()[:200]),
            "summary": {k: v for k, v in batch.summary.items() if k != "header"}}


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    batch = batch_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    template = "web/registry/_import_status.html" if request.htmx else \
        "web/registry/import_detail.html"
    return render(request, template, _detail_context(request, batch))


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    batch = batch_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    try:
        batch = batch_queue_apply(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except BatchNotReady as exc:
        messages.error(request, exc.message)
        return redirect("registry:import_detail", pk=batch.pk)
    enqueue_apply(batch)
    return redirect("registry:import_detail", pk=batch.pk)


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    batch = batch_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    handle = error_workbook(actor=request.user, batch=batch)  # type: ignore[arg-type]
    return FileResponse(handle, as_attachment=True,
                        filename=f"导入错误-{batch.original_name.rsplit('.', 1)[0]}.xlsx")


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("registry.view_household"):
        raise NotFound()
    return FileResponse(template_workbook(), as_attachment=True, filename="农户台账导入模板.xlsx")


@login_required
def export_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("registry.view_household"):
        raise NotFound()
    filters = household_filter_from(request.GET)
    households = household_list(actor=request.user, within=current_region(request),
                                filters=filters)
    handle, _count = registry_export(actor=request.user, households=households.iterator(  # type: ignore[arg-type]
        chunk_size=2000), filters={**filters.as_dict(), "region": getattr(
            current_region(request), "code", "")})
    return FileResponse(handle, as_attachment=True,
                        filename=f"农户台账-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx")
