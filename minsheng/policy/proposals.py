"""Writes for locally proposed parameter values (地方参数取值申报): propose, approve, reject,
withdraw. One function per business action; each is atomic, scope-checked and audited.

Four-eyes rule (四眼原则): a value joins the lookup only after a *different* person holding
``policy.approve_parameter`` with the region in scope approves it. The proposer may withdraw a
pending proposal but never approve or reject it. Values are checked with the parameter files'
own reader (``parameters.check_local_value``) and must not overlap any value of the same region
in the files, among approved values, or among other pending proposals (the files' ordering rule,
``parameters.overlapping_entry``). Approval checks again, inside the transaction, with the
region row locked so two approvals for one region run one after the other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEventType, User
from minsheng.policy.errors import UnknownParameter
from minsheng.policy.models import ParameterProposal, ProposalStatus
from minsheng.policy.parameters import (
    Parameter,
    ValueEntry,
    check_local_value,
    default_parameters,
    normalize_region_code,
    overlapping_entry,
    plain_value,
)
from minsheng.policy.selectors import (
    APPROVE_PERM,
    PROPOSE_PERM,
    active_parameters,
    clear_parameter_cache,
    entry_label,
    proposal_list,
)
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope, holds_perm

# Levels a value may be proposed for: county and below. National, province and city values are
# kept in the reviewed parameter files.
PROPOSABLE_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)

AUDIT_FIELDS = ("name", "region_code", "effective", "until", "value", "note", "ref_document",
                "ref_issuer", "ref_date", "ref_url", "status")

_LENGTHS = (("ref_document", "出处的文件名称（文号）", 200), ("ref_issuer", "出处的发文机关", 100),
            ("ref_url", "出处的网址", 200), ("note", "备注", 200))

SELF_APPROVAL = "不能审批自己提出的申报（四眼原则）：请由另一位有审批权限的同事审批。"
SELF_REJECTION = "不能退回自己提出的申报（四眼原则）：如不再需要，请撤回。"


def _require(actor: User, perm: str) -> None:
    if not holds_perm(actor, perm):
        raise PermissionDenied()


def _parameter(name: str) -> Parameter:
    try:
        return default_parameters().get(name)
    except UnknownParameter as exc:
        raise InvalidInput(exc.message) from None


def _region(actor: User, region_code: str, *, lock: bool = False) -> Region:
    code = normalize_region_code((region_code or "").strip())
    qs = Region.objects.select_for_update() if lock else Region.objects
    region = qs.filter(code=code).first()
    if region is None or not code_in_scope(actor, region.code):
        raise NotFound("所选区划不存在或不在您的管辖范围内。")
    if region.level not in PROPOSABLE_LEVELS:
        raise InvalidInput("只能为县（市、区）及以下的区划申报地方取值；全国、省级和市级的取值由参数"
                           "文件统一维护。")
    return region


def _check_version(proposal: ParameterProposal, version: int | None) -> None:
    if version is None:
        raise InvalidInput("缺少版本号：请先读取申报再操作。")
    if proposal.version != version:
        raise Conflict(f"该申报已被他人处理（当前版本 {proposal.version}，您看到的是版本 "
                       f"{version}），本次操作未生效。请刷新后重试。")


def _check_pending(proposal: ParameterProposal) -> None:
    if proposal.status != ProposalStatus.PENDING:
        raise InvalidInput(f"该申报{proposal.get_status_display()}，不能再审批、退回或撤回。")


def _checked_entry(parameter: Parameter, *, region_code: str, effective: dt.date,
                   until: dt.date | None, value: Any, ref_document: str, ref_issuer: str,
                   ref_date: dt.date, ref_url: str, note: str) -> ValueEntry:
    messages = [f"{label}最长 {limit} 个字" for key, label, limit in _LENGTHS
                if len({"ref_document": ref_document, "ref_issuer": ref_issuer,
                        "ref_url": ref_url, "note": note}[key] or "") > limit]
    entry, problems = check_local_value(
        parameter, region_code=region_code, effective=effective, until=until, value=value,
        ref_document=ref_document, ref_issuer=ref_issuer, ref_date=ref_date, ref_url=ref_url,
        note=note)
    messages += problems
    if messages or entry is None:
        raise InvalidInput("；".join(messages) + "。")
    return entry


def _check_overlap(parameter: Parameter, entry: ValueEntry, *,
                   exclude: int | None = None, with_pending: bool) -> None:
    """Refuse a value that clashes with a value of the same region: in the files, approved in
    the UI, or (when proposing) in another pending proposal."""
    merged = active_parameters().get(parameter.name)
    existing = [e for e in merged.entries if e.region == entry.region]
    clash = overlapping_entry(existing, effective=entry.effective, until=entry.until)
    if clash is not None:
        raise InvalidInput(f"与{entry_label(clash)}重叠：同一区划的取值生效日期不能相同，前一条的"
                           "截止日期须早于后一条的生效日期。")
    if not with_pending:
        return
    pending = ParameterProposal.objects.filter(
        name=parameter.name, region_code=entry.region, status=ProposalStatus.PENDING)
    if exclude is not None:
        pending = pending.exclude(pk=exclude)
    for other in pending:
        as_entry = ValueEntry(index=0, effective=other.effective, value=entry.value, ref=entry.ref,
                              region=other.region_code, until=other.until)
        if overlapping_entry([as_entry], effective=entry.effective, until=entry.until):
            raise InvalidInput(f"与待审批的申报 #{other.pk}（{other.effective} 起）重叠：请等它"
                               "审批完毕，或请申报人撤回后再申报。")


def parameter_propose(*, actor: User, name: str, region_code: str, effective: dt.date,
                      until: dt.date | None = None, value: Any, ref_document: str,
                      ref_issuer: str, ref_date: dt.date, ref_url: str = "",
                      note: str = "") -> ParameterProposal:
    """Propose a local value of parameter ``name`` for a county, township or village in scope
    (申报地方取值). It joins the lookup only once a different person approves it."""
    _require(actor, PROPOSE_PERM)
    parameter = _parameter(name)
    _region(actor, region_code)  # 404 / level refused before the value is even looked at
    fields = {"ref_document": (ref_document or "").strip(), "ref_issuer": (ref_issuer or "").strip(),
              "ref_url": (ref_url or "").strip(), "note": (note or "").strip()}
    with transaction.atomic():
        region = _region(actor, region_code, lock=True)
        entry = _checked_entry(parameter, region_code=region.code, effective=effective,
                               until=until, value=value, ref_date=ref_date, **fields)
        _check_overlap(parameter, entry, with_pending=True)
        proposal = ParameterProposal.objects.create(
            name=parameter.name, region_code=region.code, effective=entry.effective,
            until=entry.until, value=plain_value(entry.value), ref_date=entry.ref.date,
            proposed_by=actor, status=ProposalStatus.PENDING, **fields)
        record_event(actor=actor, event_type=AuditEventType.PARAMETER_PROPOSED,
                     subject=proposal, region_code=region.code,
                     changes={key: [None, value] for key, value
                              in snapshot(proposal, AUDIT_FIELDS).items()},
                     extra={"description": parameter.description, "unit": parameter.unit.name})
    return proposal


def _lock(actor: User, proposal_id: int, perm: str) -> ParameterProposal:
    """The proposal, locked, when its region is in the actor's scope for ``perm``; else 404."""
    action = "approve" if perm == APPROVE_PERM else "propose"
    locked = proposal_list(actor=actor, action=action).select_for_update(of=("self",)).filter(
        pk=proposal_id).first()
    if locked is None:
        raise NotFound()
    return locked


