"""Web pages of the employment statistics (就业帮扶统计): the table of all providers' metrics
with drill-down, charts and export; the 务工规模 targets and their import.
Views parse, call one selector or service, render."""

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

from minsheng.core.batches import ImportBatch
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.imports import (
    BatchNotReady,
    batch_create,
    batch_get,
    batch_progress,
    batch_queue_apply,
    error_workbook,
)
from minsheng.core.tasks import enqueue_apply, enqueue_validation
from minsheng.employment.forms import UploadForm
from minsheng.employment.rules import month_of, parse_month
from minsheng.employment.stats import selectors, services
from minsheng.employment.stats.excel import KIND, LABEL, template_workbook
from minsheng.employment.stats.forms import TargetForm
from minsheng.regions.current import current_region

_ERRORS = (InvalidInput, PermissionDenied, Conflict)
PAGE_SIZE = 50


def _require(request: HttpRequest, perm: str) -> Any:
    if not request.user.has_perm(perm):
        raise NotFound()
    return request.user


def _month(request: HttpRequest) -> str:
    raw = request.GET.get("month") or ""
    return parse_month(raw) if raw else month_of(timezone.localdate())


def _region_code(request: HttpRequest) -> str:
    code = request.GET.get("region", "").strip()
    if code:
        return code
    region = current_region(request)
    return region.code if region is not None else ""


def _number(value: Any) -> Any:
    return None if value is None else float(value)


def _charts(table: selectors.StatsTable,
            trend: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The three charts' data: destinations by region, target against achieved by region, and
    the region's months."""
    names = [r.region.name for r in table.rows] or [table.region.name]
    rows = [r.values for r in table.rows] or [table.total]
    labels = {m.key: m.label for m in table.metrics}
    destination_keys = ["transfer_in_county", "transfer_in_province", "transfer_out_of_province"]
    return {
        "regions": names,
        "destinations": [{"name": labels[k], "data": [_number(v.get(k)) for v in rows]}
                         for k in destination_keys if k in labels],
        "targets": [{"name": labels[k], "data": [_number(v.get(k)) for v in rows]}
                    for k in ("scale_target", "scale_achieved") if k in labels],
        "months": [m for m, _v in trend],
        "trend": [{"name": labels[k], "data": [_number(v.get(k)) for _m, v in trend]}
                  for k in ("transfer_employed", "scale_achieved", "scale_target",
                            "workshop_workers") if k in labels],
    }


@login_required
def stats_view(request: HttpRequest) -> HttpResponse:
    """就业帮扶统计: the chosen region's children and total for a month, with charts."""
    actor = _require(request, selectors.STATS_VIEW)
    month = _month(request)
    table = selectors.stats_table(actor=actor, month=month, code=_region_code(request))
    trend = selectors.stats_trend(actor=actor, month=month, region=table.region)
    return render(request, "employment_stats/stats.html", {
        "month": month, "table": table, "trend": trend,
        "breadcrumb": selectors.breadcrumb(actor=actor, region=table.region),
        "rows": [(r, [r.values.get(m.key) for m in table.metrics]) for r in table.rows],
        "total": [table.total.get(m.key) for m in table.metrics],
        "trend_rows": [(m, [v.get(x.key) for x in table.metrics]) for m, v in trend],
        "charts": _charts(table, trend),
        "can_export": actor.has_perm(selectors.STATS_EXPORT),
        "can_targets": actor.has_perm(selectors.TARGET_VIEW)})


@login_required
def stats_export_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.STATS_EXPORT)
    month = _month(request)
    handle, _count = services.stats_export(actor=actor, month=month,
                                           code=_region_code(request))
    return FileResponse(handle, as_attachment=True, filename=f"就业帮扶统计-{month}.xlsx")


# --- Targets --------------------------------------------------------------------------------

