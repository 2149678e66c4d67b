"""Reads of employment assistance, always from the actor's scope (就业帮扶查询)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.functions import Substr

from minsheng.core.errors import NotFound
from minsheng.core.masking import mask_id_number, mask_phone
from minsheng.employment.choices import LABOUR_CAPACITIES, WorkerCategory, WorkStatus
from minsheng.employment.models import (
    Enterprise,
    LabourProfile,
    LabourStatus,
    Workshop,
    WorkshopStatusChange,
    WorkshopSubsidy,
    WorkshopWorker,
)
from minsheng.employment.rules import (
    AgeBounds,
    WorkerFact,
    labour_age_bounds,
    month_end,
    workshop_recognition_for,
)
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region
from minsheng.regions.scoping import holds_perm, scope_bounds
from minsheng.registry.choices import HouseholdCategory
from minsheng.registry.models import Household, Member

LEDGER_VIEW = "employment.view_labourstatus"
LEDGER_CHANGE = "employment.change_labourstatus"
LEDGER_EXPORT = "employment.export_labourstatus"


# --- Scope ----------------------------------------------------------------------------------

def _ranges(actor: Any, perm: str, within: str = "") -> list[tuple[str, str]]:
    """The village-code ranges the actor may act on with ``perm``, narrowed to ``within``
    (a region code in scope, else NotFound). Empty when the actor holds no such right."""
    if not holds_perm(actor, perm):
        return []
    bounds = scope_bounds(actor)
    if within:
        region = Region.objects.filter(code=within).first()
        if region is None or not any(lo <= region.code <= hi for lo, hi in bounds):
            raise NotFound("所选区域不存在或不在您的管辖范围内。")
        lo, hi = subtree_bounds(region.code, region.level)
        bounds = [(max(lo, a), min(hi, b)) for a, b in bounds if a <= hi and lo <= b]
    return bounds


def _range_q(field_name: str, ranges: list[tuple[str, str]]) -> models.Q:
    q = models.Q()
    for lo, hi in ranges:
        q |= models.Q(**{f"{field_name}__gte": lo, f"{field_name}__lte": hi})
    return q


# --- Labour force ---------------------------------------------------------------------------

def _county_bounds(household_q: models.Q, on: dt.date) -> dict[str, AgeBounds]:
    counties = (Household.objects.filter(household_q).order_by()
                .annotate(county=Substr("region_id", 1, 6))
                .values_list("county", flat=True).distinct())
    return {c: labour_age_bounds(on=on, region_code=c) for c in counties}


def labour_force_q(ranges: list[tuple[str, str]], on: dt.date) -> models.Q | None:
    """Members of the labour force on ``on`` inside ``ranges``: active, in a household that is
    not archived, with labour capacity, and aged within the bounds in force for their county."""
    if not ranges:
        return None
    household_q = _range_q("region_id", ranges) & models.Q(archived=False)
    by_county = _county_bounds(household_q, on)
    if not by_county:
        return None
    ages = models.Q()
    for county, bounds in by_county.items():
        after, upto = bounds.birth_range(on)
        ages |= models.Q(household__region_id__gte=county + "000000",
                         household__region_id__lte=county + "999999",
                         birth_date__gt=after, birth_date__lte=upto)
    return (_range_q("household__region_id", ranges) & ages
            & models.Q(active=True, household__archived=False,
                       labour_capacity__in=LABOUR_CAPACITIES))


def labour_force_list(*, actor: Any, month: str, within: str = "",
                      search: str = "") -> models.QuerySet[Member]:
    """The labour force of the month in the actor's scope (or a region inside it)."""
    q = labour_force_q(_ranges(actor, LEDGER_VIEW, within), month_end(month))
    if q is None:
        return Member.objects.none()
    qs = Member.objects.filter(q).select_related("household", "household__region")
    if search:
        qs = qs.filter(models.Q(name__contains=search) | models.Q(household__household_no=search))
    return qs.order_by("household__region_id", "household__household_no", "id")


