"""The audit-log page (审计日志) for the audit administrator: filter, page, export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minsheng.core.errors import NotFound
from minsheng.core.forms import AuditFilterForm
from minsheng.core.selectors import AuditFilter, audit_event_list
from minsheng.core.services import audit_export


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, AuditFilter(**{k: v for k, v in form.cleaned_data.items() if v})
    return form, AuditFilter()


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_auditevent"):
        raise NotFound()
    form, filters = _filters(request)
    events = audit_event_list(actor=request.user, filters=filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/audit/event_list.html",
                  {"form": form, "page": page, "query": query.urlencode()})


@login_required
def audit_export_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.export_auditevent"):
        raise NotFound()
    _form, filters = _filters(request)
    handle = audit_export(actor=request.user, filters=filters)  # type: ignore[arg-type]
    name = f"审计日志-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)
