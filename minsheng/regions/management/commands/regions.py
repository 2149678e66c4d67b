"""``minsheng regions load FILE.csv [FILE.csv ...] [--province 43] [--dry-run]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.regions.services import regions_load


def province_code(value: str) -> str:
    """``--province``: a 2-digit code; anything else is a usage error (exit 2)."""
    if len(value) == 2 and value.isascii() and value.isdigit():
        return value
    raise argparse.ArgumentTypeError(f"省级代码应为 2 位数字，实为「{value}」")


class Command(MinshengCommand):
    help = "行政区划：load 导入 china-division 格式的区划 CSV（可为 .csv.gz），幂等。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        load = sub.add_parser("load", help="导入区划文件（省、市、县、乡、村任意组合）")
        load.add_argument("files", nargs="+", type=Path, help="provinces.csv、cities.csv、areas.csv、streets.csv、villages.csv")
        load.add_argument("--province", type=province_code, help="只导入该省（2 位代码，如 43）")
        load.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        report = regions_load(actor=None, paths=options["files"], province=options["province"],
                              dry_run=options["dry_run"])
        prefix = "（试运行，未写入）" if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{report.summary()}")
        for line in report.changes[:20]:
            self.stdout.write(f"  变更 {line}")
