"""The single scoping implementation: ``Model.objects.visible_to(actor, action)``.

A scoped model declares how it reaches a region with ``region_path`` (``""`` for Region itself,
``"region"`` for a model with a ``region`` foreign key, ``"household__region"`` further down).
It may name ``permission_model`` when its permissions are its parent's (a member is viewed and
changed under ``registry.view_household`` / ``change_household``), and it may declare
``department_field`` so that a 部门联络员 sees only its department's rows.

It fails closed: an anonymous or inactive actor, an actor without the model permission for the
action, or one with no region assignment sees nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.apps import apps
from django.db import models

from minsheng.core.errors import NotFound

M = TypeVar("M", bound=models.Model)

_CACHE_ATTR = "_minsheng_scope_bounds"


def scope_bounds(actor: Any) -> list[tuple[str, str]]:
    """The code ranges of the actor's assigned subtrees, cached on the actor object."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is None:
        from minsheng.regions.codes import subtree_bounds

        assignment = apps.get_model("regions", "RegionAssignment")
        rows = assignment.objects.filter(user_id=actor.pk).values_list(
            "region__code", "region__level"
        )
        cached = sorted(subtree_bounds(code, level) for code, level in rows)
        setattr(actor, _CACHE_ATTR, cached)
    return list(cached)


def holds_perm(actor: Any, perm: str) -> bool:
    """Whether the actor's role grants ``perm``. Unlike ``User.has_perm`` this never honours
    ``is_superuser`` (三员分立: no flag bypasses the role table)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return perm in actor.get_all_permissions()


def forget_scope(actor: Any) -> None:
    """Drop the cached ranges (after the actor's assignments change)."""
    if hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def code_field(model: type[models.Model]) -> str:
    path = getattr(model, "region_path", None)
    if path is None:
        raise TypeError(f"{model.__name__} declares no region_path and cannot be scoped")
    return f"{path}__code" if path else "code"


def scope_q(actor: Any, model: type[models.Model], action: str = "view") -> models.Q | None:
    """The filter that restricts ``model`` to what ``actor`` may do ``action`` on, or None."""
    opts = model._meta
    # Child records (members, ledgers) are governed by their parent's permissions.
    perm_model = getattr(model, "permission_model", opts.model_name)
    if not holds_perm(actor, f"{opts.app_label}.{action}_{perm_model}"):
        return None
    bounds = scope_bounds(actor)
    if not bounds:
        return None
    field = code_field(model)
    q = models.Q()
    for lo, hi in bounds:
        q |= models.Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    department_field = getattr(model, "department_field", None)
    if department_field and getattr(actor, "role", "") == "department_liaison":
        q &= models.Q(**{department_field: actor.department})
    return q


class ScopedQuerySet(models.QuerySet[M]):
    def visible_to(self, actor: Any, action: str = "view") -> ScopedQuerySet[M]:
        q = scope_q(actor, self.model, action)
        if q is None:
            return self.none()
        return self.filter(q)

    def get_visible(self, actor: Any, action: str = "view", **lookup: Any) -> M:
        """One object the actor may act on, else :class:`NotFound` (never a hint it exists)."""
        obj = self.visible_to(actor, action).filter(**lookup).first()
        if obj is None:
            raise NotFound()
        return obj


def code_in_scope(actor: Any, code: str) -> bool:
    """Whether a 12-digit code lies in one of the actor's assigned subtrees."""
    return any(lo <= code <= hi for lo, hi in scope_bounds(actor))
