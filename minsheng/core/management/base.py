"""Base for Minsheng's CLI verbs: domain errors become a Chinese message and exit code 1;
argparse usage errors exit 2 (Django's default).

Each run carries its own request id (``cli-…``), so the audit events one command writes can be
found together, as a web request's can.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path
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

    # --- Shared steps of the import verbs -------------------------------------------------------

    def acting_user(self, username: str | None, *, purpose: str = "导入") -> Any:
        """The active account named by ``--user`` (it decides scope and the audit record)."""
        from minsheng.core.models import User

        if not username:
            raise CommandError(f"请用 --user 指定以哪个账号的身份{purpose}（决定管辖范围和审计记录）。",
                               returncode=2)
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号「{username}」不存在或已停用。", returncode=2)
        return user

    def existing_file(self, path: Path) -> Path:
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        return path

    def exit_rejected(self, batch: Any, *, user: Any, errors: Path | None) -> None:
        """Print the first problems of a rejected import batch, write the error workbook when
        asked (``--errors``), and exit 1."""
        from minsheng.core.imports import error_workbook

        for row in batch.rows.all()[:20]:
            for e in row.errors:
                where = f"第 {row.row_number} 行" if row.row_number else "文件"
                column = f" {e['column']}" if e["column"] else ""
                self.stderr.write(f"{where}{column}：{e['message']}")
        if errors:
            with error_workbook(actor=user, batch=batch) as workbook, errors.open("wb") as out:
                shutil.copyfileobj(workbook, out)
            self.stderr.write(f"问题表已写入 {errors}")
        self.stderr.write(f"{batch.message}（错误 {batch.error_count} 处）")
        sys.exit(1)
