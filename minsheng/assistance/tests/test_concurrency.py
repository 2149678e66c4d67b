"""Two people at once (PostgreSQL, threads): one plan per household, one change per version,
one visit per month — the other gets a clear conflict and nothing is applied twice."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from minsheng.assistance import services
from minsheng.assistance.models import AssistancePlan, FollowUpVisit, PlanMeasure
from minsheng.core.errors import Conflict
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.registry.services import household_register
from minsheng.registry.testing import member_data
from minsheng.testing import VILLAGE_A, race

TODAY = timezone.localdate()


@pytest.mark.django_db(transaction=True)
def test_double_writes_apply_once(allow_audit_flush, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are tested on PostgreSQL")
    from minsheng.testing import create_personas, load_mini_tree

    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_mini_tree()
    # An earlier transactional test's flush may have emptied the seeded catalogue.
    from minsheng.assistance.catalogue import CATALOGUE
    from minsheng.assistance.models import MeasureType

    for code, name, kind, months, until, order in CATALOGUE:
        MeasureType.objects.update_or_create(code=code, defaults={
            "name": name, "kind": kind, "default_months": months, "continues_until": until,
            "sort_order": order})
    personas = create_personas()
    household = household_register(actor=personas["county_office"], household_no="RACE1",
                                   region_code=VILLAGE_A,
                                   members=[member_data("赛跑", TODAY.replace(year=1980), 1)])
    station, county = personas["township_station"], personas["county_office"]

    created = race(lambda actor: services.plan_create(actor=actor, household=household),
                    [station, county])
    assert len([o for o in created if isinstance(o, Conflict)]) == 1
    assert AssistancePlan.objects.filter(household=household).count() == 1

    plan = AssistancePlan.objects.get(household=household)
    measure = services.measure_add(actor=station, plan=plan, measure_type="industry",
                                   start_date=TODAY)
    changed = race(lambda actor: services.measure_update(actor=actor, measure=measure,
                                                          version=1, amount="100"),
                    [station, county])
    conflicts = [o for o in changed if isinstance(o, Conflict)]
    assert len(conflicts) == 1 and "已被他人修改" in conflicts[0].message
    assert PlanMeasure.objects.get(pk=measure.pk).version == 2

    visited = race(lambda actor: services.visit_record(
        actor=actor, household=household, month=f"{TODAY:%Y-%m}", visit_date=TODAY,
        income_change="same"), [station, county])
    assert len([o for o in visited if isinstance(o, Conflict)]) == 1
    assert FollowUpVisit.objects.filter(household=household).count() == 1
    assert AuditEvent.objects.filter(event_type=AuditEventType.FOLLOW_UP_RECORDED).count() == 1
