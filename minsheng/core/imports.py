"""The staged import pipeline (分步导入), shared by every import kind.

upload (:func:`batch_create`) → validate (:func:`batch_validate`, a dry run that stores the
problem rows and the planned counts) → preview → apply (:func:`batch_apply`: parse and validate
again, then write everything in one transaction, or nothing). Each kind (registry, department
data…) registers an :class:`Importer` from its app's ``ready()``. Long runs execute as
background tasks (``core/tasks.py``); progress goes through the cache because the applying
transaction is not visible to other connections until it commits.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.batches import ImportBatch, ImportRow, ImportStatus
from minsheng.core.errors import InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEventType, User
from minsheng.core.tabular import SUPPORTED_SUFFIXES

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_STORED_PROBLEM_ROWS = 5000
MAX_KEPT_WARNINGS = 5000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Issue:
    """One problem: sheet row number (as Excel shows it; 0 = the file), column, value, message."""

    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


@dataclass
class ValidationResult:
    total_rows: int = 0
    errors: list[Issue] = field(default_factory=list)
    # Warnings are kept up to MAX_KEPT_WARNINGS (what the preview and the error workbook can
    # show) and all of them counted: a province file can raise one on every other row.
    warnings: list[Issue] = field(default_factory=list)
    warning_total: int = 0
    summary: dict[str, int] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    raw_rows: dict[int, list[str]] = field(default_factory=dict)
    # What the importer parsed, kept so that applying right after a clean validation in the
    # same process (the CLI) does not read the file again. Never stored.
    plan: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def warn(self, issues: list[Issue], total: int | None = None) -> None:
        """Add warnings (``total``: how many they stand for, when the caller kept fewer)."""
        room = MAX_KEPT_WARNINGS - len(self.warnings)
        self.warnings.extend(issues[:max(room, 0)])
        self.warning_total += len(issues) if total is None else total

    @property
    def warning_count(self) -> int:
        return max(self.warning_total, len(self.warnings))


def validation_of(parsed: Any, *, actor: User, progress: Progress, registry_checks: bool,
                  check: Callable[..., None],
                  summary: Callable[[Any], dict[str, int]]) -> ValidationResult:
    """The common end of an importer's ``validate`` once its file is parsed (``parsed`` has
    ``result`` and ``file_ok``): report progress, run the checks against the database when
    asked and the file itself is sound, and on success count the summary and keep the parse
    as the plan the apply step reuses."""
    total = parsed.result.total_rows
    progress("校验", total, total)
    if parsed.file_ok and registry_checks:
        check(parsed, actor=actor)
    if parsed.result.ok:
        parsed.result.summary = summary(parsed)
        parsed.result.plan = parsed
    return parsed.result


class ImportRejected(InvalidInput):
    """Validation inside the applying transaction found errors; nothing was written."""

    def __init__(self, result: ValidationResult) -> None:
        self.result = result
        super().__init__(f"文件有 {len(result.errors)} 处错误，未导入任何数据。")


class BatchNotReady(InvalidInput):
    """The batch is not (or no longer) waiting to be applied."""


class Importer(Protocol):
    kind: str
    label: str
    permission: str

    def validate(self, *, actor: User, path: Path, original_name: str, progress: Progress,
                 registry_checks: bool = True) -> ValidationResult: ...

    def apply(self, *, actor: User, path: Path, original_name: str, batch_id: int | None,
              progress: Progress, plan: Any = None) -> dict[str, int]: ...


IMPORTERS: dict[str, Importer] = {}


def register_importer(importer: Importer) -> None:
    IMPORTERS[importer.kind] = importer


def importer_for(kind: str) -> Importer:
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise InvalidInput(f"未知的导入类型「{kind}」。") from None


# --- Progress -------------------------------------------------------------------------------

def _progress_key(batch_id: int) -> str:
    return f"minsheng:import-progress:{batch_id}"


def progress_reporter(batch_id: int | None, also: Progress | None = None) -> Progress:
    last = [0.0]

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and not (total and done >= total):  # twice a second will do
            return
        last[0] = now
        if batch_id is not None:
            cache.set(_progress_key(batch_id), {"phase": phase, "done": done, "total": total},
                      3600)
        if also is not None:
            also(phase, done, total)
    return report


def batch_progress(batch: ImportBatch) -> dict[str, Any]:
    """Phase, rows done and total, percent: live from the cache while the batch runs."""
    live = cache.get(_progress_key(batch.pk)) if batch.is_running else None
    if live:
        total = live["total"] or 1
        return {**live, "percent": min(100, round(live["done"] * 100 / total))}
    return {"phase": batch.get_status_display(), "done": batch.processed_rows,
            "total": batch.total_rows, "percent": batch.progress_percent}


# --- Services -------------------------------------------------------------------------------

@contextmanager
def bulk_mode() -> Iterator[None]:
    """No cyclic garbage collection while an import runs: a province-size file becomes
    millions of small objects, and each full collection would walk all of them (a third of the
    import's time at 100,000 households). Imports make no reference cycles worth collecting
    meanwhile; collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batch_create(*, actor: User, kind: str, uploaded: UploadedFile) -> ImportBatch:
    """Store an uploaded file as a new batch (上传). Validation runs next (in the background)."""
    importer = importer_for(kind)
    if not actor.has_perm(importer.permission):
        raise PermissionDenied(f"您没有导入{importer.label}的权限。")
    name = Path(uploaded.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InvalidInput(f"不支持的文件类型「{suffix or '无扩展名'}」，请上传 xlsx、xls 或 csv 文件。")
    if uploaded.size and uploaded.size > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请分批导入。")
    if not uploaded.size:
        raise InvalidInput("上传的文件是空的。")
    with transaction.atomic():
        batch = ImportBatch(kind=kind, original_name=name[:255], created_by=actor)
        batch.file.save(f"{kind}{suffix}", uploaded, save=False)
        batch.save()
        record_event(actor=actor, event_type=AuditEventType.IMPORT_UPLOADED, subject=batch,
                     note=f"上传{importer.label}文件「{name}」")
    return batch


def batch_get(*, actor: User, pk: Any) -> ImportBatch:
    """A batch the actor uploaded (others' batches are not found)."""
    batch = ImportBatch.objects.filter(pk=pk, created_by=actor).first()
    if batch is None:
        raise NotFound()
    return batch


def _store_problems(batch: ImportBatch, result: ValidationResult) -> None:
    ImportRow.objects.filter(batch=batch).delete()
    by_row: dict[int, ImportRow] = {}
    for kind, issues in (("errors", result.errors), ("warnings", result.warnings)):
        for issue in issues:
            row = by_row.get(issue.row)
            if row is None:
                if len(by_row) >= MAX_STORED_PROBLEM_ROWS:
                    continue
                row = by_row[issue.row] = ImportRow(
                    batch=batch, row_number=issue.row, raw=result.raw_rows.get(issue.row, []))
            getattr(row, kind).append(issue.as_dict())
    ImportRow.objects.bulk_create(by_row.values(), batch_size=1000)


def batch_validate(*, batch: ImportBatch, on_progress: Progress | None = None) -> ImportBatch:
    """The dry run: parse, check every row against the rules and the registry, count."""
    return _validate(batch, on_progress)[0]


def _validate(batch: ImportBatch, on_progress: Progress | None,
              registry_checks: bool = True) -> tuple[ImportBatch, ValidationResult]:
    with bulk_mode():
        return _validate_now(batch, on_progress, registry_checks)


def _validate_now(batch: ImportBatch, on_progress: Progress | None,
                  registry_checks: bool) -> tuple[ImportBatch, ValidationResult]:
    importer = importer_for(batch.kind)
    actor = batch.created_by
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.VALIDATING)
    batch.status = ImportStatus.VALIDATING
    try:
        result = importer.validate(actor=actor, path=Path(batch.file.path),
                                   original_name=batch.original_name,
                                   progress=progress_reporter(batch.pk, on_progress),
                                   registry_checks=registry_checks)
    except InvalidInput as exc:
        result = ValidationResult(errors=[Issue(0, "", "", exc.message)])
    with transaction.atomic():
        _store_problems(batch, result)
        batch.total_rows = result.total_rows
        batch.processed_rows = result.total_rows
        batch.error_count = len(result.errors)
        batch.warning_count = result.warning_count
        batch.summary = {**result.summary, "header": result.header}
        batch.status = ImportStatus.VALIDATED if result.ok else ImportStatus.REJECTED
        batch.message = "" if result.ok else f"文件有 {len(result.errors)} 处错误，未导入任何数据。"
        batch.save()
    return batch, result


def batch_import(*, actor: User, batch: ImportBatch, dry_run: bool = False,
                 on_progress: Progress | None = None) -> ImportBatch:
    """Validate and, when the file is clean (and not ``dry_run``), apply at once (the CLI):
    the file is read once, the plan that validation built is what gets written, and the checks
    against the registry run once, inside the applying transaction."""
    if batch.created_by_id != actor.pk:
        raise NotFound()
    with bulk_mode():  # one stretch: re-enabling in between would collect the whole plan
        batch, result = _validate(batch, on_progress, registry_checks=dry_run)
        if batch.status != ImportStatus.VALIDATED or dry_run:
            return batch
        plan, result.plan = result.plan, None
        del result
        return batch_apply(actor=actor, batch=batch, on_progress=on_progress, plan=plan)


def batch_apply(*, actor: User, batch: ImportBatch, on_progress: Progress | None = None,
                plan: Any = None) -> ImportBatch:
    """Write the whole file in one transaction, or nothing (导入). ``plan``: what a validation
    in this same process parsed (see :func:`batch_import`); otherwise the file is read again."""
    importer = importer_for(batch.kind)
    if batch.created_by_id != actor.pk:
        raise NotFound()
    # Claim the batch: of two clicks (or two workers) only one applies it.
    claimed = ImportBatch.objects.filter(
        pk=batch.pk, status__in=[ImportStatus.VALIDATED, ImportStatus.QUEUED]).update(
        status=ImportStatus.APPLYING)
    if not claimed:
        batch.refresh_from_db()
        raise BatchNotReady(f"该批次状态为「{batch.get_status_display()}」，不能导入。")
    batch.status = ImportStatus.APPLYING
    with bulk_mode():
        return _apply_now(importer, actor, batch, on_progress, plan)


def _apply_now(importer: Importer, actor: User, batch: ImportBatch,
               on_progress: Progress | None, plan: Any) -> ImportBatch:
    try:
        summary = importer.apply(actor=actor, path=Path(batch.file.path),
                                 original_name=batch.original_name, batch_id=batch.pk,
                                 progress=progress_reporter(batch.pk, on_progress), plan=plan)
    except ImportRejected as exc:
        with transaction.atomic():
            _store_problems(batch, exc.result)
            batch.error_count = len(exc.result.errors)
            batch.warning_count = exc.result.warning_count
            batch.status = ImportStatus.REJECTED
            batch.message = exc.message if plan is not None else (
                exc.message + "（导入前重新校验时发现，台账可能已被他人修改）")
            batch.save()
        return batch
    except Exception as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, message=f"导入失败，未写入任何数据：{exc}")
        batch.refresh_from_db()
        raise
    batch.status = ImportStatus.APPLIED
    batch.applied_at = timezone.now()
    batch.summary = {**batch.summary, "applied": summary}
    batch.message = "导入完成。"
    batch.save()
    return batch


