"""Screening pages (风险筛查): results by township and reason, the drill-down list, export, the
screening run page (polled while it runs) and policy simulations (政策模拟测算).

Views parse, call one service or selector, render; anything out of scope is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.core.errors import InvalidInput, NotFound, PermissionDenied
from minsheng.monitoring import selectors, services
from minsheng.monitoring.forms import ScreeningForm, SimulationForm
from minsheng.monitoring.models import RunKind, SignalStatus
from minsheng.monitoring.tasks import enqueue_screening
from minsheng.regions.current import current_region
from minsheng.regions.scoping import holds_perm
from minsheng.registry.selectors import masked_household


def _require_view(request: HttpRequest) -> None:
    if not selectors.can_view_signals(request.user):
        raise NotFound()


def _default_region(request: HttpRequest) -> str:
    region = current_region(request)
    return region.code if region is not None else ""


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Counts of signals by township and reason, the screening form and recent runs."""
    _require_view(request)
    filters = selectors.signal_filter_from(request.GET)
    within = current_region(request)
    counts = selectors.signal_counts(actor=request.user, within=within, filters=filters)
    runs = list(selectors.run_list(actor=request.user, within=within)[:10])
    form = ScreeningForm(initial={"region": _default_region(request),
                                  "on": timezone.localdate()})
    query = request.GET.copy()
    return render(request, "monitoring/overview.html", {
        "counts": counts, "runs": runs, "form": form, "filters": filters,
        "statuses": SignalStatus.choices, "query": query.urlencode(),
        "can_run": holds_perm(request.user, "monitoring.run_screening"),
    })


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    if not holds_perm(request.user, "monitoring.run_screening"):
        raise NotFound()
    form = ScreeningForm(request.POST)
    if form.is_valid():
        try:
            run = services.screening_queue(
                actor=request.user,  # type: ignore[arg-type]
                region_code=form.cleaned_data["region"], on=form.cleaned_data["on"],
                dry_run=form.cleaned_data["dry_run"])
        except (InvalidInput, NotFound, PermissionDenied) as exc:
            messages.error(request, exc.message)
        else:
            enqueue_screening(run)
            return redirect("monitoring:run_detail", pk=run.pk)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("monitoring:overview")


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    run = selectors.run_get(actor=request.user, pk=pk, kind=RunKind.SCREENING)
    template = "monitoring/_run_status.html" if request.htmx else "monitoring/run_detail.html"
    return render(request, template, {"run": run})


def _signal_rows(signals: Any) -> list[dict[str, Any]]:
    explain = selectors.Explainer()
    return [{"signal": s, "explanation": explain(s),
             "label": selectors.reason_label(s.reason_code),
             **masked_household(s.household, reveal=False)} for s in signals]


@login_required
def signal_list(request: HttpRequest) -> HttpResponse:
    """Drill-down: households with their signals and explanations (paginated, masked)."""
    _require_view(request)
    filters = selectors.signal_filter_from(request.GET)
    signals = selectors.signal_list(actor=request.user, within=current_region(request),
                                    filters=filters)
    page = Paginator(signals, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.signal_counts(actor=request.user, within=current_region(request),
                                     filters=selectors.SignalFilter(status=filters.status))
    return render(request, "monitoring/signal_list.html", {
        "page": page, "rows": _signal_rows(page), "filters": filters, "query": query.urlencode(),
        "statuses": SignalStatus.choices, "reasons": counts["reasons"],
        "townships": [{"code": r["township"], "name": r["name"]} for r in counts["rows"]],
        "can_lead": holds_perm(request.user, "monitoring.add_caselead"),
    })


@login_required
def signal_export(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    filters = selectors.signal_filter_from(request.GET)
    within = current_region(request)
    signals = selectors.signal_list(actor=request.user, within=within, filters=filters)
    handle, _count = services.signal_export(
        actor=request.user,  # type: ignore[arg-type]
        rows=selectors.signal_export_rows(signals.iterator(chunk_size=2000)),
        headers=selectors.EXPORT_HEADERS,
        filters={**filters.as_dict(), "region": getattr(within, "code", "")})
    return FileResponse(handle, as_attachment=True,
                        filename=f"风险信号-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx")


@login_required
def simulation_list(request: HttpRequest) -> HttpResponse:
    """Past simulations and the form to run one (runs inline: a few seconds at most)."""
    _require_view(request)
    can_run = holds_perm(request.user, "monitoring.run_simulation")
    form = SimulationForm(request.POST or None, initial={
        "region": _default_region(request), "on": timezone.localdate()})
    if request.method == "POST":
        if not can_run:
            raise NotFound()
        if form.is_valid():
            try:
                run = services.simulation_run(
                    actor=request.user,  # type: ignore[arg-type]
                    region_code=form.cleaned_data["region"], on=form.cleaned_data["on"],
                    what_if=form.cleaned_data["what_if"])
            except (InvalidInput, NotFound, PermissionDenied) as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("monitoring:simulation_detail", pk=run.pk)
    runs = selectors.run_list(actor=request.user, kind=RunKind.SIMULATION,
                              within=current_region(request))
    page = Paginator(runs, 30).get_page(request.GET.get("page"))
    return render(request, "monitoring/simulation_list.html", {
        "form": form, "page": page, "can_run": can_run})


@login_required
def simulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    run = selectors.run_get(actor=request.user, pk=pk, kind=RunKind.SIMULATION)
    result = run.result or {}
    rows = [{**row, "label": selectors.reason_label(row["reason_code"])}
            for row in result.get("rows", [])]
    return render(request, "monitoring/simulation_detail.html", {
        "run": run, "rows": rows, "townships": result.get("townships", []),
        "totals": result.get("totals", {})})

