"""Writes of policy data: stored rule determinations (判定记录)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from minsheng.core.errors import NotFound
from minsheng.policy.models import Determination


def determination_record(*, household_id: int, on: dt.date,
                         source: str = "") -> list[Determination]:
    """Evaluate every rule for one household with the parameters in force for its village on
    ``on``, and store one ``Determination`` per rule (rule version, reasons, the parameter
    snapshots with their references, and the facts), all in one transaction.

    Determinations are append-only: a new evaluation adds rows, it never changes old ones.
    """
    from minsheng.policy import rules

    facts = rules.household_facts([household_id]).get(household_id)
    if facts is None:
        raise NotFound("农户不存在。")
    outcomes = rules.evaluate(facts, on=on, region_code=facts.region_code)
    snapshot = facts.snapshot()
    rows = [
        Determination(
            household_id=household_id, region_code=facts.region_code, rule_id=outcome.rule_id,
            rule_version=outcome.rule_version, on=on, status=outcome.status,
            reasons=[reason.as_json() for reason in outcome.reasons],
            parameters=outcome.parameters, facts=snapshot, source=source)
        for outcome in outcomes
    ]
    with transaction.atomic():
        return Determination.objects.bulk_create(rows)
