"""``minsheng departments import --department D --period YYYY-MM FILE [--dry-run]`` and
``minsheng departments sample --out DIR``.

import: exit 0 applied (or a clean dry run), 1 rejected (the problems printed; the error
workbook written with --errors), 2 usage error (unknown department, bad period, missing file or
account).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import CommandError, CommandParser

from minsheng.core.batches import ImportStatus
from minsheng.core.errors import InvalidInput
from minsheng.core.imports import batch_import
from minsheng.core.management.base import MinshengCommand
from minsheng.core.roles import Department
from minsheng.departments.excel import SPECS, parse_period
from minsheng.departments.services import department_upload_create

_COUNTS = {"rows": "数据行", "matched": "匹配台账", "name_mismatch": "姓名不一致",
           "unmatched": "未匹配", "threshold_reached": "达到推送阈值"}


class Command(MinshengCommand):
    help = ("部门数据比对：import 导入一个部门一个期间的数据（先校验，全部无误才一次性写入）；"
            "sample 生成各部门的样例文件（演示用）。")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        load = sub.add_parser("import", help="导入部门数据文件")
        load.add_argument("file", type=Path)
        load.add_argument("--department", required=True, choices=sorted(SPECS), help="部门")
        load.add_argument("--period", required=True, help="数据期间，年-月，如 2025-10")
        load.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                          help="以哪个账号的身份导入（决定管辖范围和审计记录）；"
                          "也可用环境变量 MINSHENG_CLI_USER")
        load.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        load.add_argument("--no-assign", action="store_true",
                          help="导入后不自动分派乡镇（由县级手动分派）")
        load.add_argument("--errors", type=Path, help="有错误时把问题表写到这个 .xlsx 文件")
        sample = sub.add_parser("sample", help="按演示县的在册农户生成各部门样例文件")
        sample.add_argument("--out", type=Path, required=True, help="输出目录")
        sample.add_argument("--period", default="2025-10", help="数据期间（默认 2025-10）")
        sample.add_argument("--county", default="430523000000",
                            help="县级区划代码（默认演示县邵阳县）")
        sample.add_argument("--seed", type=int, default=2026, help="随机种子")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            options["period"] = parse_period(options["period"])
        except InvalidInput as exc:
            raise CommandError(exc.message, returncode=2) from exc
        if options["verb"] == "sample":
            self._sample(options)
        else:
            self._import(options)

    def _sample(self, options: dict[str, Any]) -> None:
        from minsheng.departments.demo import sample_files

        try:
            paths = sample_files(out_dir=options["out"], county_code=options["county"],
                                 period=options["period"], seed=options["seed"])
        except (ValueError, LookupError) as exc:
            raise CommandError(f"无法生成样例文件：{exc}", returncode=1) from exc
        for path in paths:
            self.stdout.write(f"已生成 {path}")

    def _import(self, options: dict[str, Any]) -> None:
        user = self.acting_user(options["user"])
        path: Path = self.existing_file(options["file"])
        with path.open("rb") as handle:
            upload = department_upload_create(
                actor=user, department=options["department"], period=options["period"],
                uploaded=File(handle, name=path.name), auto_assign=not options["no_assign"])
        batch = batch_import(actor=user, batch=upload.batch, dry_run=options["dry_run"])
        if batch.status == ImportStatus.REJECTED:
            self.exit_rejected(batch, user=user, errors=options["errors"])
        summary = batch.summary.get("applied") or batch.summary
        medical = upload.department == Department.MEDICAL_INSURANCE
        counts = "，".join(f"{label} {summary.get(key, 0)}" for key, label in _COUNTS.items()
                          if key in summary and (medical or key != "threshold_reached"))
        label = upload.get_department_display()
        if options["dry_run"]:
            self.stdout.write(f"校验通过（试运行，未写入）：{label} {upload.period}；{counts}")
        else:
            self.stdout.write(f"导入完成：{label} {upload.period}；{counts}")
