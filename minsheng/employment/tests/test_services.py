"""Services and selectors: the labour ledger, coverage, enterprises and workshops."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment import selectors, services
from minsheng.employment.models import LabourStatus, WorkshopStatusChange
from minsheng.employment.selectors import coverage, labour_force_list, workshop_subsidies
from minsheng.employment.tests.conftest import MONTH, id_of
from minsheng.testing import COUNTY_A, OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_C

EMPLOYED = {"status": "employed", "work_area": "out_of_province", "employer_name": "东莞电子厂",
            "work_months": 10, "monthly_income": "4500"}
UNEMPLOYED = {"status": "unemployed", "unemployed_reason": "family_care"}
VALID_USCC = "91110000600037341L"


def save(actor, member, data, version=0, month=MONTH):
    return services.labour_status_save(actor=actor, member_id=member.pk, month=month, data=data,
                                       version=version)


class LabourForceTests:
    def test_labour_force_is_working_age_members_with_capacity(self, personas, households):
        names = {m.name for m in labour_force_list(actor=personas["county_office"], month=MONTH)}
        assert names == {"曾祥月", "李芳", "王二", "张三", "张四"}

    def test_village_monitor_sees_only_its_village(self, personas, households):
        names = {m.name for m in labour_force_list(actor=personas["village_monitor"],
                                                   month=MONTH)}
        assert names == {"曾祥月", "李芳", "王二"}

    def test_lower_age_maximum_shrinks_the_labour_force(self, personas, households,
                                                        override_parameter):
        override_parameter("employment.labour_age.max", 50)
        names = {m.name for m in labour_force_list(actor=personas["county_office"], month=MONTH)}
        assert names == {"曾祥月", "李芳", "王二", "张四"}

    def test_higher_age_minimum_shrinks_the_labour_force(self, personas, households,
                                                         override_parameter):
        override_parameter("employment.labour_age.min", 44)
        names = {m.name for m in labour_force_list(actor=personas["county_office"], month=MONTH)}
        assert names == {"曾祥月", "张三", "张四"}

    def test_archived_household_leaves_the_labour_force(self, personas, households):
        from minsheng.registry.services import household_archive

        h = households["H004"]
        household_archive(actor=personas["county_office"], household=h, version=h.version,
                          reason="other", note="测试")
        names = {m.name for m in labour_force_list(actor=personas["county_office"], month=MONTH)}
        assert names == {"曾祥月", "李芳", "王二"}


class LabourStatusTests:
    def test_creates_then_updates_with_version(self, personas, member):
        actor = personas["village_monitor"]
        first = save(actor, member("曾祥月"), EMPLOYED)
        assert (first.status, first.work_area, first.monthly_income, first.version) == (
            "employed", "out_of_province", Decimal("4500.00"), 1)
        assert first.region_id == VILLAGE_A
        second = save(actor, member("曾祥月"), UNEMPLOYED, version=1)
        assert (second.status, second.work_area, second.employer_name, second.version) == (
            "unemployed", "", "", 2)
        event = AuditEvent.objects.filter(subject_type="employment.labourstatus").first()
        assert event.event_type == AuditEventType.EMPLOYMENT_UPDATED
        assert event.changes["status"] == ["employed", "unemployed"]

    def test_stale_version_is_refused(self, personas, member):
        actor = personas["village_monitor"]
        save(actor, member("曾祥月"), EMPLOYED)
        save(actor, member("曾祥月"), UNEMPLOYED, version=1)
        with pytest.raises(Conflict) as exc:
            save(actor, member("曾祥月"), EMPLOYED, version=1)
        assert exc.value.message == ("该成员 2025-10 的就业状态已被他人修改（当前版本 2，您编辑的是版本 1），"
                                     "为避免覆盖他人的修改，本次保存未生效。请刷新后重新编辑。")
        assert LabourStatus.objects.get().status == "unemployed"

    def test_a_second_first_save_is_refused(self, personas, member):
        save(personas["village_monitor"], member("曾祥月"), EMPLOYED)
        with pytest.raises(Conflict):
            save(personas["township_station"], member("曾祥月"), UNEMPLOYED, version=0)

    @pytest.mark.parametrize(("data", "message"), [
        ({"status": "employed"}, "务工人员请选择务工区域（县内、省内县外或省外）。"),
        ({"status": "unemployed"}, "未就业人员请选择未就业原因。"),
        ({"status": "retired"}, "「就业状态」只能是 务工、未就业，实为「retired」。"),
        ({**EMPLOYED, "work_months": 13}, "「本年务工月数」应为 0～12，实为 13。"),
        ({**EMPLOYED, "monthly_income": "-1"}, "「月收入」应不小于 0，实为「-1」。"),
    ])
    def test_bad_input_is_refused_in_chinese(self, personas, member, data, message):
        with pytest.raises(InvalidInput) as exc:
            save(personas["village_monitor"], member("曾祥月"), data)
        assert exc.value.message == message
        assert not LabourStatus.objects.exists()

    def test_member_outside_the_labour_force_is_refused(self, personas, member):
        with pytest.raises(InvalidInput) as exc:
            save(personas["village_monitor"], member("曾老汉"), EMPLOYED)
        assert exc.value.message == "曾老汉在 2025-10 不属于劳动力：劳动技能为丧失劳动力或无劳动力，不计入劳动力。"

    def test_future_month_is_refused(self, personas, member):
        with pytest.raises(InvalidInput) as exc:
            save(personas["village_monitor"], member("曾祥月"), EMPLOYED, month="2099-01")
        assert exc.value.message == "月份 2099-01 还没有到，不能填报。"

    def test_out_of_scope_member_is_not_found(self, personas, member):
        with pytest.raises(NotFound):
            save(personas["village_monitor"], member("张三"), EMPLOYED)
        with pytest.raises(NotFound):
            save(personas["auditor"], member("曾祥月"), EMPLOYED)


class UnchangedTests:
    def test_no_change_copies_last_month_in_one_step(self, personas, member):
        actor = personas["village_monitor"]
        save(actor, member("曾祥月"), EMPLOYED, month="2025-09")
        status = services.labour_status_confirm_unchanged(
            actor=actor, member_id=member("曾祥月").pk, month=MONTH, version=0)
        assert (status.month, status.status, status.work_area, status.employer_name,
                status.monthly_income, status.unchanged) == (
            MONTH, "employed", "out_of_province", "东莞电子厂", Decimal("4500.00"), True)
        assert status.work_months == 11  # one more month worked this year

    def test_no_change_without_an_earlier_month_is_refused(self, personas, member):
        with pytest.raises(InvalidInput) as exc:
            services.labour_status_confirm_unchanged(
                actor=personas["village_monitor"], member_id=member("李芳").pk, month=MONTH,
                version=0)
        assert exc.value.message == "李芳没有 2025-10 之前的就业状态，不能确认无变化，请填写本月状态。"

    def test_no_change_on_a_month_someone_filled_meanwhile_is_refused(self, personas, member):
        actor = personas["village_monitor"]
        save(actor, member("李芳"), UNEMPLOYED, month="2025-09")
        save(personas["township_station"], member("李芳"), EMPLOYED)
        with pytest.raises(Conflict):
            services.labour_status_confirm_unchanged(actor=actor, member_id=member("李芳").pk,
                                                     month=MONTH, version=0)
        assert LabourStatus.objects.get(month=MONTH).status == "employed"


class ProfileTests:
    def test_profile_is_versioned(self, personas, member):
        actor = personas["village_monitor"]
        data = {"skills": "电焊", "certificates": "焊工证", "intended_trade": "焊工",
                "intended_place": "县城", "max_distance_km": "30", "training_wishes": "电工"}
        profile = services.labour_profile_save(actor=actor, member_id=member("王二").pk,
                                               data=data, version=0)
        assert (profile.max_distance_km, profile.version) == (30, 1)
        with pytest.raises(Conflict):
            services.labour_profile_save(actor=actor, member_id=member("王二").pk, data=data,
                                         version=0)


class CoverageTests:
    """Hand-computed: 大岭社区 has two households with labour force (H001, H002; H003 has
    none); only H001 has someone working → 1 / 2 = 50.0%. 四峰社区: H004, 张三 works →
    1 / 1. Total 2 / 3 = 66.7%."""

    @pytest.fixture
    def statuses(self, personas, member):
        actor = personas["county_office"]
        save(actor, member("曾祥月"), EMPLOYED)
        save(actor, member("李芳"), UNEMPLOYED)
        save(actor, member("王二"), UNEMPLOYED)
        save(actor, member("张三"), {**EMPLOYED, "work_area": "in_county"})
        save(actor, member("张四"), EMPLOYED, month="2025-09")  # another month: not counted

    def test_by_village_against_the_hand_computed_figures(self, personas, statuses):
        result = coverage(actor=personas["county_office"], month=MONTH)
        got = [(r.region_code, r.households, r.covered, r.share, r.labour, r.employed,
                r.recorded) for r in result.rows]
        assert got == [(VILLAGE_A, 2, 1, Decimal("50.0"), 3, 1, 3),
                       (VILLAGE_C, 1, 1, Decimal("100.0"), 2, 1, 1)]
        t = result.total
        assert (t.households, t.covered, t.share, t.labour, t.employed) == (
            3, 2, Decimal("66.7"), 5, 2)

    def test_parameter_change_moves_the_coverage(self, personas, statuses, override_parameter):
        override_parameter("employment.labour_age.max", 50)  # 张三 (55) leaves the labour force
        rows = {r.region_code: r for r in coverage(actor=personas["county_office"],
                                                   month=MONTH).rows}
        assert (rows[VILLAGE_C].households, rows[VILLAGE_C].covered,
                rows[VILLAGE_C].share) == (1, 0, Decimal("0.0"))

    def test_scoped_to_the_actor_and_region(self, personas, statuses):
        assert [r.region_code for r in coverage(actor=personas["village_monitor"],
                                                month=MONTH).rows] == [VILLAGE_A]
        assert [r.region_code for r in coverage(actor=personas["county_office"], month=MONTH,
                                                within=VILLAGE_C).rows] == [VILLAGE_C]
        outside = coverage(actor=personas["outsider"], month=MONTH).rows
        assert [(r.region_code, r.households, r.covered) for r in outside] == [
            (OUTSIDE_VILLAGE, 1, 0)]
        with pytest.raises(NotFound):
            coverage(actor=personas["village_monitor"], month=MONTH, within=VILLAGE_C)

    def test_export_is_audited(self, personas, statuses):
        handle, count = services.coverage_export(actor=personas["county_office"], month=MONTH)
        assert count == 3 and handle.read(2) == b"PK"
        event = AuditEvent.objects.get(event_type=AuditEventType.EXPORTED)
        assert event.note == "导出 2025-10 每户至少一人就业统计（2 个村）"
        with pytest.raises(PermissionDenied):
            services.coverage_export(actor=personas["village_monitor"], month=MONTH)


class UsccTests:
    def test_valid_code_is_normalised(self):
        assert services.validate_uscc(" 91110000600037341l ") == VALID_USCC

    @pytest.mark.parametrize(("value", "message"), [
        ("91110000600037341A", "统一社会信用代码「91110000600037341A」的校验位不正确，请核对是否抄错。"),
        ("9111000060003734", "统一社会信用代码应为 18 位，「9111000060003734」为 16 位。"),
        ("911100006000373411L", "统一社会信用代码应为 18 位，「911100006000373411L」为 19 位。"),
        ("9111000A600037341L", "统一社会信用代码「9111000A600037341L」格式不正确：前 8 位应为数字，"
                               "其余为数字或大写字母（不含 I、O、S、V、Z）。"),
        ("", "请填写统一社会信用代码。"),
    ])
    def test_invalid_codes_have_exact_chinese_messages(self, value, message):
        with pytest.raises(InvalidInput) as exc:
            services.validate_uscc(value)
        assert exc.value.message == message


@pytest.fixture
def enterprise(personas):
    return services.enterprise_create(
        actor=personas["county_office"], uscc=VALID_USCC, region_code="430523",
        data={"name": "湘妹子制衣", "lng": "111.25", "lat": "27.1", "sector": "manufacturing",
              "contact_name": "刘经理", "contact_phone": "13912345678"})


class EnterpriseTests:
    def test_create_validates_and_audits(self, personas, enterprise):
        assert (enterprise.region_id, enterprise.lng, enterprise.version) == (
            COUNTY_A, Decimal("111.250000"), 1)
        assert AuditEvent.objects.filter(subject_type="employment.enterprise").count() == 1

    @pytest.mark.parametrize(("data", "message"), [
        ({"name": "甲", "lng": "200", "lat": "27"}, "「经度」应在 73～136 之间（中国境内），实为「200」。"),
        ({"name": "甲", "lng": "111", "lat": "60"}, "「纬度」应在 3～54 之间（中国境内），实为「60」。"),
        ({"name": "甲", "lng": "111"}, "经度和纬度须同时填写或同时不填。"),
        ({"name": ""}, "请填写企业名称。"),
        ({"name": "甲", "contact_phone": "abc"}, "联系电话「abc」格式不正确：只能包含数字和连字符。"),
    ])
    def test_bad_fields_are_refused(self, personas, data, message):
        with pytest.raises(InvalidInput) as exc:
            services.enterprise_create(actor=personas["county_office"], uscc=VALID_USCC,
                                       region_code="430523", data=data)
        assert exc.value.message == message

    def test_duplicate_and_scope_and_permission(self, personas, enterprise):
        with pytest.raises(InvalidInput) as exc:
            services.enterprise_create(actor=personas["county_office"], uscc=VALID_USCC,
                                       region_code="430523", data={"name": "乙"})
        assert exc.value.message == f"统一社会信用代码 {VALID_USCC} 的企业已经登记过。"
        with pytest.raises(NotFound):
            services.enterprise_create(actor=personas["county_office"],
                                       uscc="91430000MA4L0QXX1D", region_code="430524",
                                       data={"name": "乙"})
        with pytest.raises(PermissionDenied):
            services.enterprise_create(actor=personas["township_station"], uscc=VALID_USCC,
                                       region_code="430523", data={"name": "乙"})

    def test_update_refuses_a_stale_version(self, personas, enterprise):
        actor = personas["county_office"]
        services.enterprise_update(actor=actor, enterprise_id=enterprise.pk,
                                   data={"name": "新名称"}, version=1)
        with pytest.raises(Conflict):
            services.enterprise_update(actor=actor, enterprise_id=enterprise.pk,
                                       data={"name": "另一个名称"}, version=1)

    def test_phone_reveal_needs_permission_and_is_audited(self, personas, enterprise):
        assert services.enterprise_phone_reveal(actor=personas["county_office"],
                                                enterprise=enterprise) == "13912345678"
        assert AuditEvent.objects.filter(
            event_type=AuditEventType.SENSITIVE_REVEALED).count() == 1
        with pytest.raises(PermissionDenied):
            services.enterprise_phone_reveal(actor=personas["auditor"], enterprise=enterprise)


@pytest.fixture
def workshop(personas, enterprise):
    return services.workshop_create(actor=personas["county_office"], enterprise_id=enterprise.pk,
                                    region_code=VILLAGE_A,
                                    data={"name": "制衣车间", "workshop_type": "factory",
                                          "headcount": 10}, on=dt.date(2025, 1, 1))


def _add_workers(actor, workshop, months_list, start=dt.date(2025, 1, 1), first=0):
    from minsheng.registry.testing import make_id

    for i, months in enumerate(months_list):
        services.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data={
            "name": f"工人{i}", "id_number": make_id(dt.date(1985, 1, 1), 300 + first + i),
            "category": "lifted", "contract_start": start, "contract_months": months})


class WorkshopTests:
    def test_worker_is_linked_to_the_registry_member(self, personas, workshop, member):
        worker = services.workshop_worker_add(
            actor=personas["county_office"], workshop_id=workshop.pk,
            data={"name": "曾祥月", "id_number": id_of("曾祥月"), "category": "other",
                  "contract_start": "2025-01-01", "contract_months": 12})
        assert worker.member == member("曾祥月")
        assert worker.category == "lifted"  # H001 is a 脱贫户

    def test_a_worker_of_a_monitored_household_is_recorded_as_monitored(
            self, personas, workshop, member, households):
        from minsheng.monitoring.models import MonitoringCase

        MonitoringCase.objects.create(household=households["H002"], region_id=VILLAGE_A,
                                      status="monitoring", is_open=True,
                                      included_on=dt.date(2025, 3, 1),
                                      step_started_at=timezone.now())
        worker = services.workshop_worker_add(
            actor=personas["county_office"], workshop_id=workshop.pk,
            data={"name": "王二", "id_number": id_of("王二"), "category": "other",
                  "contract_start": "2025-01-01", "contract_months": 12})
        assert (worker.member, worker.category) == (member("王二"), "monitored")

    def test_recognition_counts_linked_workers_by_the_registry_and_the_cases_that_day(
            self, personas, workshop, households, override_parameter):
        """A worker linked to a registry member counts as 脱贫人口（含监测对象）when the household
        is a 脱贫户 or a 监测对象 on the recognition date, whatever was declared; a worker from
        outside the registry by the declared category."""
        from minsheng.monitoring.models import MonitoringCase
        from minsheng.registry.testing import make_id

        actor = personas["county_office"]
        override_parameter("employment.workshop.min_lifted_workers", 3)
        contract = {"contract_start": "2025-01-01", "contract_months": 12}
        # 王二 (H002, an ordinary household) registered before it became a 监测对象.
        services.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data={
            "name": "王二", "id_number": id_of("王二"), "category": "other", **contract})
        # 张三 (H004, ordinary, never monitored) declared 脱贫人口: the registry says otherwise.
        services.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data={
            "name": "张三", "id_number": id_of("张三"), "category": "lifted", **contract})
        # 曾祥月 (H001, a 脱贫户) and one worker from outside the registry, declared 脱贫人口.
        services.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data={
            "name": "曾祥月", "id_number": id_of("曾祥月"), "category": "other", **contract})
        services.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data={
            "name": "外县工人", "id_number": make_id(dt.date(1990, 5, 1), 377),
            "category": "lifted", **contract})
        MonitoringCase.objects.create(household=households["H002"], region_id=VILLAGE_A,
                                      status="eliminated", is_open=False,
                                      included_on=dt.date(2025, 3, 1),
                                      eliminated_on=dt.date(2025, 9, 1),
                                      step_started_at=timezone.now())
        workshop.refresh_from_db()
        check = selectors.workshop_recognition_check(workshop=workshop, on=dt.date(2025, 6, 1))
        assert (check.met, check.qualified) == (True, 3)  # 曾祥月, 外县工人 and 王二
        check = selectors.workshop_recognition_check(workshop=workshop, on=dt.date(2025, 10, 1))
        assert (check.met, check.qualified) == (False, 2)  # 王二's risk eliminated by then
        # The workshop list counts the same way (today: 王二 no longer a 监测对象).
        row = selectors.workshop_list(actor=actor).get(pk=workshop.pk)
        assert row.lifted_workers == 2

    def test_headcount_limits_the_workers(self, personas, workshop):
        actor = personas["county_office"]
        services.workshop_update(actor=actor, workshop_id=workshop.pk,
                                 data={"name": "制衣车间", "workshop_type": "factory",
                                       "headcount": 1}, version=workshop.version)
        _add_workers(actor, workshop, [12])
        with pytest.raises(InvalidInput) as exc:
            _add_workers(actor, workshop, [12], first=50)
        assert exc.value.message == ("在岗务工人员将超过车间用工总人数（1 人），请先修改用工总人数。")

    def test_recognition_at_n_minus_one_and_n_workers(self, personas, workshop):
        actor = personas["county_office"]
        _add_workers(actor, workshop, [6, 6, 6, 6, 5])  # the fifth: M-1 months
        workshop.refresh_from_db()
        with pytest.raises(InvalidInput) as exc:
            services.workshop_recognize(actor=actor, workshop_id=workshop.pk,
                                        version=workshop.version, on=dt.date(2025, 10, 1))
        assert exc.value.message.startswith("不符合认定条件：在岗且合同期限不少于 6 个月的脱贫人口（含监测对象）4 人")
        from minsheng.registry.testing import make_id

        services.workshop_worker_add(actor=actor, workshop_id=workshop.pk, data={
            "name": "工人9", "id_number": make_id(dt.date(1985, 1, 1), 399), "category": "monitored",
            "contract_start": "2025-01-01", "contract_months": 6})
        workshop.refresh_from_db()
        done = services.workshop_recognize(actor=actor, workshop_id=workshop.pk,
                                           version=workshop.version, on=dt.date(2025, 10, 1))
        assert done.recognized and done.recognition["qualified"] == 5
        assert [p["name"] for p in done.recognition["parameters"]] == [
            "employment.workshop.min_lifted_workers", "employment.workshop.min_contract_months"]

    def test_recognition_follows_the_parameters(self, personas, workshop, override_parameter):
        actor = personas["county_office"]
        _add_workers(actor, workshop, [5, 5, 5])
        override_parameter("employment.workshop.min_lifted_workers", 3)
        workshop.refresh_from_db()
        with pytest.raises(InvalidInput):  # still 6 months required
            services.workshop_recognize(actor=actor, workshop_id=workshop.pk,
                                        version=workshop.version, on=dt.date(2025, 10, 1))
        override_parameter("employment.workshop.min_contract_months", 5)
        assert services.workshop_recognize(actor=actor, workshop_id=workshop.pk,
                                           version=workshop.version,
                                           on=dt.date(2025, 10, 1)).recognized

    def test_status_changes_are_dated_and_checked(self, personas, workshop):
        actor = personas["county_office"]
        with pytest.raises(InvalidInput) as exc:
            services.workshop_status_change(actor=actor, workshop_id=workshop.pk,
                                            to="resumed", on="2025-03-01", reason="",
                                            version=workshop.version)
        assert exc.value.message == "车间当前为「在产」，不能改为「复工」。"
        with pytest.raises(InvalidInput) as exc:
            services.workshop_status_change(actor=actor, workshop_id=workshop.pk,
                                            to="stopped", on="2025-03-01", reason="",
                                            version=workshop.version)
        assert exc.value.message == "停产请填写原因。"
        w = services.workshop_status_change(actor=actor, workshop_id=workshop.pk, to="stopped",
                                            on="2025-03-01", reason="订单不足",
                                            version=workshop.version)
        w = services.workshop_status_change(actor=actor, workshop_id=w.pk, to="resumed",
                                            on="2025-04-15", reason="", version=w.version)
        assert (w.status, w.status_since) == ("resumed", dt.date(2025, 4, 15))
        assert [(c.from_status, c.to_status, c.on) for c in
                WorkshopStatusChange.objects.filter(workshop=w).order_by("on", "id")] == [
            ("", "producing", dt.date(2025, 1, 1)),
            ("producing", "stopped", dt.date(2025, 3, 1)),
            ("stopped", "resumed", dt.date(2025, 4, 15))]
        with pytest.raises(Conflict):
            services.workshop_status_change(actor=actor, workshop_id=w.pk, to="stopped",
                                            on="2025-05-01", reason="x", version=1)

    def test_subsidies_and_totals(self, personas, workshop):
        actor = personas["county_office"]
        for kind, amount in (("job_stability", "2000"), ("job_stability", "3000.50"),
                             ("social_insurance", "800")):
            services.workshop_subsidy_add(actor=actor, workshop_id=workshop.pk, kind=kind,
                                          amount=amount, granted_on="2025-06-01")
        _items, totals = workshop_subsidies(workshop=workshop)
        assert totals == {"by_kind": {"稳岗补贴": Decimal("5000.50"),
                                      "社保补贴": Decimal("800.00")},
                          "total": Decimal("5800.50")}
        with pytest.raises(InvalidInput) as exc:
            services.workshop_subsidy_add(actor=actor, workshop_id=workshop.pk, kind="稳岗补贴",
                                          amount="0", granted_on="2025-06-01")
        assert exc.value.message == "「金额」应大于 0，实为「0」。"

    def test_workshop_scope_is_its_village(self, personas, workshop):
        from minsheng.employment.selectors import workshop_get

        assert workshop_get(actor=personas["village_monitor"], pk=workshop.pk) == workshop
        assert workshop_get(actor=personas["township_station"], pk=workshop.pk) == workshop
        with pytest.raises(NotFound):
            workshop_get(actor=personas["outsider"], pk=workshop.pk)
        with pytest.raises(NotFound):  # 村监测员 sees workshops but cannot change them
            services.workshop_update(actor=personas["village_monitor"], workshop_id=workshop.pk,
                                     data={"name": "x", "workshop_type": "home"}, version=1)


class WorkMonthsTests:
    def test_no_change_in_january_restarts_the_count(self, personas, member):
        actor = personas["village_monitor"]
        save(actor, member("曾祥月"), {**EMPLOYED, "work_months": 12}, month="2024-12")
        status = services.labour_status_confirm_unchanged(
            actor=actor, member_id=member("曾祥月").pk, month="2025-01", version=0)
        assert status.work_months == 1
