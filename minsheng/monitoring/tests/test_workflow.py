"""The case state machine (``monitoring/workflow.py``) through its only writer,
``case_services.case_transition``: every allowed step with its owner, every other pair refused,
deadlines from the procedure parameters, the no-labour rule, the green channel, and (on
PostgreSQL) two people approving one case at the same time."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.core.roles import Role
from minsheng.monitoring import case_services, workflow
from minsheng.monitoring.models import (
    CaseDecision,
    CaseLead,
    CaseLeadStatus,
    CaseStatus,
    CaseTransition,
    MonitoringCase,
    RiskType,
)
from minsheng.monitoring.tests.cases import (
    AFTER_NOTICE,
    OWNER,
    PATHS,
    TODAY,
    case_at,
    make_household,
    open_case,
    prepare,
    step_kwargs,
    take,
)
from minsheng.policy import proposals
from minsheng.regions.services import AccountData, account_create
from minsheng.testing import COUNTY_A, PASSWORD

S = CaseStatus
PAIRS = {(t.source, t.target) for t in workflow.TABLE}


class TableTests:
    def test_every_return_to_an_earlier_step_requires_a_reason(self):
        returns = [t for t in workflow.TABLE if t.is_return]
        assert len(returns) >= 10
        assert all(t.reason_required for t in returns)

    def test_refuses_a_pair_that_is_not_in_the_table(self):
        with pytest.raises(workflow.InvalidTransition) as exc:
            workflow.transition_for(S.WARNING, S.MONITORING)
        assert exc.value.message == "案件不能从「风险预警」变为「监测中（风险未消除）」。"

    def test_every_working_state_has_a_deadline_parameter(self):
        working = set(S.values) - {S.MONITORING} - workflow.FINAL
        assert set(workflow.STEP_DEADLINES) == working


@pytest.mark.parametrize("step", workflow.TABLE, ids=lambda t: f"{t.source}-{t.action}")
def test_allowed_transition_is_applied_by_its_owner_and_refused_to_others(personas, household,
                                                                          step):
    case = case_at(personas, household, step.source)
    prepare(personas, case, step)
    case.refresh_from_db()
    kwargs = step_kwargs(step)
    # Someone who sees the case but does not own the step: refused, nothing written.
    with pytest.raises(PermissionDenied):
        case_services.case_transition(actor=personas["auditor"], case=case, action=step.action,
                                      version=case.version, **kwargs)
    owner = personas[OWNER[step.permission]]
    before = CaseTransition.objects.filter(case=case).count()
    done = case_services.case_transition(actor=owner, case=case, action=step.action,
                                         version=case.version, **kwargs)
    assert done.status == step.target
    assert done.version == case.version + 1
    last = CaseTransition.objects.filter(case=case).order_by("-id").first()
    assert CaseTransition.objects.filter(case=case).count() == before + 1
    assert (last.from_status, last.to_status, last.actor) == (step.source, step.target, owner)
    event = AuditEvent.objects.filter(event_type=AuditEventType.CASE_TRANSITIONED,
                                      subject_id=str(case.pk)).order_by("-id").first()
    assert event.changes["status"] == [step.source, step.target]
    assert event.note == step.label
    assert done.is_open == (step.target not in workflow.FINAL)


@pytest.mark.parametrize("step", [t for t in workflow.TABLE if t.reason_required],
                         ids=lambda t: f"{t.source}-{t.action}")
def test_a_step_that_needs_a_reason_is_refused_without_one(personas, household, step):
    case = case_at(personas, household, step.source)
    prepare(personas, case, step)
    case.refresh_from_db()
    kwargs = {**step_kwargs(step), "note": "  "}
    with pytest.raises(InvalidInput) as exc:
        case_services.case_transition(actor=personas[OWNER[step.permission]], case=case,
                                      action=step.action, version=case.version, **kwargs)
    assert exc.value.message == f"请填写{step.reason_label}。"
    case.refresh_from_db()
    assert case.status == step.source


@pytest.mark.parametrize("source", S.values)
def test_every_pair_outside_the_table_is_refused(personas, household, source):
    case = case_at(personas, household, source)
    county = personas["county_office"]
    for target in S.values:
        if (source, target) in PAIRS:
            continue
        with pytest.raises(workflow.InvalidTransition):
            case_services.case_transition(actor=county, case=case, to=target,
                                          version=case.version, note="x", today=AFTER_NOTICE)
    case.refresh_from_db()
    assert case.status == source
    assert CaseTransition.objects.filter(case=case).count() == len(PATHS[source]) + 1


class RecordTests:
    def test_submitting_the_check_needs_the_visit_and_the_signed_authorization(self, personas,
                                                                            household):
        case = case_at(personas, household, S.HOUSEHOLD_CHECK)
        village = personas["village_monitor"]
        with pytest.raises(InvalidInput) as exc:
            case_services.case_transition(actor=village, case=case, action="submit_check",
                                          version=case.version, today=TODAY)
        assert exc.value.message == "请先录入入户核查记录。"
        case_services.visit_record(actor=village, case=case, visited_on=TODAY,
                                   visitors=["张核查"], members_present=["户主"],
                                   income_12m="9000", today=TODAY)
        case.refresh_from_db()
        with pytest.raises(InvalidInput) as exc:
            case_services.case_transition(actor=village, case=case, action="submit_check",
                                          version=case.version, today=TODAY)
        assert exc.value.message == "请先上传农户签字的承诺授权书。"

    def test_the_notice_cannot_end_early_nor_with_an_open_objection(self, personas, household):
        case = case_at(personas, household, S.NOTICE)
        notice = case.notices.get()
        assert notice.starts_on == TODAY
        assert notice.ends_on == TODAY + dt.timedelta(days=4)  # 湖南 demo value: 5 days
        village = personas["village_monitor"]
        with pytest.raises(InvalidInput) as exc:
            case_services.case_transition(actor=village, case=case, action="submit_notice",
                                          version=case.version, today=notice.ends_on)
        assert exc.value.message == "公示期至 2026-06-05 结束，期满后才能报乡镇审核。"
        objection = case_services.objection_record(actor=village, case=case,
                                                   content="邻居反映其子在外务工收入较高")
        case.refresh_from_db()
        with pytest.raises(InvalidInput) as exc:
            case_services.case_transition(actor=village, case=case, action="submit_notice",
                                          version=case.version, today=AFTER_NOTICE)
        assert exc.value.message == "公示期间有 1 条异议尚未处理，请先核查处理。"
        case_services.objection_resolve(actor=village, objection=objection,
                                        resolution="经核实其子务工收入不稳定，异议不成立")
        case.refresh_from_db()
        done = case_services.case_transition(actor=village, case=case, action="submit_notice",
                                             version=case.version, today=AFTER_NOTICE)
        assert done.status == S.TOWNSHIP_REVIEW

    def test_include_records_category_risk_types_and_feeds_back_the_lead(self, personas,
                                                                       household):
        case = take(personas, case_at(personas, household, S.COUNTY_APPROVAL), "include")
        assert case.decision == CaseDecision.INCLUDED
        assert case.category == "edge" and case.risk_types == [RiskType.ILLNESS]
        assert case.included_on == TODAY
        lead = CaseLead.objects.get(case=case)
        assert lead.status == CaseLeadStatus.MERGED
        assert lead.result_note.startswith("县级审定：纳入监测")

    def test_the_elimination_check_needs_a_team_of_the_parameters_size(self, personas,
                                                                     household):
        case = case_at(personas, household, S.ELIM_CHECK)
        village = personas["village_monitor"]
        case_services.visit_record(actor=village, case=case, visited_on=TODAY,
                                   visitors=["张核查"], members_present=["户主"],
                                   income_12m="26000", today=TODAY)
        case.refresh_from_db()
        with pytest.raises(InvalidInput) as exc:
            case_services.case_transition(actor=village, case=case, action="submit_elim_check",
                                          version=case.version, today=TODAY)
        assert exc.value.message == ("风险消除入户核实须由不少于 2 人组成的工作组完成，"
                                     "记录中只有 1 人。")

    def test_out_of_scope_case_is_not_found(self, personas, household):
        case = open_case(personas, household)
        with pytest.raises(NotFound):
            case_services.case_transition(actor=personas["outsider"], case=case,
                                          action="start_check", version=case.version)

    def test_a_stale_version_is_a_conflict_and_changes_nothing(self, personas, household):
        case = open_case(personas, household)
        with pytest.raises(Conflict) as exc:
            case_services.case_transition(actor=personas["village_monitor"], case=case,
                                          action="start_check", version=case.version - 1)
        assert "已被他人办理" in exc.value.message
        case.refresh_from_db()
        assert case.status == S.WARNING


class DeadlineTests:
    def test_a_new_case_is_due_after_the_household_check_days(self, personas, household):
        case = open_case(personas, household)
        assert case.step_deadline == TODAY + dt.timedelta(days=3)
        assert case.deadline_parameter == "procedure.identification.household_check_days"

    def test_the_deadline_moves_when_a_local_value_of_the_parameter_is_approved(self, personas,
                                                                               household):
        second = account_create(actor=None, data=AccountData(
            username="county_office_2", display_name="县级二", role=Role.COUNTY_OFFICE,
            region_codes=[COUNTY_A]), password=PASSWORD)
        proposal = proposals.parameter_propose(
            actor=personas["county_office"], name="procedure.identification.household_check_days",
            region_code="430523", effective=dt.date(2026, 1, 1), value="7",
            ref_document="邵阳县识别程序时限（测试）", ref_issuer="邵阳县乡村振兴局",
            ref_date=dt.date(2026, 1, 1))
        proposals.parameter_approve(actor=second, proposal_id=proposal.pk,
                                    version=proposal.version)
        case = open_case(personas, household)
        assert case.step_deadline == TODAY + dt.timedelta(days=7)

    def test_working_day_parameters_skip_the_weekend(self, personas, household):
        case = case_at(personas, household, S.NOTICE)
        friday = dt.date(2026, 7, 10)
        assert friday.weekday() == 4
        done = case_services.case_transition(actor=personas["village_monitor"], case=case,
                                             action="submit_notice", version=case.version,
                                             today=friday)
        # 乡镇审核: 5 working days → the next Friday, not Wednesday.
        assert done.status == S.TOWNSHIP_REVIEW
        assert done.step_deadline == dt.date(2026, 7, 17)
        assert done.deadline_parameter == "procedure.identification.township_review_working_days"

    def test_the_whole_procedure_is_due_after_the_total_working_days(self, personas,
                                                                    household):
        from minsheng.monitoring import case_selectors

        # Monday 2026-06-01 + 20 working days; 端午节 (Friday 19 June) is not one of them.
        case = open_case(personas, household)
        assert case.procedure_deadline == dt.date(2026, 6, 30)
        county = personas["county_office"]
        assert not case_selectors.procedure_overdue(actor=county, today=dt.date(2026, 6, 30))
        assert list(case_selectors.procedure_overdue(actor=county, today=dt.date(2026, 7, 1))
                    ) == [case]

    def test_add_working_days(self):
        assert case_services.add_working_days(dt.date(2026, 7, 10), 1) == dt.date(2026, 7, 13)
        assert case_services.add_working_days(dt.date(2026, 7, 6), 5) == dt.date(2026, 7, 13)


class NoLabourTests:
    def test_a_household_without_labour_is_never_proposed_for_elimination(self, personas):
        household = make_household(personas["county_office"], "C-NOLAB", labour="lost")
        case = case_at(personas, household, S.MONITORING)
        with pytest.raises(InvalidInput) as exc:
            take(personas, case, "propose_elimination")
        assert exc.value.message == case_services.NO_LABOUR_MESSAGE
        case.refresh_from_db()
        assert case.status == S.MONITORING

    def test_labour_lost_during_the_procedure_stops_the_final_approval(self, personas,
                                                                    household):
        case = case_at(personas, household, S.ELIM_COUNTY)
        household.members.update(labour_capacity="none")
        with pytest.raises(InvalidInput) as exc:
            take(personas, case, "eliminate")
        assert exc.value.message == case_services.NO_LABOUR_MESSAGE
        case.refresh_from_db()
        assert case.status == S.ELIM_COUNTY and case.is_open

    def test_a_household_with_one_working_member_can_be_eliminated(self, personas, household):
        household.members.filter(relation="spouse").update(labour_capacity="lost")
        case = case_at(personas, household, S.ELIMINATED)
        assert case.eliminated_on == TODAY and case.elimination_kind == "assisted"
        assert not case.is_open


class GreenChannelTests:
    def test_a_disaster_case_may_start_assistance_before_inclusion(self, personas, household):
        case = open_case(personas, household, risk_types=[RiskType.DISASTER])
        assert not case_services.assistance_may_start(case)
        done = case_services.green_channel_open(actor=personas["township_station"], case=case,
                                                version=case.version,
                                                note="房屋被洪水冲毁，先行落实临时救助", today=TODAY)
        assert done.green_channel and done.green_channel_at is not None
        assert case_services.assistance_may_start(done)
        assert done.status == S.WARNING  # the procedure still has to run
        assert AuditEvent.objects.filter(event_type=AuditEventType.CASE_UPDATED,
                                         subject_id=str(case.pk),
                                         changes__green_channel=[False, True]).exists()
        for action in PATHS[S.MONITORING]:
            done = take(personas, done, action)
        assert done.status == S.MONITORING and done.green_channel

    def test_an_illness_case_cannot_use_the_green_channel(self, personas, household):
        case = open_case(personas, household, risk_types=[RiskType.ILLNESS])
        with pytest.raises(InvalidInput) as exc:
            case_services.green_channel_open(actor=personas["township_station"], case=case,
                                             version=case.version, note="x")
        assert exc.value.message == "绿色通道只适用于因灾、因意外的情形。"

    def test_the_village_monitor_may_not_open_the_green_channel(self, personas, household):
        case = open_case(personas, household, risk_types=[RiskType.ACCIDENT])
        with pytest.raises(PermissionDenied):
            case_services.green_channel_open(actor=personas["village_monitor"], case=case,
                                             version=case.version, note="x")


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_county_officers_approving_at_once_apply_the_step_once(allow_audit_flush,
                                                                  settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are tested on PostgreSQL")
    from minsheng.testing import create_personas, load_mini_tree

    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_mini_tree()
    personas = create_personas()
    second = account_create(actor=None, data=AccountData(
        username="county_office_2", display_name="县级二", role=Role.COUNTY_OFFICE,
        region_codes=[COUNTY_A]), password=PASSWORD)
    household = make_household(personas["county_office"], "C-RACE")
    case = case_at(personas, household, S.COUNTY_APPROVAL)
    version = case.version
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def approve(actor):
        try:
            barrier.wait(timeout=10)
            done = case_services.case_transition(
                actor=actor, case=MonitoringCase(pk=case.pk), action="include",
                version=version, category="edge", risk_types=[RiskType.ILLNESS], today=TODAY)
            outcomes.append(done.status)
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(a,))
               for a in (personas["county_office"], second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(outcomes) == 2 and len(conflicts) == 1
    assert [o for o in outcomes if o not in conflicts] == [S.MONITORING]
    conflict = conflicts[0]
    assert "已被他人办理" in conflict.message and "本次操作未生效" in conflict.message
    case.refresh_from_db()
    assert case.status == S.MONITORING and case.version == version + 1
    assert CaseTransition.objects.filter(case=case, to_status=S.MONITORING).count() == 1
    assert AuditEvent.objects.filter(event_type=AuditEventType.CASE_TRANSITIONED,
                                     subject_id=str(case.pk),
                                     changes__status=[S.COUNTY_APPROVAL, S.MONITORING]
                                     ).count() == 1
