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
# 部门推送线索 (department leads): liaisons upload and read back their own department's; the
# county assigns and decides; the township station verifies what is assigned to it.
_LEADS_VIEW = {"departments.view_departmentlead"}
_LEADS_UPLOAD = {"departments.add_departmentlead", "departments.export_departmentlead"}
_LEADS_COUNTY = {"departments.assign_departmentlead", "departments.decide_departmentlead"}
_LEADS_VERIFY = {"departments.verify_departmentlead"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VILLAGE_MONITOR: frozenset(_READ_REGIONS | _READ_HOUSEHOLDS | _WRITE_HOUSEHOLDS),
    Role.TOWNSHIP_STATION: frozenset(
        _READ_REGIONS | _READ_HOUSEHOLDS | _WRITE_HOUSEHOLDS | _REVEAL | _LEADS_VIEW
        | _LEADS_VERIFY
    ),
    Role.COUNTY_OFFICE: frozenset(_READ_REGIONS | _READ_HOUSEHOLDS | _WRITE_HOUSEHOLDS | _REVEAL
                                  | _LEADS_VIEW | _LEADS_UPLOAD | _LEADS_COUNTY),
    # A liaison sees regions (to know where its data goes) but no household register: only its
    # own department's uploads and leads (scoped by ``department_field``), masked.
    Role.DEPARTMENT_LIAISON: frozenset(_READ_REGIONS | _LEADS_VIEW | _LEADS_UPLOAD),
    Role.ENTERPRISE: frozenset(_READ_REGIONS),
    Role.AUDITOR: frozenset(_READ_REGIONS | _READ_HOUSEHOLDS | _LEADS_VIEW),
    Role.SYSTEM_ADMIN: frozenset(
        _READ_REGIONS | {"core.view_user", "core.add_user", "core.change_user"}
    ),
    Role.SECURITY_ADMIN: frozenset(_READ_REGIONS | {"core.view_user", "core.unlock_user"}),
    Role.AUDIT_ADMIN: frozenset({"core.view_auditevent", "core.export_auditevent"}),
}


# Risk screening (monitoring): who sees risk signals and runs, who may run a screening (county
# office, and a township station within its township) and a policy simulation (county office).
_SCREENING_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: {"monitoring.view_risksignal", "monitoring.view_screeningrun"},
    Role.TOWNSHIP_STATION: {"monitoring.view_risksignal", "monitoring.view_screeningrun",
                            "monitoring.run_screening"},
    Role.COUNTY_OFFICE: {"monitoring.view_risksignal", "monitoring.view_screeningrun",
                         "monitoring.run_screening", "monitoring.run_simulation"},
    Role.AUDITOR: {"monitoring.view_risksignal", "monitoring.view_screeningrun"},
}
for _role, _grants in _SCREENING_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


# Local policy parameter values (地方参数取值申报): every staff role with a region reads the
# parameters page; the county office proposes and approves. Four-eyes: the service refuses an
# approval by the proposer, so a second county-office account covering the region (the same
# county, or a city or province account) approves.
_PARAMETER_VIEW = {"policy.view_parameterproposal"}
_PARAMETER_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: _PARAMETER_VIEW,
    Role.TOWNSHIP_STATION: _PARAMETER_VIEW,
    Role.COUNTY_OFFICE: _PARAMETER_VIEW | {"policy.propose_parameter", "policy.approve_parameter"},
    Role.DEPARTMENT_LIAISON: _PARAMETER_VIEW,
    Role.AUDITOR: _PARAMETER_VIEW,
}
for _role, _grants in _PARAMETER_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


# Employment assistance (就业帮扶): the village monitor keeps its villages' labour ledger; the
# township station and the county office (人社 staff are county_office accounts) see and keep
# their scope; the county office registers enterprises and workshops and recognises workshops;
# the auditor reads. Enterprises are scoped by their registering county, workshops by village.
_LABOUR_VIEW = {"employment.view_labourstatus"}
_LABOUR_WRITE = {"employment.add_labourstatus", "employment.change_labourstatus"}
_LABOUR_EXPORT = {"employment.export_labourstatus"}
_EMPLOYERS_VIEW = {"employment.view_enterprise", "employment.view_workshop"}
_EMPLOYERS_WRITE = {"employment.add_enterprise", "employment.change_enterprise",
                    "employment.add_workshop", "employment.change_workshop",
                    "employment.recognize_workshop"}
_EMPLOYMENT_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: _LABOUR_VIEW | _LABOUR_WRITE | {"employment.view_workshop"},
    Role.TOWNSHIP_STATION: _LABOUR_VIEW | _LABOUR_WRITE | _LABOUR_EXPORT | _EMPLOYERS_VIEW,
    Role.COUNTY_OFFICE: _LABOUR_VIEW | _LABOUR_WRITE | _LABOUR_EXPORT | _EMPLOYERS_VIEW
    | _EMPLOYERS_WRITE,
    Role.AUDITOR: _LABOUR_VIEW | _LABOUR_EXPORT | _EMPLOYERS_VIEW,
}
for _role, _grants in _EMPLOYMENT_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


# Employment statistics (就业帮扶统计): every ledger role sees the statistics of its scope; the
# township station, the county office and the auditor export them; the county office (a county,
# city or province account) enters the 务工规模 targets of the counties in its scope.
_STATS_VIEW = {"employment_stats.view_employmentstats", "employment_stats.view_employmenttarget"}
_STATS_EXPORT = {"employment_stats.export_employmentstats"}
_STATS_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: _STATS_VIEW,
    Role.TOWNSHIP_STATION: _STATS_VIEW | _STATS_EXPORT,
    Role.COUNTY_OFFICE: _STATS_VIEW | _STATS_EXPORT | {
        "employment_stats.add_employmenttarget", "employment_stats.change_employmenttarget",
        "employment_stats.delete_employmenttarget"},
    Role.AUDITOR: _STATS_VIEW | _STATS_EXPORT,
}
for _role, _grants in _STATS_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


