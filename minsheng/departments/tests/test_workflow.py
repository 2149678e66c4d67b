"""The lead state machine: every allowed step with its permission, every other pair refused,
reasons, stale versions, scope."""

from __future__ import annotations

import itertools

import pytest

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.departments.models import DepartmentLead, LeadStatus, LeadStatusChange
from minsheng.departments.services import lead_transition
from minsheng.departments.tests.conftest import LIFTED_ID, import_file, write_file
from minsheng.departments.workflow import (
    CASE_FEEDBACK_PATHS,
    FINAL,
    TRANSITIONS,
    InvalidTransition,
    feedback_path,
)
from minsheng.testing import TOWNSHIP_A

# Who performs each permission in the tests.
PERFORMER = {"departments.assign_departmentlead": "county_office",
             "departments.decide_departmentlead": "county_office",
             "departments.verify_departmentlead": "township_station"}


@pytest.fixture
def lead(personas, households, tmp_path):
    import_file(personas["liaison"], write_file(tmp_path / "m.xlsx"), auto_assign=False)
    return DepartmentLead.objects.get(id_number=LIFTED_ID)


def put(lead: DepartmentLead, status: str) -> DepartmentLead:
    """Deliberately place a lead in a state (test set-up only)."""
    township = None if status == LeadStatus.PUSHED else TOWNSHIP_A
    DepartmentLead.objects.filter(pk=lead.pk).update(status=status, township_id=township)
    lead.refresh_from_db()
    return lead


class TransitionTableTests:
    @pytest.mark.parametrize(("source", "target"), sorted(TRANSITIONS))
    def test_allowed_step_with_its_permission(self, source, target, lead, personas):
        step = TRANSITIONS[(source, target)]
        lead = put(lead, source)
        actor = personas[PERFORMER[step.permission]]
        done = lead_transition(actor=actor, lead=lead, to=target, version=lead.version,
                               reason="核实属实" if step.reason_required else "",
                               township_code=TOWNSHIP_A if step.needs_township else "")
        assert done.status == target
        assert done.version == lead.version + 1
        change = LeadStatusChange.objects.filter(lead=lead).latest("id")
        assert (change.from_status, change.to_status, change.actor_id) == (
            source, target, actor.pk)
        event = AuditEvent.objects.filter(event_type=AuditEventType.DEPARTMENT_LEAD_CHANGED,
                                          subject_id=str(lead.pk)).latest("id")
        assert event.changes["status"] == [source, target]
        assert event.note == step.action

    @pytest.mark.parametrize(("source", "target"), [
        pair for pair in itertools.product(LeadStatus.values, repeat=2)
        if pair not in TRANSITIONS])
    def test_every_other_pair_is_refused(self, source, target, lead, personas):
        lead = put(lead, source)
        with pytest.raises(InvalidTransition) as exc:
            lead_transition(actor=personas["county_office"], lead=lead, to=target,
                            version=lead.version, reason="理由", township_code=TOWNSHIP_A)
        assert exc.value.message == (f"线索不能从「{LeadStatus(source).label}」变为"
                                     f"「{LeadStatus(target).label}」。")
        lead.refresh_from_db()
        assert lead.status == source


