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
    NavItem("监测帮扶", "monitoring:case_list", "monitoring.view_monitoringcase"),
    NavItem("帮扶计划", "assistance:due", "assistance.view_assistanceplan"),
    NavItem("部门数据", "departments:lead_list", "departments.view_departmentlead"),
    NavItem("就业帮扶", "employment:ledger", "employment.view_labourstatus"),
    NavItem("政策参数", "policy:parameter_list", "policy.view_parameterproposal"),
    NavItem("行政区划", "web:region_browse", "regions.view_region"),
    NavItem("账号管理", "regions:account_list", "core.view_user"),
    NavItem("审计日志", "core:audit_list", "core.view_auditevent"),
)


def nav_for(user: Any, path: str) -> list[dict[str, Any]]:
    """The entries the user may open; the one whose address is the longest prefix of ``path``
    is active (``/monitoring/cases/`` is 监测帮扶, not 风险筛查 at ``/monitoring/``)."""
    items = []
    for item in NAV_ITEMS:
        if item.permission and not user.has_perm(item.permission):
            continue
        items.append({"label": item.label, "url": reverse(item.url_name), "active": False})
    matching = [i for i in items
                if (path == i["url"] if i["url"] == "/" else path.startswith(i["url"]))]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return items
