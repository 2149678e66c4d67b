"""Household pages (农户台账): list within the current region, detail (404 outside scope)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minsheng.core.errors import NotFound
from minsheng.registry.selectors import household_get, household_list
from minsheng.regions.current import current_region


@login_required
def household_list_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("registry.view_household"):
        raise NotFound()
    households = household_list(actor=request.user, within=current_region(request))
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    return render(request, "web/registry/household_list.html", {"page": page})


@login_required
def household_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk)
    return render(request, "web/registry/household_detail.html", {"household": household})