class TransitionRuleTests:
    def test_reason_is_required_where_the_table_says(self, lead, personas):
        lead = put(lead, LeadStatus.ASSIGNED)
        with pytest.raises(InvalidInput) as exc:
            lead_transition(actor=personas["township_station"], lead=lead, to="verified",
                            version=lead.version, reason="  ")
        assert exc.value.message == "请填写核实结果。"
        lead = put(lead, LeadStatus.VERIFIED)
        with pytest.raises(InvalidInput) as exc:
            lead_transition(actor=personas["county_office"], lead=lead, to="not_included",
                            version=lead.version)
        assert exc.value.message == "请填写不纳入原因。"

    def test_verification_and_decision_are_kept_on_the_lead(self, lead, personas):
        lead = lead_transition(actor=personas["county_office"], lead=lead, to="assigned",
                               version=lead.version, township_code=TOWNSHIP_A)
        lead = lead_transition(actor=personas["township_station"], lead=lead, to="verified",
                               version=lead.version, reason="入户核实：住院属实，家庭负担重")
        lead = lead_transition(actor=personas["county_office"], lead=lead, to="not_included",
                               version=lead.version, reason="人均纯收入高于监测范围")
        lead.refresh_from_db()
        assert (lead.verification, lead.decision_reason) == ("入户核实：住院属实，家庭负担重",
                                                             "人均纯收入高于监测范围")
        assert lead.monitoring_case_id is None

    def test_stale_version_is_refused(self, lead, personas):
        stale = lead.version
        lead_transition(actor=personas["county_office"], lead=lead, to="assigned",
                        version=stale, township_code=TOWNSHIP_A)
        with pytest.raises(Conflict) as exc:
            lead_transition(actor=personas["county_office"], lead=lead, to="not_included",
                            version=stale, reason="重复")
        assert exc.value.message == ("该线索已被他人处理（当前版本 2，您看到的是版本 1），"
                                     "本次操作未生效。请刷新后重试。")
        lead.refresh_from_db()
        assert lead.status == LeadStatus.ASSIGNED

    def test_missing_version_is_refused(self, lead, personas):
        with pytest.raises(InvalidInput) as exc:
            lead_transition(actor=personas["county_office"], lead=lead, to="assigned",
                            version=None, township_code=TOWNSHIP_A)
        assert exc.value.message == "缺少版本号：请先读取线索再处理。"

    def test_roles_without_the_permission_are_refused(self, lead, personas):
        with pytest.raises(PermissionDenied) as exc:
            lead_transition(actor=personas["liaison"], lead=lead, to="assigned",
                            version=lead.version, township_code=TOWNSHIP_A)
        assert exc.value.message == "您没有「分派乡镇」的权限。"
        lead = put(lead, LeadStatus.VERIFIED)
        with pytest.raises(PermissionDenied) as exc:
            lead_transition(actor=personas["township_station"], lead=lead, to="included",
                            version=lead.version)
        assert exc.value.message == "您没有「纳入监测」的权限。"

    def test_township_station_does_not_see_unassigned_leads(self, lead, personas):
        with pytest.raises(NotFound):
            lead_transition(actor=personas["township_station"], lead=lead, to="not_included",
                            version=lead.version, reason="x")

    def test_assignment_outside_the_county_is_refused(self, lead, personas):
        with pytest.raises(NotFound) as exc:
            lead_transition(actor=personas["county_office"], lead=lead, to="assigned",
                            version=lead.version, township_code="430524001000")
        assert exc.value.message == "所选乡镇不存在或不在您的管辖范围内。"

    def test_out_of_scope_actor_gets_not_found(self, lead, personas):
        with pytest.raises(NotFound):
            lead_transition(actor=personas["outsider"], lead=lead, to="assigned",
                            version=lead.version, township_code=TOWNSHIP_A)

    def test_unknown_target_state_is_refused(self, lead, personas):
        with pytest.raises(InvalidInput) as exc:
            lead_transition(actor=personas["county_office"], lead=lead, to="done",
                            version=lead.version)
        assert exc.value.message == "未知的线索状态「done」。"

    def test_recalling_an_assignment_clears_the_township(self, lead, personas):
        lead = put(lead, LeadStatus.ASSIGNED)
        lead = lead_transition(actor=personas["county_office"], lead=lead, to="pushed",
                               version=lead.version, reason="分错乡镇")
        assert lead.township_id is None

    def test_status_is_written_only_by_services_and_workflow(self):
        """A lint as a test: no other module of the app assigns ``.status``."""
        from pathlib import Path

        root = Path(__file__).resolve().parents[1]
        offenders = [p.name for p in root.glob("*.py")
                     if p.name not in {"services.py", "workflow.py"}
                     and ".status =" in p.read_text(encoding="utf-8")]
        assert offenders == []


class CaseFeedbackPathTests:
    """The paths a monitoring-case decision walks (案件决定反馈) are rows of the table."""

    @pytest.mark.parametrize(("source", "outcome"), sorted(CASE_FEEDBACK_PATHS))
    def test_every_feedback_path_is_made_of_table_steps(self, source, outcome):
        path = feedback_path(source, outcome)
        assert path[-1] == outcome
        current = source
        for to in path:
            assert (current, to) in TRANSITIONS
            current = to

    def test_every_open_state_has_a_path_to_both_outcomes(self):
        for status in LeadStatus.values:
            for outcome in (LeadStatus.INCLUDED, LeadStatus.NOT_INCLUDED):
                path = feedback_path(status, outcome)
                assert (path == ()) == (status in FINAL)

    def test_recalling_an_assignment_is_never_a_feedback_step(self):
        assert all(LeadStatus.PUSHED not in path for path in CASE_FEEDBACK_PATHS.values())