def labour_member_get(*, actor: Any, pk: Any, action: str = "view") -> Member:
    """An active member of a non-archived household in the actor's scope, else NotFound."""
    ranges = _ranges(actor, f"employment.{action}_labourstatus")
    if not ranges:
        raise NotFound()
    member = (Member.objects.filter(_range_q("household__region_id", ranges), pk=pk,
                                    active=True, household__archived=False)
              .select_related("household", "household__region").first())
    if member is None:
        raise NotFound()
    return member


def statuses_for(member_ids: list[int], months: list[str]) -> dict[tuple[int, str], LabourStatus]:
    rows = LabourStatus.objects.filter(member_id__in=member_ids, month__in=months)
    return {(s.member_id, s.month): s for s in rows}


def status_get(*, member: Member, month: str) -> LabourStatus | None:
    return LabourStatus.objects.filter(member=member, month=month).first()


def status_before(*, member: Member, month: str) -> LabourStatus | None:
    """The latest status recorded before ``month`` (normally last month's)."""
    return (LabourStatus.objects.filter(member=member, month__lt=month).order_by("-month")
            .first())


def status_history(*, member: Member, limit: int = 12) -> list[LabourStatus]:
    return list(LabourStatus.objects.filter(member=member).select_related("updated_by")
                .order_by("-month")[:limit])


def profile_get(*, member: Member) -> LabourProfile | None:
    return LabourProfile.objects.filter(member=member).first()


# --- Coverage -------------------------------------------------------------------------------

@dataclass
class CoverageRow:
    region_code: str
    region_name: str
    households: int = 0  # households with labour force
    covered: int = 0  # of which at least one labour-force member works this month
    labour: int = 0
    employed: int = 0
    recorded: int = 0  # labour-force members with a status this month

    @property
    def share(self) -> Decimal | None:
        if not self.households:
            return None
        return (Decimal(self.covered) * 100 / Decimal(self.households)).quantize(Decimal("0.1"))

    @property
    def uncovered(self) -> int:
        return self.households - self.covered


@dataclass
class Coverage:
    month: str
    rows: list[CoverageRow] = field(default_factory=list)
    total: CoverageRow = field(default_factory=lambda: CoverageRow("", "合计"))


def coverage(*, actor: Any, month: str, within: str = "") -> Coverage:
    """"每户至少一人就业": per village, the households with labour force and how many of them
    have at least one labour-force member working (务工) in the month. Set-based: three grouped
    queries whatever the number of villages."""
    result = Coverage(month)
    q = labour_force_q(_ranges(actor, LEDGER_VIEW, within), month_end(month))
    if q is None:
        return result
    labour = Member.objects.filter(q)
    village = "household__region_id"
    stats: dict[str, CoverageRow] = {}

    def row(code: str) -> CoverageRow:
        return stats.setdefault(code, CoverageRow(code, ""))

    for r in labour.values(village).annotate(h=models.Count("household_id", distinct=True),
                                             n=models.Count("id")):
        row(r[village]).households, row(r[village]).labour = r["h"], r["n"]
    month_status = LabourStatus.objects.filter(member_id=models.OuterRef("pk"), month=month)
    working = labour.filter(models.Exists(month_status.filter(status=WorkStatus.EMPLOYED)))
    for r in working.values(village).annotate(h=models.Count("household_id", distinct=True),
                                              n=models.Count("id")):
        row(r[village]).covered, row(r[village]).employed = r["h"], r["n"]
    for r in labour.filter(models.Exists(month_status)).values(village).annotate(
            n=models.Count("id")):
        row(r[village]).recorded = r["n"]
    names = dict(Region.objects.filter(code__in=stats).values_list("code", "name"))
    for code in sorted(stats):
        item = stats[code]
        item.region_name = names.get(code, code)
        result.rows.append(item)
        for attr in ("households", "covered", "labour", "employed", "recorded"):
            setattr(result.total, attr, getattr(result.total, attr) + getattr(item, attr))
    return result


