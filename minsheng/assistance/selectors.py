"""Reads of assistance plans and follow-up visits, always from the actor's scope (out of scope →
NotFound), plus the household facts the suggestion rules read and the due lists."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from minsheng.assistance.models import (
    OPEN_MEASURE_STATUSES,
    AssistancePlan,
    FollowUpVisit,
    MeasureEvidence,
    MeasureType,
    PlanMeasure,
    PlanStatus,
)
from minsheng.assistance.rules import (
    DISABILITY,
    EDUCATION,
    HOUSING,
    INTERVAL,
    MEDICAL,
    HouseholdFacts,
    MemberFact,
    Suggestion,
    SuggestionParams,
    suggest,
)
from minsheng.core.errors import InvalidInput
from minsheng.employment.rules import _lookup, labour_age_bounds, parse_month
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry.models import Household, IncomeLedger, Member

# --- Catalogue ------------------------------------------------------------------------------

def measure_types() -> list[MeasureType]:
    return list(MeasureType.objects.order_by("sort_order", "code"))


def measure_type_get(code: str) -> MeasureType:
    found = MeasureType.objects.filter(code=code).first()
    if found is None:
        raise InvalidInput(f"未知的帮扶措施类型「{code}」。")
    return found


# --- Months ---------------------------------------------------------------------------------

def month_shift(month: str, months: int) -> str:
    year, number = (int(x) for x in month.split("-"))
    total = year * 12 + number - 1 + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def interval_months(*, on: dt.date, region_code: str) -> int:
    """The follow-up frequency in force for a region (每隔几个月至少走访一次)."""
    return int(_lookup(INTERVAL, on=on, region_code=region_code).value)


# --- Household facts and suggestions --------------------------------------------------------

def household_facts(household: Household) -> HouseholdFacts:
    members = Member.objects.filter(household=household, active=True).order_by("id")
    ledger = IncomeLedger.objects.filter(household=household).order_by("-year").first()
    return HouseholdFacts(
        members=tuple(MemberFact(name=m.name, birth_date=m.birth_date,
                                 labour_capacity=m.labour_capacity, school_stage=m.school_stage,
                                 disability_grade=m.disability_grade, dibao=m.dibao,
                                 tekun=m.tekun) for m in members),
        housing_grade=household.housing_grade, water_ok=household.water_ok,
        medical_out_of_pocket=ledger.medical_out_of_pocket if ledger else None)


def suggestion_params(*, on: dt.date, region_code: str) -> SuggestionParams:
    medical = _lookup(MEDICAL, on=on, region_code=region_code)
    housing = _lookup(HOUSING, on=on, region_code=region_code)
    disability = _lookup(DISABILITY, on=on, region_code=region_code)
    education = _lookup(EDUCATION, on=on, region_code=region_code)
    bounds = labour_age_bounds(on=on, region_code=region_code)
    return SuggestionParams(
        labour_age=bounds, medical_threshold=Decimal(str(medical.value)),
        housing_grades=tuple(code.removeprefix("grade_").upper() for code in housing.value),
        disability_grades=tuple(int(code.removeprefix("grade_")) for code in disability.value),
        education_stages=tuple(education.value),
        refs=(*bounds.refs, medical.snapshot(), housing.snapshot(), disability.snapshot(),
              education.snapshot()))


@dataclass
class SuggestionRow:
    code: str
    name: str
    kind_label: str
    reason: str
    adopted: bool


def household_suggestions(*, household: Household, on: dt.date,
                          plan: AssistancePlan | None = None) -> list[SuggestionRow]:
    """The suggestions for a household, each marked adopted when the plan already has an open
    measure of that type."""
    params = suggestion_params(on=on, region_code=household.region_id)
    found: list[Suggestion] = suggest(household_facts(household), on=on, params=params)
    types = {t.code: t for t in measure_types()}
    adopted = set()
    if plan is not None:
        adopted = set(plan.measures.filter(status__in=OPEN_MEASURE_STATUSES)
                      .values_list("measure_type_id", flat=True))
    return [SuggestionRow(code=s.code, name=types[s.code].name,
                          kind_label=types[s.code].get_kind_display(), reason=s.reason,
                          adopted=s.code in adopted) for s in found if s.code in types]


# --- Plans ----------------------------------------------------------------------------------

def plan_get(*, actor: Any, pk: Any, action: str = "view") -> AssistancePlan:
    return AssistancePlan.objects.select_related(
        "household", "region", "responsible_user").get_visible(actor, action, pk=pk)


def active_plan_for(*, actor: Any, household: Household) -> AssistancePlan | None:
    return (AssistancePlan.objects.visible_to(actor).select_related("responsible_user")
            .filter(household=household, status=PlanStatus.ACTIVE).first())


def plan_history(*, actor: Any, household: Household) -> list[AssistancePlan]:
    return list(AssistancePlan.objects.visible_to(actor).filter(household=household)
                .order_by("-id"))


def plan_list(*, actor: Any, region_code: str = "", status: str = PlanStatus.ACTIVE,
              mine: bool = False) -> models.QuerySet[AssistancePlan]:
    qs = AssistancePlan.objects.visible_to(actor).select_related("household", "region")
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(region_id__gte=_bounds(region_code)[0],
                       region_id__lte=_bounds(region_code)[1])
    if mine:
        qs = qs.filter(responsible_user=actor)
    return qs.order_by("region_id", "household_id")


def _bounds(code: str) -> tuple[str, str]:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise InvalidInput(f"区划代码「{code}」不存在。")
    return subtree_bounds(region.code, region.level)


def plan_measures(*, plan: AssistancePlan) -> list[PlanMeasure]:
    return list(plan.measures.select_related("measure_type")
                .prefetch_related("evidence").order_by("start_date", "id"))


def measure_get(*, actor: Any, pk: Any, action: str = "view") -> PlanMeasure:
    return PlanMeasure.objects.select_related(
        "plan", "plan__household", "measure_type").get_visible(actor, action, pk=pk)


def evidence_get(*, actor: Any, pk: Any) -> MeasureEvidence:
    return MeasureEvidence.objects.select_related("measure__plan").get_visible(actor, "view",
                                                                          pk=pk)


def continuing_measures(*, actor: Any, household: Household,
                        on: dt.date) -> list[PlanMeasure]:
    """Measures that continue after 风险消除 (小额信贷 until due, 公益性岗位 until the agreement
    ends, education aid until the stage ends): open, of a continuing type, not yet ended."""
    qs = (PlanMeasure.objects.visible_to(actor).select_related("measure_type", "plan")
          .filter(plan__household=household, status__in=OPEN_MEASURE_STATUSES)
          .exclude(measure_type__continues_until=""))
    out = []
    for measure in qs.order_by("start_date", "id"):
        until = measure.continues_until or measure.end_date
        if until is None or until >= on:
            out.append(measure)
    return out


# --- Follow-up visits -----------------------------------------------------------------------

def visit_get(*, actor: Any, pk: Any) -> FollowUpVisit:
    return FollowUpVisit.objects.select_related("household", "region").get_visible(
        actor, "view", pk=pk)


def visit_list(*, actor: Any, household: Household | None = None, month: str = "",
               region_code: str = "") -> models.QuerySet[FollowUpVisit]:
    qs = FollowUpVisit.objects.visible_to(actor).select_related("household", "region")
    if household is not None:
        qs = qs.filter(household=household)
    if month:
        qs = qs.filter(month=parse_month(month))
    if region_code:
        lo, hi = _bounds(region_code)
        qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
    return qs.order_by("-month", "region_id", "household_id")


def _registry_status(household: Household, on: dt.date) -> dict[str, bool | None]:
    """三保障 + 饮水 from the registry, as the household page shows them."""
    members = list(Member.objects.filter(household=household, active=True))
    low = int(_lookup("monitoring.compulsory_education.min_age", on=on,
                      region_code=household.region_id).value)
    high = int(_lookup("monitoring.compulsory_education.max_age", on=on,
                       region_code=household.region_id).value)

    def age(birth: dt.date) -> int:
        return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))

    out_of_school = [m for m in members if m.school_stage == "not_in_school"
                     and low <= age(m.birth_date) <= high]
    grade = household.housing_grade
    return {"education_ok": not out_of_school,
            "medical_ok": all(m.medical_insurance for m in members),
            "housing_ok": None if not grade else grade in ("A", "B"),
            "water_ok": household.water_ok}


def visit_prefill(*, actor: Any, household: Household, month: str, on: dt.date) -> dict[str, Any]:
    """The follow-up form prefilled: 三保障 + 饮水 from the registry, problems and next steps
    from the previous visit, each open measure with its current status, the 帮扶责任人 as the
    visiting cadre. Only what changed needs typing."""
    previous = (FollowUpVisit.objects.visible_to(actor).filter(household=household,
                                                                month__lt=month)
                .order_by("-month").first())
    plan = active_plan_for(actor=actor, household=household)
    measures = plan_measures(plan=plan) if plan else []
    data: dict[str, Any] = {
        "month": month, "visit_date": on, "income_change": "same",
        "cadre_name": (plan.responsible_name if plan and plan.responsible_name
                       else (getattr(actor, "display_name", "") or actor.get_username())),
        **_registry_status(household, on),
        "problems": previous.problems if previous else "",
        "next_steps": previous.next_steps if previous else "",
        "income_note": previous.income_note if previous else "",
        "measures_progress": [{"measure": m.pk, "name": m.measure_type.name, "title": m.title,
                               "status": m.status, "note": ""}
                              for m in measures if m.is_open],
    }
    data["previous"] = previous
    return data


@dataclass
class DueRow:
    plan: AssistancePlan
    last_month: str  # the latest visit's month, "" if never visited
    village: str = ""


@dataclass
class DueGroup:
    key: str
    label: str
    rows: list[DueRow] = field(default_factory=list)


def due_list(*, actor: Any, month: str, region_code: str = "", mine: bool = False,
             on: dt.date) -> list[DueRow]:
    """Households with an active plan in the actor's scope that have no visit in the window the
    frequency parameter sets (本期应走访而未走访), oldest visit first."""
    return due_rows(plans=plan_list(actor=actor, region_code=region_code, mine=mine),
                    month=month, on=on)


def due_rows(*, plans: models.QuerySet[AssistancePlan], month: str,
             on: dt.date) -> list[DueRow]:
    """The due rows among ``plans`` (already scoped by the caller)."""
    month = parse_month(month)
    found = list(plans.select_related("household", "responsible_user"))
    if not found:
        return []
    intervals: dict[str, int] = {}
    last: dict[int, str] = {}
    ids = [p.household_id for p in found]
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        for household_id, latest in (FollowUpVisit.objects.filter(household_id__in=chunk,
                                                                  month__lte=month)
                                     .values("household_id")
                                     .annotate(latest=models.Max("month"))
                                     .values_list("household_id", "latest")):
            last[household_id] = latest
    rows = []
    for plan in found:
        county = plan.region_id[:6].ljust(12, "0")
        if county not in intervals:
            intervals[county] = interval_months(on=on, region_code=plan.region_id)
        window_start = month_shift(month, -(intervals[county] - 1))
        latest = last.get(plan.household_id, "")
        if latest < window_start:
            rows.append(DueRow(plan=plan, last_month=latest))
    rows.sort(key=lambda r: (r.last_month, r.plan.region_id, r.plan.household_id))
    return rows


def due_by_cadre(rows: list[DueRow]) -> list[DueGroup]:
    groups: dict[str, DueGroup] = {}
    for row in rows:
        plan = row.plan
        if plan.responsible_user_id:
            key = f"user:{plan.responsible_user_id}"
            user = plan.responsible_user
            label = plan.responsible_name or (user.display_name or user.username)
        elif plan.responsible_name:
            key = f"name:{plan.responsible_name}:{plan.responsible_phone}"
            label = plan.responsible_name + (f"（{plan.masked_phone}）"
                                             if plan.responsible_phone else "")
        else:
            key, label = "none", "未确定帮扶责任人"
        groups.setdefault(key, DueGroup(key=key, label=label)).rows.append(row)
    return sorted(groups.values(), key=lambda g: (g.key == "none", g.label))


def due_by_township(rows: list[DueRow]) -> list[DueGroup]:
    grouped: dict[str, list[DueRow]] = defaultdict(list)
    for row in rows:
        grouped[row.plan.region_id[:9].ljust(12, "0")].append(row)
    names = dict(Region.objects.filter(code__in=list(grouped), level=RegionLevel.TOWNSHIP)
                 .values_list("code", "name"))
    return [DueGroup(key=code, label=names.get(code, code), rows=grouped[code])
            for code in sorted(grouped)]


def village_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
