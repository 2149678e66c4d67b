"""Base for Minsheng's CLI verbs: domain errors become a Chinese message and exit code 1;
argparse usage errors exit 2 (Django's default).

Each run carries its own request id (``cli-…``), so the audit events one command writes can be
found together, as a web request's can.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minsheng.core.context import request_id_var
from minsheng.core.errors import MinshengError


class MinshengCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        token = request_id_var.set(request_id_var.get() or f"cli-{uuid.uuid4().hex}")
        try:
            return super().execute(*args, **options)
        except MinshengError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        finally:
            request_id_var.reset(token)

    def handle(self, *args: Any, **options: Any) -> Any:  # pragma: no cover - overridden
        raise CommandError("no handler")
