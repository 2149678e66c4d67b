"""Policy parameter pages (政策参数): the parameters and their values by region and date with
references, and locally proposed values (申报、批准、退回、撤回).

Views parse, call one selector or service and render; out-of-scope objects are 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.policy import proposals, selectors
from minsheng.policy.errors import UnknownParameter
from minsheng.policy.forms import DecisionForm, ProposalForm, RejectForm, WithdrawForm
from minsheng.policy.models import ParameterProposal, ProposalStatus
from minsheng.policy.parameters import (
    Parameter,
    ValueEntry,
    coerce_input_value,
    is_local,
)
from minsheng.regions.current import current_region
from minsheng.regions.scoping import holds_perm


def value_text(parameter: Parameter | None, value: Any) -> str:
    """A value as the pages show it: 是/否, list codes as their Chinese labels, numbers with
    the unit."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        labels = (parameter.choices or {}) if parameter else {}
        return "、".join(labels.get(code, str(code)) for code in value)
    if isinstance(value, str):
        value = coerce_input_value(value)
    unit = parameter.unit.name if parameter else ""
    return f"{value} {unit}".strip() if isinstance(value, int | Decimal) else str(value)


def _entry_row(parameter: Parameter, entry: ValueEntry, names: dict[str, str]) -> dict[str, Any]:
    return {"entry": entry, "value": value_text(parameter, entry.value),
            "region_name": names.get(entry.region, entry.region) if entry.region else "全国",
            "local": is_local(entry)}


def _parameter_or_none(name: str) -> Parameter | None:
    try:
        return selectors.active_parameters().get(name)
    except UnknownParameter:  # a proposal of a parameter since removed from the files
        return None


@login_required
def parameter_list_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.parameter_list(actor=request.user)
    items = [{"parameter": row.parameter,
              "in_force": [{"region": f.region, "missing": f.missing,
                            "value": value_text(row.parameter, f.found.value) if f.found else "",
                            "local": bool(f.found and is_local(f.found.entry))}
                           for f in row.in_force]}
             for row in rows]
    pending = selectors.proposal_list(actor=request.user, status=ProposalStatus.PENDING).count()
    return render(request, "policy/parameter_list.html",
                  {"items": items, "pending": pending,
                   "can_approve": holds_perm(request.user, selectors.APPROVE_PERM)})


@login_required
def parameter_detail_view(request: HttpRequest, name: str) -> HttpResponse:
    detail = selectors.parameter_detail(actor=request.user, name=name)
    parameter = detail.parameter
    return render(request, "policy/parameter_detail.html", {
        "parameter": parameter,
        "entries": [_entry_row(parameter, e, detail.region_names) for e in detail.entries],
        "in_force": [{"region": f.region, "missing": f.missing,
                      "value": value_text(parameter, f.found.value) if f.found else "",
                      "entry": f.found.entry if f.found else None,
                      "local": bool(f.found and is_local(f.found.entry)),
                      "source_name": (detail.region_names.get(f.found.entry.region, "")
                                      if f.found and f.found.entry.region else "全国")}
                     for f in detail.in_force],
        "proposals": [_proposal_row(p, parameter) for p in detail.proposals],
        "can_propose": holds_perm(request.user, selectors.PROPOSE_PERM),
    })


def _proposal_row(proposal: ParameterProposal, parameter: Parameter | None) -> dict[str, Any]:
    return {"proposal": proposal, "value": value_text(parameter, proposal.value),
            "description": parameter.description if parameter else proposal.name}


@login_required
def proposal_create_view(request: HttpRequest, name: str) -> HttpResponse:
    parameter = selectors.parameter_get(actor=request.user, name=name)
    if not holds_perm(request.user, selectors.PROPOSE_PERM):
        raise NotFound()
    regions = selectors.proposable_regions(actor=request.user)
    region = current_region(request)
    initial = {"region_code": region.code if region is not None and region.level >= 3 else ""}
    form = ProposalForm(request.POST or None, parameter=parameter, regions=regions,
                        initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.parameter_propose(actor=request.user, name=parameter.name,  # type: ignore[arg-type]
                                                   **form.cleaned_data)
        except NotFound as exc:
            form.add_error("region_code", exc.message)
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已提交申报 #{proposal.pk}，须由另一位有审批权限的同事批准后生效。")
            return redirect("policy:proposal_detail", pk=proposal.pk)
    return render(request, "policy/proposal_form.html",
                  {"form": form, "parameter": parameter, "regions": regions})


@login_required
def proposal_list_view(request: HttpRequest) -> HttpResponse:
    if not selectors.can_view(request.user):
        raise NotFound()
    status = request.GET.get("status", ProposalStatus.PENDING)
    if status not in ProposalStatus.values and status != "all":
        status = ProposalStatus.PENDING
    qs = selectors.proposal_list(actor=request.user,
                                 status="" if status == "all" else status)[:500]
    parameters = selectors.active_parameters()
    rows = [_proposal_row(p, parameters.get(p.name) if p.name in parameters else None)
            for p in qs]
    return render(request, "policy/proposal_list.html", {
        "rows": rows, "status": status, "statuses": ProposalStatus.choices,
    })


def _detail(request: HttpRequest, proposal: ParameterProposal,
            forms: dict[str, Any] | None = None) -> HttpResponse:
    parameter = _parameter_or_none(proposal.name)
    user = request.user
    pending = proposal.status == ProposalStatus.PENDING
    own = proposal.proposed_by_id == user.pk
    can_decide = (pending and not own and holds_perm(user, selectors.APPROVE_PERM)
                  and selectors.proposal_list(actor=user, action="approve")
                  .filter(pk=proposal.pk).exists())
    forms = forms or {}
    initial = {"version": proposal.version}
    context = {
        "proposal": proposal, "parameter": parameter,
        "value": value_text(parameter, proposal.value),
        "region_name": selectors.region_names({proposal.region_code}).get(
            proposal.region_code, proposal.region_code),
        "own_pending": pending and own,
        "can_decide": can_decide,
        "approve_form": forms.get("approve") or DecisionForm(initial=initial),
        "reject_form": forms.get("reject") or RejectForm(initial=initial),
        "withdraw_form": forms.get("withdraw") or WithdrawForm(initial=initial),
    }
    # A refused action on a proposal that is no longer pending has no form left to show its
    # error on: the page shows it at the top.
    context["errors"] = [e for form in forms.values() for e in form.non_field_errors()]
    status = 400 if forms else 200
    return render(request, "policy/proposal_detail.html", context, status=status)


@login_required
def proposal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.proposal_get(actor=request.user, pk=pk))


def _act(request: HttpRequest, pk: int, key: str, form_class: type, action: Any,
         done: str) -> HttpResponse:
    proposal = selectors.proposal_get(actor=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            action(actor=request.user, proposal_id=proposal.pk, **data)
        except (InvalidInput, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect("policy:proposal_detail", pk=proposal.pk)
    return _detail(request, proposal, {key: form})


@login_required
@require_POST
def proposal_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "approve", DecisionForm, proposals.parameter_approve,
                "已批准：该取值已加入参数查找。")


@login_required
@require_POST
def proposal_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reject", RejectForm, proposals.parameter_reject, "已退回。")


@login_required
@require_POST
def proposal_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "withdraw", WithdrawForm, proposals.parameter_withdraw, "已撤回。")
