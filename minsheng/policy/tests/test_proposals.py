"""Local parameter values (地方参数取值申报): proposal checks, four-eyes approval, audit, and
how approved values join the lookup (``selectors.active_parameters``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.core.roles import Role
from minsheng.policy import proposals, selectors
from minsheng.policy.models import ParameterProposal, ProposalStatus
from minsheng.policy.parameters import LocalReference, default_parameters
from minsheng.regions.services import AccountData, account_create
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, PASSWORD, TOWNSHIP_A, VILLAGE_A

RANGE = "monitoring.range"
D = dt.date


def propose(actor: Any, **overrides: Any) -> ParameterProposal:
    data: dict[str, Any] = {
        "name": RANGE, "region_code": "430523", "effective": D(2026, 1, 1),
        "until": D(2026, 12, 31), "value": "8800",
        "ref_document": "邵阳县 2026 年度防止返贫监测范围的通知（测试）",
        "ref_issuer": "邵阳县乡村振兴局", "ref_date": D(2026, 2, 1),
        "ref_url": "https://example.gov.cn/notice", "note": "县级自定标准",
    }
    data.update(overrides)
    return proposals.parameter_propose(actor=actor, **data)


def message_of(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return excinfo.value.message


@pytest.fixture
def second_county(personas):
    """Another county-office account of the same county (the four-eyes colleague)."""
    return account_create(actor=None, data=AccountData(
        username="county_office_2", display_name="县级二", role=Role.COUNTY_OFFICE,
        region_codes=[COUNTY_A]), password=PASSWORD)


def range_on(on: dt.date, region: str) -> Any:
    return selectors.active_parameters().value(RANGE, on=on, region_code=region)


class ProposeTests:
    def test_stores_pending_proposal_and_audits_when_value_is_valid(self, personas):
        proposal = propose(personas["county_office"])
        assert proposal.status == ProposalStatus.PENDING
        assert proposal.region_code == COUNTY_A
        assert proposal.value == "8800"  # money is kept as decimal text, never a float
        assert proposal.version == 1
        event = AuditEvent.objects.get(event_type=AuditEventType.PARAMETER_PROPOSED)
        assert event.actor == personas["county_office"]
        assert event.subject_id == str(proposal.pk)
        assert event.region_code == COUNTY_A
        assert event.changes["value"] == [None, "8800"]
        assert event.changes["name"] == [None, RANGE]

    def test_money_keeps_decimals_as_text_when_value_has_cents(self, personas):
        proposal = propose(personas["county_office"], value="8800.50")
        assert proposal.value == "8800.50"

    def test_refuses_value_above_file_maximum(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], value="60000")
        assert message_of(exc) == "取值 60000 大于上限 max（50000）。"
        assert not ParameterProposal.objects.exists()
        assert not AuditEvent.objects.filter(event_type=AuditEventType.PARAMETER_PROPOSED).exists()

    def test_refuses_value_that_is_not_a_number_for_money_unit(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], value="8,800")
        assert message_of(exc) == "取值应为数字（单位：元/人/年），实为「8,800」。"

    def test_refuses_more_than_two_decimals_for_money_unit(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], value="8800.555")
        assert message_of(exc) == "取值「8800.555」最多两位小数（单位：元/人/年）。"

    def test_refuses_fraction_for_day_unit(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], name="procedure.identification.notice_days",
                    value="5.5", until=None)
        assert message_of(exc) == "取值应为整数（单位：天），实为「5.5」。"

    def test_refuses_ratio_above_unit_maximum(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], name="monitoring.rigid_expense.income_share",
                    value="1.5", effective=D(2027, 1, 1), until=None)
        assert "取值 1.5 大于该单位允许的最大值（1）" in message_of(exc)

    def test_refuses_code_outside_choices_for_list_unit(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], name="monitoring.net_income.counted_income",
                    value=["wage_income", "lottery"], until=None)
        assert message_of(exc) == "列表中有不在可选项（choices）中的代码：lottery。"

    def test_stores_list_when_codes_are_choices(self, personas):
        proposal = propose(personas["county_office"],
                           name="monitoring.net_income.counted_income",
                           value=["wage_income", "business_income"], until=None)
        assert proposal.value == ["wage_income", "business_income"]

    def test_refuses_yes_for_boolean_unit(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], name="procedure.identification.green_channel",
                    value="yes", until=None)
        assert message_of(exc) == "取值应为 true 或 false（单位：布尔），实为「yes」。"

    def test_refuses_until_before_effective(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], until=D(2025, 12, 31))
        assert message_of(exc) == "截止日期（until）2025-12-31 早于生效日期 2026-01-01。"

    def test_refuses_reference_dated_more_than_a_year_after_effective(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], ref_date=D(2027, 6, 1))
        assert message_of(exc) == "出处的发文日期 2027-06-01 比生效日期 2026-01-01 晚一年以上，请核对。"

    def test_refuses_missing_reference_document(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], ref_document="  ")
        assert message_of(exc) == "缺少出处的文件名称（document）。"

    def test_refuses_same_date_as_file_value_of_the_region(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], effective=D(2025, 1, 1), until=D(2025, 12, 31),
                    ref_date=D(2025, 1, 1))
        assert message_of(exc) == (
            "与参数文件中区划 430523000000 的取值（2025-01-01 至 2025-12-31）重叠：同一区划的取值"
            "生效日期不能相同，前一条的截止日期须早于后一条的生效日期。")

    def test_refuses_start_inside_file_value_period(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], effective=D(2025, 7, 1), until=None)
        assert message_of(exc).startswith(
            "与参数文件中区划 430523000000 的取值（2025-01-01 至 2025-12-31）重叠")

    def test_refuses_until_reaching_next_value_of_the_region(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], effective=D(2024, 1, 1), until=D(2025, 1, 1),
                    ref_date=D(2024, 1, 1))
        assert message_of(exc).startswith(
            "与参数文件中区划 430523000000 的取值（2025-01-01 至 2025-12-31）重叠")

    def test_accepts_value_before_file_value_when_it_ends_in_time(self, personas):
        proposal = propose(personas["county_office"], effective=D(2024, 1, 1),
                           until=D(2024, 12, 31), ref_date=D(2024, 1, 1))
        assert proposal.status == ProposalStatus.PENDING

    def test_province_value_does_not_block_county_value_for_same_dates(self, personas):
        # 湖南省 has 2026-01-01..2026-12-31; a county value for the same year overrides it.
        assert propose(personas["county_office"]).pk

    def test_refuses_overlap_with_other_pending_proposal(self, personas):
        first = propose(personas["county_office"])
        with pytest.raises(InvalidInput) as exc:
            propose(personas["city_office"], effective=D(2026, 6, 1), until=None)
        assert message_of(exc) == (f"与待审批的申报 #{first.pk}（2026-01-01 起）重叠：请等它审批完毕，"
                                   "或请申报人撤回后再申报。")

    def test_refuses_overlap_with_approved_value(self, personas):
        first = propose(personas["county_office"])
        proposals.parameter_approve(actor=personas["city_office"], proposal_id=first.pk,
                                    version=1)
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], effective=D(2026, 1, 1), until=None)
        assert message_of(exc).startswith(
            f"与地方审批取值（申报 #{first.pk}）中区划 430523000000 的取值（2026-01-01 至 "
            "2026-12-31）重叠")

    def test_out_of_scope_region_is_not_found(self, personas):
        with pytest.raises(NotFound) as exc:
            propose(personas["county_office"], region_code=OUTSIDE_VILLAGE)
        assert message_of(exc) == "所选区划不存在或不在您的管辖范围内。"

    def test_unknown_region_is_not_found(self, personas):
        with pytest.raises(NotFound):
            propose(personas["county_office"], region_code="430599")

    def test_refuses_province_and_city_level(self, personas):
        for code in ("43", "4305"):
            with pytest.raises(InvalidInput) as exc:
                propose(personas["province_office"], region_code=code)
            assert message_of(exc) == ("只能为县（市、区）及以下的区划申报地方取值；全国、省级和市级的取值"
                                       "由参数文件统一维护。")

    def test_city_account_may_propose_for_county_in_its_city(self, personas):
        assert propose(personas["city_office"], region_code="430524").region_code == \
            "430524000000"

    def test_township_value_for_township_in_scope(self, personas):
        assert propose(personas["county_office"], region_code=TOWNSHIP_A).region_code == TOWNSHIP_A

    def test_refuses_unknown_parameter(self, personas):
        with pytest.raises(InvalidInput) as exc:
            propose(personas["county_office"], name="monitoring.nothing")
        assert message_of(exc) == "未定义的政策参数「monitoring.nothing」。"

    @pytest.mark.parametrize("persona", ["village_monitor", "township_station", "auditor",
                                         "liaison", "enterprise", "sys_admin"])
    def test_roles_without_propose_permission_are_refused(self, personas, persona):
        with pytest.raises(PermissionDenied):
            propose(personas[persona])


class ApproveTests:
    def test_different_person_approves_and_audit_records_it(self, personas, second_county):
        proposal = propose(personas["county_office"])
        approved = proposals.parameter_approve(actor=second_county, proposal_id=proposal.pk,
                                               version=1, note="已核对原文")
        assert approved.status == ProposalStatus.APPROVED
        assert approved.decided_by == second_county
        assert approved.decided_at is not None
        assert approved.version == 2
        event = AuditEvent.objects.get(event_type=AuditEventType.PARAMETER_APPROVED)
        assert event.actor == second_county
        assert event.subject_id == str(proposal.pk)
        assert event.changes["status"] == ["pending", "approved"]
        assert event.note == "已核对原文"
        assert event.extra == {"proposed_by": "county_office"}

    def test_proposer_cannot_approve_own_proposal(self, personas):
        proposal = propose(personas["county_office"])
        with pytest.raises(PermissionDenied) as exc:
            proposals.parameter_approve(actor=personas["county_office"], proposal_id=proposal.pk,
                                        version=1)
        assert message_of(exc) == proposals.SELF_APPROVAL
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PENDING
        assert not AuditEvent.objects.filter(event_type=AuditEventType.PARAMETER_APPROVED).exists()

    def test_proposer_cannot_reject_own_proposal(self, personas):
        proposal = propose(personas["county_office"])
        with pytest.raises(PermissionDenied) as exc:
            proposals.parameter_reject(actor=personas["county_office"], proposal_id=proposal.pk,
                                       version=1, reason="不要了")
        assert message_of(exc) == proposals.SELF_REJECTION

    def test_stale_version_is_refused(self, personas, second_county):
        proposal = propose(personas["county_office"])
        proposals.parameter_reject(actor=second_county, proposal_id=proposal.pk, version=1,
                                   reason="文号有误")
        with pytest.raises(Conflict) as exc:
            proposals.parameter_approve(actor=personas["city_office"], proposal_id=proposal.pk,
                                        version=1)
        assert message_of(exc) == ("该申报已被他人处理（当前版本 2，您看到的是版本 1），本次操作未生效。"
                                   "请刷新后重试。")

    def test_decided_proposal_cannot_be_approved_again(self, personas, second_county):
        proposal = propose(personas["county_office"])
        proposals.parameter_reject(actor=second_county, proposal_id=proposal.pk, version=1,
                                   reason="文号有误")
        with pytest.raises(InvalidInput) as exc:
            proposals.parameter_approve(actor=personas["city_office"], proposal_id=proposal.pk,
                                        version=2)
        assert message_of(exc) == "该申报已退回，不能再审批、退回或撤回。"

    def test_approver_outside_region_gets_not_found(self, personas):
        other_county = account_create(actor=None, data=AccountData(
            username="longhui_office", display_name="隆回县", role=Role.COUNTY_OFFICE,
            region_codes=["430524000000"]), password=PASSWORD)
        proposal = propose(personas["county_office"])
        with pytest.raises(NotFound):
            proposals.parameter_approve(actor=other_county, proposal_id=proposal.pk, version=1)

    def test_role_without_approve_permission_is_refused(self, personas):
        proposal = propose(personas["county_office"])
        with pytest.raises(PermissionDenied):
            proposals.parameter_approve(actor=personas["township_station"],
                                        proposal_id=proposal.pk, version=1)

    def test_reject_needs_a_reason(self, personas, second_county):
        proposal = propose(personas["county_office"])
        with pytest.raises(InvalidInput) as exc:
            proposals.parameter_reject(actor=second_county, proposal_id=proposal.pk, version=1,
                                       reason="  ")
        assert message_of(exc) == "退回须填写理由。"

    def test_reject_is_audited_with_reason(self, personas, second_county):
        proposal = propose(personas["county_office"])
        rejected = proposals.parameter_reject(actor=second_county, proposal_id=proposal.pk,
                                              version=1, reason="文号有误")
        assert rejected.status == ProposalStatus.REJECTED
        assert rejected.decision_note == "文号有误"
        event = AuditEvent.objects.get(event_type=AuditEventType.PARAMETER_REJECTED)
        assert event.note == "文号有误"
        assert event.changes["status"] == ["pending", "rejected"]

    def test_approval_rechecks_overlap_with_values_approved_meanwhile(self, personas,
                                                                      second_county):
        first = propose(personas["county_office"])
        proposals.parameter_withdraw(actor=personas["county_office"], proposal_id=first.pk,
                                     version=1)
        second = propose(personas["county_office"])
        third = ParameterProposal.objects.create(  # deliberately broken: bypasses the check
            name=RANGE, region_code=COUNTY_A, effective=D(2026, 3, 1), value=9000,
            ref_document="文件", ref_issuer="机关", ref_date=D(2026, 2, 1),
            proposed_by=personas["county_office"])
        proposals.parameter_approve(actor=second_county, proposal_id=second.pk, version=1)
        with pytest.raises(InvalidInput) as exc:
            proposals.parameter_approve(actor=second_county, proposal_id=third.pk, version=1)
        assert message_of(exc).startswith(f"与地方审批取值（申报 #{second.pk}）中区划")


class WithdrawTests:
    def test_proposer_withdraws_pending_proposal(self, personas):
        proposal = propose(personas["county_office"])
        withdrawn = proposals.parameter_withdraw(actor=personas["county_office"],
                                                 proposal_id=proposal.pk, version=1,
                                                 note="数字写错")
        assert withdrawn.status == ProposalStatus.WITHDRAWN
        event = AuditEvent.objects.get(event_type=AuditEventType.PARAMETER_WITHDRAWN)
        assert event.actor == personas["county_office"]
        assert event.note == "数字写错"

    def test_someone_else_cannot_withdraw(self, personas, second_county):
        proposal = propose(personas["county_office"])
        with pytest.raises(PermissionDenied) as exc:
            proposals.parameter_withdraw(actor=second_county, proposal_id=proposal.pk, version=1)
        assert message_of(exc) == "只有申报人本人可以撤回申报。"

    def test_withdrawn_value_may_be_proposed_again(self, personas):
        proposal = propose(personas["county_office"])
        proposals.parameter_withdraw(actor=personas["county_office"], proposal_id=proposal.pk,
                                     version=1)
        assert propose(personas["county_office"]).status == ProposalStatus.PENDING


class LookupTests:
    def test_approved_value_joins_lookup_and_most_specific_region_wins(self, personas,
                                                                     second_county):
        assert range_on(D(2026, 6, 1), VILLAGE_A).value == Decimal(8500)  # province file value
        proposal = propose(personas["county_office"])
        assert range_on(D(2026, 6, 1), VILLAGE_A).value == Decimal(8500)  # pending: ignored
        proposals.parameter_approve(actor=second_county, proposal_id=proposal.pk, version=1)
        found = range_on(D(2026, 6, 1), VILLAGE_A)
        assert found.value == Decimal(8800)
        assert found.source_region == COUNTY_A
        assert isinstance(found.ref, LocalReference)
        assert found.ref.proposal_id == proposal.pk
        assert found.ref.approved_by == "county_office_2"
        assert found.ref.verified is False
        # The other county of the city keeps the province value; the file values stay.
        assert range_on(D(2026, 6, 1), OUTSIDE_VILLAGE).value == Decimal(8500)
        assert range_on(D(2025, 6, 1), VILLAGE_A).value == Decimal(8200)
        # After its until the county value expires and the walk goes up (nothing for 2027).
        snap = found.snapshot()
        assert snap["ref"]["local"]["proposal_id"] == proposal.pk
        assert snap["ref"]["local"]["approved_by"] == "county_office_2"

    def test_village_value_beats_county_value(self, personas, second_county):
        county = propose(personas["county_office"])
        village = propose(personas["county_office"], region_code=VILLAGE_A, value="9100")
        for p in (county, village):
            proposals.parameter_approve(actor=second_county, proposal_id=p.pk, version=1)
        assert range_on(D(2026, 6, 1), VILLAGE_A).value == Decimal(9100)
        assert range_on(D(2026, 6, 1), "430523100002").value == Decimal(8800)

    def test_rejected_and_withdrawn_values_are_ignored(self, personas, second_county):
        rejected = propose(personas["county_office"], value="9900")
        proposals.parameter_reject(actor=second_county, proposal_id=rejected.pk, version=1,
                                   reason="不对")
        withdrawn = propose(personas["county_office"], value="9800")
        proposals.parameter_withdraw(actor=personas["county_office"], proposal_id=withdrawn.pk,
                                     version=1)
        assert range_on(D(2026, 6, 1), VILLAGE_A).value == Decimal(8500)

    def test_cache_is_reused_until_an_approval_changes_it(self, personas, second_county,
                                                          django_assert_num_queries):
        first = selectors.active_parameters()
        with django_assert_num_queries(1):  # only the fingerprint
            assert selectors.active_parameters() is first
        proposal = propose(personas["county_office"])
        assert selectors.active_parameters() is first  # a pending proposal changes nothing
        proposals.parameter_approve(actor=second_county, proposal_id=proposal.pk, version=1)
        second = selectors.active_parameters()
        assert second is not first
        with django_assert_num_queries(1):
            assert selectors.active_parameters() is second

    def test_cache_sees_approval_written_by_another_process(self, personas, second_county):
        """Another process's approval reaches this process through the fingerprint, even when
        this process's cache was never cleared (simulated: the row is updated directly)."""
        proposal = propose(personas["county_office"])
        before = selectors.active_parameters()
        ParameterProposal.objects.filter(pk=proposal.pk).update(
            status=ProposalStatus.APPROVED, decided_by=second_county,
            decided_at=dt.datetime(2026, 2, 2, tzinfo=dt.UTC), version=2)
        after = selectors.active_parameters()
        assert after is not before
        assert after.value(RANGE, on=D(2026, 6, 1), region_code=VILLAGE_A).value == Decimal(8800)

    def test_approval_clears_cache_on_commit(self, personas, second_county,
                                             django_capture_on_commit_callbacks):
        proposal = propose(personas["county_office"])
        selectors.active_parameters()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            proposals.parameter_approve(actor=second_county, proposal_id=proposal.pk, version=1)
        assert selectors.clear_parameter_cache in callbacks
        assert selectors._merged is None

    def test_no_approved_values_gives_the_file_set_itself(self, personas):
        assert selectors.active_parameters() is default_parameters()

    def test_approved_value_that_no_longer_fits_is_left_out_and_reported(self, personas,
                                                                       second_county):
        # Deliberately broken data: an "approved" row on the same date as a file value (as if
        # the file gained that value after the approval).
        broken = ParameterProposal.objects.create(
            name=RANGE, region_code=COUNTY_A, effective=D(2025, 1, 1), value=9999,
            ref_document="文件", ref_issuer="机关", ref_date=D(2025, 1, 1),
            proposed_by=personas["county_office"], decided_by=second_county,
            decided_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC), status=ProposalStatus.APPROVED)
        assert range_on(D(2025, 6, 1), VILLAGE_A).value == Decimal(8200)
        problems = [str(p) for p in selectors.local_value_problems()]
        assert problems == [
            f"地方审批取值（申报 #{broken.pk}，{RANGE}，区划 {COUNTY_A}，生效日期 2025-01-01）："
            "与参数文件中区划 430523000000 的取值（2025-01-01 至 2025-12-31）重叠"]


