"""The single writer of audit events (审计事件). Services call :func:`record_event` explicitly."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from minsheng.core.context import client_ip_var, request_id_var
from minsheng.core.models import AuditEvent, AuditEventType


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in (sorted(value) if isinstance(value, set | frozenset) else value)]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The listed field values of ``obj`` as JSON-ready data (foreign keys as their id)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Only the changed fields, as ``{field: [before, after]}``."""
    changed: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            changed[key] = [old, new]
    return changed


def record_event(
    *,
    actor: Any,
    event_type: AuditEventType,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str = "",
    subject_repr: str = "",
    region_code: str = "",
    changes: Mapping[str, Any] | None = None,
    note: str = "",
    extra: Mapping[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEvent:
    """Append one audit event. ``actor`` may be None for the system or an anonymous attempt."""
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or str(subject.pk)
        subject_repr = subject_repr or str(subject)[:255]
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=real_actor,
        actor_username=(real_actor.get_username() if real_actor else actor_username)[:150],
        event_type=event_type,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_repr=subject_repr[:255],
        region_code=region_code,
        changes=_jsonable(dict(changes or {})),
        request_id=request_id_var.get(),
        ip_address=client_ip_var.get(),
        note=note,
        extra=_jsonable(dict(extra or {})),
    )


def record_events_bulk(*, actor: Any, event_type: AuditEventType,
                       events: Iterable[Mapping[str, Any]]) -> int:
    """Append many events of one type at once (imports): each mapping holds ``subject_type``,
    ``subject_id``, ``subject_repr``, ``region_code`` and optionally ``changes``, ``note``,
    ``extra``. Same columns as :func:`record_event`, written with prepared batch INSERTs."""
    from django.utils import timezone

    from minsheng.core.bulk import insert_rows

    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    username = real_actor.get_username() if real_actor else ""
    request_id, ip, now = request_id_var.get(), client_ip_var.get(), timezone.now()
    return insert_rows(
        AuditEvent,
        ("at", "actor", "actor_username", "event_type", "subject_type", "subject_id",
         "subject_repr", "region_code", "changes", "request_id", "ip_address", "note", "extra"),
        ((now, real_actor.pk if real_actor else None, username, event_type,
          e.get("subject_type", ""), str(e.get("subject_id", "")),
          str(e.get("subject_repr", ""))[:255], e.get("region_code", ""),
          _jsonable(dict(e.get("changes") or {})), request_id, ip, e.get("note", ""),
          _jsonable(dict(e.get("extra") or {}))) for e in events),
    )
