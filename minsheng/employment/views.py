"""Web pages of employment assistance (就业帮扶): the labour ledger and its monthly update
(phone-sized), the "每户至少一人就业" coverage, imports, enterprises and workshops.
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
from minsheng.core.masking import mask_id_number, mask_phone
from minsheng.core.tasks import enqueue_apply, enqueue_validation
from minsheng.employment import selectors, services
from minsheng.employment.excel import KIND_LABELS, KINDS, template_workbook
from minsheng.employment.forms import (
    EnterpriseForm,
    ProfileForm,
    StatusForm,
    SubsidyForm,
    UploadForm,
    WorkerForm,
    WorkshopForm,
    WorkshopStatusForm,
)
from minsheng.employment.rules import month_of, parse_month, previous_month
from minsheng.regions.current import current_region

PAGE_SIZE = 50
_ERRORS = (InvalidInput, PermissionDenied, Conflict)


def _require(request: HttpRequest, perm: str) -> Any:
    if not request.user.has_perm(perm):
        raise NotFound()
    return request.user


def _month(request: HttpRequest) -> str:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    return parse_month(raw) if raw else month_of(timezone.localdate())


def _version(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _within(request: HttpRequest) -> str:
    region = current_region(request)
    return region.code if region is not None else ""


# --- Labour ledger --------------------------------------------------------------------------

def _ledger_rows(members: list[Any], month: str) -> list[dict[str, Any]]:
    before = previous_month(month)
    statuses = selectors.statuses_for([m.pk for m in members], [month, before])
    return [{"member": m, "current": statuses.get((m.pk, month)),
             "previous": statuses.get((m.pk, before)),
             "id_number": mask_id_number(m.id_number)} for m in members]


@login_required
def ledger_view(request: HttpRequest) -> HttpResponse:
    """劳动力台账: the month's labour force with this and last month's status."""
    actor = _require(request, selectors.LEDGER_VIEW)
    month = _month(request)
    search = request.GET.get("q", "").strip()
    members = selectors.labour_force_list(actor=actor, month=month, within=_within(request),
                                          search=search)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/ledger.html", {
        "month": month, "previous": previous_month(month), "search": search, "page": page,
        "rows": _ledger_rows(list(page.object_list), month),
        "can_change": actor.has_perm(selectors.LEDGER_CHANGE)})


@login_required
def member_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One member's monthly update (phone-sized): last month prefilled, only changes asked."""
    actor = _require(request, selectors.LEDGER_VIEW)
    member = selectors.labour_member_get(actor=actor, pk=pk)
    month = _month(request)
    current = selectors.status_get(member=member, month=month)
    earlier = selectors.status_before(member=member, month=month)
    profile = selectors.profile_get(member=member)
    base = current or earlier
    status_form = StatusForm(request.POST if request.POST.get("action") == "status" else None,
                             initial={**({k: getattr(base, k) for k in (
                                 "status", "work_area", "employer_name", "work_months",
                                 "monthly_income", "unemployed_reason", "note")} if base else {}),
                                 "version": current.version if current else 0})
    profile_form = ProfileForm(request.POST if request.POST.get("action") == "profile" else None,
                               initial={**({k: getattr(profile, k) for k in
                                            services.PROFILE_FIELDS} if profile else {}),
                                        "version": profile.version if profile else 0})
    if request.method == "POST":
        _require(request, selectors.LEDGER_CHANGE)
        action = request.POST.get("action")
        form = {"status": status_form, "profile": profile_form}.get(action)
        try:
            if action == "unchanged":
                services.labour_status_confirm_unchanged(
                    actor=actor, member_id=member.pk, month=month,
                    version=_version(request.POST.get("version")))
                messages.success(request, f"已确认 {member.name} {month} 与上月相同。")
                return redirect(f"{reverse('employment:ledger')}?month={month}")
            if form is None:
                raise InvalidInput("未知的操作。")
            if form.is_valid():
                data = form.cleaned_data
                if action == "status":
                    services.labour_status_save(actor=actor, member_id=member.pk, month=month,
                                                data=data, version=data["version"])
                    messages.success(request, f"已保存 {member.name} {month} 的就业状态。")
                    return redirect(f"{reverse('employment:ledger')}?month={month}")
                services.labour_profile_save(actor=actor, member_id=member.pk, data=data,
                                             version=data["version"])
                messages.success(request, "已保存技能与就业意愿。")
                return redirect(f"{reverse('employment:member', args=[member.pk])}?month={month}")
        except _ERRORS as exc:
            if form is not None:
                form.add_error(None, exc.message)
            else:
                messages.error(request, exc.message)
    return render(request, "employment/member.html", {
        "member": member, "month": month, "current": current, "earlier": earlier,
        "status_form": status_form, "profile_form": profile_form, "profile": profile,
        "history": selectors.status_history(member=member),
        "jobs": _member_jobs(actor, member),
        "id_number": mask_id_number(member.id_number),
        "can_change": actor.has_perm(selectors.LEDGER_CHANGE)})


