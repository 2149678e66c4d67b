"""Employment statistics (就业帮扶统计): transfer employment by area and destination,
脱贫劳动力务工规模 against yearly targets, workshop jobs, training outcomes and posts, by region
and month. A sub-app of employment.

The figures themselves are not stored: they are computed from the ledger, the workshops and the
other employment apps by the metric providers (``providers.py``). What is stored here is the
务工规模 targets (目标任务) handed down per county (or city, province) and month.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet

YEARLY = 0  # ``month`` of a whole-year target (全年目标)


class EmploymentTarget(models.Model):
    """The 脱贫劳动力务工规模 target of a county (or a city, a province) for one month of a year,
    or for the whole year (``month`` = 0), as decomposed and handed down (目标任务分解)."""

    region = models.ForeignKey(Region, verbose_name="区划（县及以上）", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份（0 为全年）",
                                             validators=[MaxValueValidator(12)])
    target = models.PositiveIntegerField("脱贫劳动力务工规模目标（人）")
    reference = models.CharField("依据文件", max_length=200, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最后修改人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "务工规模目标"
        verbose_name_plural = "务工规模目标"
        ordering = ["region_id", "year", "month"]
        permissions = [("view_employmentstats", "查看就业帮扶统计"),
                       ("export_employmentstats", "导出就业帮扶统计")]
        constraints = [
            # Also the index of every lookup: a year's targets of a region (subtree: a range).
            models.UniqueConstraint(fields=["year", "region", "month"],
                                    name="employment_target_once",
                                    violation_error_message="该区划该月份的目标已经录入。"),
            models.CheckConstraint(condition=models.Q(month__lte=12),
                                   name="employment_target_month_0_12"),
        ]

    def __str__(self) -> str:
        when = "全年" if self.month == YEARLY else f"{self.month}月"
        return f"{self.region_id} {self.year}年{when} {self.target}人"

    @property
    def month_label(self) -> str:
        return "全年" if self.month == YEARLY else f"{self.month} 月"
