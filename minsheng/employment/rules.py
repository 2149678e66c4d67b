"""Pure rules of employment assistance: who is in the labour force (劳动力) and whether a
workshop meets the recognition criteria (就业帮扶车间认定). No ORM, no clock: the date and the
parameter values are arguments, the numbers come from ``policy/parameters/employment/``."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from minsheng.core.errors import InvalidInput
from minsheng.employment.choices import LABOUR_CAPACITIES, WorkerCategory
from minsheng.policy.errors import PolicyError
from minsheng.policy.selectors import active_parameters

AGE_MIN = "employment.labour_age.min"
AGE_MAX = "employment.labour_age.max"
WORKSHOP_MIN_WORKERS = "employment.workshop.min_lifted_workers"
WORKSHOP_MIN_MONTHS = "employment.workshop.min_contract_months"


# --- Months ---------------------------------------------------------------------------------

def parse_month(text: Any) -> str:
    """'2025-10', '2025-1', '2025年10月', '2025/10', '202510' → '2025-10'; else InvalidInput."""
    raw = str(text or "").strip()
    value = raw.replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
    if value.isdigit() and len(value) == 6:
        value = f"{value[:4]}-{value[4:]}"
    parts = value.split("-")
    if (len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) == 4
            and 1 <= int(parts[1]) <= 12 and 2000 <= int(parts[0]) <= 2100):
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}"
    raise InvalidInput(f"月份「{raw}」格式不正确，应为年-月，如 2025-10。")


def month_end(month: str) -> dt.date:
    year, number = (int(x) for x in month.split("-"))
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def previous_month(month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def month_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in full years (周岁) on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- Parameters -----------------------------------------------------------------------------

def _lookup(name: str, *, on: dt.date, region_code: str, parameters: Any = None) -> Any:
    try:
        return (parameters or active_parameters()).value(name, on=on, region_code=region_code)
    except PolicyError as exc:
        raise InvalidInput(exc.message) from exc


@dataclass(frozen=True)
class AgeBounds:
    minimum: int
    maximum: int
    refs: tuple[dict[str, Any], ...] = ()

    def birth_range(self, on: dt.date) -> tuple[dt.date, dt.date]:
        """(born after, born on or before): the birth dates of ages minimum..maximum on ``on``."""
        return years_before(on, self.maximum + 1), years_before(on, self.minimum)


def labour_age_bounds(*, on: dt.date, region_code: str) -> AgeBounds:
    """The labour-force age bounds (周岁, both inclusive) in force for a region on a date."""
    parameters = active_parameters()
    low = _lookup(AGE_MIN, on=on, region_code=region_code, parameters=parameters)
    high = _lookup(AGE_MAX, on=on, region_code=region_code, parameters=parameters)
    return AgeBounds(int(low.value), int(high.value), (low.snapshot(), high.snapshot()))


def in_labour_force(*, birth_date: dt.date, labour_capacity: str, on: dt.date,
                    bounds: AgeBounds) -> tuple[bool, str]:
    """Whether a member belongs to the labour force on ``on``, and why not (Chinese)."""
    if labour_capacity not in LABOUR_CAPACITIES:
        return False, "劳动技能为丧失劳动力或无劳动力，不计入劳动力。"
    age = age_on(birth_date, on)
    if age < bounds.minimum:
        return False, f"年龄 {age} 周岁，未满劳动力年龄下限 {bounds.minimum} 周岁。"
    if age > bounds.maximum:
        return False, f"年龄 {age} 周岁，超过劳动力年龄上限 {bounds.maximum} 周岁。"
    return True, ""


# --- Workshop recognition -------------------------------------------------------------------

@dataclass(frozen=True)
class WorkerFact:
    category: str
    contract_start: dt.date
    contract_months: int
    left_on: dt.date | None = None


@dataclass
class Recognition:
    met: bool
    qualified: int
    required_workers: int
    required_months: int
    reasons: list[str] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"met": self.met, "qualified": self.qualified,
                "required_workers": self.required_workers,
                "required_months": self.required_months, "reasons": self.reasons,
                "parameters": self.parameters}


def workshop_recognition(workers: Iterable[WorkerFact], *, on: dt.date, min_workers: int,
                         min_months: int) -> Recognition:
    """就业帮扶车间认定: at least ``min_workers`` 脱贫人口 (含监测对象) in post on ``on`` whose
    labour (承揽) contract runs ``min_months`` months or more."""
    qualified = 0
    short = 0
    for w in workers:
        if w.category not in (WorkerCategory.LIFTED, WorkerCategory.MONITORED):
            continue
        if w.contract_start > on or (w.left_on is not None and w.left_on <= on):
            continue
        if w.contract_months >= min_months:
            qualified += 1
        else:
            short += 1
    met = qualified >= min_workers
    reasons = [f"在岗且合同期限不少于 {min_months} 个月的脱贫人口（含监测对象）{qualified} 人，"
               f"认定标准为不少于 {min_workers} 人：{'符合' if met else '不符合'}。"]
    if short:
        reasons.append(f"另有 {short} 名脱贫人口（含监测对象）合同期限不足 {min_months} 个月，不计入。")
    return Recognition(met, qualified, min_workers, min_months, reasons)


def workshop_recognition_for(workers: Iterable[WorkerFact], *, on: dt.date,
                             region_code: str) -> Recognition:
    """The recognition check with the parameters in force for the workshop's village."""
    parameters = active_parameters()
    n = _lookup(WORKSHOP_MIN_WORKERS, on=on, region_code=region_code, parameters=parameters)
    m = _lookup(WORKSHOP_MIN_MONTHS, on=on, region_code=region_code, parameters=parameters)
    result = workshop_recognition(workers, on=on, min_workers=int(n.value),
                                  min_months=int(m.value))
    result.parameters = [n.snapshot(), m.snapshot()]
    return result
