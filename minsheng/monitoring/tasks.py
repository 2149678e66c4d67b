"""Background task of the screening module: run a queued screening (thin wrapper)."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from minsheng.core.errors import MinshengError
from minsheng.monitoring.models import ScreeningRun

logger = logging.getLogger(__name__)


@task()
def screening_run_task(run_id: int) -> None:
    from minsheng.monitoring.services import screening_execute

    run = ScreeningRun.objects.select_related("actor", "region").get(pk=run_id)
    try:
        screening_execute(run=run)
    except MinshengError as exc:  # already recorded on the run; the page shows it
        logger.info("screening run %s rejected: %s", run_id, exc.message)


def enqueue_screening(run: ScreeningRun) -> None:
    transaction.on_commit(lambda: screening_run_task.enqueue(run.pk))
