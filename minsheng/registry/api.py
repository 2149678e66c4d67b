"""API: households, members and income ledgers (农户台账接口).

Every read goes through the registry selectors, so an object outside the caller's scope is a
404 exactly like a missing one. Personal data is masked unless ``reveal=true`` is asked by a
role that may see it (the service records the audit event). Writes go through the services,
which check the permission (403 for a role that may only read), apply the field rules of
``registry.validation`` (400 with the errors of each field), audit, keep the household's
history and refuse a stale ``version`` (409). A role without the household register gets 404
for the list too, as on the web.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django.db import models
from django.db.models import Count
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.models import User
from minsheng.regions.selectors import region_get
from minsheng.registry import services
from minsheng.registry.filters import HouseholdFilter
from minsheng.registry.models import Household, IncomeLedger, Member
from minsheng.registry.schemas import (
    ErrorOut,
    FieldErrorsOut,
    HouseholdOut,
    HouseholdPageOut,
    HouseholdPatch,
    HouseholdQuery,
    LedgerIn,
    LedgerOut,
    MemberIn,
    MemberOut,
    MemberPatch,
)
from minsheng.registry.selectors import (
    household_get,
    household_ledgers,
    household_list,
    household_members,
    masked_household,
    masked_member,
    member_get,
)
from minsheng.registry.validation import FieldError, RegistryInvalid

router = Router(tags=["农户台账"])
members_router = Router(tags=["农户台账"])

MAX_LIMIT = 500

_READ_ERRORS: dict[int, Any] = {404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut,
                                 409: ErrorOut}

_MEMBER_CHOICES = ("gender", "relation", "education", "school_stage", "health",
                   "labour_capacity", "work_area", "archive_reason")
_HOUSEHOLD_DETAIL_FIELDS = ("group_name", "address", "bank_name", "relocated",
                            "water_quantity_ok", "water_quality_ok", "water_convenience_ok",
                            "water_assurance_ok", "water_ok", "archive_note")
_CENT = Decimal("0.01")


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- Output ---------------------------------------------------------------------------------

def _labels(obj: models.Model, fields: Iterable[str]) -> dict[str, str]:
    return {f"{name}_label": str(getattr(obj, f"get_{name}_display")()) for name in fields}


def _summary(household: Household, member_count: int) -> dict[str, Any]:
    return {
        "id": household.pk, "household_no": household.household_no,
        "region_code": household.region_id, "region_name": household.region.name,
        "head_name": household.head_name, "category": household.category,
        "member_count": member_count, "housing_grade": household.housing_grade,
        "archived": household.archived, "version": household.version,
        **_labels(household, ("category", "housing_grade")),
        **masked_household(household, reveal=False),
    }


def _member(member: Member, *, reveal: bool) -> dict[str, Any]:
    data: dict[str, Any] = {f.attname: getattr(member, f.attname)
                            for f in Member._meta.concrete_fields
                            if f.name not in {"created_at", "updated_at"}}
    data.update(_labels(member, _MEMBER_CHOICES))
    data.update(masked_member(member, reveal=reveal))
    return data


def _ledger(ledger: IncomeLedger) -> dict[str, Any]:
    # Always two decimals: a just-saved ledger still holds the values as they were sent.
    return {"id": ledger.pk, "year": ledger.year, "version": ledger.version,
            **{name: Decimal(getattr(ledger, name)).quantize(_CENT)
               for name in IncomeLedger.AMOUNT_FIELDS}}


def _detail(household: Household, *, reveal: bool) -> dict[str, Any]:
    members = household_members(household=household)
    return {
        **_summary(household, len(members)),
        **{name: getattr(household, name) for name in _HOUSEHOLD_DETAIL_FIELDS},
        "archive_reason": household.archive_reason,
        **_labels(household, ("archive_reason",)),
        **masked_household(household, reveal=reveal),
        "members": [_member(m, reveal=reveal) for m in members],
        "ledgers": [_ledger(lg) for lg in household_ledgers(household=household)],
    }


# --- Input ----------------------------------------------------------------------------------

def _refuse_unknown_fields(request: HttpRequest, schema: type[Schema]) -> None:
    """Ninja drops fields a schema does not declare; a write naming one (say ``id_number`` of
    a member) is refused instead of silently half-done."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:  # ninja has already answered a malformed body
        return
    unknown = sorted(set(body) - set(schema.model_fields)) if isinstance(body, dict) else []
    if unknown:
        raise InvalidInput(f"不支持的字段：{'、'.join(unknown)}")


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise RegistryInvalid(errors)


# --- Households -----------------------------------------------------------------------------

@router.get("", response={200: HouseholdPageOut, 400: FieldErrorsOut, 403: ErrorOut,
                          404: ErrorOut},
            summary="农户列表（筛选、分页；电话脱敏）")