# Training and 公益性岗位 (employment.training, employment.publicposts): the county office runs
# courses and posts (设岗, 聘用, 退岗); township and village record demand (点餐), enrolments,
# completions, outcomes and monthly attendance in their scope; the township and the county
# export the payroll and the outcome table; the auditor reads and exports.
_TRAINING_POSTS_VIEW = {"training.view_course", "training.view_trainingdemand",
                        "training.view_enrolment", "publicposts.view_post",
                        "publicposts.view_appointment", "publicposts.view_attendance"}
_TRAINING_POSTS_RECORD = {"training.add_trainingdemand", "training.change_trainingdemand",
                          "training.add_enrolment", "training.change_enrolment",
                          "publicposts.add_attendance", "publicposts.change_attendance"}
_TRAINING_POSTS_EXPORT = {"training.export_course", "publicposts.export_payroll"}
_TRAINING_POSTS_MANAGE = {"training.add_course", "training.change_course",
                          "publicposts.add_post", "publicposts.change_post",
                          "publicposts.add_appointment", "publicposts.change_appointment"}
_TRAINING_POSTS_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: _TRAINING_POSTS_VIEW | _TRAINING_POSTS_RECORD,
    Role.TOWNSHIP_STATION: _TRAINING_POSTS_VIEW | _TRAINING_POSTS_RECORD | _TRAINING_POSTS_EXPORT,
    Role.COUNTY_OFFICE: _TRAINING_POSTS_VIEW | _TRAINING_POSTS_RECORD | _TRAINING_POSTS_EXPORT
    | _TRAINING_POSTS_MANAGE,
    Role.AUDITOR: _TRAINING_POSTS_VIEW | _TRAINING_POSTS_EXPORT,
}
for _role, _grants in _TRAINING_POSTS_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


# Jobs and matching (招聘岗位、人岗匹配、用工预录通知书、招聘会): the county office (人社 staff)
# publishes postings, issues and tracks notices and records fairs; township stations and village
# monitors read the county's postings and see the candidates and notices of their own scope; the
# auditor reads.
_JOBS_READ = {"employment.view_jobposting", "employment.match_jobposting",
              "employment.view_placementnotice", "employment.view_jobfair"}
_JOBS_WRITE = {"employment.add_jobposting", "employment.change_jobposting",
               "employment.add_placementnotice", "employment.change_placementnotice",
               "employment.add_jobfair", "employment.change_jobfair"}
_JOBS_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: _JOBS_READ,
    Role.TOWNSHIP_STATION: _JOBS_READ,
    Role.COUNTY_OFFICE: _JOBS_READ | _JOBS_WRITE,
    Role.AUDITOR: _JOBS_READ,
}
for _role, _grants in _JOBS_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


# Assistance plans and follow-up visits (一户一策、事后跟踪): the village monitor records
# measures and visits for its villages; the township station and the county office also draw up
# and close plans and name the 帮扶责任人; the auditor reads.
_PLAN_VIEW = {"assistance.view_assistanceplan", "assistance.view_followupvisit"}
_PLAN_RECORD = {"assistance.record_assistanceplan", "assistance.add_followupvisit"}
_ASSISTANCE_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: _PLAN_VIEW | _PLAN_RECORD,
    Role.TOWNSHIP_STATION: _PLAN_VIEW | _PLAN_RECORD | {"assistance.manage_assistanceplan"},
    Role.COUNTY_OFFICE: _PLAN_VIEW | _PLAN_RECORD | {"assistance.manage_assistanceplan"},
    Role.AUDITOR: _PLAN_VIEW,
}
for _role, _grants in _ASSISTANCE_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


# Monitoring cases (监测对象识别与风险消除): the village monitor files 排查 leads, handles its
# villages' leads and does the village steps (入户核查, 民主评议, 公示); the township station does
# those too and the 乡镇审核; the county office does 信息比对 and 县级审定; township and county
# may open the 绿色通道 and export; the auditor reads and exports.
_CASES_VILLAGE = {"monitoring.view_monitoringcase", "monitoring.check_monitoringcase",
                  "monitoring.view_caselead", "monitoring.add_caselead",
                  "monitoring.handle_caselead"}
_CASES_GRANTS: dict[str, set[str]] = {
    Role.VILLAGE_MONITOR: _CASES_VILLAGE,
    Role.TOWNSHIP_STATION: _CASES_VILLAGE | {"monitoring.review_monitoringcase",
                                             "monitoring.greenchannel_monitoringcase",
                                             "monitoring.export_monitoringcase"},
    Role.COUNTY_OFFICE: {"monitoring.view_monitoringcase", "monitoring.compare_monitoringcase",
                         "monitoring.approve_monitoringcase",
                         "monitoring.greenchannel_monitoringcase",
                         "monitoring.export_monitoringcase", "monitoring.view_caselead",
                         "monitoring.add_caselead", "monitoring.handle_caselead"},
    Role.AUDITOR: {"monitoring.view_monitoringcase", "monitoring.view_caselead",
                   "monitoring.export_monitoringcase"},
}
for _role, _grants in _CASES_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grants


def permissions_for(role: str) -> frozenset[str]:
    """The permission strings a role holds; an unknown role holds none (fail closed)."""
    return ROLE_PERMISSIONS.get(role, frozenset())