def batch_queue_apply(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """The user confirmed the preview (确认导入): the batch waits for a worker to apply it."""
    if batch.created_by_id != actor.pk:
        raise NotFound()
    queued = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.QUEUED)
    batch.refresh_from_db()
    if not queued:
        raise BatchNotReady(f"该批次状态为「{batch.get_status_display()}」，不能导入。")
    return batch


def batch_mark_failed(*, batch_id: int, message: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).exclude(status=ImportStatus.APPLIED).update(
        status=ImportStatus.FAILED, message=message[:2000])


# --- Error workbook -------------------------------------------------------------------------

def error_workbook(*, actor: User, batch: ImportBatch) -> tempfile._TemporaryFileWrapper[bytes]:
    """The problem rows as the user uploaded them, with a column that says what is wrong, plus a
    sheet listing every problem (row, column, value, message)."""
    import xlsxwriter

    header = list(batch.summary.get("header") or [])
    rows = list(ImportRow.objects.filter(batch=batch).order_by("row_number"))
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned to caller
    book = xlsxwriter.Workbook(handle.name, {"strings_to_numbers": False,
                                             "strings_to_formulas": False,
                                             "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    red = book.add_format({"font_color": "#C62828", "text_wrap": True})
    sheet = book.add_worksheet("问题行")
    sheet.write_row(0, 0, ["原行号", *header, "错误说明", "提示"], bold)
    for i, row in enumerate(rows, start=1):
        sheet.write_number(i, 0, row.row_number)
        for j, value in enumerate(row.raw):
            sheet.write_string(i, j + 1, str(value))
        sheet.write_string(i, len(header) + 1,
                           "；".join(f"{e['column']}：{e['message']}" if e["column"]
                                    else e["message"] for e in row.errors), red)
        sheet.write_string(i, len(header) + 2, "；".join(w["message"] for w in row.warnings))
    sheet.set_column(0, 0, 8)
    sheet.set_column(len(header) + 1, len(header) + 1, 60)
    sheet.freeze_panes(1, 1)
    listing = book.add_worksheet("错误清单")
    listing.write_row(0, 0, ["行号", "列", "内容", "错误"], bold)
    n = 1
    for row in rows:
        for e in row.errors:
            listing.write_row(n, 0, [e["row"] or "文件", e["column"], e["value"], e["message"]])
            n += 1
    listing.set_column(0, 2, 16)
    listing.set_column(3, 3, 70)
    book.close()
    handle.seek(0)
    record_event(actor=actor, event_type=AuditEventType.EXPORTED, subject=batch,
                 note=f"下载导入错误表（{len(rows)} 行）", extra={"rows": len(rows)})
    return handle
