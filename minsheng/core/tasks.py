"""Background tasks of ``core``: thin wrappers that load ids and call the import services."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from minsheng.core.batches import ImportBatch
from minsheng.core.imports import BatchNotReady, batch_apply, batch_mark_failed, batch_validate

logger = logging.getLogger(__name__)


@task()
def import_validate_task(batch_id: int) -> None:
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    try:
        batch_validate(batch=batch)
    except Exception as exc:
        logger.exception("import batch %s: validation failed", batch_id)
        batch_mark_failed(batch_id=batch_id, message=f"校验时发生系统错误：{exc}")
        raise


@task()
def import_apply_task(batch_id: int) -> None:
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    try:
        batch_apply(actor=batch.created_by, batch=batch)
    except BatchNotReady:
        logger.info("import batch %s: already applied or applying", batch_id)
    except Exception as exc:
        logger.exception("import batch %s: apply failed", batch_id)
        batch_mark_failed(batch_id=batch_id, message=f"导入时发生系统错误，未写入任何数据：{exc}")
        raise


def enqueue_validation(batch: ImportBatch) -> None:
    transaction.on_commit(lambda: import_validate_task.enqueue(batch.pk))


def enqueue_apply(batch: ImportBatch) -> None:
    transaction.on_commit(lambda: import_apply_task.enqueue(batch.pk))
