"""``minsheng policy check``: validate every parameter file, and check the region codes they use
against the Region table when that table is loaded (otherwise the codes are checked for format
only, and the report says so). For the shipped folder it also re-checks the local values approved
in the UI against the files (a file changed after an approval may now clash with one) and
validates the working calendar (``policy/calendar/``, ``policy.workcalendar``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError

from minsheng.policy.parameters import PARAMETERS_DIR, Problem, RegionUse, load_directory
from minsheng.policy.workcalendar import load_calendar
from minsheng.regions.models import Region


@dataclass
class CheckReport:
    files: int = 0
    entries: int = 0
    unverified: int = 0
    problems: list[Problem] = field(default_factory=list)
    regions_checked: bool = False
    note: str = ""  # why region codes were checked for format only
    local_values: int = 0  # approved local values (地方审批取值) checked against the files
    calendar_years: list[int] = field(default_factory=list)  # 工作日历 (shipped folder only)
    calendar_unverified: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"参数文件有 {len(self.problems)} 处问题："
        unverified = (f"其中 {self.unverified} 条取值的出处尚未核实（verified: false），"
                      "正式使用前请核对原文。" if self.unverified else "所有取值的出处均已核实。")
        local = (f"另有 {self.local_values} 条地方审批取值，均与参数文件相符。"
                 if self.local_values else "")
        calendar = ""
        if self.calendar_years:
            years = "、".join(str(y) for y in self.calendar_years)
            calendar = (f"工作日历（法定节假日和调休）已录入 {years} 年"
                        + (f"，其中 {self.calendar_unverified} 个年度的出处尚未核实"
                           if self.calendar_unverified else "")
                        + "；其他年度的工作日时限只跳过周末。")
        return (f"已检查 {self.files} 个参数文件，共 {self.entries} 条取值，未发现问题。{unverified}"
                f"{calendar}{local}")


def _existing_codes(codes: set[str]) -> tuple[set[str] | None, str]:
    """The codes among ``codes`` that exist in the Region table, or None (with the reason) when
    the table is empty or not there at all (e.g. checking before ``minsheng migrate``)."""
    try:
        if not Region.objects.exists():
            return None, "区划表为空（尚未导入区划），区划代码只检查了格式，未核对是否存在。"
        return set(Region.objects.filter(code__in=codes).values_list("code", flat=True)), ""
    except DatabaseError:
        return None, "数据库中还没有区划表，区划代码只检查了格式，未核对是否存在。"


def _missing_regions(uses: list[RegionUse], existing: set[str]) -> list[Problem]:
    return [Problem(use.file, f"区划代码 {use.written} 在区划表中不存在", use.entry,
                    use.effective, use.written)
            for use in uses if use.code not in existing]


def _local_values() -> tuple[int, list[Problem]]:
    """How many approved local values there are, and those that no longer fit the files."""
    from minsheng.policy.models import ParameterProposal, ProposalStatus
    from minsheng.policy.selectors import local_value_problems

    try:
        count = ParameterProposal.objects.filter(status=ProposalStatus.APPROVED).count()
        found = local_value_problems() if count else []
    except DatabaseError:  # before ``minsheng migrate``: there are no local values yet
        return 0, []
    return count, [Problem(f"地方审批取值（申报 #{p.proposal_id}）",
                           f"{p.name}，区划 {p.region_code}，生效日期 {p.effective}：{p.message}")
                   for p in found]


def parameters_check(directory: Path = PARAMETERS_DIR) -> CheckReport:
    result = load_directory(directory)
    report = CheckReport(files=result.files, entries=result.entries,
                         unverified=result.unverified, problems=list(result.problems))
    existing, report.note = _existing_codes({use.code for use in result.region_uses})
    if existing is not None:
        report.regions_checked = True
        report.problems.extend(_missing_regions(result.region_uses, existing))
    if directory == PARAMETERS_DIR:
        calendar = load_calendar()
        report.problems.extend(calendar.problems)
        report.calendar_years = sorted(calendar.calendar.years)
        report.calendar_unverified = calendar.unverified
    if not report.problems and directory == PARAMETERS_DIR:
        report.local_values, local = _local_values()
        report.problems.extend(local)
    # Each file's problems together, in entry order (file-level problems first).
    report.problems.sort(key=lambda p: (p.file, p.entry or 0))
    return report
