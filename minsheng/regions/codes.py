"""统计用区划代码 arithmetic: 12-digit codes whose prefixes encode the tree.

省 2 digits, 市 4, 县 6, 乡 9, 村 12; a shorter code is padded with zeros to 12. A region's whole
subtree is therefore one contiguous range of codes, which a plain B-tree index answers.
"""

from __future__ import annotations

from django.db import models


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    COUNTY = 3, "县"
    TOWNSHIP = 4, "乡"
    VILLAGE = 5, "村"


PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_BY_LENGTH = {length: level for level, length in PREFIX_LENGTH.items()}


def pad(code: str) -> str:
    """A 2/4/6/9/12-digit code as its 12-digit form."""
    return code.ljust(12, "0")


def significant_prefix(code: str, level: int) -> str:
    return code[: PREFIX_LENGTH[RegionLevel(level)]]


def subtree_bounds(code: str, level: int) -> tuple[str, str]:
    """The inclusive range of 12-digit codes inside the region ``code`` of ``level``."""
    prefix = significant_prefix(code, level)
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


def parent_code(code: str, level: int) -> str | None:
    """The padded code of the parent region, or None for a province."""
    if level == RegionLevel.PROVINCE:
        return None
    parent_level = RegionLevel(level - 1)
    return pad(code[: PREFIX_LENGTH[parent_level]])
