"""Helpers of the monitoring-case tests: a household, a case at any step, the step's owner.

Cases are moved only through the real services (``case_services``), each step by the persona
that owns it, with the records the step needs created first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.core.models import User
from minsheng.monitoring import case_services, workflow
from minsheng.monitoring.models import (
    CaseCategory,
    CaseLead,
    CaseStatus,
    EliminationKind,
    MeetingResult,
    MonitoringCase,
    RiskType,
)
from minsheng.registry.models import Household, IncomeLedger, Member
from minsheng.registry.services import household_register
from minsheng.registry.testing import member_data
from minsheng.testing import VILLAGE_A

S = CaseStatus
TODAY = dt.date(2026, 6, 1)  # a Monday
AFTER_NOTICE = TODAY + dt.timedelta(days=40)

# The actions that bring a new case (风险预警) to each state, in order.
PATHS: dict[str, list[str]] = {S.WARNING: [], S.NOT_INCLUDED: ["dismiss"]}
_MAIN = ["start_check", "submit_check", "submit_comparison", "start_notice", "submit_notice",
         "township_approve", "include", "propose_elimination", "submit_elim_check",
         "start_elim_notice", "submit_elim_notice", "township_approve_elimination", "eliminate"]
_STATES = [S.HOUSEHOLD_CHECK, S.DATA_COMPARISON, S.REVIEW, S.NOTICE, S.TOWNSHIP_REVIEW,
           S.COUNTY_APPROVAL, S.MONITORING, S.ELIM_CHECK, S.ELIM_REVIEW, S.ELIM_NOTICE,
           S.ELIM_TOWNSHIP, S.ELIM_COUNTY, S.ELIMINATED]
for _n, _state in enumerate(_STATES):
    PATHS[_state] = _MAIN[:_n + 1]

OWNER = {workflow.CHECK: "village_monitor", workflow.COMPARE: "county_office",
         workflow.REVIEW: "township_station", workflow.APPROVE: "county_office"}


def pdf_file(name: str = "承诺授权书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% signed\n", content_type="application/pdf")


def make_household(actor: User, number: str = "C001", *, village: str = VILLAGE_A,
                   labour: str = "ordinary", seq: int = 11) -> Household:
    return household_register(
        actor=actor, household_no=number, region_code=village,
        members=[member_data(f"户主{number}", dt.date(1975, 1, 1), seq,
                             labour_capacity=labour),
                 member_data(f"配偶{number}", dt.date(1977, 2, 2), seq + 1, relation="spouse",
                             male=False, labour_capacity=labour)],
        today=dt.date(2026, 1, 10))


def open_case(personas: dict[str, User], household: Household, *,
              risk_types: list[str] | None = None) -> MonitoringCase:
    """A case at 风险预警, opened from a village 排查 lead merged by the township station."""
    lead = case_services.visit_report(actor=personas["village_monitor"], household=household,
                                      description="家中主要劳动力住院", today=TODAY,
                                      risk_types=risk_types or [RiskType.ILLNESS])
    return case_services.lead_merge(actor=personas["township_station"], lead=lead,
                                    version=lead.version, today=TODAY)


INCLUDED_LONG_AGO = dt.date(2025, 11, 1)  # more than the 6 months of monitoring before TODAY


def meet_elimination_criteria(case: MonitoringCase, *, included_on: dt.date | None = None,
                              year: int = TODAY.year - 1) -> None:
    """Give the case's household facts that meet every risk-elimination criterion (a ledger
    well above the 监测范围, housing grade A, drinking water checked) and a 纳入日期 long enough
    ago (``included_on``, default ``INCLUDED_LONG_AGO`` unless already earlier)."""
    household = case.household
    IncomeLedger.objects.update_or_create(
        household=household, year=year,
        defaults={"wage_income": Decimal("60000"), "medical_out_of_pocket": Decimal("800")})
    Household.objects.filter(pk=household.pk).update(
        housing_grade="A", water_quantity_ok=True, water_quality_ok=True,
        water_convenience_ok=True, water_assurance_ok=True)
    Member.objects.filter(household=household).update(medical_insurance=True)
    day = included_on or INCLUDED_LONG_AGO
    if included_on is not None or case.included_on is None or case.included_on > day:
        MonitoringCase.objects.filter(pk=case.pk).update(included_on=day)


def prepare(personas: dict[str, User], case: MonitoringCase, step: workflow.Transition) -> None:
    """Create the records ``step`` needs (visit, team visit, meeting, the facts meeting the
    risk-elimination criteria)."""
    village = personas["village_monitor"]
    if workflow.NEEDS_CRITERIA in step.needs:
        meet_elimination_criteria(case)
    if workflow.NEEDS_VISIT in step.needs:
        case_services.visit_record(
            actor=village, case=case, visited_on=TODAY, visitors=["张核查"],
            members_present=["户主"], income_12m="9000", spending_12m="30000",
            medical_ok=False, authorization=pdf_file(), today=TODAY)
    if workflow.NEEDS_TEAM in step.needs:
        case_services.visit_record(
            actor=village, case=case, visited_on=TODAY, visitors=["张核查", "李驻村"],
            members_present=["户主"], income_12m="26000", today=TODAY)
    if workflow.NEEDS_MEETING in step.needs:
        case_services.meeting_record(actor=village, case=case, held_on=TODAY,
                                     attendees="村两委、党员代表、村民代表", attendee_count=9,
                                     result=MeetingResult.AGREE, today=TODAY)


def step_kwargs(step: workflow.Transition) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"note": "测试说明" if step.reason_required else ""}
    if workflow.NEEDS_DECISION in step.needs:
        kwargs.update(category=CaseCategory.EDGE, risk_types=[RiskType.ILLNESS])
    if workflow.NEEDS_KIND in step.needs:
        kwargs["elimination_kind"] = EliminationKind.ASSISTED
    kwargs["today"] = AFTER_NOTICE if workflow.NEEDS_NOTICE in step.needs else TODAY
    return kwargs


def take(personas: dict[str, User], case: MonitoringCase, action: str,
         actor: User | None = None) -> MonitoringCase:
    case.refresh_from_db()
    step = workflow.transition_by_action(case.status, action)
    prepare(personas, case, step)
    case.refresh_from_db()
    return case_services.case_transition(
        actor=actor or personas[OWNER[step.permission]], case=case, action=action,
        version=case.version, **step_kwargs(step))


def case_at(personas: dict[str, User], household: Household, state: str) -> MonitoringCase:
    case = open_case(personas, household)
    for action in PATHS[state]:
        case = take(personas, case, action)
    case.refresh_from_db()
    assert case.status == state
    return case


def lead_count() -> int:
    return CaseLead.objects.count()