# --- Enterprises and workshops --------------------------------------------------------------

@dataclass(frozen=True)
class EnterpriseFilter:
    q: str = ""
    sector: str = ""


def enterprise_list(*, actor: Any, filters: EnterpriseFilter | None = None,
                    ) -> models.QuerySet[Enterprise]:
    f = filters or EnterpriseFilter()
    qs = Enterprise.objects.visible_to(actor).select_related("region")
    if f.q:
        qs = qs.filter(models.Q(name__contains=f.q) | models.Q(uscc=f.q.upper()))
    if f.sector:
        qs = qs.filter(sector=f.sector)
    return qs.annotate(workshop_count=models.Count("workshops")).order_by("region_id", "name",
                                                                          "id")


def enterprise_get(*, actor: Any, pk: Any, action: str = "view") -> Enterprise:
    return Enterprise.objects.select_related("region").get_visible(actor, action, pk=pk)


def enterprise_row(e: Enterprise, *, reveal: bool = False) -> dict[str, Any]:
    return {"id": e.pk, "uscc": e.uscc, "name": e.name, "region_code": e.region_id,
            "region_name": e.region.name, "address": e.address,
            "lng": str(e.lng) if e.lng is not None else None,
            "lat": str(e.lat) if e.lat is not None else None,
            "sector": e.sector, "sector_label": e.get_sector_display(),
            "contact_name": e.contact_name,
            "contact_phone": e.contact_phone if reveal else mask_phone(e.contact_phone),
            "version": e.version}


@dataclass(frozen=True)
class WorkshopFilter:
    q: str = ""
    status: str = ""
    workshop_type: str = ""
    recognized: bool | None = None
    enterprise: int | None = None


def workshop_list(*, actor: Any, filters: WorkshopFilter | None = None,
                  within: str = "") -> models.QuerySet[Workshop]:
    f = filters or WorkshopFilter()
    qs = Workshop.objects.visible_to(actor).select_related("region", "enterprise")
    if within:
        qs = qs.filter(_range_q("region_id", _ranges(actor, "employment.view_workshop", within)))
    if f.q:
        qs = qs.filter(models.Q(name__contains=f.q) | models.Q(enterprise__name__contains=f.q))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.workshop_type:
        qs = qs.filter(workshop_type=f.workshop_type)
    if f.recognized is not None:
        qs = qs.filter(recognized=f.recognized)
    if f.enterprise:
        qs = qs.filter(enterprise_id=f.enterprise)
    active = models.Q(workers__left_on__isnull=True)
    return qs.annotate(
        lifted_workers=models.Count("workers", filter=active & counted_worker_q(
            prefix="workers__"), distinct=True),
    ).order_by("region_id", "name", "id")


def counted_worker_q(on: dt.date | None = None, prefix: str = "") -> models.Q:
    """Whether a workshop worker counts as 脱贫人口（含监测对象）on ``on`` (today when None). A
    worker linked to a registry member is decided by the registry: the household a 脱贫户, or a
    监测对象 that day (its monitoring case, ``case_selectors.monitored_households``). A worker
    from outside the registry keeps the category declared at registration. ``prefix`` names
    the relation from the queried model (``"workers__"`` from a workshop)."""
    from minsheng.monitoring.case_selectors import monitored_households

    def q(**lookups: Any) -> models.Q:
        return models.Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    return (q(member__isnull=True,
              category__in=(WorkerCategory.LIFTED, WorkerCategory.MONITORED))
            | q(member__household__category=HouseholdCategory.LIFTED)
            | q(member__household_id__in=monitored_households(on)))


def workshop_get(*, actor: Any, pk: Any, action: str = "view") -> Workshop:
    return Workshop.objects.select_related("region", "enterprise").get_visible(actor, action,
                                                                              pk=pk)


def workshop_workers(*, workshop: Workshop) -> list[WorkshopWorker]:
    return list(workshop.workers.select_related("member").order_by("left_on", "id"))


