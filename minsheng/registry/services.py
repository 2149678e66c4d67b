"""Writes to the household registry (农户台账)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEventType, User
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope
from minsheng.registry.models import Household

_FIELDS = ("household_no", "region", "head_name", "archived")


def household_register(*, actor: User, household_no: str, region_code: str,
                       head_name: str) -> Household:
    """Register a household in a village within the actor's scope (登记农户)."""
    if not actor.has_perm("registry.add_household"):
        raise PermissionDenied()
    region = Region.objects.filter(code=region_code).first()
    if region is None or not code_in_scope(actor, region.code):
        raise NotFound("所选村不存在或不在您的管辖范围内。")
    if region.level != RegionLevel.VILLAGE:
        raise InvalidInput("农户只能登记在村（社区）一级。")
    household = Household(household_no=household_no.strip(), region=region,
                          head_name=head_name.strip())
    try:
        household.full_clean()
    except ValidationError as exc:
        raise InvalidInput("；".join(exc.messages)) from exc
    with transaction.atomic():
        household.save()
        after = snapshot(household, _FIELDS)
        record_event(actor=actor, event_type=AuditEventType.HOUSEHOLD_REGISTERED,
                     subject=household, region_code=region.code,
                     changes={k: [None, v] for k, v in after.items()})
    return household
