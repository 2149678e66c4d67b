"""Employment assistance (就业帮扶): the labour-force ledger (劳动力台账) and enterprises with
their 就业帮扶车间.

The labour force itself is not stored: it is the registry's working-age members with labour
capacity (age bounds are policy parameters). What is stored here is each member's monthly work
status, their skills and wishes, and the employers and workshops.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from minsheng.employment.choices import (
    FairOutcome,
    NoticeStatus,
    PostingStatus,
    Sector,
    SubsidyKind,
    UnemployedReason,
    WorkerCategory,
    WorkshopStatus,
    WorkshopType,
    WorkStatus,
)
from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet
from minsheng.registry.choices import WorkArea
from minsheng.registry.models import Household, Member


class LabourProfile(models.Model):
    """A labour-force member's skills, certificates, job intention and training wishes
    (劳动力技能与就业意愿). One per member; governed by the ledger's permissions."""

    member = models.OneToOneField(Member, verbose_name="成员", on_delete=models.PROTECT,
                                  related_name="labour_profile")
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+")
    skills = models.CharField("技能特长", max_length=200, blank=True)
    certificates = models.CharField("职业资格或技能证书", max_length=200, blank=True)
    intended_trade = models.CharField("意向工种", max_length=100, blank=True)
    intended_place = models.CharField("意向务工地点", max_length=100, blank=True)
    max_distance_km = models.PositiveIntegerField("可接受的最远距离（公里）", null=True, blank=True)
    training_wishes = models.CharField("培训意愿", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"
    permission_model = "labourstatus"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "劳动力技能与意愿"
        verbose_name_plural = "劳动力技能与意愿"

    def __str__(self) -> str:
        return f"{self.member_id} 技能与意愿"


class LabourProfileKey(models.Model):
    """A two-character window of a profile's trade texts (意向工种、技能特长、证书), for the job
    matching's prefilter: the profiles whose texts share a window with a posting's trade are found
    through the (key, village) index instead of scanning every profile. Written with the profile
    (``matching.profile_keys_write``); never edited by hand."""

    profile = models.ForeignKey(LabourProfile, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    region_id = models.CharField("所在村代码", max_length=12)
    key = models.CharField("关键字", max_length=2)

    class Meta:
        verbose_name = "技能关键字"
        verbose_name_plural = "技能关键字"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["profile", "key"],
                                               name="employment_profile_key_once")]
        indexes = [models.Index(fields=["key", "region_id"], name="employment_profile_key")]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.key}"


