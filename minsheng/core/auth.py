"""Authentication backend: Django's password check plus role permissions and lockout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone

from minsheng.core.roles import permissions_for


class RoleBackend(ModelBackend):
    """Passwords as in ModelBackend; permissions come only from the account's role.

    Superuser status is never honoured as a blanket grant: the separated administrators
    (三员分立) must not be bypassed by a flag.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        locked_until = getattr(user, "locked_until", None)
        return not (locked_until and locked_until > timezone.now())

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(permissions_for(getattr(user_obj, "role", "")))

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return self.get_all_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return user_obj.is_active and perm in self.get_all_permissions(user_obj, obj)
