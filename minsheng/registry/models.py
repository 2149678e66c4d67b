"""Household registry (农户台账 / 建档立卡): households, members, yearly income ledger,
两不愁三保障 + 饮水 facts, and each household's change history.

The registry stores components only: which income items count toward 人均纯收入 is policy
(``policy/``), so no derived income total is stored here.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet
from minsheng.registry.choices import (
    ArchiveReason,
    Education,
    Gender,
    Health,
    HouseholdCategory,
    HousingGrade,
    LabourCapacity,
    Relation,
    SchoolStage,
    WorkArea,
)

_MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0")}


class Household(models.Model):
    """A household (户) registered in a village (村)."""

    household_no = models.CharField("户编号", max_length=32, unique=True)
    # Indexed by (region, household_no) below, which serves every lookup by region.
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="households", db_index=False)
    group_name = models.CharField("村民小组", max_length=50, blank=True)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    head_name = models.CharField("户主姓名", max_length=64)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    category = models.CharField("户类型", max_length=16, choices=HouseholdCategory.choices,
                                default=HouseholdCategory.ORDINARY)
    relocated = models.BooleanField("易地扶贫搬迁户", default=False)
    housing_grade = models.CharField("住房安全等级", max_length=1, choices=HousingGrade.choices,
                                     blank=True)
    water_quantity_ok = models.BooleanField("饮水水量达标", null=True, blank=True)
    water_quality_ok = models.BooleanField("饮水水质达标", null=True, blank=True)
    water_convenience_ok = models.BooleanField("取水方便", null=True, blank=True)
    water_assurance_ok = models.BooleanField("供水保障率达标", null=True, blank=True)
    archived = models.BooleanField("已归档", default=False)
    archive_reason = models.CharField("归档原因", max_length=16, choices=ArchiveReason.choices,
                                      blank=True)
    archive_note = models.CharField("归档说明", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "农户"
        verbose_name_plural = "农户"
        ordering = ["region_id", "household_no"]
        indexes = [
            models.Index(fields=["region", "household_no"], name="registry_hh_region_no"),
            models.Index(fields=["category", "region"], name="registry_hh_category"),
        ]

    def __str__(self) -> str:
        return f"{self.household_no} {self.head_name}"

    @property
    def water_ok(self) -> bool | None:
        """All four 饮水安全 indicators met; None while any is unchecked."""
        flags = [self.water_quantity_ok, self.water_quality_ok, self.water_convenience_ok,
                 self.water_assurance_ok]
        if any(f is False for f in flags):
            return False
        if any(f is None for f in flags):
            return None
        return True


class MemberQuerySet(ScopedQuerySet["Member"]):
    pass


class Member(models.Model):
    """A household member (家庭成员), identified by the 18-digit 居民身份证号码."""

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT,
                                  related_name="members")
    id_number = models.CharField("身份证号", max_length=18)
    name = models.CharField("姓名", max_length=64)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices)
    education = models.CharField("文化程度", max_length=16, choices=Education.choices,
                                 blank=True)
    school_stage = models.CharField("在校生状况", max_length=16, choices=SchoolStage.choices,
                                    default=SchoolStage.NOT_IN_SCHOOL)
    health = models.CharField("健康状况", max_length=16, choices=Health.choices,
                              default=Health.HEALTHY)
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    labour_capacity = models.CharField("劳动技能", max_length=16,
                                       choices=LabourCapacity.choices,
                                       default=LabourCapacity.ORDINARY)
    work_area = models.CharField("务工区域", max_length=16, choices=WorkArea.choices, blank=True)
    work_months = models.PositiveSmallIntegerField("务工时间（月）", default=0)
    medical_insurance = models.BooleanField("参加基本医疗保险", default=True)
    serious_illness_insurance = models.BooleanField("参加大病保险", default=True)
    pension_insurance = models.BooleanField("参加基本养老保险", default=False)
    dibao = models.BooleanField("享受低保", default=False)
    tekun = models.BooleanField("特困供养", default=False)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    active = models.BooleanField("在户", default=True)
    archive_reason = models.CharField("减员原因", max_length=16, choices=ArchiveReason.choices,
                                      blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "household__region"
    permission_model = "household"

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=models.Q(active=True),
                name="registry_member_one_active_household",
                violation_error_message="同一身份证号只能在一个在册农户中。",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(active=True, relation="head"),
                name="registry_member_one_head",
                violation_error_message="一户只能有一名户主。",
            ),
            models.CheckConstraint(condition=models.Q(work_months__lte=12),
                                   name="registry_member_work_months_le_12"),
            models.CheckConstraint(
                condition=models.Q(disability_grade__isnull=True)
                | models.Q(disability_grade__gte=1, disability_grade__lte=4),
                name="registry_member_disability_grade_1_4"),
        ]
        # ID numbers are looked up among active members only, through the partial unique
        # index above; a second index on every member ever registered would only slow writes.

    def __str__(self) -> str:
        return self.name


class IncomeLedger(models.Model):
    """One year's income and expenditure of a household (收支台账), stored as components."""

    # The unique (household, year) constraint's index serves every lookup by household.
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT,
                                  related_name="ledgers", db_index=False)
    year = models.PositiveSmallIntegerField("年度")
    wage_income = models.DecimalField("工资性收入", **_MONEY)
    business_income = models.DecimalField("生产经营性收入", **_MONEY)
    business_expense = models.DecimalField("生产经营性支出", **_MONEY)
    property_income = models.DecimalField("财产性收入", **_MONEY)
    transfer_family_planning = models.DecimalField("转移性收入：计划生育金", **_MONEY)
    transfer_dibao = models.DecimalField("转移性收入：低保金", **_MONEY)
    transfer_tekun = models.DecimalField("转移性收入：特困供养金", **_MONEY)
    transfer_pension = models.DecimalField("转移性收入：养老保险金", **_MONEY)
    transfer_eco_compensation = models.DecimalField("转移性收入：生态补偿金", **_MONEY)
    transfer_other = models.DecimalField("转移性收入：其他", **_MONEY)
    medical_out_of_pocket = models.DecimalField("合规自付医疗支出", **_MONEY)
    education_expense = models.DecimalField("教育支出", **_MONEY)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "household__region"
    permission_model = "household"

    objects = ScopedQuerySet.as_manager()

    AMOUNT_FIELDS = (
        "wage_income", "business_income", "business_expense", "property_income",
        "transfer_family_planning", "transfer_dibao", "transfer_tekun", "transfer_pension",
        "transfer_eco_compensation", "transfer_other", "medical_out_of_pocket",
        "education_expense",
    )

    class Meta:
        verbose_name = "收支台账"
        verbose_name_plural = "收支台账"
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="registry_ledger_year"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100),
                                   name="registry_ledger_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} 年收支"

    @property
    def transfer_income(self) -> Decimal:
        return (self.transfer_family_planning + self.transfer_dibao + self.transfer_tekun
                + self.transfer_pension + self.transfer_eco_compensation + self.transfer_other)


