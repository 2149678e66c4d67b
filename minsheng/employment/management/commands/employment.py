"""``minsheng employment import labour|enterprises FILE --user NAME [--dry-run] [--errors X]``
and ``minsheng employment coverage --month YYYY-MM [--region CODE] --user NAME``.

import: exit 0 applied (or a clean dry run), 1 rejected (the problems printed; the error
workbook written with --errors), 2 usage error (unknown kind, missing file or account).
coverage: prints "每户至少一人就业" by village; exit 1 for a region out of scope, 2 for a bad month.

``minsheng employment match --posting ID [--within KM] [--limit N] --user NAME``: the ranked
candidates of one posting with their explanations; ``match --all [--county CODE]``: every open
posting of the county (or of every county in scope) matched in one batch. Exit 1 for a posting
not found or out of scope, 2 for bad options.
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
        match = sub.add_parser("match", help="人岗匹配：一个岗位的匹配人员，或全部岗位批量匹配")
        which = match.add_mutually_exclusive_group(required=True)
        which.add_argument("--posting", type=int, help="岗位编号")
        which.add_argument("--all", action="store_true", help="批量匹配全部招聘中的岗位")
        match.add_argument("--county", default="", help="与 --all 一起：只匹配这个县的岗位")
        match.add_argument("--within", default=None, help="只列出 N 公里以内的人员")
        match.add_argument("--limit", type=int, default=20, help="每个岗位显示的人数（默认 20）")
        _user_option(match)

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options["user"], purpose="操作")
        if options["verb"] == "coverage":
            self._coverage(user, options)
        elif options["verb"] == "match":
            self._match(user, options)
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

    def _match(self, user: User, options: dict[str, Any]) -> None:
        import time

        from django.utils import timezone

        from minsheng.core.errors import NotFound
        from minsheng.employment import jobs, matching

        try:
            matching.check_limit(options["limit"])
            within = matching.check_within(options["within"])
        except InvalidInput as exc:
            raise CommandError(exc.message, returncode=2) from exc
        if options["posting"] is not None:
            try:
                posting = jobs.posting_get(actor=user, pk=options["posting"])
            except NotFound as exc:
                raise CommandError(f"岗位 {options['posting']} 不存在或不在您的管辖范围内。",
                                   returncode=1) from exc
            result = matching.candidates_for(actor=user, posting=posting, within_km=within,
                                             limit=options["limit"])
            where = f"，{within:g} 公里以内" if within is not None else ""
            self.stdout.write(f"岗位 {posting.pk}「{posting.title}」（{posting.trade}，"
                              f"{posting.enterprise.name}）：匹配人员 {result.total} 人{where}，"
                              f"显示前 {len(result.matches)} 人")
            for i, m in enumerate(result.matches, 1):
                self.stdout.write(f"  {i:>3}. {m.name}  {m.id_number}  {m.village_name}  "
                                  f"{m.score} 分  {m.explanation}")
            for note in result.notes:
                self.stdout.write(f"  注意：{note}")
            return
        county = options["county"].strip()
        if county:
            county = county[:6].ljust(12, "0")
            counties = [county]
        else:
            counties = sorted(set(matching.open_postings(actor=user, on=timezone.localdate())
                                  .values_list("county_id", flat=True)))
        started = time.perf_counter()
        postings = candidates = 0
        for code in counties:
            try:
                batch = matching.match_all(actor=user, county=code, limit=options["limit"])
            except NotFound as exc:
                raise CommandError(exc.message, returncode=1) from exc
            postings += batch.postings
            candidates += batch.candidates
            titles = dict(jobs.postings_visible(user).filter(pk__in=batch.results)
                          .values_list("pk", "title"))
            for pk, (total, best) in sorted(batch.results.items()):
                matching.describe(best[:3])
                top = "；".join(f"{m.name}（{m.village_name}）{m.score} 分" for m in best[:3])
                self.stdout.write(f"  岗位 {pk}「{titles.get(pk, '')}」：匹配 {total} 人"
                                  f"{'，前三：' + top if top else ''}")
        self.stdout.write(f"批量匹配完成：{len(counties)} 个县，{postings} 个岗位，匹配人次 "
                          f"{candidates}，用时 {time.perf_counter() - started:.1f} 秒")
