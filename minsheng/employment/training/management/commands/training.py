"""``minsheng training outcomes --user NAME [--refresh] [--region CODE] [--year YYYY]`` and
``minsheng training menu --year YYYY --user NAME [--region CODE]``.

outcomes: (with --refresh first copies the labour ledger's status into the 3- and 6-month
checks that have come) prints "培训后就业" per provider and per course. menu: the 点餐 menu, the
villages' wishes summed by trade. Exit 0, 1 refused (no permission, region out of scope), 2 usage.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.employment.training import selectors, services


def _common(parser: CommandParser) -> None:
    parser.add_argument("--user", default=os.environ.get("MINSHENG_CLI_USER", ""),
                        help="以哪个账号的身份操作（决定管辖范围和审计记录）；"
                        "也可用环境变量 MINSHENG_CLI_USER")
    parser.add_argument("--region", default="", help="只统计这个区划（须在管辖范围内）")


def _pct(value: Any) -> str:
    return f"{value}%" if value is not None else "—"


class Command(MinshengCommand):
    help = ("职业技能培训：outcomes 按培训机构、培训班统计培训后就业率（--refresh 先按劳动力台账"
            "更新回访结果）；menu 按工种汇总各村培训需求（点餐菜单）。")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        outcomes = sub.add_parser("outcomes", help="培训后就业统计")
        outcomes.add_argument("--refresh", action="store_true", help="先按劳动力台账更新回访结果")
        outcomes.add_argument("--year", type=int, default=None, help="只统计该年度结业的人员")
        _common(outcomes)
        menu = sub.add_parser("menu", help="点餐菜单")
        menu.add_argument("--year", type=int, required=True, help="年度")
        _common(menu)

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"], purpose="操作")
        region = options["region"].strip()
        within = region.ljust(12, "0") if region else ""
        if options["verb"] == "menu":
            self.stdout.write(f"{options['year']} 年点餐菜单（工种 / 意向人数 / 村数 / 培训班 / 名额）：")
            for r in selectors.demand_menu(actor=user, year=options["year"], within=within):
                self.stdout.write(f"  {r.trade}  {r.headcount}  {r.villages}  {r.courses}"
                                  f"  {r.places}")
            return
        if options["refresh"]:
            changed = services.outcomes_refresh(actor=user)
            self.stdout.write(f"已按劳动力台账更新回访结果：{changed} 人次有变化。")
        shares = selectors.outcome_shares(actor=user, within=within, year=options["year"])
        self.stdout.write("培训后就业（结业 / 3 个月后就业 / 培训后就业率）：")
        for title, rows in (("按培训机构", shares.by_provider), ("按培训班", shares.by_course)):
            self.stdout.write(title + "：")
            for r in rows:
                self.stdout.write(f"  {r.label}  {r.completed}  {r.employed_3m}  "
                                  f"{_pct(r.share)}")
        t = shares.total
        self.stdout.write(f"合计  {t.completed}  {t.employed_3m}  {_pct(t.share)}")
