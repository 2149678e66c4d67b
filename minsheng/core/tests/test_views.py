"""The audit-log page (/audit/) and its export (/audit/export/): only the audit administrator
reads them; filters; the .xlsx; no way to edit or delete an event."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from python_calamine import CalamineWorkbook

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.testing import PASSWORD, PERSONAS

NOT_FOUND_TEXT = "未找到该对象，或您无权查看。"
BAD_RANGE = "起始日期不能晚于截止日期。"
HEADERS = ["时间", "操作人", "事件", "对象类型", "对象编号", "对象", "区划代码", "变更内容",
           "说明", "请求编号", "IP 地址"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OTHER_PERSONAS = sorted(set(PERSONAS) - {"audit_admin"})


@pytest.fixture
def trail(personas) -> dict[str, str]:
    """Sign-ins and failures through the web; returns the X-Request-ID of each request."""
    ids = {}
    for name in ("sec_admin", "county_office"):
        response = Client().post("/login/", {"username": name, "password": PASSWORD})
        assert response.status_code == 302
        ids[name] = response["X-Request-ID"]
    response = Client().post("/login/", {"username": "village_monitor", "password": "Wrong-1a"})
    ids["failure"] = response["X-Request-ID"]
    return ids


@pytest.fixture
def admin(trail, client_for) -> Client:
    return client_for("audit_admin")


def listed(response) -> list[AuditEvent]:
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def workbook_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    data = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


class AuditPageAccessTests:
    @pytest.mark.parametrize("name", OTHER_PERSONAS)
    @pytest.mark.parametrize("path", ["/audit/", "/audit/export/"])
    def test_is_404_when_the_reader_is_not_the_audit_administrator(self, client_for, name,
                                                                   path):
        response = client_for(name).get(path)
        assert response.status_code == 404
        assert NOT_FOUND_TEXT in response.content.decode()
        assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).exists()

    @pytest.mark.parametrize("path", ["/audit/", "/audit/export/"])
    def test_sends_to_the_login_page_when_anonymous(self, db, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={path}"

    def test_shows_the_events_when_the_audit_administrator_reads(self, admin):
        response = admin.get("/audit/")
        assert len(listed(response)) == AuditEvent.objects.count()
        page = response.content.decode()
        assert "审计记录只能追加，不能修改或删除" in page
        assert "登录成功" in page and "登录失败" in page


class AuditPageReadOnlyTests:
    def test_offers_no_form_that_writes_when_the_page_is_shown(self, admin):
        page = admin.get("/audit/").content.decode()
        post_forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>", page, re.I)
        assert post_forms == ['<form method="post" action="/logout/">']  # the shell's 退出
        assert not re.search(r"hx-(post|put|patch|delete)", page)

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    @pytest.mark.parametrize("path", ["/audit/", "/audit/export/"])
    def test_is_405_when_the_method_would_write(self, admin, method, path):
        before = AuditEvent.objects.count()
        assert getattr(admin, method)(path).status_code == 405
        assert AuditEvent.objects.count() == before

    @pytest.mark.parametrize("path", ["/audit/1/", "/audit/1/delete/", "/audit/1/edit/"])
    def test_has_no_route_when_an_event_is_addressed_for_change(self, path):
        with pytest.raises(Resolver404):
            resolve(path)


class AuditPageFilterTests:
    def test_keeps_to_the_actor_when_filtered_by_actor(self, admin):
        events = listed(admin.get("/audit/", {"actor": "sec_admin"}))
        assert events and {e.actor_username for e in events} == {"sec_admin"}
        assert len(events) == AuditEvent.objects.filter(actor_username="sec_admin").count()

    def test_keeps_to_the_event_type_when_filtered_by_event_type(self, admin):
        events = listed(admin.get("/audit/", {"event_type": "LOGIN_FAILED"}))
        assert [(e.event_type, e.actor_username) for e in events] == [
            ("LOGIN_FAILED", "village_monitor")]

    def test_shows_one_request_when_filtered_by_request_id(self, admin, trail):
        events = listed(admin.get("/audit/", {"request_id": trail["county_office"]}))
        assert [(e.event_type, e.actor_username) for e in events] == [
            ("LOGIN_SUCCEEDED", "county_office")]

    def test_shows_todays_events_when_the_range_covers_today(self, admin):
        today = timezone.localdate()
        events = listed(admin.get("/audit/", {"date_from": today, "date_to": today}))
        assert len(events) == AuditEvent.objects.count()

    @pytest.mark.parametrize("days_from, days_to", [(None, -1), (1, None), (-3, -1)])
    def test_shows_nothing_when_the_range_misses_today(self, admin, days_from, days_to):
        today = timezone.localdate()
        query = {key: today + dt.timedelta(days=days) for key, days in
                 (("date_from", days_from), ("date_to", days_to)) if days is not None}
        response = admin.get("/audit/", query)
        assert listed(response) == []
        assert "没有符合条件的审计记录。" in response.content.decode()

    def test_combines_the_filters_when_several_are_given(self, admin, trail):
        today = timezone.localdate()
        events = listed(admin.get("/audit/", {"actor": "county_office",
                                              "event_type": "LOGIN_SUCCEEDED",
                                              "date_from": today, "date_to": today}))
        assert [e.request_id for e in events] == [trail["county_office"]]

    def test_shows_the_chinese_error_and_no_events_when_the_range_is_reversed(self, admin):
        today = timezone.localdate()
        response = admin.get("/audit/", {"date_from": today, "date_to": today - dt.timedelta(1)})
        assert BAD_RANGE in response.content.decode()
        assert listed(response) == []

    def test_shows_the_chinese_error_when_the_region_code_is_not_digits(self, admin):
        response = admin.get("/audit/", {"region_code": "43ab"})
        assert "区划代码只能包含数字。" in response.content.decode()
        assert listed(response) == []

    def test_pages_by_the_configured_size_when_there_are_many_events(self, admin, settings):
        settings.PAGE_SIZE = 10
        total = AuditEvent.objects.count()
        assert total > 10
        response = admin.get("/audit/", {"page": 2})
        assert len(listed(response)) == min(10, total - 10)
        assert f"共 {total} 条" in response.content.decode()


class AuditExportTests:
    def test_downloads_an_xlsx_with_chinese_headers_when_the_audit_administrator_exports(
            self, admin):
        response = admin.get("/audit/export/")
        disposition = unquote(response["Content-Disposition"])
        assert disposition.startswith("attachment;") and "审计日志-" in disposition
        rows = workbook_rows(response)
        assert rows[0] == HEADERS
        assert len(rows) - 1 == AuditEvent.objects.exclude(
            event_type=AuditEventType.EXPORTED).count()

    def test_writes_only_matching_rows_when_filtered_by_event_type(self, admin):
        rows = workbook_rows(admin.get("/audit/export/", {"event_type": "LOGIN_SUCCEEDED"}))
        body = rows[1:]
        assert {row[2] for row in body} == {"登录成功"}
        assert sorted(row[1] for row in body) == ["audit_admin", "county_office", "sec_admin"]

    def test_writes_the_event_fields_when_one_request_is_exported(self, admin, trail, personas):
        rows = workbook_rows(admin.get("/audit/export/", {"request_id": trail["failure"]}))
        user = personas["village_monitor"]
        assert len(rows) == 2
        time, actor, label, subject_type, subject_id, subject, region, changes, note, \
            request_id, ip = rows[1]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", time)
        assert (actor, label, subject_type, subject_id, subject) == (
            "village_monitor", "登录失败", "core.user", str(user.pk), "village_monitor（村监测员）")
        assert (region, changes, note, request_id, ip) == (
            "", "", "密码错误（连续第 1 次）", trail["failure"], "127.0.0.1")

    def test_records_exported_with_actor_filters_and_request_id_when_downloaded(self, admin,
                                                                                 personas):
        response = admin.get("/audit/export/", {"actor": "sec_admin"})
        rows = workbook_rows(response)
        event = AuditEvent.objects.get(event_type=AuditEventType.EXPORTED)
        assert (event.actor_id, event.actor_username) == (personas["audit_admin"].pk,
                                                          "audit_admin")
        assert event.subject_type == "core.auditevent"
        assert event.request_id == response["X-Request-ID"]
        assert event.extra == {"filters": {"actor": "sec_admin"}, "rows": len(rows) - 1}
        assert event.note == f"导出审计日志 {len(rows) - 1} 条"

    def test_refuses_with_the_chinese_error_when_the_range_is_reversed(self, admin):
        today = timezone.localdate()
        response = admin.get("/audit/export/", {"date_from": today,
                                                "date_to": today - dt.timedelta(days=1)})
        assert response.status_code == 400
        assert BAD_RANGE in response.content.decode()
        assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).exists()
