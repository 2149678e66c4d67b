"""Template context for the shell: navigation, current region and breadcrumb."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from minsheng.regions.current import current_region
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope
from minsheng.regions.selectors import region_children, region_roots
from minsheng.web.navigation import nav_for

_CHILDREN_LIMIT = 500


def scope_children(request: HttpRequest, region: Region) -> list[Region]:
    """The visible children of ``region`` (at most 500), read once per request."""
    cached = getattr(request, "_minsheng_scope_children", None)
    if cached is not None and cached[0] == region.code:
        return cached[1]
    children = list(region_children(actor=request.user, parent=region)[:_CHILDREN_LIMIT])
    request._minsheng_scope_children = (region.code, children)  # type: ignore[attr-defined]
    return children


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context: dict[str, Any] = {"nav_items": nav_for(user, request.path)}
    if not user.has_perm("regions.view_region"):
        return context
    region = current_region(request)
    crumbs = []
    if region is not None:
        for node in [*region.ancestors(), region]:
            crumbs.append({"region": node, "in_scope": code_in_scope(user, node.code)})
    if region is None:
        children = region_roots(actor=user)
    elif region.level < 5:
        children = scope_children(request, region)
    else:
        children = []
    context.update({"current_region": region, "scope_crumbs": crumbs,
                    "scope_children": children})
    return context
