"""API: policy parameters and locally proposed values (政策参数接口).

Reads go through ``policy.selectors`` (a role without the parameters page gets 404; a proposal
outside the caller's scope is 404 exactly like a missing one). Writes go through
``policy.proposals``: 400 for a value the parameter file's rules refuse, 403 for a role that may
not propose or approve (and for approving one's own proposal), 409 for a stale ``version``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.models import User
from minsheng.policy import proposals, selectors
from minsheng.policy.models import ParameterProposal, ProposalStatus
from minsheng.policy.parameters import Parameter, ValueEntry, is_local, plain_value
from minsheng.policy.selectors import InForce

parameters_router = Router(tags=["政策参数"])
proposals_router = Router(tags=["政策参数"])


class ErrorOut(Schema):
    detail: str = Field(description="错误说明")


_READ: dict[int, Any] = {404: ErrorOut}
_WRITE: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------

class RefOut(Schema):
    document: str = Field(description="文件名称（文号）")
    issuer: str = Field(description="发文机关")
    date: dt.date = Field(description="发文日期")
    url: str = Field(description="网址")
    verified: bool = Field(description="参数文件中的取值：是否已核对原文；地方审批取值恒为 false")
    local: bool = Field(description="是否为系统中申报并经他人批准的地方取值")
    proposal_id: int | None = Field(None, description="地方审批取值的申报编号")
    approved_by: str = Field("", description="地方审批取值的审批人账号")


class EntryOut(Schema):
    region_code: str = Field(description="区划代码（12 位；全国为空）")
    region_name: str = Field(description="区划名称（全国为“全国”）")
    effective: dt.date = Field(description="生效日期")
    until: dt.date | None = Field(None, description="截止日期（含当天），空为直到被替代")
    value: Any = Field(description="取值：金额、比例为字符串形式的小数，天数等为整数，布尔，列表为代码数组")
    note: str = Field(description="备注")
    ref: RefOut


class InForceOut(Schema):
    region_code: str = Field(description="账号的管辖区划")
    region_name: str
    value: Any = Field(None, description="当日适用的取值；没有适用取值时为 null")
    source_region: str | None = Field(None, description="取值来自哪一级区划（全国为空字符串）")
    effective: dt.date | None = None
    until: dt.date | None = None
    local: bool = Field(False, description="是否为地方审批取值")
    missing: str = Field("", description="没有适用取值时的说明")


class ParameterOut(Schema):
    name: str = Field(description="参数名（即参数文件路径）")
    description: str = Field(description="中文说明")
    unit: str = Field(description="单位")
    min: str | None = Field(None, description="下限")
    max: str | None = Field(None, description="上限")
    choices: dict[str, str] | None = Field(None, description="列表类参数的可选项：代码 → 中文名称")
    in_force: list[InForceOut] = Field(description="今天对账号各管辖区划适用的取值")


class ParameterDetailOut(ParameterOut):
    entries: list[EntryOut] = Field(description="与账号相关的全部取值（全国、上级区划、管辖范围内）")


class ProposalIn(Schema):
    name: str = Field(description="参数名，如 monitoring.range")
    region_code: str = Field(description="县、乡镇或村的区划代码（6、9 或 12 位），须在管辖范围内")
    effective: dt.date = Field(description="生效日期")
    until: dt.date | None = Field(None, description="截止日期（含当天），可选")
    value: Any = Field(description="取值：数字、写成文字的数字、true/false，或列表类参数的代码数组")
    ref_document: str = Field(description="出处：文件名称（文号）")
    ref_issuer: str = Field(description="出处：发文机关")
    ref_date: dt.date = Field(description="出处：发文日期")
    ref_url: str = Field("", description="出处：网址，可选")
    note: str = Field("", description="备注，可选")


class DecisionIn(Schema):
    version: int = Field(description="读取申报时的版本号")
    note: str = Field("", description="审批意见或撤回说明，可选")


class RejectIn(Schema):
    version: int = Field(description="读取申报时的版本号")
    reason: str = Field(description="退回理由，必填")


class ProposalOut(Schema):
    id: int
    name: str = Field(description="参数名")
    region_code: str
    effective: dt.date
    until: dt.date | None
    value: Any
    note: str
    ref_document: str
    ref_issuer: str
    ref_date: dt.date
    ref_url: str
    status: str = Field(description="pending 待审批、approved 已批准、rejected 已退回、withdrawn 已撤回")
    status_label: str
    proposed_by: str = Field(description="申报人账号")
    proposed_at: dt.datetime
    decided_by: str | None = Field(None, description="审批（退回、撤回）人账号")
    decided_at: dt.datetime | None
    decision_note: str
    version: int = Field(description="版本号，审批、退回、撤回时原样带回")


# --- Serialisers ------------------------------------------------------------------------------

def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _bound(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _in_force(rows: list[InForce]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item: dict[str, Any] = {"region_code": row.region.code, "region_name": row.region.name,
                                "missing": row.missing}
        if row.found is not None:
            entry = row.found.entry
            item.update(value=plain_value(row.found.value), source_region=entry.region,
                        effective=entry.effective, until=entry.until, local=is_local(entry))
        out.append(item)
    return out


def _entry(entry: ValueEntry, names: dict[str, str]) -> dict[str, Any]:
    ref = entry.ref
    return {
        "region_code": entry.region,
        "region_name": names.get(entry.region, entry.region) if entry.region else "全国",
        "effective": entry.effective, "until": entry.until, "value": plain_value(entry.value),
        "note": entry.note,
        "ref": {"document": ref.document, "issuer": ref.issuer, "date": ref.date, "url": ref.url,
                "verified": ref.verified, "local": is_local(entry),
                "proposal_id": getattr(ref, "proposal_id", None),
                "approved_by": getattr(ref, "approved_by", "")},
    }


def _parameter(parameter: Parameter, in_force: list[InForce]) -> dict[str, Any]:
    return {"name": parameter.name, "description": parameter.description,
            "unit": parameter.unit.name, "min": _bound(parameter.minimum),
            "max": _bound(parameter.maximum), "choices": parameter.choices,
            "in_force": _in_force(in_force)}


def _proposal(p: ParameterProposal) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "region_code": p.region_code, "effective": p.effective,
        "until": p.until, "value": p.value, "note": p.note, "ref_document": p.ref_document,
        "ref_issuer": p.ref_issuer, "ref_date": p.ref_date, "ref_url": p.ref_url,
        "status": p.status, "status_label": p.get_status_display(),
        "proposed_by": p.proposed_by.get_username(), "proposed_at": p.proposed_at,
        "decided_by": p.decided_by.get_username() if p.decided_by else None,
        "decided_at": p.decided_at, "decision_note": p.decision_note, "version": p.version,
    }


def _refuse_unknown_fields(request: HttpRequest, schema: type[Schema]) -> None:
    """Ninja drops fields a schema does not declare; a write naming one is refused instead."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:  # ninja has already answered a malformed body
        return
    unknown = sorted(set(body) - set(schema.model_fields)) if isinstance(body, dict) else []
    if unknown:
        raise InvalidInput(f"不支持的字段：{'、'.join(unknown)}")


