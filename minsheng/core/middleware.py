"""Request id, forced logout of deactivated/locked accounts, and domain-error rendering."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minsheng.core.context import client_ip_var, request_id_var
from minsheng.core.errors import MinshengError, NotFound, PermissionDenied

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or accept a well-formed ``X-Request-ID``) for the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token_id = request_id_var.set(request_id)
        token_ip = client_ip_var.set(request.META.get("REMOTE_ADDR") or None)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token_id)
            client_ip_var.reset(token_ip)
        response["X-Request-ID"] = request_id
        return response


class ActiveAccountMiddleware:
    """End the session of an account that was deactivated or locked while signed in.

    The authentication backend already refuses such an account, so ``request.user`` comes back
    anonymous, but Django keeps the session: without this, the old session would sign the
    account in again as soon as it is unlocked or reactivated. A session that still names an
    account the backend refused is therefore flushed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None:
            if user.is_authenticated:
                refused = not user.is_active or user.is_locked()
            else:
                refused = session is not None and SESSION_KEY in session
            if refused:
                logout(request)
        return self.get_response(request)


class DomainErrorMiddleware:
    """Render domain exceptions raised by web views: NotFound → 404, PermissionDenied → 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exc, NotFound):
            return render(request, "web/error.html", {"message": exc.message, "code": 404},
                          status=404)
        if isinstance(exc, PermissionDenied):
            return render(request, "web/error.html", {"message": exc.message, "code": 403},
                          status=403)
        if isinstance(exc, MinshengError):
            return render(request, "web/error.html", {"message": exc.message, "code": 400},
                          status=400)
        return None
