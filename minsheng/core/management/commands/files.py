"""``minsheng files orphans [--older-than-hours N] [--delete]``: list (or delete) uploaded
files that no record names (``core.files``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.core.files import GRACE, orphan_files, orphan_files_remove
from minsheng.core.management.base import MinshengCommand


class Command(MinshengCommand):
    help = "上传文件：orphans 列出（加 --delete 则删除）没有任何记录引用的孤立上传文件。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        orphans = sub.add_parser("orphans", help="列出或删除孤立上传文件")
        orphans.add_argument("--older-than-hours", type=float,
                             default=GRACE.total_seconds() / 3600,
                             help="只处理最后写入早于这么多小时的文件（默认 24）")
        orphans.add_argument("--delete", action="store_true", help="删除列出的文件（记入审计日志）")

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than_hours"]
        if hours < 1:
            raise CommandError("--older-than-hours 不能小于 1：正在上传的文件可能还没有记录。",
                               returncode=2)
        older_than = dt.timedelta(hours=hours)
        if options["delete"]:
            names = orphan_files_remove(older_than=older_than)
            verb = "已删除"
        else:
            names = orphan_files(older_than=older_than)
            verb = "发现"
        for name in names:
            self.stdout.write(name)
        self.stderr.write(f"{verb}孤立上传文件 {len(names)} 个"
                          + ("" if options["delete"] or not names else "（加 --delete 删除）"))
