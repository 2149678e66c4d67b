"""Writes for regions (行政区划导入) and accounts' roles and regions (账号、角色、管辖区域)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from minsheng.core.audit import diff, record_event, snapshot
from minsheng.core.errors import InvalidInput, PermissionDenied
from minsheng.core.models import AuditEventType, User
from minsheng.core.roles import ADMIN_ROLES, Department, Role
from minsheng.regions.codes import RegionLevel, subtree_bounds
from minsheng.regions.loader import RegionRow, RowError, read_region_file
from minsheng.regions.models import Region, RegionAssignment
from minsheng.regions.scoping import code_in_scope, forget_scope, holds_perm
from minsheng.regions.selectors import account_get

# --- Region lists ---------------------------------------------------------------------------


@dataclass
class RegionLoadReport:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    changes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        levels = "，".join(
            f"{RegionLevel(level).label}级 {self.by_level[str(level)]} 个"
            for level in RegionLevel.values if self.by_level[str(level)]
        )
        return f"新增 {self.added} 个，变更 {self.changed} 个，未变 {self.unchanged} 个（{levels}）"


class RegionFileRejected(InvalidInput):
    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        shown = "\n".join(str(e) for e in self.errors[:50])
        more = f"\n……另有 {len(self.errors) - 50} 处错误" if len(self.errors) > 50 else ""
        super().__init__(f"区划文件有 {len(self.errors)} 处错误，未导入任何数据：\n{shown}{more}")


_BATCH = 2000


def regions_load(
    *, actor: User | None, paths: Iterable[Path], province: str | None = None,
    dry_run: bool = False,
) -> RegionLoadReport:
    """Load region files (any province, china-division CSV shape); idempotent and atomic.

    Every row is validated first; any error rejects the whole load. Existing codes get their
    name and parent updated; codes missing from the files are left as they are (a partial file
    never deletes regions that households may point to).
    """
    if actor is not None and not actor.has_perm("regions.change_region"):
        raise PermissionDenied("只有具备区划维护权限的账号可以导入行政区划。")
    if province is not None and not (
        len(province) == 2 and province.isascii() and province.isdigit()
    ):
        raise InvalidInput(f"省级代码应为 2 位数字，实为「{province}」")
    rows: dict[str, RegionRow] = {}
    errors: list[RowError] = []
    for path in paths:
        file_rows, file_errors = read_region_file(Path(path), province=province)
        errors.extend(file_errors)
        for row in file_rows:
            previous = rows.get(row.code)
            if previous is not None and (previous.name, previous.level) != (row.name, row.level):
                errors.append(RowError(row.source, f"区划代码 {row.code} 与 {previous.source} 重复且内容不同"))
            rows[row.code] = row
    if not rows and not errors:
        errors.append(RowError("输入", "文件中没有可导入的区划（请检查省级代码和文件内容）"))

    with transaction.atomic():
        existing = _existing_for(rows.values())
        for row in rows.values():
            if row.parent_code and row.parent_code not in rows and row.parent_code not in existing:
                errors.append(RowError(row.source, f"上级区划 {row.parent_code} 不存在（请一并导入上级各级文件）"))
            old = existing.get(row.code)
            if old is not None and old[1] != row.level:
                errors.append(RowError(row.source, f"区划代码 {row.code} 已作为{RegionLevel(old[1]).label}级存在"))
        if errors:
            raise RegionFileRejected(errors)

        report = RegionLoadReport()
        to_create: list[Region] = []
        to_update: list[Region] = []
        for row in sorted(rows.values(), key=lambda r: (r.level, r.code)):
            report.by_level[str(row.level)] += 1
            old = existing.get(row.code)
            if old is None:
                to_create.append(Region(code=row.code, name=row.name, level=row.level,
                                        parent_id=row.parent_code))
                report.added += 1
            elif (old[0], old[2]) != (row.name, row.parent_code):
                to_update.append(Region(code=row.code, name=row.name, level=row.level,
                                        parent_id=row.parent_code))
                report.changed += 1
                if len(report.changes) < 200:
                    report.changes.append(f"{row.code}：{old[0]} → {row.name}")
            else:
                report.unchanged += 1
        # Parents first: rows are sorted by level, and batches keep that order.
        for start in range(0, len(to_create), _BATCH):
            Region.objects.bulk_create(to_create[start : start + _BATCH])
        Region.objects.bulk_update(to_update, ["name", "parent"], batch_size=_BATCH)
        if dry_run:
            transaction.set_rollback(True)
            return report
        record_event(
            actor=actor, actor_username="" if actor else "命令行",
            event_type=AuditEventType.REGIONS_LOADED,
            subject_type="regions.region",
            note=report.summary(),
            extra={"added": report.added, "changed": report.changed,
                   "unchanged": report.unchanged, "province": province or "",
                   "changes": report.changes[:50]},
        )
    return report


def _existing_for(rows: Iterable[RegionRow]) -> dict[str, tuple[str, int, str | None]]:
    """Existing (name, level, parent) of every region in the provinces the rows touch."""
    provinces = {row.code[:2] for row in rows}
    existing: dict[str, tuple[str, int, str | None]] = {}
    for prov in sorted(provinces):
        lo, hi = subtree_bounds(prov, RegionLevel.PROVINCE)
        for code, name, level, parent in Region.objects.filter(
            code__gte=lo, code__lte=hi
        ).values_list("code", "name", "level", "parent_id").iterator(chunk_size=5000):
            existing[code] = (name, level, parent)
    return existing


# --- Accounts -------------------------------------------------------------------------------

_ACCOUNT_FIELDS = ("display_name", "organisation", "phone", "is_active")
_PERMISSION_FIELDS = ("role", "department")


@dataclass(frozen=True)
class AccountData:
    username: str
    display_name: str
    role: str
    region_codes: Sequence[str]
    department: str = ""
    organisation: str = ""
    phone: str = ""
    is_active: bool = True


class AccountInvalid(InvalidInput):
    """Refused account input; ``field`` names the input it concerns ("" = the whole account)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _validate_account(data: AccountData) -> None:
    if data.role not in Role.values:
        raise AccountInvalid(f"未知角色「{data.role}」", "role")
    if data.role == Role.DEPARTMENT_LIAISON and data.department not in Department.values:
        raise AccountInvalid("部门联络员必须指定所属部门。", "department")
    if data.role != Role.DEPARTMENT_LIAISON and data.department:
        raise AccountInvalid("只有部门联络员需要指定所属部门。", "department")
    if not data.region_codes:
        raise AccountInvalid("每个账号至少要分配一个管辖区域。", "region_codes")


