"""``minsheng employment-stats --month YYYY-MM [--region CODE] [--out FILE.xlsx] --user NAME``

Prints the statistics of a month for a region's children and the total (every provider's
metrics), inside the account's scope; with ``--out`` also writes the Excel export (audited).
Exit 1 for a region out of scope or a missing right, 2 for a bad month or missing account.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.core.errors import InvalidInput
from minsheng.core.management.base import MinshengCommand
from minsheng.employment.rules import parse_month
from minsheng.employment.stats import selectors, services


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


class Command(MinshengCommand):
    help = "就业帮扶统计：某月所选区划各下级区划及合计的转移就业、务工规模与目标、帮扶车间等指标。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="月份，年-月，如 2026-11")
        parser.add_argument("--region", default="",
                            help="区划代码（须在管辖范围内）；不填为账号的管辖区划")
        parser.add_argument("--out", type=Path, help="同时导出到这个 .xlsx 文件（记入审计日志）")
        parser.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                            help="以哪个账号的身份查询（决定管辖范围和审计记录）；"
                            "也可用环境变量 MINSHENG_CLI_USER")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"], purpose="查询")
        try:
            month = parse_month(options["month"])
        except InvalidInput as exc:
            raise CommandError(exc.message, returncode=2) from exc
        table = selectors.stats_table(actor=user, month=month, code=options["region"].strip())
        self.stdout.write(f"{month} 就业帮扶统计：{table.region.name}（{table.region.code}）")
        header = ["区划代码", "区划", *[f"{m.label}（{m.unit}）" for m in table.metrics]]
        self.stdout.write("\t".join(header))
        keys = [m.key for m in table.metrics]
        for row in table.rows:
            self.stdout.write("\t".join([row.region.code, row.region.name,
                                         *[_text(row.values.get(k)) for k in keys]]))
        self.stdout.write("\t".join([table.region.code, f"{table.region.name}（合计）",
                                     *[_text(table.total.get(k)) for k in keys]]))
        out: Path | None = options.get("out")
        if out:
            handle, _count = services.stats_export(actor=user, month=month,
                                                   code=table.region.code)
            with handle, out.open("wb") as target:
                shutil.copyfileobj(handle, target)
            self.stdout.write(f"已导出到 {out}")
