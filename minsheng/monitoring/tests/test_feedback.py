"""Case decisions go back to the department leads behind them (案件决定反馈): 县级审定纳入 →
已纳入监测, 不纳入 (by the case or by dismissing the monitoring lead) → 不纳入 with the reason,
walking the departments' own table, in the decision's transaction."""

from __future__ import annotations

import pytest
from python_calamine import CalamineWorkbook

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.departments.models import DepartmentLead, LeadStatus, LeadStatusChange
from minsheng.departments.services import (
    SYSTEM_FEEDBACK_NAME,
    feedback_export,
    lead_transition,
)
from minsheng.monitoring import case_services
from minsheng.monitoring.models import CaseLead, CaseStatus
from minsheng.monitoring.tests.cases import PATHS, TODAY, make_household, take
from minsheng.monitoring.tests.test_cases import make_department_lead
from minsheng.testing import TOWNSHIP_A

S = CaseStatus


pytestmark = pytest.mark.usefixtures("clear_cache")


@pytest.fixture
def dep(personas, household):
    """A 医保 lead of the household's head, still 已推送 (not assigned to a township)."""
    return make_department_lead(personas["county_office"], household)


def case_from(personas, dep):
    """The department lead joins the inbox (county) and opens the case (township station)."""
    lead = case_services.lead_from_department(actor=personas["county_office"],
                                              department_lead=dep, today=TODAY)
    return case_services.lead_merge(actor=personas["township_station"], lead=lead,
                                    version=lead.version, today=TODAY)


def walk(personas, case, state):
    for action in PATHS[state]:
        case = take(personas, case, action)
    case.refresh_from_db()
    assert case.status == state
    return case


def history(dep):
    return [(c.from_status, c.to_status) for c in LeadStatusChange.objects.filter(lead=dep)
            .order_by("id") if c.from_status]


