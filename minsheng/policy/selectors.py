"""Reads of policy data: the parameter set rules evaluate with, the parameters page, and the
locally proposed values (地方参数取值申报), always within the actor's scope.

``ParameterProposal`` stores its region as a plain code (no foreign key), so it is scoped here
with the same primitives as ``Model.objects.visible_to`` (the role's permission, then one code
range per assigned region) and fails closed the same way.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from minsheng.core.errors import NotFound
from minsheng.policy.errors import ParameterMissing, UnknownParameter
from minsheng.policy.models import ParameterProposal, ProposalStatus
from minsheng.policy.parameters import (
    NATIONAL,
    LocalReference,
    Parameter,
    ParameterSet,
    ParameterValue,
    ValueEntry,
    check_local_value,
    default_parameters,
    overlapping_entry,
    region_chain,
    with_local_entries,
)
from minsheng.regions.models import Region
from minsheng.regions.scoping import holds_perm, scope_bounds

VIEW_PERM = "policy.view_parameterproposal"
PROPOSE_PERM = "policy.propose_parameter"
APPROVE_PERM = "policy.approve_parameter"


# --- The parameter set rules evaluate with ---------------------------------------------------

@dataclass(frozen=True)
class LocalProblem:
    """An approved value that could not join the lookup (the files changed after approval)."""

    proposal_id: int
    name: str
    region_code: str
    effective: dt.date
    message: str

    def __str__(self) -> str:
        return (f"地方审批取值（申报 #{self.proposal_id}，{self.name}，区划 {self.region_code}，"
                f"生效日期 {self.effective}）：{self.message}")


@dataclass(frozen=True)
class _Merged:
    key: tuple[Any, ...]
    parameters: ParameterSet
    problems: tuple[LocalProblem, ...] = field(default_factory=tuple)


_lock = threading.Lock()
_merged: _Merged | None = None


def _approved_fingerprint() -> tuple[Any, ...]:
    """One cheap aggregate that changes whenever a value is approved (in any process)."""
    row = ParameterProposal.objects.filter(status=ProposalStatus.APPROVED).aggregate(
        n=models.Count("id"), last=models.Max("id"), at=models.Max("decided_at"))
    return row["n"], row["last"], row["at"]


def _approved_entry(base: ParameterSet, proposal: ParameterProposal,
                    ) -> tuple[ValueEntry | None, str]:
    """The proposal as a lookup entry, re-checked against the current file definition."""
    if proposal.name not in base:
        return None, "参数文件中已没有这个参数"
    parameter = base.get(proposal.name)
    entry, messages = check_local_value(
        parameter, region_code=proposal.region_code, effective=proposal.effective,
        until=proposal.until, value=proposal.value, ref_document=proposal.ref_document,
        ref_issuer=proposal.ref_issuer, ref_date=proposal.ref_date, ref_url=proposal.ref_url,
        note=proposal.note)
    if entry is None:
        return None, "；".join(messages)
    decider = proposal.decided_by
    ref = LocalReference(
        document=entry.ref.document, issuer=entry.ref.issuer, date=entry.ref.date,
        verified=False, url=entry.ref.url, proposal_id=proposal.pk,
        approved_by=decider.get_username() if decider else "", approved_at=proposal.decided_at)
    return ValueEntry(index=0, effective=entry.effective, value=entry.value, ref=ref,
                      region=entry.region, until=entry.until, note=entry.note), ""


def _merge(base: ParameterSet) -> tuple[ParameterSet, tuple[LocalProblem, ...]]:
    local: dict[str, list[ValueEntry]] = {}
    problems: list[LocalProblem] = []
    approved = (ParameterProposal.objects.filter(status=ProposalStatus.APPROVED)
                .select_related("decided_by").order_by("decided_at", "id"))
    for proposal in approved:
        entry, message = _approved_entry(base, proposal)
        if entry is not None:
            same_region = [e for e in (*base.get(proposal.name).entries,
                                       *local.get(proposal.name, []))
                           if e.region == entry.region]
            clash = overlapping_entry(same_region, effective=entry.effective, until=entry.until)
            if clash is None:
                local.setdefault(proposal.name, []).append(entry)
                continue
            message = f"与{entry_label(clash)}重叠"
        problems.append(LocalProblem(proposal.pk, proposal.name, proposal.region_code,
                                     proposal.effective, message))
    return with_local_entries(base, local), tuple(problems)


def active_parameters() -> ParameterSet:
    """The parameter set rules evaluate with: the shipped YAML files plus the local values
    approved in the UI (most specific region wins, as in the files).

    Built once per process and rebuilt when the approved values change: the cache is keyed on
    the count, the last id and the last approval time of approved proposals, one small aggregate
    query per call, so an approval in another process (web, worker) is seen at the next call."""
    global _merged
    base = default_parameters()
    key = (id(base), *_approved_fingerprint())
    current = _merged
    if current is not None and current.key == key:
        return current.parameters
    with _lock:
        if _merged is not None and _merged.key == key:
            return _merged.parameters
        if key[1] == 0:  # nothing approved: the files alone
            _merged = _Merged(key, base)
        else:
            parameters, problems = _merge(base)
            _merged = _Merged(key, parameters, problems)
        return _merged.parameters


def local_value_problems() -> list[LocalProblem]:
    """Approved values left out of the lookup because they no longer fit the files (a file
    changed after approval: the parameter removed, its bounds narrowed, a value added for the
    same region and dates). ``minsheng policy check`` reports them."""
    active_parameters()
    return list(_merged.problems) if _merged is not None else []


def clear_parameter_cache() -> None:
    """Forget the merged set (called after an approval commits)."""
    global _merged
    with _lock:
        _merged = None


def entry_label(entry: ValueEntry) -> str:
    """A short Chinese description of an entry, for messages."""
    where = "参数文件" if not isinstance(entry.ref, LocalReference) else \
        f"地方审批取值（申报 #{entry.ref.proposal_id}）"
    region = "全国" if entry.region == NATIONAL else f"区划 {entry.region} "
    period = f"{entry.effective} 至 {entry.until}" if entry.until else f"{entry.effective} 起"
    return f"{where}中{region}的取值（{period}）"


# --- Scope ------------------------------------------------------------------------------------

def can_view(actor: Any) -> bool:
    return holds_perm(actor, VIEW_PERM) and bool(scope_bounds(actor))


def _require_view(actor: Any) -> None:
    if not can_view(actor):
        raise NotFound()


def _codes_q(actor: Any, perm: str) -> models.Q | None:
    """Proposals whose region lies in the actor's subtrees, for an actor holding ``perm``."""
    if not holds_perm(actor, perm):
        return None
    bounds = scope_bounds(actor)
    if not bounds:
        return None
    q = models.Q()
    for lo, hi in bounds:
        q |= models.Q(region_code__gte=lo, region_code__lte=hi)
    return q


