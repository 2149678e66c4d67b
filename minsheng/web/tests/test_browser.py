"""Browser tests: Playwright drives Debian's Chromium against the real app, started the way the
README starts it (migrate, demo, runserver, task worker) on a temporary SQLite database.

pytest-django's live server is not used: its flush would hit the append-only audit triggers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("CI 必须运行浏览器测试，但没有找到 /usr/bin/chromium（.ci/run 应当安装它）")
    pytest.skip("需要 /usr/bin/chromium（apt-get install chromium）")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _child_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"MINSHENG_TESTING", "MINSHENG_TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"MINSHENG_DEBUG": "1", "MINSHENG_VAR_DIR": str(tmp),
                "MINSHENG_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
                "MINSHENG_TASK_BACKEND": "database"})
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([str(BIN / "minsheng"), *args], env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class App:
    def __init__(self, url: str, logins: dict[str, str], tmp: Path) -> None:
        self.url = url
        self.logins = logins
        self.tmp = tmp


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    _require_chromium()
    tmp = tmp_path_factory.mktemp("app")
    env = _child_env(tmp)
    _run(["migrate", "--noinput"], env)
    demo_output = _run(["demo"], env)
    logins = dict(re.findall(r"^\s+(\w+)\s+(\S+)\s", demo_output, flags=re.MULTILINE))
    port = _free_port()
    server = subprocess.Popen([str(BIN / "minsheng"), "runserver", "--noreload",
                               f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(BIN / "minsheng"), "db_worker", "--no-reload", "--no-startup-delay",
                               "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("服务没有启动") from None
                time.sleep(0.3)
        yield App(f"http://127.0.0.1:{port}", logins, tmp)
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def browser(app: App) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield browser
        browser.close()


def _login(page: object, app: App, username: str) -> None:
    page.goto(f"{app.url}/login/")  # type: ignore[attr-defined]
    page.fill("#id_username", username)  # type: ignore[attr-defined]
    page.fill("#id_password", app.logins[username])  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{app.url}/")  # type: ignore[attr-defined]


def test_village_monitor_signs_in_and_sees_its_village(app: App, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{app.url}/login/")
    assert page.locator("button[type=submit]").inner_text().replace(" ", "") == "登录"
    _login(page, app, "village_monitor")
    title = page.locator("[data-testid=home-title]").inner_text()
    assert title.endswith("村") or title.endswith("社区") or title
    crumbs = page.locator("[data-testid=scopebar]").inner_text()
    assert title in crumbs and "邵阳县" in crumbs
    page.screenshot(path=str(app.tmp / "home.png"))
    page.close()


def test_phone_layout_has_no_horizontal_overflow(app: App, browser: object) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{app.url}/login/")
    page.fill("#id_username", "village_monitor")
    page.fill("#id_password", "wrong-Password-1")
    page.click("button[type=submit]")
    assert page.locator("[data-testid=login-error]").inner_text() == "用户名或密码错误。"
    _login(page, app, "village_monitor")
    assert page.locator("nav.mainnav").is_visible()
    assert page.locator("[data-testid=scopebar]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def _sheet(path: Path, rows: list[list[object]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["户编号", "村级区划代码", "姓名", "身份证号", "与户主关系"])
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    book.close()
    return path


def test_import_with_errors_writes_nothing_then_a_clean_file_is_found_by_pinyin(
        app: App, browser: object) -> None:
    from minsheng.registry.testing import make_id

    page = browser.new_page(accept_downloads=True)  # type: ignore[attr-defined]
    _login(page, app, "town_station")
    # One of the township station's villages, as offered by the registration form.
    page.goto(f"{app.url}/households/new/")
    village = page.locator("#id_region_code option").first.get_attribute("value")
    head = make_id(dt.date(1975, 6, 1), 401)
    bad = make_id(dt.date(1977, 2, 3), 402)[:17] + "0"
    if bad == make_id(dt.date(1977, 2, 3), 402):
        bad = bad[:17] + "1"
    rows: list[list[object]] = [["BT001", village, "单长乐", head, "户主"],
                                ["BT001", village, "妻子甲", bad, "配偶"]]
    page.goto(f"{app.url}/households/import/")
    page.set_input_files("input[type=file]", str(_sheet(app.tmp / "bad.xlsx", rows)))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("[data-testid=import-status][data-status=rejected]", timeout=30000)
    assert page.locator("[data-testid=error-count]").inner_text() == "1"
    assert "身份证号校验位不正确" in page.locator("[data-testid=problem-table]").inner_text()
    with page.expect_download() as download:
        page.click("[data-testid=error-workbook]")
    saved = app.tmp / "errors.xlsx"
    download.value.save_as(str(saved))
    assert saved.stat().st_size > 0
    page.goto(f"{app.url}/households/?q=BT001")
    assert page.locator("[data-testid=household-count]").inner_text() == "0"

    rows[1][3] = make_id(dt.date(1977, 2, 3), 402, male=False)
    page.goto(f"{app.url}/households/import/")
    page.set_input_files("input[type=file]", str(_sheet(app.tmp / "good.xlsx", rows)))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("[data-testid=apply-button]", timeout=30000)
    page.click("[data-testid=apply-button]")
    page.wait_for_selector("[data-testid=import-status][data-status=applied]", timeout=60000)
    # 单长乐: 单 reads dan/shan/chan, 长 reads chang/zhang; "szl" uses non-default readings.
    page.goto(f"{app.url}/households/?q=szl")
    assert "BT001" in page.locator("[data-testid=household-table]").inner_text()
    page.close()
