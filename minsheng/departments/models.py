"""Department data cross-matching (部门数据比对): uploaded department files, the leads they
produce (部门推送线索) and each lead's status history.

A department (医保, 教育, 民政, 住建, 残联, 应急, 人社) uploads a file for one period (e.g. 2025-10)
through the staged import pipeline (``core.imports``). Each row whose ID number matches an active
registry member in the uploader's scope becomes a :class:`DepartmentLead`; rows that match no one
are kept as :class:`UnmatchedRow` for return to the department (未匹配名单).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from minsheng.core.masking import mask_id_number
from minsheng.core.roles import Department, Role
from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet, scope_bounds, scope_q


class LeadStatus(models.TextChoices):
    PUSHED = "pushed", "已推送"
    ASSIGNED = "assigned", "已分派乡镇"
    VERIFIED = "verified", "已核实"
    INCLUDED = "included", "已纳入监测"
    NOT_INCLUDED = "not_included", "不纳入"


class DepartmentUpload(models.Model):
    """One department file for one period (部门数据批次), attached to its import batch."""

    batch = models.OneToOneField("core.ImportBatch", verbose_name="导入批次",
                                 on_delete=models.PROTECT, related_name="department_upload")
    department = models.CharField("部门", max_length=32, choices=Department.choices)
    period = models.CharField("数据期间", max_length=7, help_text="年-月，如 2025-10")
    # The uploader's assigned region: who else may see the upload (the county office).
    region = models.ForeignKey(Region, verbose_name="上传区域", on_delete=models.PROTECT,
                               related_name="+")
    auto_assign = models.BooleanField("导入后自动分派乡镇", default=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    region_path = "region"
    permission_model = "departmentlead"
    department_field = "department"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "部门数据批次"
        verbose_name_plural = "部门数据批次"
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.get_department_display()} {self.period}"


class UnmatchedRow(models.Model):
    """A row of an applied department file that matched no active registry member in scope
    (未匹配): listed for return to the department."""

    upload = models.ForeignKey(DepartmentUpload, on_delete=models.CASCADE,
                               related_name="unmatched_rows")
    row_number = models.PositiveIntegerField("原行号")
    name = models.CharField("姓名", max_length=64)
    id_number = models.CharField("身份证号", max_length=18)

    class Meta:
        verbose_name = "未匹配行"
        verbose_name_plural = "未匹配行"
        ordering = ["upload_id", "row_number"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.row_number}"


class DepartmentLeadQuerySet(ScopedQuerySet["DepartmentLead"]):
    def visible_to(self, actor: Any, action: str = "view") -> DepartmentLeadQuerySet:
        """The county office and liaisons see leads by the household's village; a township
        station sees only the leads assigned to a township in its scope (whatever village the
        household lives in), and nothing still waiting for assignment."""
        if getattr(actor, "role", "") != Role.TOWNSHIP_STATION:
            return super().visible_to(actor, action)  # type: ignore[return-value]
        if scope_q(actor, self.model, action) is None:
            return self.none()
        q = models.Q()
        for lo, hi in scope_bounds(actor):
            q |= models.Q(township_id__gte=lo, township_id__lte=hi)
        return self.filter(q)


class DepartmentLead(models.Model):
    """A matched row of a department file (部门推送线索), handled by a state machine
    (``departments/workflow.py``): 已推送 → 已分派乡镇 → 已核实 → 已纳入监测 / 不纳入."""

    upload = models.ForeignKey(DepartmentUpload, verbose_name="部门数据批次",
                               on_delete=models.PROTECT, related_name="leads")
    department = models.CharField("部门", max_length=32, choices=Department.choices)
    period = models.CharField("数据期间", max_length=7)
    row_number = models.PositiveIntegerField("原行号")
    name = models.CharField("姓名（部门数据）", max_length=64)
    id_number = models.CharField("身份证号", max_length=18)
    member = models.ForeignKey("registry.Member", verbose_name="匹配成员",
                               on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="+", db_index=False)
    registry_name = models.CharField("台账姓名", max_length=64)
    name_mismatch = models.BooleanField("姓名不一致", default=False)
    # The household's village when the lead was created: the county and liaisons' scope.
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    township = models.ForeignKey(Region, verbose_name="分派乡镇", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    details = models.JSONField("部门数据", default=dict, blank=True)
    # Department thresholds (医保): whether the row reaches the parameter in force, and the
    # parameters used (value, reference), so the flag explains itself.
    threshold_reached = models.BooleanField("达到推送阈值", null=True, blank=True)
    threshold = models.JSONField("阈值依据", default=list, blank=True)
    status = models.CharField("状态", max_length=16, choices=LeadStatus.choices,
                              default=LeadStatus.PUSHED)
    verification = models.TextField("核实结果", blank=True)
    decision_reason = models.TextField("处理意见", blank=True)
    # 已纳入监测: the monitoring case this lead became, once monitoring cases exist.
    monitoring_case_id = models.BigIntegerField("监测对象案件", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("推送时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"
    department_field = "department"

    objects = DepartmentLeadQuerySet.as_manager()

    class Meta:
        verbose_name = "部门推送线索"
        verbose_name_plural = "部门推送线索"
        ordering = ["-period", "department", "region_id", "id"]
        default_permissions = ("view", "add")  # add = upload department data
        permissions = [
            ("assign_departmentlead", "分派部门推送线索"),
            ("verify_departmentlead", "核实部门推送线索"),
            ("decide_departmentlead", "决定部门推送线索是否纳入监测"),
            ("export_departmentlead", "导出部门反馈表"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["department", "period", "id_number"],
                                    name="departments_lead_once_per_period",
                                    violation_error_message="同一部门同一期间每人只推送一次。"),
        ]
        indexes = [
            models.Index(fields=["region", "department", "period"],
                         name="departments_lead_region"),
            models.Index(fields=["status", "region"], name="departments_lead_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_department_display()} {self.period} {self.name}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class LeadStatusChange(models.Model):
    """One step of a lead's history (状态变更记录). Append-only: written only by the
    transition service and the import."""

    lead = models.ForeignKey(DepartmentLead, on_delete=models.PROTECT, related_name="changes")
    from_status = models.CharField("原状态", max_length=16, choices=LeadStatus.choices,
                                   blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=LeadStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    reason = models.TextField("说明", blank=True)
    township = models.ForeignKey(Region, verbose_name="分派乡镇", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索状态变更"
        verbose_name_plural = "线索状态变更"
        ordering = ["lead_id", "at", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_status} → {self.to_status}"
