"""Base for Minsheng's CLI verbs: domain errors become a Chinese message and exit code 1;
argparse usage errors exit 2 (Django's default)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from minsheng.core.errors import MinshengError


class MinshengCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except MinshengError as exc:
            raise CommandError(exc.message, returncode=1) from exc

    def handle(self, *args: Any, **options: Any) -> Any:  # pragma: no cover - overridden
        raise CommandError("no handler")
