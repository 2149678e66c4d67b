"""Training pages: render in scope, 404 without the permission, forms write through services."""

from __future__ import annotations

import pytest

from minsheng.employment.training.models import Course, TrainingDemand
from minsheng.employment.training.tests.fixtures import demand_year, hand_computed_year
from minsheng.testing import COUNTY_A, VILLAGE_A

pytestmark = pytest.mark.django_db


def test_pages_render(client_for, personas, member):
    made = hand_computed_year(personas, member)
    demand_year(personas, member)
    client = client_for("county_office")
    course = made["courses"][0]
    for url in ("/employment/training/", f"/employment/training/courses/{course.pk}/",
                "/employment/training/demand/?year=2026", "/employment/training/outcomes/",
                "/employment/training/courses/new/"):
        assert client.get(url).status_code == 200, url
    outcomes = client.get("/employment/training/outcomes/").content.decode()
    assert "80.0%" in outcomes and "66.7%" in outcomes
    export = client.get("/employment/training/outcomes.xlsx")
    assert export.status_code == 200
    assert client_for("village_monitor").get(
        "/employment/training/outcomes.xlsx").status_code == 404
    assert client_for("liaison").get("/employment/training/").status_code == 404
    assert "职业技能培训" in client.get("/employment/").content.decode()


def test_create_course_and_demand_through_forms(client_for, personas, member):
    client = client_for("county_office")
    response = client.post("/employment/training/courses/new/", {
        "region": COUNTY_A, "name": "电工培训班", "trade": "电工", "provider": "邵阳技师学院",
        "start_date": "2026-05-01", "end_date": "2026-05-20", "capacity": "3",
        "subsidy_per_trainee": "1200", "status": "planned"})
    course = Course.objects.get()
    assert response.status_code == 302 and course.capacity == 3
    village = client_for("village_monitor")
    village.post(f"/employment/training/courses/{course.pk}/enrol/",
                 {"member": member("甲").pk})
    assert course.enrolments.count() == 1
    village.post("/employment/training/demand/", {"year": "2026", "region": VILLAGE_A,
                                                  "trade": "电工", "headcount": "4",
                                                  "version": "0"})
    assert TrainingDemand.objects.get().headcount == 4
    bad = client.post("/employment/training/courses/new/", {"region": COUNTY_A, "name": ""})
    assert "请填写培训班名称" in bad.content.decode()


def test_village_monitor_pages(client_for, personas, member):
    made = hand_computed_year(personas, member)
    client = client_for("village_monitor")
    page = client.get(f"/employment/training/courses/{made['courses'][0].pk}/").content.decode()
    assert "甲" in page and "戊" not in page  # 戊 lives in 石湾社区
    assert client.get("/employment/training/courses/new/").status_code == 404
    assert client.get("/employment/training/outcomes/").status_code == 200
