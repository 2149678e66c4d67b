"""The metric providers of the statistics page, in the order of the table's columns.

Each entry is a module path. A provider module has ``METRICS`` — a list of (key, Chinese label,
unit) — and ``region_month_values(regions, month)`` → ``{region code: {key: value}}`` for each
region's whole subtree in month 'YYYY-MM', set-based. A value is an ``int`` or ``Decimal``, or
None where it does not apply (a target below the county). Modules are imported when first used,
so a provider that cannot be imported fails loudly (the tests import every one).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

PROVIDERS: list[str] = [
    "minsheng.employment.stats.transfer",
    "minsheng.employment.stats.scale",
    "minsheng.employment.stats.workshops",
    "minsheng.employment.training.stats",  # helper B: training outcomes
    "minsheng.employment.publicposts.stats",  # helper B: 公益性岗位
]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    provider: str


def load(paths: Sequence[str] | None = None) -> list[ModuleType]:
    modules = [importlib.import_module(path) for path in (paths or PROVIDERS)]
    for module in modules:
        if not hasattr(module, "METRICS") or not hasattr(module, "region_month_values"):
            raise TypeError(f"{module.__name__} is not a metric provider "
                            "(METRICS and region_month_values are required)")
    return modules


def metrics(modules: Sequence[ModuleType] | None = None) -> list[Metric]:
    out: list[Metric] = []
    seen: set[str] = set()
    for module in modules or load():
        for key, label, unit in module.METRICS:
            if key in seen:
                raise ValueError(f"metric key {key!r} is declared twice")
            seen.add(key)
            out.append(Metric(key, label, unit, module.__name__))
    return out


def values(regions: Sequence[Any], month: str,
           modules: Sequence[ModuleType] | None = None) -> dict[str, dict[str, Any]]:
    """All providers' values for the regions in one month, merged per region code."""
    out: dict[str, dict[str, Any]] = {r.code: {} for r in regions}
    for module in modules or load():
        for code, items in module.region_month_values(regions, month).items():
            if code in out:
                out[code].update(items)
    return out
