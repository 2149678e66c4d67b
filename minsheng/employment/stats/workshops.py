"""Metric provider: 就业帮扶车间 at the end of the month (车间生产与吸纳就业).

A workshop counts from the date of its first status record (登记) on. Its status at the end of
the month is the latest dated status change (停产、复工记录) on or before that day:
在产 and 复工 count as producing, 停产 as stopped. 复工率 = producing ÷ all workshops × 100 (one
decimal), as the 2020 figures counted resumed workshops among all. Jobs (岗位) are the
``headcount`` of the producing workshops (the headcount as registered now; it has no history).
Workers in post (在岗务工人员) are the registered workers whose contract started on or before
the month's end and who had not left by then; 脱贫/监测 among them by their category.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import models

from minsheng.employment.choices import WorkshopStatus
from minsheng.employment.models import Workshop, WorkshopStatusChange, WorkshopWorker
from minsheng.employment.rules import month_end
from minsheng.employment.selectors import counted_worker_q
from minsheng.employment.stats.grouping import grouped, range_q
from minsheng.employment.stats.scale import rate
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region

METRICS: list[tuple[str, str, str]] = [
    ("workshops_total", "帮扶车间", "个"),
    ("workshops_producing", "在产车间（含复工）", "个"),
    ("workshops_stopped", "停产车间", "个"),
    ("workshops_resume_rate", "车间复工率", "%"),
    ("workshop_jobs", "在产车间岗位", "个"),
    ("workshop_workers", "车间在岗务工人员", "人"),
    ("workshop_lifted_workers", "其中脱贫人口和监测对象", "人"),
]
_INT_KEYS = [k for k, _label, _unit in METRICS if k != "workshops_resume_rate"]


def _workshop_states(regions: Sequence[Region], month: str) -> list[tuple[str, str, int]]:
    """(village code, status at the month's end, headcount) of each workshop registered by
    then inside the regions. One query."""
    end = month_end(month)
    latest = (WorkshopStatusChange.objects.filter(workshop=models.OuterRef("pk"), on__lte=end)
              .order_by("-on", "-id").values("to_status")[:1])
    return list(Workshop.objects.filter(range_q("region_id", regions)).order_by()
                .annotate(month_status=models.Subquery(latest))
                .filter(month_status__isnull=False)
                .values_list("region_id", "month_status", "headcount"))


def region_month_values(regions: Sequence[Region],
                        month: str) -> dict[str, dict[str, int | Decimal | None]]:
    out: dict[str, dict[str, int | Decimal | None]] = {
        r.code: {key: 0 for key in _INT_KEYS} for r in regions}
    bounds = [(r.code, *subtree_bounds(r.code, r.level)) for r in regions]
    for village, status, headcount in _workshop_states(regions, month):
        producing = status != WorkshopStatus.STOPPED
        for code, lo, hi in bounds:
            if lo <= village <= hi:
                values = out[code]
                values["workshops_total"] += 1  # type: ignore[operator]
                if producing:
                    values["workshops_producing"] += 1  # type: ignore[operator]
                    values["workshop_jobs"] += headcount  # type: ignore[operator]
                else:
                    values["workshops_stopped"] += 1  # type: ignore[operator]
    end = month_end(month)
    in_post = WorkshopWorker.objects.filter(
        models.Q(left_on__isnull=True) | models.Q(left_on__gt=end), contract_start__lte=end)
    workers = grouped(in_post, "workshop__region_id", regions,
                      workshop_workers=models.Count("id"),
                      workshop_lifted_workers=models.Count("id", filter=counted_worker_q(
                          on=end)))
    for code, values in out.items():
        values.update(workers.get(code, {}))
        values["workshops_resume_rate"] = rate(
            values["workshops_producing"], values["workshops_total"])  # type: ignore[arg-type]
    return out
