"""``minsheng import registry FILE --user NAME [--dry-run] [--errors OUT.xlsx]``.

Exit codes: 0 applied (or a clean dry run), 1 rejected (the error workbook is written when
--errors is given), 2 usage error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import CommandParser

from minsheng.core.batches import ImportStatus
from minsheng.core.imports import (
    IMPORTERS,
    batch_create,
    batch_import,
)
from minsheng.core.management.base import MinshengCommand

_COUNT_LABELS = {
    "households_new": "新增农户", "households_changed": "变更农户", "households_unchanged": "未变农户",
    "members_new": "新增成员", "members_changed": "变更成员", "members_unchanged": "未变成员",
    "ledgers_new": "新增收支", "ledgers_changed": "变更收支", "ledgers_unchanged": "未变收支",
}


class Command(MinshengCommand):
    help = "导入数据：registry 农户台账（xlsx/xls/csv）。先校验，全部无误才一次性写入。"
    # The system checks load every URL, view and API schema: memory and a second that a
    # province-size import needs (`minsheng check` runs them, as does every deployment).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="导入类型")
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                            help="以哪个账号的身份导入（决定管辖范围和审计记录）；"
                            "也可用环境变量 MINSHENG_CLI_USER")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--errors", type=Path, help="有错误时把错误表写到这个 .xlsx 文件")

    def _progress(self, phase: str, done: int, total: int) -> None:
        if total:
            self.stderr.write(f"\r{phase} {done}/{total}", ending="")
            if done >= total:
                self.stderr.write("")
        self.stderr.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"])
        path: Path = self.existing_file(options["file"])
        with path.open("rb") as handle:
            batch = batch_create(actor=user, kind=options["kind"], uploaded=File(handle,
                                                                                  name=path.name))
        batch = batch_import(actor=user, batch=batch, dry_run=options["dry_run"],
                             on_progress=self._progress)
        summary = batch.summary.get("applied") or {k: v for k, v in batch.summary.items()
                                                   if k in _COUNT_LABELS}
        if batch.status == ImportStatus.REJECTED:
            self.exit_rejected(batch, user=user, errors=options["errors"])
        counts = "，".join(f"{label} {summary.get(key, 0)}" for key, label in _COUNT_LABELS.items())
        prefix = "校验通过（试运行，未写入）" if options["dry_run"] else "导入完成"
        self.stdout.write(f"{prefix}：共 {batch.total_rows} 行；{counts}")