@login_required
def target_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.TARGET_VIEW)
    raw_year = request.GET.get("year", "").strip()
    year = int(raw_year) if raw_year.isdigit() else None
    page = Paginator(selectors.target_list(actor=actor, year=year),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment_stats/targets.html", {
        "page": page, "year": raw_year,
        "can_add": actor.has_perm(selectors.TARGET_ADD),
        "can_change": actor.has_perm(selectors.TARGET_CHANGE)})


@login_required
def target_create_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.TARGET_ADD)
    regions = selectors.target_regions(actor=actor)
    form = TargetForm(request.POST or None, regions=regions,
                      initial={"year": timezone.localdate().year, "month": 0})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_create(actor=actor, region_code=data["region"], data=data)
        except (*_ERRORS, NotFound) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "务工规模目标已录入。")
            return redirect(f"{reverse('employment_stats:targets')}?year={data['year']}")
    return render(request, "employment_stats/target_form.html", {
        "form": form, "title": "录入务工规模目标"})


@login_required
def target_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, selectors.TARGET_CHANGE)
    target = selectors.target_get(actor=actor, pk=pk, action="change")
    form = TargetForm(request.POST or None, regions=[target.region], editing=True, initial={
        "region": target.region_id, "year": target.year, "month": target.month,
        "target": target.target, "reference": target.reference, "note": target.note,
        "version": target.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_update(actor=actor, target_id=target.pk, data=data,
                                   version=data.get("version"))
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "务工规模目标已修改。")
            return redirect(f"{reverse('employment_stats:targets')}?year={target.year}")
    return render(request, "employment_stats/target_form.html", {
        "form": form, "title": f"修改务工规模目标：{target.region.name} {target.year}年"
                               f"{target.month_label}", "target": target,
        "can_delete": actor.has_perm(selectors.TARGET_DELETE)})


@login_required
@require_POST
def target_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, selectors.TARGET_DELETE)
    target = selectors.target_get(actor=actor, pk=pk, action="delete")
    raw = request.POST.get("version", "")
    try:
        services.target_delete(actor=actor, target_id=target.pk,
                               version=int(raw) if raw.isdigit() else None)
    except _ERRORS as exc:
        messages.error(request, exc.message)
        return redirect("employment_stats:target_edit", pk=target.pk)
    messages.success(request, "务工规模目标已删除。")
    return redirect(f"{reverse('employment_stats:targets')}?year={target.year}")


# --- Import ---------------------------------------------------------------------------------

@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    _require(request, selectors.TARGET_ADD)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_create(actor=request.user, kind=KIND,  # type: ignore[arg-type]
                                 uploaded=form.cleaned_data["file"])
        except (InvalidInput, PermissionDenied) as exc:
            form.add_error("file", exc.message)
        else:
            enqueue_validation(batch)
            return redirect("employment_stats:import_detail", pk=batch.pk)
    return render(request, "employment_stats/import_start.html", {
        "form": form, "label": LABEL,
        "batches": ImportBatch.objects.filter(created_by=request.user, kind=KIND)[:10]})


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = batch_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    if batch.kind != KIND:
        raise NotFound()
    return batch


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    template = ("employment_stats/_import_status.html" if request.htmx
                else "employment_stats/import_detail.html")
    return render(request, template, {
        "batch": batch, "label": LABEL, "progress": batch_progress(batch),
        "problem_rows": list(batch.rows.all()[:200]),
        "summary": batch.summary.get("applied") or {k: v for k, v in batch.summary.items()
                                                     if k != "header"}})


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        batch = batch_queue_apply(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except BatchNotReady as exc:
        messages.error(request, exc.message)
        return redirect("employment_stats:import_detail", pk=batch.pk)
    enqueue_apply(batch)
    return redirect("employment_stats:import_detail", pk=batch.pk)


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    handle = error_workbook(actor=request.user, batch=batch)  # type: ignore[arg-type]
    return FileResponse(handle, as_attachment=True,
                        filename=f"导入错误-{batch.original_name.rsplit('.', 1)[0]}.xlsx")


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require(request, selectors.TARGET_ADD)
    return FileResponse(template_workbook(), as_attachment=True, filename=f"{LABEL}导入模板.xlsx")
