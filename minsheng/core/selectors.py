"""Reads of the audit trail: only the audit administrator (审计管理员) may read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from minsheng.core.models import AuditEvent, AuditEventType


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    event_type: str = ""
    subject: str = ""
    region_code: str = ""
    request_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in self.__dict__.items() if v}


# 统计用区划代码: 省 2 digits, 市 4, 县 6, 乡 9, 村 12, padded with zeros to 12.
_LEVEL_PREFIXES = (2, 4, 6, 9)


def _region_prefix(code: str) -> str:
    """The prefix every code inside the region ``code`` starts with.

    A 2/4/6/9/12-digit code names a region (padded or not): its significant prefix is cut at a
    level boundary, so 塘渡口镇 430523100000 gives 430523100 and never also matches 白仓镇
    430523101. Any other length is taken as a plain prefix.
    """
    if len(code) < 12 and len(code) not in _LEVEL_PREFIXES:
        return code
    padded = code.ljust(12, "0")
    for length in _LEVEL_PREFIXES:
        if not padded[length:].strip("0"):
            return padded[:length]
    return padded


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(*, actor: Any, filters: AuditFilter | None = None) -> models.QuerySet[AuditEvent]:
    """Audit events matching the filter; empty for anyone without ``core.view_auditevent``."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("core.view_auditevent"):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.all()
    f = filters or AuditFilter()
    if f.actor:
        qs = qs.filter(actor_username__icontains=f.actor)
    if f.event_type:
        qs = qs.filter(event_type=f.event_type)
    if f.subject:
        qs = qs.filter(models.Q(subject_repr__icontains=f.subject) | models.Q(subject_id=f.subject))
    if f.region_code:
        qs = qs.filter(region_code__startswith=_region_prefix(f.region_code))
    if f.request_id:
        qs = qs.filter(request_id=f.request_id)
    if f.date_from:
        qs = qs.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def audit_summary(*, actor: Any) -> dict[str, int]:
    today = audit_event_list(
        actor=actor, filters=AuditFilter(date_from=timezone.localdate())
    )
    counts = dict(today.values_list("event_type").annotate(n=models.Count("id")).order_by())
    return {
        "today": sum(counts.values()),
        "failed_logins": counts.get(AuditEventType.LOGIN_FAILED, 0),
        "lockouts": counts.get(AuditEventType.ACCOUNT_LOCKED, 0),
        "exports": counts.get(AuditEventType.EXPORTED, 0),
    }
