"""Reads of department data, always from the actor's scope (部门数据比对查询)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import models

from minsheng.core.errors import NotFound
from minsheng.core.masking import mask_id_number
from minsheng.departments.models import (
    DepartmentLead,
    DepartmentUpload,
    LeadStatus,
    LeadStatusChange,
)
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import scope_bounds
from minsheng.registry.models import Member

_CHUNK = 900


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def members_by_id(*, actor: Any, id_numbers: list[str]) -> dict[str, Member]:
    """Active members of active households in the actor's assigned regions, by ID number.

    A liaison holds no household permission, so this scopes by the actor's region assignments
    directly: a person registered outside them is "not matched", never revealed."""
    bounds = scope_bounds(actor)
    if not bounds or not id_numbers:
        return {}
    in_scope = models.Q()
    for lo, hi in bounds:
        in_scope |= models.Q(household__region_id__gte=lo, household__region_id__lte=hi)
    found: dict[str, Member] = {}
    for chunk in _chunks(sorted(set(id_numbers))):
        for member in (Member.objects.filter(in_scope, active=True, id_number__in=chunk,
                                             household__archived=False)
                       .select_related("household")):
            found[member.id_number] = member
    return found


def existing_lead_ids(*, department: str, period: str, id_numbers: list[str]) -> set[str]:
    """ID numbers already pushed for this department and period (whoever pushed them)."""
    out: set[str] = set()
    for chunk in _chunks(sorted(set(id_numbers))):
        out.update(DepartmentLead.objects.filter(department=department, period=period,
                                                 id_number__in=chunk)
                   .values_list("id_number", flat=True))
    return out


# --- Uploads --------------------------------------------------------------------------------

def upload_list(*, actor: Any, department: str = "") -> models.QuerySet[DepartmentUpload]:
    qs = DepartmentUpload.objects.visible_to(actor).select_related("batch", "batch__created_by")
    if department:
        qs = qs.filter(department=department)
    return qs.order_by("-created_at", "-id")


def upload_get(*, actor: Any, pk: Any) -> DepartmentUpload:
    return DepartmentUpload.objects.select_related("batch", "region").get_visible(actor, pk=pk)


# --- Leads ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadFilter:
    """Filters shared by the web list, the API list and the feedback export."""

    department: str = ""
    period: str = ""
    status: str = ""
    township: str = ""
    threshold_reached: bool | None = None
    name_mismatch: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


def lead_list(*, actor: Any, filters: LeadFilter | None = None) -> models.QuerySet[DepartmentLead]:
    f = filters or LeadFilter()
    qs = DepartmentLead.objects.visible_to(actor).select_related("region", "township")
    if f.department:
        qs = qs.filter(department=f.department)
    if f.period:
        qs = qs.filter(period=f.period)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.township:
        qs = qs.filter(township_id=f.township)
    if f.threshold_reached is not None:
        qs = qs.filter(threshold_reached=f.threshold_reached)
    if f.name_mismatch is not None:
        qs = qs.filter(name_mismatch=f.name_mismatch)
    return qs.order_by("-period", "department", "region_id", "id")


def lead_get(*, actor: Any, pk: Any, action: str = "view") -> DepartmentLead:
    return DepartmentLead.objects.select_related(
        "region", "township", "household", "upload").get_visible(actor, action, pk=pk)


def lead_history(*, lead: DepartmentLead) -> list[LeadStatusChange]:
    return list(lead.changes.select_related("township").order_by("at", "id"))


def lead_periods(*, actor: Any) -> list[str]:
    return list(DepartmentLead.objects.visible_to(actor).order_by("-period")
                .values_list("period", flat=True).distinct())


def townships_for(*, actor: Any) -> list[Region]:
    """Townships the actor may assign leads to (inside its scope)."""
    q = models.Q()
    bounds = scope_bounds(actor)
    if not bounds:
        return []
    for lo, hi in bounds:
        q |= models.Q(code__gte=lo, code__lte=hi)
    return list(Region.objects.filter(q, level=RegionLevel.TOWNSHIP).order_by("code"))


def township_get(*, actor: Any, code: str) -> Region:
    region = next((r for r in townships_for(actor=actor) if r.code == code), None)
    if region is None:
        raise NotFound("所选乡镇不存在或不在您的管辖范围内。")
    return region


def can_see_registry(actor: Any) -> bool:
    return bool(actor.has_perm("registry.view_household"))


def lead_row(lead: DepartmentLead, *, reveal: bool = False) -> dict[str, Any]:
    """A lead as plain data (API, lists): the ID number masked unless revealed."""
    return {
        "id": lead.pk, "department": lead.department,
        "department_label": lead.get_department_display(), "period": lead.period,
        "name": lead.name, "id_number": lead.id_number if reveal else mask_id_number(
            lead.id_number),
        "name_mismatch": lead.name_mismatch, "region_code": lead.region_id,
        "region_name": lead.region.name, "township_code": lead.township_id or "",
        "township_name": lead.township.name if lead.township else "",
        "status": lead.status, "status_label": LeadStatus(lead.status).label,
        "threshold_reached": lead.threshold_reached, "verification": lead.verification,
        "decision_reason": lead.decision_reason, "details": lead.details,
        "version": lead.version, "row_number": lead.row_number,
    }
