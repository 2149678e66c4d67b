"""Writes to the household registry (农户台账). Every write is atomic, scope-checked, audited
and kept in the household's history (变更记录). Households and members are archived, never
deleted. Updates carry the version the editor read; a stale version is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.core.audit import _jsonable, record_event
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEventType, User
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope
from minsheng.registry.choices import ArchiveReason, Relation
from minsheng.registry.models import Household, HouseholdChange, IncomeLedger, Member, SearchKey
from minsheng.registry.search import name_keys
from minsheng.registry.validation import (
    RegistryInvalid,
    check_household_fields,
    check_ledger_fields,
    check_lengths,
    check_member_fields,
    check_not_null,
    merge_errors,
)

HOUSEHOLD_FIELDS = (
    "group_name", "address", "phone", "bank_name", "bank_account", "category", "relocated",
    "housing_grade", "water_quantity_ok", "water_quality_ok", "water_convenience_ok",
    "water_assurance_ok",
)
MEMBER_FIELDS = (
    "name", "ethnicity", "relation", "education", "school_stage", "health", "disability_grade",
    "labour_capacity", "work_area", "work_months", "medical_insurance",
    "serious_illness_insurance", "pension_insurance", "dibao", "tekun", "phone",
)


def _require(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied()


def _village_in_scope(actor: User, region_code: str) -> Region:
    region = Region.objects.filter(code=region_code).first()
    if region is None or not code_in_scope(actor, region.code):
        raise NotFound("所选村不存在或不在您的管辖范围内。")
    if region.level != RegionLevel.VILLAGE:
        raise InvalidInput("农户只能登记在村（社区）一级。")
    return region


def _lock_household(actor: User, household: Household) -> Household:
    locked = Household.objects.visible_to(actor, "change").select_for_update().filter(
        pk=household.pk).first()
    if locked is None:
        raise NotFound()
    return locked


def _check_version(obj: Household | Member | IncomeLedger, version: int | None, what: str) -> None:
    if version is None:
        raise InvalidInput("缺少版本号：请先读取记录再修改。")
    if obj.version != version:
        raise Conflict(f"该{what}已被他人修改（当前版本 {obj.version}，您编辑的是版本 {version}），"
                       "为避免覆盖他人的修改，本次保存未生效。请刷新后重新编辑。")


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    out = {}
    for key in after:
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            out[key] = [old, new]
    return out


def _values(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _history(*, actor: User | None, household: Household, subject: str, subject_id: int,
             label: str, action: str, changes: Mapping[str, Any], note: str = "",
             batch_id: int | None = None, event: AuditEventType) -> None:
    HouseholdChange.objects.create(
        household=household, actor=actor if actor and actor.is_authenticated else None,
        actor_name=actor.get_username() if actor else "系统", subject=subject,
        subject_id=subject_id, subject_label=label[:100], action=action,
        changes=_jsonable(dict(changes)), note=note[:200], import_batch_id=batch_id,
    )
    record_event(actor=actor, event_type=event, subject_type=f"registry.{subject}",
                 subject_id=str(subject_id), subject_repr=f"{household.household_no} {label}",
                 region_code=household.region_id, changes=changes, note=action,
                 extra={"household_id": household.pk, "import_batch": batch_id}
                 if batch_id else {"household_id": household.pk})


def _refresh_search_keys(household: Household) -> None:
    SearchKey.objects.filter(region_code=household.region_id, household=household).delete()
    keys = [
        SearchKey(household=household, region_code=household.region_id, key=key)
        for key in sorted({k for name in household.members.filter(active=True)
                           .values_list("name", flat=True) for k in name_keys(name)})
    ]
    SearchKey.objects.bulk_create(keys)


def _sync_head_name(household: Household) -> None:
    head = household.members.filter(active=True, relation=Relation.HEAD).first()
    if head is not None and head.name != household.head_name:
        household.head_name = head.name
        household.save(update_fields=["head_name", "updated_at"])


# --- Households -----------------------------------------------------------------------------

def household_register(
    *, actor: User, household_no: str, region_code: str, head_name: str = "",
    members: Sequence[Mapping[str, Any]] = (), today: dt.date | None = None,
    batch_id: int | None = None, **fields: Any,
) -> Household:
    """Register a household (登记农户) with its members; the head (户主) names the household.

    ``members`` are mappings of member fields (``id_number``, ``name``, ``relation``, …). Either
    exactly one of them is the 户主, or ``head_name`` is given and members follow later.
    """
    _require(actor, "registry.add_household")
    region = _village_in_scope(actor, region_code)
    today = today or timezone.localdate()
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}")
    data = {"household_no": household_no.strip(), **fields}
    if not members:
        data["head_name"] = head_name.strip()
    errors = merge_errors(check_not_null(Household, fields), check_household_fields(data))
    heads = [m for m in members if m.get("relation") == Relation.HEAD]
    if members and len(heads) != 1:
        errors.append(("members", f"一户须有且只有一名户主，本户有 {len(heads)} 名。"))
    if not members and not head_name.strip():
        errors.append(("head_name", "户主姓名不能为空。"))
    if errors:
        raise RegistryInvalid(errors)
    if Household.objects.filter(household_no=data["household_no"]).exists():
        raise RegistryInvalid([("household_no", f"户编号「{data['household_no']}」已存在。")])
    with transaction.atomic():
        household = Household(region=region, household_no=data["household_no"],
                              head_name=(heads[0]["name"] if heads else head_name).strip(),
                              **fields)
        household.save()
        _history(actor=actor, household=household, subject="household",
                 subject_id=household.pk, label=household.head_name, action="登记农户",
                 changes={k: [None, v] for k, v in _values(
                     household, ("household_no", "region_id", "head_name", *fields)).items()},
                 batch_id=batch_id, event=AuditEventType.HOUSEHOLD_REGISTERED)
        for member in members:
            _member_create(actor=actor, household=household, data=member, today=today,
                           batch_id=batch_id)
        _refresh_search_keys(household)
    return household


def household_update(*, actor: User, household: Household, version: int | None,
                     batch_id: int | None = None, **fields: Any) -> Household:
    """Change household facts; refused when ``version`` is not the stored one."""
    _require(actor, "registry.change_household")
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}")
    errors = merge_errors(check_not_null(Household, fields),
                          check_household_fields({"household_no": household.household_no,
                                                  **fields}))
    if errors:
        raise RegistryInvalid(errors)
    with transaction.atomic():
        locked = _lock_household(actor, household)
        _check_version(locked, version, "农户")
        before = _values(locked, fields)
        for key, value in fields.items():
            setattr(locked, key, value)
        changes = _changes(before, fields)
        if not changes:
            return locked
        locked.version += 1
        locked.save()
        _history(actor=actor, household=locked, subject="household", subject_id=locked.pk,
                 label=locked.head_name, action="修改农户信息", changes=changes,
                 batch_id=batch_id, event=AuditEventType.HOUSEHOLD_UPDATED)
    return locked


def household_archive(*, actor: User, household: Household, version: int | None,
                      reason: str, note: str = "") -> Household:
    """Archive a household (归档); it leaves lists but its records and history stay."""
    _require(actor, "registry.change_household")
    if reason not in ArchiveReason.values:
        raise InvalidInput("请选择归档原因。")
    errors = check_lengths(Household, {"archive_note": note})
    if errors:
        raise RegistryInvalid(errors)
    with transaction.atomic():
        locked = _lock_household(actor, household)
        _check_version(locked, version, "农户")
        if locked.archived:
            raise InvalidInput("该农户已归档。")
        locked.archived = True
        locked.archive_reason = reason
        locked.archive_note = note
        locked.version += 1
        locked.save()
        members = list(locked.members.filter(active=True))
        for member in members:
            member.active = False
            member.archive_reason = reason
            member.version += 1
            member.save()
        SearchKey.objects.filter(region_code=locked.region_id, household=locked).delete()
        _history(actor=actor, household=locked, subject="household", subject_id=locked.pk,
                 label=locked.head_name, action="归档农户",
                 changes={"archived": [False, True], "archive_reason": ["", reason]},
                 note=note, event=AuditEventType.HOUSEHOLD_UPDATED)
    return locked


# --- Members --------------------------------------------------------------------------------

def _member_create(*, actor: User, household: Household, data: Mapping[str, Any],
                   today: dt.date, batch_id: int | None) -> Member:
    errors, warnings, derived = check_member_fields(data, today=today)
    if errors:
        raise RegistryInvalid(errors)
    other = Member.objects.filter(id_number=derived["id_number"], active=True).select_related(
        "household").first()
    if other is not None:
        where = other.household.household_no if code_in_scope(
            actor, other.household.region_id) else "其他地区的农户"
        raise RegistryInvalid([("id_number", f"身份证号 {derived['id_number'][:6]}…"
                                f"{derived['id_number'][-4:]} 已是在册农户（{where}）的成员，"
                                "一人只能在一个在册农户中。")])
    values = {k: data[k] for k in MEMBER_FIELDS if k in data and data[k] is not None}
    member = Member(household=household, id_number=derived["id_number"],
                    birth_date=derived["birth_date"], gender=derived["gender"], **values)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise RegistryInvalid([("id_number", "该成员与在册记录冲突（同一身份证号或户主重复）。")]) from exc
    _history(actor=actor, household=household, subject="member", subject_id=member.pk,
             label=member.name, action="新增成员",
             changes={"id_number": [None, f"{member.id_number[:6]}…{member.id_number[-4:]}"],
                      **{k: [None, v] for k, v in values.items()}},
             note="；".join(warnings), batch_id=batch_id,
             event=AuditEventType.HOUSEHOLD_UPDATED)
    return member


def member_add(*, actor: User, household: Household, data: Mapping[str, Any],
               today: dt.date | None = None, batch_id: int | None = None) -> Member:
    _require(actor, "registry.change_household")
    with transaction.atomic():
        locked = _lock_household(actor, household)
        if locked.archived:
            raise InvalidInput("该农户已归档，不能新增成员。")
        if data.get("relation") == Relation.HEAD and locked.members.filter(
                active=True, relation=Relation.HEAD).exists():
            raise RegistryInvalid([("relation", "本户已有户主。")])
        member = _member_create(actor=actor, household=locked, data=data,
                                today=today or timezone.localdate(), batch_id=batch_id)
        _sync_head_name(locked)
        _refresh_search_keys(locked)
    return member


def member_update(*, actor: User, member: Member, version: int | None,
                  today: dt.date | None = None, batch_id: int | None = None,
                  **fields: Any) -> Member:
    """Change a member's facts (not the ID number); a stale version is refused."""
    _require(actor, "registry.change_household")
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}")
    null_errors = check_not_null(Member, fields)
    with transaction.atomic():
        household = _lock_household(actor, member.household)
        locked = Member.objects.select_for_update().get(pk=member.pk)
        _check_version(locked, version, "成员")
        merged = {**_values(locked, MEMBER_FIELDS), **fields, "id_number": locked.id_number}
        errors, _warnings, _derived = check_member_fields(merged,
                                                          today=today or timezone.localdate())
        errors = merge_errors(null_errors, errors)
        if errors:
            raise RegistryInvalid(errors)
        if fields.get("relation") == Relation.HEAD and locked.relation != Relation.HEAD and \
                household.members.filter(active=True, relation=Relation.HEAD).exists():
            raise RegistryInvalid([("relation", "本户已有户主，请先修改原户主的关系。")])
        before = _values(locked, fields)
        changes = _changes(before, fields)
        if not changes:
            return locked
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.version += 1
        locked.save()
        _history(actor=actor, household=household, subject="member", subject_id=locked.pk,
                 label=locked.name, action="修改成员信息", changes=changes, batch_id=batch_id,
                 event=AuditEventType.HOUSEHOLD_UPDATED)
        _sync_head_name(household)
        if "name" in changes:
            _refresh_search_keys(household)
    return locked


