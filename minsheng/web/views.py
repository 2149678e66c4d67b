"""The shell: sign-in, sign-out, the home page per role, region browsing and narrowing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from minsheng.core.errors import NotFound, PermissionDenied
from minsheng.core.selectors import audit_summary
from minsheng.core.services import LoginRefused, login_check, logout_record
from minsheng.regions.codes import RegionLevel
from minsheng.regions.current import current_region, set_current_region
from minsheng.regions.selectors import (
    account_list,
    region_children,
    region_counts,
    region_get,
    region_roots,
)
from minsheng.registry.selectors import household_count
from minsheng.web.context import scope_children
from minsheng.web.forms import LoginForm


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = login_check(username=form.cleaned_data["username"],
                               password=form.cleaned_data["password"], request=request)
        except LoginRefused as exc:
            error = exc.message
        else:
            login(request, user, backend="minsheng.core.auth.RoleBackend")
            return HttpResponseRedirect(_safe_next(request))
    return render(request, "web/login.html", {"form": form, "error": error,
                                              "next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        logout_record(actor=request.user)  # type: ignore[arg-type]
    logout(request)
    messages.success(request, "您已安全退出。")
    return redirect("web:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    region = current_region(request) if user.has_perm("regions.view_region") else None
    context: dict[str, Any] = {"region": region, "stats": []}
    stats: list[dict[str, Any]] = context["stats"]
    if user.has_perm("regions.view_region"):
        counts = region_counts(actor=user, within=region)
        floor = region.level if region else 0
        for level in RegionLevel:
            if level > floor:
                stats.append({"label": f"{level.label}级区划", "value": counts[level]})
    if user.has_perm("registry.view_household"):
        stats.append({"label": "在册农户", "value": household_count(actor=user, within=region),
                      "url": "registry:household_list"})
    if user.has_perm("core.view_user"):
        accounts = account_list(actor=user)
        stats.append({"label": "管辖范围内账号", "value": accounts.count(),
                      "url": "regions:account_list"})
        locked = [a for a in accounts.filter(locked_until__isnull=False) if a.is_locked()]
        stats.append({"label": "当前锁定账号", "value": len(locked)})
        if user.has_perm("core.unlock_user"):
            context["locked_accounts"] = locked
    # 监测帮扶待办: loaded by the page itself (htmx), so the home page's queries stay flat.
    context["case_panel"] = user.has_perm("monitoring.view_monitoringcase")
    if user.has_perm("core.view_auditevent"):
        context["audit"] = audit_summary(actor=user)
    if region is not None:
        context["children"] = scope_children(request, region)[:200]
    return render(request, "web/home.html", context)


@login_required
def scope_set(request: HttpRequest) -> HttpResponse:
    """Narrow (or widen) the current region; only codes inside the actor's scope are taken."""
    code = request.GET.get("region", "").strip()
    if code:
        set_current_region(request, code)
    else:
        from minsheng.regions.current import SESSION_KEY

        request.session.pop(SESSION_KEY, None)
    return redirect(_safe_next(request, "/"))


@login_required
def region_browse(request: HttpRequest, code: str | None = None) -> HttpResponse:
    user = request.user
    if not user.has_perm("regions.view_region"):
        raise NotFound()
    if code:
        region = region_get(actor=user, code=code)
        children = region_children(actor=user, parent=region)
        ancestors = region.ancestors()
    else:
        region = None
        children = region_roots(actor=user)
        ancestors = []
    return render(request, "web/region_browse.html",
                  {"region": region, "children": children, "ancestors": ancestors})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html",
                  {"code": 404, "message": NotFound.default_message}, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html",
                  {"code": 403, "message": PermissionDenied.default_message}, status=403)
