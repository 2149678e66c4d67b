"""Writes of the employment statistics: 务工规模 targets (目标任务) and the Excel export.

Targets are scoped (a county office enters its own county's, a city or province office its own
and the counties under it), versioned (a stale version is refused) and audited as
``EMPLOYMENT_UPDATED``; the export as ``EXPORTED``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.excel import write_workbook
from minsheng.core.models import AuditEventType, User
from minsheng.employment.rules import parse_month
from minsheng.employment.stats.models import YEARLY, EmploymentTarget
from minsheng.employment.stats.selectors import (
    STATS_EXPORT,
    TARGET_ADD,
    TARGET_CHANGE,
    TARGET_DELETE,
    stats_table,
)
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope, holds_perm

CHANGE_EVENT = AuditEventType.EMPLOYMENT_UPDATED
TARGET_FIELDS = ("region", "year", "month", "target", "reference", "note")
MAX_TARGET = 10_000_000


def _require(actor: User, perm: str, message: str) -> None:
    if not holds_perm(actor, perm):
        raise PermissionDenied(message)


def _number(value: Any, label: str, low: int, high: int) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        raise InvalidInput(f"请填写「{label}」。")
    try:
        number = int(text)
    except ValueError:
        raise InvalidInput(f"「{label}」应为整数，实为「{text}」。") from None
    if not low <= number <= high:
        raise InvalidInput(f"「{label}」应为 {low}～{high}，实为 {number}。")
    return number


def _text(data: dict[str, Any], key: str, label: str, limit: int = 200) -> str:
    value = str(data.get(key) or "").strip()
    if len(value) > limit:
        raise InvalidInput(f"「{label}」最长 {limit} 个字。")
    return value


def target_region(actor: User, code: Any) -> Region:
    """A county (or city, province) in the actor's scope, else NotFound / InvalidInput."""
    code = str(code or "").strip()
    if code.isdigit() and len(code) in (2, 4, 6, 9):
        code = code.ljust(12, "0")
    region = Region.objects.filter(code=code).first()
    if region is None or not code_in_scope(actor, region.code):
        raise NotFound("所选区划不存在或不在您的管辖范围内。")
    if region.level > RegionLevel.COUNTY:
        raise InvalidInput(f"务工规模目标只分解到县（市、区）一级，「{region.name}」是"
                           f"{region.get_level_display()}级区划。")
    return region


def clean_target(data: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of a target, checked (forms, API and import share these rules)."""
    return {"target": _number(data.get("target"), "目标人数", 0, MAX_TARGET),
            "reference": _text(data, "reference", "依据文件"),
            "note": _text(data, "note", "备注")}


def clean_period(data: dict[str, Any]) -> tuple[int, int]:
    year = _number(data.get("year"), "年度", 2000, 2100)
    month = _number(data.get("month") if data.get("month") not in (None, "") else YEARLY,
                    "月份", 0, 12)
    return year, month


def _audit(actor: User, target: EmploymentTarget, before: dict[str, Any], note: str) -> None:
    after = snapshot(target, TARGET_FIELDS)
    record_event(actor=actor, event_type=CHANGE_EVENT, subject=target,
                 region_code=target.region_id,
                 changes={k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]},
                 note=note)


def _describe(target: EmploymentTarget, region: Region) -> str:
    return f"{region.name} {target.year}年{target.month_label.replace(' ', '')}"


def target_create(*, actor: User, region_code: Any, data: dict[str, Any]) -> EmploymentTarget:
    """Enter a target (录入务工规模目标); one per region, year and month."""
    _require(actor, TARGET_ADD, "您没有录入务工规模目标的权限。")
    year, month = clean_period(data)
    values = clean_target(data)
    with transaction.atomic():
        region = target_region(actor, region_code)
        if EmploymentTarget.objects.filter(region=region, year=year, month=month).exists():
            when = "全年" if month == YEARLY else f"{month}月"
            raise InvalidInput(f"{region.name} {year}年{when}的目标已经录入，请修改原记录。")
        try:
            with transaction.atomic():
                target = EmploymentTarget.objects.create(region=region, year=year, month=month,
                                                         created_by=actor, updated_by=actor,
                                                         **values)
        except IntegrityError:
            raise Conflict("该目标刚被他人录入，请刷新后修改。") from None
        _audit(actor, target, {}, f"录入务工规模目标：{_describe(target, region)}")
    return target


def _lock(actor: User, target_id: Any, action: str) -> EmploymentTarget:
    target = (EmploymentTarget.objects.visible_to(actor, action).select_for_update()
              .filter(pk=target_id).select_related("region").first())
    if target is None:
        raise NotFound()
    return target


def _check_version(target: EmploymentTarget, version: int | None) -> None:
    if version is None:
        raise InvalidInput("缺少版本号：请先读取记录再修改。")
    if target.version != version:
        raise Conflict(f"该目标已被他人修改（当前版本 {target.version}，您编辑的是版本 {version}），"
                       "为避免覆盖他人的修改，本次保存未生效。请刷新后重新编辑。")


def target_update(*, actor: User, target_id: Any, data: dict[str, Any],
                  version: int | None) -> EmploymentTarget:
    """Correct a target's number, reference or note (region and period stay)."""
    _require(actor, TARGET_CHANGE, "您没有修改务工规模目标的权限。")
    values = clean_target(data)
    with transaction.atomic():
        target = _lock(actor, target_id, "change")
        _check_version(target, version)
        before = snapshot(target, TARGET_FIELDS)
        for key, value in values.items():
            setattr(target, key, value)
        target.version += 1
        target.updated_by = actor
        target.save()
        _audit(actor, target, before, f"修改务工规模目标：{_describe(target, target.region)}")
    return target


def target_delete(*, actor: User, target_id: Any, version: int | None) -> None:
    _require(actor, TARGET_DELETE, "您没有删除务工规模目标的权限。")
    with transaction.atomic():
        target = _lock(actor, target_id, "delete")
        _check_version(target, version)
        before = snapshot(target, TARGET_FIELDS)
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=target,
                     region_code=target.region_id,
                     changes={k: [v, None] for k, v in before.items()},
                     note=f"删除务工规模目标：{_describe(target, target.region)}")
        target.delete()


# --- Export ---------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    return float(value)


def stats_export(*, actor: User, month: Any, code: str = "") -> tuple[Any, int]:
    """The statistics table of a month (the region's children and the total) as xlsx."""
    _require(actor, STATS_EXPORT, "您没有导出就业帮扶统计的权限。")
    month = parse_month(month)
    table = stats_table(actor=actor, month=month, code=code)
    headers = ["区划代码", "区划", *[f"{m.label}（{m.unit}）" for m in table.metrics]]
    keys = [m.key for m in table.metrics]
    rows = [[r.region.code, r.region.name, *[_cell(r.values.get(k)) for k in keys]]
            for r in table.rows]
    rows.append([table.region.code, f"{table.region.name}（合计）",
                 *[_cell(table.total.get(k)) for k in keys]])
    handle, count = write_workbook(title=f"{month}就业帮扶统计", headers=headers, rows=rows,
                                   widths=[14, 16, *[12] * len(keys)])
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="employment_stats.employmentstats", region_code=table.region.code,
                 note=f"导出 {month} 就业帮扶统计：{table.region.name}（{len(table.rows)} 个下级区划）",
                 extra={"month": month, "region": table.region.code, "rows": len(table.rows)})
    return handle, count
