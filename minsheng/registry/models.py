"""Household registry (农户台账). The foundation holds the household core only; members, income
ledger and 三保障 facts arrive with the registry module."""

from __future__ import annotations

from django.db import models

from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet


class Household(models.Model):
    """A household (户) registered in a village (村)."""

    household_no = models.CharField("户编号", max_length=32, unique=True)
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="households")
    head_name = models.CharField("户主姓名", max_length=64)
    archived = models.BooleanField("已归档", default=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "农户"
        verbose_name_plural = "农户"
        ordering = ["region_id", "household_no"]

    def __str__(self) -> str:
        return f"{self.household_no} {self.head_name}"
