"""The demo hook for training and 公益性岗位: valid data through the real rules, idempotent."""

from __future__ import annotations

import pytest

from minsheng.employment.publicposts.demo import demo_training_posts_generate
from minsheng.employment.publicposts.models import Appointment, Attendance, Post
from minsheng.employment.training.models import Course, Enrolment
from minsheng.testing import COUNTY_A

pytestmark = pytest.mark.django_db


def test_generates_once(households):
    report = demo_training_posts_generate(county_code=COUNTY_A, seed=7)
    assert (report.courses, report.posts) == (3, 6)  # three villages with 脱贫户, two posts each
    assert report.enrolments == Enrolment.objects.count() > 0
    assert report.appointments == Appointment.objects.count() >= 1
    assert all(a.eligibility["eligible"] for a in Appointment.objects.all())
    # One post per household, and each appointment has the last two months' attendance.
    households_on_posts = list(Appointment.objects.values_list("household_id", flat=True))
    assert len(households_on_posts) == len(set(households_on_posts))
    assert Attendance.objects.count() == 2 * report.appointments == report.attendance
    assert all(0 <= a.amount <= 600 for a in Attendance.objects.all())
    again = demo_training_posts_generate(county_code=COUNTY_A, seed=7)
    assert (again.courses, again.posts, again.appointments) == (0, 0, 0)
    assert (Course.objects.count(), Post.objects.count()) == (3, 6)