class LabourStatus(models.Model):
    """One member's work status in one month (劳动力月度就业状态)."""

    member = models.ForeignKey(Member, verbose_name="成员", on_delete=models.PROTECT,
                               related_name="labour_statuses", db_index=False)
    # Copied from the member's household when written: coverage groups by household and
    # village, and scope is a range on the village code without a join.
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    month = models.CharField("月份", max_length=7)
    status = models.CharField("就业状态", max_length=16, choices=WorkStatus.choices)
    work_area = models.CharField("务工区域", max_length=16, choices=WorkArea.choices, blank=True)
    employer_name = models.CharField("就业单位", max_length=200, blank=True)
    work_months = models.PositiveSmallIntegerField(
        "本年务工月数", default=0, validators=[MaxValueValidator(12)])
    monthly_income = models.DecimalField("月收入（元）", max_digits=10, decimal_places=2,
                                         null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0"))])
    unemployed_reason = models.CharField("未就业原因", max_length=20,
                                         choices=UnemployedReason.choices, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    unchanged = models.BooleanField("与上月相同（确认无变化）", default=False)
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="更新人", null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "劳动力就业状态"
        verbose_name_plural = "劳动力就业状态"
        ordering = ["member_id", "-month"]
        permissions = [("export_labourstatus", "导出劳动力台账")]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="employment_status_month"),
            models.CheckConstraint(condition=models.Q(work_months__lte=12),
                                   name="employment_status_months_le_12"),
            models.CheckConstraint(
                condition=models.Q(status="unemployed") | ~models.Q(work_area=""),
                name="employment_status_employed_has_area"),
            models.CheckConstraint(
                condition=models.Q(status="employed") | ~models.Q(unemployed_reason=""),
                name="employment_status_unemployed_has_reason"),
        ]
        indexes = [
            # A village's (or a county's) statuses of one month: the coverage and the ledger.
            models.Index(fields=["month", "region"], name="employment_status_month_reg"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month} {self.get_status_display()}"


class Enterprise(models.Model):
    """An employer (用工企业) identified by its 统一社会信用代码, registered in a county."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("企业名称", max_length=200)
    region = models.ForeignKey(Region, verbose_name="注册地（县）", on_delete=models.PROTECT,
                               related_name="+")
    address = models.CharField("地址", max_length=200, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    sector = models.CharField("行业", max_length=20, choices=Sector.choices,
                              default=Sector.OTHER)
    contact_name = models.CharField("联系人", max_length=64, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "用工企业"
        verbose_name_plural = "用工企业"
        ordering = ["region_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Workshop(models.Model):
    """A 就业帮扶车间 run by an enterprise in a village."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="所属企业", on_delete=models.PROTECT,
                                   related_name="workshops")
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField("车间名称", max_length=200)
    workshop_type = models.CharField("车间类型", max_length=16, choices=WorkshopType.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    headcount = models.PositiveIntegerField("用工总人数", default=0)
    status = models.CharField("生产状态", max_length=16, choices=WorkshopStatus.choices,
                              default=WorkshopStatus.PRODUCING)
    status_since = models.DateField("状态起始日期", null=True, blank=True)
    recognized = models.BooleanField("已认定为就业帮扶车间", default=False)
    recognized_on = models.DateField("认定日期", null=True, blank=True)
    # The evaluation the recognition was granted on: parameter values and references, counts.
    recognition = models.JSONField("认定依据", default=dict, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "就业帮扶车间"
        verbose_name_plural = "就业帮扶车间"
        ordering = ["region_id", "name", "id"]
        permissions = [("recognize_workshop", "认定就业帮扶车间")]

    def __str__(self) -> str:
        return self.name


class WorkshopWorker(models.Model):
    """A 脱贫/监测 (or other) worker of a workshop with a contract (车间务工人员)."""

    workshop = models.ForeignKey(Workshop, verbose_name="车间", on_delete=models.PROTECT,
                                 related_name="workers")
    name = models.CharField("姓名", max_length=64)
    id_number = models.CharField("身份证号", max_length=18)
    member = models.ForeignKey(Member, verbose_name="台账成员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    category = models.CharField("人员类别", max_length=16, choices=WorkerCategory.choices)
    contract_start = models.DateField("合同起始日期")
    contract_months = models.PositiveSmallIntegerField("合同期限（月）")
    left_on = models.DateField("离岗日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    region_path = "workshop__region"
    permission_model = "workshop"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "车间务工人员"
        verbose_name_plural = "车间务工人员"
        ordering = ["workshop_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "id_number"],
                                    condition=models.Q(left_on__isnull=True),
                                    name="employment_worker_once_per_workshop",
                                    violation_error_message="此人已在该车间务工。"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkshopSubsidy(models.Model):
    """A subsidy granted to a workshop (稳岗/社保/就业/创业补贴)."""

    workshop = models.ForeignKey(Workshop, verbose_name="车间", on_delete=models.PROTECT,
                                 related_name="subsidies")
    kind = models.CharField("补贴类型", max_length=20, choices=SubsidyKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    granted_on = models.DateField("发放日期")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    region_path = "workshop__region"
    permission_model = "workshop"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "车间补贴"
        verbose_name_plural = "车间补贴"
        ordering = ["workshop_id", "-granted_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0),
                                              name="employment_subsidy_positive")]

    def __str__(self) -> str:
        return f"{self.workshop_id} {self.get_kind_display()} {self.amount}"


class WorkshopStatusChange(models.Model):
    """A dated change of a workshop's production status (停产、复工记录). Append-only."""

    workshop = models.ForeignKey(Workshop, verbose_name="车间", on_delete=models.PROTECT,
                                 related_name="status_changes")
    from_status = models.CharField("原状态", max_length=16, choices=WorkshopStatus.choices,
                                   blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=WorkshopStatus.choices)
    on = models.DateField("日期")
    reason = models.CharField("原因或说明", max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "车间状态变化"
        verbose_name_plural = "车间状态变化"
        ordering = ["workshop_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.workshop_id} {self.from_status}→{self.to_status}"


# --- Jobs, matching, 用工预录通知书, 招聘会 ------------------------------------------------------

class VillageLocation(models.Model):
    """A village's coordinates (村委会位置), for straight-line distances to work sites. Regions
    carry no coordinates; employment keeps them here, entered by the county (or the demo)."""

    region = models.OneToOneField(Region, verbose_name="村（社区）", on_delete=models.PROTECT,
                                  primary_key=True, related_name="+")
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6)
    source = models.CharField("坐标来源", max_length=100, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"
    permission_model = "jobposting"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "村位置"
        verbose_name_plural = "村位置"

    def __str__(self) -> str:
        return f"{self.region_id} ({self.lng}, {self.lat})"


class JobPosting(models.Model):
    """A job posting (招聘岗位) of an enterprise, optionally at one of its workshops. Visible
    county-wide (every account whose scope lies in or covers ``county``); written by the county."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="用工企业", on_delete=models.PROTECT,
                                   related_name="postings")
    workshop = models.ForeignKey(Workshop, verbose_name="就业帮扶车间", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="postings")
    county = models.ForeignKey(Region, verbose_name="所属县", on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField("岗位名称", max_length=100)
    trade = models.CharField("工种", max_length=50)
    place_region = models.ForeignKey(Region, verbose_name="工作地点（区划）", null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+",
                                     db_index=False)
    place = models.CharField("工作地点", max_length=200, blank=True)
    # The work site: the workshop's village, else the enterprise (copied when saved).
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    wage_min = models.DecimalField("月工资下限（元）", max_digits=10, decimal_places=2,
                                   null=True, blank=True)
    wage_max = models.DecimalField("月工资上限（元）", max_digits=10, decimal_places=2,
                                   null=True, blank=True)
    headcount = models.PositiveIntegerField("招聘人数")
    requirements = models.CharField("岗位要求", max_length=500, blank=True)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止")
    status = models.CharField("状态", max_length=16, choices=PostingStatus.choices,
                              default=PostingStatus.OPEN)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("发布时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "county"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招聘岗位"
        verbose_name_plural = "招聘岗位"
        ordering = ["county_id", "-valid_from", "-id"]
        permissions = [("match_jobposting", "查看岗位匹配的求职人员")]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_to__gte=models.F("valid_from")),
                                   name="employment_posting_valid_range"),
            models.CheckConstraint(condition=models.Q(headcount__gte=1),
                                   name="employment_posting_headcount"),
        ]
        indexes = [models.Index(fields=["county", "status"], name="employment_posting_county")]

    def __str__(self) -> str:
        return f"{self.title}（{self.trade}）"


class PlacementNotice(models.Model):
    """用工预录通知书: a match turned into a three-party notice (enterprise, township government,
    worker), tracked from signature to six months in post. Scoped by the worker's village."""

    number = models.CharField("通知书编号", max_length=32, unique=True)
    posting = models.ForeignKey(JobPosting, verbose_name="招聘岗位", on_delete=models.PROTECT,
                                related_name="notices")
    enterprise = models.ForeignKey(Enterprise, verbose_name="用工企业", on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    member = models.ForeignKey(Member, verbose_name="务工人员", on_delete=models.PROTECT,
                               related_name="placement_notices")
    township = models.ForeignKey(Region, verbose_name="乡镇人民政府", on_delete=models.PROTECT,
                                 related_name="+", db_index=False)
    region = models.ForeignKey(Region, verbose_name="务工人员所在村", on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField("状态", max_length=16, choices=NoticeStatus.choices,
                              default=NoticeStatus.ISSUED)
    score = models.IntegerField("匹配得分", default=0)
    explanation = models.CharField("匹配说明", max_length=500, blank=True)
    issued_on = models.DateField("开具日期")
    signed_on = models.DateField("签字日期", null=True, blank=True)
    started_on = models.DateField("上岗日期", null=True, blank=True)
    checked_3m_on = models.DateField("满 3 个月核实日期", null=True, blank=True)
    checked_6m_on = models.DateField("满 6 个月核实日期", null=True, blank=True)
    left_on = models.DateField("终止日期", null=True, blank=True)
    left_reason = models.CharField("终止原因", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="开具人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("开具时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "用工预录通知书"
        verbose_name_plural = "用工预录通知书"
        ordering = ["-issued_on", "-id"]
        constraints = [
            # One live notice per worker and posting; a terminated one may be issued again.
            models.UniqueConstraint(fields=["posting", "member"],
                                    condition=~models.Q(status="left"),
                                    name="employment_notice_once_per_posting",
                                    violation_error_message="此人已有该岗位的用工预录通知书。"),
        ]

    def __str__(self) -> str:
        return self.number


class PlacementNoticeEvent(models.Model):
    """One transition of a 用工预录通知书 (who, when, on which date). Append-only."""

    notice = models.ForeignKey(PlacementNotice, verbose_name="通知书", on_delete=models.PROTECT,
                               related_name="events")
    from_status = models.CharField("原状态", max_length=16, choices=NoticeStatus.choices,
                                   blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=NoticeStatus.choices)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "通知书状态变化"
        verbose_name_plural = "通知书状态变化"
        ordering = ["notice_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.from_status}→{self.to_status}"


class JobFair(models.Model):
    """A 招聘会 (e.g. 春风行动) organised by a county or township."""

    name = models.CharField("招聘会名称", max_length=100)
    held_on = models.DateField("举办日期")
    place = models.CharField("举办地点", max_length=200)
    region = models.ForeignKey(Region, verbose_name="主办地区", on_delete=models.PROTECT,
                               related_name="+")
    note = models.CharField("说明", max_length=500, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招聘会"
        verbose_name_plural = "招聘会"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.name


class JobFairEnterprise(models.Model):
    """An enterprise at a fair, with the posts it brought (参会企业及岗位)."""

    fair = models.ForeignKey(JobFair, verbose_name="招聘会", on_delete=models.PROTECT,
                             related_name="enterprises")
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="+")
    postings = models.ManyToManyField(JobPosting, verbose_name="招聘岗位", blank=True,
                                      related_name="fairs")
    posts = models.PositiveIntegerField("提供岗位数", default=0)

    region_path = "fair__region"
    permission_model = "jobfair"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "参会企业"
        verbose_name_plural = "参会企业"
        ordering = ["fair_id", "id"]
        constraints = [models.UniqueConstraint(fields=["fair", "enterprise"],
                                               name="employment_fair_enterprise_once")]

    def __str__(self) -> str:
        return f"{self.fair_id} {self.enterprise_id}"


class JobFairAttendee(models.Model):
    """A labour-force member at a fair and the outcome (到场、意向、签约)."""

    fair = models.ForeignKey(JobFair, verbose_name="招聘会", on_delete=models.PROTECT,
                             related_name="attendees")
    member = models.ForeignKey(Member, verbose_name="求职人员", on_delete=models.PROTECT,
                               related_name="+")
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    outcome = models.CharField("结果", max_length=16, choices=FairOutcome.choices,
                               default=FairOutcome.ATTENDED)
    enterprise = models.ForeignKey(Enterprise, verbose_name="意向或签约企业", null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    note = models.CharField("说明", max_length=200, blank=True)

    region_path = "fair__region"
    permission_model = "jobfair"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招聘会求职人员"
        verbose_name_plural = "招聘会求职人员"
        ordering = ["fair_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fair", "member"],
                                    name="employment_fair_attendee_once"),
            models.CheckConstraint(condition=models.Q(outcome="attended")
                                   | models.Q(enterprise__isnull=False),
                                   name="employment_fair_offer_has_enterprise"),
        ]

    def __str__(self) -> str:
        return f"{self.fair_id} {self.member_id}"
