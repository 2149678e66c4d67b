"""Background jobs of the registry."""

from __future__ import annotations

from django_tasks import task

from minsheng.registry import summary


@task()
def refresh_screening_summary() -> int:
    """Bring the screening summary up to date after an import (``registry.summary``)."""
    return summary.refresh_dirty()