# --- Parameters -------------------------------------------------------------------------------

@parameters_router.get("", response={200: list[ParameterOut], **_READ},
                       summary="全部政策参数，及今天对各管辖区划适用的取值")
def parameter_list_api(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.parameter_list(actor=_actor(request))
    return [_parameter(row.parameter, row.in_force) for row in rows]


@parameters_router.get("/{name}", response={200: ParameterDetailOut, **_READ},
                       summary="一个政策参数：按区划和日期的全部取值及出处、今天适用的取值")
def parameter_detail_api(request: HttpRequest, name: str) -> dict[str, Any]:
    detail = selectors.parameter_detail(actor=_actor(request), name=name)
    return {**_parameter(detail.parameter, detail.in_force),
            "entries": [_entry(e, detail.region_names) for e in detail.entries]}


# --- Proposals --------------------------------------------------------------------------------

@proposals_router.get("", response={200: list[ProposalOut], **_READ},
                      summary="管辖范围内的地方取值申报（最新在前，最多 500 条）")
def proposal_list_api(request: HttpRequest, status: str = "", name: str = "") -> list[dict[str, Any]]:
    actor = _actor(request)
    if not selectors.can_view(actor):
        raise NotFound()
    if status and status not in ProposalStatus.values:
        raise InvalidInput(f"状态 status 应为 {'、'.join(ProposalStatus.values)} 之一。")
    return [_proposal(p) for p in selectors.proposal_list(actor=actor, status=status,
                                                          name=name)[:500]]


@proposals_router.get("/{proposal_id}", response={200: ProposalOut, **_READ},
                      summary="一条地方取值申报")
def proposal_detail_api(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    return _proposal(selectors.proposal_get(actor=_actor(request), pk=proposal_id))


@proposals_router.post("", response={201: ProposalOut, **_WRITE},
                       summary="申报地方取值（县级业务科室；须由另一人批准后生效）")
def proposal_create_api(request: HttpRequest, payload: ProposalIn) -> Status:
    _refuse_unknown_fields(request, ProposalIn)
    proposal = proposals.parameter_propose(actor=_actor(request), **payload.dict())
    return Status(201, _proposal(proposal))


@proposals_router.post("/{proposal_id}/approve", response={200: ProposalOut, **_WRITE},
                       summary="批准申报（不能是申报人本人；须带版本号）")
def proposal_approve_api(request: HttpRequest, proposal_id: int,
                         payload: DecisionIn) -> dict[str, Any]:
    _refuse_unknown_fields(request, DecisionIn)
    return _proposal(proposals.parameter_approve(actor=_actor(request), proposal_id=proposal_id,
                                                 version=payload.version, note=payload.note))


@proposals_router.post("/{proposal_id}/reject", response={200: ProposalOut, **_WRITE},
                       summary="退回申报（须填写理由；不能是申报人本人）")
def proposal_reject_api(request: HttpRequest, proposal_id: int,
                        payload: RejectIn) -> dict[str, Any]:
    _refuse_unknown_fields(request, RejectIn)
    return _proposal(proposals.parameter_reject(actor=_actor(request), proposal_id=proposal_id,
                                                version=payload.version, reason=payload.reason))


@proposals_router.post("/{proposal_id}/withdraw", response={200: ProposalOut, **_WRITE},
                       summary="撤回自己的待审批申报")
def proposal_withdraw_api(request: HttpRequest, proposal_id: int,
                          payload: DecisionIn) -> dict[str, Any]:
    _refuse_unknown_fields(request, DecisionIn)
    return _proposal(proposals.parameter_withdraw(actor=_actor(request),
                                                  proposal_id=proposal_id,
                                                  version=payload.version, note=payload.note))
