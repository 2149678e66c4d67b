"""Reads for regions and accounts, always starting from the actor's scope."""

from __future__ import annotations

from typing import Any

from django.db import models

from minsheng.core.errors import NotFound
from minsheng.core.models import User
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region, RegionAssignment
from minsheng.regions.scoping import holds_perm, scope_bounds


def region_get(*, actor: Any, code: str) -> Region:
    """A region in the actor's scope, else NotFound (an out-of-scope code looks nonexistent)."""
    code = (code or "").strip()
    if len(code) in (2, 4, 6, 9) and code.isdigit():
        code = code.ljust(12, "0")
    return Region.objects.get_visible(actor, "view", code=code)


def region_children(*, actor: Any, parent: Region) -> models.QuerySet[Region]:
    return Region.objects.visible_to(actor).filter(parent=parent).order_by("code")


def region_roots(*, actor: Any) -> list[Region]:
    """The actor's assigned regions that are not inside another assigned region."""
    visible = Region.objects.visible_to(actor)
    assigned = list(
        visible.filter(assignments__user_id=getattr(actor, "pk", None)).distinct().order_by("code")
    )
    return [r for r in assigned if not any(o is not r and o.contains(r) for o in assigned)]


def region_counts(*, actor: Any, within: Region | None = None) -> dict[int, int]:
    """How many visible regions of each level lie in ``within`` (or in the whole scope)."""
    qs = Region.objects.visible_to(actor)
    if within is not None:
        qs = qs.within(within)
    counts = dict(qs.values_list("level").annotate(n=models.Count("code")).order_by())
    return {level: counts.get(level, 0) for level in RegionLevel.values}


def region_search(*, actor: Any, text: str, limit: int = 20) -> list[Region]:
    text = (text or "").strip()
    if not text:
        return []
    qs = Region.objects.visible_to(actor)
    qs = qs.filter(code__startswith=text) if text.isdigit() else qs.filter(name__contains=text)
    return list(qs.order_by("level", "code")[:limit])


def _inside_q(actor: Any, field: str) -> models.Q | None:
    bounds = scope_bounds(actor)
    if not bounds:
        return None
    q = models.Q()
    for lo, hi in bounds:
        q |= models.Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return q


def account_list(*, actor: Any, action: str = "view") -> models.QuerySet[User]:
    """Accounts all of whose regions lie inside the actor's scope (fails closed)."""
    if not holds_perm(actor, f"core.{action}_user"):
        return User.objects.none()
    inside = _inside_q(actor, "region_id")
    if inside is None:
        return User.objects.none()
    outside = RegionAssignment.objects.exclude(inside).values("user_id")
    return (
        User.objects.filter(region_assignments__isnull=False)
        .exclude(pk__in=outside)
        .distinct()
        .order_by("username")
    )


def account_get(*, actor: Any, pk: Any, action: str = "view") -> User:
    user = account_list(actor=actor, action=action).filter(pk=pk).first()
    if user is None:
        raise NotFound()
    return user


def account_regions(user: User) -> list[Region]:
    return list(Region.objects.filter(assignments__user=user).order_by("code"))