class HouseholdChange(models.Model):
    """One entry of a household's history (变更记录): who changed what, when. Append-only."""

    class Subject(models.TextChoices):
        HOUSEHOLD = "household", "农户"
        MEMBER = "member", "成员"
        LEDGER = "ledger", "收支"

    # Indexed by (household, -at) below; a second index on household alone would only slow
    # every write.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="changes",
                                  db_index=False)
    # Read only per household, newest first: the (household, -at) index serves it. Users are
    # deactivated, never deleted, so nothing looks entries up by actor.
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    subject = models.CharField("对象", max_length=16, choices=Subject.choices)
    subject_id = models.BigIntegerField("对象编号")
    subject_label = models.CharField("对象名称", max_length=100, blank=True)
    action = models.CharField("操作", max_length=40)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    import_batch_id = models.BigIntegerField("导入批次", null=True, blank=True)

    class Meta:
        verbose_name = "农户变更记录"
        verbose_name_plural = "农户变更记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household", "-at"], name="registry_change_hh_at")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.action}"


class SearchKey(models.Model):
    """Name and pinyin-initial keys of a household's active members (拼音首字母检索).

    Every reading of a polyphonic character is indexed: 曾祥月 → 曾祥月, zxy, cxy.
    """

    # Looked up by (region_code, household): the (region_code, key) index finds a village's keys
    # (households never change village), so household needs no index of its own to maintain.
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    # The household's village code, copied so a search narrows by region inside the index.
    region_code = models.CharField(max_length=12)
    key = models.CharField(max_length=64)

    class Meta:
        verbose_name = "检索键"
        verbose_name_plural = "检索键"
        indexes = [
            # A village's keys (and a household's, to replace them), by region first.
            models.Index(fields=["region_code", "key"], name="registry_searchkey_region_key"),
            # A search over a county or more: the matching keys first, the region read from
            # the index entry, so no table row is visited for keys outside the area.
            models.Index(fields=["key", "region_code"], name="registry_searchkey_key_region"),
        ]

    def __str__(self) -> str:
        return self.key


