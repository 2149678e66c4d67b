"""The real app in child processes, for the browser tests.

Started the way the README starts it — ``minsheng migrate``, ``minsheng demo``, ``minsheng
runserver`` plus the task worker, in debug mode — but isolated: its own SQLite database and var
directory in a temporary folder. pytest-django's live server is not used (its flush would hit the
append-only audit triggers), and the test process's own settings never leak into the children:
MINSHENG_TESTING (set by ``minsheng.pytest_plugin``) and MINSHENG_TEST_DATABASE_URL are removed.

Migrating and loading the demo province take most of the start-up time, so they run once per
pytest session (under pytest-xdist: once for all workers, behind a file lock); each server then
serves its own copy of that database.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
MINSHENG = BIN / "minsheng"
START_TIMEOUT = 60.0  # seconds for runserver to answer
COMMAND_TIMEOUT = 600.0  # seconds for migrate / demo
DEMO_HEADER = "演示账号（账号 / 密码 / 角色 / 管辖区域）："
_CHILD_ENV_DROP = {"MINSHENG_TESTING", "MINSHENG_TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
_LOGIN_LINE = re.compile(r"^\s+(?P<username>[a-z_]+)\s+(?P<password>\S+)\s+(?P<role>\S+)"
                         r"\s+(?P<region_path>\S+)\s*$")


@dataclass(frozen=True)
class DemoLogin:
    """One line of the logins ``minsheng demo`` prints."""

    username: str
    password: str
    role: str
    region_path: str  # the region's full name, e.g. 湖南省邵阳市邵阳县…镇…村


@dataclass(frozen=True)
class LiveApp:
    url: str
    logins: dict[str, DemoLogin]
    tmp: Path
    log: Path

    def login(self, username: str) -> DemoLogin:
        assert username in self.logins, f"minsheng demo 没有打印 {username} 的账号：{self.logins}"
        return self.logins[username]

    def village_name(self) -> str:
        """The demo village: the village monitor's region path minus the township station's."""
        village = self.login("village_monitor").region_path
        township = self.login("town_station").region_path
        assert village.startswith(township) and len(village) > len(township), (village, township)
        return village[len(township):]


def parse_demo_logins(output: str) -> dict[str, DemoLogin]:
    lines = output.splitlines()
    assert DEMO_HEADER in lines, f"minsheng demo 没有打印演示账号：\n{output}"
    logins = {}
    for line in lines[lines.index(DEMO_HEADER) + 1:]:
        match = _LOGIN_LINE.match(line)
        assert match, f"无法解析演示账号行：{line!r}"
        logins[match["username"]] = DemoLogin(**match.groupdict())
    return logins


def child_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CHILD_ENV_DROP}
    env.update({
        "MINSHENG_DEBUG": "1",
        "MINSHENG_VAR_DIR": str(var_dir),
        "MINSHENG_DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "MINSHENG_TASK_BACKEND": "database",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def run_command(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([str(MINSHENG), *args], env=env, capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT, check=False)
    assert result.returncode == 0, (f"minsheng {' '.join(args)} 失败（{result.returncode}）：\n"
                                    f"{result.stdout}\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepared_demo(shared: Path) -> tuple[Path, str]:
    """Migrate and load the demo once per session: (database file, ``minsheng demo``'s output)."""
    shared.mkdir(parents=True, exist_ok=True)
    database, output = shared / "db.sqlite3", shared / "demo-output.txt"
    with _locked(shared / "lock"):
        if not output.exists():
            env = child_env(shared)
            run_command(["migrate", "--noinput"], env)
            text = run_command(["demo"], env)
            output.write_text(text, encoding="utf-8")  # written last: marks the set-up complete
    return database, output.read_text(encoding="utf-8")


def _copy_database(source: Path, target: Path) -> None:
    # The backup API gives a consistent copy whatever is still in the WAL file.
    with contextlib.closing(sqlite3.connect(source)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/login/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def _spawn(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen([str(MINSHENG), *args], env=env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def live_app(tmp: Path, shared: Path) -> Iterator[LiveApp]:
    """Serve a copy of the session's demo database from ``tmp`` until the block ends."""
    database, demo_output = prepared_demo(shared)
    logins = parse_demo_logins(demo_output)
    _copy_database(database, tmp / "db.sqlite3")
    env = child_env(tmp)
    log = tmp / "server.log"
    with contextlib.ExitStack() as stack:
        stack.enter_context(_spawn(["db_worker", "--no-reload", "--no-startup-delay",
                                    "--interval", "0.2"], env, tmp / "worker.log"))
        for _attempt in range(3):  # another process may take the free port before runserver
            port = _free_port()
            server = stack.enter_context(
                _spawn(["runserver", "--noreload", f"127.0.0.1:{port}"], env, log))
            deadline = time.monotonic() + START_TIMEOUT
            while server.poll() is None and time.monotonic() < deadline:
                if _answers(port):
                    yield LiveApp(f"http://127.0.0.1:{port}", logins, tmp, log)
                    return
                time.sleep(0.2)
            if server.poll() is None:
                raise RuntimeError(f"minsheng runserver 在 {START_TIMEOUT:.0f} 秒内没有响应：\n"
                                   f"{_tail(log)}")
        raise RuntimeError(f"minsheng runserver 无法启动：\n{_tail(log)}")
