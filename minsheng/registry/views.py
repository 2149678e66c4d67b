"""Household pages (农户台账): list with filters and search, detail, create and edit.

Views parse, call one selector or service and render; out-of-scope objects are 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.monitoring.case_selectors import household_monitoring
from minsheng.regions.codes import RegionLevel, pad, significant_prefix
from minsheng.regions.current import current_region
from minsheng.regions.models import Region
from minsheng.registry import services
from minsheng.registry.choices import HousingGrade, Relation, SchoolStage
from minsheng.registry.forms import (
    HouseholdArchiveForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    HouseholdFilterForm,
    LedgerForm,
    MemberArchiveForm,
    MemberCreateForm,
    MemberEditForm,
    MemberMoveForm,
    household_filter_from,
)
from minsheng.registry.selectors import (
    can_reveal,
    household_get,
    household_ledgers,
    household_list,
    household_members,
    household_timeline,
    masked_household,
    masked_member,
    member_get,
)
from minsheng.registry.validation import RegistryInvalid


def _add_errors(form: Any, exc: InvalidInput) -> None:
    """Put a service's field errors on the form fields (or at the top)."""
    if isinstance(exc, RegistryInvalid):
        for field, message in exc.errors:
            form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, exc.message)


@login_required
def household_list_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("registry.view_household"):
        raise NotFound()
    form = HouseholdFilterForm(request.GET or None)
    filters = household_filter_from(request.GET)
    search_error = ""
    try:
        households = household_list(actor=request.user, within=current_region(request),
                                    filters=filters)
        page = Paginator(households, 50).get_page(request.GET.get("page"))
    except PermissionDenied as exc:
        search_error = exc.message
        page = Paginator(household_list(actor=request.user).none(), 50).get_page(1)
    rows = [{"household": h, **masked_household(h, reveal=False)} for h in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/registry/household_list.html",
                  {"form": form, "page": page, "rows": rows, "query": query.urlencode(),
                   "search_error": search_error})


def _status_cards(household: Any, members: list[Any], ledgers: list[Any]) -> list[dict[str, Any]]:
    """两不愁三保障 + 饮水 as facts (no policy judgement: that is the policy engine's job)."""
    children = [m for m in members if m.school_stage == SchoolStage.NOT_IN_SCHOOL
                and m.birth_date and 6 <= _age(m.birth_date) <= 15]
    uninsured = [m.name for m in members if not m.medical_insurance]
    grade = household.housing_grade
    water = household.water_ok
    return [
        {"label": "义务教育", "ok": not children,
         "text": "适龄子女均在校" if not children else
         f"{'、'.join(m.name for m in children)} 为 6～15 岁且登记为非在校生"},
        {"label": "基本医疗", "ok": not uninsured,
         "text": "全部成员参加基本医疗保险" if not uninsured else
         f"{'、'.join(uninsured)} 未参加基本医疗保险"},
        {"label": "住房安全", "ok": None if not grade else grade in ("A", "B"),
         "text": "未鉴定" if not grade else str(HousingGrade(grade).label)},
        {"label": "饮水安全", "ok": water,
         "text": {True: "水量、水质、方便程度、保障率均达标", False: "有指标不达标",
                  None: "尚未全部核查"}[water]},
    ]


def _age(birth: Any) -> int:
    from django.utils import timezone

    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _chart(ledgers: list[Any]) -> str:
    series = [
        ("工资性收入", "wage_income"), ("生产经营性收入", "business_income"),
        ("财产性收入", "property_income"), ("转移性收入", "transfer_income"),
        ("生产经营性支出", "business_expense"), ("合规自付医疗支出", "medical_out_of_pocket"),
    ]
    return json.dumps({
        "years": [str(lg.year) for lg in ledgers],
        "series": [{"name": label, "data": [float(getattr(lg, attr)) for lg in ledgers]}
                   for label, attr in series],
    }, ensure_ascii=False)


def _detail(request: HttpRequest, household: Any, *, reveal: bool) -> HttpResponse:
    members = household_members(household=household)
    ledgers = household_ledgers(household=household)
    context = {
        "household": household,
        "household_masked": masked_household(household, reveal=reveal),
        "members": [{"member": m, **masked_member(m, reveal=reveal)} for m in members],
        "former_members": [m for m in household_members(household=household,
                                                        include_inactive=True) if not m.active],
        "ledgers": ledgers,
        "chart": _chart(ledgers),
        "cards": _status_cards(household, members, ledgers),
        "timeline": household_timeline(household=household),
        "revealed": reveal,
        "can_reveal": can_reveal(request.user),
        "can_change": request.user.has_perm("registry.change_household"),
        "monitoring": household_monitoring(actor=request.user, household=household),
    }
    return render(request, "web/registry/household_detail.html", context)


@login_required
def household_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, household_get(actor=request.user, pk=pk), reveal=False)


@login_required
@require_POST
def household_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk)
    services.household_reveal(actor=request.user, household=household)  # type: ignore[arg-type]
    return _detail(request, household, reveal=True)