def member_archive(*, actor: User, member: Member, version: int | None, reason: str) -> Member:
    """Remove a member from the household (减员), keeping the record."""
    _require(actor, "registry.change_household")
    if reason not in ArchiveReason.values:
        raise InvalidInput("请选择减员原因。")
    with transaction.atomic():
        household = _lock_household(actor, member.household)
        locked = Member.objects.select_for_update().get(pk=member.pk)
        _check_version(locked, version, "成员")
        if not locked.active:
            raise InvalidInput("该成员已减员。")
        if locked.relation == Relation.HEAD and household.members.filter(active=True).count() > 1:
            raise InvalidInput("请先为本户指定新的户主，再将原户主减员。")
        locked.active = False
        locked.archive_reason = reason
        locked.version += 1
        locked.save()
        _history(actor=actor, household=household, subject="member", subject_id=locked.pk,
                 label=locked.name, action="成员减员",
                 changes={"active": [True, False], "archive_reason": ["", reason]},
                 event=AuditEventType.HOUSEHOLD_UPDATED)
        _refresh_search_keys(household)
    return locked


def member_move(*, actor: User, member: Member, to_household: Household, version: int | None,
                relation: str, reason: str = ArchiveReason.SPLIT) -> Member:
    """分户/合户: the member leaves one household and joins another; both keep the history.

    The old member row is archived and a new row (same person) is created in the target
    household, so each household's past composition stays as it was.
    """
    _require(actor, "registry.change_household")
    if member.household_id == to_household.pk:
        raise InvalidInput("目标农户与原农户相同。")
    with transaction.atomic():
        source = _lock_household(actor, member.household)
        target = _lock_household(actor, to_household)
        if target.archived:
            raise InvalidInput("目标农户已归档。")
        locked = Member.objects.select_for_update().get(pk=member.pk)
        _check_version(locked, version, "成员")
        if locked.relation == Relation.HEAD and source.members.filter(active=True).count() > 1:
            raise InvalidInput("请先为原户指定新的户主，再迁出原户主。")
        if relation == Relation.HEAD and target.members.filter(
                active=True, relation=Relation.HEAD).exists():
            raise RegistryInvalid([("relation", "目标农户已有户主。")])
        locked.active = False
        locked.archive_reason = reason
        locked.version += 1
        locked.save()
        _history(actor=actor, household=source, subject="member", subject_id=locked.pk,
                 label=locked.name, action=f"迁出至 {target.household_no}",
                 changes={"active": [True, False], "archive_reason": ["", reason]},
                 event=AuditEventType.HOUSEHOLD_UPDATED)
        data = {**_values(locked, MEMBER_FIELDS), "id_number": locked.id_number,
                "relation": relation}
        moved = _member_create(actor=actor, household=target, data=data,
                               today=timezone.localdate(), batch_id=None)
        HouseholdChange.objects.filter(household=target, subject_id=moved.pk).update(
            note=f"由 {source.household_no} 迁入")
        _refresh_search_keys(source)
        _refresh_search_keys(target)
        _sync_head_name(target)
    return moved


