"""The units a parameter may declare, and the kind of value each one holds.

A unit fixes how a value is read and checked: money and ratios are ``Decimal`` (never float),
counts of days or months are ``int``, 布尔 is ``bool``, 列表 is a tuple of codes from the file's
declared ``choices``. Each kind also has natural bounds (no negative amounts, a 比例 between 0 and
1, a day of the month between 1 and 31) on top of the file's own ``min``/``max``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal


class Kind(enum.Enum):
    MONEY = "money"  # Decimal, at most 2 decimal places
    INTEGER = "integer"  # int
    DECIMAL = "decimal"  # Decimal (ratios, multiples)
    BOOLEAN = "boolean"  # bool
    LIST = "list"  # tuple of choice codes


@dataclass(frozen=True)
class Unit:
    name: str
    kind: Kind
    label: str  # what the unit means, for the docs and messages
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in (Kind.MONEY, Kind.INTEGER, Kind.DECIMAL)


_ZERO = Decimal(0)

UNITS: dict[str, Unit] = {unit.name: unit for unit in (
    Unit("元", Kind.MONEY, "金额（元）", _ZERO),
    Unit("元/年", Kind.MONEY, "每年的金额（元）", _ZERO),
    Unit("元/月", Kind.MONEY, "每月的金额（元）", _ZERO),
    Unit("元/人/年", Kind.MONEY, "每人每年的金额（元）", _ZERO),
    Unit("元/人/月", Kind.MONEY, "每人每月的金额（元）", _ZERO),
    Unit("天", Kind.INTEGER, "自然日天数", _ZERO),
    Unit("工作日", Kind.INTEGER, "工作日天数", _ZERO),
    Unit("个月", Kind.INTEGER, "月数", _ZERO),
    Unit("年", Kind.INTEGER, "年数", _ZERO),
    Unit("人", Kind.INTEGER, "人数", _ZERO),
    Unit("公里", Kind.INTEGER, "距离（公里）", _ZERO),
    Unit("分", Kind.INTEGER, "评分的分值", _ZERO),
    Unit("日", Kind.INTEGER, "每月的日期（几号）", Decimal(1), Decimal(31)),
    Unit("比例", Kind.DECIMAL, "比例（0～1，如 0.4 表示 40%）", _ZERO, Decimal(1)),
    Unit("倍数", Kind.DECIMAL, "倍数（如 2 表示 2 倍）", _ZERO),
    Unit("布尔", Kind.BOOLEAN, "是或否（true / false）"),
    Unit("列表", Kind.LIST, "若干选项（取自文件中的 choices）"),
)}
