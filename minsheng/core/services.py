"""Authentication writes: sign-in with lockout (登录锁定), sign-out, API tokens (API 令牌)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.errors import InvalidInput, PermissionDenied
from minsheng.core.models import ApiToken, AuditEventType, User
from minsheng.core.selectors import AuditFilter, audit_event_list


class LoginRefused(InvalidInput):
    default_message = "用户名或密码错误。"


def _lock_message(until: dt.datetime) -> str:
    local = timezone.localtime(until)
    return f"账号因连续登录失败已被锁定，请于 {local:%H:%M} 后再试，或联系安全管理员解锁。"


def login_check(*, username: str, password: str, request: HttpRequest | None = None) -> User:
    """Check a username and password; count failures, lock after too many, audit everything.

    Returns the user on success; raises :class:`LoginRefused` with a Chinese message otherwise.
    The failure counter and the audit events are committed before the refusal is raised.
    """
    outcome = _login_attempt(username=(username or "").strip(), password=password, request=request)
    if isinstance(outcome, str):
        raise LoginRefused(outcome)
    return outcome


def mask_unknown_username(text: str) -> str:
    """``nobody`` → ``n****y``: enough to spot an attacker trying names, nothing that would
    give away a password someone typed into the account field."""
    text = text.strip()
    if len(text) <= 2:
        return "*" * len(text)
    return f"{text[0]}{'*' * min(len(text) - 2, 30)}{text[-1]}"


def _login_attempt(*, username: str, password: str, request: HttpRequest | None) -> User | str:
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is not None and user.is_locked(now):
            record_event(
                actor=None, actor_username=username, event_type=AuditEventType.LOGIN_FAILED,
                subject=user, note="账号锁定期间尝试登录",
            )
            return _lock_message(user.locked_until)  # type: ignore[arg-type]
        if user is not None and user.locked_until is not None:
            # The lock has run out: the account starts again with a clean slate.
            user.locked_until = None
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
        authenticated = authenticate(request, username=username, password=password)
        if authenticated is None:
            if user is None:
                # What was typed is no account: it may be a password typed in the wrong box,
                # so only its outline is kept (first and last character, length).
                record_event(
                    actor=None, actor_username=mask_unknown_username(username),
                    event_type=AuditEventType.LOGIN_FAILED, note="账号不存在",
                )
                return LoginRefused.default_message
            user.failed_login_count += 1
            record_event(
                actor=None, actor_username=username, event_type=AuditEventType.LOGIN_FAILED,
                subject=user,
                note=f"密码错误（连续第 {user.failed_login_count} 次）" if user.is_active
                else "账号已停用",
            )
            if user.failed_login_count >= settings.LOGIN_MAX_FAILURES:
                user.locked_until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                user.save(update_fields=["failed_login_count", "locked_until"])
                record_event(
                    actor=None, actor_username=username, event_type=AuditEventType.ACCOUNT_LOCKED,
                    subject=user,
                    note=f"连续 {user.failed_login_count} 次登录失败，锁定 "
                    f"{settings.LOGIN_LOCKOUT_MINUTES} 分钟",
                )
                return _lock_message(user.locked_until)
            user.save(update_fields=["failed_login_count"])
            return LoginRefused.default_message
        assert isinstance(authenticated, User)  # noqa: S101 - AUTH_USER_MODEL is core.User
        authenticated.failed_login_count = 0
        authenticated.last_login = now
        authenticated.save(update_fields=["failed_login_count", "last_login"])
        record_event(actor=authenticated, event_type=AuditEventType.LOGIN_SUCCEEDED,
                     subject=authenticated)
        return authenticated


def logout_record(*, actor: User) -> None:
    record_event(actor=actor, event_type=AuditEventType.LOGGED_OUT, subject=actor)


# --- API tokens -----------------------------------------------------------------------------

def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, actor: User | None, user: User, label: str = "") -> tuple[ApiToken, str]:
    """Create a bearer token for ``user``; returns the row and the key, which is never stored.

    ``actor`` None means the operator's command line (``minsheng token create``).
    """
    if actor is not None and actor.pk != user.pk and not actor.has_perm("core.change_user"):
        raise PermissionDenied("只能为自己创建令牌。")
    if not user.is_active:
        raise InvalidInput("该账号已停用，不能创建令牌。")
    key = "ms_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, key_hash=_hash_key(key), prefix=key[:8], label=label[:100]
        )
        record_event(
            actor=actor, actor_username="" if actor else "命令行", event_type=AuditEventType.TOKEN_CREATED,
            subject=token, subject_repr=f"{token.prefix}…", extra={"for_user": user.username, "label": label},
        )
    return token, key


def token_authenticate(key: str) -> User | None:
    """The active, unlocked user owning an unrevoked token with this key, or None."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or token.user.is_locked():
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, actor: User | None, token: ApiToken) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, actor_username="" if actor else "命令行",
                     event_type=AuditEventType.TOKEN_REVOKED, subject=token,
                     subject_repr=f"{token.prefix}…")


# --- Audit export ---------------------------------------------------------------------------

def audit_export(*, actor: User, filters: AuditFilter) -> Any:
    """Write the filtered audit events to an .xlsx file; the export is itself audited."""
    from minsheng.core.excel import write_workbook

    if not actor.has_perm("core.export_auditevent"):
        raise PermissionDenied("只有审计管理员可以导出审计日志。")
    events = audit_event_list(actor=actor, filters=filters)
    labels = dict(AuditEventType.choices)
    rows = (
        (timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_username,
         labels.get(e.event_type, e.event_type), e.subject_type, e.subject_id, e.subject_repr,
         e.region_code, json.dumps(e.changes, ensure_ascii=False) if e.changes else "",
         e.note, e.request_id, e.ip_address or "")
        for e in events.iterator(chunk_size=2000)
    )
    handle, count = write_workbook(
        title="审计日志",
        headers=["时间", "操作人", "事件", "对象类型", "对象编号", "对象", "区划代码", "变更内容",
                 "说明", "请求编号", "IP 地址"],
        rows=rows, widths=[20, 14, 14, 18, 10, 24, 14, 40, 30, 34, 16],
    )
    record_event(actor=actor, event_type=AuditEventType.EXPORTED, subject_type="core.auditevent",
                 note=f"导出审计日志 {count} 条", extra={"filters": filters.as_dict(), "rows": count})
    return handle
