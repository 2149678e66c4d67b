"""Training services and selectors: demand and the 点餐 menu, courses, enrolment, completion,
outcomes from the ledger and by hand, and the "培训后就业" shares against hand-computed figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment.training import selectors, services
from minsheng.employment.training.models import Enrolment
from minsheng.employment.training.tests.fixtures import (
    TODAY,
    demand_year,
    hand_computed_year,
    make_course,
)
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_C

pytestmark = pytest.mark.django_db


class DemandTests:
    def test_menu_sums_wishes_by_trade_with_planned_courses(self, personas, member):
        demand_year(personas, member)
        hand_computed_year(personas, member, refresh=False)
        menu = selectors.demand_menu(actor=personas["county_office"], year=2026)
        assert [(r.trade, r.headcount, r.villages, r.courses, r.places) for r in menu] == [
            ("电工", 8, 2, 2, 5), ("家政", 6, 2, 1, 5)]
        village = selectors.demand_menu(actor=personas["village_monitor"], year=2026)
        assert [(r.trade, r.headcount, r.villages) for r in village] == [
            ("电工", 5, 1), ("家政", 4, 1)]

    def test_correction_needs_the_version(self, personas, member):
        clerk = personas["village_monitor"]
        first = services.demand_save(actor=clerk, region_code=VILLAGE_A, year=2026,
                                     trade="电工", headcount=5, version=0)
        with pytest.raises(Conflict):
            services.demand_save(actor=clerk, region_code=VILLAGE_A, year=2026, trade="电工",
                                 headcount=6, version=0)
        again = services.demand_save(actor=clerk, region_code=VILLAGE_A, year=2026,
                                     trade="电工", headcount=6, version=first.version)
        assert (again.pk, again.headcount, again.version) == (first.pk, 6, 2)

    def test_refusals(self, personas, member):
        clerk = personas["village_monitor"]
        with pytest.raises(NotFound):
            services.demand_save(actor=clerk, region_code=VILLAGE_C, year=2026, trade="电工",
                                 headcount=1, version=0)
        with pytest.raises(InvalidInput, match="不是大岭社区的在户成员"):
            services.demand_save(actor=clerk, region_code=VILLAGE_A, year=2026, trade="电工",
                                 headcount=2, member_ids=[member("戊").pk], version=0)
        with pytest.raises(InvalidInput, match=r"列出的意向人员（2 人）多于意向人数（1 人）"):
            services.demand_save(actor=clerk, region_code=VILLAGE_A, year=2026, trade="电工",
                                 headcount=1, member_ids=[member("甲").pk, member("乙").pk],
                                 version=0)
        with pytest.raises(PermissionDenied):
            services.demand_save(actor=personas["auditor"], region_code=VILLAGE_A, year=2026,
                                 trade="电工", headcount=1, version=0)


class CourseTests:
    def test_only_the_county_office_creates_courses(self, personas):
        with pytest.raises(PermissionDenied, match="您没有登记培训班的权限"):
            make_course(personas["township_station"], "x", "y", "z", "2026-05-01",
                        "2026-05-02", 1, "0")
        with pytest.raises(InvalidInput, match="结业日期不能早于开班日期"):
            make_course(personas["county_office"], "x", "y", "z", "2026-05-02",
                        "2026-05-01", 1, "0")

    def test_village_sees_its_county_courses_outsider_does_not(self, personas):
        course = make_course(personas["county_office"], "电工培训班", "邵阳技师学院", "电工",
                             "2026-05-01", "2026-05-20", 3, "1200")
        assert selectors.course_get(actor=personas["village_monitor"], pk=course.pk) == course
        with pytest.raises(NotFound):
            selectors.course_get(actor=personas["outsider"], pk=course.pk)
        with pytest.raises(NotFound):  # a village may see, not change, the county's course
            selectors.course_get(actor=personas["village_monitor"], pk=course.pk,
                                 action="change")

    def test_capacity_and_duplicates(self, personas, member):
        county = personas["county_office"]
        course = make_course(county, "小班", "邵阳技师学院", "电工", "2026-05-01", "2026-05-20",
                             1, "0")
        services.enrolment_add(actor=county, course_id=course.pk, member_id=member("甲").pk)
        with pytest.raises(InvalidInput, match="甲已报名该培训班"):
            services.enrolment_add(actor=county, course_id=course.pk, member_id=member("甲").pk)
        with pytest.raises(Conflict, match="计划 1 人已报满"):
            services.enrolment_add(actor=county, course_id=course.pk, member_id=member("乙").pk)

    def test_enrolment_is_scoped_to_the_clerks_villagers(self, personas, member):
        course = make_course(personas["county_office"], "电工培训班", "邵阳技师学院", "电工",
                             "2026-05-01", "2026-05-20", 3, "0")
        with pytest.raises(NotFound):
            services.enrolment_add(actor=personas["village_monitor"], course_id=course.pk,
                                   member_id=member("己").pk)


class CompletionAndOutcomeTests:
    def test_shares_against_the_hand_computed_year(self, personas, member):
        hand_computed_year(personas, member)
        shares = selectors.outcome_shares(actor=personas["county_office"])
        assert [(r.label, r.completed, r.employed_3m, r.share) for r in shares.by_course] == [
            ("电工培训班", 2, 1, Decimal("50.0")), ("电工进阶班", 1, 1, Decimal("100.0")),
            ("家政服务培训班", 2, 2, Decimal("100.0"))]
        assert [(r.label, r.completed, r.employed_3m, r.share) for r in shares.by_provider] == [
            ("邵阳技师学院", 3, 2, Decimal("66.7")), ("阳光职业培训学校", 2, 2, Decimal("100.0"))]
        t = shares.total
        assert (t.completed, t.checked_3m, t.employed_3m, t.employed_6m, t.share) == (
            5, 5, 4, 1, Decimal("80.0"))
        village = selectors.outcome_shares(actor=personas["village_monitor"]).total
        assert (village.completed, village.employed_3m) == (4, 3)  # 甲 丁 乙 丙

    def test_outcomes_from_ledger_and_by_hand(self, personas, member):
        made = hand_computed_year(personas, member)
        e = made["enrolments"]
        assert (e["甲"].employed_3m, e["甲"].source_3m) == (True, "ledger")
        assert (e["丁"].employed_3m, e["丁"].source_3m) == (False, "ledger")
        assert (e["己"].employed_3m, e["己"].source_3m) == (True, "manual")
        assert (e["甲"].employed_6m, e["乙"].employed_6m) == (True, None)  # 乙: 2026-12 no status
        assert e["甲"].certificate_type == "专项职业能力证书"
        # A refresh never overwrites a manual record.
        services.outcomes_refresh(actor=personas["county_office"], today=TODAY)
        e["己"].refresh_from_db()
        assert (e["己"].employed_3m, e["己"].source_3m) == (True, "manual")

    def test_outcome_cannot_be_recorded_before_its_month(self, personas, member):
        made = hand_computed_year(personas, member)
        e = made["enrolments"]["乙"]
        with pytest.raises(InvalidInput, match="结业后 6 个月的回访月份是 2026-12，还没有到"):
            services.enrolment_outcome_record(actor=personas["county_office"],
                                              enrolment_id=e.pk, months=6, employed=True,
                                              version=e.version, today=dt.date(2026, 11, 30))
        with pytest.raises(InvalidInput, match="尚未结业"):
            dropped = made["enrolments"]["戊"]
            services.enrolment_outcome_record(actor=personas["county_office"],
                                              enrolment_id=dropped.pk, months=3, employed=True,
                                              version=dropped.version, today=TODAY)

    def test_completion_rules(self, personas, member):
        county = personas["county_office"]
        course = make_course(county, "电工培训班", "邵阳技师学院", "电工", "2026-05-01",
                             "2026-05-20", 3, "0")
        e = services.enrolment_add(actor=county, course_id=course.pk, member_id=member("甲").pk)
        with pytest.raises(InvalidInput, match="结业日期不能早于开班日期 2026-05-01"):
            services.enrolment_complete(actor=county, enrolment_id=e.pk,
                                        completed_on="2026-04-30", version=e.version,
                                        today=TODAY)
        with pytest.raises(InvalidInput, match="请同时填写证书类型"):
            services.enrolment_complete(actor=county, enrolment_id=e.pk,
                                        completed_on="2026-05-20", certificate_no="X1",
                                        version=e.version, today=TODAY)
        with pytest.raises(Conflict):
            services.enrolment_complete(actor=county, enrolment_id=e.pk,
                                        completed_on="2026-05-20", version=e.version + 1,
                                        today=TODAY)
        with pytest.raises(PermissionDenied):
            services.enrolment_complete(actor=personas["auditor"], enrolment_id=e.pk,
                                        completed_on="2026-05-20", version=e.version,
                                        today=TODAY)
        assert Enrolment.objects.get().status == "enrolled"

    def test_export_is_audited(self, personas, member, tmp_path):
        hand_computed_year(personas, member)
        handle, _count = services.outcome_export(actor=personas["auditor"])
        path = tmp_path / "o.xlsx"
        path.write_bytes(handle.read())
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert rows[-1][0] == "合计" and rows[-1][3] == 5 and rows[-1][6] == 80.0
        assert AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED,
                                         subject_type="training.enrolment").count() == 1
        with pytest.raises(PermissionDenied):
            services.outcome_export(actor=personas["village_monitor"])


def test_outsider_sees_nothing(personas, member):
    hand_computed_year(personas, member)
    assert selectors.outcome_shares(actor=personas["outsider"]).total.completed == 0
    assert not selectors.course_list(actor=personas["outsider"]).exists()
    assert OUTSIDE_VILLAGE not in {e.region_id for e in Enrolment.objects.all()}
