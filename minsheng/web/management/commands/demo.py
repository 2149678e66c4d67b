"""``minsheng demo [--seed S]``: load 湖南省 and the demo personas, print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.demo import DEFAULT_SEED, demo_load
from minsheng.regions.models import Region


class Command(MinshengCommand):
    help = "生成演示数据：湖南省行政区划（NBS 2023）和每个角色一个演示账号（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（决定演示乡村和密码）")
        parser.add_argument("--households", type=int, default=2000,
                            help="在演示县（邵阳县）生成的演示农户数（默认 2000，0 为不生成）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["households"] < 0:
            raise CommandError("--households 不能为负数。", returncode=2)
        if not (settings.DEBUG or settings.TESTING):
            # The personas' passwords follow from the seed, three administrators included.
            raise CommandError(
                "演示数据只能在调试模式（MINSHENG_DEBUG=1）下生成：演示账号（含三类管理员）的密码"
                "可由种子推算，不能出现在生产数据库中。", returncode=1)
        report, personas = demo_load(options["seed"])
        self.stdout.write(f"行政区划：{report.summary()}")
        if options["households"]:
            from minsheng.demo import COUNTY
            from minsheng.registry.demo_data import demo_households_generate

            made = demo_households_generate(county_code=COUNTY, count=options["households"],
                                            seed=options["seed"])
            self.stdout.write(f"演示农户：新增 {made.households} 户（{made.members} 名成员），"
                              f"已存在 {made.skipped} 户")
            from minsheng.employment.demo import demo_employment_generate

            jobs = demo_employment_generate(county_code=COUNTY, seed=options["seed"])
            self.stdout.write(f"就业帮扶：新增企业 {jobs.enterprises} 家、帮扶车间 {jobs.workshops} 个，"
                              f"{jobs.month} 就业状态 {jobs.statuses} 条")
            from minsheng.employment.job_demo import demo_jobs_generate

            matched = demo_jobs_generate(county_code=COUNTY, seed=options["seed"])
            self.stdout.write(f"岗位匹配：村位置 {matched.locations} 个、技能与意愿 {matched.profiles} 条、"
                              f"招聘岗位 {matched.postings} 个、招聘会 {matched.fairs} 场")
            from minsheng.employment.stats.demo import demo_targets_generate

            self.stdout.write(f"务工规模目标：新增 {demo_targets_generate(county_code=COUNTY)} 条")
            from minsheng.employment.publicposts.demo import demo_training_posts_generate

            tp = demo_training_posts_generate(county_code=COUNTY, seed=options["seed"])
            self.stdout.write(f"培训与公益性岗位：培训班 {tp.courses} 个、参训 {tp.enrolments} 人次，"
                              f"岗位 {tp.posts} 个、聘用 {tp.appointments} 人")
            from minsheng.assistance.demo import demo_assistance_generate

            aid = demo_assistance_generate(county_code=COUNTY, seed=options["seed"])
            self.stdout.write(f"帮扶计划：新增 {aid.plans} 户、措施 {aid.measures} 项、上月走访 {aid.visits} 次")
            from minsheng.monitoring.case_demo import demo_cases_generate

            cases = demo_cases_generate(county_code=COUNTY)
            self.stdout.write(f"监测案件：新增 {cases.cases} 件、待研判申报 {cases.leads} 条")
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
