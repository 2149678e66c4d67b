"""Core models: accounts (账号), the append-only audit trail (审计日志) and API tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import (
    AbstractUser,
    UserManager,
    _user_has_module_perms,
    _user_has_perm,
)
from django.db import models
from django.utils import timezone

from minsheng.core.errors import AppendOnlyViolation
from minsheng.core.roles import ADMIN_ROLES, Department, Role


class User(AbstractUser):
    """A staff, enterprise or administrator account (账号). Permissions come from ``role``."""

    display_name = models.CharField("姓名", max_length=64, blank=True)
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    department = models.CharField(
        "所属部门", max_length=32, choices=Department.choices, blank=True,
        help_text="仅部门联络员需要填写",
    )
    organisation = models.CharField("单位", max_length=128, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    failed_login_count = models.PositiveIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    objects: ClassVar[UserManager[User]] = UserManager()

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        permissions = [
            ("unlock_user", "解锁账号"),
            ("reveal_pii", "查看完整个人信息（身份证号、手机号等）"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="department_liaison") | ~models.Q(department=""),
                name="core_user_liaison_has_department",
                violation_error_message="部门联络员必须指定所属部门。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name or self.username}（{self.get_role_display()}）"

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    # The superuser flag never grants anything: permissions come only from the role (三员分立).
    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_active and _user_has_perm(self, perm, obj)

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and _user_has_module_perms(self, app_label)

    def is_locked(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return bool(self.locked_until and self.locked_until > now)


class AuditEventType(models.TextChoices):
    LOGIN_SUCCEEDED = "LOGIN_SUCCEEDED", "登录成功"
    LOGIN_FAILED = "LOGIN_FAILED", "登录失败"
    LOGGED_OUT = "LOGGED_OUT", "退出登录"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED", "账号锁定"
    ACCOUNT_UNLOCKED = "ACCOUNT_UNLOCKED", "账号解锁"
    ACCOUNT_CREATED = "ACCOUNT_CREATED", "创建账号"
    ACCOUNT_UPDATED = "ACCOUNT_UPDATED", "修改账号"
    PERMISSION_CHANGED = "PERMISSION_CHANGED", "权限变更"
    PASSWORD_CHANGED = "PASSWORD_CHANGED", "修改密码"
    TOKEN_CREATED = "TOKEN_CREATED", "创建 API 令牌"
    TOKEN_REVOKED = "TOKEN_REVOKED", "吊销 API 令牌"
    REGIONS_LOADED = "REGIONS_LOADED", "导入行政区划"
    HOUSEHOLD_REGISTERED = "HOUSEHOLD_REGISTERED", "登记农户"
    HOUSEHOLD_UPDATED = "HOUSEHOLD_UPDATED", "修改农户"
    SENSITIVE_REVEALED = "SENSITIVE_REVEALED", "查看敏感信息"
    EXPORTED = "EXPORTED", "导出数据"
    IMPORT_UPLOADED = "IMPORT_UPLOADED", "上传导入文件"
    IMPORT_APPLIED = "IMPORT_APPLIED", "导入数据"
    DEMO_LOADED = "DEMO_LOADED", "生成演示数据"
    PARAMETER_PROPOSED = "PARAMETER_PROPOSED", "提出政策参数"
    PARAMETER_APPROVED = "PARAMETER_APPROVED", "批准政策参数"
    PARAMETER_REJECTED = "PARAMETER_REJECTED", "退回政策参数"
    PARAMETER_WITHDRAWN = "PARAMETER_WITHDRAWN", "撤回政策参数"
    SCREENING_RUN = "SCREENING_RUN", "风险筛查"
    SIMULATION_RUN = "SIMULATION_RUN", "政策模拟测算"
    DEPARTMENT_DATA_IMPORTED = "DEPARTMENT_DATA_IMPORTED", "导入部门数据"
    DEPARTMENT_LEAD_CHANGED = "DEPARTMENT_LEAD_CHANGED", "处理部门推送线索"
    EMPLOYMENT_UPDATED = "EMPLOYMENT_UPDATED", "修改就业帮扶信息"
    DECLARATION_SUBMITTED = "DECLARATION_SUBMITTED", "农户自主申报"
    CASE_CREATED = "CASE_CREATED", "登记监测案件"
    CASE_TRANSITIONED = "CASE_TRANSITIONED", "监测案件流转"
    CASE_UPDATED = "CASE_UPDATED", "修改监测案件"
    ASSISTANCE_UPDATED = "ASSISTANCE_UPDATED", "修改帮扶计划或措施"
    FOLLOW_UP_RECORDED = "FOLLOW_UP_RECORDED", "记录帮扶走访"
    ORPHAN_FILES_REMOVED = "ORPHAN_FILES_REMOVED", "清理孤立上传文件"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyViolation()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyViolation()

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyViolation()

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[AuditEvent]:
        # An upsert (INSERT … ON CONFLICT DO UPDATE) would rewrite existing rows.
        if kwargs.get("update_conflicts"):
            raise AppendOnlyViolation()
        return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """One append-only audit record (审计事件). Written only by ``core.audit.record_event``.

    Updates and deletes are refused here, in the queryset, and by database triggers (see
    migration ``core.0002``), so no code path can alter history.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name="操作人", null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    event_type = models.CharField("事件", max_length=40, choices=AuditEventType.choices)
    subject_type = models.CharField("对象类型", max_length=100, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    subject_repr = models.CharField("对象", max_length=255, blank=True)
    region_code = models.CharField("区划代码", max_length=12, blank=True, db_index=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    extra = models.JSONField("附加信息", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_auditevent", "导出审计日志")]
        indexes = [
            models.Index(fields=["event_type", "at"], name="core_audit_type_at"),
            models.Index(fields=["actor_username", "at"], name="core_audit_actor_at"),
            models.Index(fields=["subject_type", "subject_id"], name="core_audit_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.get_event_type_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only a brand-new row may be written, and only by INSERT: an instance carrying an id
        # (or asked for update_fields/force_update) would make Django try an UPDATE first.
        if (not self._state.adding or self.pk is not None or args
                or kwargs.get("force_update") or kwargs.get("update_fields") is not None):
            raise AppendOnlyViolation()
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyViolation()


class ApiToken(models.Model):
    """An API bearer token (API 令牌). Only its SHA-256 hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=8)
    label = models.CharField("用途", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.user.username}）"


from minsheng.core.batches import ImportBatch, ImportRow  # noqa: E402  (models of this app)

__all__ = ["ApiToken", "AuditEvent", "AuditEventType", "ImportBatch", "ImportRow", "User"]