class PolicyCheckTests:
    """``minsheng policy check`` also re-checks the approved local values against the files."""

    def run(self) -> str:
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("policy", "check", stdout=out, stderr=StringIO())
        return out.getvalue()

    def test_counts_approved_values_that_fit(self, personas, second_county):
        proposal = propose(personas["county_office"])
        proposals.parameter_approve(actor=second_county, proposal_id=proposal.pk, version=1)
        assert self.run().strip().endswith("另有 1 条地方审批取值，均与参数文件相符。")

    def test_reports_approved_value_that_clashes_with_files(self, personas, second_county):
        from django.core.management import CommandError

        broken = ParameterProposal.objects.create(  # deliberately broken data, see above
            name=RANGE, region_code=COUNTY_A, effective=D(2025, 1, 1), value=9999,
            ref_document="文件", ref_issuer="机关", ref_date=D(2025, 1, 1),
            proposed_by=personas["county_office"], decided_by=second_county,
            decided_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC), status=ProposalStatus.APPROVED)
        with pytest.raises(CommandError) as exc:
            self.run()
        assert exc.value.returncode == 1
        assert str(exc.value) == (
            "参数文件有 1 处问题：\n"
            f"地方审批取值（申报 #{broken.pk}）：{RANGE}，区划 {COUNTY_A}，生效日期 2025-01-01："
            "与参数文件中区划 430523000000 的取值（2025-01-01 至 2025-12-31）重叠")


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_approve_once(allow_audit_flush):
    """Two county officers approve the same proposal at the same moment (threads, PostgreSQL
    row locks): one approval is applied and audited, the other is refused, nothing twice."""
    from django.db import connection

    from minsheng.testing import create_personas, load_mini_tree, race

    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are tested on PostgreSQL")
    load_mini_tree()
    personas = create_personas()
    approvers = [account_create(actor=None, data=AccountData(
        username=f"approver_{k}", display_name=f"审批人{k}", role=Role.COUNTY_OFFICE,
        region_codes=[COUNTY_A]), password=PASSWORD) for k in (1, 2)]
    proposal = propose(personas["county_office"])
    outcomes = race(lambda actor: proposals.parameter_approve(
        actor=actor, proposal_id=proposal.pk, version=proposal.version), approvers)
    approved = [o for o in outcomes if isinstance(o, ParameterProposal)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    # The second waited for the row lock, then found the version it read gone.
    assert refused[0].message.startswith("该申报已被他人处理")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert AuditEvent.objects.filter(event_type=AuditEventType.PARAMETER_APPROVED).count() == 1
