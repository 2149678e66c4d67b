"""``minsheng cases overdue --user NAME [--region CODE] [--on DATE]``

Lists the monitoring cases whose current step is past its deadline (逾期环节), counted per
township and per cadre (经办人), then one line per case; meant to run daily. Exit 0 with or
without overdue cases, 1 on rejected input, 2 on usage errors.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from minsheng.core.management.base import MinshengCommand
from minsheng.monitoring.case_selectors import overdue_cases, overdue_summary


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"日期「{text}」无效，应为 YYYY-MM-DD") from None


class Command(MinshengCommand):
    help = "监测案件：overdue 列出超过办理时限的环节（按乡镇、经办人统计）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, title="子命令")
        overdue = sub.add_parser("overdue", help="超过办理时限的环节")
        overdue.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                             help="以哪个账号的身份查看（决定范围）")
        overdue.add_argument("--region", default="", help="只看该区划（2～12 位代码）")
        overdue.add_argument("--on", type=_date, default=None, help="以哪天为准，默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"], purpose="查看")
        region = (options["region"] or "").strip()
        if region and not region.isdigit():
            raise CommandError(f"区划代码「{region}」只能包含数字。", returncode=2)
        on = options["on"] or timezone.localdate()
        summary = overdue_summary(actor=user, today=on, within=region)
        total = summary["total"][0].count
        self.stdout.write(f"截至 {on:%Y-%m-%d}，逾期环节 {total} 件。")
        if not total:
            return
        self.stdout.write("按乡镇：" + "；".join(f"{r.label} {r.count}" for r in summary["townships"]))
        self.stdout.write("按经办人：" + "；".join(f"{r.label} {r.count}" for r in summary["cadres"]))
        for case in overdue_cases(actor=user, today=on, within=region):
            days = (on - case.step_deadline).days
            self.stdout.write(f"{case.number}\t{case.region.name}\t{case.household.head_name}\t"
                              f"{case.get_status_display()}\t时限 {case.step_deadline:%Y-%m-%d}"
                              f"（逾期 {days} 天）\t经办人 {case.last_actor or '—'}")
