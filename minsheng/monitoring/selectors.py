"""Reads of the screening module, always from the actor's scope."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.functions import Substr

from minsheng.core.errors import MinshengError, NotFound
from minsheng.core.masking import mask_phone
from minsheng.monitoring.models import RiskSignal, RunKind, ScreeningRun, SignalStatus
from minsheng.monitoring.services import rules_module
from minsheng.regions.models import Region
from minsheng.regions.scoping import holds_perm
from minsheng.registry.selectors import household_get


def can_view_signals(actor: Any) -> bool:
    return holds_perm(actor, "monitoring.view_risksignal")


# --- Runs ------------------------------------------------------------------------------------

def run_get(*, actor: Any, pk: Any, kind: str | None = None) -> ScreeningRun:
    run = ScreeningRun.objects.select_related("region", "actor").get_visible(actor, "view", pk=pk)
    if kind is not None and run.kind != kind:
        raise NotFound()
    return run


def run_list(*, actor: Any, kind: str = RunKind.SCREENING,
             within: Region | None = None) -> models.QuerySet[ScreeningRun]:
    qs = ScreeningRun.objects.visible_to(actor).filter(kind=kind).select_related(
        "region", "actor")
    if within is not None:
        lo, hi = within.bounds
        qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
    return qs.order_by("-created_at", "-id")


# --- Signals ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignalFilter:
    """Filters of the results page, the drill-down list and the export (筛选条件)."""

    status: str = SignalStatus.OPEN  # "" = every status
    reason_code: str = ""
    township: str = ""  # 9- or 12-digit township code
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "reason_code": self.reason_code,
                "township": self.township}


def signal_filter_from(data: Any) -> SignalFilter:
    status = (data.get("status") if "status" in data else SignalStatus.OPEN) or ""
    if status and status not in SignalStatus.values:
        status = SignalStatus.OPEN
    township = "".join(ch for ch in (data.get("township") or "") if ch.isdigit())[:12]
    return SignalFilter(status=status, reason_code=(data.get("reason_code") or "").strip()[:64],
                        township=township)


def signal_list(*, actor: Any, within: Region | None = None,
                filters: SignalFilter | None = None) -> models.QuerySet[RiskSignal]:
    f = filters or SignalFilter()
    qs = RiskSignal.objects.visible_to(actor)
    if within is not None:
        lo, hi = within.bounds
        qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.reason_code:
        qs = qs.filter(reason_code=f.reason_code)
    if f.township:
        prefix = f.township[:9]
        qs = qs.filter(region_id__gte=prefix.ljust(12, "0"), region_id__lte=prefix.ljust(12, "9"))
    return qs.select_related("household", "region").order_by("region_id", "household_id",
                                                             "reason_code")


def signal_counts(*, actor: Any, within: Region | None = None,
                  filters: SignalFilter | None = None) -> dict[str, Any]:
    """Counts by township and reason (乡镇 × 风险原因): signals, households and people, with the
    reasons as columns and a total row and column."""
    f = filters or SignalFilter()
    qs = signal_list(actor=actor, within=within,
                     filters=SignalFilter(status=f.status, reason_code=f.reason_code,
                                          township=f.township)).order_by()
    rows = (qs.annotate(township=Substr("region_id", 1, 9))
            .values("township", "reason_code")
            .annotate(n=models.Count("id"), people=models.Sum("people"))
            .order_by("township", "reason_code"))
    per_township = (qs.annotate(township=Substr("region_id", 1, 9)).values("township")
                    .annotate(households=models.Count("household_id", distinct=True))
                    .order_by("township"))
    households = {r["township"]: r["households"] for r in per_township}
    cells: dict[str, dict[str, dict[str, int]]] = {}
    reasons: set[str] = set()
    for r in rows:
        cells.setdefault(r["township"], {})[r["reason_code"]] = {"n": r["n"],
                                                                 "people": r["people"] or 0}
        reasons.add(r["reason_code"])
    ordered_reasons = sorted(reasons)
    names = dict(Region.objects.filter(code__in=[t.ljust(12, "0") for t in cells])
                 .values_list("code", "name"))
    table = []
    for township, by_reason in cells.items():
        table.append({
            "township": township, "name": names.get(township.ljust(12, "0"), township),
            "cells": [{"code": code, "n": by_reason.get(code, {"n": 0})["n"]}
                      for code in ordered_reasons],
            "total": sum(c["n"] for c in by_reason.values()),
            "households": households.get(township, 0),
        })
    totals = [sum(row["cells"][i]["n"] for row in table) for i in range(len(ordered_reasons))]
    return {"reasons": [{"code": c, "label": reason_label(c)} for c in ordered_reasons],
            "rows": table, "totals": totals, "total": sum(totals),
            "households": sum(households.values())}


def household_signals(*, actor: Any, household_id: Any) -> tuple[Any, list[RiskSignal]]:
    """A household's signals, open ones first (404 when the household is out of scope or the
    actor may not see signals)."""
    if not can_view_signals(actor):
        raise NotFound()
    household = household_get(actor=actor, pk=household_id)
    open_first = models.Case(models.When(status=SignalStatus.OPEN, then=0), default=1)
    signals = list(RiskSignal.objects.filter(household_id=household.pk)
                   .select_related("first_run", "resolved_run")
                   .order_by(open_first, "-created_at", "reason_code"))
    return household, signals


# --- Explanations ----------------------------------------------------------------------------

class Explainer:
    """Chinese sentences for signals (the same text the rule's reason gives), rendered from the
    stored figures with the parameters read once; repeated figures are rendered once."""

    def __init__(self) -> None:
        from minsheng.policy.selectors import active_parameters

        self.parameters = active_parameters()
        self.memo: dict[tuple[Any, ...], str] = {}

    def __call__(self, signal: RiskSignal) -> str:
        key = (signal.reason_code, signal.measured, signal.threshold, signal.on,
               signal.region_id)
        text = self.memo.get(key)
        if text is None:
            try:
                text = rules_module().explain(
                    signal.reason_code, measured=signal.measured, threshold=signal.threshold,
                    on=signal.on, region_code=signal.region_id, parameters=self.parameters)
            except MinshengError as exc:  # e.g. a parameter since withdrawn: say so
                text = f"（无法生成说明：{exc.message}）"
            if len(self.memo) < 50_000:
                self.memo[key] = text
        return text


def signal_explanation(signal: RiskSignal) -> str:
    return Explainer()(signal)


def reason_label(code: str) -> str:
    """A short Chinese name of a reason code for table headers and filters (the rules'
    ``REASON_LABELS``); an unknown code shows as itself."""
    return rules_module().REASON_LABELS.get(code, code)


def rule_titles() -> dict[str, str]:
    return {rule.id: rule.title for rule in rules_module().RULES}


# --- Export rows -----------------------------------------------------------------------------

EXPORT_HEADERS = ["户编号", "户主", "所在村", "乡镇", "风险原因", "说明", "在户人数", "状态",
                  "发现日期", "联系电话"]


def signal_export_rows(signals: Iterable[RiskSignal]) -> Iterator[tuple[Any, ...]]:
    """Rows of the export in ``EXPORT_HEADERS`` order; phones masked."""
    townships: dict[str, str] = {}
    explain = Explainer()
    for s in signals:
        code = s.region_id[:9].ljust(12, "0")
        if code not in townships:
            townships[code] = (Region.objects.filter(code=code).values_list("name", flat=True)
                               .first() or code)
        yield (s.household.household_no, s.household.head_name, s.region.name, townships[code],
               reason_label(s.reason_code), explain(s), s.people,
               s.get_status_display(), s.created_at.date().isoformat(),
               mask_phone(s.household.phone))
