"""Browser test of the whole monitoring procedure (issue 5) on the real app (``minsheng demo``
data): an anonymous 农户自主申报 → the village monitor (on a phone) merges the lead and does the
village steps → 信息比对 (county) → 乡镇审核 → 县级审定 纳入 → a 帮扶计划 with a measure and two
monthly follow-ups → the 风险消除 procedure → 已标注风险消除; the case timeline lists every step.

Fixtures (live app, Chromium, pages) are the web app's. Two things cannot be done through the
browser in one sitting and are set in the live app's database through the ORM (``minsheng shell``):
registering the household (so it meets the risk-elimination criteria from the start), and ending
the 公示 periods (which last several days).

With ``MINSHENG_GUIDE_SCREENSHOTS`` set to a folder, the walk also saves the screenshots of the
user guide (``docs/guide/cases.md``, ``docs/guide/assistance.md``) there, at the moments a user
sees those pages: ``MINSHENG_GUIDE_SCREENSHOTS=docs/guide/img/cases .venv/bin/pytest
minsheng/monitoring/tests/test_cases_browser.py``. Without it no file is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from minsheng.web.tests import test_browser as shared
from minsheng.web.tests.live_server import child_env, run_command

# The web app's fixtures, used by name: the live app, Chromium, a fresh page per test.
app, browser = shared.app, shared.browser
_login, _overflow = shared._login, shared._overflow

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from minsheng.web.tests.live_server import LiveApp

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MONITORING = "监测中（风险未消除）"
# The folder for the guide's screenshots ("" = none are taken).
SHOTS = os.environ.get("MINSHENG_GUIDE_SCREENSHOTS", "").strip()
pytestmark = pytest.mark.browser

# Registered in the demo village: well above the 监测范围 (ledger 120,000 元 wages for 2 people),
# insured, housing A, water secured, both members with ordinary labour capacity.
SETUP = """
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from minsheng.core.models import User
from minsheng.regions.selectors import account_regions
from minsheng.registry.services import household_register, ledger_save
from minsheng.registry.testing import member_data
county = User.objects.get(username="county_office")
village = account_regions(User.objects.get(username="village_monitor"))[0]
head = member_data("申报甲", dt.date(1978, 4, 2), 461, relation="head")
wife = member_data("申报乙", dt.date(1980, 9, 9), 462, relation="spouse", male=False)
household = household_register(
    actor=county, household_no="BROWSER-SB-01", region_code=village.code, members=[head, wife],
    housing_grade="A", water_quantity_ok=True, water_quality_ok=True,
    water_convenience_ok=True, water_assurance_ok=True)
today = timezone.localdate()
for year in range(today.year - 2, today.year + 1):
    ledger_save(actor=county, household=household, year=year, wage_income=Decimal(120000))
township = village.parent
print(json.dumps({"household": household.pk, "id_number": head["id_number"],
                  "village": village.code, "township": township.code,
                  "county": township.parent.code}))
"""

END_NOTICE = """
import datetime as dt
from django.utils import timezone
from minsheng.monitoring.models import MonitoringCase
case = MonitoringCase.objects.get(pk={pk})
notice = case.notices.order_by("-starts_on", "-id").first()
notice.starts_on -= dt.timedelta(days=30)
notice.ends_on = timezone.localdate() - dt.timedelta(days=1)
notice.save(update_fields=["starts_on", "ends_on"])
"""

BACKDATE_INCLUSION = """
import datetime as dt
from django.utils import timezone
from minsheng.monitoring.models import MonitoringCase
MonitoringCase.objects.filter(pk={pk}).update(
    included_on=timezone.localdate() - dt.timedelta(days=400))
"""


def _orm(app: LiveApp, code: str) -> str:
    """Run ``code`` in the live app's database (its own ``minsheng shell``)."""
    return run_command(["shell", "-c", code], child_env(app.tmp))


