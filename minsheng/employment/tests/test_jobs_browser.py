"""Browser tests of employment work on the real app (``minsheng demo`` data): a village cadre
updates a worker's status on a phone; a county officer posts a job, matches it, issues a
用工预录通知书 and downloads its PDF. Fixtures (live app, Chromium, pages) are the web app's."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from minsheng.web.tests import test_browser as shared

# The web app's fixtures, used by name: the live app, Chromium, a fresh page per test.
app, browser, page = shared.app, shared.browser, shared.page
_login, _overflow = shared._login, shared._overflow

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from minsheng.web.tests.live_server import LiveApp

PHONE = {"width": 390, "height": 844}
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_village_cadre_updates_a_worker_on_a_phone(app: LiveApp, page: Page) -> None:
    from playwright.sync_api import expect

    _login(page, app, "village_monitor")
    page.goto(f"{app.url}/employment/")
    rows = page.locator("[data-testid=labour-row]")
    expect(rows.first).to_be_visible()
    name = rows.first.locator("a").first.inner_text()
    rows.first.locator("a").first.click()
    page.wait_for_selector("[data-testid=status-form]")
    size = _overflow(page)
    assert size["scroll"] <= size["inner"], f"成员页横向溢出：{size}"
    page.check("input[name=status][value=employed]")
    page.select_option("#id_work_area", "in_county")
    page.fill("#id_employer_name", "邵阳县湘妹子制衣有限公司")
    page.fill("#id_work_months", "3")
    page.fill("#id_monthly_income", "3600")
    page.click("[data-testid=status-save]")
    expect(page.locator(".messages, .alert").first).to_contain_text(f"已保存 {name}")
    row = page.locator("[data-testid=labour-row]", has_text=name).first
    expect(row.locator("[data-testid=labour-current]")).to_contain_text("务工·县内")
    page.screenshot(path=str(app.tmp / "phone-ledger-saved.png"), full_page=True)


def test_county_officer_posts_matches_and_issues_a_notice(app: LiveApp, page: Page) -> None:
    from playwright.sync_api import expect
    from pypdf import PdfReader

    _login(page, app, "county_office")
    page.goto(f"{app.url}/employment/jobs/")
    page.click("[data-testid=posting-create]")
    page.select_option("#id_enterprise", index=0)
    page.fill("#id_title", "车间缝纫工（浏览器测试）")
    page.fill("#id_trade", "缝纫工")
    page.fill("#id_headcount", "5")
    page.fill("#id_wage_min", "3000")
    page.fill("#id_wage_max", "5000")
    page.click("[data-testid=employment-form] button[type=submit]")
    expect(page.locator("[data-testid=posting-summary]")).to_contain_text("缝纫工")
    table = page.locator("[data-testid=candidate-table] tbody tr")
    expect(table.first).to_be_visible()
    first = table.first.locator("[data-testid=explanation]").inner_text()
    assert "缝纫工" in first and ("工种匹配" in first or "技能相符" in first), first
    assert "距离" in first
    worker = table.first.locator("td").nth(1).inner_text()
    page.screenshot(path=str(app.tmp / "posting-candidates.png"), full_page=True)
    table.first.locator("[data-testid=issue-notice]").click()
    expect(page.locator("[data-testid=notice-status]")).to_have_text("已开具")
    number = page.locator("[data-testid=notice-number]").inner_text()
    assert number.startswith("YGYL-430523-")
    with page.expect_download() as download:
        page.click("[data-testid=notice-pdf]")
    path = download.value.path()
    assert download.value.suggested_filename == f"{number}.pdf"
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    for part in ("用工预录通知书", number, worker, "企业（盖章）", "乡镇人民政府（盖章）",
                 "务工人员（签字）"):
        assert part in text, part
    # The first step of the lifecycle from the page.
    page.select_option("#id_to", "signed")
    page.click("[data-testid=notice-move] button[type=submit]")
    expect(page.locator("[data-testid=notice-status]")).to_have_text("三方已签字")
    expect(page.locator("[data-testid=notice-events] li")).to_have_count(2)
