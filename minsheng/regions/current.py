"""The region the actor is currently looking at (当前区域), kept in the session.

It is always inside the actor's scope; a stale or foreign code falls back to the actor's
assigned region (or to the whole scope when the actor has several).
"""

from __future__ import annotations

from django.http import HttpRequest

from minsheng.core.errors import NotFound
from minsheng.regions.models import Region
from minsheng.regions.selectors import region_get, region_roots

SESSION_KEY = "minsheng_scope_region"


def current_region(request: HttpRequest) -> Region | None:
    cached = getattr(request, "_minsheng_current_region", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    region: Region | None = None
    code = request.session.get(SESSION_KEY)
    if code:
        try:
            region = region_get(actor=request.user, code=code)
        except NotFound:
            request.session.pop(SESSION_KEY, None)
    if region is None:
        roots = region_roots(actor=request.user)
        region = roots[0] if len(roots) == 1 else None
    request._minsheng_current_region = region  # type: ignore[attr-defined]
    return region


def set_current_region(request: HttpRequest, code: str) -> Region:
    region = region_get(actor=request.user, code=code)
    request.session[SESSION_KEY] = region.code
    request._minsheng_current_region = region  # type: ignore[attr-defined]
    return region