def household_list_api(request: HttpRequest, query: Query[HouseholdQuery]) -> dict[str, Any]:
    actor = _actor(request)
    if not actor.has_perm("registry.view_household"):
        raise NotFound()
    _raise_if([e for e in (
        ("limit", f"每页条数 limit 应为 1～{MAX_LIMIT}，实为「{query.limit}」。")
        if not 1 <= query.limit <= MAX_LIMIT else None,
        ("offset", f"起始位置 offset 不能为负数，实为「{query.offset}」。")
        if query.offset < 0 else None,
    ) if e])
    within = region_get(actor=actor, code=query.region) if query.region else None
    filters = HouseholdFilter(**{name: value for name, value in query.dict().items()
                                 if name in HouseholdFilter.__dataclass_fields__
                                 and value is not None})
    qs = household_list(actor=actor, within=within, filters=filters)
    count = qs.count()
    page = list(qs[query.offset:query.offset + query.limit]) if count > query.offset else []
    # One grouped query for the page's member counts, whatever the page size.
    member_counts = dict(
        Member.objects.filter(household__in=[h.pk for h in page], active=True)
        .values_list("household_id").annotate(n=Count("id")).order_by()
    ) if page else {}
    return {"count": count,
            "items": [_summary(h, member_counts.get(h.pk, 0)) for h in page]}


@router.get("/{household_id}", response={200: HouseholdOut, 403: ErrorOut, 404: ErrorOut},
            summary="一户的详情、在户成员和收支；reveal=true 显示完整证件号、电话和账号（记入审计）")
def household_detail_api(request: HttpRequest, household_id: int,
                         reveal: bool = False) -> dict[str, Any]:
    actor = _actor(request)
    household = household_get(actor=actor, pk=household_id)
    if reveal:
        services.household_reveal(actor=actor, household=household)
    return _detail(household, reveal=reveal)


@router.patch("/{household_id}", response={200: HouseholdOut, **_WRITE_ERRORS},
              summary="修改农户信息（须带读取时的版本号）")
def household_patch_api(request: HttpRequest, household_id: int,
                        payload: HouseholdPatch) -> dict[str, Any]:
    actor = _actor(request)
    household = household_get(actor=actor, pk=household_id)
    _refuse_unknown_fields(request, HouseholdPatch)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    updated = services.household_update(actor=actor, household=household, version=version,
                                        **fields)
    return _detail(updated, reveal=False)


# --- Members --------------------------------------------------------------------------------

@router.get("/{household_id}/members", response={200: list[MemberOut], **_READ_ERRORS},
            summary="家庭成员（户主在前；身份证号和电话脱敏）")
def member_list_api(request: HttpRequest, household_id: int,
                    include_inactive: bool = False) -> list[dict[str, Any]]:
    household = household_get(actor=_actor(request), pk=household_id)
    return [_member(m, reveal=False)
            for m in household_members(household=household, include_inactive=include_inactive)]


@router.post("/{household_id}/members", response={201: MemberOut, **_WRITE_ERRORS},
             summary="新增成员（出生日期和性别取自身份证号）")
def member_create_api(request: HttpRequest, household_id: int, payload: MemberIn) -> Status:
    actor = _actor(request)
    household = household_get(actor=actor, pk=household_id)
    _refuse_unknown_fields(request, MemberIn)
    data = {name: value for name, value in payload.dict().items() if value is not None}
    member = services.member_add(actor=actor, household=household, data=data)
    return Status(201, _member(member, reveal=False))


@members_router.patch("/{member_id}", response={200: MemberOut, **_WRITE_ERRORS},
                      summary="修改成员信息（须带读取时的版本号；身份证号不能修改）")
def member_patch_api(request: HttpRequest, member_id: int,
                     payload: MemberPatch) -> dict[str, Any]:
    actor = _actor(request)
    member = member_get(actor=actor, pk=member_id)
    _refuse_unknown_fields(request, MemberPatch)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    updated = services.member_update(actor=actor, member=member, version=version, **fields)
    return _member(updated, reveal=False)


# --- Income ledger --------------------------------------------------------------------------

@router.get("/{household_id}/ledgers", response={200: list[LedgerOut], **_READ_ERRORS},
            summary="收支台账（按年度升序）")
def ledger_list_api(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    household = household_get(actor=_actor(request), pk=household_id)
    return [_ledger(lg) for lg in household_ledgers(household=household)]


@router.put("/{household_id}/ledgers/{year}", response={200: LedgerOut, **_WRITE_ERRORS},
            summary="填报或修改某年收支（修改已有年度须带版本号；未传的金额保持不变）")
def ledger_put_api(request: HttpRequest, household_id: int, year: int,
                   payload: LedgerIn) -> dict[str, Any]:
    actor = _actor(request)
    household = household_get(actor=actor, pk=household_id)
    _refuse_unknown_fields(request, LedgerIn)
    amounts = payload.dict(exclude_unset=True)
    version = amounts.pop("version", None)
    amounts = {name: value for name, value in amounts.items() if value is not None}
    ledger = services.ledger_save(actor=actor, household=household, year=year,
                                  version=version, **amounts)
    return _ledger(ledger)
