"""``minsheng assistance due [--region CODE] [--month YYYY-MM] [--user NAME]``: the households
with an active assistance plan and no follow-up visit in the period, by 帮扶责任人 and with a
count per township.

Without ``--user`` the list covers every plan (in ``--region`` when given): an operator's view
from the server. With ``--user`` it is that account's scope, as the web page shows it.
Exit 0 (printed, possibly empty), 1 domain error, 2 usage error.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from minsheng.assistance.models import AssistancePlan, PlanStatus
from minsheng.assistance.selectors import DueRow, due_by_cadre, due_by_township, due_list
from minsheng.core.errors import InvalidInput
from minsheng.core.management.base import MinshengCommand
from minsheng.employment.rules import parse_month
from minsheng.regions.models import Region


class Command(MinshengCommand):
    help = "帮扶计划：due 列出本期应走访而未走访的农户（按帮扶责任人分组，附各乡镇户数）。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        due = sub.add_parser("due", help="待走访名单")
        due.add_argument("--region", default="", help="区划代码（12 位或有效前缀），如 430523000000")
        due.add_argument("--month", default="", help="月份，年-月，默认本月")
        due.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                         help="按哪个账号的管辖范围列出（可选）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        try:
            month = parse_month(options["month"] or f"{today:%Y-%m}")
        except InvalidInput as exc:
            raise CommandError(exc.message, returncode=2) from exc
        region = options["region"].strip()
        if region:
            region = region.ljust(12, "0")
            if not Region.objects.filter(code=region).exists():
                raise CommandError(f"区划代码「{options['region']}」不存在。", returncode=2)
        if options["user"]:
            user = self.acting_user(options["user"], purpose="查询")
            rows = due_list(actor=user, month=month, region_code=region, on=today)
        else:
            rows = self._all(month, region, today)
        self.stdout.write(f"{month} 待走访：{len(rows)} 户")
        for group in due_by_cadre(rows):
            self.stdout.write(f"帮扶责任人 {group.label}（{len(group.rows)} 户）：")
            for row in group.rows:
                household = row.plan.household
                self.stdout.write(f"  {household.household_no}  {household.head_name}  "
                                  f"{row.plan.region_id}  上次走访 {row.last_month or '无'}")
        if rows:
            self.stdout.write("按乡镇：")
            for group in due_by_township(rows):
                self.stdout.write(f"  {group.label}（{group.key}）：{len(group.rows)} 户")

    def _all(self, month: str, region: str, today: Any) -> list[DueRow]:
        from minsheng.assistance import selectors

        plans = AssistancePlan.objects.filter(status=PlanStatus.ACTIVE)
        if region:
            found = Region.objects.get(code=region)
            from minsheng.regions.codes import subtree_bounds

            lo, hi = subtree_bounds(found.code, found.level)
            plans = plans.filter(region_id__gte=lo, region_id__lte=hi)
        return selectors.due_rows(plans=plans, month=month, on=today)
