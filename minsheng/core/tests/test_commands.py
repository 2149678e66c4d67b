"""The operator's command line: ``minsheng token create`` and ``minsheng account …``.

Success paths run in-process (``call_command``, the test database). Exit codes are checked by
running the real ``minsheng`` script in a child process against its own throw-away SQLite file
(never the developer's var/ database, never the test database).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from minsheng.core.models import ApiToken, AuditEvent, AuditEventType, User
from minsheng.core.services import LoginRefused, login_check
from minsheng.testing import PASSWORD, VILLAGE_A

MINSHENG = str(Path(sys.executable).with_name("minsheng"))
WEAK_MESSAGE = ("密码长度太短。密码必须包含至少 10 个字符。；"
                "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。")
NEW_PASSWORD = "Another-pass-2026"


def run(*args: str) -> tuple[str, str]:
    """``call_command`` with captured output; returns (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as exc:
        run(*args)
    return exc.value


@pytest.fixture(scope="session")
def cli_env(tmp_path_factory) -> dict[str, str]:
    """Environment for a child ``minsheng`` process: its own migrated SQLite database."""
    folder = tmp_path_factory.mktemp("cli")
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder),
            "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "MINSHENG_TESTING": "1",
            "MINSHENG_VAR_DIR": str(folder),
            "MINSHENG_DATABASE_URL": f"sqlite:///{folder / 'cli.sqlite3'}"}


@pytest.fixture(scope="session")
def migrated_cli_env(cli_env) -> dict[str, str]:
    done = subprocess.run([MINSHENG, "migrate", "-v", "0"], env=cli_env, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return cli_env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MINSHENG, *args], env=env, capture_output=True, text=True,
                          encoding="utf-8", check=False, timeout=120)


class TokenCommandTests:
    def test_prints_exactly_the_key_when_a_token_is_created(self, personas):
        out, err = run("token", "create", "county_office")
        assert re.fullmatch(r"ms_[A-Za-z0-9_-]{43}\n", out)
        key = out.strip()
        token = ApiToken.objects.get()
        assert (token.user.username, token.prefix) == ("county_office", key[:8])
        assert err == f"已为 county_office 创建令牌 {key[:8]}…，请妥善保存（只显示这一次）：\n"

    def test_printed_key_authenticates_against_the_api_when_presented(self, personas):
        key = run("token", "create", "county_office")[0].strip()
        response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me")
        assert response.status_code == 200
        assert response.json()["username"] == "county_office"

    def test_records_token_created_with_the_command_line_as_actor_when_run(self, personas):
        key = run("token", "create", "county_office", "--label", "数据对接")[0].strip()
        event = AuditEvent.objects.get(event_type=AuditEventType.TOKEN_CREATED)
        token = ApiToken.objects.get()
        assert (event.actor_id, event.actor_username) == (None, "命令行")
        assert (event.subject_type, event.subject_id, event.subject_repr) == (
            "core.apitoken", str(token.pk), f"{key[:8]}…")
        assert event.extra == {"for_user": "county_office", "label": "数据对接"}
        assert re.fullmatch(r"cli-[0-9a-f]{32}", event.request_id)

    def test_gives_each_run_its_own_request_id_when_run_twice(self, personas):
        run("token", "create", "county_office")
        run("token", "create", "county_office")
        ids = set(AuditEvent.objects.filter(event_type=AuditEventType.TOKEN_CREATED)
                  .values_list("request_id", flat=True))
        assert len(ids) == 2

    def test_exits_1_with_a_chinese_message_when_the_account_is_unknown(self, personas):
        exc = refused("token", "create", "nobody")
        assert (str(exc), exc.returncode) == ("账号「nobody」不存在。", 1)
        assert not ApiToken.objects.exists()

    def test_exits_1_with_a_chinese_message_when_the_account_is_deactivated(self, personas):
        User.objects.filter(username="county_office").update(is_active=False)
        exc = refused("token", "create", "county_office")
        assert (str(exc), exc.returncode) == ("该账号已停用，不能创建令牌。", 1)


