"""Reads of monitoring cases and the lead inbox: scoped lists, clocks (overdue steps per
township and per cadre), 应纳未纳 suspects and the households of a village in 公示."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.monitoring import workflow
from minsheng.monitoring.models import (
    MONITORED_STATUSES,
    CaseLead,
    CaseLeadStatus,
    CaseStatus,
    CaseTransition,
    MonitoringCase,
    RiskSignal,
    SignalStatus,
)
from minsheng.regions.codes import LEVEL_BY_LENGTH, pad, significant_prefix
from minsheng.regions.models import Region

VIEW = "monitoring.view_monitoringcase"
LEAD_VIEW = "monitoring.view_caselead"


def _prefix(code: str) -> str:
    """The significant prefix of a 2/4/6/9/12-digit region code (padded or not)."""
    code = code.strip()
    if len(code) in LEVEL_BY_LENGTH and len(code) < 12:
        return code
    region = Region.objects.filter(code=pad(code)).first()
    if region is None:
        raise InvalidInput(f"区划代码「{code}」不存在。")
    return significant_prefix(region.code, region.level)


@dataclass(frozen=True)
class CaseFilter:
    status: str = ""
    category: str = ""
    risk_type: str = ""
    township: str = ""
    overdue: bool = False
    open_only: bool = False


def case_list(*, actor: Any, filters: CaseFilter | None = None,
              today: dt.date | None = None) -> models.QuerySet[MonitoringCase]:
    f = filters or CaseFilter()
    qs = (MonitoringCase.objects.visible_to(actor)
          .select_related("household", "region").order_by("-updated_at", "-id"))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.township:
        qs = qs.filter(region__code__startswith=_prefix(f.township))
    if f.open_only:
        qs = qs.filter(is_open=True)
    if f.overdue:
        qs = qs.filter(is_open=True, step_deadline__lt=today or timezone.localdate())
    if f.risk_type:
        # JSON containment is not portable to SQLite: filter the (small) list in the database
        # by text, then exactly in Python would lose the queryset; the stored list is of
        # quoted codes, so a quoted match is exact.
        qs = qs.filter(risk_types__icontains=f'"{f.risk_type}"')
    return qs


def monitored_households(on: dt.date | None = None) -> models.QuerySet[MonitoringCase]:
    """The ``household_id`` of every household that is a 监测对象 now (its case 监测中 or in the
    elimination procedure, ``MONITORED_STATUSES``) — or, with ``on``, that was one on that day
    (纳入 on or before it and not yet marked eliminated then: a month's statistics count the
    month's 监测对象, not today's). As a subquery: ``filter(household_id__in=...)`` stays one
    query. Not scoped: for a caller that scopes its own rows (employment's statistics and
    公益性岗位)."""
    if on is None:
        return MonitoringCase.objects.filter(status__in=MONITORED_STATUSES).values("household_id")
    return (MonitoringCase.objects.filter(included_on__lte=on)
            .filter(models.Q(eliminated_on__isnull=True) | models.Q(eliminated_on__gt=on))
            .values("household_id"))


def monitored_household_ids(*, region_code: str) -> set[int]:
    """The households of a region (any level) that are 监测对象 now (``monitored_households``).
    Not scoped: for a caller that has scoped its own results (employment's matching)."""
    prefix = _prefix(region_code)
    return set(monitored_households().filter(
        region_id__gte=prefix.ljust(12, "0"), region_id__lte=prefix.ljust(12, "9"))
        .values_list("household_id", flat=True))


def case_get(*, actor: Any, pk: Any) -> MonitoringCase:
    return MonitoringCase.objects.select_related("household", "region").get_visible(actor, pk=pk)


def case_timeline(case: MonitoringCase) -> list[CaseTransition]:
    return list(case.transitions.select_related("actor").prefetch_related("attachments")
                .order_by("at", "id"))


def lead_list(*, actor: Any, status: str = "", source: str = "") -> models.QuerySet[CaseLead]:
    qs = CaseLead.objects.visible_to(actor).select_related("region", "township", "case")
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    return qs.order_by("status", "response_deadline", "-id")


def lead_get(*, actor: Any, pk: Any) -> CaseLead:
    return CaseLead.objects.select_related("region", "township", "household", "case"
                                           ).get_visible(actor, pk=pk)


def _last_actor_subquery() -> Subquery:
    """Who moved the case last (经办人): the account's display name, else the name recorded."""
    return Subquery(CaseTransition.objects.filter(case=OuterRef("pk"))
                    .order_by("-at", "-id")
                    .annotate(who=Coalesce(NullIf(F("actor__display_name"), Value("")),
                                           F("actor_name")))
                    .values("who")[:1])


@dataclass(frozen=True)
class OverdueRow:
    key: str
    label: str
    count: int


def overdue_cases(*, actor: Any, today: dt.date | None = None,
                  within: str = "") -> models.QuerySet[MonitoringCase]:
    today = today or timezone.localdate()
    qs = (MonitoringCase.objects.visible_to(actor)
          .filter(is_open=True, step_deadline__lt=today)
          .exclude(status=CaseStatus.MONITORING)
          .select_related("household", "region")
          .annotate(last_actor=_last_actor_subquery())
          .order_by("step_deadline", "id"))
    if within:
        qs = qs.filter(region__code__startswith=_prefix(within))
    return qs


def procedure_overdue(*, actor: Any, today: dt.date | None = None
                      ) -> models.QuerySet[MonitoringCase]:
    """Cases still in the identification procedure past its overall deadline (全流程超时)."""
    today = today or timezone.localdate()
    return (MonitoringCase.objects.visible_to(actor)
            .filter(is_open=True, status__in=workflow.IDENTIFICATION,
                    procedure_deadline__lt=today)
            .select_related("household", "region").order_by("procedure_deadline", "id"))


def overdue_summary(*, actor: Any, today: dt.date | None = None,
                    within: str = "") -> dict[str, list[OverdueRow]]:
    """Overdue steps counted per township and per cadre (the last person who moved the case,
    who is expected to act next at village level; 经办人)."""
    cases = list(overdue_cases(actor=actor, today=today, within=within))
    townships = Counter(c.region_id[:9].ljust(12, "0") for c in cases)
    names = dict(Region.objects.filter(code__in=townships).values_list("code", "name"))
    cadres = Counter(c.last_actor or "（未分配）" for c in cases)
    steps = Counter(c.status for c in cases)
    return {
        "townships": [OverdueRow(code, names.get(code, code), n)
                      for code, n in townships.most_common()],
        "cadres": [OverdueRow(name, name, n) for name, n in cadres.most_common()],
        "steps": [OverdueRow(s, CaseStatus(s).label, n) for s, n in steps.most_common()],
        "total": [OverdueRow("total", "合计", len(cases))],
    }


def suspects(*, actor: Any, today: dt.date | None = None) -> dict[str, list[Any]]:
    """应纳未纳 suspects: leads still undecided past their response deadline, and open risk
    signals older than the lead response time that never became a lead."""
    from minsheng.monitoring.case_services import lead_deadline

    today = today or timezone.localdate()
    leads = list(CaseLead.objects.visible_to(actor)
                 .filter(status=CaseLeadStatus.PENDING, response_deadline__lt=today)
                 .select_related("region", "township").order_by("response_deadline")[:500])
    converted = CaseLead.objects.filter(signal_id__isnull=False).values("signal_id")
    signals = []
    for signal in (RiskSignal.objects.visible_to(actor).filter(status=SignalStatus.OPEN)
                   .exclude(pk__in=converted).exclude(household__monitoring_cases__is_open=True)
                   .select_related("household", "region").order_by("on")[:2000]):
        if lead_deadline(start=signal.on, region_code=signal.region_id) < today:
            signals.append(signal)
    return {"leads": leads, "signals": signals[:500]}


def case_counts(*, actor: Any) -> dict[str, list[tuple[str, str, int]]]:
    """Monitoring objects (and open cases) by category, risk type, step and township."""
    qs = MonitoringCase.objects.visible_to(actor).filter(is_open=True)
    by_step = [(s, CaseStatus(s).label, n) for s, n in
               qs.values_list("status").annotate(n=Count("id")).order_by("status")]
    objects = qs.filter(status__in=[CaseStatus.MONITORING, *workflow.ELIMINATION])
    from minsheng.monitoring.models import CaseCategory, RiskType

    by_category = [(c, CaseCategory(c).label if c else "未分类", n) for c, n in
                   objects.values_list("category").annotate(n=Count("id")).order_by("category")]
    risks: Counter[str] = Counter()
    for types in objects.values_list("risk_types", flat=True):
        risks.update(types or [])
    by_risk = [(r, RiskType(r).label, risks[r]) for r in RiskType.values if risks[r]]
    townships: Counter[str] = Counter(code[:9].ljust(12, "0") for code in
                                      qs.values_list("region_id", flat=True))
    names = dict(Region.objects.filter(code__in=townships).values_list("code", "name"))
    by_township = [(code, names.get(code, code), n) for code, n in sorted(townships.items())]
    return {"step": by_step, "category": by_category, "risk": by_risk, "township": by_township}


def notice_households(*, actor: Any, village_code: str) -> tuple[Region, list[MonitoringCase]]:
    """The cases of one village currently in 公示 (identification or elimination)."""
    village = Region.objects.filter(code=village_code).first()
    if village is None or not Region.objects.visible_to(actor).filter(code=village_code).exists():
        raise NotFound()
    cases = list(MonitoringCase.objects.visible_to(actor)
                 .filter(region_id=village_code, status__in=workflow.NOTICE_STATES)
                 .select_related("household").order_by("status", "household__household_no"))
    return village, cases


ACTING = (workflow.CHECK, workflow.COMPARE, workflow.REVIEW, workflow.APPROVE)


def home_panel(*, actor: Any, today: dt.date | None = None) -> dict[str, Any] | None:
    """The home-page panel of the roles that act on cases: steps waiting for this role, overdue
    steps per township and cadre, and leads waiting for a decision. None for read-only roles."""
    held = [perm for perm in ACTING if actor.has_perm(perm)]
    if not held:
        return None
    today = today or timezone.localdate()
    waiting_states = {t.source for t in workflow.TABLE if t.permission in held
                      and t.source != CaseStatus.MONITORING}
    waiting = MonitoringCase.objects.visible_to(actor).filter(is_open=True,
                                                              status__in=waiting_states)
    leads = CaseLead.objects.visible_to(actor).filter(status=CaseLeadStatus.PENDING)
    return {"waiting": waiting.count(),
            "overdue": overdue_summary(actor=actor, today=today),
            "leads": leads.count(),
            "leads_overdue": leads.filter(response_deadline__lt=today).count()}


def household_monitoring(*, actor: Any, household: Any) -> dict[str, Any] | None:
    """The household page's 监测帮扶 panel: the household's monitoring cases and its leads
    (pending first), each scoped to the actor. None for a role that sees neither cases nor
    leads (the panel is not shown at all)."""
    see_cases, see_leads = actor.has_perm(VIEW), actor.has_perm(LEAD_VIEW)
    if not (see_cases or see_leads):
        return None
    cases = (list(MonitoringCase.objects.visible_to(actor).filter(household=household)
                  .order_by("-created_at", "-id")) if see_cases else [])
    leads = (list(CaseLead.objects.visible_to(actor).filter(household=household)
                  .select_related("case").order_by(
                      models.Case(models.When(status=CaseLeadStatus.PENDING, then=0),
                                  default=1), "-created_at", "-id")[:50])
             if see_leads else [])
    return {"cases": cases, "leads": leads, "see_cases": see_cases, "see_leads": see_leads}
