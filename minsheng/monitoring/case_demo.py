"""Demo monitoring cases for ``minsheng demo``: a few households of the demo village monitor's
village (then of its township) at different steps of the identification and elimination procedures, plus a pending
self-declaration in the inbox — so each acting persona (village_monitor, town_station,
county_office) has something to do. Written through the real services, each step by the persona
that owns it. Idempotent: a township that already has cases is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from minsheng.core.errors import MinshengError
from minsheng.core.models import User
from minsheng.monitoring import case_services, workflow
from minsheng.monitoring.elimination import STABLE_MONTHS_PARAMETER, add_months
from minsheng.monitoring.models import (
    CaseStatus,
    MeetingResult,
    MonitoringCase,
    RiskType,
)
from minsheng.regions.models import RegionAssignment
from minsheng.registry.models import Household, IncomeLedger
from minsheng.registry.services import household_update, ledger_save

S = CaseStatus
# (target state, risk types, how many days ago the case was opened)
PLAN = [
    (S.WARNING, [RiskType.ILLNESS], 5),
    (S.HOUSEHOLD_CHECK, [RiskType.DISASTER], 2),
    (S.NOTICE, [RiskType.ILLNESS], 3),
    (S.COUNTY_APPROVAL, [RiskType.EMPLOYMENT], 30),
    (S.MONITORING, [RiskType.SCHOOLING], 60),
    (S.ELIM_REVIEW, [RiskType.INDUSTRY], 240),  # long enough for the months of monitoring
]
PATH = ["start_check", "submit_check", "submit_comparison", "start_notice", "submit_notice",
        "township_approve", "include", "propose_elimination", "submit_elim_check",
        "start_elim_notice"]
STOP = {S.WARNING: 0, S.HOUSEHOLD_CHECK: 1, S.NOTICE: 4, S.COUNTY_APPROVAL: 6,
        S.MONITORING: 7, S.ELIM_REVIEW: 9}


@dataclass
class DemoCases:
    cases: int = 0
    leads: int = 0


def _actor_for(permission: str, users: dict[str, User]) -> User:
    return {workflow.CHECK: users["village"], workflow.COMPARE: users["county_office"],
            workflow.REVIEW: users["town_station"],
            workflow.APPROVE: users["county_office"]}[permission]


def _prepare(case: MonitoringCase, step: workflow.Transition, users: dict[str, User],
             day: dt.date) -> None:
    monitor = users["village"]
    if workflow.NEEDS_VISIT in step.needs or workflow.NEEDS_TEAM in step.needs:
        authorization = ContentFile(b"%PDF-1.4\n% demo\n", name="承诺授权书.pdf")
        case_services.visit_record(
            actor=monitor, case=case, visited_on=day, visitors=["村监测员", "驻村工作队员"],
            members_present=[case.household.head_name], income_12m="7800",
            spending_12m="26000", medical_ok=False, note="演示数据：入户核查",
            authorization=authorization if workflow.NEEDS_VISIT in step.needs else None,
            today=day)
    if workflow.NEEDS_CRITERIA in step.needs:
        _recovered(case.household, users["village"], day)
    if workflow.NEEDS_MEETING in step.needs:
        case_services.meeting_record(actor=monitor, case=case, held_on=day,
                                     attendees="村两委成员、党员代表、村民代表",
                                     attendee_count=11, result=MeetingResult.AGREE, today=day)


def _recovered(household: Household, actor: User, day: dt.date) -> None:
    """The household's facts after assistance (演示数据: income recovered, housing and water
    checked), recorded through the registry services, so the elimination criteria can be met."""
    current = IncomeLedger.objects.filter(household=household, year=day.year).first()
    ledger_save(actor=actor, household=household, year=day.year,
                version=current.version if current else None,
                wage_income=Decimal("48000"), medical_out_of_pocket=Decimal("1200"))
    household.refresh_from_db()
    household_update(actor=actor, household=household, version=household.version,
                     housing_grade="A", water_quantity_ok=True, water_quality_ok=True,
                     water_convenience_ok=True, water_assurance_ok=True)


def _stable_from(case: MonitoringCase, day: dt.date) -> dt.date:
    """The first day the case may be proposed for elimination (the months of monitoring)."""
    months, _unit = case_services.parameter_int(STABLE_MONTHS_PARAMETER, on=day,
                                                region_code=case.region_id)
    return max(day, add_months(case.included_on or day, months))


def demo_cases_generate(*, county_code: str) -> DemoCases:
    made = DemoCases()
    names = ("village_monitor", "town_station", "county_office")
    users = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
    if len(users) != len(names):
        return made
    village = (RegionAssignment.objects.filter(user=users["village_monitor"])
               .values_list("region_id", flat=True).first())
    if not village or not village.startswith(county_code[:6]):
        return made
    township = village[:9]
    if MonitoringCase.objects.filter(region__code__startswith=township).exists():
        return made
    # The monitor's own village first (so the demo village monitor has work), then the rest of
    # the demo township (where the township station does the village steps).
    base = Household.objects.filter(region__code__startswith=township, archived=False)
    households = (list(base.filter(region_id=village).order_by("household_no")[:len(PLAN) + 1])
                  or [])
    households += list(base.exclude(region_id=village).order_by("region_id", "household_no")
                       [:len(PLAN) + 1 - len(households)])
    today = timezone.localdate()
    for household, (target, risks, days_ago) in zip(households, PLAN, strict=False):
        day = today - dt.timedelta(days=days_ago)
        users["village"] = (users["village_monitor"] if household.region_id == village
                            else users["town_station"])
        try:
            lead = case_services.visit_report(actor=users["village"],
                                              household=household, risk_types=risks,
                                              description="演示数据：排查发现风险", today=day)
            case = case_services.lead_merge(actor=users["town_station"], lead=lead,
                                            version=lead.version, today=day)
            for action in PATH[:STOP[target]]:
                case.refresh_from_db()
                step = workflow.transition_by_action(case.status, action)
                if workflow.NEEDS_NOTICE in step.needs:
                    day += dt.timedelta(days=10)
                if workflow.NEEDS_CRITERIA in step.needs:
                    day = _stable_from(case, day)
                _prepare(case, step, users, day)
                case.refresh_from_db()
                case = case_services.case_transition(
                    actor=_actor_for(step.permission, users), case=case, action=action,
                    version=case.version, today=min(day, today),
                    note="演示数据" if step.reason_required or action == "submit_comparison"
                    else "", category="edge", risk_types=risks, elimination_kind="assisted")
            made.cases += 1
        except MinshengError:
            continue  # e.g. a household without labour capacity cannot enter elimination
    if len(households) > len(PLAN):
        head = households[-1].members.filter(relation="head", active=True).first()
        if head is not None:
            try:
                case_services.declaration_submit(
                    name=head.name, id_number=head.id_number,
                    village_code=households[-1].region_id,
                    phone="13800000000", description="演示数据：家人生病住院，医疗费用较高",
                    client_ip="demo")
                made.leads += 1
            except MinshengError:
                pass
    return made
