"""The clocks and the working calendar (工作日历): 法定节假日 are not working days, 调休上班
weekend days are, and a year without a calendar falls back to weekends only — and says so."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.monitoring import case_services
from minsheng.monitoring.models import CaseStatus, MonitoringCase
from minsheng.monitoring.tests.cases import case_at, make_household
from minsheng.testing import VILLAGE_A

S = CaseStatus
add = case_services.add_working_days


pytestmark = pytest.mark.usefixtures("clear_cache")


class WorkingDayTests:
    def test_a_deadline_across_national_day_2026(self):
        # Wed 30 Sep + 5 working days: 1–7 Oct off, Thu 8, Fri 9, Sat 10 (调休上班), Mon 12,
        # Tue 13. Weekends only would give Wed 7 Oct, in the middle of the holiday.
        assert add(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)
        assert add(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)

    def test_a_deadline_across_national_day_2025(self):
        # Tue 30 Sep 2025 + 1: 1–8 Oct off (国庆节、中秋节), Thu 9 Oct.
        assert add(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)

    def test_a_working_sunday_counts(self):
        # Fri 18 Sep 2026 + 1 working day is Sunday 20 Sep (国庆节调休上班), not Monday 21.
        assert dt.date(2026, 9, 20).weekday() == 6
        assert add(dt.date(2026, 9, 18), 1) == dt.date(2026, 9, 20)
        # Fri 24 Apr 2025 + 1 is Sunday 27 Apr 2025 (劳动节调休上班).
        assert add(dt.date(2025, 4, 25), 1) == dt.date(2025, 4, 27)

    def test_spring_festival_2026_is_skipped_and_its_saturdays_count(self):
        # Fri 13 Feb + 1 → Sat 14 Feb (调休上班); + 2 → Tue 24 Feb (15–23 off).
        assert add(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
        assert add(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)

    def test_a_year_without_calendar_skips_weekends_only(self):
        # 2027 is not published yet: Fri 1 Jan 2027 (元旦) would be a holiday, but without a
        # calendar Thu 31 Dec 2026 + 1 is Fri 1 Jan 2027, and the gap is reported.
        assert add(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 1)
        note = case_services.calendar_gap_note(dt.date(2026, 12, 31), dt.date(2027, 1, 1))
        assert "2027 年的法定节假日和调休安排尚未录入工作日历" in note
        assert case_services.calendar_gap_note(dt.date(2026, 1, 5), dt.date(2026, 2, 1)) == ""

    @pytest.mark.django_db
    def test_the_step_deadline_uses_the_calendar(self):
        # 乡镇审核, 5 工作日, entered on Wed 30 Sep 2026.
        deadline, name = case_services.step_deadline(S.TOWNSHIP_REVIEW,
                                                     start=dt.date(2026, 9, 30),
                                                     region_code=VILLAGE_A)
        assert name.endswith("township_review_working_days")
        assert deadline == dt.date(2026, 10, 13)


class CasePageTests:
    def _at_year_end(self, case: MonitoringCase) -> None:
        start = dt.datetime(2026, 12, 28, 1, tzinfo=dt.UTC)  # 09:00 in China
        MonitoringCase.objects.filter(pk=case.pk).update(
            step_started_at=start, step_deadline=dt.date(2027, 1, 4),
            deadline_parameter="procedure.identification.township_review_working_days")

    def test_the_case_page_warns_when_a_clock_crosses_a_year_without_calendar(
            self, personas, client_for):
        case = case_at(personas, make_household(personas["county_office"]),
                       S.TOWNSHIP_REVIEW)
        self._at_year_end(case)
        page = client_for("township_station").get(f"/monitoring/cases/{case.pk}/")
        text = page.content.decode()
        assert 'data-testid="calendar-note"' in text
        assert "本环节办理时限：2027 年的法定节假日和调休安排尚未录入工作日历" in text

    def test_no_warning_inside_calendar_years(self, personas, client_for):
        case = case_at(personas, make_household(personas["county_office"]),
                       S.TOWNSHIP_REVIEW)
        page = client_for("township_station").get(f"/monitoring/cases/{case.pk}/")
        assert 'data-testid="calendar-note"' not in page.content.decode()

    def test_calendar_day_clocks_are_not_flagged(self, personas):
        case = case_at(personas, make_household(personas["county_office"]), S.HOUSEHOLD_CHECK)
        start = dt.datetime(2026, 12, 28, 1, tzinfo=dt.UTC)  # 09:00 in China
        MonitoringCase.objects.filter(pk=case.pk).update(
            step_started_at=start, step_deadline=dt.date(2027, 1, 4))
        case.refresh_from_db()
        # 入户核查 is counted in 天 (calendar days): the calendar does not matter.
        assert not any(n.startswith("本环节") for n in case_services.case_calendar_notes(case))