def _villages(request: HttpRequest) -> list[tuple[str, str]]:
    """The villages to register in, as (code, full name); ancestors' names in one query."""
    region = current_region(request)
    qs = Region.objects.visible_to(request.user, "view").filter(level=RegionLevel.VILLAGE)
    if region is not None:
        qs = qs.within(region)
    villages = list(qs.order_by("code")[:2000])
    above = {v.code: [pad(significant_prefix(v.code, level)) for level in RegionLevel
                      if level < v.level] for v in villages}
    names = dict(Region.objects.filter(code__in={c for codes in above.values() for c in codes})
                 .values_list("code", "name"))
    return [(v.code, "".join(names.get(c, "") for c in above[v.code]) + v.name)
            for v in villages]


@login_required
def household_create_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("registry.add_household"):
        raise NotFound()
    form = HouseholdCreateForm(request.POST or None, villages=_villages(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        head = {"name": data.pop("head_name"), "id_number": data.pop("head_id_number"),
                "relation": Relation.HEAD}
        try:
            household = services.household_register(
                actor=request.user, household_no=data.pop("household_no"),  # type: ignore[arg-type]
                region_code=data.pop("region_code"), members=[head], **data)
        except RegistryInvalid as exc:
            for field, message in exc.errors:
                target = {"id_number": "head_id_number", "name": "head_name"}.get(field, field)
                form.add_error(target if target in form.fields else None, message)
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记农户 {household.household_no}。")
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": "登记农户"})


@login_required
def household_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk, action="change")
    form = HouseholdEditForm(request.POST or None, instance=household,
                             initial={"version": household.version})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.household_update(actor=request.user, household=household,  # type: ignore[arg-type]
                                      version=form.cleaned_data["version"], **data)
        except Conflict as exc:
            form.add_error(None, exc.message)
        except InvalidInput as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": f"编辑农户 {household.household_no}",
                   "household": household})


@login_required
def member_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk, action="change")
    form = MemberCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(actor=request.user, household=household,  # type: ignore[arg-type]
                                data=dict(form.cleaned_data))
        except InvalidInput as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已新增成员。")
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": f"新增成员 · {household.household_no}",
                   "household": household})


@login_required
def member_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_get(actor=request.user, pk=pk, action="change")
    form = MemberEditForm(request.POST or None, instance=member,
                          initial={"version": member.version})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.member_update(actor=request.user, member=member,  # type: ignore[arg-type]
                                   version=form.cleaned_data["version"], **data)
        except InvalidInput as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("registry:household_detail", pk=member.household_id)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": f"编辑成员 {member.name}",
                   "household": member.household})


@login_required
def ledger_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk, action="change")
    year = request.GET.get("year") or request.POST.get("year")
    existing = household.ledgers.filter(year=year).first() if year and str(year).isdigit() \
        else None
    form = LedgerForm(request.POST or None, instance=existing,
                      initial={"version": existing.version if existing else None})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.ledger_save(actor=request.user, household=household,  # type: ignore[arg-type]
                                 year=data.pop("year"), version=data.pop("version"), **data)
        except InvalidInput as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已保存收支。")
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": f"收支台账 · {household.household_no}",
                   "household": household})



@login_required
def member_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """减员: the member leaves the household; the record stays."""
    member = member_get(actor=request.user, pk=pk, action="change")
    form = MemberArchiveForm(request.POST or None, initial={"version": member.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.member_archive(actor=request.user, member=member,  # type: ignore[arg-type]
                                    version=form.cleaned_data["version"],
                                    reason=form.cleaned_data["reason"])
        except InvalidInput as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{member.name} 已减员。")
            return redirect("registry:household_detail", pk=member.household_id)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": f"成员减员：{member.name}",
                   "household": member.household})


@login_required
def member_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """分户/合户: the member moves to another household; both histories keep the move."""
    member = member_get(actor=request.user, pk=pk, action="change")
    form = MemberMoveForm(request.POST or None, initial={"version": member.version})
    if request.method == "POST" and form.is_valid():
        target = household_list(actor=request.user).filter(
            household_no=form.cleaned_data["to_household_no"].strip()).first()
        if target is None:
            form.add_error("to_household_no", "该户编号不存在或不在您的管辖范围内。")
        else:
            try:
                services.member_move(actor=request.user, member=member, to_household=target,  # type: ignore[arg-type]
                                     version=form.cleaned_data["version"],
                                     relation=form.cleaned_data["relation"],
                                     reason=form.cleaned_data["reason"])
            except InvalidInput as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"{member.name} 已迁入 {target.household_no}。")
                return redirect("registry:household_detail", pk=target.pk)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": f"分户/合户：{member.name}",
                   "household": member.household})


@login_required
def household_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk, action="change")
    form = HouseholdArchiveForm(request.POST or None, initial={"version": household.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.household_archive(actor=request.user, household=household,  # type: ignore[arg-type]
                                       version=form.cleaned_data["version"],
                                       reason=form.cleaned_data["reason"],
                                       note=form.cleaned_data["note"])
        except InvalidInput as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"农户 {household.household_no} 已归档。")
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "web/registry/household_form.html",
                  {"form": form, "title": f"归档农户 {household.household_no}",
                   "household": household})
