"""Web pages of 公益性岗位: pages render in scope, 404 out of scope, forms write through
the services, the payroll export downloads."""

from __future__ import annotations

import pytest

from minsheng.employment.publicposts.models import Appointment, Post
from minsheng.employment.publicposts.tests.fixtures import MONTH, hand_computed_month, make_post
from minsheng.testing import TOWNSHIP_A, VILLAGE_A, VILLAGE_C

pytestmark = pytest.mark.django_db


def test_pages_render_for_the_county(client_for, personas, member):
    hand_computed_month(personas, member)
    client = client_for("county_office")
    post = Post.objects.get(name="大岭保洁员")
    for url in ("/employment/posts/", f"/employment/posts/{post.pk}/",
                f"/employment/posts/attendance/?month={MONTH}",
                f"/employment/posts/payroll/?month={MONTH}&region={TOWNSHIP_A}"):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/employment/posts/payroll/?month={MONTH}&region={TOWNSHIP_A}")
    assert "合计 <strong>1281.82</strong> 元" in page.content.decode()
    assert "公益性岗位" in client.get("/employment/").content.decode()


def test_out_of_scope_post_is_404(client_for, personas):
    post = make_post(personas["county_office"], VILLAGE_C, "四峰护林员", "forest", 1)
    assert client_for("village_monitor").get(f"/employment/posts/{post.pk}/").status_code == 404
    assert client_for("liaison").get("/employment/posts/").status_code == 404


def test_create_post_check_and_appoint(client_for, personas, member):
    client = client_for("county_office")
    response = client.post("/employment/posts/", {"region": VILLAGE_A, "post_type": "cleaning",
                                                  "name": "大岭保洁员", "quota": "1"})
    post = Post.objects.get()
    assert response.status_code == 302
    form = {"member": member("丁").pk, "start_date": "2026-11-01", "end_date": "2027-10-31"}
    check = client.post(f"/employment/posts/{post.pk}/", {**form, "action": "check"})
    assert "不符合安置条件" in check.content.decode()
    assert not Appointment.objects.exists()
    client.post(f"/employment/posts/{post.pk}/", {**form, "action": "appoint",
                                                  "cannot_go_out": "1",
                                                  "cannot_go_out_reason": "照料病人"})
    assert Appointment.objects.get().member_id == member("丁").pk


def test_attendance_form_and_payroll_export(client_for, personas, member):
    made = hand_computed_month(personas, member)
    client = client_for("township_station")
    a = made["appointments"][0]
    client.post("/employment/posts/attendance/", {
        "month": MONTH, "appointment": a.pk, "days_required": "22", "days_present": "22",
        "version": made["attendance"]["甲"].version})
    response = client.get(f"/employment/posts/payroll.xlsx?month={MONTH}&region={TOWNSHIP_A}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert client_for("village_monitor").get(
        f"/employment/posts/payroll.xlsx?month={MONTH}&region={VILLAGE_A}").status_code == 404


def test_village_monitor_pages(client_for, personas, member):
    hand_computed_month(personas, member)
    client = client_for("village_monitor")
    post = Post.objects.get(name="大岭保洁员")
    page = client.get(f"/employment/posts/{post.pk}/").content.decode()
    assert "甲" in page and "appoint-form" not in page
    sheet = client.get(f"/employment/posts/attendance/?month={MONTH}").content.decode()
    assert "甲" in sheet and "戊" not in sheet
    assert client.get("/employment/posts/payroll/").status_code == 404
