"""Assistance plans (一户一策): the measures catalogue, a plan per household with its 帮扶责任人,
the measures of the plan with their evidence, and the monthly follow-up visits (事后跟踪).

Plans are per household. A monitoring case (``monitoring``) links to a plan later through
``AssistancePlan.case_id`` (a plain id, as ``DepartmentLead.monitoring_case_id``), so this app
does not depend on the case model.

帮扶责任人 is a named cadre with a phone (many are cadres of county departments without an
account); when the cadre has an account in scope it is linked too, and the due list of that
account is then "my households".
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from minsheng.assistance.catalogue import DEVELOPMENTAL, OTHER, SAFETY_NET
from minsheng.core.masking import mask_phone
from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet


class MeasureKind(models.TextChoices):
    DEVELOPMENTAL = DEVELOPMENTAL, "开发式帮扶"
    SAFETY_NET = SAFETY_NET, "兜底保障"
    OTHER = OTHER, "其他措施（三保障、饮水等）"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "执行中"
    CLOSED = "closed", "已关闭"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "计划"
    IN_PROGRESS = "in_progress", "实施中"
    COMPLETED = "completed", "已完成"
    TERMINATED = "terminated", "已终止"


OPEN_MEASURE_STATUSES = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)


class IncomeChange(models.TextChoices):
    UP = "up", "增加"
    SAME = "same", "基本持平"
    DOWN = "down", "减少"


class MeasureType(models.Model):
    """One entry of the measures catalogue (帮扶措施目录), seeded by a data migration."""

    code = models.CharField("代码", max_length=32, primary_key=True)
    name = models.CharField("措施名称", max_length=50)
    kind = models.CharField("类别", max_length=16, choices=MeasureKind.choices)
    default_months = models.PositiveSmallIntegerField("默认期限（月）", null=True, blank=True)
    continues_until = models.CharField("风险消除后延续至", max_length=20, blank=True,
                                       help_text="为空表示风险消除后不再延续")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "帮扶措施类型"
        verbose_name_plural = "帮扶措施类型"
        ordering = ["sort_order", "code"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.name

    @property
    def continues_after_elimination(self) -> bool:
        return bool(self.continues_until)


class AssistancePlan(models.Model):
    """A household's assistance plan (一户一策帮扶计划). At most one active plan per household;
    a closed plan stays as history."""

    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="+", db_index=False)
    # The household's village (households never change village): the plan's scope.
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    status = models.CharField("状态", max_length=16, choices=PlanStatus.choices,
                              default=PlanStatus.ACTIVE)
    responsible_name = models.CharField("帮扶责任人", max_length=64, blank=True)
    responsible_phone = models.CharField("帮扶责任人电话", max_length=20, blank=True)
    responsible_unit = models.CharField("帮扶责任人单位", max_length=100, blank=True)
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="帮扶责任人账号",
                                         null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    goal = models.TextField("帮扶目标", blank=True)
    # The monitoring case this plan serves, once monitoring cases exist.
    case_id = models.BigIntegerField("监测对象案件", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_reason = models.CharField("关闭原因", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "帮扶计划"
        verbose_name_plural = "帮扶计划"
        ordering = ["region_id", "household_id", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("manage_assistanceplan", "制定、关闭帮扶计划，确定帮扶责任人"),
            ("record_assistanceplan", "登记、更新帮扶措施"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=models.Q(status="active"),
                                    name="assistance_one_active_plan",
                                    violation_error_message="每户只能有一个执行中的帮扶计划。"),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="assistance_plan_region"),
            models.Index(fields=["household", "-id"], name="assistance_plan_household"),
        ]

    def __str__(self) -> str:
        return f"帮扶计划 {self.pk}（农户 {self.household_id}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.responsible_phone)


class PlanMeasure(models.Model):
    """One measure of a plan (帮扶措施): type, period, amount, status, responsible unit."""

    plan = models.ForeignKey(AssistancePlan, verbose_name="帮扶计划", on_delete=models.PROTECT,
                             related_name="measures")
    measure_type = models.ForeignKey(MeasureType, verbose_name="措施类型",
                                     on_delete=models.PROTECT, related_name="+")
    title = models.CharField("措施内容", max_length=200, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    # For the types that continue after elimination: the loan's due date, the post
    # agreement's end, the end of the school stage.
    continues_until = models.DateField("风险消除后延续至", null=True, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2,
                                 default=Decimal("0"))
    status = models.CharField("状态", max_length=16, choices=MeasureStatus.choices,
                              default=MeasureStatus.PLANNED)
    responsible_unit = models.CharField("责任单位", max_length=100, blank=True)
    suggested_reason = models.CharField("系统建议理由", max_length=300, blank=True)
    notes = models.TextField("备注", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "plan__region"
    permission_model = "assistanceplan"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["plan_id", "start_date", "id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="assistance_measure_end_after_start"),
            models.CheckConstraint(condition=models.Q(amount__gte=0),
                                   name="assistance_measure_amount_ge_0"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_type_id} {self.title}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MEASURE_STATUSES


def evidence_path(instance: MeasureEvidence, filename: str) -> str:
    from django.utils import timezone

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"assistance/evidence/{timezone.now():%Y/%m}/{instance.measure_id}-{timezone.now():%H%M%S%f}.{suffix}"


class MeasureEvidence(models.Model):
    """A file proving a measure was carried out (佐证材料): photo, contract, receipt.
    Stored under MEDIA_ROOT, never served publicly: read only through the scoped view."""

    measure = models.ForeignKey(PlanMeasure, verbose_name="帮扶措施", on_delete=models.PROTECT,
                                related_name="evidence")
    file = models.FileField("文件", upload_to=evidence_path)
    original_name = models.CharField("原文件名", max_length=200)
    description = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    region_path = "measure__plan__region"
    permission_model = "assistanceplan"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["measure_id", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.original_name


class FollowUpVisit(models.Model):
    """A monthly follow-up visit (事后跟踪走访) of a household: one per household and month."""

    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="+", db_index=False)
    plan = models.ForeignKey(AssistancePlan, verbose_name="帮扶计划", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="visits")
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    month = models.CharField("走访月份", max_length=7)
    visit_date = models.DateField("走访日期")
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人",
                              null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    cadre_name = models.CharField("走访干部", max_length=64)
    income_change = models.CharField("收入变化", max_length=8, choices=IncomeChange.choices)
    income_note = models.CharField("收入情况说明", max_length=200, blank=True)
    education_ok = models.BooleanField("义务教育有保障", null=True, blank=True)
    medical_ok = models.BooleanField("基本医疗有保障", null=True, blank=True)
    housing_ok = models.BooleanField("住房安全有保障", null=True, blank=True)
    water_ok = models.BooleanField("饮水安全有保障", null=True, blank=True)
    # [{"measure": id, "name": "...", "status": "...", "note": "..."}] as seen on the visit.
    measures_progress = models.JSONField("措施进展", default=list, blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下一步打算", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "跟踪走访"
        verbose_name_plural = "跟踪走访"
        ordering = ["-month", "region_id", "household_id"]
        default_permissions = ("view", "add")
        constraints = [
            models.UniqueConstraint(fields=["household", "month"],
                                    name="assistance_visit_once_a_month",
                                    violation_error_message="该户本月已登记跟踪走访。"),
        ]
        indexes = [models.Index(fields=["region", "month"], name="assistance_visit_region")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month} 走访"
