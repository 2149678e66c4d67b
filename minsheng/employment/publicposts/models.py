"""乡村公益性岗位: posts per village with a quota, appointments (聘用) with contract periods and
the facts the eligibility was decided on, monthly attendance with the subsidy it earns, exits.
A sub-app of employment with its own tables."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet
from minsheng.registry.models import Household, Member


class PostType(models.TextChoices):
    """Post types of the Guizhou 办法 and the usual local names (保洁、护路、护林、水管、巡河)."""

    CLEANING = "cleaning", "保洁员"
    ROAD = "road", "农村公路养护员（护路员）"
    FOREST = "forest", "护林员"
    WATER = "water", "水管员"
    RIVER = "river", "巡河员"
    PUBLIC_SERVICE = "public_service", "乡村公益服务（治安、养老、文化等）"
    SKILLED = "skilled", "技术技能岗位"
    OTHER = "other", "其他"


class AppointmentStatus(models.TextChoices):
    ACTIVE = "active", "在岗"
    EXITED = "exited", "已退岗"


class ExitReason(models.TextChoices):
    CONTRACT_END = "contract_end", "聘期届满"
    RESIGNED = "resigned", "本人辞职"
    WORK_AWAY = "work_away", "外出务工或稳定就业"
    NOT_ELIGIBLE = "not_eligible", "不再符合安置条件"
    DISMISSED = "dismissed", "考核不合格解聘"
    HEALTH = "health", "身体原因不能胜任"
    DECEASED = "deceased", "死亡"
    OTHER = "other", "其他"


class Post(models.Model):
    """A village's public-welfare post type with its quota (岗位及定额)."""

    region = models.ForeignKey(Region, verbose_name="村", on_delete=models.PROTECT,
                               related_name="+")
    post_type = models.CharField("岗位类型", max_length=20, choices=PostType.choices)
    name = models.CharField("岗位名称", max_length=100)
    quota = models.PositiveIntegerField("岗位定额（人）")
    duties = models.CharField("岗位职责", max_length=200, blank=True)
    active = models.BooleanField("在用", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "公益性岗位"
        verbose_name_plural = "公益性岗位"
        ordering = ["region_id", "post_type", "id"]
        permissions = [("export_payroll", "导出公益性岗位补贴发放表")]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="publicposts_post_name",
                                    violation_error_message="该村已有同名岗位。"),
        ]

    def __str__(self) -> str:
        return self.name


class Appointment(models.Model):
    """A person appointed to a post on a contract (聘用), with the facts declared on the
    application (无法外出, 村干部家庭), whether the household was a 监测对象 (from the monitoring
    cases) on appointment, and the eligibility decision it was made on."""

    post = models.ForeignKey(Post, verbose_name="岗位", on_delete=models.PROTECT,
                             related_name="appointments")
    member = models.ForeignKey(Member, verbose_name="成员", on_delete=models.PROTECT,
                               related_name="+")
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+")
    start_date = models.DateField("聘期开始")
    end_date = models.DateField("聘期结束")
    status = models.CharField("状态", max_length=10, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.ACTIVE)
    cannot_go_out = models.BooleanField("无法外出务工", default=False)
    cannot_go_out_reason = models.CharField("无法外出的原因", max_length=200, blank=True)
    monitored = models.BooleanField("监测对象（聘用时按监测案件认定）", default=False)
    cadre_family = models.BooleanField("村干部家庭成员（申请时申报）", default=False)
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    bank_account = models.CharField("补贴发放账号", max_length=40, blank=True)
    # The eligibility evaluation: facts, parameter values with references, reasons.
    eligibility = models.JSONField("资格审核依据", default=dict, blank=True)
    exit_date = models.DateField("退岗日期", null=True, blank=True)
    exit_reason = models.CharField("退岗原因", max_length=16, choices=ExitReason.choices,
                                   blank=True)
    exit_note = models.CharField("退岗说明", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "公益性岗位聘用"
        verbose_name_plural = "公益性岗位聘用"
        ordering = ["post_id", "status", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(status="active"),
                                    name="publicposts_one_active_per_member",
                                    violation_error_message="此人已在公益性岗位上。"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="publicposts_contract_dates"),
            models.CheckConstraint(
                condition=models.Q(status="active") | models.Q(exit_date__isnull=False),
                name="publicposts_exited_has_date"),
        ]
        indexes = [models.Index(fields=["region", "status"], name="publicposts_appt_region")]

    def __str__(self) -> str:
        return f"{self.post_id} {self.member_id}"


class Attendance(models.Model):
    """One month's attendance of an appointment and the subsidy it earns (月度考勤与补贴)."""

    appointment = models.ForeignKey(Appointment, verbose_name="聘用", on_delete=models.PROTECT,
                                    related_name="attendances")
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    month = models.CharField("月份", max_length=7)
    days_required = models.PositiveSmallIntegerField("应出勤天数")
    days_present = models.PositiveSmallIntegerField("实际出勤天数")
    amount = models.DecimalField("应发补贴（元）", max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    # The calculation: monthly amount, rate, rule, parameter references.
    calculation = models.JSONField("计算依据", default=dict, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "公益性岗位考勤"
        verbose_name_plural = "公益性岗位考勤"
        ordering = ["appointment_id", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "month"],
                                    name="publicposts_attendance_month"),
            models.CheckConstraint(condition=models.Q(days_present__lte=models.F("days_required")),
                                   name="publicposts_attendance_days"),
            models.CheckConstraint(condition=models.Q(amount__gte=0),
                                   name="publicposts_attendance_amount"),
        ]
        indexes = [models.Index(fields=["month", "region"], name="publicposts_att_month_reg")]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.month}"
