"""Stored policy data: rule determinations (判定记录) and locally proposed parameter values.

Parameters themselves live in YAML files (``policy/parameters/``); the only parameter values in
the database are the ones county and city staff propose in the UI and a second person approves
(``ParameterProposal`` with status ``approved``). Those join the lookup beside the files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DeterminationStatus(models.TextChoices):
    RISK = "risk", "存在风险"
    CLEAR = "clear", "未发现风险"
    UNKNOWN = "unknown", "无法判定"


class Determination(models.Model):
    """One rule evaluated for one household (判定记录), replayable later.

    Records what was decided, by which rule version, with which parameter values (and their
    references) and on which facts, so the decision can be explained and re-run years later.
    """

    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="determinations",
                                  db_index=False)
    region_code = models.CharField("区划代码", max_length=12)
    rule_id = models.CharField("规则", max_length=64)
    rule_version = models.PositiveSmallIntegerField("规则版本")
    on = models.DateField("判定日期")
    status = models.CharField("结论", max_length=8, choices=DeterminationStatus.choices)
    reasons = models.JSONField("理由", default=list, blank=True)
    parameters = models.JSONField("所用参数", default=dict, blank=True)
    facts = models.JSONField("事实快照", default=dict, blank=True)
    # Which run wrote it (a screening run's id, or empty for a single evaluation).
    source = models.CharField("来源", max_length=64, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "判定记录"
        verbose_name_plural = "判定记录"
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["household", "rule_id", "on"], name="policy_det_household_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.rule_version} {self.get_status_display()}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class ParameterProposal(models.Model):
    """A local parameter value proposed in the UI (地方参数取值申报) and its approval.

    Proposed by county or city staff for their own region; a different person approves it
    (四眼原则). Approved values join the YAML values in the lookup for that region.
    """

    name = models.CharField("参数", max_length=128)
    region_code = models.CharField("区划代码", max_length=12)
    effective = models.DateField("生效日期")
    until = models.DateField("截止日期", null=True, blank=True)
    value = models.JSONField("取值")
    note = models.CharField("备注", max_length=200, blank=True)
    ref_document = models.CharField("文件名称（文号）", max_length=200)
    ref_issuer = models.CharField("发文机关", max_length=100)
    ref_date = models.DateField("发文日期")
    ref_url = models.URLField("网址", blank=True)
    status = models.CharField("状态", max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申报人",
                                    on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("申报时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人",
                                   on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "参数取值申报"
        verbose_name_plural = "参数取值申报"
        ordering = ["-proposed_at", "-id"]
        permissions = [
            ("propose_parameter", "申报地方政策参数"),
            ("approve_parameter", "审批地方政策参数"),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="policy_proposal_status_name"),
            models.Index(fields=["region_code", "status"], name="policy_proposal_region"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.region_code} {self.effective}"
