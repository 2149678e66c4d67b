"""``minsheng employment-targets import FILE --user NAME [--dry-run] [--errors X.xlsx]``

Imports a 务工规模 target decomposition table on the staged pipeline: the whole file is checked
first and written only when every row is right. Exit 0 applied (or a clean dry run), 1 rejected
(the problems printed; the error workbook written with --errors), 2 usage error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import CommandParser

from minsheng.core.batches import ImportStatus
from minsheng.core.imports import batch_create, batch_import
from minsheng.core.management.base import MinshengCommand
from minsheng.employment.stats.excel import KIND

_COUNTS = {"rows": "数据行", "targets_new": "新增目标", "targets_changed": "更正目标",
           "targets_unchanged": "无变化"}


class Command(MinshengCommand):
    help = "务工规模目标：import 导入目标任务分解表（每行一个县一个年度，全年及 1～12 月），先校验，全部无误才写入。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        load = sub.add_parser("import", help="导入目标任务分解表")
        load.add_argument("file", type=Path)
        load.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                          help="以哪个账号的身份导入（决定管辖范围和审计记录）；"
                          "也可用环境变量 MINSHENG_CLI_USER")
        load.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        load.add_argument("--errors", type=Path, help="有错误时把问题表写到这个 .xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"])
        path: Path = self.existing_file(options["file"])
        with path.open("rb") as handle:
            batch = batch_create(actor=user, kind=KIND, uploaded=File(handle, name=path.name))
        batch = batch_import(actor=user, batch=batch, dry_run=options["dry_run"])
        if batch.status == ImportStatus.REJECTED:
            self.exit_rejected(batch, user=user, errors=options["errors"])
        summary = batch.summary.get("applied") or batch.summary
        counts = "，".join(f"{label} {summary[key]}" for key, label in _COUNTS.items()
                          if key in summary)
        prefix = "校验通过（试运行，未写入）" if options["dry_run"] else "导入完成"
        self.stdout.write(f"{prefix}：{counts}")
