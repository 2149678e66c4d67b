"""``minsheng policy check [--dir PATH]``: validate the policy parameter files.

Exit 0 when every file is sound, 1 when there are problems (each printed in Chinese with its file
and entry), 2 on a usage error (including a folder that does not exist).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.policy.checks import parameters_check
from minsheng.policy.parameters import PARAMETERS_DIR


def existing_folder(value: str) -> Path:
    """``--dir``: a folder that exists; anything else is a usage error (exit 2)."""
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"参数目录不存在：{value}")
    return path


class Command(MinshengCommand):
    help = "政策参数：check 检查全部参数文件（日期、出处、单位、区划代码、取值范围）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        check = sub.add_parser("check", help="检查参数文件；有问题时退出码为 1")
        check.add_argument("--dir", type=existing_folder, default=PARAMETERS_DIR,
                           help="参数目录（默认为系统自带的 minsheng/policy/parameters）")

    def handle(self, *args: Any, **options: Any) -> None:
        report = parameters_check(options["dir"])
        if report.note:
            self.stdout.write(f"注意：{report.note}")
        if not report.ok:
            lines = "\n".join(str(problem) for problem in report.problems)
            raise CommandError(f"{report.summary()}\n{lines}", returncode=1)
        self.stdout.write(report.summary())
