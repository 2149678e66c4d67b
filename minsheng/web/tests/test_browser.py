"""Browser tests: Playwright drives Debian's Chromium against the real app, started the way the
README starts it (migrate, demo, runserver, task worker) on a temporary SQLite database — see
``live_server``. The demo logins and the demo village come from what ``minsheng demo`` prints.

Without /usr/bin/chromium the tests are skipped, except under CI (``CI`` set), where they fail.
Screenshots land in the module's temporary folder (``<basetemp>/browser*/``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from minsheng.web.tests.live_server import LiveApp, live_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--lang=zh-CN"]
PHONE = {"width": 360, "height": 740}
pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("CI 必须运行浏览器测试，但没有找到 /usr/bin/chromium"
                    "（.ci/run 会用 apt-get install chromium 安装它）", pytrace=False)
    pytest.skip("需要 /usr/bin/chromium（apt-get install chromium）")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    _require_chromium()
    # Shared by all pytest-xdist workers of this session: the migrated demo database.
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    with live_app(tmp_path_factory.mktemp("browser"), base / "minsheng-demo") as running:
        yield running


@pytest.fixture(scope="module")
def browser(app: LiveApp) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # The browser's own words (file inputs, date fields) in Chinese: Chromium takes its UI
        # language from LANGUAGE (its zh-CN strings are Debian's chromium-l10n, which .ci/run
        # installs).
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS,
                                              env={**os.environ, "LANGUAGE": "zh_CN"})
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies): desktop-sized, or the viewport given by
    indirect parametrization (``@pytest.mark.parametrize("page", [PHONE], indirect=True)``)."""
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 800}
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _login(page: Page, app: LiveApp, username: str, password: str | None = None) -> None:
    page.goto(f"{app.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", app.login(username).password if password is None else password)
    page.click("button[type=submit]")
    if password is None:
        page.wait_for_url(f"{app.url}/")


def _overflow(page: Page) -> dict[str, int]:
    return page.evaluate("({scroll: document.documentElement.scrollWidth,"
                         " inner: window.innerWidth})")


def test_village_monitor_signs_in_and_sees_its_village(app: LiveApp, page: Page) -> None:
    village = app.village_name()
    page.goto(f"{app.url}/login/")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert page.title() == "登录 · 民生"
    assert page.locator("button[type=submit]").inner_text() == "登 录"
    page.screenshot(path=str(app.tmp / "login.png"))

    _login(page, app, "village_monitor")
    assert page.locator("[data-testid=home-title]").inner_text() == village
    assert page.locator("[data-testid=my-village]").inner_text().startswith(village)
    assert "村监测员" in page.locator("[data-testid=whoami]").inner_text()
    # The stylesheet is served and applied (the red top bar).
    assert page.locator("header.topbar").evaluate(
        "el => getComputedStyle(el).backgroundColor") == "rgb(176, 25, 30)"
    crumbs = page.locator("[data-testid=scopebar] .breadcrumb li").all_inner_texts()
    assert crumbs[-1] == village
    assert crumbs[:3] == ["湖南省", "邵阳市", "邵阳县"]
    assert "".join(crumbs) == app.login("village_monitor").region_path
    page.screenshot(path=str(app.tmp / "home.png"), full_page=True)


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_phone_layout_and_wrong_password(app: LiveApp, page: Page) -> None:
    from playwright.sync_api import expect

    page.goto(f"{app.url}/login/")
    size = _overflow(page)
    assert size["scroll"] <= size["inner"], f"登录页横向溢出：{size}"
    _login(page, app, "village_monitor", password="wrong-Password-1")
    expect(page.locator("[data-testid=login-error]")).to_have_text("用户名或密码错误。")
    assert page.locator("[data-testid=login-error]").is_visible()
    page.screenshot(path=str(app.tmp / "phone-login-error.png"))

    _login(page, app, "village_monitor")
    assert page.locator("nav.mainnav").is_visible()
    assert page.locator("nav.mainnav a").first.is_visible()
    assert page.locator("[data-testid=scopebar] .breadcrumb").is_visible()
    assert page.locator("[data-testid=scopebar] .breadcrumb li").last.inner_text() == \
        app.village_name()
    size = _overflow(page)
    assert size["scroll"] <= size["inner"], f"首页横向溢出：{size}"
    page.screenshot(path=str(app.tmp / "phone-home.png"), full_page=True)


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
        app: LiveApp, page: Page) -> None:
    from minsheng.registry.testing import make_id

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