def _resolve_regions(actor: User | None, codes: Sequence[str]) -> list[Region]:
    regions = list(Region.objects.filter(code__in=set(codes)))
    missing = sorted(set(codes) - {r.code for r in regions})
    if missing:
        raise AccountInvalid(f"区划代码不存在：{'、'.join(missing)}", "region_codes")
    if actor is not None:
        outside = [r for r in regions if not code_in_scope(actor, r.code)]
        if outside:
            raise AccountInvalid(
                f"不能分配您管辖范围以外的区域：{'、'.join(r.name for r in outside)}",
                "region_codes")
    return regions


def _require_account_admin(actor: User | None, perm: str) -> None:
    if actor is not None and not holds_perm(actor, perm):
        raise PermissionDenied("只有系统管理员可以管理账号。")


def account_create(*, actor: User | None, data: AccountData, password: str) -> User:
    """Create an account with its role and regions. ``actor`` None = operator command line.

    From the web, the system administrator cannot create the three administrator roles
    (三员分立): those are created by the operator with ``minsheng account create``.
    """
    _require_account_admin(actor, "core.add_user")
    _validate_account(data)
    if actor is not None and data.role in ADMIN_ROLES:
        raise PermissionDenied("三类管理员账号只能由运维人员通过命令行创建。")
    if User.objects.filter(username=data.username).exists():
        raise AccountInvalid(f"账号名「{data.username}」已被使用。", "username")
    user = User(username=data.username, display_name=data.display_name, role=data.role,
                department=data.department, organisation=data.organisation, phone=data.phone,
                is_active=data.is_active)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountInvalid("；".join(exc.messages), "password") from exc
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise InvalidInput("；".join(exc.messages)) from exc
    with transaction.atomic():
        regions = _resolve_regions(actor, data.region_codes)
        user.set_password(password)
        user.save()
        RegionAssignment.objects.bulk_create(
            [RegionAssignment(user=user, region=r) for r in regions]
        )
        record_event(
            actor=actor, actor_username="" if actor else "命令行",
            event_type=AuditEventType.ACCOUNT_CREATED, subject=user,
            region_code=regions[0].code,
            changes={"role": [None, user.role], "department": [None, user.department],
                     "regions": [[], sorted(r.code for r in regions)]},
        )
    return user


