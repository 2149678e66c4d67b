"""Risk-elimination criteria (``monitoring.elimination``) and their use by
``case_services.case_transition``: 提出风险消除 is refused while any criterion is unmet (each one
on its own), allowed when all are met, re-checked at 县级审定; the months follow the parameter."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from minsheng.core.errors import InvalidInput
from minsheng.core.roles import Role
from minsheng.monitoring import case_services
from minsheng.monitoring.elimination import (
    STABLE_MONTHS_PARAMETER,
    add_months,
    elimination_criteria,
    unmet_message,
)
from minsheng.monitoring.models import (
    CaseStatus,
    EliminationKind,
    MonitoringCase,
    RiskSignal,
    SignalStatus,
)
from minsheng.monitoring.tests.cases import (
    TODAY,
    case_at,
    make_household,
    meet_elimination_criteria,
    prepare,
    take,
)
from minsheng.policy import proposals
from minsheng.regions.services import AccountData, account_create
from minsheng.registry.models import Household, IncomeLedger, Member
from minsheng.testing import COUNTY_A, PASSWORD

S = CaseStatus


@pytest.fixture
def monitored(personas):
    """A case in 监测中 whose household meets every criterion."""
    household = make_household(personas["county_office"])
    case = case_at(personas, household, S.MONITORING)
    meet_elimination_criteria(case)
    case.refresh_from_db()
    return case


def propose(personas, case, today=TODAY):
    case.refresh_from_db()
    return case_services.case_transition(
        actor=personas["village_monitor"], case=case, action="propose_elimination",
        version=case.version, elimination_kind=EliminationKind.ASSISTED, today=today)


def refused(personas, case, title):
    with pytest.raises(InvalidInput) as error:
        propose(personas, case)
    assert "尚未满足风险消除条件" in error.value.message
    assert title in error.value.message
    case.refresh_from_db()
    assert case.status == S.MONITORING
    return error.value.message


def statuses(case, on=TODAY):
    return {c.code: c.met for c in elimination_criteria(case, on=on)}


def test_all_criteria_met_allow_the_proposal(personas, monitored):
    found = elimination_criteria(monitored, on=TODAY)
    assert [c.met for c in found] == [True] * 8
    assert unmet_message(found) == ""
    income = found[0]
    # 60000 yuan for 2 people = 30000 per person; the line, its parameter and document cited.
    assert "人均纯收入 30,000 元" in income.text and "2026 年监测范围 8,500 元" in income.text
    months = found[-1]
    assert "2025-11-01" in months.text and STABLE_MONTHS_PARAMETER in months.text
    assert propose(personas, monitored).status == S.ELIM_CHECK


def test_income_below_the_range_refuses(personas, monitored):
    IncomeLedger.objects.filter(household=monitored.household).update(wage_income=Decimal("3000"))
    assert statuses(monitored) == {**statuses_all_true(), "income": False}
    message = refused(personas, monitored, "收入稳定超过监测范围")
    assert "1,500 元" in message  # the per-capita income named


def test_a_missing_ledger_is_unknown_and_refuses(personas, monitored):
    IncomeLedger.objects.filter(household=monitored.household).delete()
    found = statuses(monitored)
    assert found["income"] is None and found["medical_burden"] is None
    message = refused(personas, monitored, "数据缺失")
    assert "收支台账" in message


def test_a_heavy_medical_burden_refuses(personas, monitored):
    IncomeLedger.objects.filter(household=monitored.household).update(
        wage_income=Decimal("200000"), medical_out_of_pocket=Decimal("150000"))
    assert statuses(monitored) == {**statuses_all_true(), "medical_burden": False}
    refused(personas, monitored, "刚性支出（医疗）负担已化解")


def test_a_child_out_of_school_refuses(personas, monitored):
    child = Member.objects.filter(household=monitored.household).order_by("id").last()
    Member.objects.filter(pk=child.pk).update(birth_date=dt.date(2016, 3, 1),
                                              school_stage="not_in_school")
    assert statuses(monitored) == {**statuses_all_true(), "education": False}
    refused(personas, monitored, "义务教育有保障")


def test_an_uninsured_member_refuses(personas, monitored):
    member = Member.objects.filter(household=monitored.household).order_by("id").first()
    Member.objects.filter(pk=member.pk).update(medical_insurance=False)
    assert statuses(monitored) == {**statuses_all_true(), "medical_insurance": False}
    refused(personas, monitored, "基本医疗有保障")


@pytest.mark.parametrize("grade,expected", [("C", False), ("", None)])
def test_unsafe_or_unassessed_housing_refuses(personas, monitored, grade, expected):
    Household.objects.filter(pk=monitored.household_id).update(housing_grade=grade)
    assert statuses(monitored) == {**statuses_all_true(), "housing": expected}
    refused(personas, monitored, "住房安全有保障")


@pytest.mark.parametrize("value,expected", [(False, False), (None, None)])
def test_failing_or_unchecked_water_refuses(personas, monitored, value, expected):
    Household.objects.filter(pk=monitored.household_id).update(water_quality_ok=value)
    assert statuses(monitored) == {**statuses_all_true(), "water": expected}
    refused(personas, monitored, "饮水安全有保障")


def _signal(case, created: dt.date, status=SignalStatus.OPEN, reason="housing_unsafe"):
    at = timezone.make_aware(dt.datetime.combine(created, dt.time(10)))
    return RiskSignal.objects.create(
        household=case.household, region_id=case.region_id, rule_id="housing", rule_version=1,
        reason_code=reason, outcome="risk", status=status, measured="C", on=created,
        first_run_id=0, last_run_id=0, created_at=at, updated_at=at)


def test_an_open_signal_found_after_inclusion_refuses(personas, monitored):
    _signal(monitored, dt.date(2025, 10, 1), reason="water_failing")  # before inclusion
    _signal(monitored, dt.date(2026, 2, 1), status=SignalStatus.RESOLVED_BY_DATA)
    assert statuses(monitored)["no_new_risk"] is True
    _signal(monitored, dt.date(2026, 3, 2))
    assert statuses(monitored) == {**statuses_all_true(), "no_new_risk": False}
    message = refused(personas, monitored, "纳入后无新增风险")
    assert "2026-03-02" in message and "住房不安全" in message


def test_too_short_a_monitoring_period_refuses(personas, monitored):
    MonitoringCase.objects.filter(pk=monitored.pk).update(included_on=dt.date(2026, 1, 15))
    monitored.refresh_from_db()
    assert statuses(monitored) == {**statuses_all_true(), "months": False}
    message = refused(personas, monitored, "监测期满")
    assert "2026-07-15" in message and "6 个月" in message
    # The day the period is over it is allowed.
    assert statuses(monitored, on=dt.date(2026, 7, 15))["months"] is True


def test_a_shorter_local_parameter_moves_the_outcome(personas, monitored):
    MonitoringCase.objects.filter(pk=monitored.pk).update(included_on=dt.date(2026, 1, 15))
    monitored.refresh_from_db()
    refused(personas, monitored, "监测期满")
    second = account_create(actor=None, data=AccountData(
        username="county_office_2", display_name="县级二", role=Role.COUNTY_OFFICE,
        region_codes=[COUNTY_A]), password=PASSWORD)
    proposal = proposals.parameter_propose(
        actor=personas["county_office"], name=STABLE_MONTHS_PARAMETER, region_code="430523",
        effective=dt.date(2026, 1, 1), value="4", ref_document="邵阳县风险消除标准（测试）",
        ref_issuer="邵阳县乡村振兴局", ref_date=dt.date(2026, 1, 1))
    proposals.parameter_approve(actor=second, proposal_id=proposal.pk, version=proposal.version)
    assert propose(personas, monitored).status == S.ELIM_CHECK


def test_the_county_approval_rechecks_the_criteria(personas, monitored):
    case = monitored
    for action in ["propose_elimination", "submit_elim_check", "start_elim_notice",
                   "submit_elim_notice", "township_approve_elimination"]:
        case = take(personas, case, action)
    assert case.status == S.ELIM_COUNTY
    Household.objects.filter(pk=case.household_id).update(housing_grade="D")
    case.refresh_from_db()
    with pytest.raises(InvalidInput, match="住房安全有保障"):
        case_services.case_transition(actor=personas["county_office"], case=case,
                                      action="eliminate", version=case.version, today=TODAY)
    case.refresh_from_db()
    assert case.status == S.ELIM_COUNTY and case.eliminated_on is None


def test_no_labour_is_still_refused_first(personas):
    household = make_household(personas["county_office"], "C009", labour="lost", seq=31)
    case = case_at(personas, household, S.MONITORING)
    meet_elimination_criteria(case)
    with pytest.raises(InvalidInput, match="暂不标注风险消除"):
        propose(personas, case)
    assert prepare  # the fixtures create the criteria's facts for the walk


def test_add_months_keeps_the_day_or_the_months_last_day():
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 6, 1), -7) == dt.date(2025, 11, 1)
    assert add_months(dt.date(2025, 11, 1), 14) == dt.date(2027, 1, 1)


def statuses_all_true():
    return {code: True for code in ("income", "medical_burden", "education",
                                    "medical_insurance", "housing", "water", "no_new_risk",
                                    "months")}


# --- the case detail page ----------------------------------------------------------------------


def _seed_catalogue():
    from minsheng.assistance.catalogue import CATALOGUE
    from minsheng.assistance.models import MeasureType

    for code, name, kind, months, until, order in CATALOGUE:
        MeasureType.objects.update_or_create(code=code, defaults={
            "name": name, "kind": kind, "default_months": months,
            "continues_until": until, "sort_order": order})


def test_the_case_page_shows_the_criteria_and_the_continuing_measures(personas, monitored,
                                                                      client_for):
    from minsheng.assistance import services as assistance

    _seed_catalogue()
    today = timezone.localdate()
    plan = assistance.plan_create(actor=personas["township_station"],
                                  household=monitored.household)
    due = today + dt.timedelta(days=500)
    assistance.measure_add(actor=personas["village_monitor"], plan=plan,
                           measure_type="microcredit", title="小额信贷 5 万元",
                           start_date=today, amount="50000", continues_until=due)
    MonitoringCase.objects.filter(pk=monitored.pk).update(included_on=today)
    Household.objects.filter(pk=monitored.household_id).update(housing_grade="C")
    page = client_for("village_monitor").get(f"/monitoring/cases/{monitored.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="elimination-criteria"' in html
    assert 'data-testid="criterion-housing"' in html and "住房不安全" in html
    assert "未满足" in html and "已满足" in html
    assert "须持续监测满 6 个月" in html  # included today: the months are not over
    assert 'data-testid="assistance-plan"' in html
    assert f"/assistance/households/{monitored.household_id}/" in html
    assert "小额信贷 5 万元" in html and f"延续至 {due:%Y-%m-%d}" in html


def test_the_criteria_panel_is_not_shown_during_identification(personas, client_for):
    household = make_household(personas["county_office"], "C021", seq=41)
    case = case_at(personas, household, S.REVIEW)
    html = client_for("village_monitor").get(f"/monitoring/cases/{case.pk}/").content.decode()
    assert 'data-testid="elimination-criteria"' not in html
    assert "没有风险消除后仍延续的帮扶措施" in html


# --- the daily overdue check ---------------------------------------------------------------------


def test_the_daily_overdue_task_counts_what_the_cli_counts(personas):
    from minsheng.monitoring.tasks import overdue_check_task

    household = make_household(personas["county_office"], "C031", seq=51)
    case = case_at(personas, household, S.WARNING)
    late = case.step_deadline + dt.timedelta(days=2)
    result = overdue_check_task.enqueue("county_office", late.isoformat())
    found = result.return_value
    assert found["on"] == late.isoformat() and found["total"] == [["total", "合计", 1]]
    assert found["steps"] == [[S.WARNING, "风险预警", 1]]
    assert [row[2] for row in found["townships"]] == [1]
    out = io.StringIO()
    call_command("cases", "overdue", "--user", "county_office", "--on", late.isoformat(),
                 stdout=out)
    assert "逾期环节 1 件" in out.getvalue()
    on_time = overdue_check_task.enqueue("county_office", case.step_deadline.isoformat())
    assert on_time.return_value["total"] == [["total", "合计", 0]]
    # scoped like the CLI: an account outside the county sees nothing
    outside = overdue_check_task.enqueue("outsider", late.isoformat()).return_value
    assert outside["total"][0][2] == 0
    with pytest.raises(ValueError, match="不存在或已停用"):
        overdue_check_task.call("nobody", late.isoformat())