def _member_jobs(actor: Any, member: Any) -> list[Any]:
    """The best few open postings for the member (人岗匹配), for the member page."""
    if not actor.has_perm("employment.view_jobposting"):
        return []
    from minsheng.employment.matching import postings_for

    try:
        return postings_for(actor=actor, member=member, limit=5)
    except InvalidInput:  # matching parameters not in force for this county
        return []


@login_required
@require_POST
def unchanged_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The list's one-click "无变化" (HTMX: the row is swapped in place)."""
    actor = _require(request, selectors.LEDGER_CHANGE)
    month = _month(request)
    member = selectors.labour_member_get(actor=actor, pk=pk, action="change")
    error = ""
    try:
        services.labour_status_confirm_unchanged(actor=actor, member_id=member.pk, month=month,
                                                 version=_version(request.POST.get("version")))
    except _ERRORS as exc:
        error = exc.message
    if request.htmx:
        return render(request, "employment/_ledger_row.html", {
            "row": _ledger_rows([member], month)[0], "month": month, "error": error,
            "can_change": True})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"已确认 {member.name} {month} 与上月相同。")
    return redirect(f"{reverse('employment:ledger')}?month={month}")


@login_required
def coverage_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.LEDGER_VIEW)
    month = _month(request)
    return render(request, "employment/coverage.html", {
        "month": month, "coverage": selectors.coverage(actor=actor, month=month,
                                                       within=_within(request)),
        "can_export": actor.has_perm(selectors.LEDGER_EXPORT)})


@login_required
def coverage_export_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, selectors.LEDGER_EXPORT)
    month = _month(request)
    handle, _count = services.coverage_export(actor=actor, month=month, within=_within(request))
    return FileResponse(handle, as_attachment=True, filename=f"每户至少一人就业-{month}.xlsx")


# --- Imports --------------------------------------------------------------------------------

def _kind(kind: str, request: HttpRequest) -> str:
    if kind not in KINDS:
        raise NotFound()
    from minsheng.core.imports import importer_for

    _require(request, importer_for(KINDS[kind]).permission)
    return KINDS[kind]