class AccountCommandTests:
    def test_creates_an_account_that_can_sign_in_when_the_password_is_strong(self, regions):
        out, _ = run("account", "create", "newbie", "--role", "village_monitor",
                     "--region", VILLAGE_A, "--name", "新人", "--password", PASSWORD)
        assert out == "已创建账号 newbie（村监测员）。\n"
        assert login_check(username="newbie", password=PASSWORD).display_name == "新人"
        event = AuditEvent.objects.get(event_type=AuditEventType.ACCOUNT_CREATED,
                                       subject_repr="新人（村监测员）")
        assert event.actor_username == "命令行"
        assert event.request_id.startswith("cli-")

    def test_pads_short_region_codes_when_an_administrator_is_created(self, regions):
        run("account", "create", "sec2", "--role", "security_admin", "--region", "43",
            "--password", PASSWORD)
        assert User.objects.get(username="sec2").region_assignments.get().region_id == (
            "430000000000")

    def test_exits_1_with_the_chinese_rules_when_the_password_is_weak(self, regions):
        exc = refused("account", "create", "newbie", "--role", "village_monitor",
                      "--region", VILLAGE_A, "--password", "weak")
        assert (str(exc), exc.returncode) == (WEAK_MESSAGE, 1)
        assert not User.objects.filter(username="newbie").exists()

    def test_unlocks_a_locked_account_when_asked(self, personas, settings):
        settings.LOGIN_MAX_FAILURES = 1
        with pytest.raises(LoginRefused):
            login_check(username="village_monitor", password="Wrong-pass-1")
        assert User.objects.get(username="village_monitor").is_locked()
        out, _ = run("account", "unlock", "village_monitor")
        assert out == "已解锁账号 village_monitor。\n"
        assert login_check(username="village_monitor", password=PASSWORD).username == (
            "village_monitor")
        event = AuditEvent.objects.get(event_type=AuditEventType.ACCOUNT_UNLOCKED)
        assert (event.actor_username, event.subject_id) == (
            "命令行", str(personas["village_monitor"].pk))

    def test_sets_a_new_password_when_it_is_strong(self, personas):
        out, _ = run("account", "set-password", "village_monitor", "--password", NEW_PASSWORD)
        assert out == "已重设账号 village_monitor 的密码。\n"
        assert login_check(username="village_monitor", password=NEW_PASSWORD)
        assert AuditEvent.objects.filter(event_type=AuditEventType.PASSWORD_CHANGED,
                                         actor_username="命令行").count() == 1

    def test_keeps_the_old_password_when_the_new_one_is_weak(self, personas):
        exc = refused("account", "set-password", "village_monitor", "--password", "weak")
        assert (str(exc), exc.returncode) == (WEAK_MESSAGE, 1)
        assert login_check(username="village_monitor", password=PASSWORD)

    @pytest.mark.parametrize("verb", [["unlock"], ["set-password", "--password", NEW_PASSWORD]])
    def test_exits_1_with_a_chinese_message_when_the_account_is_unknown(self, personas, verb):
        exc = refused("account", verb[0], "nobody", *verb[1:])
        assert (str(exc), exc.returncode) == ("账号「nobody」不存在。", 1)


class CommandExitCodeTests:
    @pytest.mark.parametrize("args", [
        ["token", "frobnicate"],
        ["token", "create"],
        ["account"],
        ["account", "create", "u1"],
        ["account", "create", "u1", "--role", "bogus", "--region", "43"],
    ], ids=" ".join)
    def test_exits_2_when_the_usage_is_wrong(self, cli_env, args):
        result = cli(cli_env, *args)
        assert result.returncode == 2, result.stderr
        assert "usage: minsheng" in result.stderr
        assert result.stdout == ""

    def test_exits_1_with_the_chinese_rules_when_the_password_is_weak(self, migrated_cli_env):
        result = cli(migrated_cli_env, "account", "create", "u1", "--role", "village_monitor",
                     "--region", "43", "--password", "weak")
        assert result.returncode == 1
        assert result.stderr.strip() == f"CommandError: {WEAK_MESSAGE}"
        assert result.stdout == ""

    def test_exits_1_with_a_chinese_message_when_the_account_is_unknown(self,
                                                                         migrated_cli_env):
        result = cli(migrated_cli_env, "token", "create", "nobody")
        assert result.returncode == 1
        assert result.stderr.strip() == "CommandError: 账号「nobody」不存在。"
        assert result.stdout == ""
