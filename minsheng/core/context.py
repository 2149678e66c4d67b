"""Per-request context that the audit trail reads: the request id and the client address."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("minsheng_request_id", default="")
client_ip_var: ContextVar[str | None] = ContextVar("minsheng_client_ip", default=None)