@login_required
def import_start(request: HttpRequest, kind: str) -> HttpResponse:
    batch_kind = _kind(kind, request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_create(actor=request.user, kind=batch_kind,  # type: ignore[arg-type]
                                 uploaded=form.cleaned_data["file"])
        except (InvalidInput, PermissionDenied) as exc:
            form.add_error("file", exc.message)
        else:
            enqueue_validation(batch)
            return redirect("employment:import_detail", pk=batch.pk)
    return render(request, "employment/import_start.html", {
        "form": form, "kind": kind, "label": KIND_LABELS[batch_kind],
        "batches": ImportBatch.objects.filter(created_by=request.user, kind=batch_kind)[:10]})


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = batch_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    if batch.kind not in KIND_LABELS:
        raise NotFound()
    return batch


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    template = "employment/_import_status.html" if request.htmx else \
        "employment/import_detail.html"
    return render(request, template, {
        "batch": batch, "label": KIND_LABELS[batch.kind], "progress": batch_progress(batch),
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
        return redirect("employment:import_detail", pk=batch.pk)
    enqueue_apply(batch)
    return redirect("employment:import_detail", pk=batch.pk)


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    handle = error_workbook(actor=request.user, batch=batch)  # type: ignore[arg-type]
    return FileResponse(handle, as_attachment=True,
                        filename=f"导入错误-{batch.original_name.rsplit('.', 1)[0]}.xlsx")


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    batch_kind = _kind(kind, request)
    return FileResponse(template_workbook(batch_kind), as_attachment=True,
                        filename=f"{KIND_LABELS[batch_kind]}导入模板.xlsx")


# --- Enterprises ----------------------------------------------------------------------------

@login_required
def enterprise_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.view_enterprise")
    filters = selectors.EnterpriseFilter(q=request.GET.get("q", "").strip(),
                                         sector=request.GET.get("sector", ""))
    page = Paginator(selectors.enterprise_list(actor=actor, filters=filters),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/enterprise_list.html", {
        "page": page, "filters": filters,
        "rows": [{"e": e, "phone": mask_phone(e.contact_phone)} for e in page.object_list]})


@login_required
def enterprise_create_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.add_enterprise")
    counties = selectors.counties_for(actor=actor, perm="employment.add_enterprise")
    form = EnterpriseForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enterprise = services.enterprise_create(actor=actor, uscc=data["uscc"],
                                                    region_code=data["region"], data=data)
        except (*_ERRORS, NotFound) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "企业已登记。")
            return redirect("employment:enterprise_detail", pk=enterprise.pk)
    return render(request, "employment/form.html", {"form": form, "title": "登记用工企业",
                                                    "back": reverse("employment:enterprises")})


@login_required
def enterprise_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.view_enterprise")
    enterprise = selectors.enterprise_get(actor=actor, pk=pk)
    phone = mask_phone(enterprise.contact_phone)
    if request.method == "POST" and request.POST.get("action") == "reveal":
        phone = services.enterprise_phone_reveal(actor=actor, enterprise=enterprise)
    return render(request, "employment/enterprise_detail.html", {
        "e": enterprise, "phone": phone,
        "can_reveal": actor.has_perm("core.reveal_pii") and enterprise.contact_phone,
        "can_change": actor.has_perm("employment.change_enterprise"),
        "can_add_workshop": actor.has_perm("employment.add_workshop"),
        "workshops": selectors.workshop_list(actor=actor, filters=selectors.WorkshopFilter(
            enterprise=enterprise.pk))})


@login_required
def enterprise_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.change_enterprise")
    enterprise = selectors.enterprise_get(actor=actor, pk=pk, action="change")
    initial = {k: getattr(enterprise, k) for k in services.ENTERPRISE_FIELDS}
    form = EnterpriseForm(request.POST or None, counties=[enterprise.region], editing=True,
                          initial={**initial, "uscc": enterprise.uscc,
                                   "region": enterprise.region_id,
                                   "version": enterprise.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(actor=actor, enterprise_id=enterprise.pk,
                                       data=form.cleaned_data,
                                       version=form.cleaned_data.get("version"))
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存。")
            return redirect("employment:enterprise_detail", pk=enterprise.pk)
    return render(request, "employment/form.html", {
        "form": form, "title": f"修改企业：{enterprise.name}",
        "back": reverse("employment:enterprise_detail", args=[enterprise.pk])})


# --- Workshops ------------------------------------------------------------------------------

@login_required
def workshop_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.view_workshop")
    recognized = request.GET.get("recognized", "")
    filters = selectors.WorkshopFilter(
        q=request.GET.get("q", "").strip(), status=request.GET.get("status", ""),
        workshop_type=request.GET.get("workshop_type", ""),
        recognized=None if recognized == "" else recognized == "1")
    page = Paginator(selectors.workshop_list(actor=actor, filters=filters,
                                             within=_within(request)),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    from minsheng.employment.choices import WorkshopStatus, WorkshopType

    return render(request, "employment/workshop_list.html", {
        "page": page, "filters": filters, "statuses": WorkshopStatus.choices,
        "types": WorkshopType.choices, "recognized": recognized})


@login_required
def workshop_create_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.add_workshop")
    enterprise = selectors.enterprise_get(actor=actor, pk=request.GET.get("enterprise") or 0)
    villages = selectors.villages_for(actor=actor, perm="employment.add_workshop")
    form = WorkshopForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            workshop = services.workshop_create(actor=actor, enterprise_id=enterprise.pk,
                                                region_code=form.cleaned_data["region"],
                                                data=form.cleaned_data)
        except (*_ERRORS, NotFound) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "车间已登记。")
            return redirect("employment:workshop_detail", pk=workshop.pk)
    return render(request, "employment/form.html", {
        "form": form, "title": f"登记就业帮扶车间（{enterprise.name}）",
        "back": reverse("employment:enterprise_detail", args=[enterprise.pk])})


def _workshop_context(actor: Any, workshop: Any) -> dict[str, Any]:
    subsidies, totals = selectors.workshop_subsidies(workshop=workshop)
    try:
        check = selectors.workshop_recognition_check(workshop=workshop,
                                                     on=timezone.localdate())
        check_error = ""
    except InvalidInput as exc:
        check, check_error = None, exc.message
    workers = selectors.workshop_workers(workshop=workshop)
    can_change = actor.has_perm("employment.change_workshop")
    return {
        "w": workshop, "workers": [{"w": w, "id_number": mask_id_number(w.id_number)}
                                   for w in workers],
        "subsidies": subsidies, "totals": totals,
        "history": selectors.workshop_status_history(workshop=workshop),
        "check": check, "check_error": check_error, "can_change": can_change,
        "can_recognize": actor.has_perm("employment.recognize_workshop"),
        "status_form": WorkshopStatusForm(initial={"version": workshop.version,
                                                   "on": timezone.localdate()}),
        "worker_form": WorkerForm(), "subsidy_form": SubsidyForm(
            initial={"granted_on": timezone.localdate()})}


@login_required
def workshop_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.view_workshop")
    workshop = selectors.workshop_get(actor=actor, pk=pk)
    return render(request, "employment/workshop_detail.html", _workshop_context(actor, workshop))


@login_required
def workshop_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.change_workshop")
    workshop = selectors.workshop_get(actor=actor, pk=pk, action="change")
    form = WorkshopForm(request.POST or None, villages=[workshop.region], editing=True,
                        initial={**{k: getattr(workshop, k) for k in services.WORKSHOP_FIELDS},
                                 "region": workshop.region_id, "version": workshop.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_update(actor=actor, workshop_id=workshop.pk,
                                     data=form.cleaned_data,
                                     version=form.cleaned_data.get("version"))
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存。")
            return redirect("employment:workshop_detail", pk=workshop.pk)
    return render(request, "employment/form.html", {
        "form": form, "title": f"修改车间：{workshop.name}",
        "back": reverse("employment:workshop_detail", args=[workshop.pk])})


@login_required
@require_POST
def workshop_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The workshop page's small forms: status change, worker, subsidy, recognition."""
    actor = _require(request, "employment.change_workshop")
    workshop = selectors.workshop_get(actor=actor, pk=pk, action="change")
    form_class = {"status": WorkshopStatusForm, "worker": WorkerForm,
                  "subsidy": SubsidyForm}.get(action)
    try:
        if action == "recognize":
            services.workshop_recognize(actor=actor, workshop_id=workshop.pk,
                                        version=_version(request.POST.get("version")))
            messages.success(request, "已认定为就业帮扶车间。")
        elif action == "leave":
            worker = selectors.worker_get(actor=actor, pk=request.POST.get("worker") or 0,
                                          action="change")
            services.workshop_worker_leave(actor=actor, worker_id=worker.pk,
                                           left_on=request.POST.get("left_on"),
                                           version=_version(request.POST.get("version")))
            messages.success(request, f"{worker.name}已登记离岗。")
        elif form_class is None:
            raise NotFound()
        else:
            form = form_class(request.POST)
            if not form.is_valid():
                raise InvalidInput("；".join(f"{form.fields[k].label if k in form.fields else ''}"
                                            f"{' '.join(v)}" for k, v in form.errors.items()))
            data = form.cleaned_data
            if action == "status":
                services.workshop_status_change(actor=actor, workshop_id=workshop.pk,
                                                to=data["to"], on=data["on"],
                                                reason=data["reason"], version=data["version"])
            elif action == "worker":
                services.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data=data)
            else:
                services.workshop_subsidy_add(actor=actor, workshop_id=workshop.pk,
                                              kind=data["kind"], amount=data["amount"],
                                              granted_on=data["granted_on"], note=data["note"])
            messages.success(request, "已保存。")
    except _ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("employment:workshop_detail", pk=workshop.pk)


@login_required
def workshop_map_view(request: HttpRequest) -> HttpResponse:
    """帮扶车间分布图: the workshops in scope on longitude/latitude axes (offline, no map tiles);
    those without coordinates listed under the chart."""
    import json

    from minsheng.employment.stats.selectors import workshop_map

    actor = _require(request, "employment.view_workshop")
    points = workshop_map(actor=actor, within=_within(request))
    placed = [p for p in points if p.lng is not None]
    chart = {key: [{"name": p.workshop.name, "value": [p.lng, p.lat],
                    "village": p.workshop.region.name, "status": p.workshop.get_status_display(),
                    "recognized": p.workshop.recognized, "source": p.source,
                    "url": reverse("employment:workshop_detail", args=[p.workshop.pk])}
                   for p in placed if (p.workshop.status == "stopped") == (key == "stopped")]
             for key in ("producing", "stopped")}
    return render(request, "employment/workshop_map.html", {
        "placed": placed, "unplaced": [p for p in points if p.lng is None],
        "chart": json.dumps(chart, ensure_ascii=False)})
