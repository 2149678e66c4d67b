"""Administrative divisions (行政区划) and staff ↔ region assignments (账号管辖范围)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.scoping import ScopedQuerySet


class RegionQuerySet(ScopedQuerySet["Region"]):
    def within(self, region: Region) -> RegionQuerySet:
        lo, hi = region.bounds
        return self.filter(code__gte=lo, code__lte=hi)


class Region(models.Model):
    """One 省/市/县/乡/村 with its 12-digit 统计用区划代码 (NBS) as primary key."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    # Scope: a region is visible when its own code lies in an assigned subtree.
    region_path = ""

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        default_permissions = ("view", "add", "change")
        indexes = [models.Index(fields=["level", "code"], name="regions_level_code")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="regions_region_level_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bounds(self) -> tuple[str, str]:
        return subtree_bounds(self.code, self.level)

    def contains(self, other: Region | str) -> bool:
        code = other if isinstance(other, str) else other.code
        lo, hi = self.bounds
        return lo <= code <= hi

    def ancestors(self) -> list[Region]:
        """Ancestors from the province down to the parent (one query)."""
        from minsheng.regions.codes import PREFIX_LENGTH

        codes = [
            code[:length].ljust(12, "0")
            for level, length in PREFIX_LENGTH.items()
            if level < self.level
            for code in [self.code]
        ]
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [found[c] for c in codes if c in found]

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in [*self.ancestors(), self])


class RegionAssignment(models.Model):
    """A region an account works in (管辖区域). An account may have several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE,
        related_name="region_assignments",
    )
    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.PROTECT,
                               related_name="assignments")
    assigned_at = models.DateTimeField("分配时间", auto_now_add=True)

    class Meta:
        verbose_name = "管辖区域"
        verbose_name_plural = "管辖区域"
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="regions_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.region}"
