"""Reads of the household registry, always from the actor's scope."""

from __future__ import annotations

from typing import Any

from django.db import models

from minsheng.regions.models import Region
from minsheng.registry.models import Household


def household_list(*, actor: Any, within: Region | None = None,
                   include_archived: bool = False) -> models.QuerySet[Household]:
    qs = Household.objects.visible_to(actor).select_related("region")
    if within is not None:
        lo, hi = within.bounds
        qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
    if not include_archived:
        qs = qs.filter(archived=False)
    return qs


def household_get(*, actor: Any, pk: Any) -> Household:
    return Household.objects.select_related("region").get_visible(actor, "view", pk=pk)


def household_count(*, actor: Any, within: Region | None = None) -> int:
    return household_list(actor=actor, within=within).count()
