"""Domain exceptions. Raised, never returned; one web middleware and one API handler map them."""

from __future__ import annotations


class MinshengError(Exception):
    """Base class; ``message`` is the Chinese text shown to the user."""

    default_message = "操作失败"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(MinshengError):
    """The object does not exist *or is outside the actor's scope*: the two are never told apart."""

    default_message = "未找到该对象，或您无权查看。"


class PermissionDenied(MinshengError):
    """The actor may see the object but may not perform this action on it."""

    default_message = "您没有执行此操作的权限。"


class InvalidInput(MinshengError):
    default_message = "输入有误。"


class Conflict(MinshengError):
    """Stale write: somebody else changed the record first."""

    default_message = "该记录已被他人修改，请刷新后重试。"


class AppendOnlyViolation(MinshengError):
    default_message = "审计记录只能追加，不能修改或删除。"
