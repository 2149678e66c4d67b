"""Uploaded files: opening one for a download (``upload_open``), and the files with no row
(孤立上传文件).

A service stores an upload's file before it saves the row that names it, inside the row's
transaction: the case attachments (承诺授权书, photos), the 佐证材料 of assistance measures and the
import files. When that transaction rolls back after the file was written — a later step of the
same request failed, the process stopped — the file stays under ``MEDIA_ROOT`` with nothing
pointing at it. Such files hold personal data (signed forms, photos of people and documents),
so they are removed: ``orphan_files`` lists them and ``orphan_files_remove`` deletes them and
audits the removal (``minsheng files orphans [--delete]``, run daily from cron).

Only files under ``MEDIA_ROOT`` that no ``FileField`` of any model names, and that are older
than a grace period, count: an upload in progress has its file on disk before its row commits.
``MEDIA_ROOT`` holds nothing but uploads (settings).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models

from minsheng.core.audit import record_event
from minsheng.core.errors import NotFound
from minsheng.core.models import AuditEventType

# No request or import runs this long: a file without a row after it is left over.
GRACE = dt.timedelta(hours=24)


def upload_open(file: Any, *, missing: str) -> Any:
    """An uploaded file (a ``FieldFile``) opened for reading; a file missing from storage is
    ``NotFound`` with the Chinese message ``missing`` (a 404, not a server error)."""
    try:
        return file.open("rb")
    except (OSError, ValueError):
        raise NotFound(missing) from None


def _referenced() -> set[str]:
    """Every stored name a ``FileField`` of any model holds."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.update(model._base_manager.exclude(**{field.attname: ""})
                             .values_list(field.attname, flat=True).iterator())
    return names


def orphan_files(*, older_than: dt.timedelta = GRACE, now: float | None = None) -> list[str]:
    """The files under ``MEDIA_ROOT`` (names relative to it, sorted) that no row names and
    that were last written more than ``older_than`` ago."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    referenced = _referenced()
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name not in referenced and path.stat().st_mtime < cutoff:
            found.append(name)
    return sorted(found)


def orphan_files_remove(*, actor: Any = None, older_than: dt.timedelta = GRACE,
                        now: float | None = None) -> list[str]:
    """Delete the files ``orphan_files`` lists; one audit event names them (when there are
    any). Returns the names removed."""
    root = Path(settings.MEDIA_ROOT)
    removed = []
    for name in orphan_files(older_than=older_than, now=now):
        (root / name).unlink(missing_ok=True)
        removed.append(name)
    if removed:
        record_event(actor=actor, event_type=AuditEventType.ORPHAN_FILES_REMOVED,
                     note=f"清理孤立上传文件 {len(removed)} 个（没有记录引用，超过 "
                          f"{older_than.total_seconds() / 3600:g} 小时）",
                     extra={"count": len(removed), "files": removed[:500]})
    return removed