def _decide(actor: User, proposal: ParameterProposal, status: str, note: str,
            event: AuditEventType) -> ParameterProposal:
    before = snapshot(proposal, ("status", "decided_by", "decided_at", "decision_note", "version"))
    proposal.status = status
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.version += 1
    proposal.save()
    after = snapshot(proposal, ("status", "decided_by", "decided_at", "decision_note", "version"))
    record_event(actor=actor, event_type=event, subject=proposal,
                 region_code=proposal.region_code,
                 changes={key: [before[key], after[key]] for key in before
                          if before[key] != after[key]},
                 note=note, extra={"proposed_by": proposal.proposed_by.get_username()})
    return proposal


def parameter_approve(*, actor: User, proposal_id: int, version: int | None,
                      note: str = "") -> ParameterProposal:
    """Approve a pending proposal (批准): a different person than the proposer, holding the
    approval permission with the region in scope. The value is checked again against the files
    and the approved values (they may have changed since it was proposed) and joins the lookup
    once the transaction commits."""
    _require(actor, APPROVE_PERM)
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput("审批意见最长 200 个字。")
    with transaction.atomic():
        proposal = _lock(actor, proposal_id, APPROVE_PERM)
        _check_version(proposal, version)
        _check_pending(proposal)
        if proposal.proposed_by_id == actor.pk:
            raise PermissionDenied(SELF_APPROVAL)
        # One approval per region at a time: the region row is the lock.
        Region.objects.select_for_update().filter(code=proposal.region_code).first()
        parameter = _parameter(proposal.name)
        entry = _checked_entry(parameter, region_code=proposal.region_code,
                               effective=proposal.effective, until=proposal.until,
                               value=proposal.value, ref_document=proposal.ref_document,
                               ref_issuer=proposal.ref_issuer, ref_date=proposal.ref_date,
                               ref_url=proposal.ref_url, note=proposal.note)
        _check_overlap(parameter, entry, with_pending=False)
        _decide(actor, proposal, ProposalStatus.APPROVED, note,
                AuditEventType.PARAMETER_APPROVED)
        transaction.on_commit(clear_parameter_cache)
    return proposal


def parameter_reject(*, actor: User, proposal_id: int, version: int | None,
                     reason: str) -> ParameterProposal:
    """Send a pending proposal back (退回) with a reason; never by its proposer."""
    _require(actor, APPROVE_PERM)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("退回须填写理由。")
    if len(reason) > 200:
        raise InvalidInput("退回理由最长 200 个字。")
    with transaction.atomic():
        proposal = _lock(actor, proposal_id, APPROVE_PERM)
        _check_version(proposal, version)
        _check_pending(proposal)
        if proposal.proposed_by_id == actor.pk:
            raise PermissionDenied(SELF_REJECTION)
        return _decide(actor, proposal, ProposalStatus.REJECTED, reason,
                       AuditEventType.PARAMETER_REJECTED)


def parameter_withdraw(*, actor: User, proposal_id: int, version: int | None,
                       note: str = "") -> ParameterProposal:
    """The proposer takes back a pending proposal (撤回)."""
    _require(actor, PROPOSE_PERM)
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput("撤回说明最长 200 个字。")
    with transaction.atomic():
        proposal = _lock(actor, proposal_id, PROPOSE_PERM)
        if proposal.proposed_by_id != actor.pk:
            raise PermissionDenied("只有申报人本人可以撤回申报。")
        _check_version(proposal, version)
        _check_pending(proposal)
        return _decide(actor, proposal, ProposalStatus.WITHDRAWN, note,
                       AuditEventType.PARAMETER_WITHDRAWN)
