"""API of 公益性岗位: scope (404), read-only roles (403), versions (409), Chinese errors."""

from __future__ import annotations

import pytest

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment.publicposts.tests.fixtures import MONTH, hand_computed_month, make_post
from minsheng.testing import VILLAGE_A, VILLAGE_C

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_anonymous_is_401(client, personas):
    assert client.get("/api/v1/public-posts").status_code == 401


def test_list_is_scoped(api_client_for, personas):
    county = personas["county_office"]
    make_post(county, VILLAGE_A, "大岭保洁员")
    make_post(county, VILLAGE_C, "四峰护林员", "forest", 1)
    body = api_client_for("village_monitor").get("/api/v1/public-posts").json()
    assert [i["name"] for i in body["items"]] == ["大岭保洁员"]
    assert body["items"][0]["vacancies"] == 2
    assert api_client_for("county_office").get("/api/v1/public-posts").json()["count"] == 2
    assert api_client_for("outsider").get("/api/v1/public-posts").json()["count"] == 0


def test_detail_out_of_scope_is_404(api_client_for, personas):
    post = make_post(personas["county_office"], VILLAGE_C, "四峰护林员", "forest", 1)
    response = api_client_for("village_monitor").get(f"/api/v1/public-posts/{post.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该对象，或您无权查看。"}


def test_create_post_and_read_only_roles(api_client_for, personas):
    data = {"region": VILLAGE_A, "post_type": "cleaning", "name": "大岭保洁员", "quota": 2}
    assert api_client_for("auditor").post("/api/v1/public-posts", data,
                                          content_type=JSON).status_code == 403
    assert api_client_for("village_monitor").post("/api/v1/public-posts", data,
                                                  content_type=JSON).status_code == 403
    created = api_client_for("county_office").post("/api/v1/public-posts", data,
                                                   content_type=JSON)
    assert created.status_code == 201, created.content
    assert created.json()["in_post"] == 0


def test_eligibility_then_appointment_then_stale_exit(api_client_for, personas, member):
    post = make_post(personas["county_office"], VILLAGE_A, "大岭保洁员")
    client = api_client_for("county_office")
    base = {"start_date": "2026-11-01", "end_date": "2027-10-31"}
    check = client.post(f"/api/v1/public-posts/{post.pk}/eligibility",
                        {**base, "member_id": member("丁").pk}, content_type=JSON).json()
    assert check["eligible"] is False and check["failed"] == ["capacity"]
    refused = client.post(f"/api/v1/public-posts/{post.pk}/appointments",
                          {**base, "member_id": member("丁").pk}, content_type=JSON)
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("丁不符合安置条件：劳动技能为「普通劳动力」")
    ok = client.post(f"/api/v1/public-posts/{post.pk}/appointments",
                     {**base, "member_id": member("甲").pk}, content_type=JSON)
    assert ok.status_code == 200 and ok.json()["in_post"] == 1
    appointment = ok.json()["appointments"][0]
    assert appointment["bank_account"].startswith("6217") and "*" in appointment["bank_account"]
    stale = client.post(f"/api/v1/public-post-appointments/{appointment['id']}/exit",
                        {"exit_date": "2026-11-20", "reason": "resigned",
                         "version": appointment["version"] + 1}, content_type=JSON)
    assert stale.status_code == 409
    assert api_client_for("auditor").post(
        f"/api/v1/public-post-appointments/{appointment['id']}/exit",
        {"exit_date": "2026-11-20", "reason": "resigned", "version": 1},
        content_type=JSON).status_code == 403


def test_attendance_and_payroll(api_client_for, personas, member):
    made = hand_computed_month(personas, member)
    client = api_client_for("township_station")
    a = made["appointments"][0]
    row = made["attendance"]["甲"]
    put = client.put(f"/api/v1/public-post-appointments/{a.pk}/attendance/{MONTH}",
                     {"days_required": 22, "days_present": 11, "version": row.version},
                     content_type=JSON)
    assert put.status_code == 200 and put.json()["amount"] == "300.00"
    payroll = client.get(f"/api/v1/public-posts/payroll?month={MONTH}&region=430523100").json()
    assert payroll["total"] == "981.82"  # 300.00 + 272.73 + 409.09
    assert [r["name"] for r in payroll["rows"]] == ["甲", "丁", "戊"]
    assert api_client_for("village_monitor").get(
        f"/api/v1/public-posts/payroll?month={MONTH}&region=430523101").status_code == 404
    assert AuditEvent.objects.filter(event_type=AuditEventType.EMPLOYMENT_UPDATED,
                                     subject_type="publicposts.attendance").count() == 5


def test_list_query_count_does_not_grow_with_posts(api_client_for, personas, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    county = personas["county_office"]
    client = api_client_for("county_office")
    make_post(county, VILLAGE_A, "大岭保洁员")
    client.get("/api/v1/public-posts")  # the token's first use is written once
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/public-posts")
    for i in range(3):
        make_post(county, VILLAGE_C, f"四峰岗位{i}")
    with CaptureQueriesContext(connection) as four:
        assert client.get("/api/v1/public-posts").json()["count"] == 4
    assert len(four.captured_queries) == len(one.captured_queries)