class CaseFeedbackTests:
    def test_inclusion_walks_the_department_table_to_included(self, personas, dep):
        case = walk(personas, case_from(personas, dep), S.MONITORING)
        dep.refresh_from_db()
        assert dep.status == LeadStatus.INCLUDED
        # pushed → assigned (the household's township) → verified (naming the case) → included
        assert history(dep) == [("pushed", "assigned"), ("assigned", "verified"),
                                ("verified", "included")]
        assert dep.township_id == TOWNSHIP_A
        assert f"监测案件 {case.number}" in dep.verification
        assert dep.decision_reason.startswith(f"监测案件 {case.number} 县级审定：纳入监测")
        assert dep.monitoring_case_id == case.pk
        county = personas["county_office"]
        last = LeadStatusChange.objects.filter(lead=dep).latest("id")
        assert last.actor == county  # the county sees the lead: written in its name
        events = AuditEvent.objects.filter(event_type=AuditEventType.DEPARTMENT_LEAD_CHANGED,
                                           subject_id=str(dep.pk), actor=county)
        assert events.count() == 3
        assert all(e.extra["case"] == case.pk for e in events)

    def test_county_rejection_moves_an_assigned_lead_through_verified(self, personas, dep):
        county = personas["county_office"]
        dep = lead_transition(actor=county, lead=dep, to=LeadStatus.ASSIGNED,
                              version=dep.version)
        case = walk(personas, case_from(personas, dep), S.COUNTY_APPROVAL)
        case_services.case_transition(actor=county, case=case, action="reject",
                                      version=case.version, note="家庭收入高于监测范围",
                                      today=TODAY)
        dep.refresh_from_db()
        assert dep.status == LeadStatus.NOT_INCLUDED
        assert history(dep)[-2:] == [("assigned", "verified"), ("verified", "not_included")]
        assert dep.decision_reason == (f"监测案件 {case.number} 县级审定：不纳入："
                                       "家庭收入高于监测范围")

    def test_township_dismissal_of_the_case_reaches_an_unassigned_lead(self, personas, dep):
        """The township station does not see a lead still 已推送 (not assigned to it): the
        feedback is written by the system, naming who decided, and does not fail."""
        station = personas["township_station"]
        case = case_from(personas, dep)
        assert not DepartmentLead.objects.visible_to(station).filter(pk=dep.pk).exists()
        case_services.case_transition(actor=station, case=case, action="dismiss",
                                      version=case.version, note="系临时困难，已自行解决",
                                      today=TODAY)
        dep.refresh_from_db()
        assert dep.status == LeadStatus.NOT_INCLUDED
        assert history(dep) == [("pushed", "not_included")]
        assert "系临时困难，已自行解决" in dep.decision_reason
        assert station.username in dep.decision_reason
        change = LeadStatusChange.objects.filter(lead=dep).latest("id")
        assert change.actor is None and change.actor_name == SYSTEM_FEEDBACK_NAME
        event = AuditEvent.objects.filter(event_type=AuditEventType.DEPARTMENT_LEAD_CHANGED,
                                          subject_id=str(dep.pk)).latest("id")
        assert event.actor is None and event.actor_username == SYSTEM_FEEDBACK_NAME
        assert event.extra["decided_by"] == station.username

    def test_dismissing_the_monitoring_lead_closes_the_department_lead(self, personas, dep):
        county = personas["county_office"]
        lead = case_services.lead_from_department(actor=county, department_lead=dep,
                                                  today=TODAY)
        case_services.lead_dismiss(actor=county, lead=lead, version=lead.version,
                                   reason="住院费用已由大病保险报销，家庭收入稳定")
        dep.refresh_from_db()
        assert dep.status == LeadStatus.NOT_INCLUDED
        assert history(dep) == [("pushed", "not_included")]
        assert dep.decision_reason.endswith("研判不纳入：住院费用已由大病保险报销，家庭收入稳定")
        assert LeadStatusChange.objects.filter(lead=dep).latest("id").actor == county

    def test_a_lead_decided_by_hand_is_left_alone(self, personas, dep):
        county = personas["county_office"]
        dep = lead_transition(actor=county, lead=dep, to=LeadStatus.NOT_INCLUDED,
                              version=dep.version, reason="已在民政低保兜底")
        case = walk(personas, case_from(personas, dep), S.MONITORING)
        assert case.status == S.MONITORING
        after = DepartmentLead.objects.get(pk=dep.pk)
        assert after.status == LeadStatus.NOT_INCLUDED
        assert after.decision_reason == "已在民政低保兜底"
        assert after.version == dep.version
        assert history(after) == [("pushed", "not_included")]

    def test_a_lead_merged_into_a_monitored_household_is_answered_at_once(self, personas,
                                                                          household):
        county = personas["county_office"]
        from minsheng.monitoring.tests.cases import case_at

        case_at(personas, household, S.MONITORING)
        dep = make_department_lead(county, household)
        lead = case_services.lead_from_department(actor=county, department_lead=dep,
                                                  today=TODAY)
        case_services.lead_merge(actor=county, lead=lead, version=lead.version, today=TODAY)
        dep.refresh_from_db()
        assert dep.status == LeadStatus.INCLUDED
        assert "该户已是监测对象" in dep.decision_reason

    def test_the_feedback_export_shows_the_case_decision(self, personas, dep):
        case = walk(personas, case_from(personas, dep), S.MONITORING)
        handle, count = feedback_export(actor=personas["county_office"],
                                        department="medical_insurance", period="2026-05")
        assert count == 1
        rows = CalamineWorkbook.from_path(handle.name).get_sheet_by_index(0).to_python()
        row = rows[1]
        assert row[6] == "已纳入监测"
        assert f"监测案件 {case.number}" in row[9]  # 核实结果
        assert row[10].startswith(f"监测案件 {case.number} 县级审定：纳入监测")

    def test_decision_and_feedback_are_one_transaction(self, personas, dep, monkeypatch):
        """A feedback failing half-way (after its first step) undoes the case decision too."""
        from minsheng.departments import services as dep_services

        real = dep_services._write_step
        calls = []

        def fail_second(*args, **kwargs):
            calls.append(kwargs["to"])
            if len(calls) == 2:
                raise RuntimeError("boom")
            return real(*args, **kwargs)

        county = personas["county_office"]
        case = walk(personas, case_from(personas, dep), S.COUNTY_APPROVAL)
        monkeypatch.setattr(dep_services, "_write_step", fail_second)
        with pytest.raises(RuntimeError):
            case_services.case_transition(actor=county, case=case, action="include",
                                          version=case.version, category="edge",
                                          risk_types=["illness"], today=TODAY)
        case.refresh_from_db()
        dep.refresh_from_db()
        assert case.status == S.COUNTY_APPROVAL
        assert dep.status == LeadStatus.PUSHED and dep.township_id is None
        assert history(dep) == []
        assert CaseLead.objects.get(department_lead=dep).result_note == ""


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_case_decision_and_a_hand_decision_at_once_end_consistent(allow_audit_flush,
                                                                     settings, tmp_path):
    """The county includes the case while another county officer closes the department lead
    by hand: the lead row lock orders them; whichever wins, the lead is decided once and its
    history is a valid walk of the table."""
    from django.db import connection

    from minsheng.core.roles import Role
    from minsheng.regions.services import AccountData, account_create
    from minsheng.testing import COUNTY_A, PASSWORD, create_personas, load_mini_tree, race

    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are tested on PostgreSQL")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_mini_tree()
    personas = create_personas()
    second = account_create(actor=None, data=AccountData(
        username="county_office_2", display_name="县级二", role=Role.COUNTY_OFFICE,
        region_codes=[COUNTY_A]), password=PASSWORD)
    household = make_household(personas["county_office"], "C-FEED")
    dep = make_department_lead(personas["county_office"], household)
    case = walk(personas, case_from(personas, dep), S.COUNTY_APPROVAL)
    dep.refresh_from_db()
    county = personas["county_office"]

    def work(actor):
        if actor == county:
            return case_services.case_transition(
                actor=county, case=case, action="include", version=case.version,
                category="edge", risk_types=["illness"], today=TODAY).status
        return lead_transition(actor=second, lead=DepartmentLead(pk=dep.pk),
                               to=LeadStatus.NOT_INCLUDED, version=dep.version,
                               reason="已由民政兜底").status

    outcomes = race(work, [county, second])
    assert S.MONITORING in outcomes  # the case decision never fails because of the lead
    dep.refresh_from_db()
    steps = history(dep)
    if LeadStatus.NOT_INCLUDED in outcomes:  # the hand decision came first: left alone
        assert dep.status == LeadStatus.NOT_INCLUDED and steps == [("pushed", "not_included")]
    else:  # the feedback came first: the hand decision met a stale version
        from minsheng.core.errors import Conflict

        assert any(isinstance(o, Conflict) for o in outcomes)
        assert dep.status == LeadStatus.INCLUDED
        assert steps == [("pushed", "assigned"), ("assigned", "verified"),
                         ("verified", "included")]
