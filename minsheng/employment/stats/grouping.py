"""Grouping rows by region subtree, set-based (按区划汇总).

A region's subtree is one range of 12-digit codes (``regions.codes``), so the rows under a set
of regions of one level are grouped by the code's prefix of that level's length: one grouped
query per distinct level among the regions asked for, whatever their number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.db.models.functions import Substr

from minsheng.regions.codes import PREFIX_LENGTH, RegionLevel, subtree_bounds
from minsheng.regions.models import Region


def range_q(field_name: str, regions: Iterable[Region]) -> models.Q:
    """Rows whose ``field_name`` (a 12-digit code) lies in any of the regions' subtrees."""
    q = models.Q()
    for region in regions:
        lo, hi = subtree_bounds(region.code, region.level)
        q |= models.Q(**{f"{field_name}__gte": lo, f"{field_name}__lte": hi})
    return q


def by_level(regions: Sequence[Region]) -> dict[int, list[Region]]:
    levels: dict[int, list[Region]] = defaultdict(list)
    for region in regions:
        levels[region.level].append(region)
    return levels


def grouped(queryset: models.QuerySet[Any], code_field: str, regions: Sequence[Region],
            **aggregates: Any) -> dict[str, dict[str, Any]]:
    """``aggregates`` of ``queryset`` for each region's subtree, keyed by region code; the rows
    are placed by ``code_field`` (the village code). Regions without rows are absent."""
    out: dict[str, dict[str, Any]] = {}
    for level, group in by_level(regions).items():
        length = PREFIX_LENGTH[RegionLevel(level)]
        codes = {r.code[:length]: r.code for r in group}
        rows = (queryset.filter(range_q(code_field, group)).order_by()
                .annotate(_region_prefix=Substr(code_field, 1, length))
                .values("_region_prefix").annotate(**aggregates))
        for row in rows:
            code = codes.get(row.pop("_region_prefix"))
            if code is not None:
                out[code] = row
    return out