def proposal_list(*, actor: Any, status: str = "", name: str = "",
                  action: str = "view") -> models.QuerySet[ParameterProposal]:
    """Proposals in the actor's scope (newest first), optionally of one status or parameter."""
    perm = {"view": VIEW_PERM, "propose": PROPOSE_PERM, "approve": APPROVE_PERM}[action]
    q = _codes_q(actor, perm)
    if q is None:
        return ParameterProposal.objects.none()
    qs = ParameterProposal.objects.filter(q).select_related("proposed_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if name:
        qs = qs.filter(name=name)
    return qs


def proposal_get(*, actor: Any, pk: int, action: str = "view") -> ParameterProposal:
    """One proposal in the actor's scope, else NotFound (never a hint that it exists)."""
    found = proposal_list(actor=actor, action=action).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


# --- The parameters page ------------------------------------------------------------------------

def _assigned(actor: Any) -> list[Region]:
    from minsheng.regions.selectors import region_roots

    return region_roots(actor=actor)


def _relevant(actor: Any) -> tuple[set[str], list[tuple[str, str]]]:
    """The region keys whose values concern the actor: national, each assigned region's chain
    of parents (their values apply inside the scope), and everything inside the scope."""
    chain: set[str] = set()
    for region in _assigned(actor):
        chain.update(region_chain(region.code))
    return chain, scope_bounds(actor)


def _concerns(entry: ValueEntry, chain: set[str], bounds: list[tuple[str, str]]) -> bool:
    return entry.region in chain or any(lo <= entry.region <= hi for lo, hi in bounds)


@dataclass(frozen=True)
class InForce:
    region: Region
    found: ParameterValue | None
    missing: str = ""


def _in_force(parameter: Parameter, regions: list[Region], on: dt.date) -> list[InForce]:
    out = []
    for region in regions:
        try:
            out.append(InForce(region, parameter.value_on(on=on, region_code=region.code)))
        except ParameterMissing as exc:  # shown as a sentence, never as 0
            out.append(InForce(region, None, exc.message))
    return out


@dataclass(frozen=True)
class ParameterRow:
    parameter: Parameter
    in_force: list[InForce]


def parameter_list(*, actor: Any, on: dt.date | None = None) -> list[ParameterRow]:
    """Every parameter, with the value in force on ``on`` (today) for each assigned region."""
    _require_view(actor)
    on = on or timezone.localdate()
    parameters = active_parameters()
    regions = _assigned(actor)
    return [ParameterRow(parameters.get(name), _in_force(parameters.get(name), regions, on))
            for name in parameters.names()]


@dataclass(frozen=True)
class ParameterDetail:
    parameter: Parameter
    entries: list[ValueEntry]  # the values that concern the actor, by region then date
    in_force: list[InForce]
    region_names: dict[str, str]
    proposals: list[ParameterProposal]


def parameter_get(*, actor: Any, name: str) -> Parameter:
    _require_view(actor)
    try:
        return active_parameters().get(name)
    except UnknownParameter:
        raise NotFound("未定义该政策参数。") from None


def parameter_detail(*, actor: Any, name: str, on: dt.date | None = None) -> ParameterDetail:
    """One parameter: its values by region and date with references (those of the national
    level, the actor's regions and their parents, and regions inside the scope), the value in
    force on ``on`` (today) for each assigned region, and the proposals for it in scope."""
    parameter = parameter_get(actor=actor, name=name)
    on = on or timezone.localdate()
    chain, bounds = _relevant(actor)
    entries = [e for e in parameter.entries if _concerns(e, chain, bounds)]
    regions = _assigned(actor)
    codes = {e.region for e in entries if e.region}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    proposals = list(proposal_list(actor=actor, name=name)[:200])
    return ParameterDetail(parameter, entries, _in_force(parameter, regions, on), names,
                           proposals)


def region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def proposable_regions(*, actor: Any, limit: int = 500) -> list[Region]:
    """Counties and townships in the actor's scope, for the proposal form's suggestions."""
    from minsheng.regions.codes import RegionLevel

    if not holds_perm(actor, PROPOSE_PERM):
        return []
    return list(Region.objects.visible_to(actor).filter(
        level__in=(RegionLevel.COUNTY, RegionLevel.TOWNSHIP)).order_by("code")[:limit])
