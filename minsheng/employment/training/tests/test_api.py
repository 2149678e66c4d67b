"""Training API: scope (404), read-only roles (403), versions (409), the shares."""

from __future__ import annotations

import pytest

from minsheng.employment.training.tests.fixtures import demand_year, hand_computed_year
from minsheng.testing import COUNTY_A, VILLAGE_A

pytestmark = pytest.mark.django_db
JSON = "application/json"
COURSE = {"region": COUNTY_A, "name": "电工培训班", "trade": "电工", "provider": "邵阳技师学院",
          "start_date": "2026-05-01", "end_date": "2026-05-20", "capacity": 2,
          "subsidy_per_trainee": "1200"}


def test_anonymous_is_401(client, personas):
    assert client.get("/api/v1/training-courses").status_code == 401


def test_create_course_roles(api_client_for, personas):
    assert api_client_for("auditor").post("/api/v1/training-courses", COURSE,
                                          content_type=JSON).status_code == 403
    assert api_client_for("township_station").post("/api/v1/training-courses", COURSE,
                                                   content_type=JSON).status_code == 403
    created = api_client_for("county_office").post("/api/v1/training-courses", COURSE,
                                                   content_type=JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["subsidy_per_trainee"], body["enrolments"]) == ("1200.00", [])
    assert api_client_for("outsider").get(
        f"/api/v1/training-courses/{body['id']}").status_code == 404
    assert api_client_for("village_monitor").get(
        f"/api/v1/training-courses/{body['id']}").status_code == 200
    stale = api_client_for("county_office").put(
        f"/api/v1/training-courses/{body['id']}", {**COURSE, "version": 9}, content_type=JSON)
    assert stale.status_code == 409


def test_enrol_complete_and_outcome(api_client_for, personas, member):
    county = api_client_for("county_office")
    course = county.post("/api/v1/training-courses", COURSE, content_type=JSON).json()
    enrolled = api_client_for("village_monitor").post(
        f"/api/v1/training-courses/{course['id']}/enrolments", {"member_id": member("甲").pk},
        content_type=JSON)
    assert enrolled.status_code == 200, enrolled.content
    e = enrolled.json()["enrolments"][0]
    assert e["id_number"].count("*") == 8
    assert api_client_for("village_monitor").post(
        f"/api/v1/training-courses/{course['id']}/enrolments", {"member_id": member("己").pk},
        content_type=JSON).status_code == 404
    done = county.post(f"/api/v1/training-enrolments/{e['id']}/completion",
                       {"completed_on": "2026-05-20", "certificate_type": "专项职业能力证书",
                        "certificate_no": "ZX1", "version": e["version"]}, content_type=JSON)
    assert done.status_code == 200 and done.json()["check_3m_month"] == "2026-08"
    outcome = county.post(f"/api/v1/training-enrolments/{e['id']}/outcome",
                          {"months": 3, "employed": True, "version": done.json()["version"]},
                          content_type=JSON)
    assert outcome.status_code == 200 and outcome.json()["source_3m"] == "manual"
    assert api_client_for("auditor").post(
        f"/api/v1/training-enrolments/{e['id']}/drop", {"version": 1},
        content_type=JSON).status_code == 403


def test_outcomes_and_menu(api_client_for, personas, member):
    hand_computed_year(personas, member)
    demand_year(personas, member)
    body = api_client_for("auditor").get("/api/v1/training-courses/outcomes").json()
    assert (body["total"]["completed"], body["total"]["share"]) == (5, "80.0")
    menu = api_client_for("county_office").get("/api/v1/training-demands/menu?year=2026").json()
    assert menu["rows"][0] == {"trade": "电工", "headcount": 8, "villages": 2, "courses": 2,
                               "places": 5}
    put = api_client_for("village_monitor").put(
        "/api/v1/training-demands", {"region": VILLAGE_A, "year": 2026, "trade": "电工",
                                     "headcount": 7, "version": 1}, content_type=JSON)
    assert put.status_code == 200 and put.json()["headcount"] == 7
    assert api_client_for("auditor").put(
        "/api/v1/training-demands", {"region": VILLAGE_A, "year": 2026, "trade": "电工",
                                     "headcount": 7, "version": 2},
        content_type=JSON).status_code == 403


def test_course_list_query_count_does_not_grow(api_client_for, personas, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for("county_office")
    client.post("/api/v1/training-courses", COURSE, content_type=JSON)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/training-courses")
    for i in range(3):
        client.post("/api/v1/training-courses", {**COURSE, "name": f"班{i}"}, content_type=JSON)
    with CaptureQueriesContext(connection) as four:
        assert client.get("/api/v1/training-courses").json()["count"] == 4
    assert len(four.captured_queries) == len(one.captured_queries)