# --- Income ledger --------------------------------------------------------------------------

def ledger_save(*, actor: User, household: Household, year: int, version: int | None = None,
                batch_id: int | None = None, **amounts: Decimal) -> IncomeLedger:
    """Create or update one year's ledger (收支台账). Updating needs the version read."""
    _require(actor, "registry.change_household")
    unknown = set(amounts) - set(IncomeLedger.AMOUNT_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{'、'.join(sorted(unknown))}")
    errors = merge_errors(check_not_null(IncomeLedger, amounts),
                          check_ledger_fields(year, amounts))
    if errors:
        raise RegistryInvalid(errors)
    with transaction.atomic():
        locked_household = _lock_household(actor, household)
        ledger = IncomeLedger.objects.select_for_update().filter(
            household=locked_household, year=year).first()
        if ledger is None:
            ledger = IncomeLedger(household=locked_household, year=year, **amounts)
            ledger.save()
            action, changes = f"新增 {year} 年收支", {k: [None, v] for k, v in amounts.items()}
        else:
            _check_version(ledger, version, f"{year} 年收支记录")
            before = _values(ledger, amounts)
            changes = _changes(before, {k: Decimal(v) for k, v in amounts.items()})
            if not changes:
                return ledger
            for key, value in amounts.items():
                setattr(ledger, key, value)
            ledger.version += 1
            ledger.save()
            action = f"修改 {year} 年收支"
        _history(actor=actor, household=locked_household, subject="ledger",
                 subject_id=ledger.pk, label=f"{year} 年", action=action, changes=changes,
                 batch_id=batch_id, event=AuditEventType.HOUSEHOLD_UPDATED)
    return ledger


# --- Sensitive reads ------------------------------------------------------------------------

def household_reveal(*, actor: User, household: Household, reason: str = "") -> Household:
    """Allow showing a household's full ID numbers, phones and account; audited (查看敏感信息)."""
    if not actor.has_perm("core.reveal_pii"):
        raise PermissionDenied("您的角色不能查看完整的身份证号、电话和银行账号。")
    if not Household.objects.visible_to(actor).filter(pk=household.pk).exists():
        raise NotFound()
    record_event(actor=actor, event_type=AuditEventType.SENSITIVE_REVEALED, subject=household,
                 region_code=household.region_id, note=reason or "查看完整身份证号、电话和银行账号")
    return household


# --- Export ---------------------------------------------------------------------------------

def registry_export(*, actor: User, households: Any, filters: Mapping[str, Any],
                    year: int | None = None) -> tuple[Any, int]:
    """Write the given (already scoped) households in the template's layout; audited.

    ID numbers, phones and bank accounts are masked unless the actor may reveal them.
    """
    from minsheng.registry.excel import export_workbook

    if not actor.has_perm("registry.view_household"):
        raise PermissionDenied()
    reveal = actor.has_perm("core.reveal_pii")
    handle, count = export_workbook(households, reveal=reveal, year=year)
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="registry.household",
                 note=f"导出农户台账 {count} 行（{'含完整身份证号' if reveal else '脱敏'}）",
                 extra={"filters": dict(filters), "rows": count, "revealed": reveal})
    return handle, count
