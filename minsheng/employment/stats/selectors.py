"""Reads of the employment statistics, always inside the actor's scope (就业帮扶统计查询).

The table: the chosen region (the actor's own by default) and its children, each with every
provider's metrics for one month; the total row is the chosen region's own values (a provider's
value covers the whole subtree, so rates come out right, not as sums of rates). The trend: the
chosen region month by month from January (one call per provider and month, at most 12).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from minsheng.core.errors import NotFound
from minsheng.employment.stats import providers
from minsheng.employment.stats.models import EmploymentTarget
from minsheng.regions.codes import PREFIX_LENGTH, RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope, holds_perm
from minsheng.regions.selectors import region_children, region_get, region_roots

STATS_VIEW = "employment_stats.view_employmentstats"
STATS_EXPORT = "employment_stats.export_employmentstats"
TARGET_VIEW = "employment_stats.view_employmenttarget"
TARGET_ADD = "employment_stats.add_employmenttarget"
TARGET_CHANGE = "employment_stats.change_employmenttarget"
TARGET_DELETE = "employment_stats.delete_employmenttarget"


def _need(actor: Any, perm: str) -> None:
    if not holds_perm(actor, perm):
        raise NotFound()


def stats_region(*, actor: Any, code: str = "") -> Region:
    """The region to report on: ``code`` when it is in the actor's scope (else NotFound), or the
    actor's assigned region (the first one, by code, when there are several)."""
    if code:
        return region_get(actor=actor, code=code)
    roots = region_roots(actor=actor)
    if not roots:
        raise NotFound()
    return roots[0]


def breadcrumb(*, actor: Any, region: Region) -> list[tuple[Region, bool]]:
    """The region's ancestors and itself, each with whether the actor may open it."""
    codes = [region.code[:PREFIX_LENGTH[RegionLevel(level)]].ljust(12, "0")
             for level in range(RegionLevel.PROVINCE, region.level)]
    ancestors = {r.code: r for r in Region.objects.filter(code__in=codes)}
    chain = [ancestors[c] for c in codes if c in ancestors] + [region]
    return [(r, code_in_scope(actor, r.code)) for r in chain]


@dataclass
class StatsRow:
    region: Region
    values: dict[str, Any]
    drillable: bool = False


@dataclass
class StatsTable:
    month: str
    region: Region
    metrics: list[providers.Metric]
    rows: list[StatsRow] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)


def stats_table(*, actor: Any, month: str, code: str = "") -> StatsTable:
    """Every provider's metrics for the region's children and (the total) the region itself."""
    _need(actor, STATS_VIEW)
    region = stats_region(actor=actor, code=code)
    children = list(region_children(actor=actor, parent=region))
    modules = providers.load()
    values = providers.values([region, *children], month, modules)
    table = StatsTable(month, region, providers.metrics(modules), total=values[region.code])
    for child in children:
        table.rows.append(StatsRow(child, values[child.code],
                                   drillable=child.level < RegionLevel.VILLAGE))
    return table


def months_to(month: str) -> list[str]:
    """January of the month's year up to the month itself (at most 12)."""
    year, number = month.split("-")
    return [f"{year}-{m:02d}" for m in range(1, int(number) + 1)]


def stats_trend(*, actor: Any, month: str, region: Region) -> list[tuple[str, dict[str, Any]]]:
    """The region's values month by month from January to ``month``: one call per provider
    and month."""
    _need(actor, STATS_VIEW)
    if not code_in_scope(actor, region.code):
        raise NotFound()
    modules = providers.load()
    return [(m, providers.values([region], m, modules)[region.code]) for m in months_to(month)]


# --- Targets --------------------------------------------------------------------------------

def target_list(*, actor: Any, year: int | None = None,
                within: str = "") -> models.QuerySet[EmploymentTarget]:
    qs = EmploymentTarget.objects.visible_to(actor).select_related("region", "updated_by")
    if year:
        qs = qs.filter(year=year)
    if within:
        region = region_get(actor=actor, code=within)
        from minsheng.employment.stats.grouping import range_q

        qs = qs.filter(range_q("region_id", [region]))
    return qs.order_by("-year", "region_id", "month")


def target_get(*, actor: Any, pk: Any, action: str = "view") -> EmploymentTarget:
    return EmploymentTarget.objects.select_related("region").get_visible(actor, action, pk=pk)


def target_row(t: EmploymentTarget) -> dict[str, Any]:
    return {"id": t.pk, "region_code": t.region_id, "region_name": t.region.name,
            "year": t.year, "month": t.month, "month_label": t.month_label,
            "target": t.target, "reference": t.reference, "note": t.note,
            "version": t.version}


def target_regions(*, actor: Any) -> list[Region]:
    """The regions the actor may enter targets for: counties and above in its scope."""
    if not holds_perm(actor, TARGET_ADD):
        return []
    from minsheng.employment.stats.grouping import range_q

    roots = region_roots(actor=actor)
    if not roots:
        return []
    return list(Region.objects.filter(range_q("code", roots), level__lte=RegionLevel.COUNTY)
                .order_by("code")[:2000])


# --- Workshop map ---------------------------------------------------------------------------

@dataclass
class MapPoint:
    workshop: Any
    lng: float | None
    lat: float | None
    source: str  # where the coordinates come from (车间 / 所在村 / 企业), "" when there are none


def _model_fields(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _village_locations(codes: set[str]) -> dict[str, tuple[float, float]]:
    """Village coordinates where the employment app keeps them (``VillageLocation``)."""
    from django.apps import apps

    try:
        model = apps.get_model("employment", "VillageLocation")
    except LookupError:
        return {}
    return {code: (float(lng), float(lat)) for code, lng, lat in
            model.objects.filter(region_id__in=codes).values_list("region_id", "lng", "lat")}


def workshop_map(*, actor: Any, within: str = "") -> list[MapPoint]:
    """The workshops in scope with the coordinates to plot: the workshop's own when the model
    has them and they are filled, else its village's (when recorded), else its enterprise's."""
    from minsheng.employment.models import Workshop
    from minsheng.employment.selectors import workshop_list

    workshops = list(workshop_list(actor=actor, within=within))
    own = {"lng", "lat"} <= _model_fields(Workshop)
    villages = _village_locations({w.region_id for w in workshops})
    points = []
    for w in workshops:
        point = MapPoint(w, None, None, "")
        if own and getattr(w, "lng", None) is not None and getattr(w, "lat", None) is not None:
            point = MapPoint(w, float(w.lng), float(w.lat), "车间")
        elif w.region_id in villages:
            point = MapPoint(w, *villages[w.region_id], "所在村")
        elif w.enterprise.lng is not None and w.enterprise.lat is not None:
            point = MapPoint(w, float(w.enterprise.lng), float(w.enterprise.lat), "企业")
        points.append(point)
    return points
