"""The working calendar files (工作日历, ``policy/calendar/YYYY.yaml``): the shipped years load,
broken files are reported in Chinese, and ``minsheng policy check`` validates them."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minsheng.policy import checks
from minsheng.policy.workcalendar import CALENDAR_DIR, load_calendar

REF = """ref:
  document: 国务院办公厅关于2030年部分节假日安排的通知（测试）
  issuer: 国务院办公厅
  date: 2029-11-01
  verified: true
"""


def year_file(tmp_path: Path, body: str, *, name: str = "2030.yaml", year: int = 2030,
              ref: str = REF) -> Path:
    (tmp_path / name).write_text(f"description: 测试\nyear: {year}\n{ref}{body}",
                                 encoding="utf-8")
    return tmp_path


def problems(directory: Path) -> list[str]:
    return [str(p) for p in load_calendar(directory).problems]


class ShippedCalendarTests:
    def test_2025_and_2026_load_without_problems(self):
        loaded = load_calendar(CALENDAR_DIR)
        assert loaded.problems == []
        assert sorted(loaded.calendar.years) == [2025, 2026]

    def test_the_published_days(self):
        calendar = load_calendar(CALENDAR_DIR).calendar
        assert calendar.holiday_name(dt.date(2026, 10, 7)) == "国庆节"
        assert calendar.holiday_name(dt.date(2025, 10, 8)) == "国庆节、中秋节"
        assert not calendar.is_working_day(dt.date(2026, 2, 23))  # 春节 (a Monday)
        assert calendar.is_working_day(dt.date(2026, 9, 20))  # 调休上班 (a Sunday)
        assert calendar.is_working_day(dt.date(2025, 1, 26))  # 调休上班 (a Sunday)
        assert not calendar.is_working_day(dt.date(2026, 9, 19))  # an ordinary Saturday
        # The sums of the notices' "共 N 天": 1+8+3+5+3+8 (2025), 3+9+3+5+3+3+7 (2026).
        assert len(calendar.years[2025].holidays) == 28
        assert len(calendar.years[2026].holidays) == 33

    def test_every_working_day_is_a_weekend_day_and_no_holiday_is_one(self):
        for year in load_calendar(CALENDAR_DIR).calendar.years.values():
            assert all(d.weekday() >= 5 for d in year.working_days)
            assert not set(year.working_days) & set(year.holidays)


class BrokenCalendarTests:
    def test_a_weekday_listed_as_working_day_is_refused(self, tmp_path):
        year_file(tmp_path, "holidays: []\nworking_days:\n  - {name: 调休, date: 2030-01-02}\n")
        assert problems(tmp_path) == [
            "calendar/2030.yaml：调休上班（working_days）第 1 条：调休上班日期 2030-01-02 是周一至"
            "周五，本来就是工作日：只列调休上班的周六、周日"]

    def test_the_year_must_match_the_file_name(self, tmp_path):
        year_file(tmp_path, "holidays: []\nworking_days: []\n", year=2031)
        assert problems(tmp_path) == [
            "calendar/2030.yaml：年度（year）应为 2030（与文件名一致），实为「2031」"]

    def test_a_missing_reference_is_refused(self, tmp_path):
        year_file(tmp_path, "holidays: []\nworking_days: []\n", ref="")
        assert any("缺少出处（ref）" in p for p in problems(tmp_path))

    def test_dates_out_of_the_year_reversed_or_overlapping_are_refused(self, tmp_path):
        year_file(tmp_path, "holidays:\n"
                            "  - {name: 元旦, from: 2029-12-31, to: 2030-01-01}\n"
                            "  - {name: 春节, from: 2030-02-05, to: 2030-02-01}\n"
                            "  - {name: 甲, from: 2030-05-01, to: 2030-05-03}\n"
                            "  - {name: 乙, from: 2030-05-03}\n"
                            "working_days: []\n")
        found = problems(tmp_path)
        assert len(found) == 3
        assert "不在 2030 年内" in found[0]
        assert "早于开始日期" in found[1]
        assert "2030-05-03 已列在「甲」中" in found[2]

    def test_bad_dates_and_unknown_keys_are_refused(self, tmp_path):
        year_file(tmp_path, "holidays:\n  - {name: 元旦, from: 2030-1-1, day: 1}\n"
                            "working_days: []\n")
        found = problems(tmp_path)
        assert any("未知的键：day" in p for p in found)
        assert any("应写成 YYYY-MM-DD" in p for p in found)

    def test_a_file_name_that_is_not_a_year_is_refused(self, tmp_path):
        (tmp_path / "next.yaml").write_text("year: 2030\n", encoding="utf-8")
        assert problems(tmp_path) == [
            "calendar/next.yaml：工作日历文件名应为四位年份加 .yaml，如 2026.yaml"]


@pytest.mark.django_db
class PolicyCheckTests:
    def test_policy_check_reports_a_broken_calendar_with_exit_code_1(self, tmp_path,
                                                                     monkeypatch):
        year_file(tmp_path, "holidays: []\nworking_days:\n  - {name: 调休, date: 2030-01-02}\n")
        monkeypatch.setattr(checks, "load_calendar", lambda: load_calendar(tmp_path))
        with pytest.raises(CommandError) as raised:
            call_command("policy", "check", stdout=StringIO(), stderr=StringIO())
        assert raised.value.returncode == 1
        assert "calendar/2030.yaml：调休上班（working_days）第 1 条" in str(raised.value)

    def test_policy_check_names_the_calendar_years(self):
        out = StringIO()
        call_command("policy", "check", stdout=out, stderr=StringIO())
        assert "工作日历（法定节假日和调休）已录入 2025、2026 年" in out.getvalue()
