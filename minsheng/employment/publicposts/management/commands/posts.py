"""``minsheng posts payroll --region CODE --month YYYY-MM --out FILE.xlsx --user NAME [--reveal]``
and ``minsheng posts list [--region CODE] --user NAME``.

payroll: writes the month's 补贴发放表 of a region (usually a township) with a total row; bank
accounts masked unless --reveal (needs the reveal permission; audited). Exit 0 written, 1 refused
(no permission, region out of scope), 2 usage error (bad month, missing account).
list: the posts in scope with quota and people in post.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.core.errors import InvalidInput
from minsheng.core.management.base import MinshengCommand
from minsheng.employment.publicposts import selectors, services
from minsheng.employment.rules import parse_month


def _user_option(parser: CommandParser) -> None:
    parser.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                        help="以哪个账号的身份操作（决定管辖范围和审计记录）；"
                        "也可用环境变量 MINSHENG_CLI_USER")


class Command(MinshengCommand):
    help = ("乡村公益性岗位：payroll 导出某月某乡镇的补贴发放表（Excel，含合计行）；"
            "list 列出管辖范围内的岗位、定额和在岗人数。")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        pay = sub.add_parser("payroll", help="导出补贴发放表")
        pay.add_argument("--region", required=True, help="区划代码（通常为乡镇，9 位或 12 位）")
        pay.add_argument("--month", required=True, help="月份，年-月，如 2026-11")
        pay.add_argument("--out", required=True, type=Path, help="写入的 .xlsx 文件")
        pay.add_argument("--reveal", action="store_true",
                         help="显示完整银行账号（须有查看敏感信息权限，留痕）")
        _user_option(pay)
        show = sub.add_parser("list", help="列出岗位")
        show.add_argument("--region", default="", help="只列这个区划（须在管辖范围内）")
        _user_option(show)

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"], purpose="操作")
        if options["verb"] == "list":
            region = options["region"].strip()
            for p in selectors.post_list(actor=user, within=region.ljust(12, "0") if region
                                         else ""):
                row = selectors.post_row(p)
                self.stdout.write(f"{row['region_code']}  {row['region_name']}  {row['name']}  "
                                  f"{row['post_type_label']}  定额 {row['quota']}  "
                                  f"在岗 {row['in_post']}")
            return
        try:
            month = parse_month(options["month"])
        except InvalidInput as exc:
            raise CommandError(exc.message, returncode=2) from exc
        handle, result = services.payroll_export(actor=user, month=month,
                                                 region_code=options["region"],
                                                 reveal=options["reveal"])
        out: Path = options["out"]
        with out.open("wb") as target:
            shutil.copyfileobj(handle, target)
        self.stdout.write(f"{result.region_name} {month} 公益性岗位补贴发放表：{len(result.rows)} 人，"
                          f"合计 {result.total:.2f} 元，已写入 {out}")
        if result.missing:
            self.stderr.write(f"注意：另有 {result.missing} 名在岗人员本月未填报考勤。")