def _png(path) -> None:
    """A small valid PNG (the photographed 承诺授权书)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * 8 for _ in range(8))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0,
                                                                       0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@contextmanager
def _as(browser: Browser, app: LiveApp, username: str, viewport=DESKTOP) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15000)
    try:
        page = context.new_page()
        if username:
            _login(page, app, username)
        yield page
    finally:
        context.close()


def _shot(page: Page, name: str, selector: str = "", to: str = "") -> None:
    """For the user guide: when ``MINSHENG_GUIDE_SCREENSHOTS`` names a folder, save ``name``.png
    there — the element ``selector`` alone, the page from the top of ``selector`` down to the
    bottom of the element ``to``, or (no selector) the viewport as the user sees it now. The PNG
    is reduced to 256 colours when Pillow is there (a guide image stays well under 150 KB)."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    if selector and to:
        edge = "e => e.getBoundingClientRect().{} + window.scrollY"
        top = page.locator(selector).first.evaluate(edge.format("top"))
        bottom = page.locator(to).first.evaluate(edge.format("bottom"))
        width = page.evaluate("document.documentElement.clientWidth")
        page.screenshot(path=str(path), full_page=True, animations="disabled",
                        clip={"x": 0, "y": max(0, top - 8), "width": width,
                              "height": bottom - top + 16})
    elif selector:
        element = page.locator(selector).first
        element.scroll_into_view_if_needed()
        element.screenshot(path=str(path), animations="disabled")
    else:
        page.screenshot(path=str(path), animations="disabled")
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)


def _step(page: Page, action: str, note: str = "") -> None:
    """Press one of the case's step buttons (with its note), and check no error came back."""
    from playwright.sync_api import expect

    button = page.locator(f"[data-testid=step-{action}]")
    expect(button).to_be_visible()
    form = page.locator("[data-testid=steps] form", has=button)
    if note:
        form.locator("textarea[name=note]").fill(note)
    button.click()
    _saved(page, "已办理。")


def _saved(page: Page, text: str) -> None:
    """The page came back with ``text`` as its message, and no error message."""
    from playwright.sync_api import expect

    expect(page.locator("ul.messages")).to_contain_text(text)
    expect(page.locator("ul.messages li.error")).to_have_count(0)


def _status(page: Page, label: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("[data-testid=case-status]")).to_have_text(label)


def _no_overflow(page: Page, where: str) -> None:
    size = _overflow(page)
    assert size["scroll"] <= size["inner"], f"{where}横向溢出：{size}"


def _visit(page: Page, app: LiveApp, visitors: str, *, authorization: bool,
           shot: str = "") -> None:
    form = page.locator("[data-testid=visit-form] form")
    form.locator("input[name=visitors]").fill(visitors)
    for box in form.locator("input[name=members_present]").all():
        box.check()
    form.locator("input[name=income_12m]").fill("118000")
    form.locator("input[name=spending_12m]").fill("6000")
    form.locator("textarea[name=note]").fill("家庭收入稳定，两人在县内务工。")
    if authorization:
        scan = app.tmp / "authorization.png"
        _png(scan)
        form.locator("input[name=authorization]").set_input_files(str(scan))
    if shot:
        _shot(page, shot, "[data-testid=visit-form]")
    form.locator("button[type=submit]").click()
    _saved(page, "入户核查记录已保存。")


def _meeting(page: Page, shot: str = "") -> None:
    form = page.locator("[data-testid=meeting-form] form")
    form.locator("textarea[name=attendees]").fill("村两委成员、党员代表、村民代表共 9 人")
    form.locator("input[name=attendee_count]").fill("9")
    form.locator("select[name=result]").select_option(index=0)
    if shot:
        _shot(page, shot, "[data-testid=meeting-form]")
    form.locator("button[type=submit]").click()
    _saved(page, "民主评议记录已保存。")


def _follow_up(page: Page, app: LiveApp, household: int, day: dt.date,
               shot: str = "") -> None:
    from playwright.sync_api import expect

    month = f"{day:%Y-%m}"
    page.goto(f"{app.url}/assistance/households/{household}/follow-up/?month={month}")
    form = page.locator("[data-testid=follow-up-form]")
    expect(form.locator("input[name=month]")).to_have_value(month)
    # The prefilled 走访日期 does not show in the <input type=date> (see the report), so it is
    # picked as a cadre would.
    form.locator("input[name=visit_date]").fill(f"{day:%Y-%m-%d}")
    form.locator("input[name=cadre_name]").fill("村监测员")
    form.locator("input[name=income_change][value=same]").check()
    if shot:
        _shot(page, shot)
    page.click("[data-testid=follow-up-save]")
    expect(page.locator("[data-testid=form-error]")).to_have_count(0)
    expect(page.locator(".messages, .alert").first).to_contain_text(f"已登记 {month} 跟踪走访")


