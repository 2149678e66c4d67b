"""``minsheng token create USERNAME [--label TEXT]`` prints a new API token (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.core.models import User
from minsheng.core.services import token_create


class Command(MinshengCommand):
    help = "API 令牌：create 为账号创建令牌并打印（只显示这一次）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="创建令牌")
        create.add_argument("username")
        create.add_argument("--label", default="", help="用途说明")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"账号「{options['username']}」不存在。", returncode=1)
        token, key = token_create(actor=None, user=user, label=options["label"])
        self.stderr.write(f"已为 {user.username} 创建令牌 {token.prefix}…，请妥善保存（只显示这一次）：")
        self.stdout.write(key)
