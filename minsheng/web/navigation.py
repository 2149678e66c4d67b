"""Navigation by role: each entry is shown when the actor holds its permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None
    # Other addresses the entry owns (its pages that live under another entry's address).
    also: tuple[str, ...] = ()


NAV_ITEMS = (
    NavItem("首页", "web:home", None),
    NavItem("农户台账", "registry:household_list", "registry.view_household"),
    NavItem("风险筛查", "monitoring:overview", "monitoring.view_risksignal"),
    NavItem("监测帮扶", "monitoring:case_list", "monitoring.view_monitoringcase",
            also=("monitoring:lead_list",)),
    NavItem("帮扶计划", "assistance:due", "assistance.view_assistanceplan"),
    NavItem("部门数据", "departments:lead_list", "departments.view_departmentlead"),
    NavItem("就业帮扶", "employment:ledger", "employment.view_labourstatus"),
    NavItem("政策参数", "policy:parameter_list", "policy.view_parameterproposal"),
    NavItem("行政区划", "web:region_browse", "regions.view_region"),
    NavItem("账号管理", "regions:account_list", "core.view_user"),
    NavItem("审计日志", "core:audit_list", "core.view_auditevent"),
)


def nav_for(user: Any, path: str) -> list[dict[str, Any]]:
    """The entries the user may open; the one owning the longest prefix of ``path`` is active
    (``/monitoring/cases/`` and the lead inbox ``/monitoring/leads/`` are 监测帮扶, not 风险筛查
    at ``/monitoring/``)."""
    items, owned = [], []
    for item in NAV_ITEMS:
        if item.permission and not user.has_perm(item.permission):
            continue
        entry = {"label": item.label, "url": reverse(item.url_name), "active": False}
        items.append(entry)
        for address in (entry["url"], *(reverse(name) for name in item.also)):
            if path == address if address == "/" else path.startswith(address):
                owned.append((len(address), entry))
    if owned:
        max(owned, key=lambda pair: pair[0])[1]["active"] = True
    return items
