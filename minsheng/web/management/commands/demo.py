"""``minsheng demo [--seed S]``: load 湖南省 and the demo personas, print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.demo import DEFAULT_SEED, demo_load
from minsheng.regions.models import Region


class Command(MinshengCommand):
    help = "生成演示数据：湖南省行政区划（NBS 2023）和每个角色一个演示账号（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（决定演示乡村和密码）")

    def handle(self, *args: Any, **options: Any) -> None:
        report, personas = demo_load(options["seed"])
        self.stdout.write(f"行政区划：{report.summary()}")
        self.stdout.write("演示账号（账号 / 密码 / 角色 / 管辖区域）：")
        names = {r.code: r.full_name for r in Region.objects.filter(
            code__in=[p.region_code for p in personas])}
        width = max(len(p.username) for p in personas)
        for p in personas:
            from minsheng.core.roles import Role

            self.stdout.write(
                f"  {p.username.ljust(width)}  {p.password}  {Role(p.role).label}"
                f"  {names.get(p.region_code, p.region_code)}"
            )
