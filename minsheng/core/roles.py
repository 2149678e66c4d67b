"""Roles (角色) and the permissions each one holds.

Roles are access-control vocabulary, not domain knowledge, so they live in ``core``. Each
account has exactly one role; which regions it works in is a separate assignment
(``regions.RegionAssignment``). Permissions are ordinary Django permission strings
(``app_label.codename``) resolved by :class:`minsheng.core.auth.RoleBackend`.

The three administrators are separated (三员分立): the system administrator manages accounts
but holds no household permission; the security administrator unlocks accounts; only the audit
administrator reads the audit log.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    VILLAGE_MONITOR = "village_monitor", "村监测员"
    TOWNSHIP_STATION = "township_station", "乡镇监测站"
    COUNTY_OFFICE = "county_office", "县级业务科室"
    DEPARTMENT_LIAISON = "department_liaison", "部门联络员"
    ENTERPRISE = "enterprise", "企业"
    AUDITOR = "auditor", "审计查看"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


class Department(models.TextChoices):
    """Departments that push data (部门), used by 部门联络员 accounts."""

    MEDICAL_INSURANCE = "medical_insurance", "医保"
    EDUCATION = "education", "教育"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    HOUSING = "housing", "住建"
    DISABLED_FEDERATION = "disabled_federation", "残联"
    EMERGENCY = "emergency", "应急"
    HUMAN_RESOURCES = "human_resources", "人社"
    RURAL_REVITALIZATION = "rural_revitalization", "乡村振兴"


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

_READ_REGIONS = {"regions.view_region"}
_READ_HOUSEHOLDS = {"registry.view_household"}
_WRITE_HOUSEHOLDS = {"registry.add_household", "registry.change_household"}
_REVEAL = {"core.reveal_pii"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VILLAGE_MONITOR: frozenset(_READ_REGIONS | _READ_HOUSEHOLDS | _WRITE_HOUSEHOLDS),
    Role.TOWNSHIP_STATION: frozenset(
        _READ_REGIONS | _READ_HOUSEHOLDS | _WRITE_HOUSEHOLDS | _REVEAL
    ),
    Role.COUNTY_OFFICE: frozenset(_READ_REGIONS | _READ_HOUSEHOLDS | _WRITE_HOUSEHOLDS | _REVEAL),
    # A liaison sees regions (to know where its data goes) but no household register: its
    # department's own records arrive with the department-data module.
    Role.DEPARTMENT_LIAISON: frozenset(_READ_REGIONS),
    Role.ENTERPRISE: frozenset(_READ_REGIONS),
    Role.AUDITOR: frozenset(_READ_REGIONS | _READ_HOUSEHOLDS),
    Role.SYSTEM_ADMIN: frozenset(
        _READ_REGIONS | {"core.view_user", "core.add_user", "core.change_user"}
    ),
    Role.SECURITY_ADMIN: frozenset(_READ_REGIONS | {"core.view_user", "core.unlock_user"}),
    Role.AUDIT_ADMIN: frozenset({"core.view_auditevent", "core.export_auditevent"}),
}


def permissions_for(role: str) -> frozenset[str]:
    """The permission strings a role holds; an unknown role holds none (fail closed)."""
    return ROLE_PERMISSIONS.get(role, frozenset())
