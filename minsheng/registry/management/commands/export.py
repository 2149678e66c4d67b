"""``minsheng export registry OUT.xlsx --user NAME [--region CODE]``: the registry in the import
template's layout, scoped to the account (and region), masked unless the account may reveal."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.core.models import User
from minsheng.regions.selectors import region_get
from minsheng.registry.selectors import household_list
from minsheng.registry.services import registry_export


class Command(MinshengCommand):
    help = "导出数据：registry 农户台账（与导入模板相同的格式）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["registry"])
        parser.add_argument("out", type=Path, help="输出的 .xlsx 文件")
        parser.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                            help="以哪个账号的身份导出（决定范围、脱敏和审计记录）")
        parser.add_argument("--region", help="只导出该区划（须在账号管辖范围内）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["user"]:
            raise CommandError("请用 --user 指定以哪个账号的身份导出。", returncode=2)
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"账号「{options['user']}」不存在或已停用。", returncode=2)
        within = region_get(actor=user, code=options["region"]) if options["region"] else None
        households = household_list(actor=user, within=within)
        handle, count = registry_export(actor=user, households=households.iterator(
            chunk_size=2000), filters={"region": options["region"] or ""})
        with handle, options["out"].open("wb") as out:
            shutil.copyfileobj(handle, out)
        self.stdout.write(f"已导出 {count} 行到 {options['out']}")
