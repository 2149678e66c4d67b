"""``minsheng employment import labour|enterprises FILE --user NAME [--dry-run] [--errors X]``
and ``minsheng employment coverage --month YYYY-MM [--region CODE] --user NAME``.

import: exit 0 applied (or a clean dry run), 1 rejected (the problems printed; the error
workbook written with --errors), 2 usage error (unknown kind, missing file or account).
coverage: prints "每户至少一人就业" by village; exit 1 for a region out of scope, 2 for a bad month.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import CommandError, CommandParser

from minsheng.core.batches import ImportStatus
from minsheng.core.errors import InvalidInput
from minsheng.core.imports import batch_create, batch_import
from minsheng.core.management.base import MinshengCommand
from minsheng.core.models import User
from minsheng.employment.excel import KINDS
from minsheng.employment.rules import parse_month
from minsheng.employment.selectors import coverage

_COUNTS = {"rows": "数据行", "statuses_new": "新增状态", "statuses_changed": "更新状态",
           "employed": "其中务工", "enterprises_new": "新增企业", "enterprises_changed": "更新企业"}


def _user_option(parser: CommandParser) -> None:
    parser.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                        help="以哪个账号的身份操作（决定管辖范围和审计记录）；"
                        "也可用环境变量 MINSHENG_CLI_USER")


class Command(MinshengCommand):
    help = ("就业帮扶：import 导入劳动力月度就业状态（labour）或用工企业（enterprises），"
            "先校验，全部无误才一次性写入；coverage 按村统计“每户至少一人就业”。")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        load = sub.add_parser("import", help="导入文件")
        load.add_argument("kind", choices=sorted(KINDS),
                          help="labour：劳动力月度就业状态；enterprises：用工企业")
        load.add_argument("file", type=Path)
        _user_option(load)
        load.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        load.add_argument("--errors", type=Path, help="有错误时把问题表写到这个 .xlsx 文件")
        cover = sub.add_parser("coverage", help="每户至少一人就业（按村）")
        cover.add_argument("--month", required=True, help="月份，年-月，如 2025-10")
        cover.add_argument("--region", default="", help="只统计这个区划（须在管辖范围内）")
        _user_option(cover)

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"], purpose="操作")
        if options["verb"] == "coverage":
            self._coverage(user, options)
        else:
            self._import(user, options)

    def _coverage(self, user: User, options: dict[str, Any]) -> None:
        try:
            month = parse_month(options["month"])
        except InvalidInput as exc:
            raise CommandError(exc.message, returncode=2) from exc
        region = options["region"].strip()
        if region and len(region) < 12 and region.isdigit():
            region = region.ljust(12, "0")
        result = coverage(actor=user, month=month, within=region)
        self.stdout.write(f"{month} 每户至少一人就业（村 / 有劳动力户数 / 至少一人务工户数 / 覆盖率）：")
        for row in [*result.rows, result.total]:
            share = f"{row.share}%" if row.share is not None else "—"
            self.stdout.write(f"  {row.region_code or '':12}  {row.region_name}  {row.households}"
                              f"  {row.covered}  {share}")

    def _import(self, user: User, options: dict[str, Any]) -> None:
        path: Path = self.existing_file(options["file"])
        with path.open("rb") as handle:
            batch = batch_create(actor=user, kind=KINDS[options["kind"]],
                                 uploaded=File(handle, name=path.name))
        batch = batch_import(actor=user, batch=batch, dry_run=options["dry_run"])
        if batch.status == ImportStatus.REJECTED:
            self.exit_rejected(batch, user=user, errors=options["errors"])
        summary = batch.summary.get("applied") or batch.summary
        counts = "，".join(f"{label} {summary[key]}" for key, label in _COUNTS.items()
                          if key in summary)
        prefix = "校验通过（试运行，未写入）" if options["dry_run"] else "导入完成"
        self.stdout.write(f"{prefix}：{counts}")