def account_update(*, actor: User | None, user: User, data: AccountData) -> User:
    """Change an account's details, role or regions; role/region changes are audited as
    permission changes (权限变更)."""
    _require_account_admin(actor, "core.change_user")
    _validate_account(data)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("不能修改自己的角色和管辖区域。")
    if actor is not None and (user.role in ADMIN_ROLES or data.role in ADMIN_ROLES):
        raise PermissionDenied("三类管理员账号只能由运维人员通过命令行变更。")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if actor is not None:
            account_get(actor=actor, pk=locked.pk, action="change")
        before = snapshot(locked, _ACCOUNT_FIELDS + _PERMISSION_FIELDS)
        before_regions = sorted(locked.region_assignments.values_list("region_id", flat=True))
        regions = _resolve_regions(actor, data.region_codes)
        for name in _ACCOUNT_FIELDS + _PERMISSION_FIELDS:
            setattr(locked, name, getattr(data, name))
        try:
            locked.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise InvalidInput("；".join(exc.messages)) from exc
        locked.save()
        after_regions = sorted(r.code for r in regions)
        if after_regions != before_regions:
            RegionAssignment.objects.filter(user=locked).exclude(region_id__in=after_regions).delete()
            RegionAssignment.objects.bulk_create(
                [RegionAssignment(user=locked, region=r) for r in regions
                 if r.code not in before_regions]
            )
        after = snapshot(locked, _ACCOUNT_FIELDS + _PERMISSION_FIELDS)
        details = diff({k: before[k] for k in _ACCOUNT_FIELDS}, {k: after[k] for k in _ACCOUNT_FIELDS})
        permissions = diff({k: before[k] for k in _PERMISSION_FIELDS},
                           {k: after[k] for k in _PERMISSION_FIELDS})
        if after_regions != before_regions:
            permissions["regions"] = [before_regions, after_regions]
        if details:
            record_event(actor=actor, actor_username="" if actor else "命令行",
                         event_type=AuditEventType.ACCOUNT_UPDATED, subject=locked,
                         region_code=after_regions[0], changes=details)
        if permissions:
            record_event(actor=actor, actor_username="" if actor else "命令行",
                         event_type=AuditEventType.PERMISSION_CHANGED, subject=locked,
                         region_code=after_regions[0], changes=permissions)
    forget_scope(user)
    return locked


def account_set_password(*, actor: User | None, user: User, password: str) -> None:
    if actor is not None and actor.pk != user.pk:
        _require_account_admin(actor, "core.change_user")
        account_get(actor=actor, pk=user.pk, action="change")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("；".join(exc.messages)) from exc
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record_event(actor=actor, actor_username="" if actor else "命令行",
                     event_type=AuditEventType.PASSWORD_CHANGED, subject=user)


def account_unlock(*, actor: User | None, user: User) -> None:
    """Release a locked account before its lock runs out (安全管理员)."""
    if actor is not None:
        if not holds_perm(actor, "core.unlock_user"):
            raise PermissionDenied("只有安全管理员可以解锁账号。")
        account_get(actor=actor, pk=user.pk, action="view")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(locked, ["locked_until", "failed_login_count"])
        locked.locked_until = None
        locked.failed_login_count = 0
        locked.save(update_fields=["locked_until", "failed_login_count"])
        record_event(actor=actor, actor_username="" if actor else "命令行",
                     event_type=AuditEventType.ACCOUNT_UNLOCKED, subject=locked,
                     changes=diff(before, snapshot(locked, ["locked_until", "failed_login_count"])))