def worker_get(*, actor: Any, pk: Any, action: str = "view") -> WorkshopWorker:
    return WorkshopWorker.objects.select_related("workshop").get_visible(actor, action, pk=pk)


def worker_row(w: WorkshopWorker) -> dict[str, Any]:
    return {"id": w.pk, "name": w.name, "id_number": mask_id_number(w.id_number),
            "member_id": w.member_id, "category": w.category,
            "category_label": w.get_category_display(),
            "contract_start": w.contract_start.isoformat(), "contract_months": w.contract_months,
            "left_on": w.left_on.isoformat() if w.left_on else None, "version": w.version}


def workshop_subsidies(*, workshop: Workshop) -> tuple[list[WorkshopSubsidy], dict[str, Any]]:
    """The subsidies granted and their totals, per kind and overall."""
    items = list(workshop.subsidies.order_by("-granted_on", "-id"))
    by_kind: dict[str, Decimal] = {}
    for s in items:
        by_kind[s.get_kind_display()] = by_kind.get(s.get_kind_display(), Decimal("0")) + s.amount
    return items, {"by_kind": by_kind, "total": sum((s.amount for s in items), Decimal("0"))}


def workshop_status_history(*, workshop: Workshop) -> list[WorkshopStatusChange]:
    return list(workshop.status_changes.order_by("on", "id"))


def worker_facts(workshop: Workshop, *, on: dt.date | None = None) -> list[WorkerFact]:
    """The workers as the recognition rule reads them, each with the category that counts on
    ``on`` (today when None): for a worker linked to a registry member, the registry's —
    脱贫人口 when the household is a 脱贫户, 监测对象 when it is one that day, else 其他人员 —;
    for a worker from outside the registry, the category declared (``counted_worker_q``)."""
    from minsheng.monitoring.case_selectors import monitored_households

    workers = list(workshop.workers.select_related("member__household"))
    monitored = set(monitored_households(on).filter(
        household_id__in={w.member.household_id for w in workers if w.member_id})
        .values_list("household_id", flat=True))

    def category(w: WorkshopWorker) -> str:
        if w.member_id is None:
            return w.category
        if w.member.household.category == HouseholdCategory.LIFTED:
            return WorkerCategory.LIFTED
        if w.member.household_id in monitored:
            return WorkerCategory.MONITORED
        return WorkerCategory.OTHER

    return [WorkerFact(category(w), w.contract_start, w.contract_months, w.left_on)
            for w in workers]


def workshop_recognition_check(*, workshop: Workshop, on: dt.date) -> Any:
    """Whether the workshop meets the recognition criteria on ``on`` (not stored)."""
    return workshop_recognition_for(worker_facts(workshop, on=on), on=on,
                                    region_code=workshop.region_id)


def workshop_row(w: Workshop) -> dict[str, Any]:
    return {"id": w.pk, "name": w.name, "enterprise_id": w.enterprise_id,
            "enterprise_name": w.enterprise.name, "region_code": w.region_id,
            "region_name": w.region.name, "workshop_type": w.workshop_type,
            "workshop_type_label": w.get_workshop_type_display(), "address": w.address,
            "headcount": w.headcount, "status": w.status, "status_label": w.get_status_display(),
            "status_since": w.status_since.isoformat() if w.status_since else None,
            "recognized": w.recognized,
            "recognized_on": w.recognized_on.isoformat() if w.recognized_on else None,
            "lifted_workers": getattr(w, "lifted_workers", None), "version": w.version}


def villages_for(*, actor: Any, perm: str) -> list[Region]:
    """Villages the actor may act on with ``perm`` (for choosing a workshop's village)."""
    ranges = _ranges(actor, perm)
    if not ranges:
        return []
    return list(Region.objects.filter(_range_q("code", ranges), level=5).order_by("code")[:2000])


def counties_for(*, actor: Any, perm: str) -> list[Region]:
    ranges = _ranges(actor, perm)
    if not ranges:
        return []
    return list(Region.objects.filter(_range_q("code", ranges), level=3).order_by("code"))
