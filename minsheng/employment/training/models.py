"""Training (职业技能培训): demand survey (点餐式培训需求), courses, enrolment, completion and the
employment outcome 3 and 6 months later. A sub-app of employment with its own tables.

Courses belong to a county (the county office organises them with a training institution);
demand and enrolments belong to the village of the people concerned, so a village monitor
records its own villagers and the county sees everything in its subtree.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet
from minsheng.registry.models import Household, Member


class CourseStatus(models.TextChoices):
    PLANNED = "planned", "计划中"
    RUNNING = "running", "培训中"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "在训"
    COMPLETED = "completed", "已结业"
    DROPPED = "dropped", "中途退出"


class OutcomeSource(models.TextChoices):
    NONE = "", "未回访"
    LEDGER = "ledger", "取自劳动力台账"
    MANUAL = "manual", "人工回访"


class TrainingDemand(models.Model):
    """A village's wish for a course in a year (点餐式培训需求：村 + 年度 + 工种)."""

    region = models.ForeignKey(Region, verbose_name="村", on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    trade = models.CharField("意向培训工种", max_length=50)
    headcount = models.PositiveIntegerField("意向人数")
    members = models.ManyToManyField(Member, verbose_name="意向人员", blank=True,
                                     related_name="+")
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "培训需求"
        verbose_name_plural = "培训需求"
        ordering = ["region_id", "year", "trade"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "trade"],
                                    name="training_demand_once",
                                    violation_error_message="该村本年度已登记过这个工种的需求。"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.trade}"


class Course(models.Model):
    """A training course (培训班) organised by a county with a training institution."""

    region = models.ForeignKey(Region, verbose_name="组织县（市、区）", on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField("培训班名称", max_length=100)
    trade = models.CharField("培训工种", max_length=50)
    provider = models.CharField("培训机构", max_length=100)
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    place = models.CharField("培训地点", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("计划人数")
    subsidy_per_trainee = models.DecimalField(
        "每人培训补贴（元）", max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))])
    status = models.CharField("状态", max_length=16, choices=CourseStatus.choices,
                              default=CourseStatus.PLANNED)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-start_date", "id"]
        permissions = [("export_course", "导出培训后就业统计")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="training_course_dates"),
            models.CheckConstraint(condition=models.Q(subsidy_per_trainee__gte=0),
                                   name="training_course_subsidy_nonneg"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A labour-force member on a course (参训人员): completion, certificate and the employment
    checks 3 and 6 months after completion (培训后就业回访)."""

    course = models.ForeignKey(Course, verbose_name="培训班", on_delete=models.PROTECT,
                               related_name="enrolments")
    member = models.ForeignKey(Member, verbose_name="成员", on_delete=models.PROTECT,
                               related_name="+")
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    # The member's village when enrolled: scope and statistics are code ranges on it.
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField("状态", max_length=16, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ENROLLED)
    attendance_days = models.PositiveSmallIntegerField("出勤天数", default=0)
    completed_on = models.DateField("结业日期", null=True, blank=True)
    certificate_type = models.CharField("证书类型", max_length=50, blank=True)
    certificate_no = models.CharField("证书编号", max_length=50, blank=True)
    employed_3m = models.BooleanField("结业 3 个月后就业", null=True, blank=True)
    source_3m = models.CharField("3 个月回访来源", max_length=8, choices=OutcomeSource.choices,
                                 blank=True)
    employed_6m = models.BooleanField("结业 6 个月后就业", null=True, blank=True)
    source_6m = models.CharField("6 个月回访来源", max_length=8, choices=OutcomeSource.choices,
                                 blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "参训人员"
        verbose_name_plural = "参训人员"
        ordering = ["course_id", "region_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "member"], name="training_enrol_once",
                                    violation_error_message="此人已报名该培训班。"),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_on__isnull=False),
                name="training_completed_has_date"),
        ]
        indexes = [models.Index(fields=["completed_on", "region"],
                                name="training_enrol_completed")]

    def __str__(self) -> str:
        return f"{self.course_id} {self.member_id}"
