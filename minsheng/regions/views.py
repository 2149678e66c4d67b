"""Account pages (账号管理): the system administrator lists, creates and edits accounts in
its scope; the security administrator unlocks them. Every change goes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from minsheng.core.errors import InvalidInput, NotFound, PermissionDenied
from minsheng.core.masking import mask_phone
from minsheng.core.roles import Role
from minsheng.regions.forms import AccountForm
from minsheng.regions.selectors import account_get, account_list, account_regions
from minsheng.regions.services import (
    AccountData,
    AccountInvalid,
    account_create,
    account_unlock,
    account_update,
)


@login_required
def account_list_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_user"):
        raise NotFound()
    accounts = account_list(actor=request.user).prefetch_related("region_assignments__region")
    text = request.GET.get("q", "").strip()
    if text:
        accounts = accounts.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    role = request.GET.get("role", "")
    if role:
        accounts = accounts.filter(role=role)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    rows = [{"account": a, "phone": mask_phone(a.phone),
             "regions": [ra.region for ra in a.region_assignments.all()]} for a in page]
    return render(request, "web/accounts/account_list.html",
                  {"page": page, "rows": rows, "q": text, "role": role, "roles": Role.choices})


def _refused(form: AccountForm, exc: InvalidInput | PermissionDenied) -> None:
    """Show a service refusal on the field it concerns, else above the form."""
    field = exc.field if isinstance(exc, AccountInvalid) else ""
    target = field if field in form.fields and not form.fields[field].disabled else None
    form.add_error(target, exc.message)


def _data(form: AccountForm, username: str) -> AccountData:
    d = form.cleaned_data
    return AccountData(username=username, display_name=d["display_name"], role=d["role"],
                       department=d["department"], region_codes=d["region_codes"],
                       organisation=d["organisation"], phone=d["phone"],
                       is_active=d["is_active"])


@login_required
def account_create_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.add_user"):
        raise NotFound()
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_create(actor=request.user, data=_data(form, form.cleaned_data["username"]),  # type: ignore[arg-type]
                                  password=form.cleaned_data["password"])
        except (InvalidInput, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已创建账号 {user.username}。")
            return redirect("regions:account_list")
    return render(request, "web/accounts/account_form.html", {"form": form, "creating": True})


@login_required
def account_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("core.change_user"):
        raise NotFound()
    user = account_get(actor=request.user, pk=pk, action="change")
    initial = {"username": user.username, "display_name": user.display_name, "role": user.role,
               "department": user.department, "organisation": user.organisation,
               "phone": user.phone, "is_active": user.is_active,
               "region_codes": " ".join(r.code for r in account_regions(user))}
    form = AccountForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            account_update(actor=request.user, user=user, data=_data(form, user.username))  # type: ignore[arg-type]
        except (InvalidInput, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"已保存账号 {user.username}。")
            return redirect("regions:account_list")
    return render(request, "web/accounts/account_form.html",
                  {"form": form, "creating": False, "account": user})


@login_required
@require_POST
def account_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("core.unlock_user"):
        raise NotFound()
    user = account_get(actor=request.user, pk=pk)
    account_unlock(actor=request.user, user=user)  # type: ignore[arg-type]
    messages.success(request, f"已解锁账号 {user.username}。")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "web:home"
    return redirect(target)
