"""``minsheng account create|unlock|set-password``: the operator's account verbs.

The three administrators (系统/安全/审计管理员) can only be created here, never from the web.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.core.management.base import MinshengCommand
from minsheng.core.models import User
from minsheng.core.roles import Department, Role
from minsheng.regions.services import (
    AccountData,
    account_create,
    account_set_password,
    account_unlock,
)


class Command(MinshengCommand):
    help = "账号：create 创建账号，unlock 解锁，set-password 重设密码。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="创建账号")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--region", action="append", required=True, dest="regions",
                            help="管辖区域代码，可重复")
        create.add_argument("--name", default="", help="姓名")
        create.add_argument("--department", default="", choices=["", *Department.values])
        create.add_argument("--password", help="初始密码（不填则交互输入）")
        unlock = sub.add_parser("unlock", help="解锁账号")
        unlock.add_argument("username")
        setpw = sub.add_parser("set-password", help="重设密码")
        setpw.add_argument("username")
        setpw.add_argument("--password", help="新密码（不填则交互输入）")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号「{username}」不存在。", returncode=1)
        return user

    def _password(self, given: str | None) -> str:
        if given:
            return given
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入："):
            raise CommandError("两次输入的密码不一致。", returncode=1)
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "create":
            codes = [c.ljust(12, "0") for c in options["regions"]]
            user = account_create(
                actor=None,
                data=AccountData(username=options["username"], display_name=options["name"],
                                 role=options["role"], region_codes=codes,
                                 department=options["department"]),
                password=self._password(options["password"]),
            )
            self.stdout.write(f"已创建账号 {user.username}（{user.get_role_display()}）。")
        elif verb == "unlock":
            account_unlock(actor=None, user=self._user(options["username"]))
            self.stdout.write(f"已解锁账号 {options['username']}。")
        else:
            account_set_password(actor=None, user=self._user(options["username"]),
                                 password=self._password(options["password"]))
            self.stdout.write(f"已重设账号 {options['username']} 的密码。")
