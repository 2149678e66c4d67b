"""API: households, members and income ledgers (农户台账接口). Scoped, masked by default,
writes through the services (audited), stale versions answer 409."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from minsheng.regions.selectors import region_get
from minsheng.registry import services
from minsheng.registry.filters import HouseholdFilter
from minsheng.registry.models import Household, IncomeLedger, Member
from minsheng.registry.selectors import (
    household_get,
    household_ledgers,
    household_list,
    household_members,
    masked_household,
    masked_member,
    member_get,
)

router = Router(tags=["农户台账"])
members_router = Router(tags=["农户台账"])


class HouseholdQuery(Schema):
    q: str = Field("", description="姓名、拼音首字母、户编号；完整身份证号仅限可查看证件号的角色")
    region: str | None = Field(None, description="只看该区划（须在管辖范围内）")
    category: str = ""
    labour_capacity: str = ""
    health: str = ""
    insurance_gap: bool = False
    housing_unsafe: bool = False
    water_unsafe: bool = False
    relocated: bool = False
    include_archived: bool = False
    income_year: int | None = None
    income_min: Decimal | None = None
    income_max: Decimal | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class HouseholdSummaryOut(Schema):
    id: int
    household_no: str
    region_code: str
    region_name: str
    head_name: str
    category: str
    category_label: str
    member_count: int
    housing_grade: str
    phone: str = Field(description="默认脱敏")
    archived: bool
    version: int


class HouseholdPageOut(Schema):
    count: int
    items: list[HouseholdSummaryOut]


class MemberOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="默认脱敏；reveal=true 且有权限时为完整号码")
    gender: str
    birth_date: dt.date
    relation: str
    relation_label: str
    ethnicity: str
    education: str
    school_stage: str
    health: str
    health_label: str
    disability_grade: int | None
    labour_capacity: str
    work_area: str
    work_months: int
    medical_insurance: bool
    serious_illness_insurance: bool
    pension_insurance: bool
    dibao: bool
    tekun: bool
    phone: str
    active: bool
    version: int


class LedgerOut(Schema):
    id: int
    year: int
    wage_income: Decimal
    business_income: Decimal
    business_expense: Decimal
    property_income: Decimal
    transfer_family_planning: Decimal
    transfer_dibao: Decimal
    transfer_tekun: Decimal
    transfer_pension: Decimal
    transfer_eco_compensation: Decimal
    transfer_other: Decimal
    medical_out_of_pocket: Decimal
    education_expense: Decimal
    version: int


class HouseholdOut(HouseholdSummaryOut):
    group_name: str
    address: str
    bank_name: str
    bank_account: str
    relocated: bool
    water_quantity_ok: bool | None
    water_quality_ok: bool | None
    water_convenience_ok: bool | None
    water_assurance_ok: bool | None
    members: list[MemberOut]
    ledgers: list[LedgerOut]


class HouseholdPatch(Schema):
    version: int | None = Field(None, description="读取时的版本号；不一致返回 409")
    group_name: str | None = None
    address: str | None = None
    phone: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    category: str | None = None
    relocated: bool | None = None
    housing_grade: str | None = None
    water_quantity_ok: bool | None = None
    water_quality_ok: bool | None = None
    water_convenience_ok: bool | None = None
    water_assurance_ok: bool | None = None


class _MemberFacts(Schema):
    ethnicity: str | None = None
    education: str | None = None
    school_stage: str | None = None
    health: str | None = None
    disability_grade: int | None = None
    labour_capacity: str | None = None
    work_area: str | None = None
    work_months: int | None = None
    medical_insurance: bool | None = None
    serious_illness_insurance: bool | None = None
    pension_insurance: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None
    phone: str | None = None


class MemberIn(_MemberFacts):
    id_number: str
    name: str
    relation: str


class MemberPatch(_MemberFacts):
    version: int | None = None
    name: str | None = None
    relation: str | None = None


class LedgerIn(Schema):
    version: int | None = Field(None, description="修改已有年度时必填")
    wage_income: Decimal | None = None
    business_income: Decimal | None = None
    business_expense: Decimal | None = None
    property_income: Decimal | None = None
    transfer_family_planning: Decimal | None = None
    transfer_dibao: Decimal | None = None
    transfer_tekun: Decimal | None = None
    transfer_pension: Decimal | None = None
    transfer_eco_compensation: Decimal | None = None
    transfer_other: Decimal | None = None
    medical_out_of_pocket: Decimal | None = None
    education_expense: Decimal | None = None


def _summary(h: Household, member_count: int) -> dict[str, Any]:
    return {
        "id": h.pk, "household_no": h.household_no, "region_code": h.region_id,
        "region_name": h.region.name, "head_name": h.head_name, "category": h.category,
        "category_label": h.get_category_display(), "member_count": member_count,
        "housing_grade": h.housing_grade, "archived": h.archived, "version": h.version,
        **masked_household(h, reveal=False),
    }


def _member(m: Member, *, reveal: bool) -> dict[str, Any]:
    data = {f.name: getattr(m, f.name) for f in Member._meta.concrete_fields
            if f.name not in {"household", "created_at", "updated_at", "archive_reason"}}
    data.update(masked_member(m, reveal=reveal))
    data["relation_label"] = m.get_relation_display()
    data["health_label"] = m.get_health_display()
    return data


def _ledger(lg: IncomeLedger) -> dict[str, Any]:
    return {"id": lg.pk, "year": lg.year, "version": lg.version,
            **{k: getattr(lg, k) for k in IncomeLedger.AMOUNT_FIELDS}}


def _detail(request: HttpRequest, household: Household, *, reveal: bool) -> dict[str, Any]:
    members = household_members(household=household)
    return {
        **_summary(household, len(members)),
        **{k: getattr(household, k) for k in ("group_name", "address", "bank_name", "relocated",
                                              "water_quantity_ok", "water_quality_ok",
                                              "water_convenience_ok", "water_assurance_ok")},
        **masked_household(household, reveal=reveal),
        "members": [_member(m, reveal=reveal) for m in members],
        "ledgers": [_ledger(lg) for lg in household_ledgers(household=household)],
    }


@router.get("", response=HouseholdPageOut, summary="农户列表（筛选、分页，默认脱敏）")
def household_list_api(request: HttpRequest, query: Query[HouseholdQuery]) -> dict[str, Any]:
    within = region_get(actor=request.user, code=query.region) if query.region else None
    filters = HouseholdFilter(**{k: v for k, v in query.dict().items()
                                 if k in HouseholdFilter.__dataclass_fields__ and v is not None})
    qs = household_list(actor=request.user, within=within, filters=filters)
    count = qs.count()
    page = list(qs.annotate(member_count=Count("members", filter=Q(members__active=True)))
                [query.offset:query.offset + query.limit])
    return {"count": count, "items": [_summary(h, h.member_count) for h in page]}


@router.get("/{household_id}", response=HouseholdOut,
            summary="一户的详情、成员和收支；reveal=true 显示完整证件号（记入审计）")
def household_detail_api(request: HttpRequest, household_id: int,
                         reveal: bool = False) -> dict[str, Any]:
    household = household_get(actor=request.user, pk=household_id)
    if reveal:
        services.household_reveal(actor=request.user, household=household)  # type: ignore[arg-type]
    return _detail(request, household, reveal=reveal)


@router.patch("/{household_id}", response=HouseholdOut, summary="修改农户信息（须带版本号）")
def household_patch_api(request: HttpRequest, household_id: int,
                        payload: HouseholdPatch) -> dict[str, Any]:
    household = household_get(actor=request.user, pk=household_id, action="change")
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    updated = services.household_update(actor=request.user, household=household,  # type: ignore[arg-type]
                                        version=version, **fields)
    return _detail(request, updated, reveal=False)


@router.get("/{household_id}/members", response=list[MemberOut], summary="家庭成员（默认脱敏）")
def member_list_api(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    household = household_get(actor=request.user, pk=household_id)
    return [_member(m, reveal=False) for m in household_members(household=household)]


@router.post("/{household_id}/members", response={201: MemberOut}, summary="新增成员")
def member_create_api(request: HttpRequest, household_id: int,
                      payload: MemberIn) -> Status:
    household = household_get(actor=request.user, pk=household_id, action="change")
    data = {k: v for k, v in payload.dict().items() if v is not None}
    member = services.member_add(actor=request.user, household=household, data=data)  # type: ignore[arg-type]
    return Status(201, _member(member, reveal=False))


@router.get("/{household_id}/ledgers", response=list[LedgerOut], summary="收支台账")
def ledger_list_api(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    household = household_get(actor=request.user, pk=household_id)
    return [_ledger(lg) for lg in household_ledgers(household=household)]


@router.put("/{household_id}/ledgers/{year}", response=LedgerOut,
            summary="填报或修改某年收支（修改须带版本号）")
def ledger_put_api(request: HttpRequest, household_id: int, year: int,
                   payload: LedgerIn) -> dict[str, Any]:
    household = household_get(actor=request.user, pk=household_id, action="change")
    amounts = payload.dict(exclude_unset=True)
    version = amounts.pop("version", None)
    ledger = services.ledger_save(actor=request.user, household=household, year=year,  # type: ignore[arg-type]
                                  version=version,
                                  **{k: v for k, v in amounts.items() if v is not None})
    return _ledger(ledger)


@members_router.patch("/{member_id}", response=MemberOut, summary="修改成员（须带版本号）")
def member_patch_api(request: HttpRequest, member_id: int, payload: MemberPatch) -> dict[str, Any]:
    member = member_get(actor=request.user, pk=member_id, action="change")
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    updated = services.member_update(actor=request.user, member=member, version=version,  # type: ignore[arg-type]
                                     **fields)
    return _member(updated, reveal=False)

