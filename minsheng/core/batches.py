"""Staged imports (分步导入): an uploaded file, its validation result and its application.

The file itself is the staging area: it is kept, parsed again when applied, and validated again
inside the applying transaction (the registry may have changed since the preview). Rows with
errors or warnings are stored as :class:`ImportRow` for the preview and the error workbook.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    VALIDATING = "validating", "校验中"
    VALIDATED = "validated", "校验通过，待导入"
    REJECTED = "rejected", "有错误，未导入"
    QUEUED = "queued", "已确认，等待导入"
    APPLYING = "applying", "导入中"
    APPLIED = "applied", "已导入"
    FAILED = "failed", "导入失败"


class ImportBatch(models.Model):
    """One uploaded file of one import kind (导入批次)."""

    kind = models.CharField("导入类型", max_length=40)
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人",
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    warning_count = models.PositiveIntegerField("提示数", default=0)
    summary = models.JSONField("统计", default=dict, blank=True)
    message = models.TextField("说明", blank=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        app_label = "core"
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in {ImportStatus.UPLOADED, ImportStatus.VALIDATING,
                               ImportStatus.QUEUED, ImportStatus.APPLYING}


class ImportRow(models.Model):
    """A row of an import batch that has errors or warnings (问题行)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField("行号")
    raw = models.JSONField("原始内容", default=list)
    errors = models.JSONField("错误", default=list)
    warnings = models.JSONField("提示", default=list)

    class Meta:
        app_label = "core"
        verbose_name = "导入问题行"
        verbose_name_plural = "导入问题行"
        ordering = ["batch_id", "row_number"]
        indexes = [models.Index(fields=["batch", "row_number"], name="core_importrow_batch_row")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"
