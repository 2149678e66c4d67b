"""Reads of the household registry, always from the actor's scope."""

from __future__ import annotations

from typing import Any

from django.db import models

from minsheng.core.masking import mask_bank_account, mask_id_number, mask_phone
from minsheng.regions.models import Region
from minsheng.regions.scoping import scope_bounds
from minsheng.registry.filters import HouseholdFilter, apply_household_filter
from minsheng.registry.models import Household, HouseholdChange, IncomeLedger, Member


def can_reveal(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.has_perm("core.reveal_pii"))


def household_list(*, actor: Any, within: Region | None = None,
                   filters: HouseholdFilter | None = None,
                   include_archived: bool = False) -> models.QuerySet[Household]:
    qs = Household.objects.visible_to(actor).select_related("region")
    bounds = scope_bounds(actor)
    if within is not None:
        lo, hi = within.bounds
        qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
        bounds = [within.bounds]
    f = filters or HouseholdFilter(include_archived=include_archived)
    return apply_household_filter(qs, f, actor=actor, bounds=bounds).order_by(
        "region_id", "household_no")


def household_get(*, actor: Any, pk: Any, action: str = "view") -> Household:
    return Household.objects.select_related("region").get_visible(actor, action, pk=pk)


def household_count(*, actor: Any, within: Region | None = None) -> int:
    return household_list(actor=actor, within=within).count()


def household_members(*, household: Household, include_inactive: bool = False) -> list[Member]:
    qs = household.members.all()
    if not include_inactive:
        qs = qs.filter(active=True)
    head_first = models.Case(models.When(relation="head", then=0), default=1)
    return list(qs.order_by(head_first, "birth_date", "id"))


def household_ledgers(*, household: Household) -> list[IncomeLedger]:
    return list(household.ledgers.order_by("year"))


def household_timeline(*, household: Household, limit: int = 200) -> list[HouseholdChange]:
    return list(household.changes.order_by("-at", "-id")[:limit])


def member_get(*, actor: Any, pk: Any, action: str = "view") -> Member:
    return Member.objects.select_related("household", "household__region").get_visible(
        actor, action, pk=pk)


def ledger_get(*, actor: Any, pk: Any, action: str = "view") -> IncomeLedger:
    return IncomeLedger.objects.select_related("household").get_visible(actor, action, pk=pk)


# --- Masking and reveal ---------------------------------------------------------------------

def masked_member(member: Member, *, reveal: bool) -> dict[str, str]:
    if reveal:
        return {"id_number": member.id_number, "phone": member.phone}
    return {"id_number": mask_id_number(member.id_number), "phone": mask_phone(member.phone)}


def masked_household(household: Household, *, reveal: bool) -> dict[str, str]:
    if reveal:
        return {"phone": household.phone, "bank_account": household.bank_account}
    return {"phone": mask_phone(household.phone),
            "bank_account": mask_bank_account(household.bank_account)}