class LedgerCents(models.Model):
    """Two income ledgers of a household in whole 分 (integers, as the screening rules compute):
    the latest one (``c_*``) and the one of the year before it (``p_*``), one column per
    ``IncomeLedger.AMOUNT_FIELDS``. Shared by the screening summary and the screening
    determinations' facts."""

    c_wage_income = models.BigIntegerField(null=True)
    c_business_income = models.BigIntegerField(null=True)
    c_business_expense = models.BigIntegerField(null=True)
    c_property_income = models.BigIntegerField(null=True)
    c_transfer_family_planning = models.BigIntegerField(null=True)
    c_transfer_dibao = models.BigIntegerField(null=True)
    c_transfer_tekun = models.BigIntegerField(null=True)
    c_transfer_pension = models.BigIntegerField(null=True)
    c_transfer_eco_compensation = models.BigIntegerField(null=True)
    c_transfer_other = models.BigIntegerField(null=True)
    c_medical_out_of_pocket = models.BigIntegerField(null=True)
    c_education_expense = models.BigIntegerField(null=True)
    p_wage_income = models.BigIntegerField(null=True)
    p_business_income = models.BigIntegerField(null=True)
    p_business_expense = models.BigIntegerField(null=True)
    p_property_income = models.BigIntegerField(null=True)
    p_transfer_family_planning = models.BigIntegerField(null=True)
    p_transfer_dibao = models.BigIntegerField(null=True)
    p_transfer_tekun = models.BigIntegerField(null=True)
    p_transfer_pension = models.BigIntegerField(null=True)
    p_transfer_eco_compensation = models.BigIntegerField(null=True)
    p_transfer_other = models.BigIntegerField(null=True)
    p_medical_out_of_pocket = models.BigIntegerField(null=True)
    p_education_expense = models.BigIntegerField(null=True)

    class Meta:
        abstract = True


class HouseholdSummary(LedgerCents):
    """A household's facts as the screening rules read them (农户筛查摘要): one row per
    non-archived household, derived from the household, its active members and its two latest
    ledgers, so that a whole-registry screening reads one table instead of joining three.

    Never edited by hand: database triggers on the household, member and ledger tables record
    which households changed (:class:`SummaryDirty`) and :mod:`minsheng.registry.summary`
    rebuilds their rows, set-based, before every screening and after bulk loads. Amounts are
    whole 分 (integers), as the rules compute; members are counted, not listed (the rules need
    counts, and the birth dates of the youngest members not in school to decide the age
    window)."""

    household = models.OneToOneField(Household, verbose_name="农户", primary_key=True,
                                     on_delete=models.DO_NOTHING, db_constraint=False,
                                     related_name="+")
    region_id = models.CharField("所在村代码", max_length=12)
    category = models.CharField("户类型", max_length=16)
    housing_grade = models.CharField("住房安全等级", max_length=1)
    water_quantity_ok = models.BooleanField("饮水水量达标", null=True)
    water_quality_ok = models.BooleanField("饮水水质达标", null=True)
    water_convenience_ok = models.BooleanField("取水方便", null=True)
    water_assurance_ok = models.BooleanField("供水保障率达标", null=True)
    people = models.IntegerField("在户人数")
    uninsured = models.IntegerField("未参加基本医疗保险人数")
    out_of_school = models.IntegerField("未在校人数")
    # The birth dates of the three youngest members not in school (youngest first): enough to
    # decide a compulsory-age window for all but households with more than three members too
    # young for it, for which the rules count the members themselves.
    out_of_school_born_max = models.DateField("最年幼的未在校者出生日期", null=True)
    out_of_school_born_2 = models.DateField("次年幼的未在校者出生日期", null=True)
    out_of_school_born_3 = models.DateField("第三年幼的未在校者出生日期", null=True)
    ledger_year = models.IntegerField("最近收支台账年度", null=True)
    has_previous = models.BooleanField("有上一年度台账", default=False)

    class Meta:
        verbose_name = "农户筛查摘要"
        verbose_name_plural = "农户筛查摘要"
        indexes = [
            models.Index(fields=["region_id"], name="registry_summary_region"),
            # Finds at once whether any ledger is newer than a screening's year (rare).
            models.Index(fields=["ledger_year"], name="registry_summary_ledger_year"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} 筛查摘要"


class SummaryDirty(models.Model):
    """A household whose :class:`HouseholdSummary` row is out of date (待刷新的筛查摘要),
    appended by the registry tables' triggers and consumed by
    :func:`minsheng.registry.summary.refresh_dirty`. Append-only; a household may appear more
    than once."""

    id = models.BigAutoField(primary_key=True)
    household_id = models.BigIntegerField("农户")

    class Meta:
        verbose_name = "待刷新的筛查摘要"
        verbose_name_plural = "待刷新的筛查摘要"

    def __str__(self) -> str:
        return f"{self.household_id}"
