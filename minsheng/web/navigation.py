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


NAV_ITEMS = (
    NavItem("首页", "web:home", None),
    NavItem("农户台账", "registry:household_list", "registry.view_household"),
    NavItem("风险筛查", "monitoring:overview", "monitoring.view_risksignal"),
    NavItem("部门数据", "departments:lead_list", "departments.view_departmentlead"),
    NavItem("就业帮扶", "employment:ledger", "employment.view_labourstatus"),
    NavItem("政策参数", "policy:parameter_list", "policy.view_parameterproposal"),
    NavItem("行政区划", "web:region_browse", "regions.view_region"),
    NavItem("账号管理", "regions:account_list", "core.view_user"),
    NavItem("审计日志", "core:audit_list", "core.view_auditevent"),
)


def nav_for(user: Any, path: str) -> list[dict[str, Any]]:
    items = []
    for item in NAV_ITEMS:
        if item.permission and not user.has_perm(item.permission):
            continue
        url = reverse(item.url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return items