def test_one_household_from_declaration_to_risk_eliminated(app: LiveApp, browser: Browser) -> None:
    from playwright.sync_api import expect

    data = json.loads(_orm(app, SETUP).strip().splitlines()[-1])
    household = data["household"]

    # 1. Anyone (no login, on a phone): 农户自主申报, and a tracking code.
    with _as(browser, app, "", PHONE) as page:
        page.goto(f"{app.url}/monitoring/apply/")
        page.fill("#name", "申报甲")
        page.fill("#id_number", data["id_number"])
        page.select_option("#county", data["county"])
        expect(page.locator(f"#township option[value='{data['township']}']")).to_have_count(1)
        page.select_option("#township", data["township"])
        expect(page.locator(f"#village option[value='{data['village']}']")).to_have_count(1)
        page.select_option("#village", data["village"])
        page.fill("#phone", "13907390001")
        page.fill("#description", "妻子突发重病住院，医疗费用较大，担心返贫。")
        _no_overflow(page, "申报页")
        _shot(page, "01-declaration-form", "[data-testid=declaration-form]")
        page.click("[data-testid=declaration-form] button[type=submit]")
        code = page.locator("[data-testid=tracking-code]").inner_text().strip()
        assert code.startswith("SB"), code
        _shot(page, "02-declaration-code", "main")

    # 2. The village monitor, on a phone: the lead → a case → the village steps.
    with _as(browser, app, "village_monitor", PHONE) as page:
        page.goto(f"{app.url}/monitoring/leads/")
        row = page.locator("[data-testid=lead-table] tbody tr", has_text="申报甲")
        expect(row).to_have_count(1)
        _shot(page, "03-lead-inbox")
        row.locator("a").first.click()
        expect(page.locator("[data-testid=lead-summary]")).to_contain_text("申报甲")
        household_select = page.locator("[data-testid=lead-actions] select[name=household]")
        if household_select.count():
            household_select.select_option(str(household))
        page.click("[data-testid=lead-merge]")
        expect(page.locator("[data-testid=case-summary]")).to_contain_text("BROWSER-SB-01")
        case_url = page.url
        case_pk = int(case_url.rstrip("/").split("/")[-1])
        _status(page, "风险预警")
        _no_overflow(page, "案件页")
        _step(page, "start_check")
        _status(page, "入户核查")
        _visit(page, app, "村监测员, 驻村工作队员", authorization=True,
               shot="04-household-check")
        _step(page, "submit_check")
        _status(page, "信息比对")

    # 3. The county office: 信息比对.
    with _as(browser, app, "county_office") as page:
        page.goto(case_url)
        _step(page, "submit_comparison", "与医保、民政、人社数据比对：无异常。")
        _status(page, "民主评议")

    # 4. The village monitor: 民主评议 → 村级公示 (no objections) → 报乡镇审核.
    with _as(browser, app, "village_monitor", PHONE) as page:
        page.goto(case_url)
        _meeting(page, shot="05-meeting")
        _step(page, "start_notice")
        _status(page, "村级公示")
        expect(page.locator("[data-testid=notice]")).to_contain_text("没有异议")
        _shot(page, "06-notice", "[data-testid=notice]")
        _orm(app, END_NOTICE.format(pk=case_pk))  # the 公示 period has run its course
        page.reload()
        _step(page, "submit_notice")
        _status(page, "乡镇审核")

    # 5. The township station: 乡镇审核.
    with _as(browser, app, "town_station") as page:
        page.goto(case_url)
        if SHOTS:  # the note filled in, as the station sees it before pressing the button
            page.locator("[data-testid=steps] textarea[name=note]").first.fill("同意，报县审定。")
            _shot(page, "07-township-review", "main h1", "[data-testid=steps]")
        _step(page, "township_approve", "同意，报县审定。")
        _status(page, "县级审定")

    # 6. The county office: 县级审定 → 纳入, with a category and risk types.
    with _as(browser, app, "county_office") as page:
        page.goto(case_url)
        form = page.locator("[data-testid=steps] form",
                            has=page.locator("[data-testid=step-include]"))
        form.locator("select[name=category]").select_option(index=1)
        form.locator("input[name=risk_types]").first.check()
        if SHOTS:
            form.locator("textarea[name=note]").fill("经审定纳入监测。")
            _shot(page, "08-county-approval", "main h1", "[data-testid=steps]")
        _step(page, "include", "经审定纳入监测。")
        _status(page, MONITORING)

        # 7. 帮扶计划 with an adopted measure.
        page.goto(f"{app.url}/assistance/households/{household}/")
        page.click("[data-testid=plan-create]")
        expect(page.locator("[data-testid=plan]")).to_be_visible()
        adopt = page.locator("[data-testid^=adopt-]").first
        expect(adopt).to_be_visible()
        adopt.click()
        expect(page.locator("[data-testid=measures] tbody tr")).not_to_have_count(0)
        _shot(page, "09-assistance-plan", "main h1", "section:has([data-testid=measures])")

    # 8. The village monitor, on a phone: two monthly follow-ups (last month and this month).
    today = dt.datetime.now(tz=ZoneInfo(settings.TIME_ZONE)).date()  # the app's today
    last = (today.replace(day=1) - dt.timedelta(days=1))
    with _as(browser, app, "village_monitor", PHONE) as page:
        if SHOTS:
            page.goto(f"{app.url}/assistance/")
            expect(page.locator("[data-testid=due-cadre] li", has_text="BROWSER-SB-01")
                   ).to_have_count(1)
            _shot(page, "10-follow-up-due")
        _follow_up(page, app, household, last, shot="11-follow-up-form")
        _follow_up(page, app, household, today)
        visits = page.locator("[data-testid=visits] tbody tr")
        expect(visits).to_have_count(2)
        _no_overflow(page, "帮扶计划页")

        # 9. Risk elimination: 提出 → 入户核实 (two people) → 评议 → 公示 → 报乡镇审核.
        # The risk-elimination criteria require the case to have been 监测中 for
        # procedure.risk_elimination.income_stable_months months; it was included a moment ago,
        # so its 纳入日期 (included_on) is moved back through the ORM. Every other criterion is
        # met by the household as registered.
        _orm(app, BACKDATE_INCLUSION.format(pk=case_pk))
        page.goto(case_url)
        if SHOTS:  # the criteria table is wide: shown as on a desktop
            page.set_viewport_size(DESKTOP)
            _shot(page, "12-elimination-criteria", "[data-testid=elimination-criteria]")
            page.set_viewport_size(PHONE)
        form = page.locator("[data-testid=steps] form",
                            has=page.locator("[data-testid=step-propose_elimination]"))
        form.locator("select[name=elimination_kind]").select_option(index=0)
        _step(page, "propose_elimination", "收入稳定，帮扶措施落实，申请风险消除。")
        _status(page, "风险消除：入户核实")
        _visit(page, app, "村监测员, 驻村工作队员", authorization=False)
        _step(page, "submit_elim_check")
        _meeting(page)
        _step(page, "start_elim_notice")
        expect(page.locator("[data-testid=notice]")).to_contain_text("没有异议")
        _orm(app, END_NOTICE.format(pk=case_pk))
        page.reload()
        _step(page, "submit_elim_notice")

    # 10. Township, then county: 已标注风险消除.
    with _as(browser, app, "town_station") as page:
        page.goto(case_url)
        _step(page, "township_approve_elimination", "同意风险消除。")
    with _as(browser, app, "county_office") as page:
        page.goto(case_url)
        _step(page, "eliminate", "经审定标注风险消除。")
        _status(page, "已标注风险消除")
        expect(page.locator("[data-testid=steps]")).to_have_count(0)

        # 11. The timeline lists every transition, in order.
        rows = page.locator("[data-testid=case-timeline] tbody tr").all_inner_texts()
        _shot(page, "13-case-timeline", "section:has([data-testid=case-timeline])")
        page.screenshot(path=str(app.tmp / "case-eliminated.png"), full_page=True)
    elim = "风险消除："
    steps = [("风险预警", "入户核查"), ("入户核查", "信息比对"), ("信息比对", "民主评议"),
             ("民主评议", "村级公示"), ("村级公示", "乡镇审核"), ("乡镇审核", "县级审定"),
             ("县级审定", MONITORING), (MONITORING, f"{elim}入户核实"),
             (f"{elim}入户核实", f"{elim}民主评议"), (f"{elim}民主评议", f"{elim}村级公示"),
             (f"{elim}村级公示", f"{elim}乡镇审核"), (f"{elim}乡镇审核", f"{elim}县级审定"),
             (f"{elim}县级审定", "已标注风险消除")]
    # The applicant, with the tracking code only, sees the outcome.
    with _as(browser, app, "", PHONE) as page:
        page.goto(f"{app.url}/monitoring/apply/status/?code={code}")
        expect(page.locator("[data-testid=declaration-status]")).to_contain_text("已标注风险消除")

    texts = " | ".join(rows)
    moves = [row.split("\t")[3].strip() for row in rows]  # the 环节 column: "from → to"
    if moves and moves[-1].startswith("—"):
        moves.reverse()  # newest first on the page: compare in the order they happened
    assert moves[0] == "— → 风险预警", f"时间线应从转入案件开始：{texts}"
    assert moves[1:] == [f"{source} → {target}" for source, target in steps], \
        f"时间线没有按顺序列出每一步：{texts}"
