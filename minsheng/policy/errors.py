"""Policy errors. Raised, never returned: a missing parameter is never read as 0."""

from __future__ import annotations

from minsheng.core.errors import MinshengError


class PolicyError(MinshengError):
    default_message = "政策参数有误。"


class UnknownParameter(PolicyError):
    """No file defines a parameter of that name (a programming or configuration error)."""


class ParameterMissing(PolicyError):
    """The parameter exists, but no value is in force on that date for that region, its parent
    regions or the whole country."""


class ParameterFilesInvalid(PolicyError):
    """The parameter files do not pass validation; nothing is looked up from them."""
