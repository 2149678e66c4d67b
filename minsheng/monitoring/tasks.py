"""Background tasks of the monitoring module: run a queued screening; the daily overdue check
(每日逾期检查) of the monitoring cases. Both are thin wrappers around the services/selectors."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

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


@task()
def overdue_check_task(username: str, on: str = "", region: str = "") -> dict[str, Any]:
    """The overdue steps (逾期环节) visible to ``username`` on ``on`` (ISO date, default today),
    counted per township, cadre and step, as ``case_selectors.overdue_summary`` gives them and
    as ``minsheng cases overdue`` prints them. Logged, and returned (JSON) as the task's
    result. An unknown or inactive account is refused (ValueError)."""
    from django.utils import timezone

    from minsheng.core.models import User
    from minsheng.monitoring.case_selectors import overdue_summary

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValueError(f"账号「{username}」不存在或已停用。")
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    summary = overdue_summary(actor=user, today=day, within=region.strip())
    result = {"on": day.isoformat(), "user": username, "region": region.strip(),
              "checked_at": timezone.now().isoformat(),
              **{key: [[row.key, row.label, row.count] for row in rows]
                 for key, rows in summary.items()}}
    total = summary["total"][0].count
    logger.info("overdue check %s as %s: %s overdue steps (%s)", day, username, total,
                "；".join(f"{row.label} {row.count}" for row in summary["townships"]) or "无")
    return result
