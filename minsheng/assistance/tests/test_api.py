"""API: /api/v1/assistance-plans… and /api/v1/follow-ups… with the services' rules."""

from __future__ import annotations

import json

from django.utils import timezone

TODAY = timezone.localdate()
MONTH = f"{TODAY:%Y-%m}"


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


def test_plan_create_detail_list(api_client_for, households):
    station = api_client_for("township_station")
    response = _post(station, "/api/v1/assistance-plans", {
        "household_id": households["none"].pk, "responsible_name": "陈干部",
        "responsible_phone": "13800001234", "adopt_suggestions": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["responsible_phone"] == "138****1234"
    assert {m["measure_type"] for m in body["measures"]} >= {"dibao", "tekun"}
    assert all(s["adopted"] for s in body["suggestions"])
    again = _post(station, "/api/v1/assistance-plans", {"household_id": households["none"].pk})
    assert again.status_code == 409 and "执行中" in again.json()["detail"]
    listing = api_client_for("auditor").get("/api/v1/assistance-plans").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"]
    assert api_client_for("outsider").get(
        f"/api/v1/assistance-plans/{body['id']}").status_code == 404


def test_roles_on_api(api_client_for, households, plan):
    response = _post(api_client_for("village_monitor"), "/api/v1/assistance-plans",
                     {"household_id": households["weak"].pk})
    assert response.status_code == 403 and "权限" in response.json()["detail"]
    response = _post(api_client_for("auditor"), f"/api/v1/assistance-plans/{plan.pk}/measures",
                     {"measure_type": "industry"})
    assert response.status_code == 403


def test_measures_adopt_update_conflict(api_client_for, households, plan):
    monitor = api_client_for("village_monitor")
    response = _post(monitor, f"/api/v1/assistance-plans/{plan.pk}/measures",
                     {"measure_type": "education", "adopt": True})
    assert response.status_code == 201, response.content
    measure = response.json()
    assert "雨露计划" in measure["suggested_reason"] and measure["continues_after_elimination"]
    url = f"/api/v1/assistance-plans/measures/{measure['id']}"
    ok = _patch(monitor, url, {"version": 1, "status": "in_progress", "amount": "1500"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = _patch(monitor, url, {"version": 1, "amount": "1"})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    bad = _post(monitor, f"/api/v1/assistance-plans/{plan.pk}/measures",
                {"measure_type": "nonsense"})
    assert bad.status_code == 400 and "未知的帮扶措施类型" in bad.json()["detail"]
    detail = monitor.get(f"/api/v1/assistance-plans/{plan.pk}").json()
    assert [m["measure_type"] for m in detail["continuing"]] == ["education"]


def test_plan_update_and_close(api_client_for, personas, households, plan):
    county = api_client_for("county_office")
    url = f"/api/v1/assistance-plans/{plan.pk}"
    response = _patch(county, url, {"version": plan.version, "responsible_name": "周某"})
    assert response.status_code == 200 and response.json()["responsible_name"] == "周某"
    closed = _post(county, f"{url}/close", {"version": 2, "reason": "风险消除"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_follow_ups(api_client_for, households, plan):
    monitor = api_client_for("village_monitor")
    prefill = monitor.get(f"/api/v1/follow-ups/prefill?household_id={plan.household_id}")
    assert prefill.status_code == 200 and prefill.json()["cadre_name"] == "刘干部"
    due = monitor.get("/api/v1/follow-ups/due?mine=true").json()
    assert [d["household_id"] for d in due] == [plan.household_id]
    response = _post(monitor, "/api/v1/follow-ups", {
        "household_id": plan.household_id, "month": MONTH, "visit_date": TODAY.isoformat(),
        "income_change": "down", "problems": "务工中断"})
    assert response.status_code == 201, response.content
    visit = response.json()
    again = _post(monitor, "/api/v1/follow-ups", {
        "household_id": plan.household_id, "month": MONTH, "visit_date": TODAY.isoformat(),
        "income_change": "same"})
    assert again.status_code == 409
    assert monitor.get("/api/v1/follow-ups/due?mine=true").json() == []
    listing = api_client_for("auditor").get(f"/api/v1/follow-ups?month={MONTH}").json()
    assert listing["count"] == 1 and listing["items"][0]["problems"] == "务工中断"
    assert api_client_for("outsider").get(
        f"/api/v1/follow-ups/{visit['id']}").status_code == 404
    bad = _post(monitor, "/api/v1/follow-ups", {
        "household_id": households["weak"].pk, "month": "2025-13", "visit_date": "2025-12-01",
        "income_change": "same"})
    assert bad.status_code == 400 and "月份" in bad.json()["detail"]
