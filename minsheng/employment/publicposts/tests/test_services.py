"""Services of 公益性岗位: scope, permissions, eligibility on appointment, quota and household
locks, versions, exits, attendance amounts and the payroll against hand-computed figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment.publicposts import selectors, services
from minsheng.employment.publicposts.models import Appointment, AppointmentStatus
from minsheng.employment.publicposts.tests.conftest import ACCOUNT, id_of
from minsheng.employment.publicposts.tests.fixtures import (
    MONTH,
    TODAY,
    TOWNSHIP_TOTAL,
    appoint,
    attend,
    hand_computed_month,
    make_post,
)
from minsheng.testing import OUTSIDE_VILLAGE, TOWNSHIP_A, VILLAGE_A, VILLAGE_C

pytestmark = pytest.mark.django_db


class PostTests:
    def test_county_creates_post_audited(self, personas):
        post = make_post(personas["county_office"], VILLAGE_A, "大岭保洁员")
        assert (post.region_id, post.quota, post.post_type) == (VILLAGE_A, 2, "cleaning")
        event = AuditEvent.objects.get(subject_type="publicposts.post")
        assert event.event_type == AuditEventType.EMPLOYMENT_UPDATED
        assert event.note == "设置公益性岗位：大岭社区 大岭保洁员"

    def test_village_monitor_cannot_create_posts(self, personas):
        with pytest.raises(PermissionDenied, match="您没有设置公益性岗位的权限"):
            make_post(personas["village_monitor"], VILLAGE_A, "x")

    def test_village_outside_scope_is_not_found(self, personas):
        with pytest.raises(NotFound):
            make_post(personas["county_office"], OUTSIDE_VILLAGE, "x")

    def test_quota_cannot_drop_below_people_in_post(self, personas, member, case_of):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭保洁员")
        case_of("H102", "monitoring")
        appoint(county, post, member("甲"))
        appoint(county, post, member("丙"))
        post.refresh_from_db()
        with pytest.raises(InvalidInput, match=r"岗位定额（1）不能少于在岗人数（2 人）"):
            services.post_update(actor=county, post_id=post.pk, version=post.version,
                                 data={"post_type": "cleaning", "name": "大岭保洁员",
                                       "quota": 1})
        with pytest.raises(Conflict):
            services.post_update(actor=county, post_id=post.pk, version=post.version - 1,
                                 data={"post_type": "cleaning", "name": "新名", "quota": 3})


class AppointmentTests:
    def test_appoints_eligible_member_and_keeps_the_decision(self, personas, member):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭保洁员")
        a = appoint(county, post, member("甲"))
        assert a.status == AppointmentStatus.ACTIVE and a.household_id == member("甲").household_id
        assert a.eligibility["eligible"] is True
        assert a.eligibility["facts"]["labour_capacity"] == "weak"
        assert {p["name"] for p in a.eligibility["parameters"]} >= {
            "employment.public_post.age_max", "employment.public_post.eligible_groups"}

    def test_refuses_ineligible_member_with_reasons(self, personas, member):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭保洁员")
        with pytest.raises(InvalidInput) as caught:
            # 一般农户 without a monitoring case; declaring 监测对象 no longer counts
            appoint(county, post, member("丙"), monitored=True)
        assert caught.value.message == (
            "丙不符合安置条件：不属于可安置的人员类别（脱贫人口、监测对象）：所在农户不是脱贫户；"
            "所在农户没有监测中（含风险消除程序中）的监测案件。")
        assert not Appointment.objects.exists()

    @pytest.mark.parametrize(("status", "monitored"), [
        ("monitoring", True), ("elim_notice", True), ("county_approval", False),
        ("not_included", False), ("eliminated", False)])
    def test_monitored_is_read_from_the_monitoring_case(self, personas, member, case_of,
                                                        status, monitored):
        """监测对象: the household's case 监测中 or in 风险消除程序; a case still being
        identified, or closed (不纳入, 已标注风险消除), does not make one."""
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭保洁员")
        case_of("H102", status)
        facts = selectors.applicant_facts(member=member("丙"), start_date=TODAY,
                                          end_date=TODAY, declared={})
        assert facts.monitored is monitored
        if not monitored:
            with pytest.raises(InvalidInput, match="所在农户没有监测中（含风险消除程序中）的监测案件"):
                appoint(county, post, member("丙"))
            assert not Appointment.objects.exists()
            return
        a = appoint(county, post, member("丙"))
        assert a.monitored is True
        assert a.eligibility["facts"]["monitored"] is True
        event = AuditEvent.objects.get(subject_type="publicposts.appointment")
        assert event.changes["monitored"] == [None, True]

    def test_one_post_per_household(self, personas, member):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭保洁员")
        appoint(county, post, member("甲"))
        with pytest.raises(InvalidInput, match="同户已有人在公益性岗位上"):
            appoint(county, post, member("乙"), cannot_go_out=True,
                    cannot_go_out_reason="照料老人")

    def test_quota_is_enforced(self, personas, member):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭护路员", "road", 1)
        appoint(county, post, member("甲"))
        with pytest.raises(Conflict, match="定额 1 人已满"):
            appoint(county, post, member("丁"), cannot_go_out=True,
                    cannot_go_out_reason="照料老人")

    def test_appointment_locks_post_and_household_rows(self, personas, member):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭保洁员")
        with CaptureQueriesContext(connection) as queries:
            appoint(county, post, member("甲"))
        locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
        if connection.features.has_select_for_update:
            assert any('"publicposts_post"' in sql for sql in locks)
            assert any('"registry_household"' in sql for sql in locks)
        else:  # SQLite serialises writers; there is no row lock to see
            assert locks == []

    def test_member_of_another_village_is_refused(self, personas, member):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_C, "四峰护林员", "forest", 1)
        with pytest.raises(InvalidInput, match="甲不是四峰社区的村民"):
            appoint(county, post, member("甲"))

    def test_township_cannot_appoint(self, personas, member):
        post = make_post(personas["county_office"], VILLAGE_A, "大岭保洁员")
        with pytest.raises(PermissionDenied):
            appoint(personas["township_station"], post, member("甲"))

    def test_exit_with_date_reason_and_version(self, personas, member):
        county = personas["county_office"]
        post = make_post(county, VILLAGE_A, "大岭保洁员", quota=1)
        a = appoint(county, post, member("甲"))
        with pytest.raises(InvalidInput, match="退岗原因为「其他」时请填写说明"):
            services.appointment_exit(actor=county, appointment_id=a.pk, exit_date="2026-11-20",
                                      reason="other", version=a.version)
        with pytest.raises(Conflict):
            services.appointment_exit(actor=county, appointment_id=a.pk, exit_date="2026-11-20",
                                      reason="resigned", version=a.version + 1)
        done = services.appointment_exit(actor=county, appointment_id=a.pk,
                                         exit_date="2026-11-20", reason="work_away",
                                         version=a.version)
        assert (done.status, str(done.exit_date), done.exit_reason) == (
            "exited", "2026-11-20", "work_away")
        # The place is free again and the household may have a post again.
        appoint(county, post, member("乙"), start="2026-11-21", end="2027-11-20",
                cannot_go_out=True, cannot_go_out_reason="照料老人")


class AttendanceTests:
    def test_amounts_match_the_hand_computed_month(self, personas, member):
        made = hand_computed_month(personas, member)
        amounts = {name: row.amount for name, row in made["attendance"].items()}
        assert amounts == {"甲": Decimal("600.00"), "丁": Decimal("272.73"),
                           "戊": Decimal("409.09"), "己": Decimal("600.00")}
        assert "按出勤折算 272.73 元" in made["attendance"]["丁"].calculation["explanation"]

    def test_correction_needs_the_version(self, personas, member):
        county = personas["county_office"]
        a = appoint(county, make_post(county, VILLAGE_A, "大岭保洁员"), member("甲"))
        row = attend(county, a, 22, 22)
        with pytest.raises(Conflict):
            attend(county, a, 22, 10, version=0)
        fixed = attend(county, a, 22, 10, version=row.version)
        assert (fixed.amount, fixed.version) == (Decimal("0.00"), 2)

    def test_month_outside_the_contract_is_refused(self, personas, member):
        county = personas["county_office"]
        a = appoint(county, make_post(county, VILLAGE_A, "大岭保洁员"), member("甲"))
        with pytest.raises(InvalidInput, match="甲在 2026-10 不在岗"):
            attend(county, a, 22, 22, month="2026-10")

    def test_future_month_and_bad_days_are_refused(self, personas, member):
        county = personas["county_office"]
        a = appoint(county, make_post(county, VILLAGE_A, "大岭保洁员"), member("甲"))
        with pytest.raises(InvalidInput, match="月份 2027-01 还没有到"):
            attend(county, a, 22, 22, month="2027-01")
        with pytest.raises(InvalidInput, match="实际出勤天数（23）不能多于应出勤天数（22）"):
            attend(county, a, 22, 23)

    def test_village_monitor_records_only_its_village(self, personas, member):
        county = personas["county_office"]
        a = appoint(county, make_post(county, VILLAGE_C, "四峰护林员", "forest", 1), member("己"))
        with pytest.raises(NotFound):
            attend(personas["village_monitor"], a, 22, 22)
        with pytest.raises(PermissionDenied):
            attend(personas["auditor"], a, 22, 22)


class PayrollTests:
    def test_township_payroll_against_hand_computed_total(self, personas, member):
        hand_computed_month(personas, member)
        result = selectors.payroll(actor=personas["township_station"], month=MONTH,
                                   region_code=TOWNSHIP_A)
        assert [(r.name, r.amount) for r in result.rows] == [
            ("甲", Decimal("600.00")), ("丁", Decimal("272.73")), ("戊", Decimal("409.09"))]
        assert result.total == TOWNSHIP_TOTAL and result.missing == 0
        first = result.rows[0]
        assert first.id_number == id_of("甲")[:6] + "********" + id_of("甲")[-4:]
        assert first.bank_account == ACCOUNT[:4] + "*" * (len(ACCOUNT) - 8) + ACCOUNT[-4:]
        assert (first.township, first.village) == ("塘渡口镇", "大岭社区")

    def test_export_has_rows_total_and_is_audited(self, personas, member, tmp_path):
        hand_computed_month(personas, member)
        handle, _result = services.payroll_export(actor=personas["township_station"],
                                                 month="2026-11", region_code="430523100")
        path = tmp_path / "payroll.xlsx"
        path.write_bytes(handle.read())
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert rows[0][:5] == ["序号", "乡镇", "村", "岗位", "姓名"]
        assert [r[4] for r in rows[1:4]] == ["甲", "丁", "戊"]
        assert rows[-1][0] == "合计" and rows[-1][-1] == "1281.82"
        assert ACCOUNT not in str(rows)
        event = AuditEvent.objects.get(event_type=AuditEventType.EXPORTED)
        assert event.extra["total"] == "1281.82" and event.extra["rows"] == 3
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.SENSITIVE_REVEALED).exists()

    def test_reveal_needs_the_permission_and_is_audited(self, personas, member, tmp_path):
        hand_computed_month(personas, member)
        with pytest.raises(PermissionDenied, match="查看完整银行账号"):
            services.payroll_export(actor=personas["auditor"], month=MONTH,
                                    region_code=TOWNSHIP_A, reveal=True)
        _handle, result = services.payroll_export(actor=personas["township_station"],
                                                 month=MONTH, region_code=TOWNSHIP_A,
                                                 reveal=True)
        assert result.rows[0].bank_account == ACCOUNT
        assert AuditEvent.objects.filter(event_type=AuditEventType.SENSITIVE_REVEALED).count() == 1

    def test_missing_attendance_is_counted(self, personas, member):
        county = personas["county_office"]
        appoint(county, make_post(county, VILLAGE_A, "大岭保洁员"), member("甲"))
        result = selectors.payroll(actor=county, month=MONTH, region_code=TOWNSHIP_A)
        assert (result.rows, result.missing, result.total) == ([], 1, Decimal("0.00"))

    def test_payroll_of_region_out_of_scope_is_not_found(self, personas):
        with pytest.raises(NotFound):
            services.payroll_export(actor=personas["township_station"], month=MONTH,
                                    region_code="430523101")


def test_today_is_after_the_fixture_month():
    assert TODAY.isoformat() > MONTH
