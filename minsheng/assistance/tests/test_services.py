"""Plans, measures and visits through the services: atomic, version-checked, scoped, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minsheng.assistance import services
from minsheng.assistance.catalogue import CATALOGUE
from minsheng.assistance.models import (
    AssistancePlan,
    FollowUpVisit,
    MeasureStatus,
    MeasureType,
    PlanMeasure,
    PlanStatus,
)
from minsheng.assistance.selectors import continuing_measures, visit_prefill
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType

TODAY = timezone.localdate()
MONTH = f"{TODAY:%Y-%m}"


def test_catalogue_is_seeded_with_kinds_and_continuation(catalogue):
    assert MeasureType.objects.count() == len(CATALOGUE) == 14
    assert MeasureType.objects.get(code="microcredit").continues_until == "贷款到期"
    assert MeasureType.objects.get(code="public_post").continues_after_elimination
    assert MeasureType.objects.get(code="education").continues_after_elimination
    assert not MeasureType.objects.get(code="dibao").continues_after_elimination
    assert set(MeasureType.objects.filter(kind="safety_net").values_list("code", flat=True)) >= {
        "dibao", "tekun", "temporary_relief"}


def test_create_plan_audited_and_one_active_per_household(personas, households, plan):
    assert plan.status == PlanStatus.ACTIVE and plan.region_id == households["labour"].region_id
    assert plan.responsible_user == personas["village_monitor"]
    event = AuditEvent.objects.filter(event_type=AuditEventType.ASSISTANCE_UPDATED,
                                      subject_id=str(plan.pk)).get()
    assert event.changes["responsible_name"] == [None, "刘干部"]
    with pytest.raises(Conflict, match="已有执行中的帮扶计划"):
        services.plan_create(actor=personas["county_office"], household=households["labour"])


def test_village_monitor_cannot_create_plan_but_records_measures(personas, households, plan):
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=personas["village_monitor"], household=households["weak"])
    measure = services.measure_add(actor=personas["village_monitor"], plan=plan,
                                   measure_type="employment", start_date=TODAY, amount="1200")
    assert measure.amount == Decimal("1200.00") and measure.status == MeasureStatus.PLANNED
    # default duration from the catalogue (12 months)
    assert measure.end_date > TODAY + dt.timedelta(days=360)


def test_auditor_reads_but_cannot_write(personas, households, plan):
    with pytest.raises(PermissionDenied):
        services.measure_add(actor=personas["auditor"], plan=plan, measure_type="industry",
                             start_date=TODAY)


def test_out_of_scope_is_not_found(personas, households, plan):
    with pytest.raises(NotFound):
        services.plan_create(actor=personas["township_station"],
                             household=households["outside"])
    with pytest.raises(NotFound):
        services.measure_add(actor=personas["outsider"], plan=plan, measure_type="industry",
                             start_date=TODAY)


def test_create_with_all_suggestions_adopted(personas, households):
    plan = services.plan_create(actor=personas["county_office"], household=households["none"],
                                adopt_suggestions=True)
    codes = set(plan.measures.values_list("measure_type_id", flat=True))
    assert {"dibao", "tekun", "temporary_relief", "disability"} <= codes
    assert "employment" not in codes
    assert all(m.suggested_reason for m in plan.measures.all())


def test_adopt_one_suggestion_and_refuse_twice_or_unsuggested(personas, households, plan):
    monitor = personas["village_monitor"]
    measure = services.measure_add(actor=monitor, plan=plan, adopt=True,
                                   measure_type="housing")
    assert "C 级" in measure.suggested_reason
    with pytest.raises(Conflict, match="同类"):
        services.measure_add(actor=monitor, plan=plan, adopt=True, measure_type="housing")
    with pytest.raises(InvalidInput, match="不在当前的系统建议"):
        services.measure_add(actor=monitor, plan=plan, adopt=True, measure_type="dibao")


def test_stale_plan_version_is_a_conflict(personas, households, plan):
    station = personas["township_station"]
    services.plan_update(actor=station, plan=plan, version=plan.version, responsible_name="周某")
    with pytest.raises(Conflict, match="已被他人修改"):
        services.plan_update(actor=station, plan=plan, version=plan.version,
                             responsible_name="吴某")
    plan.refresh_from_db()
    assert plan.responsible_name == "周某" and plan.version == 2


def test_responsible_account_must_cover_the_village(personas, households, plan):
    with pytest.raises(InvalidInput, match="管辖范围"):
        services.plan_update(actor=personas["county_office"], plan=plan, version=plan.version,
                             responsible_user=personas["outsider"].username)
    with pytest.raises(InvalidInput, match="村监测员"):
        services.plan_update(actor=personas["county_office"], plan=plan, version=plan.version,
                             responsible_user=personas["auditor"].pk)


def test_measure_update_versioned_forward_only_and_atomic(personas, households, plan):
    monitor = personas["village_monitor"]
    measure = services.measure_add(actor=monitor, plan=plan, measure_type="industry",
                                   start_date=TODAY)
    measure = services.measure_update(actor=monitor, measure=measure, version=1,
                                      status=MeasureStatus.IN_PROGRESS, amount="3000.50")
    assert measure.version == 2 and measure.amount == Decimal("3000.50")
    with pytest.raises(Conflict):
        services.measure_update(actor=monitor, measure=measure, version=1, amount="1")
    services.measure_update(actor=monitor, measure=measure, version=2,
                            status=MeasureStatus.COMPLETED)
    with pytest.raises(InvalidInput, match="不能改为"):
        services.measure_update(actor=monitor, measure=measure, version=3,
                                status=MeasureStatus.IN_PROGRESS)
    with pytest.raises(InvalidInput, match="结束日期不能早于"):
        services.measure_update(actor=monitor, measure=measure, version=3,
                                end_date=TODAY - dt.timedelta(days=400))
    measure.refresh_from_db()
    assert measure.version == 3 and measure.status == MeasureStatus.COMPLETED


@pytest.mark.parametrize("amount", ["-1", "abc", "1.234"])
def test_bad_amount_refused_nothing_written(personas, households, plan, amount):
    before = PlanMeasure.objects.count()
    with pytest.raises(InvalidInput, match="金额"):
        services.measure_add(actor=personas["village_monitor"], plan=plan,
                             measure_type="industry", start_date=TODAY, amount=amount)
    assert PlanMeasure.objects.count() == before


def test_close_plan_keeps_continuing_measures(personas, households, plan):
    monitor = personas["village_monitor"]
    due = TODAY + dt.timedelta(days=700)
    loan = services.measure_add(actor=monitor, plan=plan, measure_type="microcredit",
                                start_date=TODAY, amount="50000", continues_until=due)
    school = services.measure_add(actor=monitor, plan=plan, measure_type="education",
                                  start_date=TODAY)
    industry = services.measure_add(actor=monitor, plan=plan, measure_type="industry",
                                    start_date=TODAY)
    plan.refresh_from_db()
    with pytest.raises(InvalidInput, match="关闭原因"):
        services.plan_close(actor=personas["township_station"], plan=plan,
                            version=plan.version, reason=" ")
    services.plan_close(actor=personas["township_station"], plan=plan, version=plan.version,
                        reason="风险消除")
    industry.refresh_from_db()
    loan.refresh_from_db()
    assert industry.status == MeasureStatus.TERMINATED and loan.status == MeasureStatus.PLANNED
    continuing = continuing_measures(actor=personas["auditor"], household=households["labour"],
                                     on=TODAY)
    assert [m.pk for m in continuing] == [loan.pk, school.pk]
    assert continuing[0].continues_until == due
    # after its end the measure no longer shows
    assert continuing_measures(actor=personas["auditor"], household=households["labour"],
                               on=due + dt.timedelta(days=400)) == []
    # a continuing measure can still be updated; a new plan can be drawn up
    services.measure_update(actor=monitor, measure=loan, version=loan.version,
                            status=MeasureStatus.IN_PROGRESS)
    services.plan_create(actor=personas["county_office"], household=households["labour"])


def test_evidence_upload(personas, households, plan, settings):
    measure = services.measure_add(actor=personas["village_monitor"], plan=plan,
                                   measure_type="industry", start_date=TODAY)
    evidence = services.evidence_add(actor=personas["village_monitor"], measure=measure,
                                     uploaded=SimpleUploadedFile("合同.pdf", b"%PDF-1.4 test"),
                                     description="产业帮扶协议")
    assert evidence.file.read() == b"%PDF-1.4 test"
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    with pytest.raises(InvalidInput, match="类型不支持"):
        services.evidence_add(actor=personas["village_monitor"], measure=measure,
                              uploaded=SimpleUploadedFile("x.exe", b"MZ"))


def _visit(actor, household, **extra):
    data = {"month": MONTH, "visit_date": TODAY, "income_change": "same"}
    data.update(extra)
    return services.visit_record(actor=actor, household=household, **data)


def test_visit_once_a_month_audited(personas, households, plan):
    visit = _visit(personas["village_monitor"], households["labour"], problems="缺技术")
    assert visit.plan == plan and visit.cadre_name == "village_monitor"
    assert AuditEvent.objects.filter(event_type=AuditEventType.FOLLOW_UP_RECORDED,
                                     subject_id=str(visit.pk)).exists()
    with pytest.raises(Conflict, match="已登记"):
        _visit(personas["village_monitor"], households["labour"])


def test_visit_validation(personas, households, plan):
    monitor = personas["village_monitor"]
    with pytest.raises(InvalidInput, match="不在走访月份"):
        _visit(monitor, households["labour"], month="2020-01")
    with pytest.raises(InvalidInput, match="收入变化"):
        _visit(monitor, households["labour"], income_change="")
    with pytest.raises(InvalidInput, match="晚于今天"):
        _visit(monitor, households["labour"], visit_date=TODAY + dt.timedelta(days=40),
               month=f"{TODAY + dt.timedelta(days=40):%Y-%m}")
    with pytest.raises(NotFound):
        _visit(personas["outsider"], households["labour"])
    with pytest.raises(PermissionDenied):
        _visit(personas["auditor"], households["labour"])
    assert not FollowUpVisit.objects.exists()


def test_visit_updates_measure_status_atomically(personas, households, plan):
    monitor = personas["village_monitor"]
    measure = services.measure_add(actor=monitor, plan=plan, measure_type="industry",
                                   start_date=TODAY)
    _visit(monitor, households["labour"],
           measures_progress=[{"measure": measure.pk, "status": "in_progress", "note": "已种植"}])
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    other = households["weak"]
    with pytest.raises(InvalidInput, match="不属于该户"):
        _visit(monitor, other, measures_progress=[{"measure": measure.pk, "status": "completed"}])
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    assert not FollowUpVisit.objects.filter(household=other).exists()


def test_prefill_from_previous_visit_and_registry(personas, households, plan):
    monitor = personas["village_monitor"]
    last = TODAY.replace(day=1) - dt.timedelta(days=1)
    _visit(monitor, households["labour"], month=f"{last:%Y-%m}", visit_date=last,
           problems="女儿学费压力大", next_steps="申请雨露计划")
    measure = services.measure_add(actor=monitor, plan=plan, measure_type="industry",
                                   start_date=TODAY)
    data = visit_prefill(actor=monitor, household=households["labour"], month=MONTH, on=TODAY)
    assert data["problems"] == "女儿学费压力大" and data["next_steps"] == "申请雨露计划"
    assert data["cadre_name"] == "刘干部"
    assert data["housing_ok"] is False  # 住房 C 级 in the registry
    assert data["education_ok"] is True and data["medical_ok"] is True
    assert data["measures_progress"][0]["measure"] == measure.pk
    assert data["previous"].month == f"{last:%Y-%m}"


def test_plan_rows_stay_when_household_has_plan_history(personas, households, plan):
    services.plan_close(actor=personas["county_office"], plan=plan, version=plan.version,
                        reason="户已归档")
    assert AssistancePlan.objects.filter(household=households["labour"]).count() == 1


def test_bad_phone_refused(personas, households):
    with pytest.raises(InvalidInput, match="电话"):
        services.plan_create(actor=personas["county_office"], household=households["weak"],
                             responsible_name="某", responsible_phone="12345")
    assert not AssistancePlan.objects.filter(household=households["weak"]).exists()
