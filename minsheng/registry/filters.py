"""Household filters shared by the web list, the API list and the export (农户筛选条件)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from minsheng.core.errors import PermissionDenied
from minsheng.registry.models import Household, IncomeLedger, Member, SearchKey
from minsheng.registry.search import is_initials_query, normalize_query

_ID_QUERY = re.compile(r"^\d{17}[\dXx]$")

INCOME_COMPONENTS = (
    "wage_income", "business_income", "property_income", "transfer_family_planning",
    "transfer_dibao", "transfer_tekun", "transfer_pension", "transfer_eco_compensation",
    "transfer_other",
)


@dataclass(frozen=True)
class HouseholdFilter:
    q: str = ""
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

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v)
                for k, v in asdict(self).items() if v not in ("", None, False)}


def _member_exists(**conditions: Any) -> Exists:
    return Exists(Member.objects.filter(household=OuterRef("pk"), active=True, **conditions))


def apply_household_filter(qs: models.QuerySet[Household], f: HouseholdFilter,
                           *, actor: Any,
                           bounds: list[tuple[str, str]] | None = None) -> models.QuerySet[Household]:
    """``bounds`` (code ranges the list is already limited to) let the name search narrow by
    region inside the search-key index instead of matching the whole province first."""
    if not f.include_archived:
        qs = qs.filter(archived=False)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.labour_capacity:
        qs = qs.filter(_member_exists(labour_capacity=f.labour_capacity))
    if f.health:
        qs = qs.filter(_member_exists(health=f.health))
    if f.insurance_gap:
        qs = qs.filter(_member_exists(medical_insurance=False))
    if f.housing_unsafe:
        qs = qs.filter(housing_grade__in=["C", "D"])
    if f.water_unsafe:
        qs = qs.filter(Q(water_quantity_ok=False) | Q(water_quality_ok=False)
                       | Q(water_convenience_ok=False) | Q(water_assurance_ok=False))
    if f.relocated:
        qs = qs.filter(relocated=True)
    if f.income_min is not None or f.income_max is not None:
        ledgers = IncomeLedger.objects.filter(household=OuterRef("pk"))
        if f.income_year:
            ledgers = ledgers.filter(year=f.income_year)
        total = sum((models.F(name) for name in INCOME_COMPONENTS[1:]),
                    models.F(INCOME_COMPONENTS[0]))
        ledgers = ledgers.annotate(total=total)
        if f.income_min is not None:
            ledgers = ledgers.filter(total__gte=f.income_min)
        if f.income_max is not None:
            ledgers = ledgers.filter(total__lte=f.income_max)
        qs = qs.filter(Exists(ledgers))
    if f.q:
        qs = _search(qs, f.q, actor=actor, bounds=bounds)
    return qs


def _search(qs: models.QuerySet[Household], text: str, *, actor: Any,
            bounds: list[tuple[str, str]] | None) -> models.QuerySet[Household]:
    query = normalize_query(text)
    if _ID_QUERY.match(query):
        if not actor.has_perm("core.reveal_pii"):
            raise PermissionDenied("您的角色不能按完整身份证号查询，请按姓名或拼音首字母查询。")
        # Through the unique index of active members' ID numbers, not a probe per household.
        return qs.filter(pk__in=Member.objects.filter(id_number=query.upper(), active=True)
                         .values("household_id"))
    if is_initials_query(query) or not query.isascii():
        # startswith keeps it correct; the range lets SQLite use the index as PostgreSQL's
        # pattern index does for LIKE.
        keys = SearchKey.objects.filter(key__startswith=query, key__gte=query,
                                        key__lt=query + "\U0010ffff")
        if bounds:
            area = Q()
            for lo, hi in bounds:
                area |= Q(region_code__gte=lo, region_code__lte=hi)
            keys = keys.filter(area)
        return qs.filter(Q(pk__in=keys.values("household_id")) | Q(household_no=text.strip()))
    return qs.filter(household_no__startswith=text.strip())
