"""The audit-log page (审计日志) for the audit administrator: filter, page, export.

Read-only by construction: GET only, and no view writes to an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.forms import AuditFilterForm
from minsheng.core.models import AuditEvent
from minsheng.core.selectors import AuditFilter, audit_event_list
from minsheng.core.services import audit_export


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter | None]:
    """The filter asked for; None when the form is invalid (never silently "no filter")."""
    form = AuditFilterForm(request.GET or None)
    if not form.is_bound:
        return form, AuditFilter()
    if form.is_valid():
        return form, AuditFilter(**{k: v for k, v in form.cleaned_data.items() if v})
    return form, None


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_auditevent"):
        raise NotFound()
    form, filters = _filters(request)
    events = (audit_event_list(actor=request.user, filters=filters) if filters is not None
              else AuditEvent.objects.none())
    page = Paginator(events, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/audit/event_list.html",
                  {"form": form, "page": page, "query": query.urlencode()})


@login_required
@require_GET
def audit_export_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.export_auditevent"):
        raise NotFound()
    form, filters = _filters(request)
    if filters is None:
        # Exporting everything instead of the range asked for would mislead the reader.
        raise InvalidInput("；".join(e for errors in form.errors.values() for e in errors))
    handle = audit_export(actor=request.user, filters=filters)  # type: ignore[arg-type]
    name = f"审计日志-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)
